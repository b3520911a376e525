"""Honest claims, with the hard cases that make naive rules wrong, and honest movers."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes, make_code, mix64, pick
from claimscreen.data.generate.kinds import (
    HONEST_CASES,
    IN_PERSON,
    IP_CGNAT,
    IP_FOREIGN,
    IP_LIBRARY,
    IP_NONE,
    IP_RESIDENTIAL,
    IP_VPN,
    MOBILE,
    NS_HOUSEHOLD,
    NS_LIBRARY,
    NS_MOBILE,
    NS_PERSON,
    PHONE,
    WEB,
)
from claimscreen.data.generate.people import People
from claimscreen.data.generate.places import Addresses, Employers
from claimscreen.data.generate.vocab import HONEST_UNIT_WEIGHTS, N_DESKTOP, OTHER_STATES

__all__ = [
    "MOVERS_STREAM",
    "assign_formats",
    "assign_separation",
    "make_honest_claims",
    "plan_movers",
    "plan_refiles",
]

HOUR_WEIGHTS = (
    0.6,
    0.4,
    0.3,
    0.25,
    0.3,
    0.6,
    1.5,
    3.5,
    6,
    7.5,
    7.8,
    7.4,
    6.8,
    6.6,
    6.4,
    6.2,
    5.8,
    5.6,
    5.8,
    6,
    5.5,
    4.6,
    3.3,
    1.8,
)


#: Channel shares (web, mobile, phone, in_person) of most people, the elderly and non-English speakers.
CHANNEL_SHARES = ((0.65, 0.20, 0.10, 0.05), (0.45, 0.10, 0.30, 0.15), (0.50, 0.20, 0.20, 0.10))


def plan_refiles(rng: np.random.Generator, slot_day: Arr, share: float = 0.02) -> Arr:
    """For each honest slot, the earlier slot (1-10 days before) it re-files, or -1."""
    n = len(slot_day)
    cum = np.r_[0, np.cumsum(np.bincount(slot_day, minlength=int(slot_day.max(initial=0)) + 1))]
    candidate = (rng.random(n) < share) & (slot_day >= 1)
    lo, hi = cum[np.maximum(slot_day - 10, 0)], cum[slot_day]
    target = lo + np.floor(rng.random(n) * (hi - lo)).astype(np.int64)
    refile_of = np.where(candidate & (hi > lo), target, -1)
    return np.where((refile_of >= 0) & (refile_of[np.maximum(refile_of, 0)] < 0), refile_of, -1)


def plan_layoffs(
    rng: np.random.Generator, slot_day: Arr, refile_of: Arr, employers: Employers
) -> tuple[Arr, Arr]:
    """Mass layoffs: a large employer's workers file by the hundred on one day (and some the next).

    Returns the layoff employer of each slot (-1 if none) and the separation day."""
    days = int(slot_day.max(initial=0)) + 1
    per_day = np.bincount(slot_day, minlength=days)
    n_events = max(1, round(days / 10))
    event_days = np.sort(rng.choice(max(days - 1, 1), size=min(n_events, max(days - 1, 1)), replace=False))
    big = np.argsort(-employers.weight, kind="stable")[:40]
    emp = np.full(len(slot_day), -1, dtype=np.int64)
    sep = np.full(len(slot_day), -1, dtype=np.int64)
    for event, day in enumerate(event_days):
        size = int(np.clip(0.18 * per_day[day], 30, 900))
        for d, k in ((day, size), (day + 1, size // 4)):
            free = np.flatnonzero((slot_day == d) & (refile_of < 0) & (emp < 0))
            chosen = rng.choice(free, size=min(k, len(free)), replace=False) if len(free) else free
            emp[chosen], sep[chosen] = big[event % len(big)], day - 1
    return emp, sep


def draw_channels(rng: np.random.Generator, elderly: Arr, non_english: Arr) -> Arr:
    shares = np.asarray(CHANNEL_SHARES).cumsum(axis=1)
    group = np.where(elderly, 1, np.where(non_english, 2, 0))
    return (rng.random(len(group))[:, None] > shares[group]).sum(axis=1)


def draw_seconds(rng: np.random.Generator, channel: Arr) -> Arr:
    """Second of the day: online claims follow a day/night curve, phone and in-person office hours."""
    n = len(channel)
    hour = pick(rng, HOUR_WEIGHTS, n)
    hour = np.select(
        [channel == PHONE, channel == IN_PERSON], [rng.integers(8, 17, n), rng.integers(9, 16, n)], hour
    )
    return hour * 3600 + rng.integers(0, 3600, n)


def assign_online(rng: np.random.Generator, c: Codes, people: People) -> None:
    """IP, device and user agent of honest web and mobile claims (none for phone and in person)."""
    ident, channel = c["ident"], c["channel"]
    n = len(ident)
    household = people.household[ident]
    web, mobile = channel == WEB, channel == MOBILE
    place = pick(rng, (84, 4.5, 0.7, 0.8, 10), n)  # home, library, vpn, abroad, elsewhere
    n_library = max(3, round(web.sum() * 0.045 / 350))
    library = rng.integers(0, n_library, n)
    cgnat = mobile & (rng.random(n) < 0.88)
    home_key = household.astype(np.uint64) | np.uint64(1 << 40)
    other_key = np.arange(n, dtype=np.uint64) | np.uint64(2 << 40)
    web_kind = np.asarray((IP_RESIDENTIAL, IP_LIBRARY, IP_VPN, IP_FOREIGN, IP_RESIDENTIAL))[place]
    web_key = np.select(
        [place == 0, place == 1, place == 2], [home_key, library, rng.integers(0, 60, n)], other_key
    )
    c["ip_kind"] = np.select([web, cgnat, mobile], [web_kind, IP_CGNAT, IP_RESIDENTIAL], IP_NONE)
    n_cgnat = max(20, int(mobile.sum()) // 150)
    c["ip_key"] = np.select([web, cgnat], [web_key, rng.integers(0, n_cgnat, n)], home_key).astype(np.uint64)
    shared_pc = (np.bincount(people.household)[household] > 1) & (mix64(household) % np.uint64(10) < 4)
    own = np.where(shared_pc, make_code(NS_HOUSEHOLD, household), make_code(NS_PERSON, ident))
    public_pc = web & (place == 1) & (rng.random(n) < 0.7)
    device = np.where(public_pc, make_code(NS_LIBRARY, library * 8 + rng.integers(0, 8, n)), own)
    device = np.where(mobile, make_code(NS_MOBILE, ident), device)
    c["device"] = np.where(web | mobile, device, np.uint64(0))
    ua = np.where(public_pc, library % N_DESKTOP, people.ua_web[ident])
    c["ua"] = np.select([web, mobile], [ua, people.ua_mobile[ident]], -1)
    c["library"] = web & (place == 1)
    c["vpn_abroad"] = web & ((place == 2) | (place == 3))
    c["cgnat"] = cgnat


def assign_formats(rng: np.random.Generator, c: Codes, n: int) -> None:
    """How the state's extract happens to write each value."""
    c["ssn_fmt"] = pick(rng, (55, 42, 3), n)
    c["phone_fmt"] = pick(rng, (35, 35, 20, 10), n)
    c["zip_fmt"] = pick(rng, (83, 15, 2), n)
    c["ein_fmt"] = pick(rng, (50, 50), n)
    c["ts_fmt"] = pick(rng, (90, 6, 4), n)
    c["unit_inline"] = rng.random(n) < 0.04


def assign_separation(rng: np.random.Generator, c: Codes, n: int, reason_weights: Sequence[float]) -> None:
    c["sep_days"] = np.where(rng.random(n) < 0.97, np.minimum(rng.geometric(0.14, n), 60), -1)
    c["sep_reason"] = np.where(rng.random(n) < 0.97, pick(rng, reason_weights, n), -1)


def make_honest_claims(
    rng: np.random.Generator,
    people: People,
    addresses: Addresses,
    employers: Employers,
    slot_day: Arr,
    refile_of: Arr,
    start: datetime.date,
) -> Codes:
    """Claims of real people, with the hard cases that make naive rules wrong."""
    n = len(slot_day)
    refile = refile_of >= 0
    ident = np.zeros(n, dtype=np.int64)
    ident[~refile] = rng.permutation(int((~refile).sum()))
    ident[refile] = ident[refile_of[refile]]
    layoff_emp, layoff_sep = plan_layoffs(rng, slot_day, refile_of, employers)
    laid_off = layoff_emp >= 0
    people.employer[ident[laid_off]] = layoff_emp[laid_off]
    people.quarters[ident[laid_off]] = 4
    age = (np.datetime64(start) + slot_day - people.dob[ident]).astype(np.int64) / 365.25
    lang = people.lang[ident]
    c: Codes = {"day": slot_day, "ident": ident, "lang": lang, "age": age, "refile": refile}
    c["channel"] = draw_channels(rng, age >= 65, lang != 0)
    c["sec"] = draw_seconds(rng, c["channel"])
    assign_online(rng, c, people)
    assign_formats(rng, c, n)
    assign_separation(rng, c, n, (70, 8, 12, 10))
    c["sep_days"] = np.where(laid_off, slot_day - layoff_sep, c["sep_days"])
    c["sep_reason"] = np.where(laid_off, 0, c["sep_reason"])
    c["laid_off"] = laid_off
    c["program"] = pick(rng, (955, 15, 10, 20), n)
    c["program"] = np.where(laid_off, 0, c["program"])
    c["employer"] = np.where(c["program"] == 3, -1, people.employer[ident])
    session = (
        rng.lognormal(np.log(540), 0.5, n) * np.where(age >= 65, 1.9, 1.0) * np.where(lang != 0, 1.4, 1.0)
    )
    offline = c["channel"] >= PHONE
    c["session"] = np.round(np.where(offline, rng.lognormal(np.log(1100), 0.35, n), session), 1)
    c["addr"] = people.household[ident]
    c["unit_style"] = np.where(
        refile & (rng.random(n) < 0.5), pick(rng, HONEST_UNIT_WEIGHTS, n), addresses.unit_style[c["addr"]]
    )
    po_box = mix64(ident, 17) % np.uint64(100) < 5
    c["mail_kind"] = np.where(po_box, 2, 0)
    c["mail_addr"] = np.full(n, -1)
    c["mail_style"] = c["unit_style"]
    c["email"] = np.where(rng.random(n) < np.where(age >= 65, 0.2, 0.05), -1, ident)
    c["phone"] = np.where(rng.random(n) < 0.03, 0, people.phone[ident])
    c["pay"], c["acct"] = people.pay[ident], people.acct[ident]
    # Some people file again with a new account (a new bank, a prepaid benefits card): a re-filing
    # that changes the deposit account is not fraud by itself. Drawn by hash: no random draw moves.
    switched = refile & (mix64(np.arange(n), 29) % np.uint64(100) < 12)
    c["acct"] = np.where(switched, make_code(NS_PERSON, np.arange(n) | (1 << 40)), c["acct"])
    c["name_var"] = np.where(refile & (rng.random(n) < 0.3), 5, 0)
    c["hard_extra"] = np.where(refile, 0, pick(rng, (9945, 20, 30, 5), n))
    c["honest_case"] = label_honest_cases(c, people)
    return c


def label_honest_cases(c: Codes, people: People) -> Arr:
    """The main hard case of each honest claim (first that applies, in :data:`HONEST_CASES` order)."""
    household = people.household[c["ident"]]
    conditions = [
        c["refile"],
        c["hard_extra"] == 2,
        c["laid_off"],
        np.bincount(people.household)[household] > 1,
        c["library"],
        c["vpn_abroad"],
        c["hard_extra"] == 1,
        c["hard_extra"] == 3,
        c["age"] >= 65,
        c["lang"] != 0,
        c["channel"] >= PHONE,
        c["cgnat"],
    ]
    return np.select(conditions, np.arange(1, len(conditions) + 1), 0)


#: People move between states, and some claimed UI in the state they left months before they
#: file here: this share of honest first claims (besides the few ``hard_extra == 2`` ones),
#: filed there MOVER_GAP_DAYS (low inclusive, high exclusive) before filing here, in a
#: neighbouring state (Pennsylvania, Michigan, Indiana, Kentucky, West Virginia: the first
#: five of OTHER_STATES) NEIGHBOUR_SHARE of the time, else in any of OTHER_STATES.
MOVER_SHARE = 0.015


MOVER_GAP_DAYS = (60, 361)


NEIGHBOURS = 5


NEIGHBOUR_SHARE = 0.6


MOVERS_STREAM = 13


def plan_movers(rng: np.random.Generator, c: Codes) -> None:
    """Mark honest movers in ``c``: ``moved_from`` (index into OTHER_STATES, -1 for none) and
    ``moved_gap`` (days from their claim in the state they left to this filing), and their
    ``honest_case``. ``rng`` is a stream of its own (``[seed, MOVERS_STREAM]``), so every
    other draw of the world is as it was without movers."""
    n = len(c["day"])
    eligible = (c["typology"] < 0) & ~c["refile"] & (c["hard_extra"] == 0)
    moved = eligible & (rng.random(n) < MOVER_SHARE)
    state = np.where(
        rng.random(n) < NEIGHBOUR_SHARE, rng.integers(0, NEIGHBOURS, n), rng.integers(0, len(OTHER_STATES), n)
    )
    c["moved_from"] = np.where(moved, state, -1)
    c["moved_gap"] = np.where(moved, rng.integers(*MOVER_GAP_DAYS, n), 0)
    c["honest_case"] = np.where(moved, HONEST_CASES.index("interstate_mover"), c["honest_case"])
