"""`claimscreen verify export|import`, `status export` and `lookback export`: the claimant after the night."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from claimscreen.data.console import Home, parse_date, reports_errors

__all__ = ["COMMANDS"]

OUT_HELP = "File to write: .csv or .parquet."


@click.group()
def verify() -> None:
    """Verification of `verify` claims: the requests out, the outcomes back.

    A claim routed verify waits for identity proofing or a bank-account ownership
    check (docs/reference.md, "Verification"); a claim that passes every check it
    needs is released, a failed or unanswered one goes to an investigator.
    """


@verify.command("export")
@click.option("--date", "date_", required=True, help="The night (YYYY-MM-DD).")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help=OUT_HELP)
@click.pass_obj
@reports_errors
def verify_export(home: Home, date_: str, out: str) -> None:
    """Write the night's verify claims: claim_id, checks, reasons, requested_at.

    checks is identity, bank_account or both (;-separated): bank_account when a reason
    names a bank account, identity for any other reason. Send the file to the agency's
    identity and bank-account verification services."""
    from claimscreen.data.exports import write_export
    from claimscreen.models.verification import verify_requests

    night = parse_date(date_)
    assert night is not None
    requests = verify_requests(home.path, night)
    write_export(requests, Path(out))
    click.echo(f"{len(requests):,} verify claims of {night} written to {out}")


@verify.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
@reports_errors
def verify_import(home: Home, file: str) -> None:
    """Load verification outcomes: claim_id, check, outcome, decided_at, provider.

    check is identity or bank_account; outcome passed, failed or no_response. The file is
    taken whole or not at all: a wrong row stops the import with one line naming it."""
    from claimscreen.models.verification import import_outcomes

    click.echo(import_outcomes(home.path, Path(file)).summary())


@click.group()
def status() -> None:
    """Every claim's current status and how long its claimant has waited."""


@status.command("export")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help=OUT_HELP)
@click.option("--as-of", "as_of", default=None, help="The day to look from (YYYY-MM-DD, end of day UTC).")
@click.pass_obj
@reports_errors
def status_export(home: Home, out: str, as_of: str | None) -> None:
    """Write every scored claim's status: claim_id, filed_at, status, status_since, hours_waited.

    status is cleared, verifying, in_review, decided_fraud or decided_legitimate;
    hours_waited runs from filing to release or decision, else to --as-of (default now)."""
    from claimscreen.data.exports import write_export
    from claimscreen.models.verification import claim_statuses

    day = parse_date(as_of)
    moment = None if day is None else pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=1)
    statuses = claim_statuses(home.path, moment)
    write_export(statuses, Path(out))
    counts = statuses["status"].value_counts()
    summary = ", ".join(f"{int(counts[s]):,} {s}" for s in counts.index)
    click.echo(f"{len(statuses):,} claims written to {out} ({summary or 'none'})")


@click.group()
def lookback() -> None:
    """Look-back alerts: claims paid on earlier nights that later evidence implicates.

    Every night, the claims cleared in the benefit year before it are checked again
    against what changed since (docs/reference.md, "Look-back"): new death, prison,
    interstate and suspicious-actor entries, rings flagged tonight, fraud decided on
    the same person, bank account or device, and the same SSN filed tonight under
    another identity. Each claim and reason is raised once.
    """


@lookback.command("export")
@click.option("--date", "date_", required=True, help="The night (YYYY-MM-DD).")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help=OUT_HELP)
@click.pass_obj
@reports_errors
def lookback_export(home: Home, date_: str, out: str) -> None:
    """Write the claims raised on the night: claim_id, first_scored, flagged_on, reasons, ring_id.

    first_scored is the night the claim was cleared and paid, flagged_on the night that
    raised it; reasons are LOOKBACK_* codes (;-separated). Each is a possible overpayment
    for an investigator to look at."""
    from claimscreen.data.exports import export_format, write_export
    from claimscreen.models.lookback import export_alerts

    night = parse_date(date_)
    assert night is not None
    export_format(Path(out))  # a wrong file type is told before the night is read
    alerts = export_alerts(home.path, night)
    write_export(alerts, Path(out))
    click.echo(f"{len(alerts):,} look-back claims of {night} written to {out}")


COMMANDS = (verify, status, lookback)
