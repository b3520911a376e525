"""Writing tables: CSV, JSON lines and one batch file per night."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from claimscreen.data.generate.arrays import Arr

__all__ = ["write_batches", "write_csv"]


def blank_to_null(table: pa.Table) -> pa.Table:
    """Empty strings become nulls, so CSV writes them as nothing rather than ``""``."""
    columns = [
        pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        if pa.types.is_string(col.type)
        else col
        for col in table.columns
    ]
    return pa.table(columns, names=table.column_names)


def write_csv(table: pa.Table, path: Path) -> Path:
    pcsv.write_csv(blank_to_null(table), path)
    return path


def write_jsonl(table: pa.Table, path: Path) -> Path:
    frame = table.to_pandas()
    path.write_text(frame.to_json(orient="records", lines=True, force_ascii=False), encoding="utf-8")
    return path


def write_batches(
    columns: dict[str, pa.Array], day: Arr, start: datetime.date, out: Path, fmt: str
) -> list[Path]:
    """One file per day, ``batches/claims_YYYY-MM-DD.<fmt>``, rows in filing order."""
    folder = out / "batches"
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(columns)
    if fmt == "csv":
        table = table.set_column(
            table.schema.get_field_index("session_seconds"),
            "session_seconds",
            pc.cast(table["session_seconds"], pa.string()),
        )
    bounds = np.r_[0, np.cumsum(np.bincount(day, minlength=int(day.max(initial=0)) + 1))]
    paths = []
    for d in range(len(bounds) - 1):
        part = table.slice(int(bounds[d]), int(bounds[d + 1] - bounds[d]))
        path = folder / f"claims_{start + datetime.timedelta(days=d)}.{fmt}"
        if fmt == "parquet":
            pq.write_table(part, path)
        elif fmt == "jsonl":
            write_jsonl(part, path)
        else:
            write_csv(part, path)
        paths.append(path)
    return paths
