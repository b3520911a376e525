"""Employers and street addresses of the state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from faker.providers.person import en_US

from claimscreen.data.generate.arrays import Arr, choose, join, numbers, pick, spread_repeats, take, where
from claimscreen.data.generate.vocab import (
    CITIES,
    DIRECTIONS,
    EIN_PREFIXES,
    EMPLOYER_ADJECTIVES,
    EMPLOYER_SUFFIXES,
    EMPLOYER_WORDS,
    HONEST_UNIT_WEIGHTS,
    STREET_SUFFIXES,
    STREETS,
    UNIT_LETTERS,
    Vocab,
)

__all__ = ["Addresses", "Employers", "make_addresses", "make_employers"]


@dataclass(frozen=True)
class Employers:
    ein: Arr
    name: pa.Array
    weight: Arr

    def __len__(self) -> int:
        return len(self.ein)


def make_employers(rng: np.random.Generator, n: int, vocab: Vocab) -> Employers:
    """A heavy-tailed population of employers: a few large ones, many small ones."""
    prefix = np.asarray(EIN_PREFIXES)[rng.integers(0, len(EIN_PREFIXES), 2 * n)]
    eins = prefix * 10_000_000 + rng.integers(0, 10_000_000, 2 * n)
    _, first = np.unique(eins, return_index=True)
    eins = eins[np.sort(first)][:n]
    last = vocab.last.take(pa.array(rng.integers(0, len(vocab.last_groups[0][0]), n)))
    word = take(pa.array(EMPLOYER_WORDS), rng.integers(0, len(EMPLOYER_WORDS), n))
    adjective = take(pa.array(EMPLOYER_ADJECTIVES), rng.integers(0, len(EMPLOYER_ADJECTIVES), n))
    city = take(pa.array([c[0] for c in CITIES]), rng.integers(0, len(CITIES), n))
    suffix = take(
        pa.array([f" {s}" if s else "" for s, _ in EMPLOYER_SUFFIXES]),
        pick(rng, [w for _, w in EMPLOYER_SUFFIXES], n),
    )
    base = choose(
        pick(rng, (45, 35, 20), n), [join(last, " ", word), join(adjective, " ", word), join(city, " ", word)]
    )
    weight = rng.pareto(1.1, n) + 1.0
    return Employers(eins, join(base, suffix), weight / weight.sum())


@dataclass(frozen=True)
class Addresses:
    """Street addresses of the state; units are rendered per claim (spellings vary)."""

    line1: pa.Array
    stem: pa.Array  # line1 without its street suffix ("12 N Oak")
    suffix: Arr  # index into STREET_SUFFIXES
    city: Arr
    zip5: Arr
    zip4: Arr
    unit_num: Arr  # 0 when there is no unit
    unit_letter: Arr  # -1 when the unit has no letter
    unit_style: Arr

    def __len__(self) -> int:
        return len(self.city)


#: House numbers run from 1 to this.
HOUSE_NUMBERS = 29_999


def make_addresses(rng: np.random.Generator, n: int, n_with_units: int) -> Addresses:
    """n addresses; the last n_with_units always have a lettered unit (used as drop addresses)."""
    lo, hi, pop = (np.array([c[k] for c in CITIES]) for k in (1, 2, 4))
    city = pick(rng, pop, n)
    zip5 = lo[city] + np.floor(rng.random(n) * (hi[city] - lo[city] + 1)).astype(np.int64)
    number = np.clip(np.round(rng.lognormal(np.log(900), 1.0, n)), 1, HOUSE_NUMBERS).astype(np.int64)
    streets = pa.array(STREETS + tuple(list(en_US.Provider.last_names)[:120]))
    street_idx = np.where(
        rng.random(n) < 0.6, rng.integers(0, len(STREETS), n), rng.integers(0, len(streets), n)
    )
    suffix_idx = pick(rng, [w for _, _, w in STREET_SUFFIXES], n)
    full = take(pa.array([s for s, _, _ in STREET_SUFFIXES]), suffix_idx)
    short = take(pa.array([s for _, s, _ in STREET_SUFFIXES]), suffix_idx)
    direction_idx = np.where(rng.random(n) < 0.12, rng.integers(0, 4, n), -1)
    spelled_short = rng.random(n) < 0.65
    has_unit = rng.random(n) < 0.28
    has_unit[n - n_with_units :] = True
    unit_num = np.where(rng.random(n) < 0.6, rng.integers(1, 25, n), rng.integers(101, 421, n))
    letter = np.where(rng.random(n) < 0.35, rng.integers(0, len(UNIT_LETTERS), n), -1)
    letter[n - n_with_units :] = rng.integers(0, len(UNIT_LETTERS), n_with_units)
    unit_num, letter = np.where(has_unit, unit_num, 0), np.where(has_unit, letter, -1)
    # One household per address: drawn numbers repeat on a street (at 4,000,000 households
    # 0.29% of addresses were some other household's too, and a shared address is a ring
    # edge); a repeat moves to a free number of its street, ZIP and unit (the ZIP, not the city:
    # two cities share some ZIPs, and the pipeline keys an address by its ZIP). No random draw.
    names = np.unique(np.asarray(streets.to_pylist()), return_inverse=True)[1]  # "Jackson" is twice
    place = (names[street_idx], suffix_idx, direction_idx + 1, zip5, unit_num, letter + 1)
    group = np.ravel_multi_index(place, tuple(int(p.max(initial=0)) + 1 for p in place)).astype(np.int64)
    number = 1 + spread_repeats(group * HOUSE_NUMBERS, number - 1, np.full(n, HOUSE_NUMBERS))
    direction = take(pa.array(DIRECTIONS), direction_idx)
    stem = join(numbers(number), " ", direction, take(streets, street_idx))
    return Addresses(
        line1=join(stem, " ", where(spelled_short, short, full)),
        stem=stem,
        suffix=suffix_idx,
        city=city,
        zip5=zip5,
        zip4=rng.integers(1, 10_000, n),
        unit_num=unit_num,
        unit_letter=letter,
        unit_style=pick(rng, HONEST_UNIT_WEIGHTS, n),
    )
