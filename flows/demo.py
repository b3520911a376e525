"""``claimscreen demo``: a synthetic state, end to end, on one machine.

The demo generates a state's claims, loads its reference lists and past
dispositions, runs the nightly flow on every night (retraining on the way) and
prints what an operator would check: counts, routes, the top cases, the largest
rings, the claimant ledger and the look-back alerts.

**Simulated time.** A month of nights runs in a minute, so the demo keeps a
clock of its own: each batch is received (ingested) at the end of its night in
the agency's time zone plus :data:`RUN_AFTER`, as the schedule would run it, so
the hours a claimant waits are a month's, not a minute's. After each night the
agency's verification services answer the night's ``verify`` claims
(:func:`simulate_outcomes`: most honest claimants pass within hours, a few take
days or never answer; fraud fails or does not answer), and the answers are
loaded through ``claimscreen verify import``'s own function.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from claimscreen.data.errors import InputError

__all__ = ["Verifier", "receive_batch", "run_demo", "simulate_outcomes"]

DEMO_MARKER = ".claimscreen-demo"
#: When the demo's schedule runs a night: this long after the night ends (agency time).
RUN_AFTER = dt.timedelta(minutes=15)
#: How the simulated claimants answer a verification request: (share, outcome, hours from
#: the request, low and high); the rest of the honest claimants fail.
HONEST_ANSWERS = (
    (0.90, "passed", 0.5, 8.0),  # most prove who they are the morning the request arrives
    (0.07, "passed", 8.0, 72.0),  # some take a day or three
    (0.02, "no_response", 120.0, 120.0),  # a few never answer: the 5-day wait ends
)
FRAUD_ANSWERS = ((0.55, "failed", 0.5, 24.0), (0.45, "no_response", 120.0, 120.0))


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
    truth = pd.read_parquet(summary.truth_file, columns=["claim_id", "is_fraud"])
    answers = Verifier(truth, np.random.default_rng(seed), world)
    reports = _run_nights(home, batches[:split], console, "Nights (cold-start model)", answers)
    retrained = None
    if split < len(batches):
        retrained = _retrain_after(home, reports, console, echo, "on the dispositions decided so far")
        rest = batches[split:]
        if retrained["status"] == "shadow" and len(rest) > MIN_SHADOW_NIGHTS:
            # The challenger is scored beside the champion on live nights before it may be
            # promoted (the promotion gate's shadow step); the next retraining decides.
            reports += _run_nights(
                home, rest[:MIN_SHADOW_NIGHTS], console, "Nights (champion, shadow beside)", answers
            )
            rest = rest[MIN_SHADOW_NIGHTS:]
            retrained = _retrain_after(home, reports, console, echo, "after the shadow nights")
        reports += _run_nights(home, rest, console, "Nights (champion model)", answers)
    console.print(_nights_table(reports))
    _print_ledger(reports, answers, echo)
    last_night = reports[-1]["batch_date"]
    console.print(_cases_table(home, last_night))
    console.print(_rings_table(home, last_night))
    _print_where(home, last_night, retrained, echo)


def _run_nights(
    home: Path, batches: list[Path], console: Console, label: str, answers: Verifier
) -> list[dict[str, Any]]:
    """Each night received at its scheduled time, run, and its verify claims answered."""
    from claimscreen.flows.backfill import progress_bar
    from claimscreen.flows.nightly import run_nightly

    reports = []
    with progress_bar(console) as progress:
        bar = progress.add_task(label, total=len(batches))
        for batch in batches:
            night = batch.stem.removeprefix("claims_")
            receive_batch(home, batch, dt.date.fromisoformat(night))
            reports.append(run_nightly(str(home), str(batch), night))
            answers.answer(home, dt.date.fromisoformat(night))
            progress.advance(bar)
    return reports


def receive_batch(home: Path, batch: Path, night: dt.date) -> None:
    """Ingest the night's batch as the schedule would receive it: dated :data:`RUN_AFTER` after
    the night ends (its manifest's ``ingested_at``); the nightly flow then finds it ingested."""
    from claimscreen.data.ingest import ingest_batch
    from claimscreen.data.lake import Lake, write_json
    from claimscreen.data.settings import load_settings
    from claimscreen.features.build import end_of_night_utc

    ingest_batch(home, batch, night)
    at = end_of_night_utc(night, load_settings(home).agency_timezone) + RUN_AFTER
    lake = Lake(home)
    for path in sorted(lake.partition("manifests", night).glob("*.json")):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        write_json(path, {**manifest, "ingested_at": at.isoformat()})


def simulate_outcomes(requests: pd.DataFrame, fraud: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """The verification services' answers to ``requests`` (``verify export`` rows; ``fraud``:
    each claim id's truth): one row per claim and check (``claim_id, check, outcome,
    decided_at, provider``), drawn per claimant from :data:`HONEST_ANSWERS` or
    :data:`FRAUD_ANSWERS`."""
    rows = []
    for claim_id, checks, requested in requests[["claim_id", "checks", "requested_at"]].itertuples(
        index=False
    ):
        plan = FRAUD_ANSWERS if bool(fraud.get(claim_id, False)) else HONEST_ANSWERS
        outcome, hours = _draw(plan, rng)
        at = (pd.Timestamp(requested) + pd.Timedelta(hours=hours)).floor("s")
        for check in str(checks).split(";"):
            provider = "demo-idp" if check == "identity" else "demo-bank-check"
            rows.append((claim_id, check, outcome, at.isoformat(), provider))
    return pd.DataFrame(rows, columns=["claim_id", "check", "outcome", "decided_at", "provider"])


def _draw(plan: tuple[tuple[float, str, float, float], ...], rng: np.random.Generator) -> tuple[str, float]:
    u = rng.random()
    for share, outcome, low, high in plan:
        if u < share:
            return outcome, round(float(rng.uniform(low, high)), 2)
        u -= share
    return "failed", round(float(rng.uniform(0.5, 24.0)), 2)


class Verifier:
    """The agency's verification services in the demo: each night's ``verify`` claims answered
    (:func:`simulate_outcomes`) and loaded as ``claimscreen verify import`` loads a file."""

    def __init__(self, truth: pd.DataFrame, rng: np.random.Generator, folder: Path) -> None:
        self.fraud = truth.set_index(truth["claim_id"].astype(str))["is_fraud"]
        self.rng, self.folder = rng, folder
        self.answered: dict[str, int] = {}

    def answer(self, home: Path, night: dt.date) -> None:
        from claimscreen.data.exports import write_export
        from claimscreen.models.verification import import_outcomes, verify_requests

        requests = verify_requests(home, night)
        if requests.empty:
            return
        outcomes = simulate_outcomes(requests, self.fraud, self.rng)
        path = self.folder / f"verification-outcomes_{night}.csv"
        write_export(outcomes, path)
        report = import_outcomes(home, path)
        for outcome, n in report.by_outcome.items():
            self.answered[outcome] = self.answered.get(outcome, 0) + n


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


def _print_ledger(reports: list[dict[str, Any]], answers: Verifier, echo: Callable[[str], None]) -> None:
    """The claimant ledger's headline as of the last night, and its look-back alerts."""
    from claimscreen.models.ledger import ledger_lines

    answered = ", ".join(f"{n:,} {o}" for o, n in sorted(answers.answered.items())) or "none"
    echo(f"Verification outcomes loaded (simulated answers per check): {answered}")
    ledger = next((s["details"] for s in reports[-1]["stages"] if s["name"] == "ledger"), None)
    if ledger is None:
        return
    window = ledger["window"]
    share = window["released_within_24h_share"]
    p95 = window["held_wait_p95_hours"]
    echo(
        f"Claimant ledger (claims of {min(ledger['nights'], default=reports[-1]['batch_date'])} to "
        f"{reports[-1]['batch_date']}): "
        f"{'n/a' if share is None else f'{share:.1%}'} of {window['honest_looking']:,} honest-looking "
        f"claims released within 24 hours of filing; p95 wait of the {window['held']:,} held: "
        f"{'n/a' if p95 is None else f'{p95:g}'} hours"
    )
    echo("  " + ledger_lines(ledger)[1])
    lookback = sum(
        s.get("details", {}).get("alerts", 0) for r in reports for s in r["stages"] if s["name"] == "lookback"
    )
    echo(f"  look-back alerts over all nights: {lookback:,}")


def _print_where(
    home: Path, night: str, retrained: dict[str, Any] | None, echo: Callable[[str], None]
) -> None:
    command = _command_name()
    echo(f"Home folder:  {home}")
    echo(f"Run report:   {command} --home {home} runs show --date {night}")
    echo(f"Waits plot:   {home / 'runs' / f'{night}-waits.png'}")
    after = dt.date.fromisoformat(night) + dt.timedelta(days=1)
    echo(f"Ledger:       {command} --home {home} status export --as-of {after} --out status.csv")
    echo(f"Look-back:    {command} --home {home} lookback export --date {night} --out lookback.csv")
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


def _nights_table(reports: list[dict[str, Any]]) -> Table:
    """One line a night; a night that did not complete shows its status instead of a model."""
    table = Table(
        title="Nights (wait: estimated share of honest claimants delayed; lb: look-back alerts on paid "
        "claims; s: seconds)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    columns = ("night", "read", "quar", "clear", "verify", "review", "wait", "lb", "model", "s")
    for name in columns:
        table.add_column(name, justify="left" if name in ("night", "model") else "right", no_wrap=True)
    for report in reports:
        t = report["totals"]
        seconds = sum(s["seconds"] for s in report["stages"])
        score: dict[str, Any] = next(
            (s.get("details", {}) for s in report["stages"] if s["name"] == "score"), {}
        )
        lookback: dict[str, Any] = next(
            (s.get("details", {}) for s in report["stages"] if s["name"] == "lookback"), {}
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
            f"{lookback.get('alerts', 0):,}",
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
