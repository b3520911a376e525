"""The claimscreen command: help everywhere, the nightly flow, exports, reports, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import make_row, run_cli, write_csv

from claimscreen.flows.cli import main

COMMANDS = [
    [],
    ["generate"],
    ["nightly"],
    ["backfill"],
    ["deploy"],
    ["reference"],
    ["reference", "load"],
    ["labels"],
    ["labels", "import"],
    ["quarantine"],
    ["quarantine", "export"],
    ["runs"],
    ["runs", "show"],
    ["demo"],
    ["retrain"],
    ["scores"],
    ["scores", "export"],
    ["models"],
    ["models", "list"],
    ["models", "show"],
    ["models", "promote"],
    ["models", "rollback"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "claimscreen")
def test_help_works_everywhere(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], prog_name="claimscreen")
    assert result.exit_code == 0, result.output
    assert "Usage: claimscreen" in result.output


def test_a_night_end_to_end(home: Path, tmp_path: Path, prefect_harness: None) -> None:
    batch = write_csv(
        tmp_path / "claims_2026-10-01.csv",
        [make_row(claim_id="A"), make_row(claim_id="B", ssn="12"), make_row(claim_id="C", zip="")],
    )
    code, out, err = run_cli(home, "nightly", "--batch", str(batch))
    assert code == 0, err
    assert "night 2026-10-01: 3 rows read, 1 ingested, 2 quarantined" in out

    code, out, _ = run_cli(home, "runs", "show", "--date", "2026-10-01")
    assert code == 0
    assert "completed" in out and "stage ingest" in out and "malformed ssn" in out

    code, out, _ = run_cli(home, "runs", "show", "--json")
    report = json.loads(out)
    assert report["totals"]["quarantined_by_reason"] == {"malformed ssn": 1, "missing zip": 1}

    export = tmp_path / "q.csv"
    code, out, _ = run_cli(home, "quarantine", "export", "--date", "2026-10-01", "--out", str(export))
    assert code == 0
    rows = pd.read_csv(export, dtype=str)
    assert rows.columns.tolist() == ["source_file", "row_number", "claim_id", "reason"]
    assert rows["claim_id"].tolist() == ["B", "C"]
    assert rows["reason"].tolist() == ["malformed ssn", "missing zip"]
    assert "12" not in export.read_text().split("\n", 1)[1].replace("2026", "")


def test_a_failing_night_is_reported_with_its_stage(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    batch = tmp_path / "claims_2026-10-03.csv"
    batch.write_text("claim_id\nC1\n")
    code, _, err = run_cli(home, "nightly", "--batch", str(batch))
    assert code == 2
    assert err.strip().count("\n") == 0
    assert err.startswith("claimscreen: error: claims_2026-10-03.csv: missing required column(s): filed_at")
    code, out, _ = run_cli(home, "runs", "show", "--date", "2026-10-03", "--json")
    report = json.loads(out)
    assert report["status"] == "failed"
    assert report["failed_stage"] == "ingest"
    assert "missing required column" in report["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nightly", "--batch", "nope.csv"], "no date in the file name"),
        (["nightly", "--batch", "claims_2026-10-01.csv"], "claims_2026-10-01.csv: no such file"),
        (["runs", "show", "--date", "2026-01-01"], "no run report for 2026-01-01"),
        (["quarantine", "export", "--date", "2026-10-01", "--out", "q.txt"], "must end in .csv or .parquet"),
        (
            ["reference", "load", "martians", "x.csv"],
            "'martians' is not one of 'congregate_addresses', 'deceased'",
        ),
    ],
)
def test_wrong_input_gives_one_line_and_status_2(home: Path, args: list[str], message: str) -> None:
    code, _, err = run_cli(home, *args)
    assert code == 2, err
    assert message in err
    assert err.startswith("claimscreen: error: ")
    assert err.count("\n") == 1


def test_the_demo_runs_end_to_end(
    tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", "demo-key-0123456789abcdef")
    home = tmp_path / "demo"
    code, out, err = run_cli(home, "demo", "--days", "5", "--claims-per-day", "300")
    assert code == 0, err
    assert "Nights" in out and "Largest rings" in out and "Top review cases" in out
    assert "Retraining (on the dispositions decided so far):" in out and "review serve" in out
    assert (home / "lake" / "scores").is_dir()
    # Running it again empties the previous demo first and gives the same nights.
    code, _, _ = run_cli(home, "demo", "--days", "2", "--claims-per-day", "300")
    assert code == 0
    assert len(list((home / "lake" / "manifests").rglob("*.json"))) == 2
    assert not (home / "models" / "v0002").exists()


def test_the_demo_refuses_a_folder_that_is_not_a_demo_home(tmp_path: Path) -> None:
    home = tmp_path / "real"
    (home / "lake").mkdir(parents=True)
    code, _, err = run_cli(home, "demo", "--days", "1")
    assert code == 2
    assert "not empty and not a demo home" in err


def test_a_wrong_settings_file_stops_the_night_in_one_line(home: Path, tmp_path: Path) -> None:
    (home / "settings.toml").write_text("history_days = 0\n")
    batch = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row()])
    code, _, err = run_cli(home, "nightly", "--batch", str(batch))
    assert code == 2
    assert err.startswith("claimscreen: error: ") and "history_days" in err
    assert err.count("\n") == 1
