"""Scheduled flows and their Prefect deployments (``claimscreen deploy``, ``prefect.yaml``).

* :func:`nightly_from_inbox` runs the nightly flow on the newest night of an inbox
  folder that is not done yet; it fails (so an automation can alert) when the
  inbox holds nothing new, or when a night before it is missing.
* :func:`retrain_flow` runs the retraining flow (``claimscreen.flows.retrain``) as a
  subflow.

:func:`ensure_alert` (``claimscreen deploy --notify-block``) makes the Prefect automation
that tells state IT through a notification block when a claimscreen run fails, crashes or
times out: the run, its state and its one-line message (a night's names the night and the
stage; never a claim's data).

:func:`build_deployments` makes both deployments for a work pool, each with a
cron schedule in the agency's time zone; :func:`register_deployments` sends them
to the Prefect server at ``PREFECT_API_URL``. Deployments name the flows by
module path (``claimscreen.flows.schedules.nightly_from_inbox``), so a worker
needs claimscreen installed, not a copy of the source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast
from uuid import UUID

import httpx
from prefect import flow
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron

from claimscreen.data.errors import InputError
from claimscreen.data.nights import newest_unprocessed
from claimscreen.data.settings import ScheduleSettings, masked_url, use_review_database
from claimscreen.flows import retrain
from claimscreen.flows.backfill import NightFailed, failed_stage
from claimscreen.flows.nightly import nightly_flow, prefect_api_url

__all__ = [
    "ALERT_AUTOMATION",
    "DEFAULT_WORK_POOL",
    "MISSED_AUTOMATION",
    "NIGHTLY_DEPLOYMENT",
    "RETRAIN_DEPLOYMENT",
    "build_deployments",
    "deploy_schedules",
    "ensure_alert",
    "nightly_from_inbox",
    "prefect_api_url",
    "retrain_flow",
]

NIGHTLY_DEPLOYMENT = "nightly"
RETRAIN_DEPLOYMENT = "weekly-retrain"
DEFAULT_WORK_POOL = "claimscreen"
ALERT_AUTOMATION = "claimscreen-run-failed"
ALERT_SUBJECT = "claimscreen: {{ flow.name }} {{ flow_run.state.name }}"
MISSED_AUTOMATION = "claimscreen-night-missed"
MISSED_BODY = (
    "No run of claimscreen-nightly-from-inbox/nightly completed in the last {hours} hours: check the "
    "worker (prefect worker start --pool ...), the inbox and the latest night (claimscreen runs show)."
)
ALERT_BODY = (
    "{{ flow_run.name }} ({{ flow.name }}) ended {{ flow_run.state.name }}: {{ flow_run.state.message }}"
)


@flow(name="claimscreen-nightly-from-inbox")
def nightly_from_inbox(
    home: str, inbox: str, allow_gap: bool = False, database_url: str | None = None
) -> dict[str, Any]:
    """Run the nightly flow on each file of the inbox's newest night not done yet (on the review
    database ``database_url``, else the environment's, else the settings'; see
    :func:`~claimscreen.data.settings.review_database_url`)."""
    use_review_database(Path(home), database_url)
    todo = newest_unprocessed(Path(home), Path(inbox))
    if todo is None:
        raise InputError(f"nothing new in {inbox}: its newest night is done (or it holds no batch file)")
    report: dict[str, Any] = {}
    for batch in todo.files:
        try:
            report = nightly_flow(home, str(batch), todo.night.isoformat(), allow_gap=allow_gap)
        except Exception as exc:
            stage = failed_stage(Path(home), todo.night)
            if stage == "start":
                raise
            # The run's state message (and so the alert) names the night and the stage.
            raise NightFailed(todo.night, stage, exc) from None
    return report


@flow(name="claimscreen-weekly-retrain")
def retrain_flow(home: str, database_url: str | None = None) -> dict[str, Any]:
    """Retrain, evaluate and promote a better model (the retraining flow, as a subflow); the
    review database's decisions are read from ``database_url``, else the environment's
    (``CLAIMSCREEN_DATABASE_URL``), else the settings' one."""
    use_review_database(Path(home), database_url)
    return retrain.retrain_flow(home)


def build_deployments(
    home: Path,
    inbox: Path,
    *,
    nightly_cron: str,
    retrain_cron: str,
    timezone: str,
    work_pool: str,
    allow_gap: bool = False,
    database_url: str | None = None,
) -> list[RunnerDeployment]:
    """The nightly and the weekly retraining deployments, for one home folder and work pool.
    ``database_url`` (the review database) is passed as a parameter only when given; without
    it each run uses its environment's, else its settings' (see :func:`use_review_database`)."""
    database = {"database_url": database_url} if database_url else {}
    common: dict[str, Any] = {
        "work_pool_name": work_pool,
        "entrypoint_type": EntrypointType.MODULE_PATH,
        "concurrency_limit": 1,
        "tags": ["claimscreen"],
        "version": _version(),
    }
    # to_deployment and deploy also have async forms; called from sync code they return values.
    deployments = [
        nightly_from_inbox.to_deployment(
            NIGHTLY_DEPLOYMENT,
            schedules=[Cron(nightly_cron, timezone=timezone)],
            parameters={"home": str(home), "inbox": str(inbox), "allow_gap": allow_gap, **database},
            description="Each night: ingest, features, score and publish the newest batch in the inbox.",
            **common,
        ),
        retrain_flow.to_deployment(
            RETRAIN_DEPLOYMENT,
            schedules=[Cron(retrain_cron, timezone=timezone)],
            parameters={"home": str(home), **database},
            description="Each week: retrain, evaluate, promote the model only if it is better.",
            **common,
        ),
    ]
    return [cast(RunnerDeployment, d) for d in deployments]


def register_deployments(deployments: list[RunnerDeployment], work_pool: str) -> list[UUID]:
    """Create or update the deployments on the server (the work pool must exist).

    Each is applied by itself rather than through ``prefect.deploy``, whose check for
    online workers fails with HTTP 422 against a Prefect 3.8 server that runs on FastAPI
    0.151 or later (claimscreen pins FastAPI below 0.151; a server may be installed apart).
    """
    return [cast(UUID, d.apply(work_pool_name=work_pool)) for d in deployments]


def ensure_work_pool(name: str) -> bool:
    """Create a process work pool named ``name`` unless one exists; whether it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=name, type="process", base_job_template=template))
            return True


def ensure_alert(block: str) -> str:
    """Create (or replace) the automation that notifies through the block ``block``
    (``TYPE/NAME``, e.g. ``slack-webhook/state-it``) when a run tagged ``claimscreen`` fails,
    crashes or times out; one line for the operator."""
    from prefect.automations import Automation, EventTrigger, Posture, SendNotification

    document_id = _replace_automation(block, ALERT_AUTOMATION)
    Automation(
        name=ALERT_AUTOMATION,
        description="Tell state IT when a scheduled claimscreen run fails, crashes or times out.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut"},
            match_related={"prefect.resource.role": "tag", "prefect.resource.id": "prefect.tag.claimscreen"},
            posture=Posture.Reactive,
            threshold=1,
            within=0,
        ),
        actions=[SendNotification(block_document_id=document_id, subject=ALERT_SUBJECT, body=ALERT_BODY)],
    ).create()
    return f"alert {ALERT_AUTOMATION!r}: failed, crashed or timed-out claimscreen runs notify {block}"


def ensure_missed_alert(block: str, nightly: UUID, hours: int) -> str:
    """Create (or replace) the automation that notifies through ``block`` when no run of the
    nightly deployment ``nightly`` completed within ``hours`` (the extract never came, the
    worker is down, the schedule is paused): a proactive trigger, which fires on the absence
    of the event. ``hours`` 0 removes it."""
    from datetime import timedelta

    from prefect.automations import Automation, EventTrigger, Posture, SendNotification

    document_id = _replace_automation(block, MISSED_AUTOMATION)
    if hours == 0:
        return f"alert {MISSED_AUTOMATION!r}: off ([alerts] missed_night_hours = 0)"
    Automation(
        name=MISSED_AUTOMATION,
        description="Tell state IT when no scheduled claimscreen night completed in time.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Completed"},
            match_related={
                "prefect.resource.role": "deployment",
                "prefect.resource.id": f"prefect.deployment.{nightly}",
            },
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(hours=hours),
        ),
        actions=[
            SendNotification(
                block_document_id=document_id,
                subject="claimscreen: no night completed",
                body=MISSED_BODY.format(hours=hours),
            )
        ],
    ).create()
    return f"alert {MISSED_AUTOMATION!r}: no nightly run completed within {hours} h notifies {block}"


def _replace_automation(block: str, automation: str) -> UUID:
    """The id of the notification block ``block`` (``TYPE/NAME``), once the automations named
    ``automation`` are deleted (deploying again replaces them)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    kind, _, name = block.partition("/")
    if not kind or not name:
        raise InputError(
            f"--notify-block {block!r}: give the block as TYPE/NAME, e.g. slack-webhook/state-it"
        )
    with get_client(sync_client=True) as client:
        try:
            document = client.read_block_document_by_name(name, kind, include_secrets=False)
        except ObjectNotFound:
            raise InputError(f"no notification block {block!r} on the server: create it first") from None
        for old in client.read_automations_by_name(automation):
            client.delete_automation(old.id)
    return document.id


def _version() -> str:
    from claimscreen import __version__

    return __version__


def deploy_schedules(
    home: Path,
    schedule: ScheduleSettings,
    timezone: str,
    notify_block: str | None = None,
    database_url: str | None = None,
    missed_hours: int = 0,
) -> list[str]:
    """Register both deployments for ``home`` on ``schedule.work_pool`` (and, with
    ``notify_block``, the alerts: on a failed run, and on no night completed within
    ``missed_hours``); one line per deployment, for the operator. A
    ``database_url`` with a password is refused: a deployment's parameters are stored and
    shown in clear by the Prefect server."""
    if schedule.inbox is None or not Path(schedule.inbox).is_dir():
        raise InputError(f"inbox {schedule.inbox}: no such folder")
    if database_url is not None:
        check_parameter_url(database_url)
    work_pool = schedule.work_pool
    try:
        deployments = build_deployments(
            home,
            Path(schedule.inbox),
            nightly_cron=schedule.nightly_cron,
            retrain_cron=schedule.retrain_cron,
            timezone=timezone,
            work_pool=work_pool,
            allow_gap=schedule.allow_gap,
            database_url=database_url,
        )
    except ValueError as exc:  # a cron field out of range: Prefect's own check
        raise InputError(str(exc).splitlines()[0]) from exc
    url = prefect_api_url()
    try:
        created = ensure_work_pool(work_pool)
        ids = register_deployments(deployments, work_pool)
    except (OSError, httpx.HTTPError) as exc:
        raise InputError(f"cannot reach the Prefect server at {url}: {exc}") from exc
    lines = [f"work pool {work_pool!r} {'created (process)' if created else 'found'} on {url}"]
    for deployment, cron in zip(deployments, (schedule.nightly_cron, schedule.retrain_cron), strict=True):
        lines.append(f"  {deployment.flow_name}/{deployment.name}: cron '{cron}' ({timezone})")
    if schedule.allow_gap:
        lines.append("  the scheduled night runs even after a missing night (allow_gap)")
    if database_url:
        lines.append(f"  review database (a parameter of both): {masked_url(database_url)}")
    else:
        lines.append(
            "  review database: each run's settings ([review] database_url) or CLAIMSCREEN_DATABASE_URL"
        )
    if notify_block:
        lines.append(ensure_alert(notify_block))
        lines.append(ensure_missed_alert(notify_block, ids[0], missed_hours))
    lines.append(f"start a worker to run them: prefect worker start --pool {work_pool}")
    return lines


def check_parameter_url(url: str) -> None:
    """Refuse a database URL that cannot be read, or that holds a password, as a deployment
    parameter (the message never repeats the URL's password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError(
            "--database-url: not a database URL (like postgresql+psycopg://USER@HOST/DB)"
        ) from None
    if parsed.password:
        raise InputError(
            f"--database-url {masked_url(url)}: a deployment's parameters are stored in clear on the "
            "Prefect server; leave the password out (the worker's PGPASSWORD or ~/.pgpass gives it) "
            "or set [review] database_url in the worker's HOME/settings.toml"
        )
