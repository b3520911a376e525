"""`claimscreen retrain`, `claimscreen scores export` and `claimscreen models ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from claimscreen.data.console import Home, fail, make_prefect_home, parse_date, reports_errors


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.pass_obj
@reports_errors
def retrain(home: Home, as_json: bool) -> None:
    """Train a challenger on the labels known now; promote it only if it is better and fair.

    Reads the imported dispositions and the review application's decisions, builds
    the training set from each claim's features as of its own night, trains and
    calibrates a model on the older labels, compares it with the champion on the
    most recent labeled nights, and promotes it only if it ranks fraud better and
    passes the fairness gate. The report (JSON and HTML) says what happened and why.
    """
    make_prefect_home()
    from claimscreen.flows.retrain import run_retrain

    report = run_retrain(str(home.path))
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    click.echo(f"retraining: {report['status']}: {report['reason']}")
    click.echo(f"  champion: {report['champion_before']} -> {report['champion_after']}")
    for name, metrics in report.get("metrics", {}).items():
        figures = ", ".join(f"{k} {v}" for k, v in metrics.items() if not isinstance(v, dict))
        click.echo(f"  {name}: {figures}")
    if report.get("report_html"):
        click.echo(f"  report: {report['report_html']}")


@click.group()
def scores() -> None:
    """A night's scores (docs/reference.md, "Scores")."""


@scores.command("export")
@click.option("--date", "date_", required=True, help="The night (YYYY-MM-DD).")
@click.option(
    "--out", type=click.Path(dir_okay=False), required=True, help="File to write: .csv or .parquet."
)
@click.pass_obj
@reports_errors
def scores_export(home: Home, date_: str, out: str) -> None:
    """Write one night's scores: claim_id, batch_date, risk_score, route, reasons, ring_id,
    ring_size, identity_id, model_version, and the reasons in words (reason_text).

    The scores are the record of that night: exporting again later gives the same rows."""
    from claimscreen.data.exports import write_export
    from claimscreen.models.score_stage import export_table

    night = parse_date(date_)
    assert night is not None
    target = Path(out)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        fail(f"{out}: the file name must end in .csv or .parquet")
    table = export_table(home.path, night)
    write_export(table, target)  # CSV: text cells that start a formula get a ' in front
    click.echo(f"{table.num_rows:,} scores of {night} written to {target}")


@click.group()
def models() -> None:
    """The model registry: list, show, promote and roll back."""


@models.command("list")
@click.pass_obj
@reports_errors
def models_list(home: Home) -> None:
    """Every saved model version with its kind and headline figures; * marks the champion,
    s the shadow (scored each night beside it, never routing)."""
    from claimscreen.models import registry

    champion = registry.champion(home.path)
    shadow = registry.shadow(home.path)
    found = registry.versions(home.path)
    if not found:
        click.echo(f"no models yet in {registry.registry_folder(home.path)}")
        return
    for version in found:
        card = registry.card(home.path, version)
        metrics = card.get("metrics", {})
        mark = "*" if version == champion else "s" if version == shadow else " "
        click.echo(
            f"{mark} {version}  {card.get('kind', '?'):<11} created {card.get('created_at', '?')}  "
            f"labels {card.get('labels', {}).get('total', 0):>7,}  "
            f"AP {metrics.get('average_precision', '-')}"
        )


@models.command("show")
@click.argument("version", required=False)
@click.pass_obj
@reports_errors
def models_show(home: Home, version: str | None) -> None:
    """Print a model's card (default: the champion's)."""
    from claimscreen.models import registry

    chosen = version or registry.champion(home.path)
    if chosen is None:
        fail("no champion yet: the first night scored or `claimscreen retrain` makes one")
        return
    card: dict[str, Any] = registry.card(home.path, chosen)
    click.echo(json.dumps(card, indent=2, default=str))


@models.command("promote")
@click.argument("version")
@click.option("--reason", required=True, help="Why (kept in the champion history).")
@click.pass_obj
@reports_errors
def models_promote(home: Home, version: str, reason: str) -> None:
    """Make VERSION the champion by hand (its sha256 is checked first)."""
    from claimscreen.models import registry

    registry.promote(home.path, version, reason=reason, by="operator")
    click.echo(f"{version} is the champion")


@models.command("rollback")
@click.option("--reason", required=True, help="Why (kept in the champion history).")
@click.pass_obj
@reports_errors
def models_rollback(home: Home, reason: str) -> None:
    """Make the previous champion the champion again."""
    from claimscreen.models import registry

    previous = registry.rollback(home.path, reason=reason, by="operator")
    click.echo(f"rolled back: {previous} is the champion")


COMMANDS = (retrain, scores, models)


__all__ = [
    "COMMANDS",
    "models",
    "models_list",
    "models_promote",
    "models_rollback",
    "models_show",
    "retrain",
    "scores",
    "scores_export",
]
