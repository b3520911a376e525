"""Shared fraud machinery: stolen identities, fraudsters' defaults and the bad actors' identifiers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from claimscreen.data.generate.arrays import Arr, Codes, make_code, pick, where
from claimscreen.data.generate.emails import make_emails
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.honest import assign_formats, assign_separation
from claimscreen.data.generate.kinds import (
    BANK_DROP,
    DECEASED,
    DEVICE_FARM,
    DROP_ADDRESS,
    EMAIL_ALIAS,
    INCARCERATED,
    IP_CGNAT,
    IP_FOREIGN,
    IP_HOSTING,
    IP_RESIDENTIAL,
    IP_TOR,
    IP_VPN,
    KIND_DECEASED,
    KIND_INMATE,
    KIND_SYNTHETIC,
    KIND_WORKER,
    KNOWN_BAD,
    MOBILE,
    MULTI_STATE,
    NS_FRESH,
    NS_LISTED,
    REFILED,
    SYNTHETIC,
    TYPOLOGIES,
    WEB,
)
from claimscreen.data.generate.people import People, draw_phones
from claimscreen.data.generate.places import Employers
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import (
    CITIES,
    CLASSIC_UNIT_STYLES,
    DESKTOP_AGENTS,
    FRAUD_EMAIL_DOMAINS,
    MOBILE_AGENTS,
    N_DESKTOP,
    OTHER_AREA_CODES,
    Vocab,
    draw_first,
    draw_last,
)

__all__ = [
    "ADDRESSES_PER_RING",
    "LISTED_PER_RING",
    "Listed",
    "assign_fraud_identities",
    "count_identities",
    "fraud_defaults",
    "fraud_emails",
    "make_listed",
    "pool_member",
]

STOLEN = (BANK_DROP, DEVICE_FARM, EMAIL_ALIAS, DROP_ADDRESS, MULTI_STATE, KNOWN_BAD)


ADDRESSES_PER_RING = 4


LISTED_PER_RING = 2


@dataclass(frozen=True)
class Listed:
    """Identifiers of known bad actors (both used by rings and never used), as codes."""

    accounts: Arr
    emails: pa.Array
    phones: Arr
    ip_keys: Arr
    devices: Arr
    addresses: Arr


def count_identities(rings: Rings) -> dict[int, int]:
    """How many identities of each kind the fraud rings consume."""
    size_by = np.bincount(rings.typology, weights=rings.size, minlength=len(TYPOLOGIES)).astype(np.int64)
    return {
        KIND_WORKER: int(size_by[list(STOLEN)].sum()) + 2 * int((rings.typology == REFILED).sum()),
        KIND_DECEASED: int(size_by[DECEASED]),
        KIND_INMATE: int(size_by[INCARCERATED]),
        KIND_SYNTHETIC: int(size_by[SYNTHETIC]),
    }


def pool_member(rng: np.random.Generator, ring: Arr, pool: Arr) -> Arr:
    """A ring-local key: the ring in the high bits, one of its pool's members in the low ones."""
    return (ring.astype(np.int64) << 8) | np.floor(rng.random(len(ring)) * pool).astype(np.int64)


def assign_fraud_identities(
    rng: np.random.Generator, typ: Arr, ring: Arr, rank: Arr, first_of: dict[int, int], variant: Arr
) -> Arr:
    """Stolen workers, the deceased, inmates and synthetic people; a re-filed ring reuses 1-2 identities."""
    ident = np.zeros(len(typ), dtype=np.int64)
    stolen = np.isin(typ, STOLEN)
    ident[stolen] = first_of[KIND_WORKER] + np.arange(int(stolen.sum()))
    for t, kind in ((DECEASED, KIND_DECEASED), (INCARCERATED, KIND_INMATE), (SYNTHETIC, KIND_SYNTHETIC)):
        rows = typ == t
        ident[rows] = first_of[kind] + np.arange(int(rows.sum()))
    refiled = typ == REFILED
    _, ring_no = np.unique(ring[refiled], return_inverse=True)
    two = is_variant(variant[refiled], REFILED, "two_identities")
    ident[refiled] = (
        first_of[KIND_WORKER] + int(stolen.sum()) + 2 * ring_no + np.where(two, rank[refiled] % 2, 0)
    )
    return ident


def fraud_emails(rng: np.random.Generator, vocab: Vocab, people: People, ident: Arr) -> pa.Array:
    """Fraudsters' mailboxes: a third look like the victim's name, the rest are throwaways."""
    n = len(ident)
    lang = np.zeros(n, dtype=np.int64)
    first = vocab.first_ascii.take(pa.array(draw_first(rng, vocab, lang, rng.integers(0, 2, n))))
    last = vocab.last_ascii.take(pa.array(draw_last(rng, vocab, lang)))
    victim_first = vocab.first_ascii.take(pa.array(people.first[ident]))
    victim_last = vocab.last_ascii.take(pa.array(people.last[ident]))
    victim = rng.random(n) < 0.35
    year = rng.integers(1960, 2004, n)
    return make_emails(
        rng, where(victim, victim_first, first), where(victim, victim_last, last), year, FRAUD_EMAIL_DOMAINS
    )


def fraud_defaults(
    rng: np.random.Generator, ring: Arr, day: Arr, sec: Arr, people: People, employers: Employers, ident: Arr
) -> Codes:
    """What every fraud claim looks like before its typology's habits are applied."""
    n = len(ring)
    c: Codes = {"day": day, "sec": sec, "ident": ident, "ring": ring}
    c["channel"] = np.where(rng.random(n) < 0.72, WEB, MOBILE)
    c["ip_kind"] = np.asarray((IP_RESIDENTIAL, IP_VPN, IP_HOSTING, IP_CGNAT, IP_FOREIGN, IP_TOR))[
        pick(rng, (55, 18, 12, 10, 3, 2), n)
    ]
    c["ip_key"] = np.arange(n, dtype=np.uint64) | np.uint64(5 << 40)
    c["device"] = make_code(NS_FRESH, np.arange(n))
    c["ua"] = np.where(
        c["channel"] == WEB,
        pick(rng, [w for _, w in DESKTOP_AGENTS], n),
        N_DESKTOP + pick(rng, [w for _, w in MOBILE_AGENTS], n),
    )
    area = np.r_[[c[3] for c in CITIES], OTHER_AREA_CODES]
    c["phone"] = draw_phones(rng, area[rng.integers(0, len(area), n)])
    c["pay"] = pick(rng, (80, 15, 5), n)
    c["acct"] = make_code(NS_FRESH, np.arange(n))
    c["addr"] = people.household[ident]
    c["unit_style"] = rng.integers(0, CLASSIC_UNIT_STYLES, n)
    c["mail_kind"], c["mail_addr"], c["mail_style"] = np.zeros(n, np.int64), np.full(n, -1), c["unit_style"]
    c["program"] = pick(rng, (90, 0, 3, 7), n)
    own_employer = np.where(people.employer[ident] >= 0, people.employer[ident], 0)
    c["employer"] = np.where(c["program"] == 3, -1, own_employer)
    c["session"] = np.round(rng.lognormal(np.log(260), 0.6, n), 1)
    c["lang"] = np.where(rng.random(n) < 0.97, 0, 1)
    c["name_var"] = np.zeros(n, dtype=np.int64)
    assign_formats(rng, c, n)
    assign_separation(rng, c, n, (85, 3, 4, 8))
    return c


def make_listed(
    rng: np.random.Generator, vocab: Vocab, people: People, n_rings: int, drop_base: int
) -> Listed:
    """Two identifiers of each kind per ring (known-bad rings use theirs; the others are just listed)."""
    slots = n_rings * LISTED_PER_RING
    ring = np.repeat(np.arange(n_rings), LISTED_PER_RING)
    member = np.tile(np.arange(LISTED_PER_RING), n_rings)
    key = (ring << 8) | member
    area = np.asarray([c[3] for c in CITIES])
    return Listed(
        accounts=make_code(NS_LISTED, key),
        emails=fraud_emails(rng, vocab, people, rng.integers(0, len(people), slots)),
        phones=draw_phones(rng, area[rng.integers(0, len(area), slots)]),
        ip_keys=make_code(NS_LISTED, key),
        devices=make_code(NS_LISTED, key),
        addresses=drop_base + ring * ADDRESSES_PER_RING + 2 + member,
    )
