"""Look-back: claims paid on earlier nights, checked again against what changed since.

A claim routed ``clear`` is paid the night it is scored. Every night ``D``, the
claims cleared on the nights of the benefit year before it (``[verification]
lookback_days``, 365) are checked again against what is new since their night:

* **reference lists** loaded since: only list versions other than the one the
  claim's night pinned (``features/batch_date=N/inputs.json``) are read, and of
  them only the entries that version lacked. A claim sharing a key with a new
  entry is run through the same identity signals as a new claim
  (:func:`claimscreen.features.identity_signals.compute_identity_signals`, as of
  night ``D``): ``deceased_before_filing`` gives ``LOOKBACK_DECEASED``,
  ``incarcerated_at_filing`` ``LOOKBACK_INCARCERATED``, ``interstate_claim``
  ``LOOKBACK_INTERSTATE`` (against the whole interstate list, so a second other
  state counts), ``suspicious_actor_match`` ``LOOKBACK_SUSPICIOUS_ACTOR``;
* **rings**: a claim whose ``ring_id`` (stable from night to night) is a ring
  flagged tonight (a ``ring:`` case in tonight's scores); a claim tonight's
  features found in a flagged ring (the night's ``lake/ring_members``, which
  names the earlier claims each ring reaches, whatever links them); or a claim that was in
  no ring, or another, when it was paid and that a ring flagged tonight has grown
  to include: it holds the bank account, email, phone, device or address
  (residence or mailing, with its ZIP code) that links the ring (a kind the
  ring's ``ring_shared_kinds`` names) of one of the ring's claims tonight
  (:data:`RING_LINK_COLUMNS`; a device held by more identities than the ring
  rule's device cap is not a link): ``LOOKBACK_RING``, with the flagged ring's id;
* **decisions**: fraud decided, after the claim's night ended and by the end of
  night ``D``, on another claim with the same ``identity_id``,
  ``bank_account_token`` or ``device_id``: ``LOOKBACK_DECISION``;
* **SSN reuse**: a claim filed tonight with the same ``ssn_token`` under
  another ``identity_id``: ``LOOKBACK_SSN_REUSE`` (the same SSN in another
  state arrives through the interstate list: ``LOOKBACK_INTERSTATE``).

A claim already decided fraud is not raised again. Each claim and reason is
raised once, on the first night that finds it: a later night skips the pairs any
other night raised, and a re-run of a night keeps the alerts it wrote (adding
only pairs it had not). The alerts are ``lake/lookback/batch_date=D/alerts.parquet``
(:data:`~claimscreen.data.schema.LOOKBACK_SCHEMA`), written atomically; the
night's scores are never rewritten.

**Cost**: the work follows the changes, not the history. The benefit year's
lake files are read a few key columns at a time and matched with Arrow's hash
kernel (``pyarrow.compute.is_in``) against the night's change keys; only the
few matching rows become a DataFrame.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.errors import InputError
from claimscreen.data.labels import decisions_as_of, read_decisions
from claimscreen.data.lake import Lake
from claimscreen.data.reference import current_version, read_reference
from claimscreen.data.schema import LOOKBACK_EXPORT_COLUMNS, LOOKBACK_QUEUE_LABEL, LOOKBACK_SCHEMA
from claimscreen.data.settings import Settings, load_settings
from claimscreen.data.timing import lap, since
from claimscreen.features.build import end_of_night_utc
from claimscreen.features.identity_signals import (
    ACTOR_CLAIM_KEYS,
    ACTOR_LIST_KEYS,
    WINDOW_COLUMNS,
    compute_identity_signals,
)

__all__ = [
    "LOOKBACK_REASONS",
    "LookbackResult",
    "alerts_path",
    "export_alerts",
    "read_alerts",
    "run_lookback",
]

#: Each look-back reason code and its sentence, in the order an export lists them.
LOOKBACK_REASONS: dict[str, str] = {
    "LOOKBACK_DECEASED": "A death record loaded after this claim was paid shows its SSN's owner died "
    "before the filing date.",
    "LOOKBACK_INCARCERATED": "Prison or jail records loaded after this claim was paid show its SSN's "
    "owner held on the filing date.",
    "LOOKBACK_INTERSTATE": "Another state reported, after this claim was paid, a claim on the same SSN "
    "that overlaps it.",
    "LOOKBACK_SUSPICIOUS_ACTOR": "A bank account, email, phone, IP address, device or address of this "
    "claim was put on the suspicious-actors list after it was paid.",
    "LOOKBACK_RING": "The organized-fraud ring this claim belongs to was flagged for review tonight.",
    "LOOKBACK_DECISION": "After this claim was paid, investigators found fraud on another claim by the "
    "same person, bank account or device.",
    "LOOKBACK_SSN_REUSE": "Tonight this claim's SSN was filed again under another identity.",
}

#: Each list checked again, with the identity signal that reads it and the reason it gives.
LIST_SIGNALS: dict[str, tuple[str, str]] = {
    "deceased": ("deceased_before_filing", "LOOKBACK_DECEASED"),
    "incarcerated": ("incarcerated_at_filing", "LOOKBACK_INCARCERATED"),
    "interstate_claims": ("interstate_claim", "LOOKBACK_INTERSTATE"),
    "suspicious_actors": ("suspicious_actor_match", "LOOKBACK_SUSPICIOUS_ACTOR"),
}
#: The keys a fraud decision implicates other claims by.
DECISION_KEYS = ("identity_id", "bank_account_token", "device_id")
#: The kinds of identifier by which a ring grows to include a paid claim, and the claims
#: column holding each (an address is its street, residence or mailing, matched with its ZIP
#: code). An IP address is not one: a library's or a campus's network links strangers. A
#: device counts only when the paid claims holding it are of no more identities than the ring
#: rule's cap for devices (``[rings.kinds]``, 5): more is a library's computer (on
#: bench/ledger_figures.py, with IP addresses and no cap, 56 of 62 look-back alerts were
#: honest library and household claimants).
RING_LINK_COLUMNS: dict[str, str] = {
    "bank_account": "bank_account_token",
    "email": "email_canonical",
    "phone": "phone_e164",
    "device": "device_id",
    "address": "address_norm",
}
#: The kinds a ring grows by only up to the ring rule's cap of identities per value.
CAPPED_KINDS = ("device",)
#: A ring's address links by a claim's residence or mailing address: (street, ZIP) columns.
ADDRESS_PAIRS = (("address_norm", "zip5"), ("mailing_address_norm", "mailing_zip5"))
#: The claims columns the list signals read besides their keys.
_CONTEXT_COLUMNS = ("filed_at", "state", "zip5")
_SCORES_COLUMNS = ["claim_id", "route", "ring_id", "identity_id", "risk_score"]


@dataclass
class LookbackResult:
    """What one night's look-back did (the run report keeps it)."""

    batch_date: str
    #: Alerts (claim and reason pairs) the night holds, and claims among them.
    alerts: int = 0
    claims: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    #: Earlier nights whose cleared claims were checked.
    nights_checked: int = 0
    #: The night's changes: new list entries by list, flagged rings, fraud decisions, SSNs filed.
    changes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Changes:
    """What is new tonight, as keys to match the benefit year's cleared claims against."""

    #: Tonight's claims: ssn_token and identity_id.
    tonight: pd.DataFrame
    flagged_rings: pa.Array
    #: kind -> {version an earlier night used (None: not loaded) -> tonight's entries it lacked}.
    new_entries: dict[str, dict[str | None, pd.DataFrame]]
    #: kind -> the list as tonight uses it.
    lists: dict[str, pd.DataFrame]
    #: Fraud decided since the first night checked: key kind, key, claim_id, decided_at.
    decisions: pd.DataFrame
    #: Claims whose latest decision by tonight is fraud: nothing to raise on them.
    decided_fraud: pa.Array
    #: What links each flagged ring tonight: column, key, zip5 (addresses only), ring_id.
    ring_links: pd.DataFrame = field(default_factory=lambda: _no_links())
    #: Every claim of the window in a ring flagged tonight, as the features found it tonight
    #: (``claim_id, ring_id``; ``lake/ring_members``): earlier claims the ring reached.
    ring_members: pd.DataFrame = field(default_factory=lambda: _no_members())
    #: The most identities a device or an address may link a ring by (the ring rule's caps).
    link_caps: dict[str, int] = field(default_factory=dict)


def alerts_path(lake: Lake, night: dt.date) -> Path:
    return lake.partition("lookback", night) / "alerts.parquet"


def run_lookback(home: Path, night: dt.date, settings: Settings | None = None) -> LookbackResult:
    """Check the benefit year's cleared claims against what changed by ``night``; write and
    return the night's look-back alerts (a pair raised on another night is not raised again)."""
    started = time.perf_counter()
    home = Path(home)
    settings = settings or load_settings(home)
    lake = Lake(home)
    if not lake.scores_path(night).exists():
        raise InputError(f"night {night} has no scores; run the nightly flow on its batch first")
    first = night - dt.timedelta(days=settings.verification.lookback_days)
    nights = [n for n in _days(first, night - dt.timedelta(days=1)) if lake.scores_path(n).exists()]
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    pins = {n: _pins(lake, n) for n in nights}
    changes = _changes(home, lake, night, nights, pins, settings.agency_timezone)
    changes.link_caps = {kind: settings.rings.kinds[kind].cap for kind in CAPPED_KINDS}
    clock = lap(timings, "changes", clock)
    found = implicated(lake, night, nights, pins, changes, settings.agency_timezone, timings)
    clock = time.perf_counter()
    alerts = _raise_once(lake, night, first, found)
    lake.write_table(alerts_path(lake, night), alerts)
    lap(timings, "write", clock)
    reasons = alerts.column("reason").to_pylist()
    return LookbackResult(
        batch_date=night.isoformat(),
        alerts=alerts.num_rows,
        claims=len(set(alerts.column("claim_id").to_pylist())),
        by_reason={code: reasons.count(code) for code in LOOKBACK_REASONS if code in reasons},
        nights_checked=len(nights),
        changes=_change_counts(changes),
        seconds=since(started),
        timings=timings,
    )


def read_alerts(home: Path, night: dt.date) -> pd.DataFrame:
    """The look-back alerts raised on ``night``; an InputError when no look-back ran that night."""
    lake = Lake(Path(home))
    path = alerts_path(lake, night)
    if not path.exists():
        raise InputError(f"night {night} has no look-back run; run the nightly flow on its batch first")
    return lake.read_table(path).to_pandas()


def export_alerts(home: Path, night: dt.date) -> pd.DataFrame:
    """The claims raised on ``night``, one row each: ``claim_id, first_scored, flagged_on,
    reasons`` (codes ``;``-separated, in :data:`LOOKBACK_REASONS` order) ``, ring_id``."""
    alerts = read_alerts(home, night)
    order = {code: i for i, code in enumerate(LOOKBACK_REASONS)}
    alerts = alerts.assign(_order=alerts["reason"].map(order)).sort_values(["claim_id", "_order"])
    grouped = alerts.groupby("claim_id", sort=True)
    out = grouped.agg(
        first_scored=("first_scored", "first"),
        flagged_on=("flagged_on", "first"),
        reasons=("reason", ";".join),
        ring_id=("ring_id", "first"),
    ).reset_index()
    return out[list(LOOKBACK_EXPORT_COLUMNS)]


# --- What changed -----------------------------------------------------------------------


def _changes(
    home: Path,
    lake: Lake,
    night: dt.date,
    nights: list[dt.date],
    pins: dict[dt.date, dict[str, str | None] | None],
    timezone: str,
) -> _Changes:
    tonight_pins = _pins(lake, night) or {kind: current_version(home, kind) for kind in LIST_SIGNALS}
    new_entries: dict[str, dict[str | None, pd.DataFrame]] = {}
    lists: dict[str, pd.DataFrame] = {}
    for kind in LIST_SIGNALS:
        version = tonight_pins.get(kind)
        older = {p.get(kind) for p in pins.values() if p is not None} - {version}
        if version is None or not older:
            continue
        lists[kind] = read_reference(home, kind, version)
        new_entries[kind] = {
            # A list the earlier night had not loaded: every entry is new to it.
            old: lists[kind] if old is None else _new_rows(lists[kind], read_reference(home, kind, old))
            for old in older
        }
    scores = lake.read_table(
        lake.scores_path(night), columns=["claim_id", "identity_id", "ring_id", "case_id"]
    )
    flagged = scores.filter(pc.starts_with(scores["case_id"], "ring:"))["ring_id"]
    rings = pc.unique(flagged.combine_chunks().cast(pa.string()).drop_null())
    end = end_of_night_utc(night, timezone)
    history = read_decisions(home)
    latest = decisions_as_of(history, end + pd.Timedelta(microseconds=1))
    decided_fraud = latest.loc[latest["outcome"] == "fraud", "claim_id"]
    since = end_of_night_utc(nights[0], timezone) if nights else end
    at = pd.to_datetime(history["decided_at"], utc=True)
    fraud = history.loc[
        (history["outcome"] == "fraud") & (at > since) & (at <= end), ["claim_id", "decided_at"]
    ]
    return _Changes(
        tonight=_tonight(lake, night, scores),
        ring_links=_ring_links(lake, night, rings),
        ring_members=_ring_members(lake, night, rings),
        flagged_rings=rings,
        new_entries=new_entries,
        lists=lists,
        decisions=_decision_keys(lake, [*nights, night], fraud),
        decided_fraud=pa.array(decided_fraud.astype(str).unique(), pa.string()),
    )


def _tonight(lake: Lake, night: dt.date, scores: pa.Table) -> pd.DataFrame:
    """Tonight's claims' SSN tokens and identities (a hash join of the night's claims and scores)."""
    parts = [
        lake.read_table(p, columns=["claim_id", "ssn_token"])
        for p in lake.committed_parts("claims", night, night)
    ]
    if not parts:
        return pd.DataFrame({"ssn_token": [], "identity_id": []}, dtype="str")
    claims = pa.concat_tables(parts).cast(pa.schema([("claim_id", pa.string()), ("ssn_token", pa.string())]))
    joined = claims.join(scores.select(["claim_id", "identity_id"]), "claim_id")
    return joined.select(["ssn_token", "identity_id"]).to_pandas().drop_duplicates()


def _no_members() -> pd.DataFrame:
    return pd.DataFrame({"claim_id": [], "ring_id": []}, dtype="str")


def _ring_members(lake: Lake, night: dt.date, rings: pa.Array) -> pd.DataFrame:
    """The members of the rings flagged tonight, earlier nights' claims included."""
    return lake.ring_members(night, rings).to_pandas().astype(str)


def _no_links() -> pd.DataFrame:
    return pd.DataFrame({"column": [], "key": [], "zip5": [], "ring_id": []}, dtype="str")


def _ring_links(lake: Lake, night: dt.date, rings: pa.Array) -> pd.DataFrame:
    """The values that link each ring flagged tonight: of each of its claims tonight, the value of
    every kind its ``ring_shared_kinds`` names (``column, key, zip5, ring_id``)."""
    path = lake.features_path(night)
    if not len(rings) or not path.exists():
        return _no_links()
    features = lake.read_table(path, columns=["claim_id", "ring_id", "ring_shared_kinds"])
    members = features.filter(pc.is_in(features["ring_id"].cast(pa.string()), value_set=rings)).to_pandas()
    if members.empty:
        return _no_links()
    ids = pa.array(members["claim_id"].astype(str).unique(), pa.string())
    wanted = ["claim_id", *RING_LINK_COLUMNS.values(), *(c for pair in ADDRESS_PAIRS for c in pair)]
    claims = _matching(lake, _claims_parts(lake, [night]), {"claim_id": ids}, list(dict.fromkeys(wanted)))
    joined = members.merge(claims.drop(columns=["first_scored"]), on="claim_id")
    links = []
    for kind, column in RING_LINK_COLUMNS.items():
        named = joined["ring_shared_kinds"].fillna("").str.split(";").map(lambda kinds, k=kind: k in kinds)
        # An address links by the residence or the mailing address (a mail drop is often the latter).
        for street, zip5 in ADDRESS_PAIRS if kind == "address" else ((column, None),):
            if street not in joined.columns or (zip5 is not None and zip5 not in joined.columns):
                continue
            part = joined.loc[named.astype(bool) & joined[street].notna(), [street, "ring_id"]]
            part = part.rename(columns={street: "key"}).assign(column=column)
            links.append(part.assign(zip5=joined.loc[part.index, zip5] if zip5 else ""))
    found = pd.concat(links, ignore_index=True) if links else _no_links()
    return found[["column", "key", "zip5", "ring_id"]].astype(str).drop_duplicates().reset_index(drop=True)


def _new_rows(current: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``current`` that ``old`` lacks (all of them when ``old`` is empty)."""
    if old.empty or current.empty:
        return current
    mine = pd.util.hash_pandas_object(current, index=False).to_numpy()
    theirs = pd.util.hash_pandas_object(old[list(current.columns)], index=False).to_numpy()
    return current.loc[~np.isin(mine, theirs)].reset_index(drop=True)


def _decision_keys(lake: Lake, nights: list[dt.date], fraud: pd.DataFrame) -> pd.DataFrame:
    """The identity, bank account and device of the claims decided fraud (``key_kind, key,
    decided_claim, decided_at``), looked up in the nights' scores and claims."""
    empty = pd.DataFrame({"key_kind": [], "key": [], "decided_claim": [], "decided_at": []}, dtype="str")
    if fraud.empty:
        return empty
    ids = pa.array(fraud["claim_id"].astype(str).unique(), pa.string())
    # Where each decided claim was scored: the review queues (small files) hold the claims
    # investigators see; only a claim decided without being queued needs the scores scanned.
    queued = _matching(lake, _queue_parts(lake, nights), {"claim_id": ids}, ["claim_id", "identity_id"])
    rest = pc.filter(ids, pc.invert(pc.is_in(ids, pa.array(queued["claim_id"].astype(str), pa.string()))))
    scored = _matching(lake, _scores_parts(lake, nights), {"claim_id": rest}, ["claim_id", "identity_id"])
    located = pd.concat([f for f in (queued, scored) if len(f)] or [queued], ignore_index=True)
    claim_nights = sorted(set(located["first_scored"]))
    frames = [
        located,
        _matching(
            lake,
            _claims_parts(lake, claim_nights),
            {"claim_id": ids},
            ["claim_id", "bank_account_token", "device_id"],
        ),
    ]
    keys = []
    for frame in frames:
        for kind in DECISION_KEYS:
            if kind in frame.columns:
                part = (
                    frame[["claim_id", kind]]
                    .dropna()
                    .rename(columns={kind: "key", "claim_id": "decided_claim"})
                )
                keys.append(part.assign(key_kind=kind))
    if not keys:
        return empty
    keyed = pd.concat(keys, ignore_index=True).drop_duplicates()
    times = fraud.rename(columns={"claim_id": "decided_claim"})
    return keyed.merge(times, on="decided_claim")


def _change_counts(changes: _Changes) -> dict[str, int]:
    counts = {
        f"new_{kind}": int(sum(len(rows) for rows in changes.new_entries.get(kind, {}).values()))
        for kind in LIST_SIGNALS
    }
    counts["flagged_rings"] = len(changes.flagged_rings)
    counts["fraud_decisions"] = int(changes.decisions["decided_claim"].nunique())
    counts["ssns_tonight"] = int(changes.tonight["ssn_token"].nunique())
    return counts


# --- Who it implicates ------------------------------------------------------------------


def implicated(
    lake: Lake,
    night: dt.date,
    nights: list[dt.date],
    pins: dict[dt.date, dict[str, str | None] | None],
    changes: _Changes,
    timezone: str,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The earlier nights' cleared claims the changes implicate, one row per claim and reason:
    ``claim_id, first_scored, reason, ring_id, identity_id, risk_score``."""
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    claim_keys = _claim_key_sets(changes)
    context = list(_CONTEXT_COLUMNS if changes.new_entries else ())
    if (changes.ring_links["column"] == "address_norm").any():
        context += [c for pair in ADDRESS_PAIRS for c in pair]
    read = ["claim_id", *claim_keys, *context]
    by_claims = _matching(lake, _claims_parts(lake, nights), claim_keys, list(dict.fromkeys(read)))
    clock = lap(timings, "claims", clock)
    score_keys = {
        "claim_id": pa.array(
            pd.concat([by_claims["claim_id"], changes.ring_members["claim_id"]]).astype(str).unique(),
            pa.string(),
        ),
        "ring_id": changes.flagged_rings,
        "identity_id": _keys(changes.decisions, "identity_id"),
    }
    cleared = _matching(lake, _scores_parts(lake, nights), score_keys, _SCORES_COLUMNS, clear_only=True)
    clock = lap(timings, "scores", clock)
    excluded = np.asarray(
        pc.is_in(pa.array(cleared["claim_id"], pa.string()), changes.decided_fraud), dtype=bool
    )
    rows = cleared.loc[~excluded].merge(by_claims.drop(columns=["first_scored"]), on="claim_id", how="left")
    found = [
        _ring_hits(rows, changes),
        _ring_member_hits(rows, changes),
        _ring_growth_hits(rows, changes),
        _decision_hits(rows, changes, timezone),
        _ssn_reuse_hits(rows, changes),
        *(_list_hits(rows, night, pins, changes, kind, timezone) for kind in changes.new_entries),
    ]
    lap(timings, "match", clock)
    columns = ["claim_id", "first_scored", "reason", "ring_id", "identity_id", "risk_score"]
    hits = (
        pd.concat([f[columns] for f in found if len(f)], ignore_index=True)
        if any(len(f) for f in found)
        else None
    )
    return hits.drop_duplicates(["claim_id", "reason"]) if hits is not None else pd.DataFrame(columns=columns)


def _claim_key_sets(changes: _Changes) -> dict[str, pa.Array]:
    """The claims-lake columns to match, each with the values that implicate a claim."""
    sets: dict[str, list[pd.Series]] = {"ssn_token": [changes.tonight["ssn_token"]]}
    for kind, by_version in changes.new_entries.items():
        for rows in by_version.values():
            if kind == "suspicious_actors":
                for actor_kind, columns in ACTOR_CLAIM_KEYS.items():
                    wanted = rows.loc[rows["kind"] == actor_kind, ACTOR_LIST_KEYS[actor_kind][0]]
                    sets.setdefault(columns[0], []).append(wanted)
            else:
                sets["ssn_token"].append(rows["ssn_token"])
    for kind in DECISION_KEYS[1:]:
        sets.setdefault(kind, []).append(changes.decisions.loc[changes.decisions["key_kind"] == kind, "key"])
    for column, keys in changes.ring_links.groupby("column")["key"]:
        for matched in ("address_norm", "mailing_address_norm") if column == "address_norm" else (column,):
            sets.setdefault(str(matched), []).append(keys)
    return {column: _keys_of(pd.concat(values)) for column, values in sets.items()}


def _ring_hits(rows: pd.DataFrame, changes: _Changes) -> pd.DataFrame:
    hit = np.asarray(
        pc.fill_null(pc.is_in(pa.array(rows["ring_id"], pa.string()), changes.flagged_rings), False)
    )
    return rows.loc[hit].assign(reason="LOOKBACK_RING")


def _ring_member_hits(rows: pd.DataFrame, changes: _Changes) -> pd.DataFrame:
    """Claims a ring flagged tonight reaches, as tonight's features found the ring: the alert
    carries the flagged ring's id."""
    members = changes.ring_members.rename(columns={"ring_id": "flagged_ring"})
    pairs = rows.astype({"claim_id": str}).merge(members, on="claim_id")
    return (
        pairs.assign(ring_id=pairs["flagged_ring"])
        .drop(columns=["flagged_ring"])
        .assign(reason="LOOKBACK_RING")
    )


def _ring_growth_hits(rows: pd.DataFrame, changes: _Changes) -> pd.DataFrame:
    """Claims holding a value that links a ring flagged tonight (an address, residence or
    mailing, with its ZIP code; a device of no more identities than its cap): the ring has grown
    to include them; the alert carries the flagged ring's id."""
    hits = []
    kinds = {column: kind for kind, column in RING_LINK_COLUMNS.items()}
    for column, links in changes.ring_links.groupby("column"):
        pairs_of = ADDRESS_PAIRS if column == "address_norm" else ((str(column), None),)
        for street, zip5 in pairs_of:
            on = [street, zip5] if zip5 else [street]
            if any(c not in rows.columns for c in on):
                continue
            right = links.rename(columns={"key": street, "zip5": zip5 or "_", "ring_id": "flagged_ring"})
            pairs = (
                rows.dropna(subset=on).astype({c: str for c in on}).merge(right[[*on, "flagged_ring"]], on=on)
            )
            cap = changes.link_caps.get(kinds[str(column)])
            if cap is not None:
                identities = pairs.groupby(on)["identity_id"].transform("nunique")
                pairs = pairs.loc[identities <= cap]
            hits.append(pairs.assign(ring_id=pairs["flagged_ring"]).drop(columns=["flagged_ring"]))
    found = pd.concat(hits, ignore_index=True) if hits else rows.iloc[:0]
    return found.drop_duplicates(["claim_id", "ring_id"]).assign(reason="LOOKBACK_RING")


def _decision_hits(rows: pd.DataFrame, changes: _Changes, timezone: str) -> pd.DataFrame:
    """Fraud decided on another claim sharing a key, after the claim's night ended."""
    hits = []
    for kind in DECISION_KEYS:
        if kind not in rows.columns:
            continue
        decided = changes.decisions.loc[
            changes.decisions["key_kind"] == kind, ["key", "decided_claim", "decided_at"]
        ]
        pairs = rows.merge(decided, left_on=kind, right_on="key")
        ended = _night_ends(pairs["first_scored"], timezone)
        later = pd.to_datetime(pairs["decided_at"], utc=True) > ended
        hits.append(pairs.loc[later & (pairs["decided_claim"] != pairs["claim_id"])])
    found = pd.concat(hits, ignore_index=True) if hits else rows.iloc[:0]
    return found.assign(reason="LOOKBACK_DECISION")


def _ssn_reuse_hits(rows: pd.DataFrame, changes: _Changes) -> pd.DataFrame:
    """A claim filed tonight with the same SSN under another identity."""
    if "ssn_token" not in rows.columns:
        return rows.iloc[:0].assign(reason="LOOKBACK_SSN_REUSE")
    tonight = changes.tonight.rename(columns={"identity_id": "identity_tonight"})
    pairs = rows.merge(tonight, on="ssn_token")
    return pairs.loc[pairs["identity_tonight"] != pairs["identity_id"]].assign(reason="LOOKBACK_SSN_REUSE")


def _list_hits(
    rows: pd.DataFrame,
    night: dt.date,
    pins: dict[dt.date, dict[str, str | None] | None],
    changes: _Changes,
    kind: str,
    timezone: str,
) -> pd.DataFrame:
    """Claims whose identity signal for list ``kind`` fires, as of ``night``, on entries their
    own night's version lacked (interstate: on the whole list, for claims sharing a new entry's SSN)."""
    signal, reason = LIST_SIGNALS[kind]
    used = rows["first_scored"].map({n: _version_key(pins.get(n), kind) for n in set(rows["first_scored"])})
    found = []
    for old, entries in changes.new_entries[kind].items():
        group = rows.loc[(used == _version_key({kind: old}, kind)).to_numpy()]
        if group.empty or entries.empty:
            continue
        references = {kind: changes.lists[kind] if kind == "interstate_claims" else entries}
        if kind == "interstate_claims":
            group = group.loc[group["ssn_token"].isin(entries["ssn_token"])]
        window = group.reindex(columns=list(WINDOW_COLUMNS)).assign(batch_date=night)
        window["claim_id"] = window["claim_id"].astype(str)
        signals = compute_identity_signals(
            window.reset_index(drop=True), night, references, timezone=timezone
        )
        fired = (
            signals[signal]
            .reindex(group["claim_id"].astype(str).to_numpy())
            .fillna(False)
            .to_numpy(dtype=bool)
        )
        found.append(group.loc[fired])
    return (
        pd.concat(found, ignore_index=True).assign(reason=reason)
        if found
        else rows.iloc[:0].assign(reason=reason)
    )


# --- Reading the benefit year by key ------------------------------------------------------


#: Rows read before they are matched at once: each match builds its value set's hash table
#: once per batch (tonight's million SSNs), so larger batches cost fewer builds (10 x 1M rows:
#: 3.7 s of CPU one file at a time, 1.6 s in one batch) and more memory.
BATCH_ROWS = 4_000_000


def _matching(
    lake: Lake,
    parts: list[tuple[dt.date, Path]],
    keys: dict[str, pa.Array],
    columns: list[str],
    clear_only: bool = False,
) -> pd.DataFrame:
    """``columns`` (and ``first_scored``, the part's night) of the rows of ``parts`` where any
    column of ``keys`` holds one of its values (and, ``clear_only``, routed ``clear``). Files are
    read a few columns at a time, in batches of :data:`BATCH_ROWS` rows matched with Arrow's hash
    kernel; only the matching rows are kept."""
    keys = {c: v for c, v in keys.items() if len(v)}
    found: list[pa.Table] = []
    batch: list[pa.Table] = []
    for night, path in parts:
        present = set(lake.read_schema(path).names)
        if not any(c in present for c in keys):
            continue
        wanted = [
            c for c in dict.fromkeys([*columns, *keys, *(["route"] if clear_only else [])]) if c in present
        ]
        table = lake.read_table(path, columns=wanted)
        batch.append(
            table.append_column("first_scored", pa.repeat(pa.scalar(night, pa.date32()), table.num_rows))
        )
        if sum(t.num_rows for t in batch) >= BATCH_ROWS:
            found.append(_match_batch(batch, keys, clear_only))
            batch = []
    if batch:
        found.append(_match_batch(batch, keys, clear_only))
    found = [t for t in found if t.num_rows]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in [*columns, "first_scored"]})
    frame = pa.concat_tables(found, promote_options="permissive").to_pandas()
    frame["first_scored"] = pd.to_datetime(frame["first_scored"]).dt.date
    return frame.reindex(columns=[*dict.fromkeys([*columns, *keys]), "first_scored"])


def _match_batch(tables: list[pa.Table], keys: dict[str, pa.Array], clear_only: bool) -> pa.Table:
    """The rows of ``tables`` whose key columns hold a wanted value (one hash build per key)."""
    table = pa.concat_tables(tables, promote_options="permissive")
    mask = pa.chunked_array([pa.array(np.zeros(table.num_rows, dtype=bool))])
    for column, values in keys.items():
        if column in table.column_names:
            wanted = values.cast(table.schema.field(column).type)
            mask = pc.or_(mask, pc.fill_null(pc.is_in(table[column], value_set=wanted), False))
    if clear_only:
        mask = pc.and_(mask, pc.equal(table["route"], "clear"))
    return table.filter(mask)


def _claims_parts(lake: Lake, nights: list[dt.date]) -> list[tuple[dt.date, Path]]:
    if not nights:
        return []
    wanted = set(nights)
    parts = lake.committed_parts("claims", min(nights), max(nights))
    return [(n, p) for p in parts if (n := _night_of(p)) in wanted]


def _scores_parts(lake: Lake, nights: list[dt.date]) -> list[tuple[dt.date, Path]]:
    return [(n, lake.scores_path(n)) for n in nights if lake.scores_path(n).exists()]


def _queue_parts(lake: Lake, nights: list[dt.date]) -> list[tuple[dt.date, Path]]:
    return [(n, lake.queue_path(n)) for n in nights if lake.queue_path(n).exists()]


def _night_of(path: Path) -> dt.date:
    return dt.date.fromisoformat(path.parent.name.removeprefix("batch_date="))


# --- Raised once ----------------------------------------------------------------------------


def _raise_once(lake: Lake, night: dt.date, first: dt.date, found: pd.DataFrame) -> pa.Table:
    """The night's alerts: those it raised before (a re-run keeps them) and the pairs ``found``
    that no other night raised."""
    path = alerts_path(lake, night)
    kept = lake.read_table(path) if path.exists() else LOOKBACK_SCHEMA.empty_table()
    others = [p for p in (lake.root / "lookback").glob("batch_date=*/alerts.parquet") if p != path]
    raised = [lake.read_table(p, columns=["claim_id", "reason"]) for p in others if _night_of(p) >= first]
    raised.append(kept.select(["claim_id", "reason"]))
    seen = pa.concat_tables(raised).to_pandas()
    pairs = found["claim_id"].astype(str) + "\x1f" + found["reason"].astype(str)
    before = set(seen["claim_id"].astype(str) + "\x1f" + seen["reason"].astype(str))
    new = found.loc[~pairs.isin(before).to_numpy()]
    table = pa.concat_tables([kept, _alerts_table(new, night)])
    order = pc.sort_indices(table, [("claim_id", "ascending"), ("reason", "ascending")])
    return table.take(order)


def _alerts_table(found: pd.DataFrame, night: dt.date) -> pa.Table:
    n = len(found)
    ids = found["claim_id"].astype(str).to_numpy()
    return pa.table(
        {
            "claim_id": pa.array(ids, pa.string()),
            "flagged_on": pa.array([night] * n, pa.date32()),
            "first_scored": pa.array(list(found["first_scored"]), pa.date32()),
            "reason": pa.array(found["reason"].astype(str), pa.string()),
            "reason_text": pa.array([LOOKBACK_REASONS[r] for r in found["reason"]], pa.string()),
            "ring_id": pa.array(found["ring_id"], pa.string(), from_pandas=True),
            "identity_id": pa.array(found["identity_id"], pa.string(), from_pandas=True),
            "risk_score": pa.array(found["risk_score"], pa.float64(), from_pandas=True),
            "case_id": pa.array([f"lookback:{c}" for c in ids], pa.string()),
            "queue_label": pa.array([LOOKBACK_QUEUE_LABEL] * n, pa.string()),
        },
        schema=LOOKBACK_SCHEMA,
    )


# --- Small helpers --------------------------------------------------------------------------


def _pins(lake: Lake, night: dt.date) -> dict[str, str | None] | None:
    """The reference-list versions a night used (None when it recorded none)."""
    path = lake.partition("features", night) / "inputs.json"
    if not path.exists():
        return None
    recorded: dict[str, str | None] = json.loads(path.read_text(encoding="utf-8"))["reference_versions"]
    return recorded


def _version_key(pins: dict[str, str | None] | None, kind: str) -> str:
    """A night's version of list ``kind`` as a key: "" when not loaded, "?" when not recorded."""
    if pins is None:
        return "?"
    return pins.get(kind) or ""


def _keys(decisions: pd.DataFrame, kind: str) -> pa.Array:
    return _keys_of(decisions.loc[decisions["key_kind"] == kind, "key"])


def _keys_of(values: pd.Series) -> pa.Array:
    return pa.array(values.dropna().astype(str).unique(), pa.string())


def _night_ends(nights: pd.Series, timezone: str) -> pd.Series:
    """When each night ended (UTC), computed once per distinct night."""
    ends = {n: end_of_night_utc(n, timezone) for n in set(nights)}
    return pd.to_datetime(nights.map(ends), utc=True)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
