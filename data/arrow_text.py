"""Arrow string plumbing for the normalizers (:mod:`claimscreen.data.normalize`): byte maps
over the UTF-8 buffer, masked regex rewrites, Python called once per distinct value.

RE2 *replacements* cost several times more than RE2 *matches*, so the hot
paths avoid them: single-byte edits (drop punctuation, keep digits, collapse
spaces) run on the raw UTF-8 buffer with numpy lookup tables, and the rare
regex rewrites run only on the values that match first. Editing ASCII bytes
alone is safe in UTF-8: they never occur inside a multi-byte sequence.

Every function takes and returns Arrow arrays (large strings unless said).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii

DELETE = -1
WHITESPACE = "\t\n\r\f\v"


class ByteMap(NamedTuple):
    """A 256-entry byte map: each byte's replacement, and whether it is deleted instead."""

    replacement: np.ndarray
    deleted: np.ndarray


def byte_table(
    keep: str | None = None, delete: str = "", to_space: str = "", non_ascii: bool = True
) -> ByteMap:
    """A byte map: identity, except bytes outside ``keep`` or in ``delete`` are deleted,
    bytes in ``to_space`` become spaces and, unless ``non_ascii``, bytes >= 0x80 go."""
    table = np.arange(256, dtype=np.int16)
    if keep is not None:
        table[:] = DELETE
        table[[ord(c) for c in keep]] = [ord(c) for c in keep]
    table[[ord(c) for c in delete]] = DELETE
    table[[ord(c) for c in to_space]] = ord(" ")
    if not non_ascii:
        table[128:] = DELETE
    return ByteMap(np.where(table == DELETE, 0, table).astype(np.uint8), table == DELETE)


def to_arrow(values: pd.Series) -> pa.Array:
    """The column as one Arrow large-string array (nulls where missing)."""
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    return as_large_string(pa.array(values.array))


def as_large_string(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous large-string array (the type every ``*_array`` function takes)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    return array.cast(pa.large_string()) if array.type != pa.large_string() else array


def to_series(array: pa.Array, index: pd.Index) -> pd.Series:
    """An Arrow string array back to a ``str`` Series on ``index``; empty strings become NA."""
    return pd.Series(blank_to_null(array), index=index, dtype="str")


def null_like(array: pa.Array) -> pa.Scalar:
    return pa.scalar(None, array.type)


def keep_where(array: pa.Array, keep: pa.BooleanArray | np.ndarray) -> pa.Array:
    """``array`` with nulls where ``keep`` is false or null.

    Only the validity bitmap changes: the string buffers are shared, not copied
    (a ``pc.if_else`` with a null scalar would copy every string).
    """
    keep = pa.array(keep) if isinstance(keep, np.ndarray) else keep
    keep = pc.and_(pc.fill_null(keep, False), pc.is_valid(array))
    if array.offset or keep.offset or not pa.types.is_large_string(array.type):
        return pc.if_else(keep, array, null_like(array))
    buffers = array.buffers()
    return pa.Array.from_buffers(array.type, len(array), [keep.buffers()[1], buffers[1], buffers[2]])


def blank_to_null(array: pa.Array) -> pa.Array:
    if len(array) == 0 or not pa.types.is_large_string(array.type):
        return pc.if_else(pc.equal(array, ""), null_like(array), array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    blank = offsets[1:] == offsets[:-1]
    if array.null_count == 0 and not blank.any():
        return array
    return keep_where(array, ~blank)


def keep_matching(array: pa.Array, pattern: str) -> pa.Array:
    """Nulls where ``array`` does not match ``pattern`` (RE2 syntax)."""
    return keep_where(array, pc.match_substring_regex(array, pattern))


def trim(array: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(array)


def sub(array: pa.Array, pattern: str, replacement: str, needs_text: str | None = None) -> pa.Array:
    """``replace_substring_regex``, run only where ``pattern`` matches (or ``needs_text`` occurs)."""
    found = pc.match_substring(array, needs_text) if needs_text else pc.match_substring_regex(array, pattern)
    mask = pc.fill_null(found, False)
    if not pc.any(mask).as_py():
        return array
    changed = pc.replace_substring_regex(array.filter(mask), pattern, replacement)
    return pc.replace_with_mask(array, mask, changed)


def replace(array: pa.Array, pattern: str, replacement: str) -> pa.Array:
    """``replace_substring`` (no regex); when few values contain ``pattern``, run on those only."""
    mask = pc.fill_null(pc.match_substring(array, pattern), False)
    hits = pc.sum(mask).as_py() or 0
    if hits == 0:
        return array
    if hits > len(array) // 4:
        return pc.replace_substring(array, pattern, replacement)
    changed = pc.replace_substring(array.filter(mask), pattern, replacement)
    return pc.replace_with_mask(array, mask, changed)


def concat(*parts: pa.Array | pa.Scalar, sep: str = "") -> pa.Array:
    """Element-wise concatenation of large-string arrays (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, pa.scalar(sep, pa.large_string()))


def string_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes, offsets starting at 0) of a large-string array, as numpy views."""
    if len(array) == 0:
        return np.zeros(0, np.uint8), np.zeros(1, np.int64)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data_buffer = array.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    return data[offsets[0] : offsets[-1]], offsets - offsets[0]


def compact(data: np.ndarray, offsets: np.ndarray, drop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the bytes where ``drop`` is true and shift the offsets to match."""
    dropped = np.flatnonzero(drop)
    if len(dropped) == 0:
        return data, offsets
    return data[~drop], offsets - np.searchsorted(dropped, offsets).astype(np.int64)


def translate(array: pa.Array, table: ByteMap, squeeze: bool = False) -> pa.Array:
    """Map or delete single bytes through ``table``; with ``squeeze``, also collapse and trim spaces.

    The bytes are mapped and deleted in one pass by ``bytes.translate``; the offsets move
    only when a byte was deleted, and spaces are collapsed only when two stand together.
    """
    data, offsets = string_buffers(array)
    deleted = bytes(np.flatnonzero(table.deleted).astype(np.uint8))
    mapped = np.frombuffer(data.tobytes().translate(table.replacement.tobytes(), deleted), dtype=np.uint8)
    if len(mapped) != len(data):
        offsets = offsets - np.searchsorted(np.flatnonzero(table.deleted[data]), offsets)
    data = mapped
    if squeeze and mapped.tobytes().find(b"  ") >= 0:
        data, offsets = compact(data, offsets, redundant_spaces(data, offsets))
    buffers = [pc.is_valid(array).buffers()[1], pa.py_buffer(offsets), pa.py_buffer(data)]
    out = pa.Array.from_buffers(pa.large_string(), len(array), buffers)
    return pc.utf8_trim_whitespace(out) if squeeze else out


def redundant_spaces(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Spaces followed by another space of the same value; the trim removes what is left at the ends."""
    space = data == ord(" ")
    redundant = np.zeros_like(space)
    np.logical_and(space[:-1], space[1:], out=redundant[:-1])
    ends = offsets[1:] - 1
    redundant[ends[ends >= 0]] = False
    return redundant


def map_words(array: pa.Array, mapping_keys: pa.Array, mapping_values: pa.Array) -> pa.Array:
    """Replace whole space-separated words found in the mapping; keep the others."""
    words = pc.split_pattern(array, " ")
    flat = words.values
    position = pc.index_in(flat, value_set=mapping_keys)
    mapped = pc.if_else(pc.is_null(position), flat, pc.take(mapping_values, position))
    rebuilt = type(words).from_arrays(words.offsets, mapped, mask=pc.is_null(array))
    return pc.binary_join(rebuilt, pa.scalar(" ", mapped.type))


def digit_matrix(array: pa.Array, width: int) -> np.ndarray:
    """A (rows, width) matrix of the digits of non-null strings of exactly ``width`` ASCII digits."""
    if len(array) == 0:
        return np.zeros((0, width), dtype=np.int64)
    fixed = array.cast(pa.large_binary()).cast(pa.binary(width))
    raw = np.frombuffer(fixed.buffers()[1], dtype=np.uint8)
    raw = raw[fixed.offset * width : (fixed.offset + len(fixed)) * width]
    return raw.reshape(len(fixed), width).astype(np.int64) - ord("0")


def transliterate(array: pa.Array, spell: Callable[[str], str] = anyascii) -> pa.Array:
    """The non-ASCII values spelled in ASCII by :func:`anyascii.anyascii`, once per distinct value.

    Accents go (``José`` gives ``Jose``, ``Strauß`` ``Strauss``) and other scripts
    are romanized (``김 민준`` gives ``Gim MinJun``, ``Иванов`` ``Ivanov``, ``王 伟``
    ``Wang Wei``). ASCII values, nearly all of a night, are not touched.
    """
    mask = pc.fill_null(pc.invert(pc.string_is_ascii(array)), False)
    return replace_distinct(array, mask, spell)


def spell_letters(text: str) -> str:
    """``text`` romanized, its non-ASCII characters other than letters and marks dropped first
    (anyascii spells an emoji as its name: ``😀`` would become ``grinning``)."""
    return anyascii("".join(c for c in text if c < "\x80" or unicodedata.category(c)[0] in "LM"))


def replace_distinct(
    array: pa.Array,
    mask: pa.Array,
    function: Callable[[str], str | None],
    source: pa.Array | None = None,
) -> pa.Array:
    """``array`` with the rows under ``mask`` replaced by ``function`` of their value in
    ``source`` (default ``array`` itself); None gives null.

    ``function`` runs once per distinct value under the mask; nothing runs if the mask is empty.
    """
    if not pc.any(mask).as_py():
        return array
    mapped = per_distinct((array if source is None else source).filter(mask), function, pa.large_string())
    return pc.replace_with_mask(array, mask, mapped.cast(array.type))


def per_distinct(array: pa.Array, function: Callable[[str], Any], type: pa.DataType) -> pa.Array:
    """``function`` of every value of ``array`` (null stays null), called once per distinct value."""
    encoded = pc.dictionary_encode(array)
    results = pa.array([function(value) for value in encoded.dictionary.to_pylist()], type)
    return pc.take(results, encoded.indices)


__all__ = [
    "DELETE",
    "WHITESPACE",
    "ByteMap",
    "as_large_string",
    "blank_to_null",
    "byte_table",
    "compact",
    "concat",
    "digit_matrix",
    "keep_matching",
    "keep_where",
    "map_words",
    "null_like",
    "per_distinct",
    "redundant_spaces",
    "replace",
    "replace_distinct",
    "spell_letters",
    "string_buffers",
    "sub",
    "to_arrow",
    "to_series",
    "translate",
    "transliterate",
    "trim",
]
