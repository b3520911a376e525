"""The ring minimum: which connected components of the ring graph are rings.

A component is a ring when it holds enough identities and is none of the groups of honest
people who share identifiers for ordinary reasons: one household at one home, one family at
a few homes, or a few people a helper filed for from one home computer. Strangers who all
first gave one unit within days are the start of a mail drop, household-sized or not. The
rules are those of :mod:`claimscreen.features.network` (its docstring says why each holds);
the graph is :mod:`claimscreen.features.ring_graph`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from claimscreen.features.ring_graph import (
    DAY_SECONDS,
    KINDS,
    Arr,
    RingGraph,
    RingRules,
    SharedCodes,
    connected_labels,
    distinct_per_group,
    filing_seconds,
    ip_networks,
    on_congregate_list,
    ring_graph,
    surname_words,
    unit_level,
)

__all__ = ["ring_components"]


def ring_components(
    claims: pd.DataFrame,
    ip_categories: pd.Series | None = None,
    rules: RingRules | None = None,
    shared: SharedCodes | None = None,
    congregate: pd.DataFrame | None = None,
    *,
    fraud_claim_ids: Iterable[str] | None = None,
    red_flags: pd.Series | None = None,
) -> tuple[Arr, Arr]:
    """Component label of every row (singletons included), and per component: is it a ring.

    ``is_ring[labels[i]]`` says whether row ``i``'s component is a ring (the
    ring minimum of :mod:`~claimscreen.features.network`: enough identities, not one
    household, not one family at a few homes, not a helper's computer). A component holding a claim of
    ``fraud_claim_ids`` or a ``red_flags`` row (row for row with ``claims``) is never a family.
    """
    rules = rules or RingRules()
    graph = ring_graph(claims, ip_categories, rules, shared, congregate)
    labels = connected_labels(graph.claim, graph.node, graph.n_claims)
    enough, household = _ring_minimum(labels, graph.ident, graph.residence, rules)
    is_ring = enough & ~household
    evidence = partial(_evidence, claims, fraud_claim_ids, red_flags)
    if rules.family_homes >= 2 and is_ring.any():
        is_ring &= ~_families(labels, graph, is_ring, claims, rules, evidence)
    if rules.shared_computers and is_ring.any() and "ip_address" in claims.columns:
        is_ring &= ~_shared_computers(labels, graph, is_ring, claims, rules, evidence)
    if rules.strangers_days > 0 and "last_name_norm" in claims.columns and "address_norm" in claims.columns:
        is_ring |= _strangers_at_unit(labels, graph, claims, rules, congregate, enough & household)
    return labels, is_ring


def _ring_minimum(labels: Arr, ident: Arr, residence: Arr, rules: RingRules) -> tuple[Arr, Arr]:
    """Per component: enough identities for a ring, and one household (few people, all at one
    residence); a ring is the first without the second."""
    size = np.bincount(labels, minlength=1)
    rows = np.flatnonzero(size[labels] >= rules.min_ring_identities)
    comp = labels[rows]
    identities = distinct_per_group(comp, ident[rows], len(size))
    lowest = np.full(len(size), np.iinfo(np.int64).max)
    highest = np.full(len(size), -1)
    np.minimum.at(lowest, comp, residence[rows])
    np.maximum.at(highest, comp, residence[rows])
    household = (lowest == highest) & (lowest >= 0) & (identities <= rules.household_identities)
    return identities >= rules.min_ring_identities, household


def _strangers_at_unit(
    labels: Arr,
    graph: RingGraph,
    claims: pd.DataFrame,
    rules: RingRules,
    congregate: pd.DataFrame | None,
    candidate: Arr,
) -> Arr:
    """Per component of ``candidate`` (a household of enough people for a ring, all at one
    residence: :func:`_ring_minimum`): whether its residence is a unit or PO box, its people
    share no surname word (:func:`surname_words`), and ``min_ring_identities`` of them first gave
    it within ``strangers_days``: the start of a mail drop. Roommates move in over weeks or
    months; relatives share a name. Never an address on the congregate-address list."""
    maybe, n = candidate.copy(), len(candidate)
    if not maybe.any():
        return maybe
    rows = np.flatnonzero(maybe[labels])
    comp, ident = labels[rows], graph.ident[rows]
    people = distinct_per_group(comp, ident, n)
    first = np.unique(comp, return_index=True)[1]
    street = pa.array(claims["address_norm"].iloc[rows[first]].astype("str").array, pa.large_string())
    zip5 = pa.array(claims["zip5"].iloc[rows[first]].astype("str").array, pa.large_string())
    unit = unit_level(street) & ~on_congregate_list(street, zip5, congregate)
    maybe[comp[first]] = unit
    at, words = surname_words(claims["last_name_norm"].iloc[rows])
    if len(at):
        span = int(words.max()) + 1
        pair, keys = pd.factorize(comp[at] * span + words)
        holders = distinct_per_group(np.asarray(pair, dtype=np.int64), ident[at], len(keys))
        maybe[np.asarray(keys)[holders > 1] // span] = False  # relatives: a surname word in common
    named = distinct_per_group(comp[at], ident[at], n) if len(at) else np.zeros(n, dtype=np.int64)
    maybe &= named == people  # everyone named: a missing surname tells no stranger apart
    t = filing_seconds(claims["filed_at"].iloc[rows])
    order = np.lexsort((t, ident, comp))
    c, p, t = comp[order], ident[order], t[order]
    keep = np.r_[True, (c[1:] != c[:-1]) | (p[1:] != p[:-1])]
    c, t = c[keep], t[keep]  # each person's first claim at the unit
    order = np.lexsort((t, c))
    c, t = c[order], t[order]
    key = c * (1 << 40) + (t - t.min(initial=0))
    span = rules.strangers_days * DAY_SECONDS
    within = np.searchsorted(key, key + span, side="right") - np.arange(len(key))
    densest = np.zeros(n, dtype=np.int64)
    np.maximum.at(densest, c, within)
    return maybe & (densest >= rules.min_ring_identities)


# --- Families: relatives at a few homes --------------------------------------------------------


def _evidence(
    claims: pd.DataFrame, fraud_claim_ids: Iterable[str] | None, red_flags: pd.Series | None, rows: Arr
) -> Arr:
    """Per row of ``rows``: decided fraud, or a red flag (hard evidence on the claim itself)."""
    out = np.zeros(len(rows), dtype=bool)
    if fraud_claim_ids is not None:
        fraud = pd.Index(list(map(str, fraud_claim_ids)), dtype="str")
        out |= claims["claim_id"].iloc[rows].astype("str").isin(fraud).to_numpy(dtype=bool)
    if red_flags is not None:
        out |= red_flags.iloc[rows].fillna(False).to_numpy(dtype=bool)
    return out


def _families(
    labels: Arr,
    graph: RingGraph,
    candidate: Arr,
    claims: pd.DataFrame,
    rules: RingRules,
    evidence: Callable[[Arr], Arr],
) -> Arr:
    """Per component of ``candidate``: one family at ``family_homes`` homes or fewer (the ring minimum).

    Each home holds a household (at most ``household_identities`` people), no claim carries hard
    evidence (``evidence(rows)``), and the people are one family: joined by a home (two people
    who gave one residence, or one person who gave two, the home they left), or by a word of
    their surnames (:func:`surname_words`), within the component. A residence given once in
    the window (code -1) is a home of its own that joins no one.
    """
    rows = np.flatnonzero(candidate[labels])
    comp, home, ident = labels[rows], graph.residence[rows], graph.ident[rows]
    n = len(candidate)
    known_home = home >= 0
    homes = distinct_per_group(comp[known_home], home[known_home], n)
    homes += np.bincount(comp[~known_home], minlength=n)
    key, keys = pd.factorize(comp * (int(home.max(initial=0)) + 2) + home + 1)
    per_home = distinct_per_group(key, ident, len(keys))
    most = np.zeros(n, dtype=np.int64)
    np.maximum.at(most, comp[np.unique(key, return_index=True)[1]], per_home)
    maybe = candidate & (homes <= rules.family_homes) & (most <= rules.household_identities)
    if not maybe.any():
        return maybe
    at = np.flatnonzero(maybe[comp])
    maybe[comp[at[evidence(rows[at])]]] = False
    at = at[maybe[comp[at]]]
    name_at, words = (
        surname_words(claims["last_name_norm"].iloc[rows[at]])
        if "last_name_norm" in claims.columns
        else (np.zeros(0, np.int64),) * 2
    )
    mark_row = np.r_[at[known_home[at]], at, at[name_at]]
    kind = np.repeat([0, 1, 2], [int(known_home[at].sum()), len(at), len(name_at)])
    value = np.r_[home[at][known_home[at]], ident[at], words]
    span = int(value.max(initial=0)) + 1
    node = pd.factorize((comp[mark_row] * 3 + kind) * span + value)[0]
    family = connected_labels(mark_row, np.asarray(node, dtype=np.int64), len(rows))
    maybe &= distinct_per_group(comp[at], family[at], n) == 1
    return maybe


# --- A helper's computer: a few people filed for from one home ------------------------------


def _shared_computers(
    labels: Arr,
    graph: RingGraph,
    candidate: Arr,
    claims: pd.DataFrame,
    rules: RingRules,
    evidence: Callable[[Arr], Arr],
) -> Arr:
    """Per component of ``candidate``: a few people filed for from one home's computer.

    At most ``household_identities`` people joined by a device; every edge a device or an
    ordinary IP address (no account or address in common, no hosting or VPN range), or a
    mailbox or phone when one device links every one of the people (the helper gives their
    own for claimants who have none); every claim that gave an IP address on one network
    (IPv4 /16, IPv6 /32: the device never left the home); no two people's claims closer than
    the device's burst gap (a person filling in one form after another, not a script); no
    claim with hard evidence or a fraud decision. A relative, a neighbour or a community
    helper who files for elderly or limited-English claimants looks like this; a farm
    rotates networks or files in bursts, and its stolen identities bring accounts, lists and
    decisions that the other rules see.
    """
    n = len(candidate)
    rows = np.flatnonzero(candidate[labels])
    comp, ident = labels[rows], graph.ident[rows]
    people = distinct_per_group(comp, ident, n)
    maybe = candidate & (people <= rules.household_identities)
    rule = graph.node_rule[graph.node]
    device = rule == KINDS.index("device")
    # The most people one device of the component links: none, no helper's computer. The
    # helper's own mailbox or phone, given for claimants who have none, may join them too when
    # one device links every one of them (a star on the helper's computer; a stealth chain's
    # values each join two claims in a path).
    per_device = distinct_per_group(
        graph.node[device], graph.ident[graph.claim[device]], len(graph.node_rule)
    )
    widest = np.zeros(n, dtype=np.int64)
    np.maximum.at(widest, labels[graph.claim[device]], per_device[graph.node[device]])
    maybe &= widest > 0
    star = widest >= people
    contact = (rule == KINDS.index("email")) | (rule == KINDS.index("phone"))
    linking = device | (rule == KINDS.index("ip")) | (contact & star[labels[graph.claim]])
    maybe[labels[graph.claim[~linking]]] = False
    if not maybe.any():
        return maybe
    at = np.flatnonzero(maybe[comp])
    rows, comp, ident = rows[at], comp[at], ident[at]
    networks = ip_networks(claims["ip_address"].iloc[rows])
    present = networks >= 0
    maybe &= distinct_per_group(comp[present], networks[present], n) <= 1
    gap = rules.kinds["device"].burst_gap_seconds or 0
    t = filing_seconds(claims["filed_at"].iloc[rows])
    order = np.lexsort((t, comp))
    c, p, t = comp[order], ident[order], t[order]
    rushed = (c[1:] == c[:-1]) & (p[1:] != p[:-1]) & (t[1:] - t[:-1] <= gap)
    maybe[c[1:][rushed]] = False
    maybe[comp[evidence(rows)]] = False
    return maybe
