"""The nightly Prefect flow: ingest, then features (scoring and the review queue follow in later releases).

The flow is thin: each task calls one function of ``claimscreen.data`` and
passes lake paths and small dictionaries, never DataFrames. I/O tasks retry on
transient errors; a wrong input (:class:`InputError`) fails at once, since a
retry would read the same wrong file. Every run writes the night's report,
also when a stage fails, and publishes it as a Prefect Markdown artifact.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from claimscreen.data.errors import InputError
from claimscreen.data.ingest import ingest_batch
from claimscreen.data.runs import RunReport, markdown_report
from claimscreen.data.settings import SettingsError
from claimscreen.features.build import run_features

INGEST_RETRIES = 2
FLOW_TIMEOUT_SECONDS = 4 * 3600


def retry_unless_bad_input(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Retry transient failures (a full disk, a network share); never a wrong input."""
    try:
        state.result(raise_on_failure=True)
    except (InputError, SettingsError):
        return False
    except Exception:
        return True
    return True


@task(name="ingest", retries=INGEST_RETRIES, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
def ingest_task(home: str, batch: str, batch_date: str) -> dict[str, Any]:
    """Validate, normalize and tokenize one batch file into the lake."""
    result = ingest_batch(Path(home), Path(batch), dt.date.fromisoformat(batch_date))
    return result.to_dict()


@task(name="features", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
def features_task(home: str, batch_date: str) -> dict[str, Any]:
    """Identity, rings and every registered feature for the night's claims, into the lake."""
    return asdict(run_features(Path(home), dt.date.fromisoformat(batch_date)))


@flow(name="claimscreen-nightly", timeout_seconds=FLOW_TIMEOUT_SECONDS)
def nightly_flow(home: str, batch: str, batch_date: str) -> dict[str, Any]:
    """One night: ingest the batch, compute the night's features, write and publish the report."""
    report = RunReport(Path(home), dt.date.fromisoformat(batch_date))
    stages: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("ingest", lambda: ingest_task(home, batch, batch_date)),
        ("features", lambda: features_task(home, batch_date)),
    ]
    for name, run in stages:
        started = time.perf_counter()
        try:
            details = run()
        except BaseException as exc:
            report.fail(name, exc, time.perf_counter() - started)
            _publish(report)
            raise
        report.record_stage(name, time.perf_counter() - started, details=_stage_details(name, details))
    report.complete()
    return _publish(report)


def _stage_details(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """The few figures of a stage worth keeping in the report (counts are in the manifests)."""
    if name == "features":
        keep = ("claims", "identities", "rings", "in_rings", "window_claims", "timings")
        return {k: result[k] for k in keep}
    return {"timings": result.get("timings", {}), "already_ingested": result.get("already_ingested", False)}


def _publish(report: RunReport) -> dict[str, Any]:
    payload = report.write()
    key = f"nightly-report-{payload['batch_date']}"
    create_markdown_artifact(markdown_report(payload), key=key, description="claimscreen night report")
    return payload
