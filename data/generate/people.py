"""The identity table: SSNs, names, birth dates, households, employers, phones and accounts."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from claimscreen.data.generate.arrays import Arr, make_code, pick, spread_repeats
from claimscreen.data.generate.kinds import KIND_DECEASED, KIND_FILER, KIND_INMATE, KIND_SYNTHETIC, NS_PERSON
from claimscreen.data.generate.places import Addresses, Employers
from claimscreen.data.generate.vocab import (
    CITIES,
    DESKTOP_AGENTS,
    LANGUAGE_SHARES,
    MOBILE_AGENTS,
    N_DESKTOP,
    OTHER_AREA_CODES,
    Vocab,
    draw_first,
    draw_last,
)

__all__ = [
    "People",
    "assign_phones",
    "draw_phones",
    "fraud_numbers_of_their_own",
    "make_people",
    "own_numbers",
]


@dataclass
class People:
    """The identity table: one row per real or invented person (index = person_key)."""

    kind: Arr
    ssn: Arr
    sex: Arr
    lang: Arr
    first: Arr
    middle: Arr
    middle_initial: Arr
    last: Arr
    last2: Arr
    dob: Arr
    household: Arr
    employer: Arr
    prev_employer: Arr
    quarters: Arr
    switch: Arr
    wage: Arr
    phone: Arr
    pay: Arr
    acct: Arr
    ua_web: Arr
    ua_mobile: Arr
    email: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))

    def __len__(self) -> int:
        return len(self.kind)


def draw_valid_ssns(rng: np.random.Generator, n: int) -> Arr:
    """Unique SSNs that could have been issued: area 001-899 but not 666, group 01-99, serial 0001-9999."""
    m = int(n * 1.05) + 100
    area = rng.integers(1, 900, m)
    area = np.where(area == 666, 667, area)
    ssn = area * 1_000_000 + rng.integers(1, 100, m) * 10_000 + rng.integers(1, 10_000, m)
    _, first = np.unique(ssn, return_index=True)
    return ssn[np.sort(first)][:n]


def draw_invalid_ssns(rng: np.random.Generator, n: int) -> Arr:
    """SSNs no one was ever issued: area 000, 666 or 9xx, group 00 or serial 0000."""
    area = rng.integers(1, 900, n)
    group = rng.integers(1, 100, n)
    serial = rng.integers(1, 10_000, n)
    flaw = rng.integers(0, 5, n)
    area = np.select([flaw == 0, flaw == 1, flaw == 2], [0, 666, rng.integers(900, 1000, n)], area)
    group = np.where(flaw == 3, 0, group)
    serial = np.where(flaw == 4, 0, serial)
    return area * 1_000_000 + group * 10_000 + serial


def draw_ages(rng: np.random.Generator, kind: Arr) -> Arr:
    """Age in days at the start of the window, by identity kind."""
    n = len(kind)
    bands = np.array([18, 25, 35, 45, 55, 65, 81])
    band = pick(rng, (10, 25, 23, 19, 15, 8), n)
    years = bands[band] + rng.random(n) * (bands[band + 1] - bands[band])
    years = np.where(kind == KIND_DECEASED, 35 + rng.random(n) * 55, years)
    years = np.where(kind == KIND_INMATE, 19 + rng.random(n) * 40, years)
    years = np.where(kind == KIND_SYNTHETIC, 18.2 + rng.random(n) * 6, years)
    return np.floor(years * 365.25).astype(np.int64)


def group_households(rng: np.random.Generator, n_filers: int, n_people: int) -> Arr:
    """Household id per person: ~10% of filers live with another filer; everyone else alone."""
    sizes = rng.choice([2, 3, 4], size=max(1, n_filers // 18), p=[0.7, 0.22, 0.08])
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), int(0.10 * n_filers)) + 1]
    shared = np.repeat(np.arange(len(sizes)), sizes)[:n_filers]
    singles = np.arange(n_people - len(shared)) + len(sizes)
    return np.r_[shared, singles]


def first_member(household: Arr) -> Arr:
    """For each person, the index of the first person of the same household."""
    _, first, inverse = np.unique(household, return_index=True, return_inverse=True)
    return first[inverse]


def make_people(
    rng: np.random.Generator, vocab: Vocab, counts: Sequence[int], start: datetime.date, employers: Employers
) -> People:
    """Everyone in the world, by kind; households are formed among filers only."""
    kind = np.repeat(np.arange(len(counts)), counts)
    n = len(kind)
    lang = pick(rng, LANGUAGE_SHARES, n)
    lang = np.where(kind == KIND_SYNTHETIC, np.where(rng.random(n) < 0.9, 0, 1), lang)
    sex = rng.integers(0, 2, n)
    ssn = np.zeros(n, dtype=np.int64)
    real = kind != KIND_SYNTHETIC
    ssn[real] = draw_valid_ssns(rng, int(real.sum()))
    ssn[~real] = draw_invalid_ssns(rng, int((~real).sum()))
    household = group_households(rng, counts[KIND_FILER], n)
    employer = pick(rng, employers.weight, n)
    quarters = np.where(rng.random(n) < 0.08, rng.integers(1, 4, n), 4)
    no_wages = np.isin(kind, (KIND_DECEASED, KIND_INMATE, KIND_SYNTHETIC))
    people = People(
        kind=kind,
        ssn=ssn,
        sex=sex,
        lang=lang,
        first=draw_first(rng, vocab, lang, sex),
        middle=np.where(rng.random(n) < 0.45, draw_first(rng, vocab, lang, sex), -1),
        middle_initial=rng.random(n) < 0.5,
        last=draw_last(rng, vocab, lang),
        last2=np.where((lang == 1) & (rng.random(n) < 0.25), draw_last(rng, vocab, lang), -1),
        dob=np.datetime64(start) - draw_ages(rng, kind),
        household=household,
        employer=employer,
        prev_employer=np.where(rng.random(n) < 0.3, pick(rng, employers.weight, n), -1),
        quarters=np.where(no_wages, 0, quarters),
        switch=rng.integers(1, 3, n),
        wage=np.round(rng.lognormal(np.log(10_500), 0.55, n), 2),
        phone=np.zeros(n, dtype=np.int64),
        pay=pick(rng, (72, 20, 8), n),
        acct=make_code(NS_PERSON, np.arange(n)),
        ua_web=pick(rng, [w for _, w in DESKTOP_AGENTS], n),
        ua_mobile=N_DESKTOP + pick(rng, [w for _, w in MOBILE_AGENTS], n),
    )
    head = first_member(household)
    spouse = (head != np.arange(n)) & (rng.random(n) < 0.5)
    people.acct = np.where(spouse, people.acct[head], people.acct)
    people.pay = np.where(spouse, 0, people.pay)
    return people


def draw_phones(rng: np.random.Generator, area_codes: Arr) -> Arr:
    """Valid NANP numbers: exchange 200-999 and not N11."""
    n = len(area_codes)
    exchange = rng.integers(200, 1000, n)
    exchange = np.where(exchange % 100 == 11, exchange + 1, exchange)
    return area_codes * 10_000_000 + exchange * 10_000 + rng.integers(0, 10_000, n)


def assign_phones(rng: np.random.Generator, people: People, addresses: Addresses) -> None:
    """Mostly the area code of the home city; some kept an out-of-state cell number."""
    local = np.array([c[3] for c in CITIES])[addresses.city[people.household]]
    n = len(people)
    other_oh = np.array(sorted({c[3] for c in CITIES}))[rng.integers(0, 8, n)]
    away = np.asarray(OTHER_AREA_CODES)[rng.integers(0, len(OTHER_AREA_CODES), n)]
    area = np.select([rng.random(n) < 0.8, rng.random(n) < 0.75], [local, other_oh], away)
    people.phone = own_numbers(draw_phones(rng, area))


def own_numbers(phones: Arr) -> Arr:
    """``phones`` with every repeat moved to a free line number of its exchange.

    A carrier gives a number to one subscriber. Drawn at random, ten million people in a
    few area codes would share numbers by chance (1.3% of people at 20,000 claims a night,
    about ten times that at 200,000), and the shared numbers would link strangers into
    "rings". A repeat moves by a rank-dependent step within its exchange; no random draw is
    used, so the rest of the world is unchanged.
    """
    line = phones % 10_000
    return phones - line + spread_repeats(phones - line, line, np.full(len(phones), 10_000))


def fraud_numbers_of_their_own(honest: Arr, fraud: Arr) -> Arr:
    """``fraud`` (phone numbers fraud claims and the suspicious-actors list use; 0 for none)
    with each number an honest person holds moved to a free line of its exchange, the same
    number always to the same one, so numbers a ring shares stay shared.

    Drawn from the numbers honest people hold, 12,000 of them at 200,000 claims a night
    put an honest claimant's phone on a fraud claim and the claimant in its "ring". No random
    draw is used.
    """
    held = np.unique(honest[honest > 0])
    values, inverse = np.unique(fraud, return_inverse=True)
    taken = np.isin(values, held) & (values > 0)
    if not taken.any():
        return fraud
    kept = values[~taken]
    moved = own_numbers(np.r_[held, kept, values[taken]])[len(held) + len(kept) :]
    values = values.copy()
    values[taken] = moved
    return values[np.ravel(inverse)]
