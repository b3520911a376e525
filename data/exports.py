"""Exports for people and other systems, as CSV or Parquet, and the one CSV writer they share.

Every CSV that claimscreen writes for a person (the scores, the quarantine, the
dispositions, a reference list's rejected rows) goes through :func:`write_csv`,
which neutralizes spreadsheet formulas (OWASP "CSV injection"): a text cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
quote ``'`` in front, so a spreadsheet shows it as text instead of running it.
Only text columns are touched: a negative number stays a number. Parquet output
is written exactly as it is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake, atomic_target, write_parquet
from claimscreen.data.schema import QUARANTINE_EXPORT_COLUMNS, QUARANTINE_SCHEMA

__all__ = ["FORMULA_STARTS", "csv_safe", "export_format", "export_quarantine", "write_csv", "write_export"]

EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet"}


def export_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InputError(f"{Path(path).name}: the output must end in .csv or .parquet")
    return EXPORT_FORMATS[suffix]


#: What a text cell may begin with that a spreadsheet reads as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = r"^[=+\-@\t\r]"


def neutralize_text(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text values with a ``'`` put in front of each one that begins like a formula; nulls stay."""
    starts = pc.match_substring_regex(values, _FORMULA_START)
    quoted = pc.binary_join_element_wise(pa.scalar("'", values.type), values, pa.scalar("", values.type))
    return pc.if_else(starts, quoted, values)


def csv_safe(table: pa.Table) -> pa.Table:
    """``table`` with every text column neutralized (:func:`neutralize_text`); others unchanged."""
    for index, column in enumerate(table.schema):
        kind = column.type
        if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
            kind = kind.value_type
        if _is_text(kind):
            values = table.column(index).cast(kind)
            table = table.set_column(index, column.with_type(kind), neutralize_text(values))
    return table


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def write_csv(table: pa.Table | pd.DataFrame, path: Path) -> None:
    """Write ``table`` atomically as a CSV safe to open in a spreadsheet (:func:`csv_safe`)."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    with atomic_target(Path(path)) as tmp:
        pacsv.write_csv(csv_safe(table), tmp)


def write_export(table: pa.Table | pd.DataFrame, path: Path) -> None:
    """Write ``table`` atomically as CSV (:func:`write_csv`) or Parquet (exact), by the file's extension."""
    kind = export_format(path)
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    if kind == "parquet":
        write_parquet(Path(path), table)
        return
    write_csv(table, path)


def quarantine_rows(home: Path, batch_date: dt.date) -> pd.DataFrame:
    """The rows of one night that were not scored: source_file, row_number, claim_id, reason."""
    frame = Lake(home).read_zone("quarantine", batch_date, schema=QUARANTINE_SCHEMA)
    frame = frame.sort_values(["source_file", "row_number"], kind="stable")
    return frame[list(QUARANTINE_EXPORT_COLUMNS)].reset_index(drop=True)


def export_quarantine(home: Path, batch_date: dt.date, out: Path) -> int:
    """Write one night's quarantine to ``out``; returns the number of rows."""
    export_format(out)
    rows = quarantine_rows(home, batch_date)
    write_export(rows, out)
    return len(rows)
