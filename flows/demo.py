"""``claimscreen demo``: a synthetic state, end to end, on one machine.

For now (scoring, routing and the review application land in later releases)
the demo generates a state's claims, loads its reference lists and past
dispositions, runs the nightly flow (ingest and features) on every night and
prints what an operator would check: counts, quarantine, identities and the
largest rings found.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from claimscreen.data.errors import InputError

DEMO_MARKER = ".claimscreen-demo"


def prepare_demo_home(home: Path) -> None:
    """Empty a previous demo's home; refuse a folder that holds anything but a demo."""
    marker = home / DEMO_MARKER
    kept = (DEMO_MARKER, "secret.key", "prefect")
    if home.exists() and any(c.name not in kept for c in home.iterdir()) and not marker.exists():
        raise InputError(f"{home} is not empty and not a demo home; give the demo an empty --home")
    if marker.exists():
        for child in home.iterdir():
            if child.name not in kept:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    home.mkdir(parents=True, exist_ok=True)
    marker.write_text("This folder is a claimscreen demo home; `claimscreen demo` may empty it.\n")


def run_demo(home: Path, days: int, claims_per_day: int, seed: int, echo: Callable[[str], None]) -> None:
    """Generate a state; run two thirds of its nights on a cold-start model, retrain on the
    dispositions decided by then (a passing challenger becomes the shadow), run three nights
    with the shadow scored beside the champion, retrain again (the shadow may be promoted),
    run the rest; print what an operator and an investigator see."""
    from claimscreen.data.generate import generate_world
    from claimscreen.data.labels import import_labels
    from claimscreen.data.reference import load_reference
    from claimscreen.models.promotion import MIN_SHADOW_NIGHTS

    console = Console()
    prepare_demo_home(home)
    world = home / "demo-world"
    with console.status(f"Generating {days} nights of {claims_per_day} claims..."):
        summary = generate_world(world, days=days, claims_per_day=claims_per_day, seed=seed)
    for line in summary.describe():
        echo(line)
    for kind, path in sorted(summary.reference_files.items()):
        echo("  " + load_reference(home, kind, path).summary())
    echo("  " + import_labels(home, summary.dispositions_file).summary())
    batches = sorted(summary.batch_files)
    split = max(1, (2 * len(batches)) // 3) if len(batches) > 2 else len(batches)
    reports = _run_nights(home, batches[:split], console, "Nights (cold-start model)")
    retrained = None
    if split < len(batches):
        retrained = _retrain_after(home, reports, console, echo, "on the dispositions decided so far")
        rest = batches[split:]
        if retrained["status"] == "shadow" and len(rest) > MIN_SHADOW_NIGHTS:
            # The challenger is scored beside the champion on live nights before it may be
            # promoted (the promotion gate's shadow step); the next retraining decides.
            reports += _run_nights(
                home, rest[:MIN_SHADOW_NIGHTS], console, "Nights (champion, shadow beside)"
            )
            rest = rest[MIN_SHADOW_NIGHTS:]
            retrained = _retrain_after(home, reports, console, echo, "after the shadow nights")
        reports += _run_nights(home, rest, console, "Nights (champion model)")
    console.print(_nights_table(reports))
    last_night = reports[-1]["batch_date"]
    console.print(_cases_table(home, last_night))
    console.print(_rings_table(home, last_night))
    _print_where(home, last_night, retrained, echo)


def _run_nights(home: Path, batches: list[Path], console: Console, label: str) -> list[dict[str, Any]]:
    from claimscreen.flows.nightly import run_nightly

    reports = []
    with _progress(console) as progress:
        bar = progress.add_task(label, total=len(batches))
        for batch in batches:
            reports.append(run_nightly(str(home), str(batch), batch.stem.removeprefix("claims_")))
            progress.advance(bar)
    return reports


def _retrain_after(
    home: Path, reports: list[dict[str, Any]], console: Console, echo: Callable[[str], None], when: str
) -> dict[str, Any]:
    """Retrain as of the morning after the last night run; print the outcome."""
    from claimscreen.flows.retrain import run_retrain

    last = dt.date.fromisoformat(reports[-1]["batch_date"]) + dt.timedelta(days=1)
    as_of = dt.datetime.combine(last, dt.time(0), tzinfo=dt.UTC).isoformat()
    with console.status(f"Retraining {when}..."):
        retrained = run_retrain(str(home), as_of)
    echo(f"Retraining ({when}): {retrained['status']}: {retrained['reason']}")
    return retrained


def _print_where(
    home: Path, night: str, retrained: dict[str, Any] | None, echo: Callable[[str], None]
) -> None:
    command = _command_name()
    echo(f"Home folder:  {home}")
    echo(f"Run report:   {command} --home {home} runs show --date {night}")
    echo(f"Scores:       {command} --home {home} scores export --date {night} --out scores.csv")
    echo(f"Models:       {command} --home {home} models list")
    if retrained and retrained.get("report_html"):
        echo(f"Evaluation:   {retrained['report_html']}")
    echo(f"Review app:   {command} --home {home} review add-user YOU --role supervisor")
    echo(f"              {command} --home {home} review serve   (then open http://127.0.0.1:8000)")
    echo("The routes only decide who waits: a person decides every fraud case.")


def _command_name() -> str:
    """How to call claimscreen again: the path it was started by (e.g. .venv/bin/claimscreen)."""
    started_as = Path(sys.argv[0])
    if started_as.name != "claimscreen":
        return "claimscreen"
    try:
        return str(started_as.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(started_as)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _nights_table(reports: list[dict[str, Any]]) -> Table:
    """One line a night; a night that did not complete shows its status instead of a model."""
    table = Table(
        title="Nights (wait: estimated share of honest claimants delayed; s: seconds)", box=box.SIMPLE_HEAD
    )
    columns = ("night", "read", "quar", "clear", "verify", "review", "wait", "model", "s")
    for name in columns:
        table.add_column(name, justify="left" if name in ("night", "model") else "right", no_wrap=True)
    for report in reports:
        t = report["totals"]
        seconds = sum(s["seconds"] for s in report["stages"])
        score: dict[str, Any] = next(
            (s.get("details", {}) for s in report["stages"] if s["name"] == "score"), {}
        )
        routes = score.get("routes", {})
        done = report["status"] == "completed"
        table.add_row(
            report["batch_date"],
            f"{t['rows_read']:,}",
            f"{t['rows_quarantined']:,}",
            f"{routes.get('clear', 0):,}",
            f"{routes.get('verify', 0):,}",
            f"{routes.get('review', 0):,}",
            f"{score.get('honest_delayed_share', 0):.2%}",
            str(score.get("model_version", "")) if done else report["status"],
            f"{seconds:.1f}",
        )
    return table


def _cases_table(home: Path, night: str, top: int = 8) -> Table:
    """What an investigator would open first: the night's top cases and the first reason why."""
    from claimscreen.data.lake import Lake

    queue = Lake(home).read_table(Lake(home).queue_path(dt.date.fromisoformat(night))).to_pandas()
    cases = queue[~queue["audit_sample"]].drop_duplicates("case_id").head(top)
    table = Table(title=f"Top review cases of {night}")
    table.add_column("case", no_wrap=True)
    table.add_column("route", no_wrap=True)
    table.add_column("risk", justify="right", no_wrap=True)
    table.add_column("claims", justify="right", no_wrap=True)
    table.add_column("first reason", overflow="fold")
    for _, row in cases.iterrows():
        reasons = list(row["reason_text"])
        ring = row["ring_id"] if str(row["case_id"]).startswith("ring:") else None
        table.add_row(
            f"ring {ring}" if ring else f"claim {row['claim_id']}",
            str(row["route"]),
            f"{row['risk_score']:.2f}",
            str(row["ring_size"]) if ring else "1",
            reasons[0] if reasons else "",
        )
    return table


def _rings_table(home: Path, night: str, top: int = 5) -> Table:
    """The largest rings with members filed on the last night: what links them."""
    from claimscreen.features.build import read_features

    frame = read_features(home, dt.date.fromisoformat(night))
    rings = (
        frame.dropna(subset=["ring_id"])
        .groupby("ring_id")
        .agg(
            size=("ring_size", "max"),
            people=("ring_identities", "max"),
            ssns_per_account=("ring_ssns_per_bank_account", "max"),
            linked_by=("ring_shared_kinds", "first"),
            known_fraud=("ring_known_fraud", "max"),
        )
        .sort_values(["size", "people"], ascending=False)
        .head(top)
    )
    table = Table(title=f"Largest rings with claims on {night}")
    for name in ("ring", "claims", "people", "SSNs per account", "linked by", "known fraud"):
        table.add_column(
            name, justify="left" if name in ("ring", "linked by") else "right", no_wrap=name == "ring"
        )
    for ring_id, row in rings.iterrows():
        table.add_row(
            str(ring_id),
            str(row["size"]),
            str(row["people"]),
            str(row["ssns_per_account"]),
            str(row["linked_by"]).replace(";", ", "),
            str(row["known_fraud"]),
        )
    return table
