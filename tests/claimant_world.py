"""A night whose claims were scored with chosen routes, for the claimant-after-the-night tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from helpers import make_row, write_csv

from claimscreen.data.ingest import ingest_batch
from claimscreen.data.lake import Lake
from claimscreen.data.schema import SCORES_SCHEMA

NIGHT = dt.date(2026, 10, 1)
#: Each claim's route and reasons on NIGHT.
ROUTES = {
    "C-clear": ("clear", ""),
    "C-id": ("verify", "SHORT_SESSION"),
    "C-bank": ("verify", "RING_BANK_ACCOUNT;DEVICE_MANY_PEOPLE"),
    "C-quiet": ("verify", "MODEL_PATTERN"),
    "C-review": ("review", "DECEASED"),
}


def scored_night(home: Path, tmp_path: Path) -> pd.Timestamp:
    """NIGHT ingested (claims filed at 09:30 New York time) and scored with :data:`ROUTES`; the
    time the night ran."""
    rows = [make_row(claim_id=c, ssn=f"123-45-{6780 + i}") for i, c in enumerate(ROUTES)]
    ingest_batch(home, write_csv(tmp_path / "claims_2026-10-01.csv", rows), NIGHT)
    scores = [
        score_row(claim_id, NIGHT, route=route, reasons=reasons, risk_score=0.5, rule_hit=route == "review")
        for claim_id, (route, reasons) in ROUTES.items()
    ]
    lake = Lake(home)
    lake.write_table(lake.scores_path(NIGHT), pa.Table.from_pylist(scores, schema=SCORES_SCHEMA))
    # The night ran at 02:00 UTC the next morning (its manifest says when).
    manifest = next(lake.root.glob("manifests/batch_date=2026-10-01/*.json"))
    stored = json.loads(manifest.read_text())
    stored["ingested_at"] = "2026-10-02T02:00:00+00:00"
    manifest.write_text(json.dumps(stored))
    return pd.Timestamp("2026-10-02T02:00:00Z")


def score_row(claim_id: str, night: dt.date, **changes: Any) -> dict[str, Any]:
    """One claim's row of a night's scores (SCORES_SCHEMA): clear, identity ``I-<claim id>``,
    no ring, unless ``changes`` says otherwise."""
    row: dict[str, Any] = {
        "claim_id": claim_id,
        "batch_date": night,
        "risk_score": 0.1,
        "route": "clear",
        "reasons": "",
        "ring_id": None,
        "ring_size": 1,
        "identity_id": f"I-{claim_id}",
        "model_version": "v0001",
        "reason_text": [],
        "case_id": f"claim:{claim_id}",
        "audit_sample": False,
        "rule_hit": False,
        "model_score": 0.0,
        "anomaly_score": 0.0,
        "held_back": "",
    }
    row.update(changes)
    return row
