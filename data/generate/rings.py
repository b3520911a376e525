"""The calendar of claims and the fraud rings: sizes, typologies and timing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np

from claimscreen.data.generate.arrays import Arr, rank_within, split_counts
from claimscreen.data.generate.kinds import (
    CHAINED_TYPOLOGIES,
    DAY_SECONDS,
    DECEASED,
    DEVICE_FARM,
    EMERGING,
    EMERGING_FROM,
    REFILED,
    TYPOLOGY_SHARES,
)

__all__ = ["Rings", "make_rings", "place_fraud_claims", "plan_days", "retime"]


def plan_days(start: datetime.date, days: int, claims_per_day: int) -> Arr:
    """Claims per day: Mondays busiest, weekends quiet; the total is days * claims_per_day."""
    weekday_weight = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.6, 0.55])
    weekdays = (np.arange(days) + start.weekday()) % 7
    return split_counts(days * claims_per_day, weekday_weight[weekdays])


@dataclass(frozen=True)
class Rings:
    """One row per ring (typology, size, timing, shared-pool sizes)."""

    typology: Arr
    size: Arr
    start_day: Arr
    nights: Arr
    gap: Arr
    nocturnal: Arr
    base_sec: Arr
    chained: Arr
    automated: Arr
    pool: Arr  # size of the ring's shared pool of its main identifier
    hosting_block: Arr
    burst: Arr  # files within minutes of each other (device farms)
    #: Each ring's variant of its family (index into VARIANTS, families.py); set by shape_rings.
    variant: Arr = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.size)


def draw_ring_sizes(rng: np.random.Generator, total: int, largest: int) -> list[int]:
    sizes: list[int] = []
    while total > 0:
        size = int(np.clip(round(rng.lognormal(np.log(9.0), 0.75)), 3, largest))
        size = total if total - size < 3 else size
        sizes.append(size)
        total -= size
    return sizes


def make_rings(rng: np.random.Generator, fraud_claims: int, days: int) -> Rings:
    """Split the fraud claims by typology, then into rings of 3 to ~60 claims."""
    typology: list[int] = []
    sizes: list[int] = []
    for t, count in enumerate(split_counts(fraud_claims, TYPOLOGY_SHARES)):
        ring_sizes = draw_ring_sizes(rng, int(count), 8 if t == REFILED else 60)
        typology += [t] * len(ring_sizes)
        sizes += ring_sizes
    typ, size = np.array(typology, dtype=np.int64), np.array(sizes, dtype=np.int64)
    n = len(size)
    first_day = np.where(np.isin(typ, EMERGING), int(np.ceil(EMERGING_FROM * days)), 0)
    first_day = np.minimum(first_day, days - 1)
    chained = np.isin(typ, CHAINED_TYPOLOGIES) & (rng.random(n) < 0.4)
    nights = np.where(typ == REFILED, size, rng.integers(1, 5, n))
    nights = np.where(
        chained, rng.integers(3, 7, n), np.where(typ == DEVICE_FARM, rng.integers(1, 4, n), nights)
    )
    nocturnal = rng.random(n) < np.where(typ == DEVICE_FARM, 0.9, 0.6)
    return Rings(
        typology=typ,
        size=size,
        start_day=first_day + np.floor(rng.random(n) * (days - first_day)).astype(np.int64),
        nights=nights,
        gap=np.where(chained, rng.integers(2, 8, n), rng.integers(1, 4, n)),
        nocturnal=nocturnal,
        base_sec=np.where(nocturnal, rng.integers(0, 16_200, n), rng.integers(28_800, 72_000, n)),
        chained=chained,
        automated=(typ == DEVICE_FARM) & (rng.random(n) < 0.4),
        pool=np.where(typ == DECEASED, rng.integers(2, 6, n), rng.integers(1, 4, n)),
        hosting_block=(typ == DEVICE_FARM) & (rng.random(n) < 0.6),
        burst=typ == DEVICE_FARM,
    )


def place_fraud_claims(rng: np.random.Generator, rings: Rings, days: int) -> tuple[Arr, Arr, Arr]:
    """(ring, day, second of day) of each fraud claim, sorted by ring then time."""
    ring = np.repeat(np.arange(len(rings)), rings.size)
    day, sec = filing_times(rng, rings, ring, rank_within(ring), days)
    order = np.lexsort((sec, day, ring))
    return ring[order], day[order], sec[order]


def filing_times(rng: np.random.Generator, rings: Rings, ring: Arr, rank: Arr, days: int) -> tuple[Arr, Arr]:
    """Day and second of day of claims of ``ring`` (``rank``: their place in it)."""
    n = len(ring)
    night = np.where(rings.typology[ring] == REFILED, rank, np.floor(rng.random(n) * rings.nights[ring]))
    day = np.minimum(rings.start_day[ring] + night.astype(np.int64) * rings.gap[ring], days - 1)
    burst = rings.burst[ring]
    spread = np.where(burst, rings.size[ring] * 45, np.where(rings.nocturnal[ring], 5_400, 7_200))
    sec = np.minimum(
        rings.base_sec[ring] + np.floor(rng.random(n) * spread).astype(np.int64), DAY_SECONDS - 1
    )
    return day, sec


def retime(
    rng: np.random.Generator, placed: tuple[Arr, Arr, Arr], before: Rings, after: Rings, days: int
) -> tuple[Arr, Arr, Arr]:
    """``placed`` with the claims of rings whose timing changed from ``before`` to ``after``
    filed again by ``after``'s timing (drawn from ``rng``), sorted by ring then time."""
    changed = np.zeros(len(after), dtype=bool)
    for name in ("start_day", "nights", "gap", "nocturnal", "base_sec", "burst"):
        changed |= getattr(before, name) != getattr(after, name)
    ring, day, sec = (part.copy() for part in placed)
    rows = np.flatnonzero(changed[ring])
    day[rows], sec[rows] = filing_times(rng, after, ring[rows], rank_within(ring)[rows], days)
    order = np.lexsort((sec, day, ring))
    return ring[order], day[order], sec[order]
