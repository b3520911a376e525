"""Shared identifier codes: lookups against the ids known from earlier nights, encodings, gathers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from claimscreen.features.codes import (
    blank_values,
    encode_among,
    encode_column,
    encode_columns,
    first_rows,
    known_positions,
    run_encodings,
    take_rows,
)
from claimscreen.features.codes import lookup as lookup_codes


def lookup(claims: list[str], known: list[str]) -> list[int]:
    """The answer worked out the plain way: the first position of each claim among the known."""
    first: dict[str, int] = {}
    for i, k in enumerate(known):
        first.setdefault(k, i)
    return [first.get(c, -1) for c in claims]


def positions(claims: list[str], known: list[str]) -> list[int]:
    return known_positions(pd.Series(claims, dtype="str"), pd.Series(known, dtype="str")).tolist()


def test_a_window_that_starts_with_the_known_ids_gets_their_positions() -> None:
    known = ["c1", "c2", "c3"]
    assert positions(["c1", "c2", "c3", "t1", "t2"], known) == [0, 1, 2, -1, -1]


def test_any_other_order_is_looked_up() -> None:
    known = ["c1", "c2", "c3"]
    assert positions(["c2", "c1", "c3", "t1"], known) == [1, 0, 2, -1]
    assert positions(["c1", "c2", "t1", "c3"], known) == [0, 1, -1, 2]  # a night missing between
    assert positions(["c1", "c2"], known) == [0, 1]  # fewer claims than known ids
    assert positions(["c1"], []) == [-1]


@given(
    st.lists(st.text(alphabet="abc", min_size=1, max_size=3), unique=True, max_size=12),
    st.integers(0, 12),
    st.randoms(use_true_random=False),
)
def test_same_as_the_plain_lookup(ids: list[str], cut: int, random) -> None:  # type: ignore[no-untyped-def]
    """Unique claim ids (as the lake holds them), known ids a prefix or a shuffled part."""
    known = ids[: min(cut, len(ids))]
    assert positions(ids, known) == lookup(ids, known)
    shuffled = list(known)
    random.shuffle(shuffled)
    assert positions(ids, shuffled) == lookup(ids, shuffled)
    assert np.array_equal(positions(ids[::-1], known), lookup(ids[::-1], known))


def test_lookup_reads_the_table_and_answers_missing_for_minus_one() -> None:
    table = np.array([10, 20, 30])
    assert lookup_codes(table, np.array([2, -1, 0, 0, -1])).tolist() == [30, -1, 10, 10, -1]
    assert lookup_codes(table, np.array([-1, 1]), 0).tolist() == [0, 20]
    flags = np.array([True, False])
    assert lookup_codes(flags, np.array([-1, 0, 1]), False).tolist() == [False, True, False]


def test_encodings_on_threads_equal_the_sequence() -> None:
    frame = pd.DataFrame(
        {
            "a": pd.Series(["x", "y", None, "x", " ", "z"], dtype="str"),
            "b": pd.Series(["p", "p", "q", None, "q", "r"], dtype="str"),
            "c": pd.Series([None] * 6, dtype="str"),
        }
    )
    one = encode_columns(frame, ["a", "b", "c", "absent"], workers=1)
    two = encode_columns(frame, ["a", "b", "c", "absent"], workers=2)
    assert list(one) == list(two) == ["a", "b", "c"]
    for column in one:
        assert one[column].codes.tolist() == two[column].codes.tolist()
        assert one[column].values.equals(two[column].values)
    assert one["a"].codes.tolist() == [0, 1, -1, 0, 2, 3]
    assert one["c"].codes.tolist() == [-1] * 6


def test_encoding_jobs_keep_their_names_and_order() -> None:
    values = pd.Series(["a", "b", "a"], dtype="str")
    jobs = {
        "among": lambda: encode_among(values, np.array([False, True, False])),
        "all": lambda: encode_column(values),
    }
    done = run_encodings(jobs, workers=2)
    assert list(done) == ["among", "all"]
    assert done["among"].codes.tolist() == [-1, 0, -1]
    assert done["all"].codes.tolist() == [0, 1, 0]


def test_first_rows_are_where_each_code_first_appears() -> None:
    codes = np.array([-1, 0, 1, 0, -1, 2, 1, 3], dtype=np.int32)
    assert first_rows(codes).tolist() == [1, 2, 5, 7]
    assert first_rows(np.array([-1, -1], dtype=np.int32)).tolist() == []
    assert first_rows(np.zeros(0, dtype=np.int32)).tolist() == []


def test_a_column_gives_its_distinct_values_back_from_the_rows() -> None:
    values = pd.Series(["b", None, "a", "b", " ", "c", "a"], dtype="str")
    encoded = encode_column(values)
    assert encoded.stored is None  # the text is not kept twice
    assert encoded.size == 4
    assert encoded.values.to_pylist() == ["b", "a", " ", "c"]
    assert encoded.values_at(np.array([3, 0])).to_pylist() == ["c", "b"]
    assert blank_values(encoded).tolist() == [False, False, True, False]
    assert blank_values(encoded, np.array([2])).tolist() == [True]
    texts = encoded.values.to_pylist()
    assert [texts[c] if c >= 0 else None for c in encoded.codes] == values.astype(object).where(
        values.notna(), None
    ).tolist()


def test_values_come_back_from_a_column_of_many_chunks() -> None:
    parts = [["b", None], [], ["a", "b", "c"], ["d"], ["a"]]
    column = pa.chunked_array([pa.array(p, pa.large_string()) for p in parts])
    values = pd.Series(pd.arrays.ArrowExtensionArray(column)).astype("str")
    encoded = encode_column(values)
    assert encoded.values.to_pylist() == ["b", "a", "c", "d"]
    assert encoded.values_at(np.array([3, 0, 2, 0])).to_pylist() == ["d", "b", "c", "b"]
    assert encoded.values_at(np.array([], dtype=np.int64)).to_pylist() == []
    assert take_rows(column, np.array([5, 0, 2], dtype=np.int64)).to_pylist() == ["d", "b", "a"]
