"""Decisions back to labels: the latest decision of each claim as a disposition
(docs/reference.md, "Dispositions").

:func:`sync_decisions` copies them into the lake's decision history (the nightly and the
retraining flows' ``sync-decisions`` task); :func:`export_dispositions` writes them as a
dispositions file.

``identity_theft_victim`` means the claim is fraud (the person is honest);
``needs_verification`` is no label yet. ``source`` is ``audit`` for a claim drawn for
the post-payment audit, else ``investigation``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import func, inspect, select

from claimscreen.data.exports import write_csv
from claimscreen.data.labels import record_decisions
from claimscreen.review.db import (
    case_claims,
    database_url,
    decisions,
    has_database,
    make_engine,
    reading,
    users,
)

__all__ = ["DISPOSITION_COLUMNS", "decisions_as_dispositions", "export_dispositions", "sync_decisions"]

DISPOSITION_COLUMNS = ("claim_id", "outcome", "decided_at", "source", "decided_by")
#: The export's last column: the overpayment recorded on a look-back alert's decision, in
#: dollars and cents ("1234.56"; empty when none was entered).
OVERPAYMENT_COLUMN = "overpayment"
_LABELS = {"fraud": "fraud", "identity_theft_victim": "fraud", "legitimate": "legitimate"}


def decisions_as_dispositions(home: Path, overpayment: bool = False) -> pd.DataFrame:
    """claim_id, outcome (fraud or legitimate), decided_at (UTC), source, decided_by (and, with
    ``overpayment``, the overpayment in cents or NA); one row per claim with a labelling
    decision. Empty (same columns) when there is no review database."""
    if not has_database(Path(home)):
        return _empty(overpayment)
    engine = make_engine(database_url(Path(home)))
    try:
        if not inspect(engine).has_table("decisions"):
            return _empty(overpayment)
        latest = select(func.max(decisions.c.id).label("id")).group_by(decisions.c.claim_id).subquery()
        query = (
            select(
                decisions.c.claim_id,
                decisions.c.outcome,
                decisions.c.decided_at,
                case_claims.c.audit_sample,
                users.c.username.label("decided_by"),
                decisions.c.overpayment_cents,
            )
            .join(latest, latest.c.id == decisions.c.id)
            .join(users, users.c.id == decisions.c.decided_by)
            .join(case_claims, case_claims.c.claim_id == decisions.c.claim_id)
            .order_by(decisions.c.decided_at, decisions.c.claim_id)
        )
        with reading(engine) as conn:
            rows = conn.execute(query).all()
    finally:
        engine.dispose()
    names = ["claim_id", "outcome", "decided_at", "audit_sample", "decided_by", "overpayment_cents"]
    frame = pd.DataFrame(rows, columns=names)
    columns = [*DISPOSITION_COLUMNS, *(["overpayment_cents"] if overpayment else [])]
    frame = frame[frame["outcome"].isin(list(_LABELS))]
    if frame.empty:
        return _empty(overpayment)
    frame["outcome"] = frame["outcome"].map(_LABELS)
    frame["source"] = frame["audit_sample"].map({True: "audit", False: "investigation"})
    frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True)
    frame["overpayment_cents"] = frame["overpayment_cents"].astype("Int64")
    return frame[columns].reset_index(drop=True).astype({"claim_id": str, "decided_by": str})


def sync_decisions(home: Path) -> int:
    """Copy the review application's decisions into the lake's decision history, so the
    features of later nights count them (a ring's known fraud) and retraining learns from
    them; returns how many were new. Running it again adds nothing."""
    return record_decisions(Path(home), decisions_as_dispositions(home), "review application")


def _empty(overpayment: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=str) for c in DISPOSITION_COLUMNS})
    frame["decided_at"] = pd.Series(dtype="datetime64[us, UTC]")
    if overpayment:
        frame["overpayment_cents"] = pd.Series(dtype="Int64")
    return frame


def export_dispositions(home: Path, out: Path) -> int:
    """Write the dispositions CSV (claim_id, outcome, decided_at, source, decided_by, overpayment);
    rows written.

    Written atomically by the CSV writer every export shares: a text cell that a spreadsheet
    would read as a formula (a claim_id ``=HYPERLINK(...)``) is written with a ``'`` in front."""
    frame = decisions_as_dispositions(home, overpayment=True)
    cents = frame.pop("overpayment_cents")
    written = frame.assign(
        decided_at=frame["decided_at"].map(lambda t: t.isoformat()).astype(str),
        **{
            OVERPAYMENT_COLUMN: [("" if pd.isna(c) else f"{int(c) // 100}.{int(c) % 100:02d}") for c in cents]
        },
    )
    write_csv(written, out)
    return len(frame)
