"""Schedules: `claimscreen deploy` against the session's Prefect server, prefect.yaml, the scheduled flows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import make_row, run_cli, write_csv
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.flows import load_flow_from_entrypoint

from claimscreen.data.errors import InputError
from claimscreen.data.settings import ScheduleSettings
from claimscreen.flows import schedules

REPOSITORY = Path(__file__).resolve().parents[2]


def read_deployment(name: str) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_deployment_by_name(name)


def test_deploy_registers_both_schedules_in_the_agency_time_zone(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (home / "settings.toml").write_text(
        f'agency_timezone = "America/Chicago"\n[schedule]\ninbox = "{inbox}"\nretrain_cron = "30 5 * * 1"\n'
    )
    code, out, err = run_cli(home, "deploy", "--work-pool", "claimscreen-test")
    assert code == 0, err
    assert "work pool 'claimscreen-test' created (process)" in out
    assert "claimscreen-nightly-from-inbox/nightly: cron '0 2 * * *' (America/Chicago)" in out
    assert "prefect worker start --pool claimscreen-test" in out

    nightly = read_deployment("claimscreen-nightly-from-inbox/nightly")
    assert nightly.entrypoint == "claimscreen.flows.schedules.nightly_from_inbox"
    assert nightly.parameters == {"home": str(home), "inbox": str(inbox), "allow_gap": False}
    assert nightly.work_pool_name == "claimscreen-test"
    assert [(s.schedule.cron, s.schedule.timezone) for s in nightly.schedules] == [
        ("0 2 * * *", "America/Chicago")
    ]
    retrain = read_deployment("claimscreen-weekly-retrain/weekly-retrain")
    assert retrain.entrypoint == "claimscreen.flows.schedules.retrain_flow"
    assert retrain.parameters == {"home": str(home)}
    assert [(s.schedule.cron, s.schedule.timezone) for s in retrain.schedules] == [
        ("30 5 * * 1", "America/Chicago")
    ]

    # Deploying again updates the same deployments (the options win over the settings).
    code, out, err = run_cli(home, "deploy", "--work-pool", "claimscreen-test", "--cron", "15 1 * * *")
    assert code == 0, err
    assert "work pool 'claimscreen-test' found" in out
    again = read_deployment("claimscreen-nightly-from-inbox/nightly")
    assert again.id == nightly.id
    assert [s.schedule.cron for s in again.schedules] == ["15 1 * * *"]


def test_deploy_without_a_server_says_how_to_start_one(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedules, "prefect_api_url", lambda: None)
    code, _, err = run_cli(home, "deploy", "--inbox", str(tmp_path))
    assert code == 2
    assert err == (
        "claimscreen: error: deploy needs a Prefect server: start one (prefect server start), then set "
        "PREFECT_API_URL=http://127.0.0.1:4200/api and run deploy again\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no inbox: give --inbox DIR or set inbox in the [schedule] table of settings.toml"),
        (["--inbox", "INBOX", "--cron", "daily"], "nightly_cron: 'daily' is not a cron expression of five"),
        (["--inbox", "INBOX", "--timezone", "Mars/Olympus"], "agency_timezone: unknown time zone"),
    ],
)
def test_deploy_refuses_a_wrong_schedule_in_one_line(
    home: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(tmp_path) if a == "INBOX" else a for a in args]
    code, _, err = run_cli(home, "deploy", *args)
    assert code == 2
    assert err.startswith("claimscreen: error: ") and message in err
    assert err.count("\n") == 1


def test_the_deployments_built_carry_schedule_parameters_and_pool(tmp_path: Path) -> None:
    nightly, retrain = schedules.build_deployments(
        tmp_path / "home",
        tmp_path / "inbox",
        nightly_cron="0 2 * * *",
        retrain_cron="0 4 * * 0",
        timezone="America/Denver",
        work_pool="pool",
    )
    assert (nightly.name, retrain.name) == ("nightly", "weekly-retrain")
    assert nightly.parameters == {
        "home": str(tmp_path / "home"),
        "inbox": str(tmp_path / "inbox"),
        "allow_gap": False,
    }
    assert retrain.parameters == {"home": str(tmp_path / "home")}
    assert nightly.schedules[0].schedule.timezone == "America/Denver"  # type: ignore[index, union-attr]
    assert nightly.work_pool_name == retrain.work_pool_name == "pool"
    assert nightly.concurrency_limit == 1


def test_prefect_yaml_declares_the_same_two_deployments() -> None:
    config = PrefectYamlModel.model_validate(yaml.safe_load((REPOSITORY / "prefect.yaml").read_text()))
    defaults = ScheduleSettings()
    found = {d.name: d for d in config.deployments}
    assert set(found) == {schedules.NIGHTLY_DEPLOYMENT, schedules.RETRAIN_DEPLOYMENT}
    expected = {
        schedules.NIGHTLY_DEPLOYMENT: (
            schedules.nightly_from_inbox,
            defaults.nightly_cron,
            {"home", "inbox"},
        ),
        schedules.RETRAIN_DEPLOYMENT: (schedules.retrain_flow, defaults.retrain_cron, {"home"}),
    }
    for name, (flow, cron, parameters) in expected.items():
        deployment = found[name]
        assert deployment.entrypoint is not None
        assert load_flow_from_entrypoint(deployment.entrypoint).name == flow.name
        assert [(s.cron, s.timezone) for s in deployment.schedules or []] == [(cron, "America/New_York")]  # type: ignore[union-attr]
        assert set(deployment.parameters) == parameters
        assert deployment.work_pool is not None and deployment.work_pool.name == schedules.DEFAULT_WORK_POOL


def test_nightly_from_inbox_runs_the_newest_night_and_fails_when_nothing_is_new(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    inbox = tmp_path / "inbox"
    write_csv(inbox / "claims_2026-10-01.csv", [make_row(claim_id="A")])
    report = schedules.nightly_from_inbox(str(home), str(inbox))
    assert (report["batch_date"], report["status"]) == ("2026-10-01", "completed")
    with pytest.raises(InputError, match=f"nothing new in {inbox}"):
        schedules.nightly_from_inbox(str(home), str(inbox))
    # A night after a missing one is refused: the scheduled run fails, naming it.
    write_csv(inbox / "claims_2026-10-03.csv", [make_row(claim_id="C")])
    with pytest.raises(InputError, match="no batch for 2026-10-02"):
        schedules.nightly_from_inbox(str(home), str(inbox))
    assert json.loads((home / "runs" / "2026-10-01.json").read_text())["status"] == "completed"
    assert not (home / "runs" / f"{dt.date(2026, 10, 3)}.json").exists()


def test_the_weekly_flow_runs_the_retraining(home: Path, prefect_harness: None) -> None:
    report = schedules.retrain_flow(str(home))
    assert (report["status"], report["reason"]) == (
        "skipped",
        "no scored nights in the lake yet: run the nightly flow first",
    )


def test_deploy_refuses_a_missing_inbox_and_a_cron_out_of_range(home: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        schedules.deploy_schedules(home, ScheduleSettings(inbox=tmp_path / "nope"), "UTC")
    wrong = ScheduleSettings(inbox=tmp_path, nightly_cron="99 2 * * *")
    with pytest.raises(InputError, match='Invalid cron string: "99 2 \\* \\* \\*"'):
        schedules.deploy_schedules(home, wrong, "UTC")


def test_deploy_takes_pool_gap_and_alert_block_from_the_settings(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    from prefect.blocks.notifications import SlackWebhook

    SlackWebhook(url="https://hooks.slack.com/services/T0/B0/x").save("settings-it", overwrite=True)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (home / "settings.toml").write_text(
        f'[schedule]\ninbox = "{inbox}"\nwork_pool = "from-settings"\nallow_gap = true\n'
        '[alerts]\nnotify_block = "slack-webhook/settings-it"\n'
    )
    code, out, err = run_cli(home, "deploy")
    assert code == 0, err
    assert "work pool 'from-settings' created (process)" in out
    assert "the scheduled night runs even after a missing night (allow_gap)" in out
    assert "notify slack-webhook/settings-it" in out
    nightly = read_deployment("claimscreen-nightly-from-inbox/nightly")
    assert (nightly.work_pool_name, nightly.parameters["allow_gap"]) == ("from-settings", True)
    # The command line wins over the settings.
    code, out, err = run_cli(home, "deploy", "--work-pool", "from-option", "--no-allow-gap")
    assert code == 0, err
    nightly = read_deployment("claimscreen-nightly-from-inbox/nightly")
    assert (nightly.work_pool_name, nightly.parameters["allow_gap"]) == ("from-option", False)


def test_deploy_passes_a_database_url_without_its_password_only(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    url = "postgresql+psycopg://claimscreen@db.agency.gov/claimscreen"
    code, out, err = run_cli(home, "deploy", "--inbox", str(tmp_path), "--database-url", url)
    assert code == 0, err
    assert f"review database (a parameter of both): {url}" in out
    assert read_deployment("claimscreen-nightly-from-inbox/nightly").parameters["database_url"] == url
    assert read_deployment("claimscreen-weekly-retrain/weekly-retrain").parameters["database_url"] == url
    secret = "postgresql+psycopg://claimscreen:s3cret@db.agency.gov/claimscreen"
    code, out, err = run_cli(home, "deploy", "--inbox", str(tmp_path), "--database-url", secret)
    assert code == 2 and err.count("\n") == 1 and "s3cret" not in err + out
    assert "claimscreen:***@db.agency.gov" in err and "stored in clear on the Prefect server" in err


def test_a_wrong_settings_key_stops_deploy_in_one_line(home: Path, tmp_path: Path) -> None:
    (home / "settings.toml").write_text('[alerts]\nnotify_block = "nothing"\n')
    code, _, err = run_cli(home, "deploy", "--inbox", str(tmp_path))
    assert code == 2 and err.count("\n") == 1
    assert "alerts.notify_block" in err


def test_the_settings_review_database_reaches_every_command(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimscreen.data.settings import DATABASE_URL_ENV

    monkeypatch.setenv(DATABASE_URL_ENV, "placeholder")
    monkeypatch.delenv(DATABASE_URL_ENV)  # restored to unset after the test
    (home / "settings.toml").write_text(f'[review]\ndatabase_url = "sqlite:///{tmp_path / "other.db"}"\n')
    code, out, err = run_cli(home, "review", "migrate")
    assert code == 0, err
    assert f"(sqlite:///{tmp_path / 'other.db'})" in out
    assert (tmp_path / "other.db").exists() and not (home / "review.db").exists()


def test_a_scheduled_run_uses_its_database_parameter(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_harness: None
) -> None:
    from claimscreen.data.settings import DATABASE_URL_ENV

    monkeypatch.setenv(DATABASE_URL_ENV, "placeholder")  # restored after the test
    url = f"sqlite:///{tmp_path / 'scheduled.db'}"
    inbox = tmp_path / "inbox"
    write_csv(inbox / "claims_2026-10-01.csv", [make_row(claim_id="A")])
    report = schedules.nightly_from_inbox(str(home), str(inbox), database_url=url)
    assert report["status"] == "completed"
    assert (tmp_path / "scheduled.db").exists() and not (home / "review.db").exists()
