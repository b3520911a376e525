"""What the case page shows of verification, and the look-back alert's label (issue #20).

The outcomes (``claimscreen verify import``) and the look-back alerts are copied into the
database with the night (:func:`claimscreen.review.publish_alerts.publish_lookback` and
:func:`~claimscreen.review.publish_alerts.publish_outcomes`); the pages read only the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select

from claimscreen.data.schema import LOOKBACK_QUEUE_LABEL
from claimscreen.models.verification import checks_for
from claimscreen.review.db import verification_outcomes

__all__ = ["CHECK_LABELS", "QUEUE_LABEL", "verification_of"]

#: What the queue and the case page mark a look-back alert with.
QUEUE_LABEL = LOOKBACK_QUEUE_LABEL
#: What the case page calls each verification check.
CHECK_LABELS = {"identity": "Identity proofing", "bank_account": "Bank account ownership"}


def verification_of(
    conn: Connection, members: list[dict[str, Any]], no_response_days: int
) -> list[dict[str, Any]]:
    """Per claim of a case routed ``verify`` or with outcomes: the checks it needs, each check's
    outcomes (latest first) with source and date, and where the claim stands. The outcomes are
    read only when a claim has some (``has_outcomes``, read with the case page)."""
    ids = [m["claim_id"] for m in members]
    if not ids:
        return []
    t = verification_outcomes
    query = (
        select(t.c.claim_id, t.c.check, t.c.outcome, t.c.decided_at, t.c.provider)
        .where(t.c.claim_id.in_(ids))
        .order_by(t.c.claim_id, t.c.decided_at.desc(), t.c.id.desc())
    )
    found: dict[str, list[dict[str, Any]]] = {}
    rows: Any = conn.execute(query).mappings() if any(m.get("has_outcomes") for m in members) else []
    for row in rows:
        found.setdefault(str(row["claim_id"]), []).append(dict(row))
    out = []
    for member in members:
        outcomes = found.get(member["claim_id"], [])
        if member["route"] != "verify" and not outcomes:
            continue
        needed = checks_for(member["reasons"]).split(";") if member["route"] == "verify" else []
        latest: dict[str, dict[str, Any]] = {}
        for o in outcomes:
            latest.setdefault(o["check"], o)
        checks = [
            {"check": c, "latest": latest.get(c), "history": [o for o in outcomes if o["check"] == c]}
            for c in dict.fromkeys([*needed, *latest])
        ]
        out.append(
            {
                "claim_id": member["claim_id"],
                "checks": checks,
                "standing": _standing(needed, latest, member["batch_date"], no_response_days),
            }
        )
    return out


def _standing(
    needed: list[str], latest: dict[str, dict[str, Any]], requested: dt.date, no_response_days: int
) -> str:
    """Where a claim's verification stands, in words."""
    bad = [c for c in needed if c in latest and latest[c]["outcome"] != "passed"]
    if bad:
        return "A check failed or went unanswered: the claim is in review."
    if needed and all(c in latest for c in needed):
        return "Every check it needs passed: the claim was released."
    if not needed:
        return "Outcomes recorded."
    deadline = requested + dt.timedelta(days=no_response_days)
    return f"Waiting for the claimant; without an answer by {deadline.isoformat()} it goes to review."
