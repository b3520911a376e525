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
* **rings** flagged tonight (a ``ring:`` case in tonight's scores): a claim the ring held when
  it was paid, a claim tonight's features found in it (``lake/ring_members``, which names
  the earlier claims each ring reaches, whatever links them), or a claim holding a value
  that links the ring (a kind its ``ring_shared_kinds`` names) of one of its claims tonight:
  the ring has grown to include it. It is raised only with evidence: a bank account, email,
  phone or device it shares with a claim of the ring of another identity living elsewhere
  (a device not when it is a computer on a public network, a library's), or an address
  three or more identities of the ring gave, or a housemate's tied to the ring by evidence
  of its own; never by a ring living at exactly two homes of a household each (a family
  split between two homes) (:mod:`claimscreen.models.lookback_rings`):
  ``LOOKBACK_RING``, with the flagged ring's id;
* **decisions**: fraud decided, after the claim's night ended and by the end of night ``D``,
  on another claim of the same person (``identity_id``), bank account, email, phone or
  device, or at an address three or more identities gave
  (:mod:`claimscreen.models.lookback_decisions`): ``LOOKBACK_DECISION``;
* **SSN reuse**: a claim filed tonight with the same ``ssn_token`` under
  another ``identity_id``: ``LOOKBACK_SSN_REUSE`` (the same SSN in another
  state arrives through the interstate list: ``LOOKBACK_INTERSTATE``).

Each ring and decision alert's sentence (``reason_text``) names the kind of evidence and the
date it arrived (the night the ring was flagged, the day of the decision), never another
claimant's claim or values: the sentence may reach the claimant's notice.

A claim already decided fraud is not raised again. Each claim and reason is
raised once, on the first night that finds it: a later night skips the pairs any
other night raised, and a re-run of a night keeps the alerts it wrote (adding
only pairs it had not). The alerts are ``lake/lookback/batch_date=D/alerts.parquet``
(:data:`~claimscreen.data.schema.LOOKBACK_SCHEMA`), written atomically; the
night's scores are never rewritten.

**Cost**: the work follows the changes, not the history. The benefit year's
lake files are read a few key columns at a time and matched with Arrow's hash
kernel (``pyarrow.compute.is_in``) against the night's change keys; only the
few matching rows become a DataFrame (:mod:`claimscreen.models.lookback_read`).
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
from claimscreen.models.lookback_decisions import decision_claim_keys, decision_hits, decision_keys
from claimscreen.models.lookback_read import claims_parts, matching, night_of, rows_of, scores_parts
from claimscreen.models.lookback_rings import (
    VALUE_COLUMNS,
    FlaggedRings,
    earlier_member_ids,
    flagged_rings,
    growth_links,
    ring_hits,
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
    "LOOKBACK_RING": "Claims linked to this one were flagged for review as a group after it was paid.",
    "LOOKBACK_DECISION": "After this claim was paid, investigators found fraud on another claim by the "
    "same person, or sharing its bank account, email, phone, device or address.",
    "LOOKBACK_SSN_REUSE": "Tonight this claim's SSN was filed again under another identity.",
}

#: Each list checked again, with the identity signal that reads it and the reason it gives.
LIST_SIGNALS: dict[str, tuple[str, str]] = {
    "deceased": ("deceased_before_filing", "LOOKBACK_DECEASED"),
    "incarcerated": ("incarcerated_at_filing", "LOOKBACK_INCARCERATED"),
    "interstate_claims": ("interstate_claim", "LOOKBACK_INTERSTATE"),
    "suspicious_actors": ("suspicious_actor_match", "LOOKBACK_SUSPICIOUS_ACTOR"),
}
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
    #: kind -> {version an earlier night used (None: not loaded) -> tonight's entries it lacked}.
    new_entries: dict[str, dict[str | None, pd.DataFrame]]
    #: kind -> the list as tonight uses it.
    lists: dict[str, pd.DataFrame]
    #: Fraud decided since the first night checked (:func:`decision_keys`).
    decisions: pd.DataFrame
    #: Claims whose latest decision by tonight is fraud: nothing to raise on them.
    decided_fraud: pa.Array
    #: The rings flagged tonight, their claims tonight and their members.
    rings: FlaggedRings = field(default_factory=FlaggedRings)


def alerts_path(lake: Lake, night: dt.date) -> Path:
    return lake.partition("lookback", night) / "alerts.parquet"


def run_lookback(
    home: Path, night: dt.date, settings: Settings | None = None, lake: Lake | None = None
) -> LookbackResult:
    """Check the benefit year's cleared claims against what changed by ``night``; write and
    return the night's look-back alerts (a pair raised on another night is not raised again).
    ``settings`` and ``lake`` are the night's (:class:`~claimscreen.data.context.NightContext`),
    read and opened here when not given."""
    started = time.perf_counter()
    home = Path(home)
    settings = settings or load_settings(home)
    lake = lake or Lake(home)
    if not lake.scores_path(night).exists():
        raise InputError(f"night {night} has no scores; run the nightly flow on its batch first")
    first = night - dt.timedelta(days=settings.verification.lookback_days)
    nights = [n for n in _days(first, night - dt.timedelta(days=1)) if lake.scores_path(n).exists()]
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    pins = {n: _pins(lake, n) for n in nights}
    changes = _changes(home, lake, night, nights, pins, settings)
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
    settings: Settings,
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
    caps = settings.rings.kinds
    rings = flagged_rings(
        lake,
        night,
        scores,
        device_cap=caps["device"].cap,
        network_cap=caps["ip"].cap,
        household=settings.rings.household_identities,
    )
    timezone = settings.agency_timezone
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
        rings=rings,
        new_entries=new_entries,
        lists=lists,
        decisions=decision_keys(lake, [*nights, night], fraud),
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


def _new_rows(current: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``current`` that ``old`` lacks (all of them when ``old`` is empty)."""
    if old.empty or current.empty:
        return current
    mine = pd.util.hash_pandas_object(current, index=False).to_numpy()
    theirs = pd.util.hash_pandas_object(old[list(current.columns)], index=False).to_numpy()
    return current.loc[~np.isin(mine, theirs)].reset_index(drop=True)


def _change_counts(changes: _Changes) -> dict[str, int]:
    counts = {
        f"new_{kind}": int(sum(len(rows) for rows in changes.new_entries.get(kind, {}).values()))
        for kind in LIST_SIGNALS
    }
    rings = changes.rings
    counts["flagged_rings"] = len(rings.ids)
    # The earlier claims tonight's flagged rings reached (their members not filed tonight).
    counts["ring_members_earlier"] = len(earlier_member_ids(rings))
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
    ``claim_id, first_scored, reason, reason_text, ring_id, identity_id, risk_score``."""
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    claim_keys = _claim_key_sets(changes)
    context = list(_CONTEXT_COLUMNS if changes.new_entries else ())
    evidence = VALUE_COLUMNS if len(changes.rings.ids) or len(changes.decisions) else []
    read = list(dict.fromkeys(["claim_id", *claim_keys, *context, *evidence]))
    by_claims = matching(lake, claims_parts(lake, nights), claim_keys, read)
    by_claims["claim_id"] = by_claims["claim_id"].astype(str)
    clock = lap(timings, "claims", clock)
    members = changes.rings.members["claim_id"]
    score_keys = {
        "claim_id": pa.array(pd.concat([by_claims["claim_id"], members]).astype(str).unique(), pa.string()),
        "ring_id": changes.rings.ids,
        "identity_id": _keys(changes.decisions, "identity_id"),
    }
    cleared = matching(lake, scores_parts(lake, nights), score_keys, _SCORES_COLUMNS, clear_only=True)
    clock = lap(timings, "scores", clock)
    cleared["claim_id"] = cleared["claim_id"].astype(str)
    excluded = np.asarray(
        pc.is_in(pa.array(cleared["claim_id"], pa.string()), changes.decided_fraud), dtype=bool
    )
    rows = cleared.loc[~excluded].merge(by_claims.drop(columns=["first_scored"]), on="claim_id", how="left")
    rows = _with_values(lake, rows, by_claims, changes, read)
    earlier = by_claims.loc[by_claims["claim_id"].isin(members)]
    found = [
        ring_hits(lake, rows, earlier, changes.rings, night).assign(reason="LOOKBACK_RING"),
        decision_hits(
            rows, changes.decisions, _night_ends(rows["first_scored"], timezone), timezone, by_claims
        ).assign(reason="LOOKBACK_DECISION"),
        _ssn_reuse_hits(rows, changes),
        *(_list_hits(rows, night, pins, changes, kind, timezone) for kind in changes.new_entries),
    ]
    lap(timings, "match", clock)
    columns = ["claim_id", "first_scored", "reason", "reason_text", "ring_id", "identity_id", "risk_score"]
    found = [f.reindex(columns=columns) for f in found if len(f)]
    if not found:
        return pd.DataFrame(columns=columns)
    hits = pd.concat(found, ignore_index=True)
    texts = hits["reason_text"].astype("object")
    hits["reason_text"] = texts.where(texts.notna(), hits["reason"].map(LOOKBACK_REASONS))
    return hits.drop_duplicates(["claim_id", "reason"])


def _with_values(
    lake: Lake, rows: pd.DataFrame, by_claims: pd.DataFrame, changes: _Changes, read: list[str]
) -> pd.DataFrame:
    """``rows`` with the claims values of those a flagged ring held when they were paid that the
    claims scan did not read (nothing else matched them): their evidence is read from the lake."""
    in_ring = np.asarray(
        pc.fill_null(pc.is_in(pa.array(rows["ring_id"], pa.string()), changes.rings.ids), False)
    )
    missing = rows.loc[in_ring & ~rows["claim_id"].isin(by_claims["claim_id"]).to_numpy()]
    if missing.empty:
        return rows
    ids = pa.array(missing["claim_id"].unique(), pa.string())
    parts = claims_parts(lake, sorted(set(missing["first_scored"])))
    found = rows_of(lake, parts, ids, read).drop(columns=["first_scored"])
    found["claim_id"] = found["claim_id"].astype(str)
    filled = rows.set_index("claim_id")
    filled.update(found.drop_duplicates("claim_id").set_index("claim_id").reindex(columns=filled.columns))
    return filled.reset_index()


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
    for column, values in decision_claim_keys(changes.decisions).items():
        sets.setdefault(column, []).extend(values)
    for link, keys in growth_links(changes.rings).groupby("column")["key"]:
        for matched in ("address_norm", "mailing_address_norm") if link == "address_norm" else (str(link),):
            sets.setdefault(matched, []).append(keys)
    sets["claim_id"] = [pd.Series(earlier_member_ids(changes.rings).to_pylist(), dtype="object")]
    return {column: _keys_of(pd.concat(values)) for column, values in sets.items()}


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


# --- Raised once ----------------------------------------------------------------------------


def _raise_once(lake: Lake, night: dt.date, first: dt.date, found: pd.DataFrame) -> pa.Table:
    """The night's alerts: those it raised before (a re-run keeps them) and the pairs ``found``
    that no other night raised."""
    path = alerts_path(lake, night)
    kept = lake.read_table(path) if path.exists() else LOOKBACK_SCHEMA.empty_table()
    others = [p for p in (lake.root / "lookback").glob("batch_date=*/alerts.parquet") if p != path]
    raised = [lake.read_table(p, columns=["claim_id", "reason"]) for p in others if night_of(p) >= first]
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
            "reason_text": pa.array(_texts(found), pa.string()),
            "ring_id": pa.array(found["ring_id"], pa.string(), from_pandas=True),
            "identity_id": pa.array(found["identity_id"], pa.string(), from_pandas=True),
            "risk_score": pa.array(found["risk_score"], pa.float64(), from_pandas=True),
            "case_id": pa.array([f"lookback:{c}" for c in ids], pa.string()),
            "queue_label": pa.array([LOOKBACK_QUEUE_LABEL] * n, pa.string()),
        },
        schema=LOOKBACK_SCHEMA,
    )


# --- Small helpers --------------------------------------------------------------------------


def _texts(found: pd.DataFrame) -> list[str]:
    """Each alert's sentence: its own (the evidence and its date), else its reason's."""
    own = (
        found["reason_text"]
        if "reason_text" in found.columns
        else pd.Series(index=found.index, dtype="object")
    )
    return [
        str(t) if isinstance(t, str) and t else LOOKBACK_REASONS[r]
        for t, r in zip(own, found["reason"], strict=True)
    ]


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
