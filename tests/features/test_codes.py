"""Shared identifier codes: the claim lookups against the ids known from earlier nights."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from claimscreen.features.codes import known_positions


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
