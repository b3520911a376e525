"""Alerting: `claimscreen deploy --notify-block` makes the automation that notifies state IT of
a failed, crashed or timed-out claimscreen run; a scheduled night that fails says which night,
which stage and why in one line, without the claim's data. A night run by a command alerts by
itself ([alerts]): through the block with a Prefect server, else the command and the webhook,
tested against a local HTTP receiver."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import make_row, run_cli, write_csv

from claimscreen.data.errors import InputError
from claimscreen.data.settings import AlertSettings
from claimscreen.flows import alerting, schedules
from claimscreen.flows.backfill import NightFailed

SSN = "123-45-6789"


def test_deploy_makes_one_alert_through_the_named_block(prefect_harness: None) -> None:
    from prefect.blocks.notifications import SlackWebhook
    from prefect.client.orchestration import get_client

    block_id = SlackWebhook(url="https://hooks.slack.com/services/T0/B0/x").save("state-it", overwrite=True)
    line = schedules.ensure_alert("slack-webhook/state-it")
    assert line == "alert 'claimscreen-run-failed': failed, crashed or timed-out claimscreen runs notify " + (
        "slack-webhook/state-it"
    )
    schedules.ensure_alert("slack-webhook/state-it")  # deploying again replaces it
    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(schedules.ALERT_AUTOMATION)
    assert len(found) == 1
    trigger, action = found[0].trigger, found[0].actions[0]
    assert trigger.expect == {  # type: ignore[union-attr]
        "prefect.flow-run.Failed",
        "prefect.flow-run.Crashed",
        "prefect.flow-run.TimedOut",
    }
    assert action.block_document_id == block_id  # type: ignore[union-attr]
    assert "{{ flow_run.state.message }}" in action.body  # type: ignore[union-attr]
    with pytest.raises(InputError, match="TYPE/NAME"):
        schedules.ensure_alert("state-it")
    with pytest.raises(InputError, match="no notification block 'slack-webhook/nobody'"):
        schedules.ensure_alert("slack-webhook/nobody")


def test_a_scheduled_night_that_fails_names_its_night_and_stage_and_no_data(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    inbox = tmp_path / "inbox"
    row = make_row(claim_id="A", ssn=SSN)
    write_csv(inbox / "claims_2026-10-01.csv", [row], columns=[c for c in row if c != "claim_id"])
    with pytest.raises(NightFailed) as failed:
        schedules.nightly_from_inbox(str(home), str(inbox))
    message = str(failed.value)
    assert message.startswith("night 2026-10-01 failed in stage ingest: ")
    assert SSN not in message and SSN.replace("-", "") not in message


# --- Alerts for nights run by a command (flows/alerting.py) -----------------------------------


class Receiver(ThreadingHTTPServer):
    """A local webhook receiver: keeps each POST's JSON body; answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hooks/T0/secret-path"
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.shutdown()
    server.server_close()


def hook_writing_to(path: Path) -> str:
    """An [alerts] command line that writes its standard input and CLAIMSCREEN_ALERT_STAGE to ``path``."""
    script = (
        "import os, sys, pathlib; "
        f"pathlib.Path({str(path)!r}).write_text(sys.stdin.read() + os.environ['CLAIMSCREEN_ALERT_STAGE'])"
    )
    return json.dumps([sys.executable, "-c", script])


def test_a_report_calls_for_an_alert_when_it_failed_or_quarantined_too_much() -> None:
    totals = {
        "rows_read": 10,
        "rows_quarantined": 3,
        "quarantined_by_reason": {"missing ssn": 2, "bad zip": 1},
    }
    failed = {
        "batch_date": "2026-10-02",
        "status": "failed",
        "failed_stage": "features",
        "error": "OSError: x",
    }
    alert = alerting.night_alert({**failed, "totals": totals}, 0.2)
    assert (
        alert is not None
        and alert.text == "claimscreen: night 2026-10-02 failed in stage features: OSError: x"
    )
    assert (alert.subject, alert.stage) == ("claimscreen: night 2026-10-02 failed", "features")
    completed = {"batch_date": "2026-10-02", "status": "completed", "totals": totals}
    alert = alerting.night_alert(completed, 0.2)
    assert alert is not None and alert.text == (
        "claimscreen: night 2026-10-02 quarantined 3 of 10 rows (30.0%, over [alerts] quarantine_share 20%): "
        "missing ssn 2, bad zip 1"
    )
    assert alerting.night_alert(completed, 0.3) is None  # 30% is not over 30%
    assert alerting.night_alert({**completed, "totals": {"rows_read": 0, "rows_quarantined": 0}}, 0.2) is None


def test_a_night_that_fails_without_a_server_alerts_the_webhook_and_the_command(
    home: Path, tmp_path: Path, receiver: Receiver
) -> None:
    heard = tmp_path / "heard.txt"
    (home / "settings.toml").write_text(
        f'[alerts]\nwebhook_url = "{receiver.url}"\ncommand = {hook_writing_to(heard)}\n'
    )
    row = make_row(claim_id="A", ssn=SSN)
    batch = write_csv(tmp_path / "claims_2026-10-01.csv", [row], columns=[c for c in row if c != "claim_id"])
    code, _, err = run_cli(home, "nightly", "--batch", str(batch))
    assert code == 2, err
    assert len(receiver.bodies) == 1
    body = receiver.bodies[0]
    assert body["text"].startswith("claimscreen: night 2026-10-01 failed in stage ingest: ")
    assert (body["night"], body["status"], body["stage"]) == ("2026-10-01", "failed", "ingest")
    assert heard.read_text() == body["text"] + "\ningest"
    for said in (json.dumps(body), heard.read_text(), err):
        assert SSN not in said and SSN.replace("-", "") not in said and "Lopez" not in said


def test_a_night_that_quarantines_over_the_share_alerts_and_one_under_it_does_not(
    home: Path, tmp_path: Path, receiver: Receiver
) -> None:
    (home / "settings.toml").write_text(f'[alerts]\nwebhook_url = "{receiver.url}"\nquarantine_share = 0.5\n')
    rows = [make_row(claim_id="A"), make_row(claim_id="B", ssn="12"), make_row(claim_id="C", ssn="34")]
    code, _, err = run_cli(
        home, "nightly", "--batch", str(write_csv(tmp_path / "claims_2026-10-01.csv", rows))
    )
    assert code == 0, err
    assert [b["status"] for b in receiver.bodies] == ["quarantined"]
    assert "quarantined 2 of 3 rows (66.7%, over [alerts] quarantine_share 50%)" in receiver.bodies[0]["text"]
    rows = [make_row(claim_id="D"), make_row(claim_id="E"), make_row(claim_id="F", ssn="56")]
    code, _, err = run_cli(
        home, "nightly", "--batch", str(write_csv(tmp_path / "claims_2026-10-02.csv", rows))
    )
    assert code == 0, err
    assert len(receiver.bodies) == 1


def test_a_failing_hook_is_logged_and_never_fails_the_night(home: Path, tmp_path: Path) -> None:
    broken = Receiver(status=500)
    try:
        (home / "settings.toml").write_text(
            f'[alerts]\nwebhook_url = "{broken.url}"\nquarantine_share = 0.1\n'
            f'command = ["{sys.executable}", "-c", "raise SystemExit(3)"]\n'
        )
        rows = [make_row(claim_id="A"), make_row(claim_id="B", ssn="12")]
        code, out, err = run_cli(
            home, "nightly", "--batch", str(write_csv(tmp_path / "claims_2026-10-01.csv", rows))
        )
    finally:
        broken.shutdown()
        broken.server_close()
    assert code == 0, err
    assert "night 2026-10-01: 2 rows read, 1 ingested, 1 quarantined" in out
    assert "alert command" in err and "exited with status 3" in err
    assert f"alert webhook http://127.0.0.1:{broken.server_address[1]} answered HTTP 500" in err
    assert "secret-path" not in err  # a webhook's path is its secret


def test_an_unreachable_webhook_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    alert = alerting.NightAlert(
        "2026-10-01", "failed", "ingest", 1, 0, "claimscreen: night 2026-10-01 failed"
    )
    settings = AlertSettings(webhook_url="http://127.0.0.1:9/x", timeout_seconds=2)
    with caplog.at_level("WARNING", logger="claimscreen.flows.alerting"):
        assert alerting.send_alert(alert, settings, api_url=None) == []
    assert "alert webhook http://127.0.0.1:9 failed: ConnectError" in caplog.text


def test_with_a_server_the_block_alerts_and_without_one_the_webhook_does(
    receiver: Receiver, prefect_harness: None
) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    block_receiver = Receiver()
    try:
        CustomWebhookNotificationBlock(
            name="local",
            url=block_receiver.url,
            json_data={"text": "{{subject}}: {{body}}"},
            allow_private_urls=True,
        ).save("claimscreen-local", overwrite=True)
        alert = alerting.NightAlert(
            "2026-10-01", "failed", "score", 5, 0, "claimscreen: night 2026-10-01 failed"
        )
        settings = AlertSettings(notify_block="custom-webhook/claimscreen-local", webhook_url=receiver.url)
        assert alerting.send_alert(alert, settings, api_url="http://prefect/api") == [
            "block custom-webhook/claimscreen-local"
        ]
        assert block_receiver.bodies == [
            {"text": "claimscreen: night 2026-10-01 failed: claimscreen: night 2026-10-01 failed"}
        ]
        assert receiver.bodies == []
        assert alerting.send_alert(alert, settings, api_url=None) == [
            f"webhook http://127.0.0.1:{receiver.server_address[1]}"
        ]
        assert receiver.bodies[0]["text"] == "claimscreen: night 2026-10-01 failed"
        # A block that cannot be loaded falls back to the webhook.
        missing = AlertSettings(notify_block="custom-webhook/nobody", webhook_url=receiver.url)
        assert alerting.send_alert(alert, missing, api_url="http://prefect/api")[0].startswith("webhook")
    finally:
        block_receiver.shutdown()
        block_receiver.server_close()


def test_deploy_also_alerts_when_no_night_completed_in_time(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    import datetime as dt

    from prefect.blocks.notifications import SlackWebhook
    from prefect.client.orchestration import get_client

    SlackWebhook(url="https://hooks.slack.com/services/T0/B0/x").save("missed-it", overwrite=True)
    (home / "settings.toml").write_text(
        f'[schedule]\ninbox = "{tmp_path}"\n[alerts]\nnotify_block = "slack-webhook/missed-it"\n'
    )
    code, out, err = run_cli(home, "deploy")
    assert code == 0, err
    missed = "alert 'claimscreen-night-missed': no nightly run completed within 26 h notifies "
    assert missed + "slack-webhook/missed-it" in out
    with get_client(sync_client=True) as client:
        nightly = client.read_deployment_by_name("claimscreen-nightly-from-inbox/nightly")
        found = client.read_automations_by_name(schedules.MISSED_AUTOMATION)
    assert len(found) == 1
    trigger = found[0].trigger
    assert (trigger.posture, trigger.expect, trigger.within) == (  # type: ignore[union-attr]
        "Proactive",
        {"prefect.flow-run.Completed"},
        dt.timedelta(hours=26),
    )
    assert trigger.match_related.model_dump() == {  # type: ignore[union-attr]
        "prefect.resource.role": "deployment",
        "prefect.resource.id": f"prefect.deployment.{nightly.id}",
    }
    (home / "settings.toml").write_text(
        f'[schedule]\ninbox = "{tmp_path}"\n[alerts]\nnotify_block = "slack-webhook/missed-it"\n'
        "missed_night_hours = 0\n"
    )
    code, out, err = run_cli(home, "deploy")
    assert code == 0 and "'claimscreen-night-missed': off" in out, err
    with get_client(sync_client=True) as client:
        assert client.read_automations_by_name(schedules.MISSED_AUTOMATION) == []


def test_a_backfill_alerts_on_the_nights_it_ran_and_on_the_one_that_stopped_it(
    home: Path, tmp_path: Path, receiver: Receiver
) -> None:
    (home / "settings.toml").write_text(f'[alerts]\nwebhook_url = "{receiver.url}"\nquarantine_share = 0.5\n')
    inbox = tmp_path / "inbox"
    rows = [make_row(claim_id="A"), make_row(claim_id="B", ssn="12"), make_row(claim_id="C", ssn="34")]
    write_csv(inbox / "claims_2026-10-01.csv", rows)
    row = make_row(claim_id="D")
    write_csv(inbox / "claims_2026-10-02.csv", [row], columns=[c for c in row if c != "claim_id"])
    code, _, err = run_cli(
        home, "backfill", "--from", "2026-10-01", "--to", "2026-10-02", "--inbox", str(inbox)
    )
    assert code == 2, err
    assert [(b["night"], b["status"]) for b in receiver.bodies] == [
        ("2026-10-01", "quarantined"),
        ("2026-10-02", "failed"),
    ]


def test_the_alert_command_gets_a_zero_count_as_0_and_no_stage_as_empty(tmp_path: Path) -> None:
    """A failed night that quarantined nothing: CLAIMSCREEN_ALERT_ROWS_QUARANTINED is ``0``
    (a count), not empty; a quarantine alert has no stage: empty."""
    heard = tmp_path / "env.json"
    keys = ["NIGHT", "STATUS", "STAGE", "ROWS_READ", "ROWS_QUARANTINED"]
    script = (
        "import json, os, pathlib; "
        f"pathlib.Path({str(heard)!r}).write_text(json.dumps("
        f"{{k: os.environ['CLAIMSCREEN_ALERT_' + k] for k in {keys!r}}}))"
    )
    failed = alerting.NightAlert("2026-10-01", "failed", "features", 0, 0, "claimscreen: night failed")
    assert alerting._run_command(failed, [sys.executable, "-c", script], 30)
    assert json.loads(heard.read_text()) == {
        "NIGHT": "2026-10-01",
        "STATUS": "failed",
        "STAGE": "features",
        "ROWS_READ": "0",
        "ROWS_QUARANTINED": "0",
    }
    quarantined = alerting.NightAlert("2026-10-02", "quarantined", None, 10, 5, "claimscreen: 5 of 10")
    assert alerting._run_command(quarantined, [sys.executable, "-c", script], 30)
    assert json.loads(heard.read_text())["STAGE"] == ""
    assert json.loads(heard.read_text())["ROWS_QUARANTINED"] == "5"


def test_the_alert_command_gets_neither_the_secret_key_nor_the_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The paging program is another program: it gets the alert, not the key that protects the
    SSN tokens or the review database's URL (which may hold a password)."""
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", "a-secret-key-of-the-state-0123")
    monkeypatch.setenv("CLAIMSCREEN_DATABASE_URL", "postgresql+psycopg://cs:hunter2@db/claimscreen")
    monkeypatch.setenv("CLAIMSCREEN_HOME", str(tmp_path))
    heard = tmp_path / "env.json"
    script = (
        f"import json, os, pathlib; pathlib.Path({str(heard)!r}).write_text(json.dumps(dict(os.environ)))"
    )
    alert = alerting.NightAlert("2026-10-01", "failed", "ingest", 3, 0, "claimscreen: night failed")
    assert alerting._run_command(alert, [sys.executable, "-c", script], 30)
    seen = json.loads(heard.read_text())
    assert "CLAIMSCREEN_SECRET_KEY" not in seen and "CLAIMSCREEN_DATABASE_URL" not in seen
    assert "hunter2" not in heard.read_text() and "a-secret-key" not in heard.read_text()
    assert seen["CLAIMSCREEN_ALERT_NIGHT"] == "2026-10-01" and seen["CLAIMSCREEN_HOME"] == str(tmp_path)
