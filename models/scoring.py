"""Score and route one night (stub: every claim `clear`; the real models land next).

``score_night(home, night)`` reads the night's features partition and writes
``lake/scores/batch_date=D/scores.parquet`` (SCORES_SCHEMA) and
``lake/queue/batch_date=D/queue.parquet`` (QUEUE_SCHEMA).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from claimscreen.data.lake import Lake
from claimscreen.data.schema import QUEUE_SCHEMA, SCORES_SCHEMA
from claimscreen.data.settings import Settings
from claimscreen.features.build import read_features


@dataclass
class ScoreResult:
    batch_date: str
    scored: int
    routes: dict[str, int]
    model_version: str
    queued: int
    audit_sampled: int
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def score_night(home: Path, night: dt.date, settings: Settings | None = None) -> ScoreResult:
    lake = Lake(Path(home))
    features = read_features(home, night)
    n = len(features)
    table = pa.table(
        {
            "claim_id": features["claim_id"].astype(str).to_list(),
            "batch_date": [night] * n,
            "risk_score": [0.0] * n,
            "route": ["clear"] * n,
            "reasons": [""] * n,
            "ring_id": features["ring_id"].to_list(),
            "ring_size": features["ring_size"].astype("int64").to_list(),
            "identity_id": features["identity_id"].astype(str).to_list(),
            "model_version": ["stub"] * n,
            "reason_text": [[] for _ in range(n)],
            "case_id": ("claim-" + features["claim_id"].astype(str)).to_list(),
            "audit_sample": [False] * n,
            "rule_hit": [False] * n,
            "model_score": [0.0] * n,
            "anomaly_score": [0.0] * n,
        },
        schema=SCORES_SCHEMA,
    )
    lake.write_table(lake.scores_path(night), table)
    lake.write_table(lake.queue_path(night), QUEUE_SCHEMA.empty_table())
    return ScoreResult(night.isoformat(), n, {"clear": n, "verify": 0, "review": 0}, "stub", 0, 0)
