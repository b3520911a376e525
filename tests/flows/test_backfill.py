"""``claimscreen backfill``: nights in order from an inbox, done nights skipped, gaps and failures named."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from helpers import make_row, run_cli, write_csv


def fill_inbox(inbox: Path, days: list[int]) -> None:
    for day in days:
        night = dt.date(2026, 10, day)
        write_csv(inbox / f"claims_{night}.csv", [make_row(claim_id=f"C{day}", ssn=f"123-45-{6700 + day}")])


def status(home: Path, day: int) -> str:
    return str(json.loads((home / "runs" / f"2026-10-0{day}.json").read_text())["status"])


def test_a_backfill_runs_the_missing_nights_in_order_and_skips_done_ones(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    inbox = tmp_path / "inbox"
    fill_inbox(inbox, [1, 2, 3])
    code, _, err = run_cli(home, "nightly", "--batch", str(inbox / "claims_2026-10-01.csv"))
    assert code == 0, err
    code, out, err = run_cli(
        home, "backfill", "--from", "2026-10-01", "--to", "2026-10-03", "--inbox", str(inbox)
    )
    assert code == 0, err
    assert "night 2026-10-01: already completed, skipped" in out
    assert out.index("night 2026-10-02: 1 rows read") < out.index("night 2026-10-03: 1 rows read")
    assert "backfill 2026-10-01 to 2026-10-03: 2 nights run, 1 already completed" in out
    assert [status(home, d) for d in (1, 2, 3)] == ["completed"] * 3
    # Once done, the same backfill runs nothing.
    code, out, _ = run_cli(
        home, "backfill", "--from", "2026-10-01", "--to", "2026-10-03", "--inbox", str(inbox)
    )
    assert code == 0
    assert "0 nights run, 3 already completed" in out


def test_a_night_without_a_file_stops_the_backfill_before_it_starts(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    inbox = tmp_path / "inbox"
    fill_inbox(inbox, [1, 3])
    code, _, err = run_cli(
        home, "backfill", "--from", "2026-10-01", "--to", "2026-10-03", "--inbox", str(inbox)
    )
    assert code == 2
    assert err.startswith(f"claimscreen: error: no batch file in {inbox} for 2026-10-02 (named claims_")
    assert err.count("\n") == 1
    assert not (home / "runs").exists()
    code, out, err = run_cli(
        home, "backfill", "--from", "2026-10-01", "--to", "2026-10-03", "--inbox", str(inbox), "--allow-gap"
    )
    assert code == 0, err
    assert "night 2026-10-02: no batch file in the inbox, skipped (--allow-gap)" in out
    assert [status(home, d) for d in (1, 3)] == ["completed", "completed"]


def test_a_failing_night_stops_the_backfill_naming_the_night_and_stage(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    inbox = tmp_path / "inbox"
    fill_inbox(inbox, [1, 3])
    (inbox / "claims_2026-10-02.csv").write_text("claim_id\nC2\n")
    code, _, err = run_cli(
        home, "backfill", "--from", "2026-10-01", "--to", "2026-10-03", "--inbox", str(inbox)
    )
    assert code == 2
    assert err.startswith(
        "claimscreen: error: night 2026-10-02 failed in stage ingest: claims_2026-10-02.csv: "
        "missing required column(s): filed_at"
    )
    assert err.count("\n") == 1
    assert status(home, 1) == "completed"
    assert status(home, 2) == "failed"
    assert not (home / "runs" / "2026-10-03.json").exists()
