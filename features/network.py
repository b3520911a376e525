"""Network features: organized-fraud rings, found as connected components of claims that share identifiers.

One claim looks ordinary; fifty claims paid into two bank accounts from one
device farm do not. :func:`find_rings` takes the claims window (history plus
tonight, the caller picks the window, by default ``history_days``) and returns,
for every claim, the ring it belongs to and statistics of that ring.

**The graph.** Claims are joined through *identifier nodes*: one node per
(kind, value). The kinds are ``bank_account`` (bank_account_token),
``device`` (device_id), ``ip`` (ip_address), ``email`` (email_canonical),
``phone`` (phone_e164) and ``address`` (address_norm + zip5, the unit
included; a mailing address is the same kind, so a drop address used as a
residence by some and as a mailing address by others is one node). The
employer (``employer_ein``) is never a linking identifier: a mass layoff is
not a ring. Rings are the connected components of the claim-identifier
bipartite graph (:func:`scipy.sparse.csgraph.connected_components`), so a
chain of pairwise links spread over weeks (A-B bank account, B-C device, C-D
phone) is one ring.

**The edge rule (by kind, degree and history).** Let ``ids`` be the number of
distinct identities (``identity_id``, else ``ssn_token``) that used a value in
the window. A value is an edge only if ``ids >= 2`` and:

* ``bank_account``, ``email``, ``phone``: ``ids <= 100``. Honest people share
  these only within a household; a bank account receiving 20-60 claims with
  different SSNs is a ring. Above the cap a value is a placeholder or a public
  number (a workforce centre's phone), and it is dropped.
* ``device``, ``address`` and an ordinary ``ip``: ``ids <= 5`` (a household
  and its home IP, a shared computer, a house); or, for ``device`` and
  ``address`` only, ``ids <= 500`` and the use is *bursty*. A library or
  workforce-centre IP, a CGNAT address, an apartment building's street address
  without a unit, a library's public computer: each is used by many people
  spread over weeks, and is no edge.
* a ``device`` above its cap that is not bursty is still an edge when it
  *roams*: its claims come from at least ``roam_min_networks`` (4) IP networks
  (IPv4 /16, IPv6 /32), and ``roam_share`` (0.5) networks per person. A farm on
  rotating residential proxies files each claim from another household's
  address at a human pace; a library's or office's computer stays on its
  building's network, a navigator's phone on its carrier's NAT.
* an ``ip`` in a hosting, VPN or Tor range (``ip_categories``): only when
  bursty (``ids <= 500``). A VPN exit shared by a few honest strangers is not a
  household; the same exit hammered by a script is fraud infrastructure.

*Bursty* means: sort the value's claims by ``filed_at``; consecutive claims
closer than the kind's burst gap (device 5 min, IP 10 min, address 30 min)
form a run; a claim is *in a burst* when its run holds at least 2 distinct
identities; the value is bursty when at least half of its claims are in a
burst. A device farm (sessions under a minute, dozens of claims a night) is
bursty; a library computer used one person after another, a few a day, is not.

**The ring minimum.** A component is a ring when it holds at least 3 distinct
identities and is not a *household*: at most 5 identities who all give the
same residence address (address_norm + zip5, the unit included). Two people (a
couple sharing an address, an IP and an account) form no ring; neither do
three or four relatives at one home, whatever else they share. Nor roommates,
who move in over weeks or months. But a unit or PO box (not a house, not on the
congregate-address list) whose 3-5 people share no surname word and of whom 3
first gave it within ``strangers_days`` (3) is the start of a mail drop, and a
ring: stolen identities routed to one mailbox arrive days apart, strangers'
names all. On the seed-11 synthetic world 6 honest units of 419 with 3-4
people of different surnames had 3 arrivals within 3 days, against 28 fraud
units. With a sixth identity, a second address or a stranger's account any
household is a ring again. Re-filings by one person are one identity and never
a ring.

Nor is a *family* at a few homes (``family_homes``, 2): relatives who live
apart share a phone, a mailbox, a laptop or a joint account across their homes
(a grown child who helps a parent file, a spouse who moved out). A component is
a family when it spans at most ``family_homes`` residences, each holding at
most ``household_identities`` people, none of its claims carries hard
evidence (a red flag, or a fraud decision as of the night), and its people are
one family: joined by a home (people who gave one residence, or one person who
gave two: the home a spouse left) or by a word of their surnames (``GARCIA``
and ``GARCIA LOPEZ``; not a particle alone, ``DE LA CRUZ`` and ``DE LEON``,
nor a placeholder such as ``UNKNOWN``). No size cap: what tells a family from
a ring is that a ring's stolen identities carry strangers' names at many
homes. A family with no surname in common that never shared a home (a married
daughter, an in-law) is still a ring, as is, when the window has no
``last_name_norm``, a family that only a surname joins (a home still joins one).

Nor is a *helper's computer* (``shared_computers``): at most ``household_identities``
people joined only by devices (one at least) and ordinary IP addresses (a mailbox or phone
too when one device links them all: the helper's own), every claim that gave an IP address
on one network (IPv4 /16, IPv6 /32), no two people's claims within the device's burst gap,
no claim with hard evidence or a fraud decision. Relatives, neighbours and community
helpers file for elderly and limited-English claimants from their own home this way; on an
independently built world (``bench/heldout.py``) such helpers were 313 of the honest
claims held, and the gap in delays across languages and age bands came from them. A farm's
device roams networks behind rotating proxies or files one claim after another within
minutes, and its stolen identities share accounts and appear on lists.

**Stable ids.** Like ``identity_id``, a ring keeps its id night to night: a
ring whose members carried ids on earlier nights (``known``) takes the oldest
of those ids (``first_seen`` in ``known`` when given, else the earliest
``filed_at`` of its members carrying it); when two rings merge, the older id
survives; when a ring splits, the piece holding most of the id's members keeps
it. A new ring's id is ``"R-"`` and the first 12 hex digits of the SHA-1 of
its earliest claim's ``claim_id`` (earliest by ``filed_at``, then
``claim_id``), so it does not depend on row order.

**How.** No per-edge Python: each text column is dictionary-encoded once
(Arrow), values given once are dropped (they link nothing), distinct identities
per value are counted on integer pairs, bursts are found on a sort of the few
hub-degree values, and the components come from one CSR matrix. About 1.5 s
for a 1,000,000-claim window and 30 s for 11,000,000 (a night and its 90-day
history) on a shared 2-core machine; ``bench/rings.py`` measures it against
networkx. The thresholds live in the ``[rings]`` settings (:class:`RingRules`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from claimscreen.features.catalog import Feature, check_unique
from claimscreen.features.ring_graph import (
    KINDS,
    MEMBER_COLUMNS,
    TEXT_COLUMNS,
    Arr,
    KindRule,
    RingGraph,
    RingRules,
    SharedCodes,
    address_parts,
    connected_labels,
    distinct_per_group,
    encode_columns,
    filing_seconds,
    identity_of,
    kind_codes,
    on_congregate_list,
    ring_graph,
)
from claimscreen.features.ring_minimum import ring_components

__all__ = [
    "FEATURES",
    "KINDS",
    "RING_COLUMNS",
    "KindRule",
    "RingGraph",
    "RingRules",
    "SharedCodes",
    "address_parts",
    "connected_labels",
    "find_rings",
    "new_ring_id",
    "on_congregate_list",
    "ring_components",
    "ring_graph",
    "ring_statistics",
]


FEATURES: tuple[Feature, ...] = check_unique(
    (
        Feature(
            "ring_size",
            "int64",
            "Number of claims in the fraud ring this claim belongs to (0 if none)",
            "network",
        ),
        Feature(
            "ring_identities",
            "int64",
            "Number of different people in the claim's ring (0 if none)",
            "network",
        ),
        Feature(
            "ring_ssns_per_bank_account",
            "int64",
            "Most different SSNs paid into one bank account within the claim's ring (0 if none)",
            "network",
        ),
        Feature(
            "ring_shared_kinds",
            "str",
            "Kinds of identifiers the ring's members share, e.g. bank_account;device (empty if none)",
            "network",
        ),
        Feature(
            "ring_span_days",
            "float64",
            "Days between the ring's first and last claim (NaN if none)",
            "network",
        ),
        Feature(
            "ring_known_fraud",
            "int64",
            "Number of the ring's claims already found to be fraud by an investigator (0 if none)",
            "network",
        ),
        Feature(
            "ring_red_flag_share",
            "float64",
            "Share of the ring's claims that raised a red flag elsewhere (NaN if none or not computed)",
            "network",
        ),
    )
)
#: Columns of :func:`find_rings`: the ring id, then :data:`FEATURES`.
RING_COLUMNS: tuple[str, ...] = ("ring_id", *(f.name for f in FEATURES))


def new_ring_id(claim_id: str, attempt: int = 0) -> str:
    """The name a new ring takes after its earliest claim (``attempt``: the next, while a ring keeps it)."""
    text = claim_id if attempt == 0 else f"{claim_id}#{attempt}"
    return "R-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _earliest_claims(members: pd.DataFrame) -> pd.Series:
    """Per component: the claim_id of its earliest claim (by filed_at, then claim_id)."""
    first = members.sort_values(["second", "claim_id"]).drop_duplicates("comp")
    return pd.Series(first["claim_id"].to_numpy(), index=first["comp"].to_numpy())


def _known_votes(members: pd.DataFrame, known: pd.DataFrame, earliest: pd.Series) -> pd.DataFrame:
    """(comp, ring_id, votes, age, comp_key): the known ids each component's members carry."""
    known = known.dropna(subset=["ring_id"]).drop_duplicates("claim_id", keep="last")
    by_claim = pd.Series(known["ring_id"].astype("str").to_numpy(), index=known["claim_id"].astype("str"))
    carried = members.assign(ring_id=members["claim_id"].map(by_claim)).dropna(subset=["ring_id"])
    votes = carried.groupby(["comp", "ring_id"]).size().rename("votes").reset_index()
    if "first_seen" in known.columns:
        first_seen = pd.Series(
            filing_seconds(known["first_seen"]), index=known["ring_id"].astype("str").to_numpy()
        )
        age = first_seen.groupby(level=0).min()
    else:
        age = carried.groupby("ring_id")["second"].min()
    votes["age"] = votes["ring_id"].map(age)
    votes["comp_key"] = votes["comp"].map(earliest)
    return votes


def _keep_known_ids(votes: pd.DataFrame) -> dict[int, str]:
    """Each component takes its oldest known id; a contested id goes to the piece with most of its claims."""
    chosen: dict[int, str] = {}
    while not votes.empty:
        best = votes.sort_values(["comp", "age", "ring_id"]).drop_duplicates("comp")
        won = best.sort_values(["ring_id", "votes", "comp_key"], ascending=[True, False, True])
        won = won.drop_duplicates("ring_id")
        chosen.update(zip(won["comp"].tolist(), won["ring_id"].tolist(), strict=True))
        votes = votes[~votes["comp"].isin(won["comp"]) & ~votes["ring_id"].isin(won["ring_id"])]
    return chosen


def _assign_ring_ids(members: pd.DataFrame, known: pd.DataFrame | None) -> pd.Series:
    """Ring id per component (index: comp) of the ring members (columns comp, claim_id, second)."""
    if members.empty:
        return pd.Series(dtype="str")
    earliest = _earliest_claims(members)
    chosen = (
        _keep_known_ids(_known_votes(members, known, earliest)) if known is not None and len(known) else {}
    )
    taken = set(chosen.values())
    for comp, claim_id in zip(earliest.index.tolist(), earliest.tolist(), strict=True):
        if comp in chosen:
            continue
        attempt = 0
        while (ring_id := new_ring_id(str(claim_id), attempt)) in taken:
            attempt += 1
        chosen[comp] = ring_id
        taken.add(ring_id)
    return pd.Series(chosen, dtype="str")


# --- Public API ------------------------------------------------------------------------------


def find_rings(
    claims: pd.DataFrame,
    known: pd.DataFrame | None = None,
    ip_categories: pd.Series | None = None,
    *,
    fraud_claim_ids: Iterable[str] | None = None,
    red_flags: pd.Series | None = None,
    rules: RingRules | None = None,
    shared: SharedCodes | None = None,
    report: Arr | None = None,
    congregate: pd.DataFrame | None = None,
    ring_members: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One row per claim of ``claims`` (same index): ``ring_id`` (NA if none) and :data:`FEATURES`.

    ``claims`` is the window (history and tonight) in the claims-lake schema;
    ``known`` holds the ids of earlier nights (``claim_id, ring_id`` and
    optionally ``first_seen``); ``ip_categories`` maps ``ip_address`` to
    ``foreign``, ``hosting``, ``vpn`` or ``tor``; ``fraud_claim_ids`` are the
    claims with a ``fraud`` disposition as of tonight; ``red_flags`` is an
    optional boolean per claim, row for row with ``claims``, for
    ``ring_red_flag_share``. ``shared``: the window's columns already coded (same result, faster).
    ``report``: a boolean mask; only those rows are returned (tonight's claims, say).
    ``congregate``: the congregate-address reference list (shelters, group homes, dormitories).
    ``ring_members``: a list to which a frame (``claim_id, ring_id``) of every claim of the window
    that belongs to a ring holding a reported claim is appended: the earlier claims a ring
    reaches tonight, which the reported rows alone do not name (look-back, the review app).
    """
    rules = rules or RingRules()
    fraud_claim_ids = None if fraud_claim_ids is None else list(map(str, fraud_claim_ids))
    labels, is_ring = ring_components(
        claims, ip_categories, rules, shared, congregate, fraud_claim_ids=fraud_claim_ids, red_flags=red_flags
    )
    rows = np.flatnonzero(is_ring[labels])
    members = pd.DataFrame(
        {
            "comp": labels[rows],
            "claim_id": claims["claim_id"].iloc[rows].astype("str").to_numpy(),
            "second": filing_seconds(claims["filed_at"].iloc[rows]),
        }
    )
    ring_id = _assign_ring_ids(members, known).reindex(members["comp"].to_numpy()).to_numpy(dtype=object)
    wanted = [c for c in dict.fromkeys(MEMBER_COLUMNS + TEXT_COLUMNS) if c in claims.columns]
    members_frame = claims[wanted].iloc[rows]
    if shared is not None and shared.identity_names is not None:
        names = shared.identity_names.take(pa.array(shared.identity[rows]))
        members_frame = members_frame.assign(identity_id=pd.array(names, dtype="str"))
    stats = ring_statistics(
        members_frame, pd.Series(ring_id, dtype="str"), fraud_claim_ids, _take(red_flags, rows)
    )
    ids, position = (
        np.unique(ring_id.astype(str), return_inverse=True) if len(rows) else (np.empty(0, str), rows)
    )
    if ring_members is not None:
        ring_members.append(_members_of_reported(claims, rows, ring_id, report))
    index, at = claims.index, rows
    if report is not None:
        # Only the reported rows: statistics still count every member of each ring.
        index = claims.index[report]
        kept = report[rows]
        at = (np.cumsum(report) - 1)[rows[kept]]
        stats, position = stats.iloc[np.flatnonzero(kept)], np.asarray(position)[kept]
    out = _scatter(stats, at, index)
    out.insert(0, "ring_id", _take_text(ids, _positions(at, position, len(index)), index))
    return out


def _members_of_reported(claims: pd.DataFrame, rows: Arr, ring_id: Arr, report: Arr | None) -> pd.DataFrame:
    """``claim_id, ring_id`` of the ring members (``rows``) whose ring holds a reported claim."""
    ring = pd.Series(ring_id, dtype="str")
    if report is not None:
        reported = ring[np.asarray(report, dtype=bool)[rows]].unique()
        keep = ring.isin(reported).to_numpy(dtype=bool)
    else:
        keep = np.ones(len(rows), dtype=bool)
    return pd.DataFrame(
        {
            "claim_id": claims["claim_id"].iloc[rows[keep]].astype("str").to_numpy(),
            "ring_id": ring[keep].to_numpy(),
        }
    )


def _take(values: pd.Series | None, rows: Arr) -> pd.Series | None:
    return None if values is None else values.iloc[rows]


def _positions(rows: Arr, values: Arr, n: int) -> Arr:
    """An array of ``n`` positions: ``values`` at ``rows``, -1 elsewhere."""
    out = np.full(n, -1, dtype=np.int64)
    out[rows] = values
    return out


def _take_text(values: Arr, positions: Arr, index: pd.Index, default: str | None = None) -> pd.Series:
    """A text column: ``values[positions]``, ``default`` (missing if None) where the position is -1."""
    if default is None:
        taken = pa.array(values, pa.string()).take(pa.array(positions, mask=positions < 0))
    else:
        table = pa.array([*values.tolist(), default], pa.string())
        taken = table.take(pa.array(np.where(positions < 0, len(values), positions)))
    return pd.Series(taken.to_pandas().array, index=index)


def _scatter(stats: pd.DataFrame, rows: Arr, index: pd.Index) -> pd.DataFrame:
    """Full-length statistics: the members' at ``rows``; elsewhere counts 0, kinds empty, floats NaN."""
    out = pd.DataFrame(index=index)
    for feature in FEATURES:
        if feature.dtype == "str":
            kinds, position = np.unique(stats[feature.name].to_numpy(dtype=str), return_inverse=True)
            out[feature.name] = _take_text(kinds, _positions(rows, position, len(index)), index, default="")
            continue
        column = np.zeros(len(index)) if feature.dtype == "int64" else np.full(len(index), np.nan)
        column[rows] = stats[feature.name].to_numpy(dtype="float64")
        out[feature.name] = column.astype(feature.dtype)
    return out


def ring_statistics(
    claims: pd.DataFrame,
    rings: pd.DataFrame | pd.Series,
    fraud_claim_ids: Iterable[str] | None = None,
    red_flags: pd.Series | None = None,
) -> pd.DataFrame:
    """Per claim (same index as ``claims``): the :data:`FEATURES` of its ring, over the rows sharing its id.

    ``rings`` is :func:`find_rings`' output or its ``ring_id`` column, row for
    row with ``claims``; ``red_flags`` likewise. ``ring_shared_kinds`` lists the
    kinds with a value used by 2+ identities of the ring. Rows without a ring
    get counts 0, kinds "" and NaN.
    """
    ring_id = (rings["ring_id"] if isinstance(rings, pd.DataFrame) else rings).astype("str")
    rows = np.flatnonzero(ring_id.notna().to_numpy())
    if len(rows) == len(claims):
        return _member_statistics(claims, ring_id.to_numpy(), fraud_claim_ids, red_flags).set_axis(
            claims.index
        )
    stats = _member_statistics(
        claims.iloc[rows], ring_id.to_numpy()[rows], fraud_claim_ids, _take(red_flags, rows)
    )
    return _scatter(stats, rows, claims.index)


def _member_statistics(
    sub: pd.DataFrame, ring: Arr, fraud_claim_ids: Iterable[str] | None, red_flags: pd.Series | None
) -> pd.DataFrame:
    """Per member row (positional): the :data:`FEATURES` of its ring."""
    frame = pd.DataFrame(
        {
            "ring": pd.Series(ring, dtype="str").to_numpy(),
            "ident": identity_of(sub).to_numpy(),
            "ssn": sub["ssn_token"].astype("str").to_numpy(),
            "second": filing_seconds(sub["filed_at"]),
        }
    )
    if "bank_account_token" in sub.columns:
        frame["account"] = sub["bank_account_token"].astype("str").to_numpy()
    fraud = pd.Index(list(map(str, fraud_claim_ids)) if fraud_claim_ids is not None else [], dtype="str")
    frame["fraud"] = sub["claim_id"].astype("str").isin(fraud).to_numpy()
    if red_flags is not None:
        frame["flag"] = red_flags.astype("float64").to_numpy()
    per_ring = _per_ring(frame, _shared_kinds(sub, frame["ring"], frame["ident"]))
    return per_ring.reindex(frame["ring"].to_numpy()).reset_index(drop=True)


_SECONDS_PER_DAY = 86_400


def _per_ring(frame: pd.DataFrame, kinds: pd.Series) -> pd.DataFrame:
    """One row per ring id: the :data:`FEATURES`."""
    grouped = frame.groupby("ring")
    span = grouped["second"].max() - grouped["second"].min()
    out = pd.DataFrame(
        {
            "ring_size": grouped.size(),
            "ring_identities": grouped["ident"].nunique(),
            "ring_ssns_per_bank_account": _ssns_per_account(frame),
            "ring_shared_kinds": kinds,
            "ring_span_days": span / _SECONDS_PER_DAY,
            "ring_known_fraud": grouped["fraud"].sum(),
            "ring_red_flag_share": grouped["flag"].mean() if "flag" in frame else np.nan,
        }
    )
    out["ring_ssns_per_bank_account"] = out["ring_ssns_per_bank_account"].fillna(0)
    out["ring_shared_kinds"] = out["ring_shared_kinds"].fillna("")
    return out


def _ssns_per_account(frame: pd.DataFrame) -> pd.Series:
    """Per ring: the most distinct SSN tokens paid into one bank account."""
    if "account" not in frame:
        return pd.Series(dtype="float64")
    paid = frame.dropna(subset=["account"])
    return paid.groupby(["ring", "account"])["ssn"].nunique().groupby(level="ring").max()


def _shared_kinds(sub: pd.DataFrame, ring: pd.Series, ident: pd.Series) -> pd.Series:
    """Per ring: the kinds (``;``-joined, :data:`KINDS` order) with a value used by 2+ of its identities."""
    ring_code, ring_names = pd.factorize(ring)
    ident_code = pd.factorize(ident)[0]
    bits = np.zeros(len(ring_names), dtype=np.int64)
    encoded = encode_columns({c: sub[c] for c in TEXT_COLUMNS if c in sub.columns})
    for k, kind in enumerate(KINDS):
        codes, width = kind_codes(encoded, kind, len(sub))
        present = np.flatnonzero(codes >= 0)
        rows = present // width
        value, _ = pd.factorize(
            ring_code[rows].astype(np.int64) * (int(codes.max(initial=0)) + 1) + codes[present]
        )
        ids = distinct_per_group(value, ident_code[rows], int(value.max(initial=-1)) + 1)
        value_ring = np.zeros(len(ids), dtype=np.int64)
        value_ring[value] = ring_code[rows]
        bits[value_ring[ids >= 2]] |= 1 << k
    names = [";".join(kind for k, kind in enumerate(KINDS) if b >> k & 1) for b in range(1 << len(KINDS))]
    return pd.Series(np.asarray(names, dtype=object)[bits], index=ring_names, dtype="str")
