"""The night's run report: what was read, ingested, quarantined and scored, and how long each stage took.

A report is one JSON file per night, ``HOME/runs/YYYY-MM-DD.json``, rewritten
atomically by every run of that night: when the run starts (status
``running``; a run that dies keeps it), and when it ends. Its row counts come
from the lake's batch manifests (the committed truth), so a re-run never
double-counts; its scoring figures from the latest run's score stage; its stage
list and status describe the latest run, including the stage that failed.

The file's shape is :class:`NightReport` (a pydantic model, version
:data:`REPORT_SCHEMA_VERSION`): every report is built through it before it is
written, and read back through it (:func:`read_night_report`), so a wrong or
truncated file is one line naming the file and the field, never a ``KeyError``
later. A report written before the version existed reads as version 1; fields a
newer release adds are kept as they are (``extra="allow"``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claimscreen.data.errors import ClaimscreenError, safe_message
from claimscreen.data.lake import Lake, write_json
from claimscreen.data.schema import ROUTES

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "NightReport",
    "RunReport",
    "RunReportError",
    "held_back_line",
    "markdown_report",
    "ordered_routes",
    "read_night_report",
    "read_report",
    "report_path",
    "runs_folder",
    "scoring_totals",
    "stage_lines",
    "totals",
    "totals_lines",
]

#: The run report's format: 1 before the version was written, 2 since it is (same fields).
REPORT_SCHEMA_VERSION = 2


class RunReportError(ClaimscreenError):
    """A run report file that is not valid JSON or not a run report."""


class StageRecord(BaseModel):
    """One stage of the night as the report keeps it."""

    model_config = ConfigDict(extra="allow")

    name: str
    status: Literal["completed", "failed", "skipped"]
    seconds: float = Field(ge=0)
    details: dict[str, Any] = Field(default_factory=dict)


class NightTotals(BaseModel):
    """The night's counts: from the batch manifests (rows) and the score stage (routes)."""

    model_config = ConfigDict(extra="allow")

    batches: int = Field(0, ge=0)
    rows_read: int = Field(ge=0)
    rows_ingested: int = Field(ge=0)
    rows_quarantined: int = Field(ge=0)
    quarantined_by_reason: dict[str, int] = Field(default_factory=dict)
    rows_scored: int = Field(0, ge=0)
    routes: dict[str, int] = Field(default_factory=dict)
    queued: int = Field(0, ge=0)
    audit_sampled: int = Field(0, ge=0)
    model_version: str | None = None


class NightReport(BaseModel):
    """A night's report file, ``HOME/runs/YYYY-MM-DD.json``."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = Field(1, ge=1)
    batch_date: dt.date
    status: Literal["running", "completed", "failed"]
    failed_stage: str | None = None
    error: str | None = None
    started_at: str
    finished_at: str | None = None
    stages: list[StageRecord] = Field(default_factory=list)
    totals: NightTotals
    batches: list[dict[str, Any]] = Field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what the file holds, and what the renderers read)."""
        return self.model_dump(mode="json", fallback=_plain)


def _plain(value: Any) -> Any:
    """A value JSON does not know: a NumPy scalar as its Python value, anything else as text."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def runs_folder(home: Path) -> Path:
    return Path(home) / "runs"


def report_path(home: Path, batch_date: dt.date) -> Path:
    return runs_folder(home) / f"{batch_date.isoformat()}.json"


@dataclass
class RunReport:
    """A night's report, built while the flow runs."""

    home: Path
    batch_date: dt.date
    started_at: str = field(default_factory=lambda: _now())
    status: str = "running"
    stages: list[dict[str, Any]] = field(default_factory=list)
    failed_stage: str | None = None
    error: str | None = None

    def record_stage(
        self, name: str, seconds: float, status: str = "completed", details: dict[str, Any] | None = None
    ) -> None:
        stage: dict[str, Any] = {"name": name, "status": status, "seconds": round(seconds, 3)}
        if details:
            stage["details"] = details
        self.stages.append(stage)

    def fail(self, stage: str, error: BaseException, seconds: float) -> None:
        self.record_stage(stage, seconds, status="failed")
        self.status = "failed"
        self.failed_stage = stage
        self.error = safe_message(error)

    def complete(self) -> None:
        self.status = "completed"

    def to_dict(self) -> dict[str, Any]:
        batches = Lake(self.home).manifests(self.batch_date)
        payload = {
            "schema_version": REPORT_SCHEMA_VERSION,
            "batch_date": self.batch_date.isoformat(),
            "status": self.status,
            "failed_stage": self.failed_stage,
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": _now(),
            "stages": self.stages,
            "totals": {**totals(batches), **scoring_totals(self.stages)},
            "batches": batches,
        }
        return NightReport.model_validate(payload).as_dict()

    def write(self) -> dict[str, Any]:
        payload = self.to_dict()
        write_json(report_path(self.home, self.batch_date), payload)
        return payload


def totals(batches: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows read, ingested and quarantined (by reason) over a night's batches."""
    reasons: Counter[str] = Counter()
    for batch in batches:
        reasons.update(batch["quarantined_by_reason"])
    return {
        "batches": len(batches),
        "rows_read": sum(b["rows_read"] for b in batches),
        "rows_ingested": sum(b["rows_ingested"] for b in batches),
        "rows_quarantined": sum(b["rows_quarantined"] for b in batches),
        "quarantined_by_reason": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def scoring_totals(stages: list[dict[str, Any]]) -> dict[str, Any]:
    """Claims scored, by route, queued for review and sampled for audit, from the score stage."""
    score: dict[str, Any] = next((s.get("details", {}) for s in stages if s["name"] == "score"), {})
    return {
        "rows_scored": score.get("scored", 0),
        "routes": ordered_routes(score.get("routes", {})),
        "queued": score.get("queued", 0),
        "audit_sampled": score.get("audit_sampled", 0),
        "model_version": score.get("model_version"),
    }


def ordered_routes(routes: dict[str, int]) -> dict[str, int]:
    """Routes in their declared order (clear, verify, review), any other after them."""
    order = {route: i for i, route in enumerate(ROUTES)}
    return dict(sorted(routes.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def read_night_report(home: Path, batch_date: dt.date | None = None) -> NightReport | None:
    """The report of one night, or of the latest night when no date is given, validated; a
    file that is not a run report raises :class:`RunReportError` naming it and the field."""
    if batch_date is None:
        found = sorted(runs_folder(home).glob("????-??-??.json"))
        if not found:
            return None
        path = found[-1]
    else:
        path = report_path(home, batch_date)
        if not path.exists():
            return None
    try:
        return NightReport.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "report"
        if first["type"] == "json_invalid":
            raise RunReportError(f"{path}: not a run report (not valid JSON)") from None
        raise RunReportError(f"{path}: not a run report ({where}: {first['msg']})") from None


def read_report(home: Path, batch_date: dt.date | None = None) -> dict[str, Any] | None:
    """:func:`read_night_report` as JSON-ready data."""
    report = read_night_report(home, batch_date)
    return None if report is None else report.as_dict()


def totals_lines(report: dict[str, Any]) -> list[str]:
    """The night's summary as an operator reads it (``claimscreen nightly``, ``runs show``, the
    flow's log): rows read, ingested and quarantined by reason, then one line per stage. Only
    counts, reasons and ids: never a claim's data."""
    t = report["totals"]
    lines = [
        f"night {report['batch_date']}: {t['rows_read']} rows read, {t['rows_ingested']} ingested, "
        f"{t['rows_quarantined']} quarantined"
    ]
    lines += [f"  quarantined: {n:>7}  {reason}" for reason, n in t["quarantined_by_reason"].items()]
    for stage in report.get("stages", []):
        lines += [f"  {line}" for line in stage_lines(stage)]
    return lines


def stage_lines(stage: dict[str, Any]) -> list[str]:
    """What one stage of the report did, in a line or two (none for a stage with nothing to say)."""
    details = stage.get("details", {})
    if stage["status"] == "skipped":
        return [f"{stage['name']}: skipped: {details.get('reason', '')}"]
    if not details:
        return []
    if stage["name"] == "features":
        return [
            f"features: {details['claims']} claims, {details['identities']} identities, "
            f"{details['in_rings']} in {details['rings']} rings (window {details['window_claims']} claims)"
        ]
    if stage["name"] == "score":
        routes = ", ".join(f"{n} {r}" for r, n in ordered_routes(details.get("routes", {})).items())
        lines = [
            f"score: {details.get('scored', 0)} scored ({routes}), {details.get('queued', 0)} "
            f"queued for review, {details.get('audit_sampled', 0)} audit sampled "
            f"(model {details.get('model_version')})"
        ]
        if details.get("chunks"):
            each = details.get("chunk_seconds") or []
            spread = f" ({min(each):.2f} to {max(each):.2f} s each)" if each else ""
            steps = ", ".join(f"{k} {v:.2f} s" for k, v in details.get("timings", {}).items())
            lines.append(f"score: {details['chunks']} chunks on Dask{spread}; {steps}")
        return lines
    if stage["name"] == "publish":
        return ["publish: " + ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in details.items())]
    return []


def held_back_line(score: dict[str, Any]) -> str:
    """The score stage's claims paid although they scored ``min_verify_score`` or more, by why
    (``held_back``); "" when there were none."""
    held = score.get("held_back") or {}
    if not any(held.values()):
        return ""
    return (
        f"Paid although scoring min_verify_score or more: {held.get('model_only', 0):,} "
        f"(only the model's pattern, below min_model_only_score), "
        f"{held.get('honest_delay_budget', 0):,} (honest-delay budget spent)"
    )


def markdown_report(report: dict[str, Any]) -> str:
    """The report as Markdown, for a Prefect artifact."""
    t = report["totals"]
    lines = [
        f"# Night {report['batch_date']}: {report['status']}",
        "",
        "| rows read | ingested | quarantined |",
        "|---:|---:|---:|",
        f"| {t['rows_read']} | {t['rows_ingested']} | {t['rows_quarantined']} |",
        "",
    ]
    if report.get("failed_stage"):
        lines += [f"**Failed in stage `{report['failed_stage']}`**: {report['error']}", ""]
    if t["quarantined_by_reason"]:
        lines += ["| quarantine reason | rows |", "|---|---:|"]
        lines += [f"| {reason} | {n} |" for reason, n in t["quarantined_by_reason"].items()]
        lines.append("")
    if t.get("routes"):
        lines += [
            f"Scored {t['rows_scored']} claims with model `{t['model_version']}`: "
            f"{t['queued']} queued for review, {t['audit_sampled']} sampled for audit.",
            "",
            "| route | claims |",
            "|---|---:|",
        ]
        lines += [f"| {route} | {n} |" for route, n in ordered_routes(t["routes"]).items()]
        lines.append("")
    score: dict[str, Any] = next(
        (st.get("details", {}) for st in report["stages"] if st["name"] == "score"), {}
    )
    if score.get("honest_delayed_estimate") is not None:
        why = ", ".join(f"{code} {n}" for code, n in score.get("delayed_by_reason", {}).items())
        lines += [
            f"Estimated honest claimants delayed: {score['honest_delayed_estimate']} "
            f"({score.get('honest_delayed_share', 0):.2%}); first reasons of the delayed: {why or 'none'}.",
            "",
        ]
    held = held_back_line(score)
    if held:
        lines += [held + ".", ""]
    if score.get("largest_rings"):
        lines += ["| largest rings tonight | claims | tonight | route | new |", "|---|---:|---:|---|---|"]
        for r in score["largest_rings"]:
            new = "yes" if r["new"] else ""
            lines.append(f"| {r['ring_id']} | {r['size']} | {r['claims_tonight']} | {r['route']} | {new} |")
        lines.append("")
    for warning in score.get("drift_warnings", []):
        lines.append(f"**Drift warning**: {warning}")
    if score.get("drift_warnings"):
        lines.append("")
    said = [line for stage in report["stages"] for line in stage_lines(stage)]
    if said:
        lines += [f"- {line}" for line in said] + [""]
    lines += ["| stage | status | seconds |", "|---|---|---:|"]
    lines += [f"| {s['name']} | {_stage_status(s)} | {s['seconds']:.2f} |" for s in report["stages"]]
    return "\n".join(lines)


def _stage_status(stage: dict[str, Any]) -> str:
    skipped = stage.get("details", {}).get("reason") if stage["status"] == "skipped" else None
    return f"skipped: {skipped}" if skipped else str(stage["status"])


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
