"""`claimscreen reference load`: a file with too many rejected rows is refused (the list stays)
unless --force; the rejected rows' numbers and reasons, never a value, go to a rejects file."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from helpers import run_cli

from claimscreen.data.reference import read_reference

GOOD_LIST = "ssn,date_of_death\n123-45-6789,2025-12-01\n987-65-4321,2026-01-15\n"
REASONS = "(malformed ssn x100, malformed date_of_death x6)"


def ssn(i: int) -> str:
    return f"{101 + i:03d}-{11 + i % 80:02d}-{1001 + i:04d}"


def deceased_file(folder: Path, rows: int, bad_ssn: int, bad_date: int) -> Path:
    """``rows`` rows: the first ``bad_ssn`` with a malformed SSN (a real one and an x), the next
    ``bad_date`` with an impossible date, the rest good."""
    lines = ["ssn,date_of_death"]
    for i in range(rows):
        if i < bad_ssn:
            lines.append(f"{ssn(i)}x,2025-12-01")
        elif i < bad_ssn + bad_date:
            lines.append(f"{ssn(i)},2026-02-30")
        else:
            lines.append(f"{ssn(i)},2025-12-01")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "deceased.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rejects_named_in(message: str) -> Path:
    found = re.search(r"rejected rows in (\S+?\.csv)", message)
    assert found, message
    return Path(found.group(1))


def assert_no_raw_ssn(path: Path, rows: int) -> None:
    text = path.read_text(encoding="utf-8")
    for i in range(rows):
        assert ssn(i) not in text and ssn(i).replace("-", "") not in text, path


def test_a_mostly_bad_file_is_refused_and_the_list_is_unchanged(home: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.csv").write_text(GOOD_LIST, encoding="utf-8")
    assert run_cli(home, "reference", "load", "deceased", str(inbox / "good.csv"))[0] == 0
    before = (home / "lake" / "reference" / "deceased.parquet").read_bytes()

    code, out, err = run_cli(home, "reference", "load", "deceased", str(deceased_file(inbox, 210, 100, 6)))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    rejects = rejects_named_in(err)
    assert err == (
        f"claimscreen: error: deceased.csv: 106 of 210 rows rejected {REASONS}, more than the 5% "
        "allowed by [reference] max_rejected_share; the deceased list is unchanged; rejected rows "
        f"in {rejects}; correct the file, or load it anyway with --force\n"
    )
    assert (home / "lake" / "reference" / "deceased.parquet").read_bytes() == before
    assert len(read_reference(home, "deceased")) == 2

    assert rejects.parent == home.resolve() / "rejects"
    written = pd.read_csv(rejects, dtype=str)
    assert written.columns.tolist() == ["source_file", "row_number", "reason"]
    assert written["row_number"].astype(int).tolist() == list(range(1, 107))
    assert written["reason"].value_counts().to_dict() == {"malformed ssn": 100, "malformed date_of_death": 6}
    assert set(written["source_file"]) == {"deceased.csv"}
    assert_no_raw_ssn(rejects, 210)
    for line in (out, err):
        assert not re.search(r"\d{3}-?\d{2}-?\d{4}", line.replace(str(rejects), ""))


def test_force_loads_the_good_rows_and_names_the_rejects_file(home: Path, tmp_path: Path) -> None:
    source = deceased_file(tmp_path / "inbox", 210, 100, 6)
    code, out, err = run_cli(home, "reference", "load", "deceased", str(source), "--force")
    assert code == 0, err
    rejects = rejects_named_in(out)
    assert out == (
        f"deceased: 104 of 210 rows loaded from deceased.csv; 106 rejected {REASONS}; "
        f"rejected rows in {rejects}\n"
    )
    assert len(read_reference(home, "deceased")) == 104
    assert_no_raw_ssn(rejects, 210)


def test_a_few_rejects_load_and_the_message_names_the_rejects_file(home: Path, tmp_path: Path) -> None:
    source = deceased_file(tmp_path / "inbox", 100, 2, 0)
    code, out, err = run_cli(home, "reference", "load", "deceased", str(source))
    assert code == 0, err
    rejects = rejects_named_in(out)
    assert out == (
        "deceased: 98 of 100 rows loaded from deceased.csv; 2 rejected (malformed ssn x2); "
        f"rejected rows in {rejects}\n"
    )
    assert pd.read_csv(rejects)["row_number"].tolist() == [1, 2]
    assert_no_raw_ssn(rejects, 100)
    # a second load in the same second keeps the first rejects file
    code, out, err = run_cli(home, "reference", "load", "deceased", str(source))
    assert code == 0, err
    assert rejects_named_in(out) != rejects and rejects.exists()


def test_a_clean_file_writes_no_rejects_file(home: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(home, "reference", "load", "deceased", str(deceased_file(tmp_path, 20, 0, 0)))
    assert code == 0, err
    assert out == "deceased: 20 of 20 rows loaded from deceased.csv\n"
    assert not (home / "rejects").exists()


def test_the_share_is_a_setting(home: Path, tmp_path: Path) -> None:
    (home / "settings.toml").write_text("[reference]\nmax_rejected_share = 0.6\n", encoding="utf-8")
    code, out, err = run_cli(home, "reference", "load", "deceased", str(deceased_file(tmp_path, 210, 100, 6)))
    assert code == 0, err
    assert out.startswith("deceased: 104 of 210 rows loaded")

    (home / "settings.toml").write_text("[reference]\nmax_rejected_share = 0\n", encoding="utf-8")
    code, _, err = run_cli(home, "reference", "load", "deceased", str(deceased_file(tmp_path, 100, 1, 0)))
    assert code == 2 and "1 of 100 rows rejected (malformed ssn x1), more than the 0% allowed" in err


@pytest.mark.parametrize("value", ["1.5", "-0.1", '"many"'])
def test_a_wrong_share_is_refused_in_one_line(home: Path, tmp_path: Path, value: str) -> None:
    (home / "settings.toml").write_text(f"[reference]\nmax_rejected_share = {value}\n", encoding="utf-8")
    code, _, err = run_cli(home, "reference", "load", "deceased", str(deceased_file(tmp_path, 5, 0, 0)))
    assert code == 2 and err.count("\n") == 1
    assert "reference.max_rejected_share" in err
