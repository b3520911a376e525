"""Drop addresses, inmates' outside accomplices and synthetic rings' phones."""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes, pick
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.fraud import ADDRESSES_PER_RING
from claimscreen.data.generate.kinds import DROP_ADDRESS, INCARCERATED, SYNTHETIC
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import STREET_STYLES, UNIT_STYLES

__all__ = ["apply_address_habits", "respell_drop_addresses"]


def apply_address_habits(
    rng: np.random.Generator, c: Codes, rings: Rings, typ: Arr, drop_base: int, ring_phones: Arr
) -> None:
    """Drop addresses (unit spelled many ways), inmates' outside accomplice, synthetic rings' phones."""
    ring = c["ring"]
    n = len(ring)
    drop = drop_base + ring * ADDRESSES_PER_RING + np.floor(rng.random(n) * rings.pool[ring]).astype(np.int64)
    dropping = typ == DROP_ADDRESS
    as_residence = is_variant(rings.variant[ring], DROP_ADDRESS, "residence")
    as_mailing = is_variant(rings.variant[ring], DROP_ADDRESS, "mailing")
    inmate = typ == INCARCERATED
    accomplice = drop_base + ring * ADDRESSES_PER_RING + rng.integers(0, 2, n)
    c["addr"] = np.select([as_residence, inmate & ~rings.chained[ring]], [drop, accomplice], c["addr"])
    c["mail_kind"] = np.where(as_mailing, 1, c["mail_kind"])
    c["mail_addr"] = np.where(as_mailing, drop, c["mail_addr"])
    c["mail_style"] = np.where(as_mailing, rng.integers(0, len(UNIT_STYLES), n), c["mail_style"])
    c["unit_inline"] = np.where(dropping, rng.random(n) < 0.15, c["unit_inline"])
    c["pay"] = np.where(dropping | inmate, pick(rng, (30, 55, 15), n), c["pay"])
    phone_pool = (typ == SYNTHETIC) | (inmate & ~rings.chained[ring])
    c["phone"] = np.where(phone_pool, ring_phones[ring * 4 + rng.integers(0, 2, n)], c["phone"])


def respell_drop_addresses(rng: np.random.Generator, c: Codes, typ: Arr) -> None:
    """Drop-address claims write the unit and the street suffix each their own way (Apt 5, #5,
    Unit 5, APT. 5, Apartment 5, Apt.5, # 5; St, Street, St., ST), as each member's form did."""
    rows = np.flatnonzero(typ == DROP_ADDRESS)
    c["unit_style"][rows] = rng.integers(0, len(UNIT_STYLES), len(rows))
    c["street_style"][rows] = rng.integers(0, len(STREET_STYLES), len(rows))
