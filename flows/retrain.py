"""The retraining Prefect flow: train a challenger, compare, promote only if better and fair.

Thin: the nightly flow's ``sync-decisions`` task first copies the review
application's decisions into the lake (the labels retraining reads), then one task
calls :func:`claimscreen.models.training.retrain`, which writes the model (with its
card) into the registry and the report (JSON and HTML) beside it; the flow
publishes the outcome as a Prefect Markdown artifact.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from claimscreen.flows.nightly import retry_unless_bad_input, sync_decisions_task, tells_no_data
from claimscreen.models.training import retrain

RETRAIN_TIMEOUT_SECONDS = 2 * 3600


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
    create_markdown_artifact(markdown(report), key="retrain-report", description="claimscreen retraining")
    return report


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
