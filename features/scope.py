"""The part of the window tonight's claims reach: what the rings, the sharing features and the
identity signals of tonight's claims read, and nothing else.

A night's features describe tonight's claims only, but the window holds the ``history_days``
before it (ten million claims behind a night of a million in ``bench/nightly.py``'s large
case). Once the window's columns are coded and identities resolved, the later steps read only
:func:`tonight_reach` of the window, so that their cost follows what tonight touches instead of
the window's length. The rows reached:

* **tonight's claims**;
* **every claim linked to them through the ring graph's kinds**
  (:data:`~claimscreen.features.ring_graph.KINDS`: bank account, device, IP address, email,
  phone, residence or mailing address), followed link after link until nothing is added, and
  every claim carrying a ring id, from an earlier night, that a claim so reached carries, or that
  is a name a new ring would take after it (a new ring is named after its earliest claim unless
  a ring keeps that name as its earlier id, :func:`~claimscreen.features.network.find_rings`: a
  ring's earliest claim may since have parted from the ring it named). Every claim holding a value
  any of these holds is among them, so each value's count, each ring edge's rule and each
  component touching tonight is the same as over the whole window, an earlier ring's id is
  contested by the same pieces, and a new ring finds the same names taken;
* **every claim sharing an SSN** with one of tonight's (the SSN-reuse signals);
* **every claim of a person** (identity) one of the claims above belongs to: the homes a
  person gave on other claims make people of one family (the sharing features' families).

Components of the ring graph that touch none of tonight's claims may be cut (a person's other
claim reached by identity may share a value with claims not reached), but no row of tonight and
no ring holding one reads them. The device and velocity features count claims by IP network as
well (a /24), which links far more of the window: they run on the whole window, before this.

Where a state's history shares much with tonight (public networks, shelters, people who file
every year), the reach is a larger part of the window; it is never a different answer. The
features stage's tests compute nights both ways and compare them (``tests/features/test_scope.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import csr_matrix

from claimscreen.features.codes import Encoded, lookup, take_rows, to_arrow
from claimscreen.features.network import new_ring_id
from claimscreen.features.ring_graph import (
    RISKY_IP,
    RingRules,
    address_parts,
    distinct_per_group,
    most_linking,
)

__all__ = ["Reach", "narrow_encoded", "tonight_reach"]

Arr = np.ndarray[Any, Any]
BoolArr = np.ndarray[Any, np.dtype[np.bool_]]

#: The ring graph's kinds with one column each (an address is followed by its street line).
LINK_COLUMNS: dict[str, str] = {
    "bank_account": "bank_account_token",
    "device": "device_id",
    "ip": "ip_address",
    "email": "email_canonical",
    "phone": "phone_e164",
}


@dataclass
class Reach:
    """What :func:`tonight_reach` found."""

    #: Per window row: read by the later steps.
    rows: BoolArr
    #: Per column of :data:`LINK_COLUMNS`: per code, a value too widely shared to link anyone
    #: (more people than any edge rule of its kind allows), not one of tonight's: not all of its
    #: claims are read, so the rings must not see it (:func:`narrow_encoded` blanks it).
    unlinked: dict[str, BoolArr] = field(default_factory=dict)
    #: Rounds of following links until nothing was added.
    rounds: int = 0


def _wanted(codes: Arr, rows: BoolArr, size: int) -> BoolArr:
    """Per code: held by one of ``rows``."""
    wanted = np.zeros(size, dtype=bool)
    given = codes[rows]
    wanted[given[given >= 0]] = True
    return wanted


def _holding(codes: Arr, wanted: BoolArr) -> BoolArr:
    """Per row: its code is one of ``wanted``."""
    return np.asarray(lookup(wanted, codes, False), dtype=bool)


def _street_codes(encoded: dict[str, Encoded]) -> tuple[Arr, Arr] | None:
    """Residence and mailing street lines as codes in one namespace, or None
    (:func:`~claimscreen.features.ring_graph.address_parts`). The ZIP code is left out: a street
    line at two ZIP codes links the rows of both (more rows read, never fewer)."""
    if "address_norm" not in encoded or "zip5" not in encoded:
        return None
    streets = address_parts(encoded)[0]
    return streets[0], streets[1] if len(streets) == 2 else np.full(len(streets[0]), -1, dtype=np.int64)


class _Link:
    """One kind of value that links claims: its codes (one array per slot, row for row), the rows
    giving each code (an index built once), and which codes were looked at. ``also``: per rows,
    more codes they give (not indexed: the rows giving a code are those of ``parts``)."""

    def __init__(
        self,
        column: str,
        parts: list[Arr],
        size: int,
        kind: str | None,
        also: Callable[[Arr], Arr] | None = None,
    ) -> None:
        self.column, self.parts, self.size, self.kind, self.also = column, parts, size, kind, also
        self.starts = self.rows = np.zeros(0, dtype=np.int64)
        self.decided = np.zeros(size, dtype=bool)
        self.unlinked = np.zeros(size, dtype=bool)

    def build(self) -> None:
        """Index the rows by code, sorted by code in one counting pass (SciPy's COO to CSR)."""
        n = len(self.parts[0])
        values = np.concatenate(self.parts)
        at = np.flatnonzero(values >= 0)
        index = csr_matrix(
            (np.ones(len(at), dtype=bool), (values[at], at % n)), shape=(max(self.size, 1), max(n, 1))
        )
        self.starts, self.rows = index.indptr, index.indices

    def given_by(self, rows: Arr) -> Arr:
        """The distinct codes ``rows`` give, not looked at before (they are marked looked at)."""
        codes = np.concatenate([part[rows] for part in self.parts] + ([self.also(rows)] if self.also else []))
        codes = codes[codes >= 0]
        if len(codes) > self.size // 16:  # many (tonight's): a mask beats a hash
            given = np.zeros(self.size, dtype=bool)
            given[codes] = True
            codes = np.flatnonzero(given)
        else:
            codes = np.unique(codes)
        codes = codes[~self.decided[codes]]
        self.decided[codes] = True
        return codes

    def rows_giving(self, codes: Arr) -> tuple[Arr, Arr]:
        """The rows giving each of ``codes``, and for each row the position of its code in ``codes``."""
        first, counts = self.starts[codes], self.starts[codes + 1] - self.starts[codes]
        group = np.repeat(np.arange(len(codes)), counts)
        at = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + first[group]
        return np.asarray(self.rows[at], dtype=np.int64), group


def tonight_reach(
    encoded: dict[str, Encoded],
    identity: Arr,
    tonight: BoolArr,
    ring_codes: Arr | None = None,
    rules: RingRules | None = None,
    risky: Callable[[pa.Array], BoolArr] | None = None,
    claim_ids: pd.Series | None = None,
    ring_ids: Sequence[str] | None = None,
) -> Reach:
    """Which rows of the window the later steps read (the module docstring says which and why).

    ``encoded``: the window's coded columns (the ring kinds' and ``ssn_token``); ``identity``: each
    row's identity code; ``tonight``: tonight's rows; ``ring_codes``: per row, a code of the ring
    id an earlier night gave it (-1 for none); ``rules``: the ring rule; ``risky``: per IP address
    (text), is it in a hosting, VPN or Tor range (their rule links more people); ``claim_ids``:
    each row's, and ``ring_ids``: the ring id of each code of ``ring_codes`` (with both, the names
    a new ring would take after a claim are looked for among the earlier ring ids).

    Each round follows the values the rows added in the round before give, through an index of
    the rows by value: a round costs what it adds, not the window's length.
    """
    rules = rules or RingRules()
    people = np.asarray(identity, dtype=np.int64)
    tonight = np.asarray(tonight, dtype=bool)
    links: list[_Link] = []
    for kind, column in LINK_COLUMNS.items():
        if column in encoded:
            codes = np.asarray(encoded[column].codes, dtype=np.int64)
            links.append(_Link(column, [codes], encoded[column].size, kind))
    streets = _street_codes(encoded)
    if streets is not None:
        size = int(max(streets[0].max(initial=-1), streets[1].max(initial=-1))) + 1
        links.append(_Link("", list(streets), size, None))
    if ring_codes is not None:
        codes = np.asarray(ring_codes, dtype=np.int64)
        size = int(codes.max(initial=-1)) + 1
        named = None
        if claim_ids is not None and ring_ids is not None and len(ring_ids):
            named, size = _RingNames(claim_ids, ring_ids, tonight), max(size, len(ring_ids))
        links.append(_Link("", [codes], size, None, named))
    with ThreadPoolExecutor(max_workers=2) as pool:  # SciPy and NumPy let go of the GIL here
        list(pool.map(_Link.build, links))
    reached = tonight.copy()
    frontier = np.flatnonzero(tonight)
    rounds = 0
    while len(frontier):
        rounds += 1
        added = []
        for link in links:
            codes = link.given_by(frontier)
            if not len(codes):
                continue
            rows, group = link.rows_giving(codes)
            if link.kind is not None:  # a value given by more people than its kind links: no further
                follow = _linking(link, codes, rows, group, people, rules, risky, encoded)
                link.unlinked[codes[~follow]] = True
                rows = rows[follow[group]]
            added.append(rows[~reached[rows]])
        frontier = np.unique(np.concatenate(added)) if added else np.zeros(0, dtype=np.int64)
        reached[frontier] = True
    # Tonight's own values, whoever gave them (the sharing counts), and the SSN.
    unlinked = {}
    for link in links:
        if link.kind is not None:
            mine = _wanted(link.parts[0], tonight, link.size)
            reached |= _holding(link.parts[0], mine)
            if (link.unlinked & ~mine).any():
                unlinked[link.column] = link.unlinked & ~mine
    if "ssn_token" in encoded:
        ssn = np.asarray(encoded["ssn_token"].codes, dtype=np.int64)
        reached |= _holding(ssn, _wanted(ssn, tonight, encoded["ssn_token"].size))
    reached |= _holding(people, _wanted(people, reached, int(people.max(initial=-1)) + 1))
    return Reach(reached, unlinked, rounds)


class _RingNames:
    """Per rows of the window: the codes of the earlier ring ids a new ring would try as its name
    were one of the rows its earliest claim (:func:`~claimscreen.features.network.find_rings`: the
    claim's name, then the next while a ring keeps that one).

    Tonight's claims are left out: an earlier night named its rings after claims of its own
    window, so a name of one of tonight's claims is an earlier ring's only if two claim ids' SHA-1
    agree on their first 48 bits (the chance the reach takes too for a new ring named like one it
    does not read). A row is looked at in one round only: one hash each, more only for names kept."""

    def __init__(self, claim_ids: pd.Series, ring_ids: Sequence[str], tonight: BoolArr) -> None:
        self.claim_ids, self.tonight = to_arrow(claim_ids), tonight
        self.code_of = {str(ring_id): code for code, ring_id in enumerate(ring_ids)}

    def __call__(self, rows: Arr) -> Arr:
        rows = np.asarray(rows[~self.tonight[rows]], dtype=np.int64)
        found: list[int] = []
        for claim_id in take_rows(self.claim_ids, rows).to_pylist() if len(rows) else []:
            attempt = 0
            while (code := self.code_of.get(new_ring_id(str(claim_id), attempt))) is not None:
                found.append(code)
                attempt += 1
        return np.asarray(found, dtype=np.int64)


def _linking(
    link: _Link,
    codes: Arr,
    rows: Arr,
    group: Arr,
    people: Arr,
    rules: RingRules,
    risky: Callable[[pa.Array], BoolArr] | None,
    encoded: dict[str, Encoded],
) -> BoolArr:
    """Per one of ``codes`` (``rows`` give them, ``group`` says which): given by few enough people
    to link them under any rule of the link's kind."""
    assert link.kind is not None
    ids = distinct_per_group(group, people[rows], len(codes))
    follow = ids <= most_linking(rules, link.kind)
    if link.kind == "ip" and risky is not None:
        maybe = np.flatnonzero(~follow & (ids <= most_linking(rules, RISKY_IP)))
        if len(maybe):
            follow[maybe[risky(encoded[link.column].values_at(codes[maybe]))]] = True
    return follow


def narrow_encoded(encoded: Encoded, keep: BoolArr, unlinked: BoolArr | None = None) -> Encoded:
    """The column's codes on the rows of the mask ``keep``, renumbered over the values those rows
    hold, in the same order (a code below another stays below it), with those values stored.
    ``unlinked``: per code, values made missing (:attr:`Reach.unlinked`)."""
    codes = np.asarray(encoded.codes)[keep]
    if unlinked is not None:
        codes = np.where(lookup(unlinked, codes, False), -1, codes).astype(codes.dtype)
    present = np.zeros(encoded.size + 1, dtype=bool)  # the last slot: code -1
    present[codes] = True
    used = np.flatnonzero(present[:-1])
    renumber = np.full(encoded.size, -1, dtype=np.int32)
    renumber[used] = np.arange(len(used), dtype=np.int32)
    return Encoded(
        np.asarray(lookup(renumber, codes), dtype=np.int32),
        stored=encoded.values_at(used),
        rows=None if encoded.rows is None else encoded.rows[keep],
    )
