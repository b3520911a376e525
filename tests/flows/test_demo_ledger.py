"""The demo's simulated claimants after the night: verification answers, scheduled runs, the ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from claimant_world import NIGHT
from helpers import make_row, run_cli, write_csv

from claimscreen.data.lake import Lake
from claimscreen.flows.demo import receive_batch, simulate_outcomes
from claimscreen.models.verification import night_run_times


def requests(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": [f"C{i}" for i in range(n)],
            "checks": ["identity;bank_account"] * n,
            "reasons": ["RING_BANK_ACCOUNT;SHORT_SESSION"] * n,
            "requested_at": pd.Timestamp("2026-10-02T04:15:00Z"),
        }
    )


def test_honest_claimants_mostly_pass_within_a_day_and_fraud_never_passes() -> None:
    asked = requests(2000)
    fraud = pd.Series([i % 2 == 0 for i in range(2000)], index=asked["claim_id"])
    answers = simulate_outcomes(asked, fraud, np.random.default_rng(7))
    assert answers.columns.tolist() == ["claim_id", "check", "outcome", "decided_at", "provider"]
    assert len(answers) == 4000  # both checks of every claim
    per_claim = answers.drop_duplicates("claim_id").set_index("claim_id")
    after = (
        pd.to_datetime(per_claim["decided_at"]) - pd.Timestamp("2026-10-02T04:15:00Z")
    ).dt.total_seconds()
    honest = ~fraud.reindex(per_claim.index).to_numpy()
    passed_in_a_day = (per_claim["outcome"] == "passed").to_numpy() & (after <= 24 * 3600).to_numpy()
    assert passed_in_a_day[honest].mean() > 0.88
    assert set(per_claim.loc[~honest, "outcome"]) == {"failed", "no_response"}
    # The same seed gives the same answers.
    again = simulate_outcomes(asked, fraud, np.random.default_rng(7))
    pd.testing.assert_frame_equal(answers, again)


def test_a_received_batch_is_dated_at_its_scheduled_run(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row(claim_id="C-1")])
    receive_batch(home, batch, NIGHT)
    # The night ends at midnight New York (04:00 UTC); the schedule runs it 15 minutes later.
    assert night_run_times(Lake(home)) == {NIGHT: pd.Timestamp("2026-10-02T04:15:00Z")}


def test_the_demo_prints_the_ledger_and_the_look_back(
    tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", "demo-key-0123456789abcdef")
    home = tmp_path / "demo"
    code, out, err = run_cli(home, "demo", "--days", "4", "--claims-per-day", "200")
    assert code == 0, err
    assert "Verification outcomes loaded (simulated answers per check): " in out
    assert "Claimant ledger (claims of 2026-10-01 to 2026-10-04): " in out
    assert "honest-looking claims released within 24 hours of filing; p95 wait of the " in out
    assert "ledger: look-back alerts tonight: " in out and "look-back alerts over all nights: " in out
    runs = night_run_times(Lake(home))
    assert runs[dt.date(2026, 10, 4)] == pd.Timestamp("2026-10-05T04:15:00Z")
    assert (home / "runs" / "2026-10-04-waits.png").exists()
