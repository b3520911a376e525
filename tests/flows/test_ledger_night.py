"""The claimant ledger in the night's run report: a stage of its own, shown by `runs show`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from helpers import make_row, run_cli, write_csv

NIGHT = dt.date(2026, 10, 1)


def test_the_nights_report_holds_its_ledger_and_the_waiting_curves(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    rows = [
        make_row(claim_id=f"C-{i}", ssn=f"123-45-{6780 + i}", first_name=f"Ann{'a' * i}") for i in range(4)
    ]
    code, out, err = run_cli(
        home, "nightly", "--batch", str(write_csv(tmp_path / f"claims_{NIGHT}.csv", rows))
    )
    assert code == 0, err
    report = json.loads((home / "runs" / f"{NIGHT}.json").read_text())
    assert report["stages"][-1]["name"] == "ledger"
    ledger = report["stages"][-1]["details"]
    assert list(ledger["nights"]) == [str(NIGHT)]
    assert ledger["window"]["claims"] == 4
    assert set(ledger["by_language"]) == {"en"}
    assert ledger["lookback_alerts"] == {"alerts": 0, "claims": 0}
    assert (home / "runs" / ledger["wait_plot"]).read_bytes().startswith(b"\x89PNG")
    assert "  ledger (claims of 2026-10-01 on" in out  # the command says it too

    code, shown, err = run_cli(home, "runs", "show", "--date", str(NIGHT))
    assert code == 0, err
    assert "  ledger (claims of 2026-10-01 on" in shown
    assert "  ledger: look-back alerts tonight: 0 on 0 paid claims" in shown
    assert "  ledger by age band: " in shown
