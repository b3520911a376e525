"""The ring graph: claims joined through shared identifier values, by the edge rule.

:mod:`claimscreen.features.network` describes the rule and gives the rings
(:func:`~claimscreen.features.network.find_rings`); this module holds the graph
beneath it: identifier values coded once (Arrow dictionaries), the claim-value
incidence, the edge rule by kind, degree, bursts and roaming, mail drops and
the congregate-address list, and the connected components.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from claimscreen.data.settings import RingSettings
from claimscreen.features.codes import Encoded as EncodedColumn
from claimscreen.features.codes import encode_column, lookup, run_encodings
from claimscreen.features.device import parse_ips
from claimscreen.features.identity_match import PLACEHOLDER_NAMES

__all__ = [
    "DAY_SECONDS",
    "KINDS",
    "MEMBER_COLUMNS",
    "RISKY_IP",
    "SURNAME_PARTICLES",
    "TEXT_COLUMNS",
    "Arr",
    "KindRule",
    "RingGraph",
    "RingRules",
    "SharedCodes",
    "address_parts",
    "connected_labels",
    "distinct_per_group",
    "edge_incidences",
    "encode_columns",
    "filing_seconds",
    "identity_of",
    "ip_networks",
    "kind_codes",
    "most_linking",
    "on_congregate_list",
    "ring_graph",
    "surname_words",
    "unit_level",
]

Arr = np.ndarray[Any, Any]

#: Identifier kinds that link claims, and the lake columns holding them (value, zip).
KINDS: tuple[str, ...] = ("bank_account", "device", "ip", "email", "phone", "address")
_SOURCES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "bank_account": (("bank_account_token", None),),
    "device": (("device_id", None),),
    "ip": (("ip_address", None),),
    "email": (("email_canonical", None),),
    "phone": (("phone_e164", None),),
    "address": (("address_norm", "zip5"), ("mailing_address_norm", "mailing_zip5")),
}
#: The rule for hosting, VPN and Tor addresses (the ``ip`` kind in reports).
RISKY_IP = "risky_ip"


@dataclass(frozen=True)
class KindRule:
    """When a value of one kind is an edge: ``2 <= ids <= cap``, or bursty (if ``burst_gap_seconds``)."""

    cap: int
    burst_gap_seconds: int | None = None


def _kind_rules(settings: RingSettings) -> dict[str, KindRule]:
    return {kind: KindRule(r.cap, r.burst_gap_seconds) for kind, r in settings.kinds.items()}


_DEFAULTS = RingSettings()


@dataclass(frozen=True)
class RingRules:
    """Thresholds of the edge rule and of the ring minimum (see the module docstring).

    The defaults, and the values a state sets, live in the ``[rings]`` section of
    the settings (:class:`claimscreen.data.settings.RingSettings`).
    """

    kinds: dict[str, KindRule] = field(default_factory=lambda: _kind_rules(_DEFAULTS))
    risky_ip_categories: tuple[str, ...] = _DEFAULTS.risky_ip_categories
    burst_min_identities: int = _DEFAULTS.burst_min_identities
    burst_share: float = _DEFAULTS.burst_share
    burst_cap: int = _DEFAULTS.burst_cap
    min_ring_identities: int = _DEFAULTS.min_ring_identities
    household_identities: int = _DEFAULTS.household_identities
    drop_days: int = _DEFAULTS.drop_days
    drop_share: float = _DEFAULTS.drop_share
    drop_min_surnames: int = _DEFAULTS.drop_min_surnames
    roam_min_networks: int = _DEFAULTS.roam_min_networks
    roam_share: float = _DEFAULTS.roam_share
    #: A family at this many homes or fewer is no ring (:func:`ring_components`); 1: only one home.
    family_homes: int = _DEFAULTS.family_homes
    #: A helper's computer (:func:`ring_components`): a few people joined only by a device and the
    #: one home network it stays on, at a person's pace, with no hard evidence, are no ring.
    shared_computers: bool = _DEFAULTS.shared_computers
    #: Strangers at one unit (:func:`ring_components`): ``min_ring_identities`` people of as many
    #: surnames who first gave one unit or PO box as home within this many days are no household.
    strangers_days: int = _DEFAULTS.strangers_days

    @classmethod
    def from_settings(cls, settings: RingSettings) -> RingRules:
        return cls(
            kinds=_kind_rules(settings),
            risky_ip_categories=settings.risky_ip_categories,
            burst_min_identities=settings.burst_min_identities,
            burst_share=settings.burst_share,
            burst_cap=settings.burst_cap,
            min_ring_identities=settings.min_ring_identities,
            household_identities=settings.household_identities,
            family_homes=settings.family_homes,
            shared_computers=settings.shared_computers,
            strangers_days=settings.strangers_days,
            drop_days=settings.drop_days,
            drop_share=settings.drop_share,
            drop_min_surnames=settings.drop_min_surnames,
            roam_min_networks=settings.roam_min_networks,
            roam_share=settings.roam_share,
        )


# --- Factorizing identifier values ---------------------------------------------------------

TEXT_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(column for sources in _SOURCES.values() for pair in sources for column in pair if column)
)


def encode_columns(columns: dict[str, pd.Series]) -> dict[str, EncodedColumn]:
    """Codes of several text columns, side by side (:func:`~claimscreen.features.codes.run_encodings`)."""
    return run_encodings({name: partial(encode_column, values) for name, values in columns.items()})


def _unify(codes: Arr, dictionary: pa.Array, into: pa.Array) -> Arr:
    """A column's codes in the namespace of the distinct values ``into`` (new values numbered after)."""
    if len(dictionary) == 0:
        return codes
    # Hash the small dictionary and probe the big one (both hold distinct values).
    found = pc.fill_null(pc.index_in(into, value_set=dictionary), -1).to_numpy(zero_copy_only=False)
    found = np.asarray(found, dtype=np.int64)
    position = np.full(len(dictionary), -1, dtype=np.int64)
    at = np.flatnonzero(found >= 0)
    position[found[at]] = at
    new = position < 0
    mapping = np.where(new, len(into) + np.cumsum(new) - 1, position).astype(np.int64)
    return lookup(mapping, codes)


def _pair_codes(first: Arr, second: Arr) -> Arr:
    """Codes of (first, second) pairs, -1 where either is missing."""
    both = (first >= 0) & (second >= 0)
    out = np.full(len(first), -1, dtype=np.int64)
    joint = first[both] * (int(second.max(initial=0)) + 1) + second[both]
    out[both] = pd.factorize(joint)[0]
    return out


def kind_codes(encoded: dict[str, EncodedColumn], kind: str, n: int) -> tuple[Arr, int]:
    """Codes of one kind's values, ``width`` per row (row ``i`` at ``i*width ...``)."""
    if kind == "address":
        return _address_codes(encoded, n)
    column = _SOURCES[kind][0][0]
    if column not in encoded:
        return np.full(n, -1, dtype=np.int64), 1
    return np.asarray(encoded[column].codes, dtype=np.int64), 1


def _address_codes(encoded: dict[str, EncodedColumn], n: int) -> tuple[Arr, int]:
    """Residence and mailing (street, zip5) in one namespace; a mailing same as the residence is dropped."""
    if "address_norm" not in encoded or "zip5" not in encoded:
        return np.full(n, -1, dtype=np.int64), 1
    street_parts, zip_parts = address_parts(encoded)
    width = len(street_parts)
    repeated_street = _repeated(np.concatenate(street_parts))[0]  # a street given once is a unique address
    codes = _pair_codes(repeated_street, np.concatenate(zip_parts)).reshape(width, n).T.copy()
    if width == 2:
        codes[codes[:, 1] == codes[:, 0], 1] = -1
    return codes.ravel(), width


def address_parts(encoded: dict[str, EncodedColumn]) -> tuple[list[Arr], list[Arr]]:
    """Street and ZIP codes of the residence, then of the mailing address when the window has one,
    in one namespace per column (a mailing street equal to a residence street, equal code)."""
    street_parts = [np.asarray(encoded["address_norm"].codes, dtype=np.int64)]
    zip_parts = [np.asarray(encoded["zip5"].codes, dtype=np.int64)]
    if "mailing_address_norm" in encoded and "mailing_zip5" in encoded:
        for parts, mailing, residence in (
            (street_parts, encoded["mailing_address_norm"], encoded["address_norm"]),
            (zip_parts, encoded["mailing_zip5"], encoded["zip5"]),
        ):
            codes = np.asarray(mailing.codes, dtype=np.int64)
            parts.append(_in_namespace(mailing, residence) if mailing.size else codes)
    return street_parts, zip_parts


def _in_namespace(column: EncodedColumn, into: EncodedColumn) -> Arr:
    """``column``'s codes in the namespace of ``into``'s values (:func:`_unify`). When ``into``
    holds nearly as many distinct values as rows (ten million street lines), its rows are probed
    against ``column``'s few values instead of its values being taken out of the column again."""
    codes = np.asarray(column.codes, dtype=np.int64)
    values = column.values
    if into.source is None or into.first is None or 4 * into.size < len(into.codes):
        return _unify(codes, values, into.values)
    found = pc.fill_null(pc.index_in(into.source, value_set=values), -1).to_numpy(zero_copy_only=False)
    hit = np.asarray(found, dtype=np.int64)
    at = np.flatnonzero(hit >= 0)
    position = np.full(len(values), -1, dtype=np.int64)
    position[hit[at]] = np.asarray(into.codes, dtype=np.int64)[at]
    new = position < 0
    mapping = np.where(new, into.size + np.cumsum(new) - 1, position).astype(np.int64)
    return lookup(mapping, codes)


def _repeated(codes: Arr) -> tuple[Arr, Arr]:
    """Codes renumbered over the values given 2+ times (-1 for the others), and those values' old codes."""
    present = codes >= 0
    counts = np.bincount(codes[present], minlength=1)
    values = np.flatnonzero(counts >= 2)
    renumber = np.full(len(counts), -1, dtype=np.int64)
    renumber[values] = np.arange(len(values))
    return lookup(renumber, codes), values


@dataclass(frozen=True)
class SharedCodes:
    """The window's text columns already coded (:mod:`~claimscreen.features.codes`), and each row's
    identity code (equal identity_id, equal code), so rings hash no text again."""

    columns: dict[str, EncodedColumn]
    identity: Arr
    identity_names: pa.Array | None = None  # identity_id of each code (read for ring members only)


def _encoded_window(claims: pd.DataFrame, shared: SharedCodes | None) -> tuple[dict[str, EncodedColumn], Arr]:
    """Codes (and distinct values) of every linking column the claims have, and the identity codes."""
    if shared is None:
        columns = {c: claims[c] for c in TEXT_COLUMNS if c in claims.columns}
        encoded = encode_columns({"identity": identity_of(claims), **columns})
        return encoded, np.asarray(encoded.pop("identity").codes, dtype=np.int64)
    full = {c: e for c, e in shared.columns.items() if c in TEXT_COLUMNS and e.rows is None}
    missing = {c: claims[c] for c in TEXT_COLUMNS if c in claims.columns and c not in full}
    encoded = encode_columns(missing) if missing else {}
    encoded.update(full)
    return encoded, shared.identity


@dataclass(frozen=True)
class _Incidence:
    """Claim-identifier incidences: ``claim[i]`` (row position) carries identifier node ``node[i]``."""

    claim: Arr
    node: Arr
    rule_of_node: Arr  # index into _RULE_NAMES
    n_nodes: int
    residence: Arr  # per claim: code of its residence address, -1 if none
    ident: Arr  # per claim: identity code
    mailing: Arr  # per incidence: the value is the claim's mailing address (not its residence)


_RULE_NAMES: tuple[str, ...] = (*KINDS, RISKY_IP)
#: The columns :func:`ring_statistics` reads of ring members (with the linking columns).
MEMBER_COLUMNS: tuple[str, ...] = ("claim_id", "filed_at", "ssn_token", "identity_id", "bank_account_token")


def _incidence(
    claims: pd.DataFrame, ip_categories: pd.Series | None, rules: RingRules, shared: SharedCodes | None
) -> _Incidence:
    """The (claim, identifier value) pairs of the values given 2+ times (a value used once links nothing)."""
    n = len(claims)
    encoded, identity = _encoded_window(claims, shared)
    claim_parts: list[Arr] = []
    node_parts: list[Arr] = []
    rule_parts: list[Arr] = []
    mailing_parts: list[Arr] = []
    offset = 0
    residence = np.full(n, -1, dtype=np.int64)
    for k, kind in enumerate(KINDS):
        all_codes, width = kind_codes(encoded, kind, n)
        if kind == "address":
            residence = all_codes[::width]
        codes, values = _repeated(all_codes)
        rule = np.full(len(values), k, dtype=np.int8)
        if kind == "ip" and ip_categories is not None and "ip_address" in encoded:
            risky = _risky(encoded["ip_address"].values, ip_categories, rules)
            rule[risky[values]] = _RULE_NAMES.index(RISKY_IP)
        present = np.flatnonzero(codes >= 0)
        claim_parts.append(present // width)
        node_parts.append(codes[present] + offset)
        rule_parts.append(rule)
        mailing_parts.append(present % width == 1)
        offset += len(values)
    claim, node = np.concatenate(claim_parts), np.concatenate(node_parts)
    rules_of_node = np.concatenate(rule_parts)
    return _Incidence(claim, node, rules_of_node, offset, residence, identity, np.concatenate(mailing_parts))


def _risky(addresses: pa.Array, ip_categories: pd.Series, rules: RingRules) -> Arr:
    """Per distinct IP address: is it in a hosting, VPN or Tor range."""
    risky = ip_categories[ip_categories.isin(rules.risky_ip_categories)].index.astype("str")
    listed = pc.is_in(addresses, value_set=pa.array(risky.to_numpy(), pa.string()))
    return np.asarray(listed.to_numpy(zero_copy_only=False), dtype=bool)


# --- The edge rule ---------------------------------------------------------------------------


def distinct_per_group(group: Arr, item: Arr, n_groups: int) -> Arr:
    """Number of distinct items per group."""
    if len(group) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    span = int(item.max()) + 1
    pairs = pd.unique(group.astype(np.int64) * span + item)
    return np.bincount(pairs // span, minlength=n_groups)


def filing_seconds(filed_at: pd.Series) -> Arr:
    """Filing times as integer seconds since the epoch (UTC)."""
    stamps = pd.DatetimeIndex(pd.to_datetime(filed_at, utc=True))
    return np.asarray(stamps.as_unit("s").asi8, dtype=np.int64)


def _bursty(inc: _Incidence, rows: Arr, seconds: Arr, gap: Arr, rules: RingRules) -> Arr:
    """Per node of ``rows``' incidences: is at least ``burst_share`` of its claims in a run of close claims.

    A run: consecutive uses of the node (by time) at most the node's gap apart,
    by 2+ identities (``burst_min_identities``). Returns one bool per node.
    """
    claim, (node, nodes) = inc.claim[rows], pd.factorize(inc.node[rows])
    t = seconds[claim]
    order = np.lexsort((t, node))
    claim, node, t = claim[order], node[order], t[order]
    close = (node[1:] == node[:-1]) & (t[1:] - t[:-1] <= gap[nodes[node[1:]]])
    run = np.cumsum(np.r_[True, ~close]) - 1
    ids_in_run = distinct_per_group(run, inc.ident[claim], int(run[-1]) + 1)
    in_burst = ids_in_run[run] >= rules.burst_min_identities
    share = np.bincount(node, weights=in_burst) / np.bincount(node)
    out = np.zeros(inc.n_nodes, dtype=bool)
    out[nodes] = share >= rules.burst_share
    return out


def most_linking(rules: RingRules, rule_name: str) -> int:
    """The most identities a value under ``rule_name`` (a kind, or :data:`RISKY_IP`) can be given
    by and still be an edge (:func:`_edge_nodes`): its cap, or the burst cap where bursts (and
    with them a device's roaming) can link past the cap, and for an address (a mail drop)."""
    rule = rules.kinds[rule_name]
    past_cap = bool(rule.burst_gap_seconds) or rule_name == "address"
    return max(rule.cap, rules.burst_cap if past_cap else 0)


def _edge_nodes(
    inc: _Incidence,
    ident: Arr,
    seconds: Arr,
    rules: RingRules,
    claims: pd.DataFrame | None = None,
    congregate: pd.DataFrame | None = None,
) -> Arr:
    """Per node: does it link its claims (the edge rule of the module docstring)."""
    ids = distinct_per_group(inc.node, ident[inc.claim], inc.n_nodes)
    rule_list = [rules.kinds[name] for name in _RULE_NAMES]
    cap = np.array([r.cap for r in rule_list])[inc.rule_of_node]
    gaps = np.array([r.burst_gap_seconds or -1 for r in rule_list])[inc.rule_of_node]
    edge = (ids >= 2) & (ids <= cap)
    candidate = (ids >= 2) & ~edge & (gaps >= 0) & (ids <= rules.burst_cap)
    if candidate.any():
        rows = np.flatnonzero(candidate[inc.node])
        edge |= candidate & _bursty(inc, rows, seconds, gaps, rules)
    if claims is None:
        return edge
    roaming = candidate & ~edge & (inc.rule_of_node == KINDS.index("device"))
    if roaming.any() and "ip_address" in claims.columns:
        edge |= _roaming(inc, roaming, ids, claims["ip_address"], rules)
    address = (inc.rule_of_node == KINDS.index("address")) & (ids >= 2)
    drop = address & ~edge & (ids <= rules.burst_cap)
    listed = congregate is not None and len(congregate) > 0
    looked_at = np.flatnonzero((address & edge) | drop if listed else drop)
    if not len(looked_at):
        return edge
    street, zip5 = _node_addresses(inc, claims, looked_at)
    on_list = on_congregate_list(street, zip5, congregate) if listed else np.zeros(len(looked_at), dtype=bool)
    edge[looked_at[on_list]] = False  # a listed shelter, group home or dormitory links no one
    unit = unit_level(street) & ~on_list & drop[looked_at]
    if unit.any() and "last_name_norm" in claims.columns:  # without names, strangers are not told apart
        edge[looked_at[unit]] = _mail_drops(inc, looked_at[unit], ident, seconds, claims, rules)
    return edge


def _roaming(inc: _Incidence, nodes: Arr, ids: Arr, ip_address: pd.Series, rules: RingRules) -> Arr:
    """Per node: of ``nodes`` (devices), those whose claims come from many IP networks.

    A device fingerprint shared by many people is a library's or an office's computer, on
    that building's network, or a farm's. A farm renting rotating residential proxies files
    each claim from another household's address, all over the providers' ranges: at least
    ``roam_min_networks`` networks (IPv4 /16, IPv6 /32), and ``roam_share`` per person.
    """
    rows = np.flatnonzero(nodes[inc.node])
    codes = ip_networks(ip_address.iloc[inc.claim[rows]])
    present = codes >= 0
    networks = distinct_per_group(inc.node[rows][present], codes[present], inc.n_nodes)
    return nodes & (networks >= rules.roam_min_networks) & (networks >= rules.roam_share * ids)


def ip_networks(ip_address: pd.Series, v4_prefix: int = 16, v6_prefix: int = 32) -> Arr:
    """Per row: a code of the IP address's network (IPv4 /16, IPv6 /32 by default), -1 where
    missing or not an address. Equal networks, equal codes; IPv4 and IPv6 never share one.

    The texts are parsed once per distinct address (:func:`claimscreen.features.device.parse_ips`),
    so every spelling of an address counts alike: ``2001:db8::1``, ``2001:0DB8:0:0::1`` and
    ``2001:db8:0:0:0:0:0:1`` are one network, and ``::ffff:203.0.113.9`` is the IPv4 address."""
    codes, uniques = pd.factorize(ip_address.astype("object"), use_na_sentinel=True)
    ips = parse_ips(pd.Index(uniques.astype("str")))
    v4 = ips.low >> np.uint64(32 - v4_prefix)
    v6 = (ips.high >> np.uint64(64 - v6_prefix)) | np.uint64(1 << 63)  # the top bit: IPv6's namespace
    network = np.where(ips.valid, np.where(ips.is_v6, v6, v4), np.uint64(0))
    net_codes, _ = pd.factorize(network)
    net_codes = np.where(ips.valid, net_codes, -1).astype(np.int64)
    return lookup(net_codes, np.asarray(codes, dtype=np.int64))


# --- Mail drops: a unit given by many strangers within weeks ----------------------------------

DAY_SECONDS = 86_400


def _node_addresses(inc: _Incidence, claims: pd.DataFrame, nodes: Arr) -> tuple[pa.Array, pa.Array]:
    """(street line, zip5) of each address node of ``nodes``, read off one claim giving it."""
    wanted = np.zeros(inc.n_nodes, dtype=bool)
    wanted[nodes] = True
    at = np.flatnonzero(wanted[inc.node])
    node, first = np.unique(inc.node[at], return_index=True)  # sorted, as ``nodes`` after np.unique
    order = np.searchsorted(node, nodes)
    row, mailing = inc.claim[at[first]][order], inc.mailing[at[first]][order]
    columns = (("address_norm", "zip5"), ("mailing_address_norm", "mailing_zip5"))
    texts = []
    for part in (0, 1):
        residence = pa.array(claims[columns[0][part]].iloc[row].astype("str").array, pa.large_string())
        if columns[1][part] in claims.columns:
            other = pa.array(claims[columns[1][part]].iloc[row].astype("str").array, pa.large_string())
            residence = pc.if_else(pa.array(mailing), other, residence)
        texts.append(residence)
    return texts[0], texts[1]


def _building(street: pa.Array) -> pa.Array:
    """The street line without its unit (``12 OAK ST #5`` -> ``12 OAK ST``)."""
    return pc.replace_substring_regex(street, r" #\S*$", "")


def unit_level(street: pa.Array) -> Arr:
    """Per address: one unit (``#5``) or one PO box, not a whole building or house."""
    unit = pc.or_(pc.match_substring(street, " #"), pc.starts_with(street, "PO BOX"))
    return np.asarray(pc.fill_null(unit, False).to_numpy(zero_copy_only=False), dtype=bool)


def on_congregate_list(street: pa.Array, zip5: pa.Array, listed: pd.DataFrame | None) -> Arr:
    """Per address: on the congregate-address list (the unit itself, or its whole building)."""
    if listed is None or not len(listed):
        return np.zeros(len(street), dtype=bool)
    keys = pa.array((listed["match_key"].astype("str") + "|" + listed["zip5"].astype("str")).dropna())
    found = np.zeros(len(street), dtype=bool)
    for line in (street, _building(street)):
        joined = pc.binary_join_element_wise(line, zip5.cast(line.type), pa.scalar("|", line.type))
        hit = pc.is_in(joined, value_set=keys.cast(line.type))
        found |= np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)
    return found


def _surname_codes(claims: pd.DataFrame, rows: Arr) -> Arr:
    """Codes of the surnames (``last_name_norm``) of ``rows`` (a missing name is one more value)."""
    names = claims["last_name_norm"].iloc[rows].astype("str")
    return np.asarray(pd.factorize(names.fillna(""))[0], dtype=np.int64)


def _mail_drops(
    inc: _Incidence, nodes: Arr, ident: Arr, seconds: Arr, claims: pd.DataFrame, rules: RingRules
) -> Arr:
    """Per unit-level address node of ``nodes``: is it a mail drop (the module docstring).

    Each person counts from the first time they gave the address; the densest ``drop_days`` span
    must hold ``drop_share`` of the node's people, who carry ``drop_min_surnames`` surnames or more
    and one per two people at least.
    """
    wanted = np.full(inc.n_nodes, -1, dtype=np.int64)
    wanted[nodes] = np.arange(len(nodes))
    at = np.flatnonzero(wanted[inc.node] >= 0)
    node, claim = wanted[inc.node[at]], inc.claim[at]
    person, t = ident[claim], seconds[claim]
    order = np.lexsort((t, person, node))
    node, person, t, claim = node[order], person[order], t[order], claim[order]
    first = np.r_[True, (node[1:] != node[:-1]) | (person[1:] != person[:-1])]
    node, t, claim = node[first], t[first], claim[first]  # one (node, person): their first use
    order = np.lexsort((t, node))
    node, t, claim = node[order], t[order], claim[order]
    key = node * (1 << 40) + (t - t.min(initial=0))
    within = np.searchsorted(key, key + rules.drop_days * DAY_SECONDS, side="left") - np.arange(len(key))
    densest = np.zeros(len(nodes), dtype=np.int64)
    np.maximum.at(densest, node, within)
    people = np.bincount(node, minlength=len(nodes))
    surnames = distinct_per_group(node, _surname_codes(claims, claim), len(nodes))
    concentrated = (densest >= rules.min_ring_identities) & (densest >= rules.drop_share * people)
    return concentrated & (surnames >= rules.drop_min_surnames) & (2 * surnames >= people)


# --- Components and ring ids -----------------------------------------------------------------


def identity_of(claims: pd.DataFrame) -> pd.Series:
    """The person behind each claim: identity_id where known, else the SSN token."""
    ssn = claims["ssn_token"].astype("str")
    if "identity_id" in claims.columns:
        return claims["identity_id"].astype("str").fillna(ssn)
    return ssn


@dataclass(frozen=True)
class RingGraph:
    """The claim-identifier bipartite graph: edge ``i`` joins claim row ``claim[i]`` and node ``node[i]``."""

    claim: Arr
    node: Arr  # identifier nodes that are edges, numbered 0..n_nodes-1
    n_claims: int
    ident: Arr  # per claim: identity code
    residence: Arr  # per claim: residence address code, -1 if none
    #: per node: its rule, an index into the kinds and :data:`RISKY_IP` (``_RULE_NAMES``)
    node_rule: Arr = field(default_factory=lambda: np.zeros(0, dtype=np.int8))


def ring_graph(
    claims: pd.DataFrame,
    ip_categories: pd.Series | None = None,
    rules: RingRules | None = None,
    shared: SharedCodes | None = None,
    congregate: pd.DataFrame | None = None,
) -> RingGraph:
    """The graph whose connected components are the candidate rings (edges: the module docstring).

    ``congregate``: the congregate-address list (lake form: ``match_key``, ``zip5``), whose
    addresses link no one.
    """
    rules = rules or RingRules()
    inc = _incidence(claims, ip_categories, rules, shared)
    edge = _edge_nodes(inc, inc.ident, filing_seconds(claims["filed_at"]), rules, claims, congregate)
    claim, node, node_rule = edge_incidences(inc, edge)
    return RingGraph(claim, node, len(claims), inc.ident, inc.residence, node_rule)


def surname_words(names: pd.Series) -> tuple[Arr, Arr]:
    """(position, word code) for the surnames ``names`` (``last_name_norm``): each word of two
    letters or more but :data:`SURNAME_PARTICLES`, and the whole name without spaces
    (``LE`` is a surname); placeholders (``UNKNOWN``, ``LNU``...) and blanks give none.
    Equal words, equal codes."""
    text = pa.array(names.astype("str").array, pa.large_string())
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    missing = pa.array(sorted(PLACEHOLDER_NAMES | {"", "NAN", "NONE", "<NA>"}), pa.large_string())
    known = pc.invert(pc.is_in(pc.ascii_upper(pc.utf8_trim_whitespace(text)), value_set=missing))
    text = pc.if_else(pc.fill_null(known, False), text, pa.scalar(None, pa.large_string()))
    words = pc.split_pattern(text, " ")
    parent = np.asarray(pc.list_parent_indices(words), dtype=np.int64)
    flat = pc.list_flatten(words)
    particles = pa.array(sorted(SURNAME_PARTICLES), pa.large_string())
    keep = pc.and_(pc.greater_equal(pc.utf8_length(flat), 2), pc.invert(pc.is_in(flat, value_set=particles)))
    whole = pc.replace_substring(text, " ", "")
    valid = np.flatnonzero(np.asarray(pc.is_valid(whole)))
    both = pa.concat_arrays([flat.filter(keep), whole.take(pa.array(valid))])
    position = np.r_[parent[np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)], valid]
    return position.astype(np.int64), np.asarray(pc.dictionary_encode(both).indices, dtype=np.int64)


#: Words of a surname that say nothing of a family by themselves (``DE LA CRUZ``, ``VAN DYKE``,
#: ``SMITH JR``).
SURNAME_PARTICLES = frozenset(
    {"DE", "DEL", "DELA", "LA", "LAS", "LOS", "DA", "DAS", "DO", "DOS", "DI", "DU", "VAN", "VON", "DER",
     "DEN", "LE", "Y", "E", "ST", "SAN", "SANTA", "BIN", "BEN", "EL", "AL", "MC", "MAC", "JR", "SR", "II",
     "III", "IV"}
)  # fmt: skip


def edge_incidences(inc: _Incidence, edge: Arr) -> tuple[Arr, Arr, Arr]:
    """The incidences whose node is an edge: (claim row, node) with nodes renumbered 0..m-1,
    and each renumbered node's rule (an index into ``_RULE_NAMES``)."""
    keep = edge[inc.node]
    node, uniques = pd.factorize(inc.node[keep])
    return (
        inc.claim[keep],
        np.asarray(node, dtype=np.int64),
        inc.rule_of_node[np.asarray(uniques, dtype=np.int64)],
    )


def connected_labels(claim: Arr, node: Arr, n_claims: int) -> Arr:
    """Connected components of the claim-node bipartite graph: a label per claim."""
    n_nodes = int(node.max(initial=-1)) + 1
    size = n_claims + n_nodes
    ones = np.ones(len(claim), dtype=np.int8)
    graph = csr_matrix((ones, (claim, n_claims + node)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels[:n_claims], dtype=np.int64)
