"""`claimscreen labels import`: dispositions naming claim ids never received load, with a warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import make_row, run_cli, write_csv

from claimscreen.data.ingest import ingest_batch
from claimscreen.data.labels import read_labels

HEADER = "claim_id,outcome,decided_at,source\n"


def dispositions(folder: Path, claim_ids: list[str]) -> Path:
    path = folder / "dispositions.csv"
    rows = "".join(f"{c},fraud,2026-10-05T10:00Z,investigation\n" for c in claim_ids)
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


@pytest.fixture
def received(home: Path, tmp_path: Path) -> Path:
    """A home whose lake holds claims A and B (and a quarantined Q, which does not count)."""
    rows = [
        make_row(claim_id="A"),
        make_row(claim_id="B", ssn="987-65-4321"),
        make_row(claim_id="Q", ssn="1"),
    ]
    ingest_batch(home, write_csv(tmp_path / "claims_2026-10-01.csv", rows), dt.date(2026, 10, 1))
    return home


def test_unknown_claim_ids_are_loaded_with_a_warning(received: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(
        received, "labels", "import", str(dispositions(tmp_path, ["A", "X1", "B", "Q", "X2"]))
    )
    assert code == 0, err
    assert out == "dispositions: 5 of 5 rows loaded from dispositions.csv\n"
    assert err == "warning: 3 of 5 dispositions name claim ids never received (first: X1)\n"
    assert sorted(read_labels(received)["claim_id"]) == ["A", "B", "Q", "X1", "X2"]


def test_known_claim_ids_load_without_a_warning(received: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(received, "labels", "import", str(dispositions(tmp_path, ["A", "B"])))
    assert code == 0 and err == ""
    assert out == "dispositions: 2 of 2 rows loaded from dispositions.csv\n"


def test_a_claim_id_shaped_like_an_ssn_is_never_echoed(home: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(home, "labels", "import", str(dispositions(tmp_path, ["123-45-6789", "C9"])))
    assert code == 0
    assert err == (
        "warning: 2 of 2 dispositions name claim ids never received (first: withheld: it looks like an SSN)\n"
    )


def test_a_header_only_file_warns_of_nothing(home: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(home, "labels", "import", str(dispositions(tmp_path, [])))
    assert code == 0 and err == ""
    assert out == "dispositions: 0 of 0 rows loaded from dispositions.csv\n"
