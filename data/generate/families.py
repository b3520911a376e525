"""Fraud families and their variants.

Each fraud typology is a family: a ring draws one variant of its family, and the variant
decides how the ring spells and shares its identifiers, how large and spread out it is,
whether it uses an address as residence or for mail, and which honest profile it hides
behind. ``truth.parquet``'s ``variant`` names it (``device_farm/residential_proxy``).

Variants are drawn from a random stream of their own (``[seed, VARIANT_STREAM]``), so the
honest population, the fraud share and every ring's size and typology stay as they were.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from claimscreen.data.generate.arrays import Arr
from claimscreen.data.generate.kinds import (
    BANK_DROP,
    DECEASED,
    DEVICE_FARM,
    DROP_ADDRESS,
    EMAIL_ALIAS,
    INCARCERATED,
    KNOWN_BAD,
    MAIL_DROP,
    MULTI_STATE,
    REFILED,
    SYNTHETIC,
    TYPOLOGIES,
)
from claimscreen.data.generate.rings import Rings

__all__ = ["FAMILIES", "VARIANTS", "VARIANT_STREAM", "draw_variants", "is_variant", "shape_rings"]

VARIANT_STREAM = 19

#: Per family, its variants and their weights. What each models:
#:
#: * bank drops: ``shared_accounts`` (one to three mule accounts take every payment);
#:   ``stealth_chain`` (each account, phone, mailbox, device and address is used by exactly
#:   two claims, linked A-B, B-C, C-D over weeks, as rings do to stay under shared-identifier
#:   thresholds); ``layoff_cover`` (identities stolen from one large employer's payroll data,
#:   filed as laid-off workers of that employer, as after an employer's data breach).
#: * device farms: ``hosting_block`` (a cloud /24), ``mixed_ips`` (VPNs, hosting, mobile);
#:   ``residential_proxy`` (rotating residential proxy addresses, one per claim, ordinary
#:   browsers and human-paced sessions over several days: the farm's few devices remain).
#: * email aliases: one Gmail mailbox written with dots and +tags, dots only or tags only.
#: * drop addresses: the ring's addresses as residence or as mailing address; or
#:   ``household_cover``: members file in threes from one unit, each three sharing a home
#:   connection and a computer as a family does, the threes tied only by the ring's account.
#: * synthetic identities: ``impossible_ssn`` (area 000, 666 or 9xx, group 00, serial 0000);
#:   ``plausible_ssn_thin`` (an SSN of a valid form never issued to anyone, a young adult
#:   with no wage history); ``plausible_ssn_aged`` (the same, aged into a 25-55 year old).
#: * deceased, incarcerated and multi-state: ``chain`` (each claim shares one identifier with
#:   the previous) or the family's shared identifier.
#: * re-filed identities: one stolen identity re-used with spelling variations, two taken
#:   in turn, or ``stacked_variations`` (a name variation and a swapped day/month birth date
#:   on the same claim), each filing with its own mailbox and account.
#: * known bad actors: which listed identifiers they reuse (money: account or address;
#:   contact: mailbox or phone; network: IP address or device).
#: * mail drops: the unit given as residence, as mailing address, or either.
FAMILIES: dict[int, tuple[tuple[str, float], ...]] = {
    BANK_DROP: (("shared_accounts", 50), ("stealth_chain", 30), ("layoff_cover", 20)),
    DEVICE_FARM: (("hosting_block", 40), ("mixed_ips", 25), ("residential_proxy", 35)),
    EMAIL_ALIAS: (("dots_and_tags", 50), ("dots_only", 25), ("tags_only", 25)),
    DROP_ADDRESS: (("residence", 40), ("mailing", 35), ("household_cover", 25)),
    SYNTHETIC: (("impossible_ssn", 40), ("plausible_ssn_thin", 35), ("plausible_ssn_aged", 25)),
    DECEASED: (("chain", 40), ("shared_account", 30), ("own_accounts", 30)),
    INCARCERATED: (("chain", 40), ("accomplice_address", 60)),
    MULTI_STATE: (("chain", 40), ("shared_device", 60)),
    REFILED: (("one_identity", 45), ("two_identities", 30), ("stacked_variations", 25)),
    KNOWN_BAD: (("listed_money", 35), ("listed_contact", 35), ("listed_network", 30)),
    MAIL_DROP: (("residence", 35), ("mailing", 35), ("mixed", 30)),
}
#: Every variant as ``typology/variant``; a ring's variant is an index into it.
VARIANTS: tuple[str, ...] = tuple(
    f"{TYPOLOGIES[t]}/{name}" for t in sorted(FAMILIES) for name, _ in FAMILIES[t]
)


def code(typology: int, name: str) -> int:
    """The index of a variant in :data:`VARIANTS`."""
    return VARIANTS.index(f"{TYPOLOGIES[typology]}/{name}")


def draw_variants(rng: np.random.Generator, typology: Arr) -> Arr:
    """A variant of its family for each ring, by the family's weights."""
    out = np.full(len(typology), -1, dtype=np.int64)
    for t, options in FAMILIES.items():
        rows = np.flatnonzero(typology == t)
        weights = np.array([w for _, w in options], dtype=np.float64)
        drawn = rng.choice(len(options), size=len(rows), p=weights / weights.sum())
        out[rows] = np.array([code(t, name) for name, _ in options])[drawn]
    return out


def shape_rings(rng: np.random.Generator, rings: Rings, days: int) -> Rings:
    """Each ring's variant, and the timing and habits that follow from it."""
    n = len(rings)
    variant = draw_variants(rng, rings.typology)
    chained = np.isin(variant, [code(t, "chain") for t in (DECEASED, INCARCERATED, MULTI_STATE)])
    proxy = variant == code(DEVICE_FARM, "residential_proxy")
    stealth = variant == code(BANK_DROP, "stealth_chain")
    layoff = variant == code(BANK_DROP, "layoff_cover")
    newly_chained = chained & ~rings.chained
    nights = np.where(newly_chained, rng.integers(3, 7, n), rings.nights)
    nights = np.where(stealth, rng.integers(6, 12, n), np.where(proxy, rng.integers(3, 8, n), nights))
    nights = np.where(layoff, rng.integers(1, 3, n), nights)
    gap = np.where(newly_chained, rng.integers(2, 8, n), rings.gap)
    gap = np.where(stealth, rng.integers(2, 4, n), np.where(proxy, 1, gap))
    daytime = rng.integers(28_800, 72_000, n)
    start_day = np.where(stealth | proxy, np.minimum(rings.start_day, max(days - 14, 0)), rings.start_day)
    return replace(
        rings,
        variant=variant,
        chained=chained,
        nights=nights,
        gap=gap,
        start_day=np.where(np.isin(rings.typology, (EMAIL_ALIAS, SYNTHETIC)), rings.start_day, start_day),
        nocturnal=rings.nocturnal & ~proxy & ~stealth,
        base_sec=np.where(proxy | stealth | layoff, daytime, rings.base_sec),
        hosting_block=variant == code(DEVICE_FARM, "hosting_block"),
        automated=rings.automated & (variant != code(DEVICE_FARM, "residential_proxy")),
        burst=(rings.typology == DEVICE_FARM) & ~proxy,
    )


def is_variant(variant: Arr, typology: int, name: str) -> Arr:
    """Rows whose variant is ``typology/name``."""
    return variant == code(typology, name)
