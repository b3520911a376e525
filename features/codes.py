"""Identifier columns of the window as integer codes, encoded once and shared by the feature groups.

Identity resolution, device velocity, rings and the IP categories all read the
same text columns of a window of millions of claims (SSN token, email, phone,
address, bank account, device, IP...). Hashing each column once, here, and
handing the codes to every group costs one pass per column instead of one per
group. A column's :class:`Encoded` holds ``codes`` (equal values, equal codes;
-1 where missing; ``int32`` to halve the memory, so widen before multiplying)
and gives ``values``, the distinct values in order of first appearance (Arrow's
``dictionary_encode``), so ``values[codes[i]]`` is row ``i``'s text. Blank
values keep a code: each group decides what blank means.

A whole column's distinct values are not kept: ten columns of ten million
distinct values are some 3 GB beside the window that already holds the text.
Its :class:`Encoded` keeps the column itself (no copy) and the row where each
code first appears, and takes the text from there when a step asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "Encoded",
    "blank_values",
    "encode_among",
    "encode_column",
    "encode_columns",
    "encode_workers",
    "first_rows",
    "known_positions",
    "lookup",
    "matching_pairs",
    "run_encodings",
    "select_rows",
    "take_rows",
    "to_arrow",
]

#: Encoding threads at most, whatever the core count (see :func:`encode_workers`).
MAX_ENCODE_WORKERS = 4

IntArr = np.ndarray[Any, np.dtype[np.int64]]
Int32Arr = np.ndarray[Any, np.dtype[np.int32]]


@dataclass(frozen=True)
class Encoded:
    """One text column as codes into its distinct values (-1 where missing).

    The distinct values are ``stored``, or taken when asked for from ``source`` (the column)
    at ``first`` (the row where each code first appears). With ``rows`` (a mask), only the
    values of those rows are coded: another row whose value none of them has gets -1 too
    (see :func:`encode_among`).
    """

    codes: Int32Arr
    stored: pa.Array | None = None
    rows: np.ndarray[Any, np.dtype[np.bool_]] | None = None
    source: pa.ChunkedArray | None = None
    first: Int32Arr | None = None

    def covers(self, rows: np.ndarray[Any, np.dtype[np.bool_]]) -> bool:
        """Whether the codes are exact on the rows of the mask ``rows``."""
        return self.rows is None or not bool((rows & ~self.rows).any())

    @property
    def size(self) -> int:
        """How many distinct values there are."""
        if self.stored is not None:
            return len(self.stored)
        return 0 if self.first is None else len(self.first)

    @property
    def values(self) -> pa.Array:
        """The distinct values, in code order: made again from the column on each call when
        not stored (read it once per step)."""
        return self.values_at(None)

    def values_at(self, codes: np.ndarray[Any, Any] | None) -> pa.Array:
        """The values of the given codes (valid codes only), or of all of them (None)."""
        if self.stored is not None:
            return self.stored if codes is None else self.stored.take(pa.array(codes))
        assert self.source is not None and self.first is not None
        if codes is None:
            return take_rows(self.source, self.first.astype(np.int64))
        wanted = np.asarray(codes, dtype=np.int64)
        assert not len(wanted) or wanted.min() >= 0, "values_at takes valid codes only"
        return take_rows(self.source, self.first[wanted].astype(np.int64))


def take_rows(column: pa.ChunkedArray, rows: IntArr) -> pa.Array:
    """``column.take(rows)`` chunk by chunk: Arrow's own take joins a column of many chunks (the
    window is read night by night) into one copy first, to pick out a few rows."""
    order = np.argsort(rows, kind="stable")
    ordered = rows[order]
    starts = np.cumsum([0] + [len(c) for c in column.chunks])
    bounds = np.searchsorted(ordered, starts)
    pieces = [
        chunk.take(pa.array(ordered[bounds[k] : bounds[k + 1]] - starts[k]))
        for k, chunk in enumerate(column.chunks)
        if bounds[k + 1] > bounds[k]
    ]
    taken = pa.concat_arrays(pieces) if pieces else pa.array([], column.type)
    back = np.empty(len(rows), dtype=np.int64)
    back[order] = np.arange(len(rows))
    return taken.take(pa.array(back))


def to_arrow(values: pd.Series) -> pa.ChunkedArray:
    """A text column as an Arrow string array (no copy for Arrow-backed strings)."""
    array = pa.array(values.astype("str").array)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def encode_column(values: pd.Series) -> Encoded:
    """Codes of a text column (equal values, equal codes; -1 for missing) and its distinct values.

    The chunks are encoded as they are (one dictionary for all; no copy of the text into one chunk).
    """
    array = to_arrow(values)
    encoded = pc.dictionary_encode(array)
    if not encoded.num_chunks:
        return Encoded(np.full(len(array), -1, dtype=np.int32), pa.array([], array.type))
    codes = np.empty(len(array), dtype=np.int32)
    start = 0
    for chunk in encoded.chunks:
        codes[start : start + len(chunk)] = pc.fill_null(chunk.indices, -1).to_numpy(zero_copy_only=False)
        start += len(chunk)
    del encoded  # its dictionary is the text again; the column and first rows give it back
    return Encoded(codes, source=array, first=first_rows(codes))


def first_rows(codes: Int32Arr) -> Int32Arr:
    """The row where each code first appears, in code order (codes numbered by first appearance).

    Code ``k`` first appears where the codes before it are all below ``k``: one running maximum.
    """
    if not len(codes):
        return np.zeros(0, dtype=np.int32)
    before = np.empty(len(codes), dtype=codes.dtype)
    before[0] = -1
    np.maximum.accumulate(codes[:-1], out=before[1:])
    return np.flatnonzero(codes > before).astype(np.int32)


def encode_among(values: pd.Series, rows: np.ndarray[Any, np.dtype[np.bool_]]) -> Encoded:
    """Codes of a text column among the values the rows of the mask ``rows`` have.

    A hash of those values probed by every row: cheaper than coding millions of values no
    one will look up (the SSNs of history claims that share nothing with the new claims).
    """
    array = to_arrow(values)
    wanted = pc.unique(array.filter(pa.array(rows))).drop_null()
    if isinstance(wanted, pa.ChunkedArray):
        wanted = wanted.combine_chunks() if wanted.num_chunks else pa.array([], array.type)
    found = pc.fill_null(pc.index_in(array, value_set=wanted), -1).to_numpy(zero_copy_only=False)
    return Encoded(np.asarray(found, dtype=np.int32), wanted, rows)


def encode_columns(
    frame: pd.DataFrame, columns: tuple[str, ...] | list[str], workers: int | None = None
) -> dict[str, Encoded]:
    """:func:`encode_column` of the given columns the frame has (see :func:`run_encodings`)."""
    return run_encodings(
        {c: partial(encode_column, frame[c]) for c in columns if c in frame.columns}, workers
    )


def run_encodings(jobs: dict[str, Callable[[], Encoded]], workers: int | None = None) -> dict[str, Encoded]:
    """The result of every job, by name; ``workers`` jobs at a time (default :func:`encode_workers`).

    Arrow encodes without holding the GIL, so columns encode side by side. One night of 1M
    claims against 10M (bench/features.py, 12 jobs): 10.5-13.0 s on 2 threads against
    18.0 s in sequence, for 0-10% more CPU time over the whole stage and the same peak
    memory (the peak comes later, in identity resolution). List the longest jobs first.
    """
    workers = encode_workers() if workers is None else max(1, workers)
    if workers == 1 or len(jobs) <= 1:
        return {name: job() for name, job in jobs.items()}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(jobs, pool.map(lambda job: job(), jobs.values()), strict=True))


def encode_workers() -> int:
    """Threads for encoding: one per core, at most :data:`MAX_ENCODE_WORKERS` (each holds a hash
    table of up to ten million values while it works)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_ENCODE_WORKERS))


def blank_values(
    encoded: Encoded, codes: np.ndarray[Any, Any] | None = None
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Per distinct value (or per one of ``codes``, valid codes only): is it empty or only whitespace."""
    values = encoded.values_at(codes)
    blank = pc.equal(pc.utf8_trim_whitespace(values), "")
    return np.asarray(pc.fill_null(blank, False).to_numpy(zero_copy_only=False), dtype=bool)


def known_positions(claim_ids: pd.Series, known_ids: pd.Series) -> IntArr:
    """For each claim, the position of its claim_id among ``known_ids`` (the first one), -1 if absent.

    The window and the ids known from earlier nights are both read night by night, so the
    window usually starts with exactly the known ids, in their order: then the positions are
    those rows' own, and the later rows (tonight's) are not among them, since a claim_id is in
    one batch only (ingest quarantines a repeat). That comparison costs one pass over the ids,
    where a lookup hashes ten million of them; any other order takes the lookup. So the known
    ids must be distinct (a repeated one would keep its own position, not the first).
    """
    if not len(known_ids):
        return np.full(len(claim_ids), -1, dtype=np.int64)
    claims, known = to_arrow(claim_ids), to_arrow(known_ids)
    aligned = len(known) <= len(claims) and pc.all(
        pc.equal(claims.slice(0, len(known)), known), skip_nulls=False
    )
    if aligned and aligned.as_py():
        positions = np.full(len(claims), -1, dtype=np.int64)
        positions[: len(known)] = np.arange(len(known))
        return positions
    found = pc.index_in(claims, value_set=known)
    return np.asarray(pc.fill_null(found, -1).to_numpy(), dtype=np.int64)


def lookup(
    table: np.ndarray[Any, Any], codes: np.ndarray[Any, Any], missing: Any = -1
) -> np.ndarray[Any, Any]:
    """``table[codes]``, and ``missing`` where a code is -1 (codes are -1 or valid positions).

    One gather: the code -1 reads a last slot that holds ``missing``. ``np.where`` over a clipped
    gather makes three passes over the codes (0.45 s against 0.16 s for 11 million).
    """
    return np.append(table, np.asarray([missing], dtype=table.dtype))[codes]


def select_rows(frame: pd.DataFrame, mask: np.ndarray[Any, np.dtype[np.bool_]]) -> pd.DataFrame:
    """``frame.loc[mask]`` (a boolean mask over its rows), as a slice when the rows are contiguous.

    Tonight's claims are usually one run at the end of the window: a slice of Arrow-backed
    columns copies nothing, where a mask copies every column.
    """
    rows = np.flatnonzero(mask)
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        return frame.iloc[int(rows[0]) : int(rows[-1]) + 1]
    return frame.loc[mask]


def matching_pairs(left: np.ndarray, right: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of positions ``(i, j)`` with ``left[i] == right[j]``: an inner join on codes in
    ``[0, size)`` (-1 never matches), as two position arrays.

    Round ``k`` pairs each right row with the ``k``-th left row of its code, among the right rows
    whose code has more than ``k`` left rows, so the rounds cost the pairs they make.
    """
    known = np.flatnonzero(left >= 0)
    by_code = known[np.argsort(left[known], kind="stable")]
    counts = np.bincount(left[known], minlength=size)
    rows = np.flatnonzero(right >= 0)
    first, many = (np.cumsum(counts) - counts)[right[rows]], counts[right[rows]]
    lefts, rights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    k = 0
    while len(rows):
        more = many > k
        rows, first, many = rows[more], first[more], many[more]
        lefts.append(by_code[first + k])
        rights.append(rows)
        k += 1
    return np.concatenate(lefts), np.concatenate(rights)
