"""The nightly Prefect flow: ingest, sync decisions, features, score (and route), look back,
publish the queue, the claimant ledger.

The flow is thin: each task calls one function of the packages and passes the
night's context (:class:`~claimscreen.data.context.NightContext`: its lake and
settings), lake paths and small dictionaries, never DataFrames. I/O tasks retry on transient
errors; a wrong input (:class:`InputError`) fails at once, since a retry would
read the same wrong file. A night whose previous night is missing is refused
unless ``allow_gap`` (see :mod:`claimscreen.data.nights`). Every run writes the
night's report when it starts (``running``) and when it ends, also when a stage
fails, and publishes it as a Prefect Markdown artifact.

Every stage rewrites its lake files whole and atomically, so a run that dies at
any point (even SIGKILL) is finished by running the night again.

The sync-decisions stage copies the review application's decisions into the lake
(:func:`claimscreen.review.dispositions.sync_decisions`) before the features, so a ring's
known fraud counts the decisions made since the last night. The publish stage hands
the night's queue to the review application
(:func:`claimscreen.review.publish.publish_night`). docs/architecture.md follows a
night through these functions.

**Scale-out** (:func:`run_nightly` with ``workers`` or ``dask_address``): the flow
runs on prefect-dask's ``DaskTaskRunner`` and the score stage splits the night
into row chunks, one ``score-chunk`` task each, run on the Dask workers; one
``finish-score`` task then routes the whole night in the flow's process. Ingest
(the lake lock, duplicates against all history) and features (identities and
rings over the whole window) stay in the flow's process. Without either option
the flow runs as it always has, on Prefect's default task runner.

**Without a Prefect server** (no ``PREFECT_API_URL``, in the environment or the Prefect
profile) and without scale-out, :func:`run_nightly` runs the same stages in this process
without Prefect: each task's own function (``task.fn``) with the task's retries
(:func:`call_here`), the same report, no flow-run record and no artifact. Prefect would
otherwise start a temporary server for every command, which costs more than a small night.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prefect import Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from claimscreen.data.context import NightContext
from claimscreen.data.errors import ClaimscreenError, StageError, safe_message, without_cause
from claimscreen.data.ingest import ingest_batch
from claimscreen.data.nights import check_night_order
from claimscreen.data.read import UTF8
from claimscreen.data.runs import RunReport, markdown_report, stage_lines, totals
from claimscreen.data.timing import since
from claimscreen.features.build import run_features
from claimscreen.models.ledger import ledger_lines, ledger_markdown, run_ledger
from claimscreen.models.lookback import run_lookback
from claimscreen.models.score_stage import CHUNK_ROWS, finish_night, plan_night, score_chunk, score_night
from claimscreen.review import publish as review_publish  # bench/nightly.py times its publish_night
from claimscreen.review.dispositions import sync_decisions

__all__ = [
    "ScaleOut",
    "call_here",
    "features_task",
    "ingest_task",
    "nightly_flow",
    "prefect_api_url",
    "retry_unless_bad_input",
    "run_nightly",
    "sync_decisions_task",
    "tells_no_data",
]

P = ParamSpec("P")
R = TypeVar("R")
INGEST_RETRIES = 2
LOG = logging.getLogger(__name__)
FLOW_TIMEOUT_SECONDS = 4 * 3600


def retry_unless_bad_input(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Retry transient failures (a full disk, a network share); never a wrong input, a wrong
    setting or key (any claimscreen error but an unexpected one)."""
    try:
        state.result(raise_on_failure=True)
    except Exception as exc:
        return worth_retrying(exc)
    return True


def worth_retrying(error: BaseException) -> bool:
    """Whether a failed stage is retried: a transient failure is, a claimscreen error (a wrong
    input, setting or key) is not, unless it stands for an unexpected one (:class:`StageError`)."""
    return isinstance(error, StageError) or not isinstance(error, ClaimscreenError)


def call_here(stage: Task[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a task's function in this process, without Prefect, with the task's retries and
    retry delays, retrying only what :func:`worth_retrying` allows."""
    attempts = (stage.retries or 0) + 1
    for attempt in range(1, attempts + 1):
        try:
            return stage.fn(*args, **kwargs)
        except Exception as exc:
            if attempt == attempts or not worth_retrying(exc):
                raise
            delay = _retry_delay(stage.retry_delay_seconds, attempt)
            LOG.warning(
                "stage %s failed (%s); retry %d of %d in %g s",
                stage.name,
                safe_message(exc),
                attempt,
                attempts - 1,
                delay,
            )
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _retry_delay(delays: float | int | list[float] | None, attempt: int) -> float:
    if isinstance(delays, list):
        return float(delays[min(attempt, len(delays)) - 1]) if delays else 0.0
    return float(delays or 0)


def call_in_flow(stage: Task[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a task as a Prefect task run of the flow under way."""
    return stage(*args, **kwargs)


def prefect_api_url() -> str | None:
    """The Prefect server the command talks to (``PREFECT_API_URL``), if one is set."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def tells_no_data(func: Callable[P, R]) -> Callable[P, R]:
    """A stage function whose failure reaches Prefect's state, logs and the report with a
    message free of claim data (see :func:`claimscreen.data.errors.without_cause`)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            raise without_cause(exc) from None

    return wrapper


@task(name="ingest", retries=INGEST_RETRIES, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def ingest_task(night: NightContext, batch: str, encoding: str = UTF8) -> dict[str, Any]:
    """Validate, normalize and tokenize one batch file into the lake."""
    result = ingest_batch(
        night.home,
        Path(batch),
        night.night,
        settings=night.settings,
        encoding=encoding,
        key=night.key,
        lake=night.lake,
    )
    return result.to_dict()


@task(name="sync-decisions", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def sync_decisions_task(home: str) -> dict[str, Any]:
    """The review application's new decisions join the lake's decision history, before the
    features (a ring's known fraud counts them) or a retraining read it."""
    return {"review_decisions_synced": sync_decisions(Path(home))}


@task(name="features", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def features_task(night: NightContext) -> dict[str, Any]:
    """Identity, rings and every registered feature for the night's claims, into the lake."""
    return asdict(run_features(night.home, night.night, night.settings, lake=night.lake))


@task(name="score", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def score_task(night: NightContext) -> dict[str, Any]:
    """Score and route the night's claims; write its scores and review-queue partitions."""
    return asdict(score_night(night.home, night.night, night.settings, lake=night.lake))


@task(name="plan-score", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def plan_score_task(night: NightContext, chunk_rows: int) -> dict[str, Any]:
    """The model and the row ranges the score-chunk tasks score (a cold-start model is
    registered here, once, before any chunk runs)."""
    return asdict(plan_night(night.home, night.night, chunk_rows, night.settings, lake=night.lake))


@task(name="score-chunk", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def score_chunk_task(home: str, batch_date: str, version: str, start: int, stop: int) -> dict[str, Any]:
    """Score one row range of the night on whichever worker runs it; its work file and seconds.
    It takes the home folder, not the night's context: the context (and its key) stays in the
    flow's process, and the worker opens the lake where it runs."""
    clock = time.perf_counter()
    part = score_chunk(Path(home), dt.date.fromisoformat(batch_date), version, start, stop)
    return {"part": str(part), "seconds": since(clock)}


@task(name="finish-score", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def finish_score_task(night: NightContext, version: str, parts: list[str]) -> dict[str, Any]:
    """Route the whole night from the chunks' parts; write its scores and review queue."""
    paths = [Path(p) for p in parts]
    return asdict(finish_night(night.home, night.night, version, paths, night.settings, lake=night.lake))


def score_stage(
    night: NightContext, chunk_rows: int | None, call: Callable[..., Any] = call_in_flow
) -> dict[str, Any]:
    """The score stage: one task in the flow's process (through ``call``), or (``chunk_rows``)
    chunk tasks on the flow's task runner (the Dask workers) and one finishing task in the
    flow's process."""
    if chunk_rows is None:
        return call(score_task, night)
    home, batch_date = str(night.home), night.night.isoformat()
    clock = time.perf_counter()
    plan = plan_score_task(night, chunk_rows)
    planned = since(clock)
    clock = time.perf_counter()
    version = plan["model_version"]
    futures = [score_chunk_task.submit(home, batch_date, version, a, b) for a, b in plan["chunks"]]
    done = [future.result() for future in futures]
    parts = [chunk["part"] for chunk in done]
    chunked = since(clock)
    details = finish_score_task(night, version, parts)
    details["chunks"] = len(parts)
    details["chunk_seconds"] = [chunk["seconds"] for chunk in done]
    details["timings"] = {"plan": planned, "chunks": chunked, **details.get("timings", {})}
    return details


@task(name="lookback", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def lookback_task(night: NightContext) -> dict[str, Any]:
    """Check the benefit year's cleared claims against what changed since they were paid;
    write the night's look-back alerts (docs/reference.md, "Look-back")."""
    return asdict(run_lookback(night.home, night.night, night.settings, night.lake))


@task(name="ledger", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def ledger_task(night: NightContext) -> dict[str, Any]:
    """The claimant ledger of the last week's claims as of tonight: released within 24 hours,
    the wait of everyone held, by language and age band, tonight's look-back alerts; the
    waiting-time curves drawn beside the report (docs/state-it.md, "The claimant ledger")."""
    return run_ledger(night.home, night.night, night.settings, night.lake)


@task(name="publish", retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_bad_input)
@tells_no_data
def publish_task(night: NightContext) -> dict[str, Any]:
    """Hand the night's review queue to the review application: its cases, in its database."""
    return as_details(
        review_publish.publish_night(night.home, night.night, settings=night.settings, lake=night.lake)
    )


@flow(name="claimscreen-nightly", timeout_seconds=FLOW_TIMEOUT_SECONDS)
def nightly_flow(
    home: str,
    batch: str,
    batch_date: str,
    allow_gap: bool = False,
    chunk_rows: int | None = None,
    encoding: str = UTF8,
) -> dict[str, Any]:
    """One night: ingest the batch, copy the review application's decisions into the lake,
    compute the night's features, score and route its claims, look back at the claims paid
    before, publish the review queue, take the claimant ledger; write and publish the report.
    With ``chunk_rows``, the night is scored in chunks of that many rows on the flow's task
    runner (see :func:`run_nightly`).
    ``encoding`` is the batch file's text encoding (UTF-8 unless the extract says otherwise)."""
    night = _Night(home, batch, batch_date, allow_gap, encoding, get_run_logger())
    return _run_night(night, call_in_flow, chunk_rows, _publish)


@dataclass(frozen=True)
class _Night:
    """What a night runs on, and where it logs (Prefect's run logger in a flow, else logging)."""

    home: str
    batch: str
    batch_date: str
    allow_gap: bool
    encoding: str
    log: logging.Logger | logging.LoggerAdapter[logging.Logger]


def _run_night(
    night_: _Night,
    call: Callable[..., Any],
    chunk_rows: int | None,
    publish: Callable[[RunReport], dict[str, Any]],
) -> dict[str, Any]:
    """The stages of a night in order, each task through ``call`` (a Prefect task run, or
    :func:`call_here`); the report written when the night starts and ``publish``-ed when it
    ends, also when a stage fails. Each stage's summary is logged (counts and ids only).
    The night's context (its lake and settings, read once) is built here and given to every
    stage (docs/architecture.md)."""
    home, batch, batch_date, log = night_.home, night_.batch, night_.batch_date, night_.log
    encoding, allow_gap = night_.encoding, night_.allow_gap
    night = dt.date.fromisoformat(batch_date)
    context = NightContext.open(home, night)
    check_night_order(context.lake, night, allow_gap)
    report = RunReport(context.home, night)
    report.write()
    stages: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("ingest", lambda: call(ingest_task, context, batch, encoding)),
        ("sync-decisions", lambda: call(sync_decisions_task, home)),
        ("features", lambda: call(features_task, context)),
        ("score", lambda: score_stage(context, chunk_rows, call)),
        ("lookback", lambda: call(lookback_task, context)),
        ("publish", lambda: call(publish_task, context)),
        ("ledger", lambda: call(ledger_task, context)),
    ]
    for name, run in stages:
        started = time.perf_counter()
        try:
            details = run()
        except BaseException as exc:
            report.fail(name, exc, time.perf_counter() - started)
            log.error("night %s failed in stage %s: %s", batch_date, name, report.error)
            publish(report)
            raise
        report.record_stage(name, time.perf_counter() - started, details=_stage_details(name, details))
        _log_stage(log, report, context)
    report.complete()
    payload = publish(report)
    t = payload["totals"]
    log.info(
        "night %s completed: %s rows read, %s ingested, %s quarantined, %s scored, %s queued for review",
        batch_date, t["rows_read"], t["rows_ingested"], t["rows_quarantined"], t["rows_scored"], t["queued"],
    )  # fmt: skip
    return payload


def _log_stage(
    log: logging.Logger | logging.LoggerAdapter[logging.Logger], report: RunReport, night: NightContext
) -> None:
    """The stage just recorded, in the log: its time and summary; after ingest the rows read,
    ingested and quarantined by reason (from the manifests); drift warnings as warnings."""
    stage = report.stages[-1]
    log.info("stage %s completed in %.2f s", stage["name"], stage["seconds"])
    if stage["name"] == "ingest":
        t = totals(night.lake.manifests(night.night))
        reasons = ", ".join(f"{reason} {n}" for reason, n in t["quarantined_by_reason"].items())
        log.info(
            "ingest: %s rows read, %s ingested, %s quarantined%s",
            t["rows_read"], t["rows_ingested"], t["rows_quarantined"], f" ({reasons})" if reasons else "",
        )  # fmt: skip
    for line in stage_lines(stage) if stage["name"] != "ledger" else ledger_lines(stage["details"]):
        log.info("%s", line)
    for warning in stage.get("details", {}).get("drift_warnings", []):
        log.warning("drift warning: %s", warning)


@dataclass(frozen=True)
class ScaleOut:
    """Where the score chunks run: a local Dask cluster of ``workers`` processes, or the
    existing cluster at ``dask_address``; ``chunk_rows`` rows of the night per chunk."""

    workers: int | None = None
    dask_address: str | None = None
    chunk_rows: int = CHUNK_ROWS


def run_nightly(
    home: str,
    batch: str,
    batch_date: str,
    allow_gap: bool = False,
    scale_out: ScaleOut | None = None,
    encoding: str = UTF8,
) -> dict[str, Any]:
    """Run a night: :func:`nightly_flow` when a Prefect server is configured, on a Dask
    cluster when ``scale_out`` says so; otherwise the same stages in this process, without
    Prefect (no temporary server to start; see the module's docstring)."""
    if scale_out is None and prefect_api_url() is None:
        night = _Night(home, batch, batch_date, allow_gap, encoding, LOG)
        return _run_night(night, call_here, None, RunReport.write)
    if scale_out is None:
        return nightly_flow(home, batch, batch_date, allow_gap, encoding=encoding)
    scaled = nightly_flow.with_options(task_runner=dask_task_runner(scale_out))
    return scaled(home, batch, batch_date, allow_gap, chunk_rows=scale_out.chunk_rows, encoding=encoding)


def dask_task_runner(scale_out: ScaleOut) -> Any:
    """prefect-dask's task runner for ``scale_out``: one worker process per core asked for, one
    thread each (scoring is CPU-bound Python and NumPy), no dashboard."""
    from prefect_dask import DaskTaskRunner

    if scale_out.dask_address:
        return DaskTaskRunner(address=scale_out.dask_address)
    cluster = {"n_workers": scale_out.workers or 1, "threads_per_worker": 1, "dashboard_address": None}
    return DaskTaskRunner(cluster_kwargs={"processes": True, **cluster})


def as_details(result: Any) -> dict[str, Any]:
    """A stage function's result as a JSON-ready dictionary."""
    if is_dataclass(result) and not isinstance(result, type):
        return asdict(result)
    if isinstance(result, dict):
        return dict(result)
    return {} if result is None else {"result": str(result)}


_KEPT_DETAILS: dict[str, tuple[str, ...]] = {
    "features": (
        "claims",
        "identities",
        "rings",
        "in_rings",
        "window_claims",
        "timings",
    ),
    "score": (
        "scored",
        "newly_scored",
        "chunks",
        "chunk_seconds",
        "routes",
        "queued",
        "audit_sampled",
        "flagged_rings",
        "model_version",
        "honest_delayed_estimate",
        "honest_delayed_share",
        "delayed_by_reason",
        "held_back",
        "largest_rings",
        "drift",
        "drift_warnings",
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
    ledger = next((s["details"] for s in payload["stages"] if s["name"] == "ledger"), None)
    text = markdown_report(payload) + (f"\n\n{ledger_markdown(ledger)}" if ledger else "")
    create_markdown_artifact(text, key=key, description="claimscreen night report")
    return payload
