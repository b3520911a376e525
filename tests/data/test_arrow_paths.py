"""The Arrow forms of the ingest steps: each agrees with its pandas form, and the CSV fast
parse is used only when it reads exactly what the careful parse reads."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from helpers import make_row, write_csv

from claimscreen.data import normalize as nz
from claimscreen.data.ingest import _without_rows
from claimscreen.data.read import read_batch
from claimscreen.data.tokenize import last4, last4_array, tokenize, tokenize_array

VALUES = ["  José  O'Brien ", "123-45-6701", "", None, "٣٣٣-1", "a\tb", "2001:DB8::1", "12345-6789"]

SERIES_AND_ARRAY = [
    (nz.clean_text, nz.clean_text_array),
    (nz.normalize_name, nz.normalize_name_array),
    (nz.canonical_email, nz.canonical_email_array),
    (nz.phone_e164, nz.phone_e164_array),
    (nz.normalize_state, nz.normalize_state_array),
    (nz.ssn_digits, nz.ssn_digits_array),
    (nz.ein_digits, nz.ein_digits_array),
    (nz.routing_number, nz.routing_number_array),
    (nz.account_number, nz.account_number_array),
    (nz.normalize_ip, nz.normalize_ip_array),
    (nz.normalize_language, nz.normalize_language_array),
]


def text(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="str")


def arrow(values: list[str | None]) -> pa.Array:
    return pa.array(values, pa.large_string())


@pytest.mark.parametrize(("series_form", "array_form"), SERIES_AND_ARRAY)
def test_array_form_equals_series_form(series_form, array_form) -> None:  # type: ignore[no-untyped-def]
    expected = series_form(text(VALUES))
    assert pd.Series(array_form(arrow(VALUES)), dtype="str").equals(expected)


def test_a_blank_becomes_null_without_copying_the_strings() -> None:
    values = arrow(["a", "", None, "b"])
    nulled = nz.keep_where(values, pa.array([True, True, True, False]))
    assert nulled.to_pylist() == ["a", "", None, None]
    assert nulled.buffers()[2].address == values.buffers()[2].address


def test_digits_keep_unicode_decimal_digits_as_pandas_did() -> None:
    values = ["٣٣-1", "x²1", "abc", None, "１２"]
    assert nz.digits_only(arrow(values)).to_pylist() == ["٣٣1", "1", None, None, "１２"]


def test_dates_as_date32_match_the_datetime_form() -> None:
    values = ["1980-02-29", "1981-02-29", " 1899-12-31 ", None, "bad"]
    days = nz.parse_date_array(arrow(values)).to_pandas().astype("datetime64[us]")
    assert days.equals(nz.parse_date(text(values)).rename(None))


def test_tokens_match_the_series_form() -> None:
    key = os.urandom(32)
    values = ["123456701", None, "123456701", "0", "021000021:1234"]
    expected = tokenize(text(values), key, "bank_account")
    assert pd.Series(tokenize_array(arrow(values), key, "bank_account"), dtype="str").equals(expected)
    assert tokenize_array(arrow([]), key, "ssn").to_pylist() == []
    assert pd.Series(last4_array(arrow(values)), dtype="str").equals(last4(text(values)))


def test_csv_without_line_breaks_in_values_reads_like_the_careful_parse(tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id=f"C{i}") for i in range(3)])
    raw = read_batch(batch)
    assert raw.table.column("claim_id").to_pylist() == ["C0", "C1", "C2"]
    assert raw.row_numbers.tolist() == [1, 2, 3]
    assert all(column.num_chunks == 1 for column in raw.table.columns)


@pytest.mark.parametrize(
    ("edit", "claim_ids", "row_numbers", "bad_rows"),
    [
        # A blank line is not a record: the careful parse skips it and keeps the numbering.
        (lambda lines: [*lines[:2], "", *lines[2:]], ["C0", "C1", "C2"], [1, 2, 3], []),
        # A short row is a bad row with its record number.
        (lambda lines: [*lines[:2], "C9,x", *lines[2:]], ["C0", "C1", "C2"], [1, 3, 4], [2]),
    ],
)
def test_csv_that_the_fast_parse_cannot_read_exactly_takes_the_careful_parse(
    tmp_path: Path,
    edit,
    claim_ids,
    row_numbers,
    bad_rows,  # type: ignore[no-untyped-def]
) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id=f"C{i}") for i in range(3)])
    batch.write_text("\n".join(edit(batch.read_text().splitlines())) + "\n")
    raw = read_batch(batch)
    assert raw.table.column("claim_id").to_pylist() == claim_ids
    assert raw.row_numbers.tolist() == row_numbers
    assert [number for number, _ in raw.bad_rows] == bad_rows


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id="C1", last_name="Muñoz")])
    batch.write_bytes(b"\xef\xbb\xbf" + batch.read_bytes())
    raw = read_batch(batch)
    assert raw.table.column_names[0] == "claim_id"
    assert raw.frame["claim_id"].tolist() == ["C1"]
    assert raw.frame["last_name"].tolist() == ["Muñoz"]


@pytest.mark.parametrize("dropped", [[], [0], [4], [1, 2], [0, 3, 4], list(range(5))])
def test_dropping_rows_by_runs_equals_a_filter(dropped: list[int]) -> None:
    values = pa.array(["a", None, "ccc", "", "e"], pa.large_string())
    keep = pa.array([i not in dropped for i in range(5)])
    positions = np.array(dropped, dtype=np.int64)
    assert _without_rows(values, positions).equals(values.filter(keep))
    # Past the share that runs are worth, the same rows by a filter.
    many = pa.array(np.arange(5000))
    gone = np.arange(0, 5000, 3)
    assert _without_rows(many, gone).to_pylist() == [i for i in range(5000) if i % 3]
