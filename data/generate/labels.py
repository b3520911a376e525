"""Past dispositions from a simulated legacy process, and the truth file."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.arrays import Arr, Codes, digits, join, take, where
from claimscreen.data.generate.families import VARIANTS
from claimscreen.data.generate.formats import local_times
from claimscreen.data.generate.kinds import (
    DECEASED,
    EMERGING,
    HONEST_CASES,
    INCARCERATED,
    IP_FOREIGN,
    IP_HOSTING,
    IP_HOSTING24,
    IP_TOR,
    IP_VPN,
    KNOWN_BAD,
    TYPOLOGIES,
)
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import LANGUAGES
from claimscreen.data.generate.world import World
from claimscreen.data.schema import (
    DISPOSITION_COLUMNS,
)

__all__ = ["make_dispositions", "make_truth"]

SUSPICIOUS_IPS = (IP_VPN, IP_FOREIGN, IP_HOSTING, IP_TOR, IP_HOSTING24)


def looks_suspicious(c: Codes) -> Arr:
    """What the legacy process flags: night filing, risky IPs, shared accounts, rushed sessions, list hits."""
    shared = np.zeros(len(c["day"]), dtype=bool)
    dd = np.flatnonzero(c["pay"] == 0)
    _, inverse, counts = np.unique(c["acct"][dd], return_inverse=True, return_counts=True)
    shared[dd] = counts[inverse] >= 3
    return (
        (c["sec"] < 5 * 3600)
        | np.isin(c["ip_kind"], SUSPICIOUS_IPS)
        | shared
        | (c["session"] < 120)
        | np.isin(c["typology"], (DECEASED, INCARCERATED, KNOWN_BAD))
    )


def make_dispositions(rng: np.random.Generator, c: Codes, start: datetime.date, days: int) -> pa.Table:
    """Decisions known when the window ends: investigations of mostly suspicious claims, a random audit."""
    n = len(c["day"])
    fraud = c["typology"] >= 0
    emerging = np.isin(c["typology"], EMERGING)
    flagged = looks_suspicious(c)
    p = np.where(fraud & ~emerging, np.where(flagged, 0.75, 0.3), np.where(flagged & ~fraud, 0.2, 0.012))
    investigated = rng.random(n) < p
    audited = ~investigated & (rng.random(n) < 0.008)
    lag = np.where(investigated, 1 + rng.gamma(2.0, 2.5, n), 5 + rng.gamma(2.0, 3.0, n))
    decided_day = c["day"] + np.ceil(lag).astype(np.int64)
    keep = np.flatnonzero((investigated | audited) & (decided_day < days))
    missed = rng.random(n) < 0.03
    outcome = np.where(fraud & ~missed, 0, 1)[keep]
    decided = local_times(start, decided_day[keep], rng.integers(9 * 3600, 17 * 3600, len(keep)))
    table = pa.table(
        {
            "claim_id": join("C", digits(keep, 8)),
            "outcome": take(pa.array(("fraud", "legitimate")), outcome),
            "decided_at": pc.strftime(pa.array(decided), format="%Y-%m-%dT%H:%M:%S"),
            "source": take(pa.array(("investigation", "audit")), audited[keep].astype(np.int64)),
        }
    )
    order = np.lexsort((keep, decided))
    return table.select([col.name for col in DISPOSITION_COLUMNS]).take(pa.array(order))


def make_truth(c: Codes, world: World, rings: Rings, start: datetime.date) -> pa.Table:
    """The real answer behind every claim (evaluation only; the pipeline never reads it)."""
    n = len(c["day"])
    fraud = c["typology"] >= 0
    ring = np.maximum(c["ring"], 0)
    kinds = pa.array(("filer", "worker", "deceased", "inmate", "synthetic"))
    size = rings.size[ring] if len(rings) else np.zeros(n, np.int64)
    variant = rings.variant[ring] if len(rings) else np.full(n, -1)
    no_text = pa.scalar(None, pa.string())
    return pa.table(
        {
            "claim_id": join("C", digits(np.arange(n), 8)),
            "batch_date": pa.array(np.datetime64(start) + c["day"]),
            "is_fraud": pa.array(fraud),
            "typology": where(fraud, take(pa.array(TYPOLOGIES), np.maximum(c["typology"], 0)), "legitimate"),
            "variant": pc.if_else(pa.array(fraud), take(pa.array(VARIANTS), variant), no_text),
            "ring_key": pc.if_else(pa.array(fraud), join("R", digits(ring, 5)), no_text),
            "ring_size": pa.array(np.where(fraud, size, 0)),
            "chained": pa.array(c["chained"]),
            "person_key": join("P", digits(c["ident"], 8)),
            "identity_kind": kinds.take(pa.array(world.people.kind[c["ident"]])),
            "honest_case": pc.if_else(
                pa.array(fraud), no_text, take(pa.array(HONEST_CASES), c["honest_case"])
            ),
            "age": pa.array(np.floor(c["age"]).astype(np.int64)),
            "language": take(pa.array(LANGUAGES), c["lang"]),
        }
    )
