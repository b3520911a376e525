"""The supervisor's figures: queue size and aging, decisions per investigator per day,
fraud share of decisions, and how long honest claimants were held up."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from sqlalchemy import Connection, case, func, select

from claimscreen.review.db import case_claims, cases, claims, decisions, now, users
from claimscreen.review.publish import FIRST_PAYMENT_DAYS

AGING_BUCKETS = ((0, 7), (8, 14), (15, FIRST_PAYMENT_DAYS), (FIRST_PAYMENT_DAYS + 1, None))
RECENT_DAYS = 14
FRAUD_OUTCOMES = ("fraud", "identity_theft_victim")


def dashboard(conn: Connection, today: dt.datetime | None = None) -> dict[str, Any]:
    at = today or now()
    return {
        "by_status": dict(conn.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all()),
        "aging": _aging(conn, at),
        "per_investigator": _per_investigator(conn, at),
        "outcomes": _outcomes(conn),
        "delayed": _honest_delays(conn, at),
    }


def _aging(conn: Connection, at: dt.datetime) -> list[dict[str, Any]]:
    """Cases still open or waiting on verification, by days since their first claim was filed."""
    sums = []
    for low, high in AGING_BUCKETS:
        newest = at - dt.timedelta(days=low)
        test = cases.c.first_filed_at <= newest
        if high is not None:
            test = test & (cases.c.first_filed_at > at - dt.timedelta(days=high + 1))
        sums.append(func.coalesce(func.sum(case((test, 1), else_=0)), 0))
    row = conn.execute(select(*sums).where(cases.c.status != "closed")).one()
    return [
        {
            "label": f"{low}-{high} days" if high is not None else f"over {low - 1} days",
            "cases": int(n),
            "late": high is None,
        }
        for (low, high), n in zip(AGING_BUCKETS, row, strict=True)
    ]


def _per_investigator(conn: Connection, at: dt.datetime) -> dict[str, Any]:
    """Claims decided per investigator per day over the last RECENT_DAYS days (UTC days)."""
    since = at - dt.timedelta(days=RECENT_DAYS)
    rows = conn.execute(
        select(users.c.username, decisions.c.decided_at)
        .join(users, users.c.id == decisions.c.decided_by)
        .where(decisions.c.decided_at >= since)
    ).all()
    days = sorted({r.decided_at.date() for r in rows}, reverse=True)
    table: dict[str, dict[dt.date, int]] = {}
    for r in rows:
        per_day = table.setdefault(r.username, {})
        per_day[r.decided_at.date()] = per_day.get(r.decided_at.date(), 0) + 1
    return {"days": days, "rows": sorted(table.items())}


def _outcomes(conn: Connection) -> dict[str, Any]:
    counts: dict[str, int] = dict(
        conn.execute(select(decisions.c.outcome, func.count()).group_by(decisions.c.outcome)).all()
    )
    total = sum(counts.values())
    fraud = sum(counts.get(o, 0) for o in FRAUD_OUTCOMES)
    return {"counts": counts, "total": total, "fraud_share": fraud / total if total else None}


def _honest_delays(conn: Connection, at: dt.datetime) -> dict[str, Any]:
    """Claims whose current decision is legitimate: days from filing to that decision."""
    latest = select(func.max(decisions.c.id).label("id")).group_by(decisions.c.claim_id).subquery()
    rows = conn.execute(
        select(claims.c.filed_at, decisions.c.decided_at, case_claims.c.audit_sample)
        .join(latest, latest.c.id == decisions.c.id)
        .join(claims, claims.c.claim_id == decisions.c.claim_id)
        .join(case_claims, case_claims.c.claim_id == decisions.c.claim_id)
        .where(decisions.c.outcome == "legitimate", case_claims.c.audit_sample.is_(False))
    ).all()
    days = sorted((r.decided_at - r.filed_at).total_seconds() / 86400 for r in rows)
    if not days:
        return {"claims": 0}
    return {
        "claims": len(days),
        "median_days": statistics.median(days),
        "p90_days": days[min(len(days) - 1, int(0.9 * len(days)))],
        "max_days": days[-1],
        "past_standard": sum(d > FIRST_PAYMENT_DAYS for d in days),
    }
