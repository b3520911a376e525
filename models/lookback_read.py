"""Look-back's reads of the benefit year: only the rows holding wanted keys.

The work follows the changes, not the history: the lake's files of the nights checked are
read a few key columns at a time and matched with Arrow's hash kernel
(``pyarrow.compute.is_in``) against the night's change keys; only the few matching rows
become a DataFrame (:func:`matching`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.lake import Lake

__all__ = [
    "BATCH_ROWS",
    "claims_parts",
    "match_batch",
    "matching",
    "night_of",
    "queue_parts",
    "rows_of",
    "scores_parts",
]

#: Rows read before they are matched at once: each match builds its value set's hash table
#: once per batch (tonight's million SSNs), so larger batches cost fewer builds (10 x 1M rows:
#: 3.7 s of CPU one file at a time, 1.6 s in one batch) and more memory.
BATCH_ROWS = 4_000_000


def matching(
    lake: Lake,
    parts: list[tuple[dt.date, Path]],
    keys: dict[str, pa.Array],
    columns: list[str],
    clear_only: bool = False,
) -> pd.DataFrame:
    """``columns`` (and ``first_scored``, the part's night) of the rows of ``parts`` where any
    column of ``keys`` holds one of its values (and, ``clear_only``, routed ``clear``). Files are
    read a few columns at a time, in batches of :data:`BATCH_ROWS` rows matched with Arrow's hash
    kernel; only the matching rows are kept."""
    keys = {c: v for c, v in keys.items() if len(v)}
    found: list[pa.Table] = []
    batch: list[pa.Table] = []
    for night, path in parts:
        present = set(lake.read_schema(path).names)
        if not any(c in present for c in keys):
            continue
        wanted = [
            c for c in dict.fromkeys([*columns, *keys, *(["route"] if clear_only else [])]) if c in present
        ]
        table = lake.read_table(path, columns=wanted)
        batch.append(
            table.append_column("first_scored", pa.repeat(pa.scalar(night, pa.date32()), table.num_rows))
        )
        if sum(t.num_rows for t in batch) >= BATCH_ROWS:
            found.append(match_batch(batch, keys, clear_only))
            batch = []
    if batch:
        found.append(match_batch(batch, keys, clear_only))
    found = [t for t in found if t.num_rows]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in [*columns, "first_scored"]})
    frame = pa.concat_tables(found, promote_options="permissive").to_pandas()
    frame["first_scored"] = pd.to_datetime(frame["first_scored"]).dt.date
    return frame.reindex(columns=[*dict.fromkeys([*columns, *keys]), "first_scored"])


def rows_of(lake: Lake, parts: list[tuple[dt.date, Path]], ids: pa.Array, columns: list[str]) -> pd.DataFrame:
    """``columns`` (and ``first_scored``) of the rows of ``parts`` whose ``claim_id`` is one of
    ``ids``, for a few claims spread over many nights: each file's ids are read first, then only
    the row groups holding a wanted one (:meth:`Lake.read_rows_of`), not every column whole."""
    wanted = set(ids.to_pylist())
    found = []
    for night, path in parts if wanted else []:
        table = lake.read_rows_of(path, "claim_id", wanted, columns)
        if table is not None and table.num_rows:
            found.append(
                table.append_column("first_scored", pa.repeat(pa.scalar(night, pa.date32()), table.num_rows))
            )
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in [*columns, "first_scored"]})
    frame = pa.concat_tables(found, promote_options="permissive").to_pandas()
    frame["first_scored"] = pd.to_datetime(frame["first_scored"]).dt.date
    return frame.reindex(columns=[*columns, "first_scored"])


def match_batch(tables: list[pa.Table], keys: dict[str, pa.Array], clear_only: bool) -> pa.Table:
    """The rows of ``tables`` whose key columns hold a wanted value (one hash build per key)."""
    table = pa.concat_tables(tables, promote_options="permissive")
    mask = pa.chunked_array([pa.array(np.zeros(table.num_rows, dtype=bool))])
    for column, values in keys.items():
        if column in table.column_names:
            wanted = values.cast(table.schema.field(column).type)
            mask = pc.or_(mask, pc.fill_null(pc.is_in(table[column], value_set=wanted), False))
    if clear_only:
        mask = pc.and_(mask, pc.equal(table["route"], "clear"))
    return table.filter(mask)


def claims_parts(lake: Lake, nights: list[dt.date]) -> list[tuple[dt.date, Path]]:
    if not nights:
        return []
    wanted = set(nights)
    parts = lake.committed_parts("claims", min(nights), max(nights))
    return [(n, p) for p in parts if (n := night_of(p)) in wanted]


def scores_parts(lake: Lake, nights: list[dt.date]) -> list[tuple[dt.date, Path]]:
    return [(n, lake.scores_path(n)) for n in nights if lake.scores_path(n).exists()]


def queue_parts(lake: Lake, nights: list[dt.date]) -> list[tuple[dt.date, Path]]:
    return [(n, lake.queue_path(n)) for n in nights if lake.queue_path(n).exists()]


def night_of(path: Path) -> dt.date:
    return dt.date.fromisoformat(path.parent.name.removeprefix("batch_date="))
