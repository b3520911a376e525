"""Identity resolution: the ``identity_id`` of every claim (docs/reference.md, "Scores").

Claims that are the same person share an ``identity_id``, across spelling
variants, nicknames, a swapped day and month of birth, typos and changed
contact details. The decision is a small set of readable rules over a few
comparisons, not a trained model, so an investigator can be told why two
claims were linked.

**Comparisons** of two claims ``a`` and ``b`` (names are the ``*_norm``
columns; a last name loses ``JR``/``SR``/``II``/``III``/``IV`` and spaces).
A missing value, or a placeholder (:data:`~claimscreen.features.identity_match.PLACEHOLDER_NAMES`:
``UNKNOWN``, ``NONE``, ``NA``, ``TEST``, ``XXX``, ``FNU``...;
:data:`~claimscreen.features.identity_match.PLACEHOLDER_DATES`: ``1900-01-01``,
``0001-01-01``, ``1800-01-01``, ``9999-12-31``...), is *unknown*: equal to
nothing and in conflict with nothing.

* ``same_ssn``: equal ``ssn_token``. ``ssn_near``: different tokens, equal
  ``ssn_head_token`` (the keyed hash of the digits before the last four,
  :mod:`claimscreen.data.ssn_keys`) and last four digits one digit apart or with
  two adjacent digits swapped: an SSN one typo away in its last four digits,
  seen without the digits. (A typo before the last four leaves ``ssn_last4``
  equal: a ``contact``.)
* ``dob_near``: equal dates of birth, day and month swapped, one day apart, or
  one digit different in ``YYYYMMDD``. ``dob_related``: ``dob_near``, or the
  same year, or the same month and day (a typo in the year). ``dob_unknown``:
  one date unknown.
* ``first_similar``: Jaro-Winkler >= 0.88 on the first names, or their first
  words are nickname-equivalent (:data:`NICKNAME_GROUPS`: ``BILL``/``WILLIAM``,
  ``PEGGY``/``MARGARET``...), or one is an initial of the other.
  ``last_similar``: Jaro-Winkler >= 0.88 on the last names.
  ``swapped``: first of ``a`` similar to last of ``b`` and the other way round;
  ``crossed``: either of the two.
  ``full_name``: (``first_similar`` and ``last_similar``) or ``swapped``.
  ``some_name``: ``first_similar`` or ``last_similar`` or ``crossed``.
  ``name_typo``: rapidfuzz's ``token_sort_ratio`` >= 85 on the whole names
  (first and last, in either order). ``name_part_missing``: a first or last
  name unknown.
* ``contact``: equal ``email_canonical``, ``phone_e164``, ``address_norm`` or
  ``bank_account_token``; or equal ``ssn_last4`` (an SSN with a one-digit typo
  in its first five digits); or equal ``zip5`` with an equal date of birth.
  (Last four digits one apart were tried and dropped: 1 in 270 strangers
  qualify, too many false links among common names at state scale.)

**Merge rule**: a pair is linked when one row of the table holds.

==== ========= ====================== ========================= ======== ==============================
rule SSN       date of birth          names                     contact  catches
==== ========= ====================== ========================= ======== ==============================
R1   same      near or unknown        ``some_name``             --       typos, nicknames, swapped DOB
                                                                         or names, a changed last name
R2   same      any                    ``full_name`` or          --       a wrong or missing date of
                                      ``name_typo``                      birth
R3   other     ``dob_near``           ``full_name``             yes      a re-filed identity with an
                                                                         SSN typo
R3b  other     the same year          ``full_name``             shared   ... and a typo in the date too
R4   same      exact                  ``name_part_missing``     --       a placeholder or blank name
R5   ``near``  exact                  first similar or swapped  --       a typo in the SSN's last four
R5b  ``near``  related or unknown     ``full_name``             --       ... and in the date, or no date
R6   same      exact                  any                       home     a garbled or changed name
R7   same      any                    ``name_part_missing`` and home     a placeholder name and a wrong
                                      ``some_name``                      date of birth
==== ========= ====================== ========================= ======== ==============================

*home* is ``same_home``: the same ``address_norm`` or the same ``zip5``. R6 is the
Fellegi-Sunter reading of three agreements a stranger almost never shows together: the
SSN, the whole date of birth and the home (the ZIP code at least) agree, and only the
name does not; the name was mistyped beyond recognition, or changed. Someone misusing an
SSN gives it with the victim's name (a re-filed identity, linked by R1) or files from
elsewhere, so R6 leaves a stolen SSN used from another home, under another name, visible.
R7 is R2 for a name with one part unknown: the part given agrees, the other is a
placeholder or blank, and the home agrees. On FEBRL3 (``bench/febrl.py``) R6 and R7 raise
pairwise recall from 0.956 to 0.965 at precision 1.000 (F1 0.977 to 0.982; FEBRL4 0.981
to 0.984); on a generated world of 168,000 claims they link no pair more.

*shared* is ``contact`` without the ZIP-and-birth-date clause (an email, phone,
address, bank account or SSN last four in common). R3b asks for the same year
of birth, not ``dob_related``: a ``Jr`` born on his father's birthday at his
father's address has the same month and day. R5b asks for the whole name: twins
(same date, SSNs often one apart) differ in first name.

What is *not* linked: the same SSN with a different name and a different date
of birth, or the same SSN and date of birth under an entirely different name from
another home (an SSN used by several people, the pattern of a stolen identity: the
``ssn_distinct_names`` and ``ssn_distinct_dobs`` signals count them, by SSN, whatever
the identities); household
members sharing an address, phone or bank account (spouses differ in first name
and date of birth; a father and his ``Jr`` son in the year of birth); two people
with the same name and date of birth but different SSNs and no contact in
common; twins (same birth date, last name and address, different first names,
SSNs one digit apart). Known limits: twins with near-identical first names
(``MARIA``/``MARIO``) who share a home and have SSNs one digit apart look like
R3 or R5; two adjacent digits swapped across the fifth and sixth digits change
both the head and the last four, and are not seen; without ``ssn_head_token``
(claims ingested before it) R5 never fires.

**Blocking**: only claims that share a block key are compared. Every rule
needs the same SSN, a ``contact`` or the same SSN head and birth date, so the
blocks are exactly those, and blocking loses no pair a rule would link (except
in skipped blocks):

* ``ssn``: ``ssn_token`` (the one kind whose pairs are kept whatever their dates
  of birth: R2; elsewhere pairs with unrelated, known dates are dropped at once);
* ``email``, ``phone``, ``address``, ``bank``: ``email_canonical``,
  ``phone_e164``, ``address_norm``, ``bank_account_token``;
* ``last4_name``: ``ssn_last4`` + Soundex of the last name, and ``ssn_last4`` +
  Soundex of the first name's formal form (``BILL`` -> ``WILLIAM``), in one key
  space, so a claim with first and last names swapped still meets its twin;
* ``zip_dob``: ``zip5`` + date of birth; ``head_dob``: ``ssn_head_token`` +
  date of birth (for R5). An unknown date of birth is no key of either.
* ``head_name``: ``ssn_head_token`` + Soundex of the last name, and of the
  first name (for R5b, whose dates may differ or be unknown).

A block with more than ``max_block_size`` claims (200) is split by the
Soundex of the last name (all but the composite kinds) and skipped if
still too big: a hub (an apartment block, a drop address, a shared phone)
never explodes the pair count.

**Incremental nights.** Claims listed in ``known`` already have an identity, and
two known claims are never compared again: their link (or not) is already
decided. Only pairs with at least one new claim are generated, so a night
costs in proportion to tonight's claims and the history they meet in blocks,
not to the square of the history:

* every text field is coded only against the values tonight's claims have (a
  hash probe of the history against them, no factorizing of the history), so a
  history-only value is "missing" and blocks nothing;
* each block kind keeps only the blocks some new claim is in (a hash join on
  the key) before sorting, and pairs two known claims never;
* known ids are dictionary-encoded once; each known identity is one graph node
  and each new claim another, the accepted pairs joined by connected
  components (:func:`scipy.sparse.csgraph.connected_components`); only the
  claims of components with more than one node are named again, with integer
  sorts (filing time, then ``claim_id`` for ties only), and no row's id is
  rebuilt as text except tonight's new identities.

**Ids.** A cluster holding known ids takes the *oldest* one: the id whose
earliest claim in the window (by ``filed_at``, then ``claim_id``) is earliest.
A cluster without one gets ``"ID-"`` + the first 12 hex digits of the SHA-1 of
its earliest ``claim_id``. Known identities never split; re-running gives the
same ids; row order does not matter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from claimscreen.features.codes import Encoded, blank_values, encode_column, known_positions, lookup
from claimscreen.features.identity_match import (
    DOB_OFFSET,
    NICKNAME_GROUPS,
    BoolArr,
    IntArr,
    LinkageSettings,
    Records,
    code_names,
    compare_pairs,
    decide_merges,
    dob_related,
    soundex,
    to_day_numbers,
    ymd_of_days,
)

__all__ = [
    "CONTACT_COLUMNS",
    "NICKNAME_GROUPS",
    "REQUIRED_COLUMNS",
    "KnownIds",
    "LinkageSettings",
    "compare_claims",
    "link_identities",
    "lookup_known_ids",
    "resolve_identities",
    "soundex",
]

REQUIRED_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "filed_at",
    "ssn_token",
    "first_name_norm",
    "last_name_norm",
    "date_of_birth",
)
#: Optional columns used when present.
CONTACT_COLUMNS: tuple[str, ...] = (
    "email_canonical",
    "phone_e164",
    "address_norm",
    "zip5",
    "bank_account_token",
    "ssn_last4",
    "ssn_head_token",
)

_SOUNDEX_SPACE = 1 << 15
_FILTER_SLOTS = 1 << 26  # the flags of touched block keys (64 MB; a power of two)


@dataclass(frozen=True)
class KnownIds:
    """The ids given on earlier nights: each claim's ``code`` into ``names`` (-1 for a new claim)."""

    code: IntArr
    names: pa.Array


# --- Public API ------------------------------------------------------------------------------


def link_identities(
    claims: pd.DataFrame,
    known: pd.DataFrame | None = None,
    settings: LinkageSettings | None = None,
    *,
    encoded: dict[str, Encoded] | None = None,
    known_position: IntArr | None = None,
) -> pd.Series:
    """identity_id for every row of ``claims`` (same index); see the module docstring.

    ``claims`` is the window of claims (history + tonight) with the columns of
    :data:`REQUIRED_COLUMNS` (and, when present, those of :data:`CONTACT_COLUMNS`).
    ``known`` holds the ids assigned on earlier nights (``claim_id, identity_id``;
    may be None or empty). Claims in ``known`` keep
    their id unless their cluster merges with an older identity, in which case
    the cluster takes the oldest id (of the earliest filed claim).
    ``encoded`` (the window's text columns already coded, :mod:`~claimscreen.features.codes`)
    and ``known_position`` (each claim's row in ``known``, -1 if none) save work; same result.
    """
    codes, names = resolve_identities(claims, known, settings, encoded=encoded, known_position=known_position)
    return pd.Series(
        pd.array(names.take(pa.array(codes)), dtype="str"), index=claims.index, name="identity_id"
    )


def resolve_identities(
    claims: pd.DataFrame,
    known: pd.DataFrame | None = None,
    settings: LinkageSettings | None = None,
    *,
    encoded: dict[str, Encoded] | None = None,
    known_position: IntArr | None = None,
    known_ids: KnownIds | None = None,
) -> tuple[IntArr, pa.Array]:
    """:func:`link_identities` as codes: each row's code into the distinct ids (equal ids, equal codes).

    ``known_ids`` (:func:`lookup_known_ids` of ``known``, done by the caller) replaces ``known``.
    """
    check_columns(claims, REQUIRED_COLUMNS, "claims")
    settings = settings or LinkageSettings()
    if claims.empty:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.large_string())
    if known_ids is None:
        known_ids = lookup_known_ids(claims, known, known_position)
    is_new = known_ids.code < 0
    records = prepare_records(claims, is_new, encoded or {})
    left, right = find_candidate_pairs(records, is_new, settings)
    accepted = decide_merges(records, left, right, settings) > 0
    del records
    return assign_ids(claims, known_ids, left[accepted], right[accepted])


def compare_claims(
    claims: pd.DataFrame, left: list[int], right: list[int], settings: LinkageSettings | None = None
) -> pd.DataFrame:
    """The comparisons and the rule (0 = not linked) of claim pairs, by row position: for explanations."""
    check_columns(claims, REQUIRED_COLUMNS, "claims")
    settings = settings or LinkageSettings()
    records = prepare_records(claims, np.ones(len(claims), dtype=bool), {})
    a, b = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    table: dict[str, Any] = dict(compare_pairs(records, a, b, settings))
    table["rule"] = decide_merges(records, a, b, settings)
    return pd.DataFrame(table)


def check_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Raise ValueError naming the required columns the frame lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"link_identities: {what} lack columns: {', '.join(missing)}")


def lookup_known_ids(
    claims: pd.DataFrame,
    known: pd.DataFrame | None,
    known_position: IntArr | None = None,
    encoded: Encoded | None = None,
) -> KnownIds:
    """The identity_id already assigned to each claim, as codes into the distinct known ids.

    ``known_position`` (each claim's row in ``known``, -1 if none) spares the claim_id lookup,
    and ``encoded`` (:func:`encode_column` of ``known["identity_id"]``) the encoding.
    """
    if known is None or known.empty:
        return KnownIds(np.full(len(claims), -1, dtype=np.int64), pa.array([], pa.large_string()))
    check_columns(known, ("claim_id", "identity_id"), "known")
    if known_position is None:
        known_position = known_positions(claims["claim_id"], known["claim_id"])
    if encoded is None:
        encoded = encode_column(known["identity_id"])
    found = known_position >= 0
    code = np.full(len(claims), -1, dtype=np.int64)
    code[found] = encoded.codes[known_position[found]]
    return KnownIds(code, encoded.values.cast(pa.large_string()))


# --- Preparing the matching fields -----------------------------------------------------------


def prepare_records(claims: pd.DataFrame, is_new: BoolArr, encoded: dict[str, Encoded]) -> Records:
    """Integer codes of every matching field (see :class:`Records`); ``encoded`` columns are not re-read."""
    dob = to_day_numbers(claims["date_of_birth"])
    names = code_names(claims["first_name_norm"], claims["last_name_norm"])

    def code(column: str) -> IntArr:
        return code_column(claims, column, is_new, encoded)[0]

    last4, last4_values = code_column(claims, "ssn_last4", is_new, encoded)
    return Records(
        ssn=code("ssn_token"),
        email=code("email_canonical"),
        phone=code("phone_e164"),
        address=code("address_norm"),
        zip5=code("zip5"),
        bank=code("bank_account_token"),
        last4=last4,
        last4_number=digits_as_numbers(last4_values),
        ssn_head=code("ssn_head_token"),
        dob_days=dob,
        dob_ymd=ymd_of_days(dob),
        **names,
    )


def code_column(
    claims: pd.DataFrame, column: str, is_new: BoolArr, encoded: dict[str, Encoded]
) -> tuple[IntArr, pa.Array]:
    """(:func:`code_values` of the column, the value of each code); ``encoded`` is used when it covers."""
    if column in encoded and encoded[column].covers(is_new):
        codes, wanted = code_encoded(encoded[column], is_new)
        return codes, encoded[column].values_at(wanted) if len(wanted) else pa.array([], pa.string())
    if column not in claims.columns:
        return np.full(len(claims), -1, dtype=np.int64), pa.array([], pa.string())
    return code_values(claims[column], is_new)


def digits_as_numbers(values: pa.Array) -> IntArr:
    """Each text of digits as an integer; -1 for any other text."""
    text = pd.Series(values.to_pylist(), dtype="str")
    numbers = pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,18}", na=False)), errors="coerce")
    return numbers.fillna(-1).to_numpy(dtype=np.int64)


def to_strings(values: pd.Series) -> pa.ChunkedArray:
    """A text column as an Arrow string array."""
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    array = pa.array(values.array)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def code_values(values: pd.Series, is_new: BoolArr) -> tuple[IntArr, pa.Array]:
    """Each value's position among the values new claims have (-1 where missing, blank or
    history-only), and those values.

    Two known claims are never compared, so a value no new claim has needs no code: probing
    history against tonight's values is cheaper than factorizing the whole history.
    """
    array = to_strings(values)
    wanted = pc.unique(array.filter(pa.array(is_new))).drop_null()
    wanted = wanted.filter(pc.invert(pc.equal(pc.utf8_trim_whitespace(wanted), "")))
    codes = pc.index_in(array, value_set=wanted, skip_nulls=True)
    return np.asarray(pc.fill_null(codes, -1).to_numpy(), dtype=np.int64), wanted


def code_encoded(encoded: Encoded, is_new: BoolArr) -> tuple[IntArr, IntArr]:
    """:func:`code_values` from codes made once for the whole window (the same codes, no text read),
    and the window's code of each."""
    new_codes = encoded.codes[is_new]
    wanted = pd.unique(new_codes[new_codes >= 0])
    wanted = wanted[~blank_values(encoded, wanted)]
    mapping = np.full(encoded.size, -1, dtype=np.int64)
    mapping[wanted] = np.arange(len(wanted))
    return lookup(mapping, encoded.codes), np.asarray(wanted, dtype=np.int64)


# --- Blocking ----------------------------------------------------------------------------------


#: Block kinds keyed by a field's own code: codes are given only to values new claims have
#: (:func:`code_values`), so every block of these kinds holds a new claim.
_NEW_VALUE_KINDS = frozenset({"ssn", "email", "phone", "address", "bank"})


def block_keys(records: Records) -> Iterator[tuple[str, IntArr, IntArr, IntArr | None]]:
    """(kind, rows, key, refinement) of each blocking key; keys < 0 are not blocked on.

    Every rule needs the same SSN or a ``contact``, so blocking on exactly those is lossless.
    """
    r = records
    rows = np.arange(len(r), dtype=np.int64)
    for kind, codes in (("ssn", r.ssn), ("email", r.email), ("phone", r.phone), ("address", r.address)):
        yield kind, rows, codes, r.last_sound
    yield "bank", rows, r.bank, r.last_sound
    by_name = np.r_[r.last4 * _SOUNDEX_SPACE + r.last_sound, r.last4 * _SOUNDEX_SPACE + r.first_sound]
    valid = np.r_[(r.last4 >= 0) & (r.last_sound >= 0), (r.last4 >= 0) & (r.first_sound >= 0)]
    yield "last4_name", np.r_[rows, rows], np.where(valid, by_name, -1), None
    del by_name, valid  # each kind's arrays go before the next kind's are made (the stage's peak)
    known = r.dob_known(rows)
    zip_dob = r.zip5 * (2 * DOB_OFFSET) + r.dob_days + DOB_OFFSET
    yield "zip_dob", rows, np.where((r.zip5 >= 0) & known, zip_dob, -1), None
    del zip_dob
    head_dob = r.ssn_head * (2 * DOB_OFFSET) + r.dob_days + DOB_OFFSET
    yield "head_dob", rows, np.where((r.ssn_head >= 0) & known, head_dob, -1), None
    del head_dob, known
    by_head = np.r_[r.ssn_head * _SOUNDEX_SPACE + r.last_sound, r.ssn_head * _SOUNDEX_SPACE + r.first_sound]
    valid = np.r_[(r.ssn_head >= 0) & (r.last_sound >= 0), (r.ssn_head >= 0) & (r.first_sound >= 0)]
    yield "head_name", np.r_[rows, rows], np.where(valid, by_head, -1), None


def find_candidate_pairs(
    records: Records, is_new: BoolArr, settings: LinkageSettings
) -> tuple[IntArr, IntArr]:
    """Distinct pairs (left < right) sharing a block key, at least one of them new.

    Pairs whose dates of birth are unrelated are dropped at once, but in the ``ssn`` blocks:
    no other rule links them.
    """
    found: list[IntArr] = []
    n = len(records)
    for kind, rows, keys, refine in block_keys(records):
        touched = kind in _NEW_VALUE_KINDS
        for left, right in pairs_within_blocks(rows, keys, is_new[rows], refine, settings, touched):
            if kind != "ssn":
                related = dob_related(records, left, right)
                left, right = left[related], right[related]
            found.append(np.minimum(left, right) * n + np.maximum(left, right))
        del rows, keys, refine  # before the generator makes the next kind's
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = pd.unique(np.concatenate(found))
    return keys // n, keys % n


def pairs_within_blocks(
    rows: IntArr,
    keys: IntArr,
    is_new: BoolArr,
    refine: IntArr | None,
    settings: LinkageSettings,
    touched: bool = False,
) -> Iterator[tuple[IntArr, IntArr]]:
    """Row pairs sharing a key (at least one new), in chunks.

    Blocks over the size cap are split by ``refine`` (when given) or skipped. ``touched``: every
    valid key is known to be some new claim's (no lookup needed to drop the others).
    """
    if touched:
        valid = keys >= 0
        rows, keys, is_new = rows[valid], keys[valid], is_new[valid]
    else:
        rows, keys, is_new = keep_touched_blocks(rows, keys, is_new)
    rows, keys, is_new = sort_blocks(rows, keys, is_new)
    big = block_sizes(keys) > settings.max_block_size
    if refine is not None and big.any():
        sub = refine[rows]
        keys = np.where(big, np.where(sub >= 0, keys * _SOUNDEX_SPACE + sub, -1), keys)
        rows, keys, is_new = keep_touched_blocks(rows, keys, is_new)
        rows, keys, is_new = sort_blocks(rows, keys, is_new)
        big = block_sizes(keys) > settings.max_block_size
    ends = np.arange(len(keys)) + block_sizes(keys) - block_ranks(keys)
    counts = np.where(is_new & ~big, ends - np.arange(len(keys)) - 1, 0)
    yield from chunk_pairs(rows, counts, settings.pair_chunk)


def keep_touched_blocks(rows: IntArr, keys: IntArr, is_new: BoolArr) -> tuple[IntArr, IntArr, BoolArr]:
    """The valid keys that some new claim has (whole blocks), and perhaps a few blocks without
    one: a key is looked up by its slot among :data:`_FILTER_SLOTS` in a table of flags (no
    hashing of 20 million keys, at most 64 MB), so another key may share a touched key's flag.
    A block without a new claim makes no pair: the pairs are the same."""
    valid = keys >= 0
    if is_new.all():
        return rows[valid], keys[valid], is_new[valid]
    span = int(keys.max(initial=0)) + 1
    table = np.zeros(min(span, _FILTER_SLOTS), dtype=bool)
    table[_flag_slots(keys[valid & is_new], span)] = True
    keep = valid & table[_flag_slots(keys, span)]  # key -1 is never kept: not valid
    return rows[keep], keys[keep], is_new[keep]


def _flag_slots(keys: IntArr, span: int) -> IntArr:
    """Each key's slot among :data:`_FILTER_SLOTS` flags: the key itself when ``span`` fits,
    else a multiplicative hash of it (keys such as last four * 2^15 + sound would otherwise
    fold onto each other's slots)."""
    if span <= _FILTER_SLOTS:
        return keys
    mixed = keys.astype(np.uint64)  # one copy, hashed in place (20 million keys: 160 MB each)
    mixed *= np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing, modulo 2^64
    mixed >>= np.uint64(64 - (_FILTER_SLOTS.bit_length() - 1))
    return mixed.view(np.int64)


def sort_blocks(rows: IntArr, keys: IntArr, is_new: BoolArr) -> tuple[IntArr, IntArr, BoolArr]:
    """Sorted by key, new claims first within each block."""
    order = np.argsort(keys * 2 + ~is_new)
    return rows[order], keys[order], is_new[order]


def block_ranks(keys: IntArr) -> IntArr:
    """Position of each sorted key within its block."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(keys)])
    return np.arange(len(keys)) - np.repeat(starts, sizes)


def block_sizes(keys: IntArr) -> IntArr:
    """Size of the block of each sorted key."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(keys)])
    return np.repeat(sizes, sizes)


def chunk_pairs(rows: IntArr, counts: IntArr, chunk: int) -> Iterator[tuple[IntArr, IntArr]]:
    """For each sorted position p with counts[p] = c, the pairs (p, p+1..p+c), as rows, in chunks."""
    cumulative = np.cumsum(counts)
    start = 0
    while start < len(rows):
        base = cumulative[start - 1] if start else 0
        stop = max(int(np.searchsorted(cumulative, base + chunk, side="right")), start + 1)
        positions = np.arange(start, stop)
        n_pairs = counts[start:stop]
        left = np.repeat(positions, n_pairs)
        offsets = np.arange(len(left)) - np.repeat(cumulative[start:stop] - n_pairs - base, n_pairs)
        right = left + 1 + offsets
        pair_rows = rows[left], rows[right]
        distinct = pair_rows[0] != pair_rows[1]
        yield pair_rows[0][distinct], pair_rows[1][distinct]
        start = stop


# --- Clusters and ids --------------------------------------------------------------------------


def assign_ids(claims: pd.DataFrame, known: KnownIds, left: IntArr, right: IntArr) -> tuple[IntArr, pa.Array]:
    """The identity_id of each claim as (codes, ids), given the accepted pairs (see "Ids" in the
    module docstring); equal ids have equal codes.

    Every known identity is one node and every new claim another; only the claims of components
    with more than one node are named again, in integer codes: a known claim elsewhere keeps its
    id and a lone new claim is a new identity.
    """
    is_new = known.code < 0
    node, n_nodes = graph_nodes(known, is_new)
    component = join_nodes(node[left], node[right], n_nodes)
    label = component[node]
    merged = np.flatnonzero(np.bincount(component)[label] > 1)
    claim_ids = to_strings(claims["claim_id"])
    filed = filing_order(claims["filed_at"].iloc[merged])
    groups, earliest = earliest_rows(label[merged], merged, filed, claim_ids)
    known_at = ~is_new[merged]
    with_known, oldest = earliest_rows(label[merged][known_at], merged[known_at], filed[known_at], claim_ids)
    chosen = np.full(len(groups), -1, dtype=np.int64)
    chosen[np.searchsorted(groups, with_known)] = known.code[oldest]
    fresh_groups = np.flatnonzero(chosen < 0)
    lone_new = np.flatnonzero(is_new & (np.bincount(component)[label] == 1))
    n_names = len(known.names)
    chosen[fresh_groups] = n_names + len(lone_new) + np.arange(len(fresh_groups))
    out = known.code.copy()
    out[lone_new] = n_names + np.arange(len(lone_new))
    out[merged] = chosen[np.searchsorted(groups, label[merged])]
    fresh_ids = claim_ids.take(pa.array(np.r_[lone_new, earliest[fresh_groups]])).to_pylist()
    fresh = pa.array(new_identity_ids(fresh_ids), pa.large_string())
    return distinct_codes(out, known.names, fresh)


def distinct_codes(codes: IntArr, names: pa.Array, fresh: pa.Array) -> tuple[IntArr, pa.Array]:
    """``codes`` into ``names`` then ``fresh``, renumbered so that equal texts share one code.

    ``names`` are distinct; a fresh id may repeat one of them or another fresh id (12 hex digits of
    SHA-1 collide now and then among millions), and must then count as the same identity.
    """
    n_names = len(names)
    encoded = fresh.dictionary_encode()
    distinct = encoded.dictionary
    in_names = np.full(len(distinct), -1, dtype=np.int64)
    if n_names and len(distinct):
        hit = pc.fill_null(pc.index_in(names, value_set=distinct), -1).to_numpy(zero_copy_only=False)
        hit = np.asarray(hit, dtype=np.int64)
        at = np.flatnonzero(hit >= 0)
        in_names[hit[at]] = at
    to_code = np.where(in_names >= 0, in_names, n_names + np.arange(len(distinct)))
    fresh_code = to_code[np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    is_fresh = codes >= n_names
    out = codes.copy()
    out[is_fresh] = fresh_code[codes[is_fresh] - n_names]
    return out, pa.concat_arrays([names, distinct])


def graph_nodes(known: KnownIds, is_new: BoolArr) -> tuple[IntArr, int]:
    """The node of each claim (its known identity's code, else one node per new claim) and the count."""
    node = known.code.copy()
    new_rows = np.flatnonzero(is_new)
    node[new_rows] = len(known.names) + np.arange(len(new_rows))
    return node, len(known.names) + len(new_rows)


def join_nodes(a: IntArr, b: IntArr, n_nodes: int) -> IntArr:
    """The connected component of each node, given the edges ``a[i] - b[i]``."""
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n_nodes, n_nodes)).tocsr()
    _, component = connected_components(graph, directed=False)
    return component.astype(np.int64)


def filing_order(filed_at: pd.Series) -> IntArr:
    """Filing times as sortable integers (UTC), missing ones last."""
    stamps = pd.DatetimeIndex(pd.to_datetime(filed_at, utc=True))
    order = stamps.asi8.copy()
    order[stamps.isna()] = np.iinfo(np.int64).max
    return order


def earliest_rows(
    group: IntArr, rows: IntArr, filed: IntArr, claim_ids: pa.ChunkedArray
) -> tuple[IntArr, IntArr]:
    """(sorted groups, the row of each group's earliest claim by filing time, then claim_id)."""
    order = np.lexsort((filed, group))
    group, rows, filed = group[order], rows[order], filed[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(group)])
    tied = np.flatnonzero(filed == np.repeat(filed[starts], sizes))
    if len(tied) == len(starts):
        return group[starts], rows[starts]
    ties = pa.table({"group": group[tied], "claim_id": claim_ids.take(pa.array(rows[tied]))})
    by_id = pc.sort_indices(ties, sort_keys=[("group", "ascending"), ("claim_id", "ascending")])
    tied = tied[by_id.to_numpy()]
    first = np.r_[True, group[tied][1:] != group[tied][:-1]]
    return group[tied][first], rows[tied][first]


def new_identity_id(claim_id: str) -> str:
    """A new identity's id: ``ID-`` + the first 12 hex digits of the SHA-1 of its earliest claim_id."""
    return "ID-" + hashlib.sha1(str(claim_id).encode("utf-8")).hexdigest()[:12]


def new_identity_ids(claim_ids: list[str]) -> list[str]:
    """:func:`new_identity_id` of many claims (the one Python loop: about a microsecond a claim)."""
    sha1 = hashlib.sha1
    return ["ID-" + sha1(c.encode()).hexdigest()[:12] for c in claim_ids]


# --- Evaluation --------------------------------------------------------------------------------


def count_pairs(groups: list[pd.Series]) -> int:
    """Pairs of rows that agree on every grouping column."""
    sizes = pd.DataFrame({i: g.to_numpy() for i, g in enumerate(groups)}).value_counts(dropna=False)
    values = sizes.to_numpy(dtype=np.int64)
    return int((values * (values - 1) // 2).sum())


def pairwise_precision_recall(
    predicted: pd.Series, truth: pd.Series, focus: pd.Series | None = None
) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the true one (same index).

    With ``focus`` (a boolean Series), only pairs with at least one focused row count.
    """
    focus = pd.Series(True, index=predicted.index) if focus is None else focus.astype(bool)

    def pairs(groups: list[pd.Series]) -> int:
        outside = [g[~focus] for g in groups]
        return count_pairs(groups) - (count_pairs(outside) if (~focus).any() else 0)

    both = pairs([predicted, truth])
    found, true = pairs([predicted]), pairs([truth])
    return (both / found if found else 1.0), (both / true if true else 1.0)
