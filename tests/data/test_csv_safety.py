"""Every CSV a person may open in a spreadsheet neutralizes formulas (OWASP CSV injection);
Parquet stays exact; numbers stay numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import make_row, run_cli, write_csv

from claimscreen.data.exports import FORMULA_STARTS, csv_safe, write_export
from claimscreen.data.ingest import ingest_batch

NIGHT = dt.date(2026, 10, 1)
FORMULA = '=HYPERLINK("http://x")'


def test_text_cells_that_start_a_formula_get_a_quote_and_numbers_stay_numbers(tmp_path: Path) -> None:
    texts = [FORMULA, "+1 614", "-2", "@SUM(A1)", "\tx", "\rx", "plain", None, "a=b", ""]
    table = pa.table(
        {
            "claim_id": pa.array(texts, pa.string()),
            "reason": pa.array(texts, pa.large_string()),
            "route": pa.array(["clear"] * len(texts)).dictionary_encode(),
            "risk_score": pa.array([-0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]),
            "row_number": pa.array(range(-1, len(texts) - 1), pa.int64()),
        }
    )
    target = tmp_path / "out.csv"
    write_export(table, target)
    back = pd.read_csv(target, dtype={"claim_id": str, "reason": str}, keep_default_na=False)
    expected = ["'" + FORMULA, "'+1 614", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain", "", "a=b", ""]
    assert back["claim_id"].tolist() == expected
    assert back["reason"].tolist() == expected
    assert back["route"].tolist() == ["clear"] * len(texts)
    assert back["risk_score"].tolist()[0] == -0.5 and back["row_number"].tolist()[0] == -1
    assert target.read_text().splitlines()[1].endswith(",-0.5,-1")  # written as numbers, no quote
    assert {t[0] for t in expected if t.startswith("'")} == {"'"} and len(FORMULA_STARTS) == 6


def test_parquet_output_stays_exact(tmp_path: Path) -> None:
    table = pa.table({"claim_id": [FORMULA, "-2", "plain"], "risk_score": [-0.5, 0.1, 0.2]})
    target = tmp_path / "out.parquet"
    write_export(table, target)
    assert pq.read_table(target).to_pydict() == table.to_pydict()
    assert csv_safe(table).column("risk_score").to_pylist() == [-0.5, 0.1, 0.2]


def test_quarantine_export_neutralizes_a_formula_claim_id(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row(claim_id=FORMULA, ssn="12")])
    ingest_batch(home, batch, NIGHT)
    out = tmp_path / "q.csv"
    code, _, err = run_cli(home, "quarantine", "export", "--date", NIGHT.isoformat(), "--out", str(out))
    assert code == 0, err
    rows = pd.read_csv(out, dtype=str)
    assert rows["claim_id"].tolist() == ["'" + FORMULA]
    assert rows["reason"].tolist() == ["malformed ssn"]
    assert out.read_text().splitlines()[1].split(",")[1] == "1"  # row_number stays a number
    exact = tmp_path / "q.parquet"
    code, _, err = run_cli(home, "quarantine", "export", "--date", NIGHT.isoformat(), "--out", str(exact))
    assert code == 0, err
    assert pq.read_table(exact).column("claim_id").to_pylist() == [FORMULA]


def test_export_dispositions_neutralizes_a_formula_claim_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = pd.Timestamp("2026-10-02T15:00:00Z")
    frame = pd.DataFrame(
        {
            "claim_id": [FORMULA, "C2"],
            "outcome": ["fraud", "legitimate"],
            "decided_at": [decided, decided],
            "source": ["investigation", "audit"],
            "decided_by": ["@alice", "bob"],
        }
    )
    with_cents = frame.assign(overpayment_cents=pd.array([None, 12345], dtype="Int64"))
    monkeypatch.setattr(
        "claimscreen.review.dispositions.decisions_as_dispositions",
        lambda home, overpayment=False: with_cents if overpayment else frame,
    )
    out = tmp_path / "dispositions.csv"
    code, stdout, err = run_cli(tmp_path / "home", "review", "export-dispositions", "--out", str(out))
    assert code == 0, err
    assert "2 dispositions written" in stdout
    written = pd.read_csv(out, dtype=str)
    assert written.columns.tolist() == [
        "claim_id", "outcome", "decided_at", "source", "decided_by", "overpayment"
    ]  # fmt: skip
    assert written["overpayment"].fillna("").tolist() == ["", "123.45"]
    assert written["claim_id"].tolist() == ["'" + FORMULA, "C2"]
    assert written["decided_by"].tolist() == ["'@alice", "bob"]
    assert written["decided_at"].tolist() == [decided.isoformat()] * 2


def write_scores(home: Path, claim_id: str) -> None:
    """One night's scores file holding one claim (what the score stage writes)."""
    from claimscreen.data.lake import Lake
    from claimscreen.data.schema import SCORES_SCHEMA

    values = {
        "claim_id": claim_id,
        "batch_date": NIGHT,
        "risk_score": 0.9,
        "route": "review",
        "reasons": "DECEASED",
        "ring_id": None,
        "ring_size": 1,
        "identity_id": "-I1",
        "model_version": "v0001",
        "reason_text": ["The SSN belongs to a person reported deceased."],
        "case_id": f"claim:{claim_id}",
        "audit_sample": False,
        "rule_hit": True,
        "model_score": 0.0,
        "anomaly_score": -0.25,
        "held_back": "",
    }
    table = pa.Table.from_pylist([values], schema=SCORES_SCHEMA)
    Lake(home).write_table(Lake(home).scores_path(NIGHT), table)


def test_scores_export_neutralizes_a_formula_claim_id(home: Path, tmp_path: Path) -> None:
    write_scores(home, FORMULA)
    exact = tmp_path / "s.parquet"
    code, _, err = run_cli(home, "scores", "export", "--date", NIGHT.isoformat(), "--out", str(exact))
    assert code == 0, err
    assert pq.read_table(exact).column("claim_id").to_pylist() == [FORMULA]
    out = tmp_path / "s.csv"
    code, _, err = run_cli(home, "scores", "export", "--date", NIGHT.isoformat(), "--out", str(out))
    assert code == 0, err
    rows = pd.read_csv(out, dtype={"claim_id": str, "identity_id": str})
    assert rows["risk_score"].tolist() == [0.9] and rows["ring_size"].tolist() == [1]  # numbers stay numbers
    assert rows["identity_id"].tolist() == ["'-I1"]
    assert rows["claim_id"].tolist() == ["'" + FORMULA]
