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
    """Generate, load and run every night; print what an operator would look at."""
    from claimscreen.data.generate import generate_world
    from claimscreen.data.labels import import_labels
    from claimscreen.data.reference import load_reference
    from claimscreen.flows.nightly import nightly_flow

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
    reports = []
    with _progress(console) as progress:
        bar = progress.add_task("Running nights", total=len(summary.batch_files))
        for batch in sorted(summary.batch_files):
            night = batch.stem.removeprefix("claims_")
            reports.append(nightly_flow(str(home), str(batch), night))
            progress.advance(bar)
    console.print(_nights_table(reports))
    console.print(_rings_table(home, reports[-1]["batch_date"]))
    command = _command_name()
    echo(f"Home folder: {home}")
    echo(f"Run reports: {command} --home {home} runs show --date {reports[-1]['batch_date']}")
    echo(
        f"Quarantine:  {command} --home {home} quarantine export --date {reports[-1]['batch_date']} "
        "--out quarantine.csv"
    )
    echo(f"Features:    {home / 'lake' / 'features'} (one Parquet file per night; docs/features.md)")
    echo("Scoring, routing and the review app arrive in later releases (see CHANGELOG.md).")


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
    table = Table(title="Nights")
    for name in ("night", "status", "read", "ingested", "quarantined", "in rings", "seconds"):
        table.add_column(name, justify="left" if name in ("night", "status") else "right", no_wrap=True)
    for report in reports:
        t = report["totals"]
        seconds = sum(s["seconds"] for s in report["stages"])
        features: dict[str, Any] = next(
            (s.get("details", {}) for s in report["stages"] if s["name"] == "features"), {}
        )
        table.add_row(
            report["batch_date"],
            report["status"],
            f"{t['rows_read']:,}",
            f"{t['rows_ingested']:,}",
            f"{t['rows_quarantined']:,}",
            f"{features.get('in_rings', 0):,}",
            f"{seconds:.1f}",
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
