"""The ``claimscreen`` command (docs/reference.md, "Commands").

Each subcommand parses its arguments, calls one function of the packages (or
runs one Prefect flow) and prints a short human summary. A wrong input or
command ends with exit status 2 and one line on standard error; any other
failure with exit status 1.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from claimscreen import __version__
from claimscreen.data.console import (
    VERBOSE_ENV,
    Home,
    OneLineErrors,
    fail,
    make_prefect_home,
    parse_date,
    reports_errors,
)
from claimscreen.data.errors import EXIT_FAILED, ClaimscreenError, InputError, safe_message
from claimscreen.data.schema import REFERENCE_LISTS
from claimscreen.data.settings import HOME_ENV, SettingsError, load_settings, review_database_url
from claimscreen.flows.claimant_cli import COMMANDS as CLAIMANT_COMMANDS
from claimscreen.flows.models_cli import COMMANDS
from claimscreen.review.cli import review

__all__ = ["EPHEMERAL_TIMEOUT_ENV", "main", "print_totals"]

# Prefect's own console output stays quiet (a failure is one line from this
# command and a report); its logs still reach a Prefect server when one is set.
# PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL=INFO shows them on the console again.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


@click.group(
    cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help=f"Folder for the lake, models, settings and review database [env {HOME_ENV}; "
    "default ~/.claimscreen].",
)
@click.option(
    "--verbose",
    is_flag=True,
    help="On an unexpected error, also print where in the code it happened (never the data).",
)
@click.version_option(__version__, prog_name="claimscreen")
@click.pass_context
def main(ctx: click.Context, home: str | None, verbose: bool) -> None:
    """Screen unemployment insurance claims for organized fraud.

    Ingests each night's claims, links them, scores and routes them, and puts
    the suspicious ones in front of an investigator. It never decides fraud by
    itself: a person does.
    """
    if verbose:
        os.environ[VERBOSE_ENV] = "1"
    ctx.obj = Home(home)
    ctx.obj.prefect_home_chosen = "PREFECT_HOME" in os.environ
    _quiet_local_prefect(ctx.obj.path)
    _console_logging()
    try:  # a wrong review database URL (environment or settings) stops every command at once
        review_database_url(ctx.obj.path)
    except SettingsError as exc:
        fail(str(exc))


LOG_LEVEL_ENV = "CLAIMSCREEN_LOG_LEVEL"


class _Stderr(logging.StreamHandler):
    """Writes to the standard error of the moment (a test runner swaps it between commands)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _console_logging() -> None:
    """claimscreen's own log lines on standard error: warnings (a stage retried, drift) by
    default, each stage's summary too with CLAIMSCREEN_LOG_LEVEL=INFO. A night run by a
    Prefect flow logs to its flow run instead (the Prefect UI, ``prefect flow-run logs``)."""
    logger = logging.getLogger("claimscreen")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("claimscreen: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    level = os.environ.get(LOG_LEVEL_ENV, "WARNING").upper()
    logger.setLevel(level if level in logging.getLevelNamesMapping() else logging.WARNING)


EPHEMERAL_TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
EPHEMERAL_TIMEOUT_SECONDS = 120


def _quiet_local_prefect(home: Path) -> None:
    """Prefect state beside the lake, no telemetry, unless the operator chose otherwise.

    Without a Prefect server, each command runs its flows on a temporary local
    one whose database lives in ``PREFECT_HOME``: keeping it in the home folder
    keeps one deployment's state in one place. A state agency's system sends no
    usage data anywhere by default.
    """
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect waits 20 s for its temporary server by default; on a loaded machine it starts
    # slower, and a night must not fail for that (PREFECT_API_URL avoids the wait altogether).
    os.environ.setdefault(EPHEMERAL_TIMEOUT_ENV, str(EPHEMERAL_TIMEOUT_SECONDS))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@main.command()
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Folder to write into.")
@click.option("--days", type=click.IntRange(1, 3660), default=30, show_default=True, help="Nights of claims.")
@click.option(
    "--claims-per-day", type=click.IntRange(1), default=1000, show_default=True, help="Claims in each batch."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same files.")
@click.option("--start", default="2026-10-01", show_default=True, help="First night (YYYY-MM-DD).")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "parquet", "jsonl"]), default="csv", show_default=True
)
@click.option(
    "--fraud-rate",
    type=click.FloatRange(0, 0.5, max_open=True),
    default=0.02,
    show_default=True,
    help="Share of claims filed by organized fraud.",
)
@click.option(
    "--defect-rate",
    type=click.FloatRange(0, 0.1, max_open=True),
    default=0.002,
    show_default=True,
    help="Share of rows spoilt as real extracts are (missing SSN, bad ZIP, resent rows...).",
)
@reports_errors
def generate(
    out: str,
    days: int,
    claims_per_day: int,
    seed: int,
    start: str,
    fmt: str,
    fraud_rate: float,
    defect_rate: float,
) -> None:
    """Write synthetic batches, reference lists and past dispositions.

    Also writes truth.parquet (fraud flag, typology, ring and person keys) for
    evaluation only: the pipeline never reads it.
    """
    from claimscreen.data.generate import generate_world

    first = parse_date(start)
    assert first is not None
    summary = generate_world(
        Path(out),
        days=days,
        claims_per_day=claims_per_day,
        seed=seed,
        start=first,
        fmt=fmt,
        fraud_rate=fraud_rate,
        defect_rate=defect_rate,
    )
    for line in summary.describe():
        click.echo(line)


ENCODING_HELP = (
    "The text encoding of a CSV or JSON Lines extract from an older system (e.g. cp1252, latin-1)."
)
ALLOW_GAP_HELP = "Run even if a night before it is missing from the lake (a gap you expect)."


@main.command()
@click.option("--batch", type=click.Path(dir_okay=False), required=True, help="The night's claim file.")
@click.option(
    "--date", "date_", default=None, help="The night (YYYY-MM-DD); default: the date in the file name."
)
@click.option("--allow-gap", is_flag=True, help=ALLOW_GAP_HELP)
@click.option(
    "--workers",
    type=click.IntRange(1, 512),
    default=None,
    help="Score the night's chunks on a local Dask cluster of N worker processes.",
)
@click.option(
    "--dask-address",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Score the night's chunks on an existing Dask cluster (its workers must see --home).",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(1),
    default=None,
    help="Claims per scoring chunk with --workers or --dask-address [default: 250000].",
)
@click.option("--encoding", default="utf-8", show_default=True, help=ENCODING_HELP)
@click.pass_obj
@reports_errors
def nightly(
    home: Home,
    batch: str,
    date_: str | None,
    allow_gap: bool,
    workers: int | None,
    dask_address: str | None,
    chunk_rows: int | None,
    encoding: str,
) -> None:
    """Run the nightly flow on one batch: ingest, features, score and route, publish the review queue.

    Nights run in order: a night whose previous night is missing from the lake is
    refused, unless --allow-gap. Running a night again is safe (nothing is doubled).

    With --workers or --dask-address the scoring runs in chunks on Dask workers;
    ingest, features and routing stay in this process. The scores are the same.
    """
    from claimscreen.data.ingest import batch_date_for
    from claimscreen.data.lake import Lake
    from claimscreen.data.nights import check_night_order
    from claimscreen.data.read import check_batch_file
    from claimscreen.data.runs import RunReport, read_report

    scaled = _check_scale_out(workers, dask_address, chunk_rows)
    make_prefect_home()
    from claimscreen.flows.alerting import alert_night
    from claimscreen.flows.nightly import ScaleOut, prefect_api_url, run_nightly
    from claimscreen.models.score_stage import CHUNK_ROWS

    scale_out = ScaleOut(workers, dask_address, chunk_rows or CHUNK_ROWS) if scaled else None

    night = batch_date_for(Path(batch), parse_date(date_))
    settings = load_settings(home.path)  # a wrong settings file stops here, in one line
    check_night_order(Lake(home.path), night, allow_gap)
    try:
        check_batch_file(Path(batch), encoding)
    except InputError as exc:
        # The night's report says it failed, even when the flow never started; a night that
        # already completed keeps its report (a mistyped path does not undo it).
        previous = read_report(home.path, night)
        if previous is None or previous["status"] != "completed":
            failed = RunReport(home.path, night)
            failed.fail("ingest", exc, 0.0)
            alert_night(home.path, failed.write(), prefect_api_url())
        raise
    if scale_out is not None:
        from claimscreen.flows.scale_out import batch_claims, choose_scale_out

        claims = batch_claims(Path(batch))
        scale_out, note = choose_scale_out(scale_out, claims, settings.scale_out.min_claims)
        if scale_out is None:
            click.echo(f"claimscreen: note: {note}", err=True)
    try:
        report = run_nightly(
            str(home.path), str(Path(batch).resolve()), night.isoformat(), allow_gap, scale_out, encoding
        )
    except Exception as exc:
        _alert_failed(home.path, night)
        if isinstance(exc, InputError):
            raise
        fail(f"night {night} failed: {safe_message(exc)}", code=EXIT_FAILED)
        return
    alert_night(home.path, report, prefect_api_url())
    print_totals(report)


def _alert_failed(home: Path, night: dt.date) -> None:
    """Alert (``[alerts]``) on the night a command ran that failed, from its report; a report
    that cannot be read is only logged (the command's own error line says why it failed)."""
    from claimscreen.data.runs import read_report
    from claimscreen.flows.alerting import alert_night
    from claimscreen.flows.nightly import prefect_api_url

    try:
        report = read_report(home, night)
    except ClaimscreenError as exc:
        logging.getLogger("claimscreen.flows.alerting").warning("alert not sent: %s", exc)
        return
    if report is not None and report["status"] == "failed":
        alert_night(home, report, prefect_api_url())


def _check_scale_out(workers: int | None, dask_address: str | None, chunk_rows: int | None) -> bool:
    """Whether the options ask for a Dask scale-out (a wrong combination is a usage error)."""
    if workers is not None and dask_address is not None:
        raise click.UsageError("--workers and --dask-address exclude each other")
    if workers is None and dask_address is None:
        if chunk_rows is not None:
            raise click.UsageError("--chunk-rows needs --workers or --dask-address")
        return False
    if dask_address is not None and not dask_address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise click.BadParameter(f"{dask_address!r} is not a Dask scheduler address (tcp://HOST:PORT)")
    return True


@main.command()
@click.option("--from", "first", required=True, help="First night (YYYY-MM-DD).")
@click.option("--to", "last", required=True, help="Last night (YYYY-MM-DD), inclusive.")
@click.option(
    "--inbox",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder of batch files named claims_YYYY-MM-DD.csv (.parquet, .jsonl).",
)
@click.option("--allow-gap", is_flag=True, help="Skip nights without a file instead of stopping.")
@click.pass_obj
@reports_errors
def backfill(home: Home, first: str, last: str, inbox: str, allow_gap: bool) -> None:
    """Run the nights FROM to TO in order from the files in an inbox folder.

    Nights already completed are skipped; a night without a file stops the backfill
    before anything runs, unless --allow-gap. Stops at the first night that fails,
    naming it and its stage; run the same command again to continue.
    """
    from claimscreen.data.nights import plan_backfill

    make_prefect_home()
    from claimscreen.flows.backfill import NightFailed, run_backfill

    start, end = parse_date(first), parse_date(last)
    assert start is not None and end is not None
    load_settings(home.path)
    plan = plan_backfill(home.path, Path(inbox), start, end, allow_gap)
    from claimscreen.flows.alerting import alert_night
    from claimscreen.flows.nightly import prefect_api_url

    try:
        reports = run_backfill(home.path, plan, click.echo, allow_gap)
    except NightFailed as exc:
        from claimscreen.data.runs import read_report

        for ran in (n for n in plan if n.files and not n.completed and n.night < exc.night):
            try:  # an unreadable report must not hide the night that stopped the backfill
                alert_night(home.path, read_report(home.path, ran.night), prefect_api_url())
            except ClaimscreenError as unread:
                click.echo(f"claimscreen: warning: no alert for night {ran.night}: {unread}", err=True)
        _alert_failed(home.path, exc.night)
        fail(str(exc), code=exc.error.exit_code if isinstance(exc.error, ClaimscreenError) else EXIT_FAILED)
        return
    for report in reports:
        print_totals(report)
        alert_night(home.path, report, prefect_api_url())
    done = sum(n.completed for n in plan)
    click.echo(f"backfill {start} to {end}: {len(reports)} nights run, {done} already completed")


def print_totals(report: dict[str, Any]) -> None:
    from claimscreen.data.runs import totals_lines

    for line in totals_lines(report):
        click.echo(line)
    ledger = next((s.get("details") for s in report["stages"] if s["name"] == "ledger"), None)
    if ledger:
        from claimscreen.models.ledger import ledger_lines

        for line in ledger_lines(ledger):
            click.echo(f"  {line}")


@main.group()
def reference() -> None:
    """Reference lists: deceased, incarcerated, wages, suspicious actors, IP ranges, interstate claims."""


@reference.command("load")
@click.argument("kind", type=click.Choice(sorted(REFERENCE_LISTS)))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--force",
    is_flag=True,
    help="Load the good rows even when more than [reference] max_rejected_share (5%) of the rows "
    "are rejected.",
)
@click.pass_obj
@reports_errors
def reference_load(home: Home, kind: str, file: str, force: bool) -> None:
    """Load or replace the reference list KIND from the CSV FILE.

    Rejected rows (row number and reason) are written to a CSV under HOME/rejects/. A file
    with more rejected rows than [reference] max_rejected_share allows is refused and the
    list stays as it was, unless --force.
    """
    from claimscreen.data.reference import load_reference

    report = load_reference(home.path, kind, Path(file), force=force)
    click.echo(report.summary())


@main.group()
def labels() -> None:
    """Dispositions: investigators' decisions that models learn from."""


@labels.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
@reports_errors
def labels_import(home: Home, file: str) -> None:
    """Load dispositions (claim_id, outcome, decided_at, source) from the CSV FILE."""
    from claimscreen.data.labels import import_labels

    report = import_labels(home.path, Path(file))
    click.echo(report.summary())
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


@main.group()
def quarantine() -> None:
    """Rows that were not scored, with the reason."""


@quarantine.command("export")
@click.option("--date", "date_", required=True, help="The night (YYYY-MM-DD).")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Output file, .csv or .parquet.")
@click.pass_obj
@reports_errors
def quarantine_export(home: Home, date_: str, out: str) -> None:
    """Write one night's quarantined rows: source_file, row_number, claim_id, reason."""
    from claimscreen.data.exports import export_quarantine

    night = parse_date(date_)
    assert night is not None
    rows = export_quarantine(home.path, night, Path(out))
    click.echo(f"{rows} quarantined rows of night {night} written to {out}")


@main.group()
def runs() -> None:
    """Run reports of the nightly flow."""


@runs.command("show")
@click.option("--date", "date_", default=None, help="The night (YYYY-MM-DD); default: the latest.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@reports_errors
def runs_show(home: Home, date_: str | None, as_json: bool) -> None:
    """Print a night's report: rows read, ingested, quarantined by reason, stage timings.

    The report file is checked as it is read: one that is not a run report is one line
    naming the file and the field (exit status 2)."""
    from claimscreen.data.runs import read_night_report

    typed = read_night_report(home.path, parse_date(date_))
    if typed is None:
        fail(f"no run report {'for ' + date_ if date_ else 'yet'} in {home.path}")
        return
    report = typed.as_dict()
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True))
        return
    click.echo(f"night {typed.batch_date}: {typed.status} (started {typed.started_at})")
    if typed.failed_stage:
        click.echo(f"  failed in stage {typed.failed_stage}: {typed.error}")
    print_totals(report)
    print_scoring(report)
    width = max([12, *(len(stage.name) for stage in typed.stages)])  # sync-decisions: 14
    for stage in typed.stages:
        click.echo(f"  stage {stage.name:<{width}} {stage.status:<10} {stage.seconds:8.2f} s")


def print_scoring(report: dict[str, Any]) -> None:
    """Honest claimants delayed and why, the largest rings, and drift, from the score stage."""
    score: dict[str, Any] = next((s.get("details", {}) for s in report["stages"] if s["name"] == "score"), {})
    if score.get("honest_delayed_estimate") is None:
        return
    why = ", ".join(f"{code} {n}" for code, n in score.get("delayed_by_reason", {}).items()) or "none"
    click.echo(
        f"  honest claimants delayed (estimated): {score['honest_delayed_estimate']:,} "
        f"({score.get('honest_delayed_share', 0):.2%}); first reasons: {why}"
    )
    from claimscreen.data.runs import held_back_line

    held = held_back_line(score)
    if held:
        click.echo(f"  {held[0].lower()}{held[1:]}")
    for ring in score.get("largest_rings", []):
        new = ", new" if ring["new"] else ""
        click.echo(
            f"  ring {ring['ring_id']}: {ring['size']} claims, {ring['claims_tonight']} tonight, "
            f"{ring['route']}{new}"
        )
    warnings = score.get("drift_warnings", [])
    for warning in warnings:
        click.echo(f"  drift warning: {warning}")
    if score.get("drift") and not warnings:
        click.echo(f"  drift: no input above PSI 0.2 ({len(score['drift'])} inputs checked)")


@main.command()
@click.option(
    "--inbox",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder the nightly batch files arrive in [settings: schedule.inbox].",
)
@click.option("--cron", default=None, help="When the nightly flow runs [settings: schedule.nightly_cron].")
@click.option(
    "--retrain-cron", default=None, help="When the retraining runs [settings: schedule.retrain_cron]."
)
@click.option("--timezone", default=None, help="Time zone of the schedules [settings: agency_timezone].")
@click.option(
    "--work-pool",
    default=None,
    help="Prefect work pool, made if missing [settings: schedule.work_pool; default claimscreen].",
)
@click.option(
    "--allow-gap/--no-allow-gap",
    default=None,
    help="The scheduled night runs even after a missing night [settings: schedule.allow_gap; default no].",
)
@click.option(
    "--database-url",
    default=None,
    metavar="URL",
    help="Review database for the scheduled runs, as a deployment parameter, without a password "
    "[default: each run's CLAIMSCREEN_DATABASE_URL, else its settings' review.database_url].",
)
@click.option(
    "--notify-block",
    default=None,
    metavar="TYPE/NAME",
    help="Alert through this Prefect notification block (e.g. slack-webhook/state-it) when a "
    "claimscreen run fails, crashes or times out [settings: alerts.notify_block].",
)
@click.pass_obj
@reports_errors
def deploy(
    home: Home,
    inbox: str | None,
    cron: str | None,
    retrain_cron: str | None,
    timezone: str | None,
    work_pool: str | None,
    allow_gap: bool | None,
    database_url: str | None,
    notify_block: str | None,
) -> None:
    """Register the nightly and weekly retraining schedules with the Prefect server.

    Every option has a key in HOME/settings.toml (named in its help); the option wins.
    Needs a Prefect server (PREFECT_API_URL) and, to run the flows, a worker on the
    work pool: prefect worker start --pool claimscreen.
    """
    from claimscreen.data.settings import AlertSettings, ScheduleSettings, Settings

    settings = load_settings(home.path)
    chosen_inbox = inbox or settings.schedule.inbox
    if chosen_inbox is None:
        fail("no inbox: give --inbox DIR or set inbox in the [schedule] table of settings.toml")
        return
    try:
        schedule = ScheduleSettings(
            inbox=Path(chosen_inbox).expanduser().resolve(),
            nightly_cron=cron or settings.schedule.nightly_cron,
            retrain_cron=retrain_cron or settings.schedule.retrain_cron,
            work_pool=work_pool or settings.schedule.work_pool,
            allow_gap=settings.schedule.allow_gap if allow_gap is None else allow_gap,
        )
        zone = Settings(agency_timezone=timezone or settings.agency_timezone).agency_timezone
        block = AlertSettings(notify_block=notify_block or settings.alerts.notify_block).notify_block
    except ValueError as exc:
        fail(_first_error(exc))
        return
    make_prefect_home()
    from claimscreen.flows.schedules import deploy_schedules, prefect_api_url

    if prefect_api_url() is None:
        fail(
            "deploy needs a Prefect server: start one (prefect server start), then set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api and run deploy again"
        )
        return
    missed = settings.alerts.missed_night_hours
    for line in deploy_schedules(home.path, schedule, zone, block, database_url, missed):
        click.echo(line)


def _first_error(exc: ValueError) -> str:
    """The first message of a pydantic validation error, without its decorations."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg'].removeprefix('Value error, ')}"
    return str(exc)


@main.command()
@click.option("--days", type=click.IntRange(1, 90), default=30, show_default=True, help="Nights to simulate.")
@click.option("--claims-per-day", type=click.IntRange(10), default=2000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.pass_obj
@reports_errors
def demo(home: Home, days: int, claims_per_day: int, seed: int) -> None:
    """Make a synthetic state, load its reference lists and labels, and run its nights.

    Uses ~/.claimscreen-demo unless --home or CLAIMSCREEN_HOME names a folder;
    a folder that holds a real lake is refused.
    """
    target = home.path if home.explicit else Path.home() / ".claimscreen-demo"
    if not home.prefect_home_chosen:
        os.environ["PREFECT_HOME"] = str(target / "prefect")
    make_prefect_home()
    from claimscreen.flows.demo import run_demo

    run_demo(target, days=days, claims_per_day=claims_per_day, seed=seed, echo=click.echo)


main.add_command(review)
for _command in (*COMMANDS, *CLAIMANT_COMMANDS):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
