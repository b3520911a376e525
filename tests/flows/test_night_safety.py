"""Nights that are easy to get wrong: a night without claims, and a file given the wrong night."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from helpers import make_row, run_cli, write_csv

from claimscreen.data.lake import Lake
from claimscreen.data.runs import read_report
from claimscreen.data.schema import CLAIM_COLUMN_NAMES


def test_a_header_only_batch_is_an_empty_night_and_the_next_night_follows(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    first = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row(claim_id="A")])
    empty = tmp_path / "claims_2026-10-02.csv"
    empty.write_text(",".join(CLAIM_COLUMN_NAMES) + "\n")
    third = write_csv(
        tmp_path / "claims_2026-10-03.csv", [make_row(claim_id="B", filed_at="2026-10-03T10:00:00")]
    )
    assert run_cli(home, "nightly", "--batch", str(first))[0] == 0
    code, out, err = run_cli(home, "nightly", "--batch", str(empty))
    assert code == 0, err
    assert "night 2026-10-02: 0 rows read, 0 ingested, 0 quarantined" in out
    report = read_report(home, dt.date(2026, 10, 2))
    assert report is not None and report["status"] == "completed"
    assert report["totals"]["rows_read"] == 0
    # The night after it is not refused as a gap.
    code, _, err = run_cli(home, "nightly", "--batch", str(third))
    assert code == 0, err
    # Its record exists, and is empty.
    out_file = tmp_path / "s.csv"
    code, _, err = run_cli(home, "scores", "export", "--date", "2026-10-02", "--out", str(out_file))
    assert code == 0, err
    assert len(pd.read_csv(out_file)) == 0


def test_a_file_given_the_wrong_night_is_refused_and_runs_on_its_own(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    rows = [make_row(claim_id=f"C{i}", filed_at="2026-10-03T11:00:00") for i in range(3)]
    batch = write_csv(tmp_path / "claims_2026-10-03.csv", rows)
    code, _, err = run_cli(home, "nightly", "--batch", str(batch), "--date", "2026-10-02")
    assert code == 2
    assert err == (
        "claimscreen: error: claims_2026-10-03.csv: 3 of 3 claims were filed after the night "
        "2026-10-02 (3 on 2026-10-03); run it as its own night (--date 2026-10-03). Nothing was written.\n"
    )
    assert Lake(home).manifests() == []
    code, out, err = run_cli(home, "nightly", "--batch", str(batch), "--allow-gap")
    assert code == 0, err
    assert "night 2026-10-03: 3 rows read, 3 ingested, 0 quarantined" in out


def test_a_slow_start_of_prefects_temporary_server_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings.models.root import Settings

    from claimscreen.flows.cli import EPHEMERAL_TIMEOUT_ENV, _quiet_local_prefect

    monkeypatch.setenv(EPHEMERAL_TIMEOUT_ENV, "1")
    monkeypatch.delenv(EPHEMERAL_TIMEOUT_ENV)
    assert Settings().server.ephemeral.startup_timeout_seconds == 20  # Prefect's own default
    _quiet_local_prefect(tmp_path)
    assert Settings().server.ephemeral.startup_timeout_seconds == 120
    # An operator's own choice stays.
    monkeypatch.setenv(EPHEMERAL_TIMEOUT_ENV, "300")
    _quiet_local_prefect(tmp_path)
    assert Settings().server.ephemeral.startup_timeout_seconds == 300
