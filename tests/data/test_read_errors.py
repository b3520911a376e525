"""What a batch file that cannot be read is told by: its line, never its content; and a
declared encoding for extracts from older systems."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_row, write_csv

from claimscreen.data.errors import InputError
from claimscreen.data.read import check_batch_file, check_encoding, read_batch


def test_a_line_that_is_not_utf8_is_named_and_nothing_is_printed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id=f"C{i}") for i in range(4)])
    lines = batch.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"Maria", b"Mar\xeda")  # Latin-1's i-acute in a UTF-8 file
    batch.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as raised:
        read_batch(batch)
    assert str(raised.value) == (
        "b.csv: line 4 is not UTF-8 text (byte 0xed at position 42); "
        "convert the extract to UTF-8 or name its encoding with --encoding (e.g. cp1252)"
    )
    assert "Mar" not in str(raised.value)
    # Arrow's bad-row handler cannot decode the row; Python's "Exception ignored" is not printed.
    assert capfd.readouterr().err == ""


def test_a_declared_encoding_reads_an_older_systems_extract(tmp_path: Path) -> None:
    batch = tmp_path / "b.csv"
    rows = [make_row(claim_id="C1", last_name="Muñoz", city="Cañon City", state="CO", zip="81212")]
    write_csv(batch, rows)
    batch.write_bytes(batch.read_bytes().decode("utf-8").encode("cp1252"))
    with pytest.raises(InputError, match="line 2 is not UTF-8 text"):
        read_batch(batch)
    raw = read_batch(batch, encoding="cp1252")
    assert raw.frame["last_name"].tolist() == ["Muñoz"]
    assert raw.frame["city"].tolist() == ["Cañon City"]
    check_batch_file(batch, "cp1252")


def test_a_declared_encoding_reads_json_lines_too(tmp_path: Path) -> None:
    import json

    batch = tmp_path / "b.jsonl"
    batch.write_bytes((json.dumps(make_row(last_name="Muñoz"), ensure_ascii=False) + "\n").encode("latin-1"))
    with pytest.raises(InputError, match=r"b\.jsonl: line 1 is not UTF-8 text"):
        read_batch(batch)
    assert read_batch(batch, encoding="latin-1").frame["last_name"].tolist() == ["Muñoz"]


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("klingon", "unknown encoding 'klingon' (e.g. utf-8, cp1252, latin-1)"),
        ("utf-16", "encoding 'utf-16' is not ASCII-compatible; convert the extract to UTF-8"),
    ],
)
def test_an_encoding_that_cannot_work_is_refused_in_one_line(encoding: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        check_encoding(encoding)
    assert str(raised.value) == message


def test_a_quote_that_never_closes_names_the_line_its_record_starts_on(tmp_path: Path) -> None:
    rows = [make_row(claim_id=f"C{i}") for i in range(3)]
    batch = write_csv(tmp_path / "b.csv", rows)
    lines = batch.read_text().splitlines()
    lines[2] = lines[2].replace("Maria", '"Maria')
    batch.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as raised:
        read_batch(batch)
    assert str(raised.value) == (
        "b.csv: the record that starts on line 3 is unreadable CSV "
        "(unexpected end of data: a quote that never closes?); nothing was read"
    )
