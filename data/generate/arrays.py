"""Vectorised helpers: hashing, weighted draws, string building with pyarrow, ranks and de-duplication."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.kinds import NS_SHIFT

__all__ = [
    "HEX4",
    "HEXN",
    "Arr",
    "Codes",
    "choose",
    "digits",
    "first_occurrences",
    "ip_to_int",
    "join",
    "make_code",
    "mix64",
    "numbers",
    "patch",
    "pick",
    "rank_within",
    "split_counts",
    "spread_repeats",
    "take",
    "where",
]

Arr = np.ndarray[Any, Any]


Weights = Sequence[float] | Arr


def mix64(values: Arr, salt: int = 0) -> Arr:
    """SplitMix64 finalizer: a well-spread, deterministic uint64 hash of each value."""
    z = values.astype(np.uint64) ^ np.uint64(salt)
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def make_code(namespace: int, key: Arr) -> Arr:
    """An identifier code: namespace in the high bits, key in the low ones; equal codes share a value."""
    return (np.uint64(namespace) << NS_SHIFT) | key.astype(np.uint64)


def pick(rng: np.random.Generator, weights: Weights, size: int) -> Arr:
    """Indices drawn with the given (unnormalized) weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")


def digits(values: Arr, width: int) -> pa.Array:
    """Zero-padded decimal text of integers."""
    return pc.utf8_lpad(pa.array(values.astype(np.int64)).cast(pa.string()), width=width, padding="0")


def numbers(values: Arr) -> pa.Array:
    return pa.array(values.astype(np.int64)).cast(pa.string())


def take(vocab: pa.Array, index: Arr) -> pa.Array:
    """vocab[index], with an empty string where index is negative."""
    idx = pa.array(index.astype(np.int64), mask=index < 0)
    return pc.fill_null(vocab.take(idx), "")


def choose(selector: Arr, options: Sequence[pa.Array]) -> pa.Array:
    """options[selector[i]][i] for each row."""
    out = options[0]
    for k in range(1, len(options)):
        out = pc.if_else(pa.array(selector == k), options[k], out)
    return out


def where(mask: Arr, yes: pa.Array | str, no: pa.Array | str) -> pa.Array:
    return pc.if_else(pa.array(mask), yes, no)


def rank_within(groups: Arr) -> Arr:
    """Position of each row within its group, for rows already sorted by group."""
    n = len(groups)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1] if n else np.zeros(0, np.int64)
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, lengths)


def split_counts(total: int, weights: Weights) -> Arr:
    """Largest-remainder split of total into integer parts."""
    w = np.asarray(weights, dtype=np.float64)
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def ip_to_int(text: str) -> int:
    a, b, c, d = (int(x) for x in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


HEX4 = pa.array([f"{i:04x}" for i in range(65536)])


HEXN = pa.array([f"{i:x}" for i in range(65536)])


def spread_repeats(start: Arr, slot: Arr, room: Arr) -> Arr:
    """``slot`` (each row's place in its range of ``room`` places from ``start``) with every
    repeat of ``start + slot`` moved to a free place of the same range.

    The first row keeps a place; a repeat moves by its rank times a step that grows with
    each pass. Deterministic, no random draw."""
    slot = slot.copy()
    for attempt in range(100):
        spot = start + slot
        order = np.argsort(spot, kind="stable")
        rank = np.empty(len(spot), dtype=np.int64)
        rank[order] = rank_within(spot[order])
        if not (rank > 0).any():
            return slot
        slot = np.where(rank > 0, (slot + rank * (1 + 2 * attempt * attempt)) % room, slot)
    raise AssertionError("a range ran out of free places")


def first_occurrences(values: pa.Array) -> Arr:
    """True where a value appears for the first time."""
    codes = values.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    seen = np.zeros(len(codes), dtype=bool)
    seen[np.unique(codes, return_index=True)[1]] = True
    return seen


Codes = dict[str, Arr]


def patch(values: pa.Array, rows: Arr, replacements: Sequence[str] | pa.Array) -> pa.Array:
    """values with values[rows] replaced."""
    index = np.arange(len(values))
    index[rows] = len(values) + np.arange(len(rows))
    return pa.concat_arrays([values, pa.array(replacements, pa.string())]).take(pa.array(index))
