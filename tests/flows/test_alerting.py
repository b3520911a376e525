"""Alerting: `claimscreen deploy --notify-block` makes the automation that notifies state IT of
a failed, crashed or timed-out claimscreen run; a scheduled night that fails says which night,
which stage and why in one line, without the claim's data."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_row, write_csv

from claimscreen.data.errors import InputError
from claimscreen.flows import schedules
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
