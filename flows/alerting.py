"""Alerts for nights that a command runs (``claimscreen nightly``, ``backfill``).

A scheduled run alerts through the Prefect automation that ``claimscreen deploy`` makes
(:func:`claimscreen.flows.schedules.ensure_alert`). A night run from the command line,
from cron or another scheduler, is no deployment run: without a Prefect server it is no
flow run at all. Such a night alerts by itself (:func:`alert_night`) when it fails, or when
it completes with more than ``[alerts] quarantine_share`` of its rows quarantined (a wrong
or broken extract):

* through the Prefect notification block ``[alerts] notify_block`` when a Prefect server is
  set (``PREFECT_API_URL``);
* otherwise, or when the block cannot be reached, through ``[alerts] command`` (a program
  given the alert on its standard input) and ``[alerts] webhook_url`` (a JSON POST).

The alert holds the night, its status, the failed stage and the report's one-line error,
or the quarantine counts by reason: never a value of a claim. The command does not inherit
the secret key or the review database's URL (:data:`WITHHELD_ENV`). A channel that fails is
logged as a warning; it never fails the night.
"""

from __future__ import annotations

import logging
import os
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from claimscreen.data.errors import safe_message
from claimscreen.data.settings import DATABASE_URL_ENV, SECRET_KEY_ENV, AlertSettings, load_settings

__all__ = ["NightAlert", "alert_night", "night_alert", "send_alert"]

LOG = logging.getLogger(__name__)
SUBJECT = "claimscreen: night {night} {status}"
#: The variables the alert command gets, beside the text on its standard input.
ENV_PREFIX = "CLAIMSCREEN_ALERT_"
#: Variables of this process the alert command does not inherit: the key that protects the SSN
#: and bank account tokens, and the review database's URL (it may hold a password).
WITHHELD_ENV = frozenset((SECRET_KEY_ENV, DATABASE_URL_ENV))


@dataclass(frozen=True)
class NightAlert:
    """What an alert says about one night (counts, reasons and ids only)."""

    night: str
    status: str  # "failed", or "quarantined" for a completed night over the share
    stage: str | None
    rows_read: int
    rows_quarantined: int
    text: str

    @property
    def subject(self) -> str:
        return SUBJECT.format(night=self.night, status=self.status)


def night_alert(report: dict[str, Any], quarantine_share: float) -> NightAlert | None:
    """The alert a night's report calls for, or None: a failed night, or a completed one whose
    quarantined share of the rows read is over ``quarantine_share``."""
    totals = report.get("totals") or {}
    read, quarantined = int(totals.get("rows_read", 0)), int(totals.get("rows_quarantined", 0))
    night = str(report["batch_date"])
    if report["status"] == "failed":
        stage = report.get("failed_stage") or "start"
        text = (
            f"claimscreen: night {night} failed in stage {stage}: {report.get('error') or 'no reason given'}"
        )
        return NightAlert(night, "failed", stage, read, quarantined, text)
    if report["status"] == "completed" and read and quarantined / read > quarantine_share:
        reasons = ", ".join(f"{why} {n:,}" for why, n in (totals.get("quarantined_by_reason") or {}).items())
        text = (
            f"claimscreen: night {night} quarantined {quarantined:,} of {read:,} rows "
            f"({quarantined / read:.1%}, over [alerts] quarantine_share {quarantine_share:.0%}): {reasons}"
        )
        return NightAlert(night, "quarantined", None, read, quarantined, text)
    return None


def alert_night(home: Path, report: dict[str, Any] | None, api_url: str | None = None) -> list[str]:
    """Send the alert ``report`` calls for through the channels of ``home``'s settings; the
    channels it reached. Never raises: whatever goes wrong is a warning in the log."""
    try:
        if report is None:
            return []
        settings = load_settings(home).alerts
        alert = night_alert(report, settings.quarantine_share)
        return [] if alert is None else send_alert(alert, settings, api_url)
    except Exception as exc:
        LOG.warning("alert not sent: %s", safe_message(exc))
        return []


def send_alert(alert: NightAlert, settings: AlertSettings, api_url: str | None) -> list[str]:
    """Through the block when a Prefect server is set, else (or if the block fails) through the
    command and the webhook; the channels that took it."""
    if settings.notify_block and api_url and _notify_block(alert, settings.notify_block):
        return [f"block {settings.notify_block}"]
    sent = []
    if settings.command and _run_command(alert, settings.command, settings.timeout_seconds):
        sent.append(f"command {Path(settings.command[0]).name}")
    if settings.webhook_url and _post_webhook(alert, settings.webhook_url, settings.timeout_seconds):
        sent.append(f"webhook {_host(settings.webhook_url)}")
    if not sent and not (settings.command or settings.webhook_url or settings.notify_block):
        LOG.info("no [alerts] channel set: %s", alert.text)
    return sent


def _notify_block(alert: NightAlert, name: str) -> bool:
    try:
        from prefect.blocks.core import Block

        block: Any = Block.load(name)
        block.notify(alert.text, subject=alert.subject)
    except Exception as exc:
        LOG.warning(
            "alert block %s failed (%s); trying [alerts] command and webhook_url", name, safe_message(exc)
        )
        return False
    return True


def _run_command(alert: NightAlert, command: list[str], timeout: float) -> bool:
    # A count of 0 is "0"; only a missing value (a quarantine alert's stage) is empty.
    fields = {ENV_PREFIX + k.upper(): "" if v is None else str(v) for k, v in asdict(alert).items()}
    inherited = {k: v for k, v in os.environ.items() if k not in WITHHELD_ENV}
    env = {**inherited, **fields}
    try:
        done = subprocess.run(
            command, input=alert.text + "\n", env=env, text=True, capture_output=True, timeout=timeout
        )
    except (OSError, subprocess.SubprocessError) as exc:
        LOG.warning("alert command %s failed: %s", command[0], _short(exc))
        return False
    if done.returncode != 0:
        LOG.warning("alert command %s exited with status %d", command[0], done.returncode)
        return False
    return True


def _post_webhook(alert: NightAlert, url: str, timeout: float) -> bool:
    import httpx

    try:
        answer = httpx.post(url, json=asdict(alert), timeout=timeout)
    except httpx.HTTPError as exc:
        LOG.warning("alert webhook %s failed: %s", _host(url), type(exc).__name__)
        return False
    if answer.status_code >= 300:
        LOG.warning("alert webhook %s answered HTTP %d", _host(url), answer.status_code)
        return False
    return True


def _host(url: str) -> str:
    """Where a webhook goes, without its path (a chat webhook's path is its secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _short(exc: BaseException) -> str:
    if isinstance(exc, subprocess.TimeoutExpired):
        return f"no answer within {exc.timeout:g} s"
    return safe_message(exc)
