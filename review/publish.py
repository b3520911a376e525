"""Publish a night's review queue into the database: ``publish_night(home, night)``.

Reads ``Lake(home).queue_path(night)`` (QUEUE_SCHEMA), and from the lake the
display fields of the queued claims, of their rings' members and of their
identities' other claims, and the identifiers that link ring members. Pages then
read only the database.

Never duplicates: a claim already under review is skipped, and a claim of a ring
that already has an open (not closed) case joins that case.

**Look-back** (issue #20): the night's ``lake/lookback/batch_date=D/alerts.parquet``
(:mod:`claimscreen.models.lookback`, one row per claim and reason) puts each newly implicated
paid claim in the queue as a case of its own marked "paid: possible overpayment"
(``cases.lookback``), with the evidence (its reasons and their sentences) and the night it
arrived (``lookback_alerts.flagged_on``). A claim already in a case (an audit sample) gets the
evidence in that case instead, which is reopened if it was closed. Only the claim and reason
pairs the database lacks are published: publishing a night again changes nothing. A
look-back case ages in the queue from the night its evidence arrived, not from the claim's
filing months ago: the claimant was paid, nobody waits on it, and it does not jump ahead of
the claims that hold someone's first payment.

**Verification** (issue #20): the outcomes imported so far (``claimscreen verify import``) of
the claims under review are copied into ``verification_outcomes`` for the case page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, or_, select, text, update

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.data.settings import load_settings
from claimscreen.features.build import window_start
from claimscreen.models.lookback import LOOKBACK_REASONS, alerts_path
from claimscreen.models.verification import read_outcomes
from claimscreen.review.db import (
    audit_events,
    case_claims,
    case_reasons,
    case_search,
    cases,
    claims,
    is_postgres,
    lookback_alerts,
    now,
    open_database,
    ring_links,
    verification_outcomes,
    writing,
)
from claimscreen.review.search import claim_terms, search_rows

#: Queue order: a case rises by this much per day since its first claim was filed, so
#: claims near the 21-day first-payment standard come up before fresher ones.
AGE_WEIGHT = 0.02
FIRST_PAYMENT_DAYS = 21
_EPOCH = dt.date(2020, 1, 1)

DISPLAY_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in claims.columns if c.name not in ("identity_id", "ring_id")
)
#: Lake column read for each kind of linking identifier.
LINK_SOURCES = {
    "bank_account": "bank_account_token",
    "device": "device_id",
    "ip": "ip_address",
    "email": "email_canonical",
    "phone": "phone_e164",
    "address": "address_norm",
}
_CHUNK = 900
#: The claim columns the queue's search terms and Claimant column are made from.
SEARCH_FIELDS = ("claim_id", "first_name", "last_name", "email", "phone_e164", "ssn_last4")
_KEYS = ("claim_id", "identity_id", "ring_id")
#: The model_version a look-back claim's case_claims row carries (it was not queued by a model).
LOOKBACK_VERSION = "lookback"
_ORDER = {code: i for i, code in enumerate(LOOKBACK_REASONS)}


def publish_night(home: Path, night: dt.date, engine: Engine | None = None) -> dict[str, int]:
    """Import one night's queue; returns counts (claims added, skipped, cases opened, joined)."""
    home = Path(home)
    lake = Lake(home)
    path = lake.queue_path(night)
    if not path.exists():
        raise InputError(f"night {night} has no review queue ({path}); run the nightly flow first")
    queue = lake.read_table(path).to_pandas()
    members = _window_keys(home, night, queue)
    wanted = _related_claims(queue, members)
    shown = _display_rows(lake, night, load_settings(home).history_days, wanted, members)
    owned = engine is None  # an engine opened here is closed here, so no connection outlives the call
    engine = engine or open_database(home)
    try:
        with writing(engine) as conn:
            if is_postgres(conn):  # one publish at a time, so two cannot open a ring's case twice
                conn.execute(text("SELECT pg_advisory_xact_lock(7420061)"))
            return _publish(conn, night, queue, shown, home)
    finally:
        if owned:
            engine.dispose()


def _window_keys(home: Path, night: dt.date, queue: pd.DataFrame) -> pd.DataFrame:
    """claim_id, identity_id, ring_id of the claims in the features window ending at ``night``
    that can concern tonight's queue: each row read whose claim is queued, or shares a ring or
    an identity with a queued claim, and every row of those claims (the last one of a claim
    wins, as for the whole window). Only those three columns are read, and they are filtered
    in Arrow before anything becomes a DataFrame."""
    lake = Lake(home)
    first = window_start(night, load_settings(home).history_days)
    rings = pa.array(sorted({str(r) for r in queue["ring_id"].dropna()}), type=pa.string())
    identities = pa.array(sorted({str(i) for i in queue["identity_id"]}), type=pa.string())
    queued = pa.array(sorted(queue["claim_id"].astype(str)), type=pa.string())
    tables = []
    for offset in range((night - first).days + 1):
        path = lake.features_path(first + dt.timedelta(days=offset))
        if path.exists():
            table = pq.read_table(path, columns=list(_KEYS))
            if table.num_rows:
                tables.append(table.cast(pa.schema([(k, pa.string()) for k in _KEYS])))
    if not tables:
        return pd.DataFrame(columns=list(_KEYS), dtype=object)
    keys = pa.concat_tables(tables)
    reached = _ring_members(lake, night, rings)
    touches = pc.or_(
        pc.or_(
            pc.is_in(keys["ring_id"], value_set=rings), pc.is_in(keys["identity_id"], value_set=identities)
        ),
        pc.or_(
            pc.is_in(keys["claim_id"], value_set=queued),
            pc.is_in(keys["claim_id"], value_set=pa.array([str(c) for c in reached.index], pa.string())),
        ),
    )
    candidates = pc.unique(keys["claim_id"].filter(pc.fill_null(touches, False)))
    frame = keys.filter(pc.is_in(keys["claim_id"], value_set=candidates)).to_pandas()
    frame = frame.drop_duplicates("claim_id", keep="last")
    # A ring flagged tonight that reached earlier claims (the night's ring members) holds them
    # now, whatever ring id their own night gave them.
    now = frame["claim_id"].astype(str).map(reached)
    frame["ring_id"] = now.where(now.notna(), frame["ring_id"])
    return frame.astype({"claim_id": str, "identity_id": str})


def _ring_members(lake: Lake, night: dt.date, rings: pa.Array) -> pd.Series:
    """ring_id by claim_id of the night's ring members in ``rings`` (none for a night featured
    before ring members were written)."""
    path = lake.ring_members_path(night)
    if not len(rings) or not path.exists():
        return pd.Series(dtype=object, index=pd.Index([], dtype=object))
    table = lake.read_table(path, columns=["claim_id", "ring_id"])
    table = table.filter(pc.is_in(table["ring_id"], value_set=rings))
    return pd.Series(table["ring_id"].to_pylist(), index=table["claim_id"].to_pylist(), dtype=object)


def _related_claims(queue: pd.DataFrame, members: pd.DataFrame) -> set[str]:
    """The queued claims, their rings' members and their identities' other claims."""
    rings = set(queue["ring_id"].dropna())
    identities = set(queue["identity_id"])
    related = members[members["ring_id"].isin(rings) | members["identity_id"].isin(identities)]
    return set(queue["claim_id"].astype(str)) | set(related["claim_id"])


def _display_rows(
    lake: Lake, night: dt.date, history_days: int, wanted: set[str], members: pd.DataFrame
) -> pd.DataFrame:
    lake_columns = sorted(
        {c for c in DISPLAY_COLUMNS if c != "batch_date"} | set(LINK_SOURCES.values()) | {"batch_date"}
    )
    parts = lake.committed_parts("claims", window_start(night, history_days), night)
    tables = [t for t in (_wanted_rows(p, wanted, lake_columns) for p in parts) if t is not None]
    if tables:
        window = pa.concat_tables(tables, promote_options="default").to_pandas()
        window = window.reindex(columns=lake_columns)  # a column missing from older parts is NA
    else:
        window = pd.DataFrame(columns=lake_columns)
    window = window.drop_duplicates("claim_id", keep="last")
    shown = window.merge(members, on="claim_id", how="left")
    shown["identity_id"] = shown["identity_id"].fillna("unknown")
    return shown


def _wanted_rows(path: Path, wanted: set[str], columns: list[str]) -> pa.Table | None:
    """The rows of one claims part whose claim_id is wanted: its claim ids are read first, then
    only the row groups holding a wanted claim, and of them only the wanted rows (None if none)."""
    parquet = pq.ParquetFile(path)
    ids = parquet.read(columns=["claim_id"]).column("claim_id")
    mask = pc.is_in(ids, value_set=pa.array(sorted(wanted), type=ids.type))
    if not pc.any(mask).as_py():
        return None
    present = [c for c in columns if c in set(parquet.schema_arrow.names)]
    groups, starts, row = [], [], 0
    for index in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(index).num_rows
        if pc.any(mask.slice(row, size)).as_py():
            groups.append(index)
            starts.append(row)
        row += size
    table = parquet.read_row_groups(groups, columns=present)
    keep = pa.chunked_array(
        [
            mask.slice(start, parquet.metadata.row_group(g).num_rows)
            for g, start in zip(groups, starts, strict=True)
        ]
    )
    return table.filter(keep)


def _publish(
    conn: Connection, night: dt.date, queue: pd.DataFrame, shown: pd.DataFrame, home: Path
) -> dict[str, int]:
    """Write the night in a fixed number of bulk statements, whatever the number of cases: the
    claims, the cases opened tonight with their summaries, the claims under review, the
    refreshed summaries of the open ring cases that claims joined, their reason rows, the links;
    then the night's look-back alerts and the verification outcomes."""

    stamp = now()
    queued_ids = queue["claim_id"].astype(str).tolist()
    already = _existing(conn, case_claims.c.claim_id, queued_ids)
    fresh = queue[~queue["claim_id"].isin(already) & queue["claim_id"].isin(set(shown["claim_id"]))]
    missing = int((~queue["claim_id"].isin(set(shown["claim_id"]))).sum())
    added_claims, present = _insert_claims(conn, shown)
    moved = _move_to_rings(conn, shown, present)
    counts = {"queued": len(queue), "skipped": len(already), "missing_in_lake": missing}
    plan, opened, joined = _plan_cases(conn, fresh)
    rows = _case_claim_rows(conn, fresh, plan, shown, present)
    earlier = rows["_case_id"].notna()
    new_ids = _insert_new_cases(conn, night, rows[~earlier], plan, stamp)
    rows["_case_id"] = rows["_case_id"].fillna(rows["_open_key"].map(new_ids)).astype("int64")
    _insert_case_claims(conn, rows, stamp)
    joined_rows = rows.loc[earlier]
    grouped = joined_rows.groupby(joined_rows["_case_id"].astype(int))["ring_size"].max()
    tonight_sizes = {int(case_id): size for case_id, size in grouped.items()}  # type: ignore[call-overload]
    _refresh_joined(conn, sorted(tonight_sizes), stamp, tonight_sizes)
    links = _insert_links(conn, shown[shown["ring_id"].notna()])
    counts |= {
        "published": len(fresh),
        "cases_opened": opened,
        "claims_joined": joined,
        "claims_copied": added_claims,
        "claims_moved_to_rings": moved,
        "ring_links": links,
    }
    counts |= publish_lookback(conn, home, night, stamp)
    counts["verification_outcomes"] = publish_outcomes(conn, home)
    conn.execute(
        insert(audit_events).values(
            at=stamp, username=None, action="published", after={"night": night.isoformat(), **counts}
        )
    )
    return counts


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    """``values`` in slices of at most ``_CHUNK`` (bound parameters per statement stay few)."""
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _existing(conn: Connection, column: Any, values: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(values):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _plan_cases(conn: Connection, fresh: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Where each of tonight's case groups goes, and the counts (cases opened, claims joined).

    Queued claims are grouped by their case_id (a ring's claims share one); a group's ring is
    its first claim's ring. A group whose ring has an open (not closed) case joins the oldest
    such case (``case_id``); among tonight's other groups of one ring, the first by case_id
    opens the ring's case and the others join it; any other group opens its own case. Returns
    one row per group, indexed by case_id: ``ring_id``, ``claims``, ``case_id`` (the open case
    joined, or NA), ``open_key`` (the case_id of the group that opens the case) and ``joined``.
    """
    groups = fresh.groupby("case_id", sort=True).agg(
        ring_id=("ring_id", "first"), claims=("claim_id", "size")
    )
    groups.index = groups.index.astype(str)
    ring = pd.Series(
        [None if pd.isna(r) else str(r) for r in groups["ring_id"]], index=groups.index, dtype=object
    )
    open_cases = _open_ring_cases(conn, sorted({r for r in ring if r is not None}))
    groups["ring_id"] = ring
    groups["case_id"] = ring.map(lambda r: open_cases.get(r) if r is not None else None).astype("Int64")
    opener = pd.Series(groups.index, index=groups.index)
    ringed = ring.notna()
    opener[ringed] = opener[ringed].groupby(ring[ringed]).transform("first")
    groups["open_key"] = opener.where(groups["case_id"].isna(), None)
    groups["joined"] = groups["case_id"].notna() | (
        groups["open_key"].notna() & (groups["open_key"] != groups.index)
    )
    opened = int((groups["open_key"] == groups.index).sum())
    joined = int(groups.loc[groups["joined"], "claims"].sum())
    return groups, opened, joined


def _open_ring_cases(conn: Connection, rings: list[str]) -> dict[str, int]:
    """Each ring's oldest open (not closed) case, locked for update on PostgreSQL (a look-back
    alert on a ring member is a case of its own: the ring's claims do not join it)."""
    found: dict[str, int] = {}
    for chunk in _chunks(rings):
        query = (
            select(cases.c.ring_id, cases.c.id)
            .where(cases.c.ring_id.in_(chunk), cases.c.status != "closed", cases.c.lookback.is_(False))
            .order_by(cases.c.id)
            .with_for_update()
        )
        for ring_id, case_id in conn.execute(query):
            found.setdefault(str(ring_id), int(case_id))
    return found


def _case_claim_rows(
    conn: Connection, fresh: pd.DataFrame, plan: pd.DataFrame, shown: pd.DataFrame, present: set[str]
) -> pd.DataFrame:
    """Tonight's claims under review with their case (``_case_id`` for an open case joined,
    ``_open_key`` for a case opened tonight), and filed_at and ring_id as the database holds
    them (a claim copied on an earlier night keeps that night's ring), in each case's order:
    highest risk first, then claim_id in code-point order (the same on every database; an
    earlier release let the database's collation break ties)."""
    key = fresh["case_id"].astype(str)
    rows = fresh.assign(
        claim_id=fresh["claim_id"].astype(str),
        _case_id=key.map(plan["case_id"]).astype("Int64"),
        _open_key=key.map(plan["open_key"]),
    )
    lake = shown.drop_duplicates("claim_id").set_index("claim_id")
    filed = dict(zip(lake.index, lake["filed_at"], strict=True))
    ring = {c: None if pd.isna(r) else str(r) for c, r in zip(lake.index, lake["ring_id"], strict=True)}
    copied = sorted(present.intersection(rows["claim_id"]))
    for chunk in _chunks(copied):
        query = select(claims.c.claim_id, claims.c.ring_id, claims.c.filed_at).where(
            claims.c.claim_id.in_(chunk)
        )
        for claim_id, ring_id, filed_at in conn.execute(query):
            ring[claim_id], filed[claim_id] = ring_id, pd.Timestamp(filed_at)
    rows["_filed_at"] = rows["claim_id"].map(filed)
    rows["_ring_id"] = rows["claim_id"].map(ring)
    fields = lake.reindex(columns=list(SEARCH_FIELDS[1:])).loc[rows["claim_id"]].reset_index()
    _with_search_fields(rows, fields.to_dict("records"))
    return rows.sort_values(["risk_score", "claim_id"], ascending=[False, True], kind="stable")


def _with_search_fields(rows: pd.DataFrame, claims_: list[dict[Any, Any]]) -> None:
    """Add to ``rows`` (its claims, in order, as ``claims_``) each claim's search terms
    (``_terms``) and claimant name (``_name``)."""
    rows["_terms"] = pd.Series(claim_terms(claims_), index=rows.index, dtype=object)
    rows["_name"] = [
        " ".join(str(c[k]) for k in ("first_name", "last_name") if isinstance(c.get(k), str) and c[k])[:260]
        for c in claims_
    ]


def _summaries(rows: pd.DataFrame, key: str) -> dict[Any, dict[str, Any]]:
    """Each case's summary from its claims (``rows`` in case order, highest risk first): claims,
    risk, priority, first filing, route, audit flag, reason codes in order, first reason, and
    the largest ring size the model counted (``counted``)."""
    out: dict[Any, dict[str, Any]] = {}
    columns = [
        "risk_score",
        "priority",
        "_filed_at",
        "route",
        "audit_sample",
        "reasons",
        "reason_text",
        "_ring_id",
        "_name",
        "_terms",
        "ring_size",
    ]
    for case, risk, priority, filed, route, audit, reasons, texts, ring_id, name, terms, size in zip(
        rows[key], *(rows[c] for c in columns), strict=True
    ):
        case_summary = out.get(case)
        if case_summary is None:
            case_summary = out[case] = {
                "claims": 0, "risk_score": float(risk), "priority": float(priority), "first_filed_at": filed,
                "routes": set(), "audit_sample": True, "codes": {}, "first_text": None, "ring_id": None,
                "claimant": name, "terms": [], "counted": 0,
            }  # fmt: skip
        case_summary["claims"] += 1
        case_summary["counted"] = max(case_summary["counted"], 0 if pd.isna(size) else int(size))
        case_summary["terms"].append(terms)
        case_summary["risk_score"] = max(case_summary["risk_score"], float(risk))
        case_summary["priority"] = max(case_summary["priority"], float(priority))
        case_summary["first_filed_at"] = min(case_summary["first_filed_at"], filed)
        case_summary["routes"].add(str(route))
        case_summary["audit_sample"] = case_summary["audit_sample"] and bool(audit)
        case_summary["codes"].update(dict.fromkeys(c for c in str(reasons).split(";") if c))
        if case_summary["first_text"] is None and len(texts):
            case_summary["first_text"] = str(texts[0])
        if case_summary["ring_id"] is None and isinstance(ring_id, str) and ring_id:
            case_summary["ring_id"] = ring_id
    return out


def _case_values(summary: dict[str, Any], ring_sizes: dict[str, int]) -> dict[str, Any]:
    """The cases columns a summary sets (what an earlier per-case refresh wrote)."""
    routes, audit = summary["routes"], summary["audit_sample"]
    first_filed = _plain(summary["first_filed_at"])
    first_reason = summary["first_text"]
    if first_reason is None:
        first_reason = "Drawn at random for a post-payment audit" if audit else ""
    ring_id = summary["ring_id"]
    return {
        "claims": summary["claims"],
        "risk_score": summary["risk_score"],
        "priority": summary["priority"],
        "sort_key": sort_key(summary["priority"], first_filed.date()),
        "first_filed_at": first_filed,
        "route": "review" if "review" in routes else "verify" if "verify" in routes else "clear",
        "audit_sample": audit,
        "reason_codes": ";" + "".join(f"{c};" for c in summary["codes"]),
        "first_reason": first_reason,
        # The ring's claims in the database, or the model's count when larger (the claims scored
        # before they joined the ring carry no ring id here): the reasons quote the model's count.
        "ring_size": max(ring_sizes.get(ring_id, 1), summary["counted"]) if ring_id else 1,
        "claimant": summary["claimant"],
    }


def _case_updates(
    conn: Connection, rows: pd.DataFrame, key: str
) -> dict[Any, tuple[dict[str, Any], list[str], list[set[str]]]]:
    """Per case (``key`` of ``rows``, in case order): the cases columns its claims give, its
    reason codes in order, and its claims' search terms."""
    summaries = _summaries(rows, key)
    sizes = _ring_sizes(conn, sorted({s["ring_id"] for s in summaries.values() if s["ring_id"]}))
    return {case: (_case_values(s, sizes), list(s["codes"]), s["terms"]) for case, s in summaries.items()}


def _ring_sizes(conn: Connection, rings: list[str]) -> dict[str, int]:
    """How many claims of each ring the database holds."""
    sizes: dict[str, int] = {}
    for chunk in _chunks(rings):
        query = (
            select(claims.c.ring_id, func.count())
            .where(claims.c.ring_id.in_(chunk))
            .group_by(claims.c.ring_id)
        )
        sizes.update((str(r), int(n)) for r, n in conn.execute(query))
    return sizes


def _insert_new_cases(
    conn: Connection, night: dt.date, rows: pd.DataFrame, plan: pd.DataFrame, stamp: Any
) -> dict[str, int]:
    """Open tonight's new cases with their summaries (and reason rows); returns case_id -> id."""
    if rows.empty:
        return {}
    updates = _case_updates(conn, rows, "_open_key")
    ring_of = plan["ring_id"].to_dict()
    values = [
        {
            "case_key": key,
            "status": "open",
            "ring_id": ring_of[key],
            "night": night,
            "opened_at": stamp,
            "updated_at": stamp,
            **updates[key][0],
        }
        for key in sorted(updates)
    ]
    ids: dict[str, int] = {}
    for chunk in _chunks(values):
        result = conn.execute(insert(cases).returning(cases.c.id, sort_by_parameter_order=True), chunk)
        ids.update(
            (row["case_key"], int(case_id)) for row, case_id in zip(chunk, result.scalars(), strict=True)
        )
    _insert_reasons(
        conn,
        [(ids[k], "open", v["sort_key"], codes, terms) for k, (v, codes, terms) in sorted(updates.items())],
    )
    return ids


def _insert_case_claims(conn: Connection, rows: pd.DataFrame, stamp: Any) -> None:
    columns = ["claim_id", "_case_id", "batch_date", "route", "audit_sample", "risk_score", "priority"]
    columns += ["reasons", "reason_text", "model_version"]
    records = [
        {
            "claim_id": claim_id,
            "case_id": int(case_id),
            "batch_date": batch_date,
            "route": str(route),
            "audit_sample": bool(audit),
            "risk_score": float(risk),
            "priority": float(priority),
            "reasons": str(reasons),
            "reason_text": [str(t) for t in texts],
            "model_version": str(version),
            "published_at": stamp,
        }
        for claim_id, case_id, batch_date, route, audit, risk, priority, reasons, texts, version in zip(
            *(rows[c] for c in columns), strict=True
        )
    ]
    for chunk in _chunks(records):
        conn.execute(insert(case_claims), chunk)


def _refresh_joined(
    conn: Connection, case_ids: list[int], stamp: Any, tonight_sizes: dict[int, Any] | None = None
) -> None:
    """Recompute the summaries of the open cases that tonight's claims joined, from all their
    claims (earlier nights' and tonight's), with their reason rows."""
    if not case_ids:
        return
    parts: list[pd.DataFrame] = []
    status: dict[int, str] = {}
    known_sizes: dict[int, int] = {}  # the ring's size the model counted, tonight or before
    for chunk in _chunks(case_ids):
        query = (
            select(
                case_claims,
                claims.c.filed_at.label("_filed_at"),
                claims.c.ring_id.label("_ring_id"),
                *(claims.c[f].label(f"_{f}") for f in SEARCH_FIELDS[1:]),
            )
            .join(claims, claims.c.claim_id == case_claims.c.claim_id)
            .where(case_claims.c.case_id.in_(chunk))
        )
        result = conn.execute(query)
        parts.append(pd.DataFrame(result.all(), columns=list(result.keys())))
        for case_id, case_status, size in conn.execute(
            select(cases.c.id, cases.c.status, cases.c.ring_size).where(cases.c.id.in_(chunk))
        ):
            status[case_id] = case_status
            known_sizes[case_id] = max(int(size), int((tonight_sizes or {}).get(case_id, 0) or 0))
    rows = pd.concat(parts, ignore_index=True).sort_values(
        ["case_id", "risk_score", "claim_id"], ascending=[True, False, True], kind="stable"
    )
    fields = rows[[f"_{f}" if f != "claim_id" else f for f in SEARCH_FIELDS]]
    _with_search_fields(rows, fields.rename(columns=lambda c: c.lstrip("_")).to_dict("records"))
    rows["ring_size"] = rows["case_id"].map(known_sizes).fillna(1).astype(int)
    updates = _case_updates(conn, rows, "case_id")
    # A claim joining a case changes what a decision on it covers: a form rendered before is stale.
    statement = update(cases).where(cases.c.id == bindparam("case_pk")).values(version=cases.c.version + 1)
    conn.execute(statement, [{"case_pk": c, **v, "updated_at": stamp} for c, (v, _, _) in updates.items()])
    for chunk in _chunks(case_ids):
        conn.execute(delete(case_reasons).where(case_reasons.c.case_id.in_(chunk)))
        conn.execute(delete(case_search).where(case_search.c.case_id.in_(chunk)))
    _insert_reasons(
        conn,
        [
            (int(c), status[c], v["sort_key"], codes, terms)
            for c, (v, codes, terms) in sorted(updates.items())
        ],
    )


def _insert_reasons(
    conn: Connection, cases_: list[tuple[int, str, float, list[str], list[set[str]]]]
) -> None:
    """One case_reasons row per case and reason code, and one case_search row per case and
    search term, with the case's status and queue order: ``cases_`` holds (case id, status,
    sort key, codes, its claims' search terms)."""
    rows = [
        {"case_id": case_id, "code": code, "status": status, "sort_key": key}
        for case_id, status, key, codes, _ in cases_
        for code in codes
    ]
    for chunk in _chunks(rows):
        conn.execute(insert(case_reasons), chunk)
    for chunk in _chunks(search_rows((c, st, k, terms) for c, st, k, _, terms in cases_)):
        conn.execute(insert(case_search), chunk)


def sort_key(priority: float, first_filed: dt.date) -> float:
    """Priority plus AGE_WEIGHT per day waited, written so that it needs no update as days pass:
    ``priority + w * (today - filed)`` orders cases as ``priority - w * filed`` does."""
    return priority - AGE_WEIGHT * (first_filed - _EPOCH).days


def _insert_claims(conn: Connection, shown: pd.DataFrame) -> tuple[int, set[str]]:
    """Copy the claims the database does not hold yet; returns how many, and the ids it held."""
    present = _existing(conn, claims.c.claim_id, shown["claim_id"].tolist())
    new = shown[~shown["claim_id"].isin(present)]
    if new.empty:
        return 0, present
    names = [c.name for c in claims.columns]
    # Through Arrow: missing values become None and timestamps datetimes, column by column.
    table = pa.Table.from_pandas(new[[n for n in names if n in new]], preserve_index=False)
    absent = dict.fromkeys(n for n in names if n not in new)
    rows = [row | absent for row in table.to_pylist()]
    for row in rows:
        row["first_name"] = row["first_name"] or ""
        row["last_name"] = row["last_name"] or ""
    for chunk in _chunks(rows):
        conn.execute(insert(claims), chunk)
    return len(rows), present


def _move_to_rings(conn: Connection, shown: pd.DataFrame, present: set[str]) -> int:
    """Claims the database holds that a ring of tonight reached (the night's ring members) take
    that ring's id, so the ring's case counts and lists them; returns how many moved."""
    held = shown[shown["claim_id"].isin(present) & shown["ring_id"].notna()]
    moved = 0
    for ring_id, group in held.groupby("ring_id"):
        for chunk in _chunks(sorted(group["claim_id"].astype(str))):
            result = conn.execute(
                update(claims)
                .where(claims.c.claim_id.in_(chunk))
                .where(or_(claims.c.ring_id.is_(None), claims.c.ring_id != str(ring_id)))
                .values(ring_id=str(ring_id))
            )
            moved += int(result.rowcount or 0)
    return moved


def _plain(value: Any) -> Any:
    """A lake value as the database takes it (None for missing, Python datetimes)."""
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def ring_link_rows(members: pd.DataFrame) -> list[dict[str, str]]:
    """One row per (member, identifier) for identifiers that at least two members of a ring share."""
    rows: list[dict[str, str]] = []
    for kind, column in LINK_SOURCES.items():
        if column not in members:
            continue
        values = members[["ring_id", "claim_id", column, *_display_inputs(kind)]].dropna(subset=[column])
        values = values[values[column].astype(str) != ""]
        shared = values.groupby(["ring_id", column])["claim_id"].transform("nunique") > 1
        for record in values[shared].to_dict("records"):
            rows.append(
                {
                    "ring_id": str(record["ring_id"]),
                    "claim_id": str(record["claim_id"]),
                    "kind": kind,
                    "link_key": hashlib.sha256(f"{kind}\0{record[column]}".encode()).hexdigest()[:16],
                    "display": _link_display(kind, record, column),
                }
            )
    return rows


def _display_inputs(kind: str) -> list[str]:
    if kind == "bank_account":
        return ["bank_account_last4"]
    if kind == "address":
        return ["address_line1", "city", "state", "zip5"]
    if kind == "email":
        return ["email"]
    return []


def _link_display(kind: str, record: dict[Any, Any], column: str) -> str:
    """What a page shows for an identifier: a bank account by its last four digits only."""
    if kind == "bank_account":
        return f"account ending {record.get('bank_account_last4') or '????'}"
    if kind == "address":
        parts = [record.get("address_line1"), record.get("city"), record.get("state"), record.get("zip5")]
        return ", ".join(str(p) for p in parts if p is not None and not pd.isna(p))
    if kind == "email" and record.get("email") is not None and not pd.isna(record.get("email")):
        return str(record["email"])
    return str(record[column])


def _insert_links(conn: Connection, members: pd.DataFrame) -> int:
    rows = ring_link_rows(members)
    if not rows:
        return 0
    existing: set[tuple[str, str, str]] = set()
    rings = sorted({r["ring_id"] for r in rows})
    for chunk in _chunks(rings):
        query = select(ring_links.c.claim_id, ring_links.c.kind, ring_links.c.link_key).where(
            ring_links.c.ring_id.in_(chunk)
        )
        existing.update(tuple(r) for r in conn.execute(query))
    new = [r for r in rows if (r["claim_id"], r["kind"], r["link_key"]) not in existing]
    for chunk in _chunks(new):
        conn.execute(insert(ring_links), chunk)
    return len(new)


# --- Look-back alerts and verification outcomes ----------------------------------------------


def publish_lookback(conn: Connection, home: Path, night: dt.date, stamp: dt.datetime) -> dict[str, int]:
    """Publish the night's look-back alerts (none when its look-back did not run): counts of the
    new claim and reason pairs, the cases opened, and the existing cases the evidence joined."""
    lake = Lake(home)
    path = alerts_path(lake, night)
    counts = {"lookback_alerts": 0, "lookback_cases_opened": 0, "lookback_cases_joined": 0}
    if not path.exists():
        return counts
    alerts = lake.read_table(path).to_pandas()
    if alerts.empty:
        return counts
    alerts["claim_id"] = alerts["claim_id"].astype(str)
    known = _known_pairs(conn, sorted(set(alerts["claim_id"])))
    new = alerts[[(c, r) not in known for c, r in zip(alerts["claim_id"], alerts["reason"], strict=True)]]
    if new.empty:
        return counts
    shown = _claims_shown(conn, lake, new)
    new = new[new["claim_id"].isin(shown)]
    new = new.assign(_order=new["reason"].map(_ORDER).fillna(len(_ORDER))).sort_values(
        ["claim_id", "_order"], kind="stable"
    )
    rows = [
        {
            "claim_id": r.claim_id, "reason": str(r.reason), "reason_text": str(r.reason_text),
            "first_scored": r.first_scored, "flagged_on": r.flagged_on, "published_at": stamp,
        }
        for r in new.itertuples()
    ]  # fmt: skip
    for chunk in _chunks(rows):
        conn.execute(insert(lookback_alerts), chunk)
    in_cases = _cases_of(conn, sorted(set(new["claim_id"])))
    opened = joined = 0
    for claim_id, group in new.groupby("claim_id", sort=True):
        codes = [str(c) for c in group["reason"]]
        texts = [str(t) for t in group["reason_text"]]
        if claim_id in in_cases:
            _join_case(conn, in_cases[str(claim_id)], str(claim_id), codes, texts, night, stamp)
            joined += 1
        else:
            _open_case(conn, shown[str(claim_id)], group.iloc[0], codes, texts, night, stamp)
            opened += 1
    return {"lookback_alerts": len(rows), "lookback_cases_opened": opened, "lookback_cases_joined": joined}


def _known_pairs(conn: Connection, claim_ids: list[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(claim_ids):
        query = select(lookback_alerts.c.claim_id, lookback_alerts.c.reason).where(
            lookback_alerts.c.claim_id.in_(chunk)
        )
        found.update((str(c), str(r)) for c, r in conn.execute(query))
    return found


def _claims_shown(conn: Connection, lake: Lake, alerts: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The alerts' claims as the database holds them (name, filing time), copied from the lake
    (the claims of their own nights) when it does not hold them yet."""
    ids = sorted(set(alerts["claim_id"]))
    present = _existing(conn, claims.c.claim_id, ids)
    missing = [c for c in ids if c not in present]
    if missing:
        first = alerts.drop_duplicates("claim_id").set_index("claim_id")
        nights = sorted({first.loc[c, "first_scored"] for c in missing})
        columns = [c for c in DISPLAY_COLUMNS]
        wanted = set(missing)
        tables = [
            t
            for night in nights
            for p in lake.committed_parts("claims", night, night)
            if (t := _wanted_rows(p, wanted, columns)) is not None
        ]
        if tables:
            window = pa.concat_tables(tables, promote_options="default").to_pandas()
            window = window.reindex(columns=columns).drop_duplicates("claim_id", keep="last")
            window["claim_id"] = window["claim_id"].astype(str)
            window["identity_id"] = window["claim_id"].map(first["identity_id"]).fillna("unknown")
            window["ring_id"] = window["claim_id"].map(first["ring_id"])
            _insert_claims(conn, window)
    shown: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        query = select(
            claims.c.claim_id, claims.c.filed_at, claims.c.first_name, claims.c.last_name, claims.c.ring_id,
            claims.c.email, claims.c.phone_e164, claims.c.ssn_last4,
        ).where(claims.c.claim_id.in_(chunk))  # fmt: skip
        shown.update((str(r.claim_id), dict(r._mapping)) for r in conn.execute(query))
    return shown


def _cases_of(conn: Connection, claim_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(claim_ids):
        query = select(case_claims.c.claim_id, case_claims.c.case_id).where(case_claims.c.claim_id.in_(chunk))
        found.update((str(c), int(k)) for c, k in conn.execute(query))
    return found


def _open_case(
    conn: Connection,
    claim: dict[str, Any],
    alert: Any,
    codes: list[str],
    texts: list[str],
    night: dt.date,
    stamp: dt.datetime,
) -> None:
    """A case of its own for a paid claim: route ``clear`` (it was paid), aging from ``night``."""
    risk = 0.0 if pd.isna(alert["risk_score"]) else float(alert["risk_score"])
    ring_id = claim["ring_id"] if isinstance(claim["ring_id"], str) and claim["ring_id"] else None
    name = " ".join(str(claim[k]) for k in ("first_name", "last_name") if claim[k])[:260]
    key = sort_key(risk, night)
    values = {
        "case_key": f"lookback:{claim['claim_id']}", "status": "open", "ring_id": ring_id,
        "ring_size": _ring_sizes(conn, [ring_id]).get(ring_id, 1) if ring_id else 1, "claims": 1,
        "risk_score": risk, "priority": risk, "sort_key": key, "night": night,
        "first_filed_at": claim["filed_at"], "route": "clear", "audit_sample": False,
        "reason_codes": ";" + "".join(f"{c};" for c in codes), "first_reason": texts[0],
        "opened_at": stamp, "updated_at": stamp, "claimant": name, "lookback": True, "lookback_on": night,
    }  # fmt: skip
    case_id = int(conn.execute(insert(cases).returning(cases.c.id), values).scalar_one())
    conn.execute(
        insert(case_claims).values(
            claim_id=claim["claim_id"], case_id=case_id, batch_date=alert["first_scored"], route="clear",
            audit_sample=False, risk_score=risk, priority=risk, reasons=";".join(codes), reason_text=texts,
            model_version=LOOKBACK_VERSION, published_at=stamp,
        )
    )  # fmt: skip
    terms = claim_terms([claim])
    _insert_reasons(conn, [(case_id, "open", key, codes, terms)])


def _join_case(
    conn: Connection,
    case_id: int,
    claim_id: str,
    codes: list[str],
    texts: list[str],
    night: dt.date,
    stamp: dt.datetime,
) -> None:
    """New look-back evidence on a claim already in a case: its reasons grow, the case is marked a
    look-back alert, and a closed case is reopened (the system's act, audited)."""
    case = dict(conn.execute(select(cases).where(cases.c.id == case_id)).mappings().one())
    held = dict(
        conn.execute(
            select(case_claims.c.reasons, case_claims.c.reason_text).where(case_claims.c.claim_id == claim_id)
        )
        .mappings()
        .one()
    )
    old_codes = [c for c in str(held["reasons"]).split(";") if c]
    conn.execute(
        update(case_claims)
        .where(case_claims.c.claim_id == claim_id)
        .values(
            reasons=";".join(dict.fromkeys([*old_codes, *codes])),
            reason_text=list(dict.fromkeys([*(held["reason_text"] or []), *texts])),
        )
    )
    case_codes = [c for c in str(case["reason_codes"]).split(";") if c]
    added = [c for c in codes if c not in case_codes]
    status = "open" if case["status"] == "closed" else str(case["status"])
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(
            reason_codes=";" + "".join(f"{c};" for c in [*case_codes, *added]),
            lookback=True,
            lookback_on=night,
            status=status,
            updated_at=stamp,
            version=cases.c.version + 1,
        )
    )
    if status != case["status"]:
        conn.execute(update(case_reasons).where(case_reasons.c.case_id == case_id).values(status=status))
        conn.execute(update(case_search).where(case_search.c.case_id == case_id).values(status=status))
        conn.execute(
            insert(audit_events).values(
                at=stamp,
                username=None,
                action="reopened",
                case_id=case_id,
                claim_id=claim_id,
                before={"status": case["status"]},
                after={"status": status, "why": "look-back evidence"},
            )
        )
    rows = [{"case_id": case_id, "code": c, "status": status, "sort_key": case["sort_key"]} for c in added]
    if rows:
        conn.execute(insert(case_reasons), rows)


def publish_outcomes(conn: Connection, home: Path) -> int:
    """Copy the verification outcomes of the claims under review that the database lacks;
    returns how many."""
    outcomes = read_outcomes(home)
    if outcomes.empty:
        return 0
    outcomes = outcomes.assign(claim_id=outcomes["claim_id"].astype(str))
    held = _existing(conn, case_claims.c.claim_id, sorted(set(outcomes["claim_id"])))
    outcomes = outcomes[outcomes["claim_id"].isin(held)]
    if outcomes.empty:
        return 0
    known: set[tuple[str, str, dt.datetime, str, str]] = set()
    for chunk in _chunks(sorted(held)):
        t = verification_outcomes
        query = select(t.c.claim_id, t.c.check, t.c.decided_at, t.c.outcome, t.c.provider).where(
            t.c.claim_id.in_(chunk)
        )
        known.update((str(a), str(b), c, str(d), str(e)) for a, b, c, d, e in conn.execute(query))
    rows = []
    times = pd.to_datetime(outcomes["decided_at"], utc=True).dt.to_pydatetime()
    for r, at in zip(outcomes.itertuples(), times, strict=True):
        key = (str(r.claim_id), str(r.check), at, str(r.outcome), str(r.provider)[:128])
        if key not in known:
            known.add(key)
            rows.append(
                dict(zip(("claim_id", "check", "decided_at", "outcome", "provider"), key, strict=True))
            )
    for chunk in _chunks(rows):
        conn.execute(insert(verification_outcomes), chunk)
    return len(rows)
