"""Exports for people and other systems: one night's quarantine (later: scores), as CSV or Parquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake, atomic_target, write_parquet
from claimscreen.data.schema import QUARANTINE_EXPORT_COLUMNS, QUARANTINE_SCHEMA

EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet"}


def export_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InputError(f"{Path(path).name}: the output must end in .csv or .parquet")
    return EXPORT_FORMATS[suffix]


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` atomically as CSV or Parquet, by the file's extension."""
    kind = export_format(path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if kind == "parquet":
        write_parquet(Path(path), table)
        return
    with atomic_target(Path(path)) as tmp:
        pacsv.write_csv(table, tmp)


def quarantine_rows(home: Path, batch_date: dt.date) -> pd.DataFrame:
    """The rows of one night that were not scored: source_file, row_number, claim_id, reason."""
    frame = Lake(home).read_zone("quarantine", batch_date, schema=QUARANTINE_SCHEMA)
    frame = frame.sort_values(["source_file", "row_number"], kind="stable")
    return frame[list(QUARANTINE_EXPORT_COLUMNS)].reset_index(drop=True)


def export_quarantine(home: Path, batch_date: dt.date, out: Path) -> int:
    """Write one night's quarantine to ``out``; returns the number of rows."""
    export_format(out)
    rows = quarantine_rows(home, batch_date)
    write_frame(rows, out)
    return len(rows)
