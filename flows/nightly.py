"""The nightly Prefect flow: ingest, features, score (and route), publish the review queue.

The flow is thin: each task calls one function of the packages and passes lake
paths and small dictionaries, never DataFrames. I/O tasks retry on transient
errors; a wrong input (:class:`InputError`) fails at once, since a retry would
read the same wrong file. A night whose previous night is missing is refused
unless ``allow_gap`` (see :mod:`claimscreen.data.nights`). Every run writes the
night's report when it starts (``running``) and when it ends, also when a stage
fails, and publishes it as a Prefect Markdown artifact.

Every stage rewrites its lake files whole and atomically, so a run that dies at
any point (even SIGKILL) is finished by running the night again.

The publish stage hands the night's queue to the review application when one is
installed (``claimscreen.review.publish.publish_night``); until then the lake's
queue partition is the queue, and the stage says it was skipped.
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from claimscreen.data.errors import InputError
from claimscreen.data.ingest import ingest_batch
from claimscreen.data.lake import Lake
from claimscreen.data.nights import check_night_order
from claimscreen.data.runs import RunReport, markdown_report
from claimscreen.data.settings import SettingsError
from claimscreen.features.build import run_features
from claimscreen.models.scoring import score_night

INGEST_RETRIES = 2
FLOW_TIMEOUT_SECONDS = 4 * 3600
REVIEW_NOT_INSTALLED = "review app not installed"
#: A task returns ``{STAGE_SKIPPED: why}`` when its stage did not run.
STAGE_SKIPPED = "stage_skipped"


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


@task(name="score", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
def score_task(home: str, batch_date: str) -> dict[str, Any]:
    """Score and route the night's claims; write its scores and review-queue partitions."""
    return asdict(score_night(Path(home), dt.date.fromisoformat(batch_date)))


@task(name="publish", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
def publish_task(home: str, batch_date: str) -> dict[str, Any]:
    """Hand the night's review queue to the review application, when it is installed."""
    publish_night = optional_function("claimscreen.review.publish", "publish_night")
    if publish_night is None:
        return {STAGE_SKIPPED: REVIEW_NOT_INSTALLED}
    return as_details(publish_night(Path(home), dt.date.fromisoformat(batch_date)))


@flow(name="claimscreen-nightly", timeout_seconds=FLOW_TIMEOUT_SECONDS)
def nightly_flow(home: str, batch: str, batch_date: str, allow_gap: bool = False) -> dict[str, Any]:
    """One night: ingest the batch, compute the night's features, score and route its claims,
    publish the review queue; write and publish the report."""
    night = dt.date.fromisoformat(batch_date)
    check_night_order(Lake(Path(home)), night, allow_gap)
    report = RunReport(Path(home), night)
    report.write()
    stages: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("ingest", lambda: ingest_task(home, batch, batch_date)),
        ("features", lambda: features_task(home, batch_date)),
        ("score", lambda: score_task(home, batch_date)),
        ("publish", lambda: publish_task(home, batch_date)),
    ]
    for name, run in stages:
        started = time.perf_counter()
        try:
            details = run()
        except BaseException as exc:
            report.fail(name, exc, time.perf_counter() - started)
            _publish(report)
            raise
        if STAGE_SKIPPED in details:
            report.skip_stage(name, details[STAGE_SKIPPED])
            continue
        report.record_stage(name, time.perf_counter() - started, details=_stage_details(name, details))
    report.complete()
    return _publish(report)


def optional_function(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` if that module is installed and defines it, else None.

    Only the module itself being absent counts as "not installed": a module that
    exists but fails to import (a missing dependency of its own) raises.
    """
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise
    found = getattr(loaded, name, None)
    return found if callable(found) else None


def as_details(result: Any) -> dict[str, Any]:
    """A stage function's result as a JSON-ready dictionary."""
    if is_dataclass(result) and not isinstance(result, type):
        return asdict(result)
    if isinstance(result, dict):
        return dict(result)
    return {} if result is None else {"result": str(result)}


_KEPT_DETAILS: dict[str, tuple[str, ...]] = {
    "features": ("claims", "identities", "rings", "in_rings", "window_claims", "timings"),
    "score": (
        "scored",
        "newly_scored",
        "routes",
        "queued",
        "audit_sampled",
        "flagged_rings",
        "model_version",
        "honest_delayed_estimate",
        "honest_delayed_share",
        "delayed_by_reason",
        "timings",
    ),
}


def _stage_details(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """The few figures of a stage worth keeping in the report (counts are in the manifests)."""
    if name in _KEPT_DETAILS:
        return {k: result[k] for k in _KEPT_DETAILS[name] if k in result}
    if name == "ingest":
        return {
            "timings": result.get("timings", {}),
            "already_ingested": result.get("already_ingested", False),
        }
    return result


def _publish(report: RunReport) -> dict[str, Any]:
    payload = report.write()
    key = f"nightly-report-{payload['batch_date']}"
    create_markdown_artifact(markdown_report(payload), key=key, description="claimscreen night report")
    return payload
