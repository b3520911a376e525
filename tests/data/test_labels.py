"""Dispositions import: validated rows merge into the lake, the latest decision per claim wins."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from claimscreen.data.errors import InputError
from claimscreen.data.labels import import_labels, read_labels
from claimscreen.data.schema import DISPOSITIONS_SCHEMA

HEADER = "claim_id,outcome,decided_at,source\n"


def write(folder: Path, name: str, rows: str, header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(header + rows, encoding="utf-8")
    return path


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "inbox"


def test_import_stores_one_row_per_claim(home: Path, inbox: Path) -> None:
    rows = "C1,fraud,2026-03-01T10:00:00Z,investigation\nC2,Legitimate,2026-03-02 09:00,audit\n"
    report = import_labels(home, write(inbox, "may.csv", rows))
    assert (report.kind, report.source, report.rows_read, report.rows_loaded) == (
        "dispositions",
        "may.csv",
        2,
        2,
    )
    labels = read_labels(home)
    assert list(labels.columns) == DISPOSITIONS_SCHEMA.names
    assert labels["claim_id"].tolist() == ["C1", "C2"]
    assert labels["outcome"].tolist() == ["fraud", "legitimate"]
    # C2 has no offset: agency time (New York, EST in March before the change) is UTC-5.
    assert labels["decided_at"].tolist() == [utc("2026-03-01 10:00"), utc("2026-03-02 14:00")]
    assert labels["imported_from"].tolist() == ["may.csv", "may.csv"]
    assert labels["decided_by"].isna().all()


def test_reimporting_the_same_file_changes_nothing(home: Path, inbox: Path) -> None:
    source = write(
        inbox, "a.csv", "C1,fraud,2026-03-01T10:00Z,investigation\nC2,legitimate,2026-03-02,audit\n"
    )
    import_labels(home, source)
    first = read_labels(home)
    import_labels(home, source)
    pd.testing.assert_frame_equal(read_labels(home), first)


def test_latest_decision_wins_across_files(home: Path, inbox: Path) -> None:
    import_labels(
        home,
        write(
            inbox,
            "old.csv",
            "C1,legitimate,2026-03-01T10:00Z,audit\nC2,fraud,2026-03-05T10:00Z,investigation\n",
        ),
    )
    import_labels(
        home,
        write(
            inbox,
            "new.csv",
            "C1,fraud,2026-03-09T10:00Z,investigation\nC2,legitimate,2026-03-01T10:00Z,audit\n",
        ),
    )
    labels = read_labels(home).set_index("claim_id")
    assert labels.loc["C1", "outcome"] == "fraud"  # newer decision, newer file
    assert labels.loc["C1", "imported_from"] == "new.csv"
    assert labels.loc["C2", "outcome"] == "fraud"  # the newer file held an older decision
    assert labels.loc["C2", "imported_from"] == "old.csv"


def test_latest_decision_wins_within_a_file(home: Path, inbox: Path) -> None:
    rows = "C1,fraud,2026-03-09T10:00Z,investigation\nC1,legitimate,2026-03-01T10:00Z,audit\n"
    import_labels(home, write(inbox, "a.csv", rows))
    labels = read_labels(home)
    assert labels[["claim_id", "outcome"]].values.tolist() == [["C1", "fraud"]]


def test_decided_by_is_kept_when_given(home: Path, inbox: Path) -> None:
    header = "claim_id,outcome,decided_at,source,decided_by\n"
    import_labels(home, write(inbox, "a.csv", "C1,fraud,2026-03-01T10:00Z,investigation,jdoe\n", header))
    assert read_labels(home)["decided_by"].tolist() == ["jdoe"]


def test_bad_rows_are_rejected_with_reasons(home: Path, inbox: Path) -> None:
    rows = (
        "C1,fraud,2026-03-01T10:00Z,investigation\n"
        "C2,maybe,2026-03-01T10:00Z,investigation\n"
        "C3,fraud,last tuesday,audit\n"
        ",fraud,2026-03-01T10:00Z,audit\n"
        "C5,legitimate,2026-03-01T10:00Z,hunch\n"
    )
    report = import_labels(home, write(inbox, "a.csv", rows))
    assert report.rejected == [
        (2, "unknown outcome"),
        (3, "malformed decided_at"),
        (4, "missing claim_id"),
        (5, "unknown source"),
    ]
    assert report.rows_loaded == 1
    assert read_labels(home)["claim_id"].tolist() == ["C1"]


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        (
            "C1,fraud,2026-03-01\n",
            "claim_id,outcome,decided_at\n",
            "a.csv: missing column(s) source; expected",
        ),
        ("", "", "a.csv: empty file"),
        ("C1,maybe,never,nowhere\n", HEADER, "a.csv: no valid rows, nothing loaded"),
    ],
)
def test_whole_file_problems_raise_and_write_nothing(
    home: Path, inbox: Path, rows: str, header: str, message: str
) -> None:
    with pytest.raises(InputError, match="^" + re.escape(message)) as raised:
        import_labels(home, write(inbox, "a.csv", rows, header))
    assert "\n" not in str(raised.value)
    assert not (home / "lake").exists()


def test_no_labels_reads_empty_with_the_schema_columns(home: Path) -> None:
    labels = read_labels(home)
    assert labels.empty
    assert list(labels.columns) == DISPOSITIONS_SCHEMA.names


def test_a_file_with_no_decisions_is_a_normal_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", "labels-key-0123456789")
    source = tmp_path / "dispositions.csv"
    source.write_text("claim_id,outcome,decided_at,source\n")
    report = import_labels(tmp_path / "home", source)
    assert (report.rows_read, report.rows_loaded) == (0, 0)
