"""`claimscreen retrain`, `scores export` and `models ...` on a few nights run through the flow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import TEST_KEY, run_cli

from claimscreen.data.generate import generate_world
from claimscreen.data.schema import SCORES_EXPORT_COLUMNS


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)
        root = tmp_path_factory.mktemp("three-nights")
        world = generate_world(root / "world", days=3, claims_per_day=400, seed=4, fraud_rate=0.05)
        home = root / "home"
        for batch in sorted(world.batch_files):
            code, _, err = run_cli(home, "nightly", "--batch", str(batch))
            assert code == 0, err
    return home


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)


def test_scores_export_writes_the_contract_columns_the_same_each_time(
    three_nights: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scores.csv"
    code, printed, err = run_cli(three_nights, "scores", "export", "--date", "2026-10-02", "--out", str(out))
    assert code == 0, err
    assert "scores of 2026-10-02" in printed
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns) == [*SCORES_EXPORT_COLUMNS, "reason_text"]
    assert frame["route"].isin(["clear", "verify", "review"]).all()
    first = out.read_bytes()
    run_cli(three_nights, "scores", "export", "--date", "2026-10-02", "--out", str(out))
    assert out.read_bytes() == first
    parquet = tmp_path / "scores.parquet"
    assert run_cli(three_nights, "scores", "export", "--date", "2026-10-02", "--out", str(parquet))[0] == 0
    assert len(pd.read_parquet(parquet)) == len(frame)


def test_scores_export_errors_are_one_line(three_nights: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(
        three_nights, "scores", "export", "--date", "2026-10-02", "--out", str(tmp_path / "x.txt")
    )
    assert code == 2 and "must end in .csv or .parquet" in err and err.count("\n") <= 1
    code, _, err = run_cli(
        three_nights, "scores", "export", "--date", "2030-01-01", "--out", str(tmp_path / "x.csv")
    )
    assert code == 2 and "no scores" in err


def test_the_nightly_command_leaves_no_review_database_connection_open(three_nights: Path) -> None:
    """SQLite removes its WAL and shared-memory files when the last connection closes: a
    connection left open would hold them, and a copy or backup of the home would race them."""
    assert (three_nights / "review.db").exists()
    assert not list(three_nights.glob("review.db-*"))


def test_models_list_show_promote_and_rollback(three_nights: Path, tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(three_nights, home)
    code, printed, _ = run_cli(home, "models", "list")
    assert code == 0 and "* v0001" in printed and "cold-start" in printed
    code, printed, _ = run_cli(home, "models", "show")
    assert code == 0 and '"sha256"' in printed
    code, _, err = run_cli(home, "models", "promote", "v0009", "--reason", "test")
    assert code == 2 and "no model version 'v0009'" in err
    code, _, err = run_cli(home, "models", "rollback", "--reason", "test")
    assert code == 2 and "no earlier champion" in err


def test_retrain_with_too_few_labels_keeps_the_champion(three_nights: Path, tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(three_nights, home)
    code, printed, err = run_cli(home, "retrain")
    assert code == 0, err
    assert "retraining: kept" in printed and "v0001 -> v0001" in printed
    code, printed, _ = run_cli(home, "retrain", "--json")
    assert code == 0 and '"status": "kept"' in printed
