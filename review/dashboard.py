"""The supervisor's figures: queue size and aging, decisions per investigator per day,
fraud share of decisions, and how long honest claimants were held up; and the claimant ledger
the nightly flow wrote into its run reports (:func:`claimant_ledger`)."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, case, func, select

from claimscreen.data.runs import NightReport, RunReportError, read_night_report, runs_folder
from claimscreen.models.ledger import wait_plot_path
from claimscreen.review.db import case_claims, cases, claims, decisions, now, users
from claimscreen.review.publish import FIRST_PAYMENT_DAYS

__all__ = ["claimant_ledger", "dashboard"]

AGING_BUCKETS = ((0, 7), (8, 14), (15, FIRST_PAYMENT_DAYS), (FIRST_PAYMENT_DAYS + 1, None))
RECENT_DAYS = 14
FRAUD_OUTCOMES = ("fraud", "identity_theft_victim")
#: How many of the latest run reports the dashboard looks through for the newest ledger.
REPORTS_SEARCHED = 14


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


def claimant_ledger(home: Path) -> dict[str, Any] | None:
    """The claimant ledger of the newest night whose run report holds one (the nightly flow's
    ``ledger`` stage in ``HOME/runs/D.json``), read from the reports alone, never the lake: its
    figures per night scored (each with the look-back alerts of that night's own report), over
    them all, by language and by age band, and whether the night's waiting-time plot
    (``HOME/runs/D-waits.png``) is there. None when no report holds a ledger; a report that
    cannot be read is named in ``problems`` and skipped."""
    problems: list[str] = []
    found = (_night_of(p) for p in runs_folder(home).glob("????-??-??.json"))
    nights = sorted((n for n in found if n is not None), reverse=True)
    for night in nights[:REPORTS_SEARCHED]:
        ledger = _ledger_of(home, night, problems)
        if ledger is None:
            continue
        rows = []
        for scored, figures in sorted(ledger["nights"].items(), reverse=True):
            own = ledger if scored == night.isoformat() else _ledger_of(home, _night_of(scored), problems)
            rows.append((scored, {**figures, "alerts": _alerts_text(own)}))
        rows.append(("All these nights", {**ledger["window"], "alerts": ""}))
        return {
            "night": night,
            "as_of": str(ledger["as_of"])[:16].replace("T", " "),
            "nights": rows,
            "window": ledger["window"],
            "by_language": ledger["by_language"],
            "by_age_band": ledger["by_age_band"],
            "lookback_alerts": ledger["lookback_alerts"],
            "plot": wait_plot_path(home, night).is_file(),
            "problems": problems,
        }
    return None


def _alerts_text(ledger: dict[str, Any] | None) -> str:
    if ledger is None:
        return "no ledger in its report"
    alerts = ledger["lookback_alerts"]
    return f"{alerts['alerts']} on {alerts['claims']} paid claims"


def _night_of(name: str | Path) -> dt.date | None:
    try:
        return dt.date.fromisoformat(Path(name).stem)
    except ValueError:
        return None


def _ledger_of(home: Path, night: dt.date | None, problems: list[str]) -> dict[str, Any] | None:
    """The ``ledger`` stage's figures of one night's run report (None without one)."""
    if night is None:
        return None
    try:
        report: NightReport | None = read_night_report(home, night)
    except RunReportError as exc:
        problems.append(str(exc))
        return None
    if report is None:
        return None
    stage = next((s for s in report.stages if s.name == "ledger" and s.status == "completed"), None)
    details = stage.details if stage is not None else {}
    keys = ("as_of", "nights", "window", "by_language", "by_age_band", "lookback_alerts")
    return details if all(k in details for k in keys) else None
