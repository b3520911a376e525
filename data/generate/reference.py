"""The reference lists.

Deceased, incarcerated, wage records, suspicious actors, IP ranges, interstate claims and
congregate addresses.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.arrays import Arr, Codes, digits, join, mix64, numbers, pick, take, where
from claimscreen.data.generate.banks import render_account
from claimscreen.data.generate.files import write_csv
from claimscreen.data.generate.formats import (
    local_times,
    render_date,
    render_device,
    render_ein,
    render_phone,
    render_ssn,
)
from claimscreen.data.generate.fraud import LISTED_PER_RING, Listed
from claimscreen.data.generate.kinds import (
    INCARCERATED,
    IP_RESIDENTIAL,
    KIND_DECEASED,
    KIND_FILER,
    KIND_INMATE,
    KIND_WORKER,
    KNOWN_BAD,
    MULTI_STATE,
    STATE,
)
from claimscreen.data.generate.network import FOREIGN_OCTETS, HOSTING_OCTETS, IP_BLOCKS, TOR_EXITS, render_ip
from claimscreen.data.generate.render import render_street
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import CITIES, LIST_SOURCES, OTHER_STATES
from claimscreen.data.generate.world import World
from claimscreen.data.schema import (
    REFERENCE_LISTS,
)

__all__ = ["write_references"]


def quarter_labels(start: datetime.date) -> list[str]:
    """The four quarters of the base period: those ending two quarters before the filing quarter."""
    index = start.year * 4 + (start.month - 1) // 3 - 2
    return [f"{q // 4}Q{q % 4 + 1}" for q in range(index - 3, index + 1)]


def make_wage_records(rng: np.random.Generator, world: World, start: datetime.date) -> pa.Table:
    """Employer-reported wages of filers and workers: up to four quarters, some at a previous employer."""
    people = world.people
    who = np.flatnonzero((people.quarters > 0) & np.isin(people.kind, (KIND_FILER, KIND_WORKER)))
    person = np.repeat(who, 4)
    quarter = np.tile(np.arange(4), len(who))
    keep = quarter >= 4 - people.quarters[person]
    person, quarter = person[keep], quarter[keep]
    before_switch = (people.prev_employer[person] >= 0) & (quarter < people.switch[person])
    employer = np.where(before_switch, people.prev_employer[person], people.employer[person])
    wages = np.round(people.wage[person] * rng.uniform(0.8, 1.15, len(person)), 2)
    plain = (mix64(person, 41) % np.uint64(5) != 0).astype(np.int64)
    return pa.table(
        {
            "ssn": render_ssn(people.ssn[person], plain),
            "employer_ein": render_ein(world.employers.ein[employer], rng.integers(0, 2, len(person))),
            "quarter": take(pa.array(quarter_labels(start)), quarter),
            "wages": pa.array(wages),
        }
    )


def optional_dates(start: datetime.date, offset: Arr, present: Arr) -> pa.Array:
    """Dates start + offset days, empty where not present."""
    return where(present, render_date(np.datetime64(start) + np.where(present, offset, 0)), "")


def fraud_rows(c: Codes, typology: int) -> Arr:
    return np.flatnonzero(c["typology"] == typology)


def make_deceased(rng: np.random.Generator, world: World, start: datetime.date) -> pa.Table:
    """Every deceased person: those whose identity a ring uses, and many who never came near a claim."""
    dead = rng.permutation(np.flatnonzero(world.people.kind == KIND_DECEASED))
    death = np.datetime64(start) - rng.integers(30, 2200, len(dead))
    return pa.table(
        {
            "ssn": render_ssn(world.people.ssn[dead], rng.integers(0, 2, len(dead))),
            "date_of_death": render_date(death),
        }
    )


def make_incarcerated(
    rng: np.random.Generator, world: World, c: Codes, start: datetime.date, days: int
) -> pa.Table:
    """Inmates held when a ring filed in their name, others held or long released, and honest ex-inmates."""
    people = world.people
    claim_day = np.full(len(people), -1)
    rows = fraud_rows(c, INCARCERATED)
    claim_day[c["ident"][rows]] = c["day"][rows]
    inmates = np.flatnonzero(people.kind == KIND_INMATE)
    n = len(inmates)
    used = claim_day[inmates] >= 0
    released_after = claim_day[inmates] + rng.integers(1, 20, n)
    released_before = -rng.integers(1, 900, n)
    released = np.where(used, released_after, released_before)
    has_release = np.where(used, (rng.random(n) < 0.15) & (released_after < days), rng.random(n) < 0.5)
    admitted = np.minimum(-rng.integers(60, 2500, n), released - 30)
    honest = np.flatnonzero(c["hard_extra"] == 1)
    freed = c["day"][honest] - rng.integers(30, 365, len(honest))
    person = np.r_[inmates, c["ident"][honest]]
    order = rng.permutation(len(person))
    released = np.r_[released, freed][order]
    return pa.table(
        {
            "ssn": render_ssn(people.ssn[person][order], rng.integers(0, 2, len(person))),
            "last_name": world.vocab.last.take(pa.array(people.last[person][order])),
            "date_of_birth": render_date(people.dob[person][order]),
            "admitted_on": render_date(
                np.datetime64(start) + np.r_[admitted, freed - rng.integers(90, 2500, len(honest))][order]
            ),
            "released_on": optional_dates(
                start, released, np.r_[has_release, np.ones(len(honest), bool)][order]
            ),
        }
    )


def render_address_values(world: World, addr: Arr) -> pa.Array:
    """Addresses as ``line1, city, ST zip`` (the suspicious-actors format)."""
    line1, _ = render_street(world.addresses, addr, np.zeros(len(addr), np.int64), np.ones(len(addr), bool))
    city = take(pa.array([ct[0] for ct in CITIES]), world.addresses.city[addr])
    return join(line1, ", ", city, ", ", STATE, " ", digits(world.addresses.zip5[addr], 5))


def make_congregate_addresses(world: World, start: datetime.date) -> pa.Table:
    """A few of the state's addresses listed as shelters, group homes and dormitories (no random draw:
    the first addresses of the state, one per 20,000, at least three)."""
    n = max(3, len(world.addresses.zip5) // 20_000)
    kinds = ("shelter", "group_home", "dormitory")
    return pa.table(
        {
            "address": render_address_values(world, np.arange(n)),
            "kind": pa.array([kinds[i % len(kinds)] for i in range(n)]),
            "added_on": pa.array([(start - datetime.timedelta(days=365)).isoformat()] * n),
        }
    )


def make_suspicious_actors(
    rng: np.random.Generator, world: World, c: Codes, rings: Rings, listed: Listed, start: datetime.date
) -> pa.Table:
    """Known bad identifiers: those known-bad rings reuse, others never seen, and recycled phone numbers."""
    routing, account = render_account(listed.accounts, world.banks, world.salt, world.own_accounts)
    n = len(listed.accounts)
    bad_ring = rings.typology[np.arange(n) // LISTED_PER_RING] == KNOWN_BAD
    recycled = c["phone"][(c["hard_extra"] == 3) & (c["phone"] > 0)]
    parts = [
        ("bank_account", join(routing, ":", account)),
        ("email", listed.emails),
        ("phone", render_phone(np.r_[listed.phones, recycled], rng.integers(0, 4, n + len(recycled)))),
        ("ip_address", render_ip(np.full(n, IP_RESIDENTIAL), listed.ip_keys, world.salt, world.own_ips)),
        ("device_id", render_device(listed.devices, world.salt)),
        ("address", render_address_values(world, listed.addresses[bad_ring])),
    ]
    kind = pa.array(np.concatenate([np.full(len(v), k) for k, v in parts]))
    value = pa.concat_arrays([v for _, v in parts])
    m = len(value)
    order = pa.array(rng.permutation(m))
    return pa.table(
        {
            "kind": kind.take(order),
            "value": value.take(order),
            "added_on": render_date(np.datetime64(start) - rng.integers(10, 1000, m)),
            "source": take(pa.array(LIST_SOURCES), pick(rng, (30, 25, 25, 12, 8), m)),
        }
    )


def make_ip_ranges(rng: np.random.Generator, n_extra: int) -> pa.Table:
    """Hosting, VPN, Tor and foreign ranges: the blocks claims use and many unrelated ones."""
    tor = [f"{prefix}{last}/32" for prefix in TOR_EXITS for last in range(1, 255)]
    hosting = join(
        numbers(np.asarray(HOSTING_OCTETS)[rng.integers(0, len(HOSTING_OCTETS), n_extra)]),
        ".",
        numbers(rng.integers(0, 256, n_extra)),
        ".",
        numbers(rng.integers(0, 256, n_extra)),
        ".0/24",
    )
    foreign = join(
        numbers(np.asarray(FOREIGN_OCTETS)[rng.integers(0, len(FOREIGN_OCTETS), n_extra)]),
        ".",
        numbers(rng.integers(0, 256, n_extra)),
        ".0.0/16",
    )
    cidr = pa.concat_arrays([pa.array([b for b, _ in IP_BLOCKS]), pa.array(tor), hosting, foreign])
    category = [k for _, k in IP_BLOCKS] + ["tor"] * len(tor) + ["hosting"] * n_extra + ["foreign"] * n_extra
    table = pa.table({"cidr": cidr, "category": pa.array(category)})
    _, first = np.unique(table["cidr"].to_numpy(), return_index=True)
    return table.take(pa.array(np.sort(first)))


def make_interstate_claims(
    rng: np.random.Generator,
    world: World,
    c: Codes,
    start: datetime.date,
    movers_rng: np.random.Generator | None = None,
) -> pa.Table:
    """Claims in other states: by multi-state rings (recent), honest movers (long ago), other
    workers; with ``movers_rng``, also the claims of :func:`plan_movers`'s movers in the state
    they left, drawn from that stream (the other rows stay as they were) and shuffled in."""
    people = world.people
    multi = fraud_rows(c, MULTI_STATE)
    movers = np.flatnonzero(c["hard_extra"] == 2)
    used = np.bincount(c["ident"], minlength=len(people)) > 0
    idle = np.flatnonzero((people.kind == KIND_WORKER) & ~used)
    others = rng.choice(idle, size=len(idle) // 25, replace=False) if len(idle) else idle
    person = np.r_[c["ident"][multi], c["ident"][movers], others]
    day = np.r_[
        c["day"][multi] - rng.integers(1, 90, len(multi)),
        c["day"][movers] - rng.integers(180, 540, len(movers)),
        -rng.integers(1, 700, len(others)),
    ]
    filed = other_state_filing_times(rng, start, day)
    order = pa.array(rng.permutation(len(person)))
    table = pa.table(
        {
            "ssn": render_ssn(people.ssn[person], rng.integers(0, 2, len(person))),
            "state": take(pa.array(OTHER_STATES), rng.integers(0, len(OTHER_STATES), len(person))),
            "filed_at": filed,
        }
    ).take(order)
    if movers_rng is None or "moved_from" not in c:
        return table
    left = np.flatnonzero(c["moved_from"] >= 0)
    person = c["ident"][left]
    moved = pa.table(
        {
            "ssn": render_ssn(people.ssn[person], movers_rng.integers(0, 2, len(left))),
            "state": take(pa.array(OTHER_STATES), c["moved_from"][left]),
            "filed_at": other_state_filing_times(movers_rng, start, c["day"][left] - c["moved_gap"][left]),
        }
    )
    both = pa.concat_tables([table, moved])
    return both.take(pa.array(movers_rng.permutation(both.num_rows)))


def other_state_filing_times(rng: np.random.Generator, start: datetime.date, day: Arr) -> pa.Array:
    """Local filing times on ``day`` (working hours), half of them written as a date only."""
    local = local_times(start, day, rng.integers(25_200, 72_000, len(day)))
    stamp = pc.strftime(pa.array(local), format="%Y-%m-%dT%H:%M:%S")
    return where(rng.random(len(day)) < 0.5, pc.utf8_slice_codeunits(stamp, 0, 10), stamp)


def write_references(
    rng: np.random.Generator,
    world: World,
    c: Codes,
    rings: Rings,
    listed: Listed,
    start: datetime.date,
    days: int,
    out: Path,
    movers_rng: np.random.Generator | None = None,
) -> dict[str, Path]:
    folder = out / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "deceased": make_deceased(rng, world, start),
        "incarcerated": make_incarcerated(rng, world, c, start, days),
        "wage_records": make_wage_records(rng, world, start),
        "suspicious_actors": make_suspicious_actors(rng, world, c, rings, listed, start),
        "ip_ranges": make_ip_ranges(rng, max(100, len(c["day"]) // 5000)),
        "interstate_claims": make_interstate_claims(rng, world, c, start, movers_rng),
        "congregate_addresses": make_congregate_addresses(world, start),
    }
    return {
        kind: write_csv(table.select(list(REFERENCE_LISTS[kind].column_names)), folder / f"{kind}.csv")
        for kind, table in tables.items()
    }
