"""Write a night's queue into the review database: the claims, the cases opened tonight with
their summaries, the claims under review, the open ring cases that claims joined (their
summaries refreshed), the reason and search rows, the links between ring members.

:func:`claimscreen.review.publish.publish_night` reads the lake and calls these in one
transaction; :mod:`claimscreen.review.publish_alerts` uses the same writers for look-back
cases. Every function takes the open connection; none reads the lake.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update

from claimscreen.review.db import (
    case_claims,
    case_reasons,
    case_search,
    cases,
    claims,
    ring_links,
)
from claimscreen.review.search import claim_terms, search_rows

__all__ = [
    "AGE_WEIGHT",
    "DISPLAY_COLUMNS",
    "FIRST_PAYMENT_DAYS",
    "LINK_SOURCES",
    "SEARCH_FIELDS",
    "case_claim_rows",
    "existing_values",
    "in_chunks",
    "insert_case_claims",
    "insert_claims",
    "insert_links",
    "insert_new_cases",
    "insert_reasons",
    "move_to_rings",
    "plan_cases",
    "refresh_joined",
    "ring_link_rows",
    "sort_key",
    "stored_ring_sizes",
]

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


def in_chunks(values: list[Any]) -> Iterator[list[Any]]:
    """``values`` in slices of at most ``_CHUNK`` (bound parameters per statement stay few)."""
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _insert_plain(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, of plain text, integers and floats: nothing for
    SQLAlchemy to convert) into ``table``. On SQLite through the driver's executemany in one
    call: SQLAlchemy's handling of each row's parameters took a third of the time of a night's
    274,171 search rows."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for chunk in in_chunks(rows):
            conn.execute(insert(table), chunk)
        return
    names = list(rows[0])
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(statement, [tuple(row[name] for name in names) for row in rows])


def existing_values(conn: Connection, column: Any, values: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in in_chunks(values):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def plan_cases(conn: Connection, fresh: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
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
    for chunk in in_chunks(rings):
        query = (
            select(cases.c.ring_id, cases.c.id)
            .where(cases.c.ring_id.in_(chunk), cases.c.status != "closed", cases.c.lookback.is_(False))
            .order_by(cases.c.id)
            .with_for_update()
        )
        for ring_id, case_id in conn.execute(query):
            found.setdefault(str(ring_id), int(case_id))
    return found


def case_claim_rows(
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
    for chunk in in_chunks(copied):
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
    sizes = stored_ring_sizes(conn, sorted({s["ring_id"] for s in summaries.values() if s["ring_id"]}))
    return {case: (_case_values(s, sizes), list(s["codes"]), s["terms"]) for case, s in summaries.items()}


def stored_ring_sizes(conn: Connection, rings: list[str]) -> dict[str, int]:
    """How many claims of each ring the database holds."""
    sizes: dict[str, int] = {}
    for chunk in in_chunks(rings):
        query = (
            select(claims.c.ring_id, func.count())
            .where(claims.c.ring_id.in_(chunk))
            .group_by(claims.c.ring_id)
        )
        sizes.update((str(r), int(n)) for r, n in conn.execute(query))
    return sizes


def insert_new_cases(
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
    for chunk in in_chunks(values):
        result = conn.execute(insert(cases).returning(cases.c.id, sort_by_parameter_order=True), chunk)
        ids.update(
            (row["case_key"], int(case_id)) for row, case_id in zip(chunk, result.scalars(), strict=True)
        )
    insert_reasons(
        conn,
        [(ids[k], "open", v["sort_key"], codes, terms) for k, (v, codes, terms) in sorted(updates.items())],
    )
    return ids


def insert_case_claims(conn: Connection, rows: pd.DataFrame, stamp: Any) -> None:
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
    for chunk in in_chunks(records):
        conn.execute(insert(case_claims), chunk)


def refresh_joined(
    conn: Connection, case_ids: list[int], stamp: Any, tonight_sizes: dict[int, Any] | None = None
) -> None:
    """Recompute the summaries of the open cases that tonight's claims joined, from all their
    claims (earlier nights' and tonight's), with their reason rows."""
    if not case_ids:
        return
    parts: list[pd.DataFrame] = []
    status: dict[int, str] = {}
    known_sizes: dict[int, int] = {}  # the ring's size the model counted, tonight or before
    for chunk in in_chunks(case_ids):
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
    for chunk in in_chunks(case_ids):
        conn.execute(delete(case_reasons).where(case_reasons.c.case_id.in_(chunk)))
        conn.execute(delete(case_search).where(case_search.c.case_id.in_(chunk)))
    insert_reasons(
        conn,
        [
            (int(c), status[c], v["sort_key"], codes, terms)
            for c, (v, codes, terms) in sorted(updates.items())
        ],
    )


def insert_reasons(conn: Connection, cases_: list[tuple[int, str, float, list[str], list[set[str]]]]) -> None:
    """One case_reasons row per case and reason code, and one case_search row per case and
    search term, with the case's status and queue order: ``cases_`` holds (case id, status,
    sort key, codes, its claims' search terms)."""
    rows = [
        {"case_id": case_id, "code": code, "status": status, "sort_key": key}
        for case_id, status, key, codes, _ in cases_
        for code in codes
    ]
    _insert_plain(conn, case_reasons, rows)
    _insert_plain(conn, case_search, search_rows((c, st, k, terms) for c, st, k, _, terms in cases_))


def sort_key(priority: float, first_filed: dt.date) -> float:
    """Priority plus AGE_WEIGHT per day waited, written so that it needs no update as days pass:
    ``priority + w * (today - filed)`` orders cases as ``priority - w * filed`` does."""
    return priority - AGE_WEIGHT * (first_filed - _EPOCH).days


def insert_claims(conn: Connection, shown: pd.DataFrame) -> tuple[int, set[str]]:
    """Copy the claims the database does not hold yet; returns how many, and the ids it held."""
    present = existing_values(conn, claims.c.claim_id, shown["claim_id"].tolist())
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
    for chunk in in_chunks(rows):
        conn.execute(insert(claims), chunk)
    return len(rows), present


def move_to_rings(conn: Connection, shown: pd.DataFrame, present: set[str]) -> int:
    """Claims the database holds that a ring of tonight reached (the night's ring members) take
    that ring's id, so the ring's case counts and lists them; returns how many moved. The held
    claims' ring ids are read in chunks and only those that differ are updated, in one batch."""
    held = shown[shown["claim_id"].isin(present) & shown["ring_id"].notna()]
    wanted = dict(zip(held["claim_id"].astype(str), held["ring_id"].astype(str), strict=True))
    moves = []
    for chunk in in_chunks(sorted(wanted)):
        query = select(claims.c.claim_id, claims.c.ring_id).where(claims.c.claim_id.in_(chunk))
        for claim_id, ring_id in conn.execute(query):
            if ring_id != wanted[claim_id]:
                moves.append({"_claim": claim_id, "_ring": wanted[claim_id]})
    if moves:
        conn.execute(
            update(claims).where(claims.c.claim_id == bindparam("_claim")).values(ring_id=bindparam("_ring")),
            moves,
        )
    return len(moves)


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


def insert_links(conn: Connection, members: pd.DataFrame) -> int:
    """Write the links between tonight's ring members; returns how many rows were written. A
    claim keeps one row per identifier it shares: a claim a ring of tonight reached (moved into
    it, :func:`move_to_rings`) takes its rows along, so they name its ring now."""
    rows = ring_link_rows(members)
    if not rows:
        return 0
    held: dict[tuple[str, str, str], str] = {}
    for chunk in in_chunks(sorted({r["claim_id"] for r in rows})):
        query = select(
            ring_links.c.claim_id, ring_links.c.kind, ring_links.c.link_key, ring_links.c.ring_id
        ).where(ring_links.c.claim_id.in_(chunk))
        held.update(((claim_id, kind, key), ring) for claim_id, kind, key, ring in conn.execute(query))
    new = [r for r in rows if (r["claim_id"], r["kind"], r["link_key"]) not in held]
    moved = [
        {"_claim": r["claim_id"], "_kind": r["kind"], "_key": r["link_key"], "_ring": r["ring_id"]}
        for r in rows
        if held.get((r["claim_id"], r["kind"], r["link_key"]), r["ring_id"]) != r["ring_id"]
    ]
    _insert_plain(conn, ring_links, new)
    if moved:
        statement = (
            update(ring_links)
            .where(ring_links.c.claim_id == bindparam("_claim"))
            .where(ring_links.c.kind == bindparam("_kind"))
            .where(ring_links.c.link_key == bindparam("_key"))
            .values(ring_id=bindparam("_ring"))
        )
        conn.execute(statement, moved)
    return len(new) + len(moved)
