"""Keyed hashes of a part of an SSN, for identity resolution to see a typo without the digits.

Identity resolution links two claims with the same name and date of birth whose
SSNs are one typo apart (one digit wrong, or two adjacent digits swapped). It
never sees SSN digits: only ``ssn_token`` (the keyed hash of all of them) and
``ssn_last4`` (the display form). ``ssn_head_token`` is the third piece: the
keyed hash of the digits *before* the last four. Two SSNs with the same head
token and last four digits one typo apart are one typo apart in the last four
(identity resolution compares the last four in the clear); a typo in the head
leaves the last four equal, which identity resolution already reads.

The head is hashed with the same key and the SSN domain as ``ssn_token``, behind
a ``head:`` prefix: no SSN's digits start with it, so no head token equals an
SSN token. Like every token it is one-way without the key; it tells only
which claims share the first five digits. SSNs of four digits or fewer have none.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.tokenize import tokenize_array

__all__ = ["HEAD_PREFIX", "ssn_head_tokens"]

HEAD_PREFIX = "head:"


def ssn_head_tokens(digits: pa.Array | pa.ChunkedArray, key: bytes) -> pa.Array:
    """``ssn_head_token`` of each SSN's digits (text of digits only): the keyed hash of
    ``head:`` and every digit but the last four; null where missing or four digits or fewer."""
    if isinstance(digits, pa.ChunkedArray):
        digits = digits.combine_chunks()
    text = digits.cast(pa.large_string())
    long_enough = pc.fill_null(pc.greater(pc.utf8_length(text), 4), False)
    heads = pc.utf8_slice_codeunits(text, 0, -4)
    empty = pa.scalar("", pa.large_string())
    prefixed = pc.binary_join_element_wise(pa.scalar(HEAD_PREFIX, pa.large_string()), heads, empty)
    kept = pc.if_else(long_enough, prefixed, pa.scalar(None, pa.large_string()))
    # A head is five digits: at most 100,000 of them, however large the night. Each distinct
    # head is hashed once (a night of 1,000,000 SSNs costs ~1% of its hashing, not 100%).
    coded = pc.dictionary_encode(kept)
    tokens = tokenize_array(coded.dictionary, key, "ssn")
    return pc.take(tokens, coded.indices)
