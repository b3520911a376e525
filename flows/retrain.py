"""The retraining Prefect flow: train a challenger, compare, promote only if better and fair.

Thin: the nightly flow's ``sync-decisions`` task first copies the review
application's decisions into the lake (the labels retraining reads), then one task
calls :func:`claimscreen.models.training.retrain`, which writes the model (with its
card) into the registry and the report (JSON and HTML) beside it; the flow logs the
outcome (promoted, kept and why, bootstrapped, skipped and why) and publishes it as a
Prefect Markdown artifact, with a link artifact to the HTML report. Without a Prefect
server, :func:`run_retrain` runs the same two tasks in this process (as
:func:`claimscreen.flows.nightly.run_nightly` does a night) and logs the same outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from claimscreen.flows.nightly import (
    call_here,
    prefect_api_url,
    retry_unless_bad_input,
    sync_decisions_task,
    tells_no_data,
)
from claimscreen.models.training import retrain

__all__ = ["log_outcome", "retrain_flow", "run_retrain"]

RETRAIN_TIMEOUT_SECONDS = 2 * 3600
LOG = logging.getLogger(__name__)


@task(name="retrain", retries=1, retry_delay_seconds=10, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def retrain_task(home: str, as_of: str | None = None) -> dict[str, Any]:
    """Build the training set, train and evaluate a challenger, promote it or keep the champion."""
    moment = dt.datetime.fromisoformat(as_of) if as_of else None
    return retrain(Path(home), now=moment).to_dict()


@flow(name="claimscreen-retrain", timeout_seconds=RETRAIN_TIMEOUT_SECONDS)
def retrain_flow(home: str, as_of: str | None = None) -> dict[str, Any]:
    """Retrain on the labels known now (or at ``as_of``, an ISO time with offset, to replay
    the past); publish what happened and why."""
    sync_decisions_task(home)
    report = retrain_task(home, as_of)
    log_outcome(get_run_logger(), report)
    create_markdown_artifact(markdown(report), key="retrain-report", description="claimscreen retraining")
    if report.get("report_html"):
        html = Path(report["report_html"])
        create_link_artifact(
            html.resolve().as_uri(),
            link_text=html.name,
            key="retrain-report-html",
            description="the full report",
        )
    return report


def run_retrain(home: str, as_of: str | None = None) -> dict[str, Any]:
    """Retrain: :func:`retrain_flow` when a Prefect server is configured, else the same tasks
    in this process without Prefect (no temporary server to start)."""
    if prefect_api_url() is not None:
        return retrain_flow(home, as_of)
    call_here(sync_decisions_task, home)
    report = call_here(retrain_task, home, as_of)
    log_outcome(LOG, report)
    return report


def log_outcome(log: logging.Logger | logging.LoggerAdapter[logging.Logger], report: dict[str, Any]) -> None:
    """The retraining's outcome in the run's log: status and why, the champion before and after,
    the labels counted, where the report is (versions, counts and paths only)."""
    log.info("retraining %s: %s", report["status"], report.get("headline") or report["reason"])
    log.info("champion before %s, after %s; challenger %s", report["champion_before"],
             report["champion_after"], report.get("challenger"))  # fmt: skip
    if report.get("labels"):
        log.info("labels: %s", report["labels"])
    if report.get("report_html"):
        log.info("report: %s", report["report_html"])


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Retraining {report['started_at']}: {report['status']}",
        "",
        report["reason"],
        "",
        f"- champion before: {report['champion_before']}, after: {report['champion_after']}",
        f"- challenger: {report['challenger']}",
        f"- labels: {report['labels']}",
    ]
    for name, metrics in report.get("metrics", {}).items():
        lines.append(f"- {name} on the evaluation window: {metrics}")
    for check in report.get("checks", []):
        result = "passed" if check["passed"] else "not measured" if check["passed"] is None else "FAILED"
        lines.append(f"- check {check['name']}: {result}: {check['detail']}")
    if report.get("shadow", {}).get("after"):
        lines.append(f"- shadow (scored each night beside the champion): {report['shadow']['after']}")
    if report.get("report_html"):
        lines.append(f"- report: {report['report_html']}")
    return "\n".join(lines)
