"""`claimscreen verify export|import` and `claimscreen status export` from the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from claimant_world import scored_night
from helpers import run_cli


def test_a_verify_claim_that_passes_is_cleared_and_one_that_fails_is_in_review(
    home: Path, tmp_path: Path
) -> None:
    scored_night(home, tmp_path)
    requests = tmp_path / "verify.csv"
    code, out, err = run_cli(home, "verify", "export", "--date", "2026-10-01", "--out", str(requests))
    assert code == 0, err
    assert out == f"3 verify claims of 2026-10-01 written to {requests}\n"
    exported = pd.read_csv(requests, dtype=str)
    assert exported.columns.tolist() == ["claim_id", "checks", "reasons", "requested_at"]
    assert exported.set_index("claim_id")["checks"].to_dict() == {
        "C-id": "identity",
        "C-bank": "identity;bank_account",
        "C-quiet": "identity",
    }

    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text(
        "claim_id,check,outcome,decided_at,provider\n"
        "C-id,identity,passed,2026-10-02T08:00:00Z,login.gov\n"
        "C-bank,bank_account,failed,2026-10-02T10:00:00Z,bankcheck\n"
    )
    code, out, err = run_cli(home, "verify", "import", str(outcomes))
    assert code == 0, err
    assert out == "outcomes.csv: 2 outcomes read (1 failed, 1 passed), 2 new\n"

    ledger = tmp_path / "status.csv"
    code, out, err = run_cli(home, "status", "export", "--out", str(ledger), "--as-of", "2026-10-02")
    assert code == 0, err
    status = pd.read_csv(ledger, dtype=str).set_index("claim_id")
    assert status.columns.tolist() == ["filed_at", "status", "status_since", "hours_waited"]
    assert status.loc["C-id", "status"] == "cleared"
    assert status.loc["C-bank", "status"] == "in_review"
    assert status.loc["C-quiet", "status"] == "verifying"
    assert "5 claims written" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "export", "--date", "2026-10-05", "--out", "v.csv"], "night 2026-10-05 has no scores"),
        (["verify", "export", "--date", "2026-10-01", "--out", "v.txt"], "must end in .csv or .parquet"),
        (["verify", "import", "nope.csv"], "nope.csv: no such file"),
        (["status", "export", "--out", "s.csv", "--as-of", "soon"], "'soon' is not a date"),
    ],
)
def test_wrong_input_is_one_line(home: Path, tmp_path: Path, args: list[str], message: str) -> None:
    scored_night(home, tmp_path)
    code, _, err = run_cli(home, *args)
    assert code == 2, err
    assert err.startswith("claimscreen: error: ")
    assert message in err
    assert err.count("\n") == 1
