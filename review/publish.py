"""Publish a night's review queue into the database: ``publish_night(home, night)``.

Reads ``Lake(home).queue_path(night)`` (QUEUE_SCHEMA), and from the lake the
display fields of the queued claims, of their rings' members and of their
identities' other claims, and the identifiers that link ring members. Pages then
read only the database.

Never duplicates: a claim already under review is skipped, and a claim of a ring
that already has an open (not closed) case joins that case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.data.settings import load_settings
from claimscreen.features.build import window_start
from claimscreen.review.db import (
    audit_events,
    case_claims,
    case_reasons,
    cases,
    claims,
    is_postgres,
    now,
    open_database,
    ring_links,
    writing,
)

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
_KEYS = ("claim_id", "identity_id", "ring_id")


def publish_night(home: Path, night: dt.date, engine: Engine | None = None) -> dict[str, int]:
    """Import one night's queue; returns counts (claims added, skipped, cases opened, joined)."""
    home = Path(home)
    lake = Lake(home)
    path = lake.queue_path(night)
    if not path.exists():
        raise InputError(f"night {night} has no review queue ({path}); run the nightly flow first")
    queue = lake.read_table(path).to_pandas()
    engine = engine or open_database(home)
    members = _window_keys(home, night, queue)
    wanted = _related_claims(queue, members)
    shown = _display_rows(lake, night, load_settings(home).history_days, wanted, members)
    with writing(engine) as conn:
        if is_postgres(conn):  # one publish at a time, so two cannot open a ring's case twice
            conn.execute(text("SELECT pg_advisory_xact_lock(7420061)"))
        return _publish(conn, night, queue, shown)


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
    touches = pc.or_(
        pc.or_(
            pc.is_in(keys["ring_id"], value_set=rings), pc.is_in(keys["identity_id"], value_set=identities)
        ),
        pc.is_in(keys["claim_id"], value_set=queued),
    )
    candidates = pc.unique(keys["claim_id"].filter(pc.fill_null(touches, False)))
    frame = keys.filter(pc.is_in(keys["claim_id"], value_set=candidates)).to_pandas()
    frame = frame.drop_duplicates("claim_id", keep="last")
    return frame.astype({"claim_id": str, "identity_id": str})


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


def _publish(conn: Connection, night: dt.date, queue: pd.DataFrame, shown: pd.DataFrame) -> dict[str, int]:
    stamp = now()
    queued_ids = queue["claim_id"].astype(str).tolist()
    already = _existing(conn, case_claims.c.claim_id, queued_ids)
    fresh = queue[~queue["claim_id"].isin(already) & queue["claim_id"].isin(set(shown["claim_id"]))]
    missing = int((~queue["claim_id"].isin(set(shown["claim_id"]))).sum())
    added_claims = _insert_claims(conn, shown)
    counts = {"queued": len(queue), "skipped": len(already), "missing_in_lake": missing}
    opened = joined = 0
    by_id = shown.set_index("claim_id")
    for (ring_id, case_key), rows in _case_groups(fresh):
        case_id = _open_ring_case(conn, ring_id) if ring_id else None
        if case_id is None:
            case_id = _new_case(conn, case_key, night, rows, by_id, stamp)
            opened += 1
        else:
            joined += len(rows)
        _add_case_claims(conn, case_id, rows, stamp)
        _refresh_case(conn, case_id, stamp)
    links = _insert_links(conn, shown[shown["ring_id"].notna()])
    counts |= {
        "published": len(fresh),
        "cases_opened": opened,
        "claims_joined": joined,
        "claims_copied": added_claims,
        "ring_links": links,
    }
    conn.execute(
        insert(audit_events).values(
            at=stamp, username=None, action="published", after={"night": night.isoformat(), **counts}
        )
    )
    return counts


def _existing(conn: Connection, column: Any, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _case_groups(fresh: pd.DataFrame) -> list[tuple[tuple[str | None, str], pd.DataFrame]]:
    """Queued claims grouped into cases: a ring's claims together, any other claim by its case_id."""
    keyed = fresh.assign(_ring=fresh["ring_id"].where(fresh["ring_id"].notna(), None))
    groups = []
    for case_key, rows in keyed.groupby("case_id", sort=True):
        ring_ids = rows["_ring"].dropna().unique()
        groups.append(((str(ring_ids[0]) if len(ring_ids) else None, str(case_key)), rows))
    return groups


def _open_ring_case(conn: Connection, ring_id: str) -> int | None:
    query = (
        select(cases.c.id)
        .where(cases.c.ring_id == ring_id, cases.c.status != "closed")
        .order_by(cases.c.id)
        .limit(1)
        .with_for_update()
    )
    return conn.execute(query).scalar()


def _new_case(
    conn: Connection, case_key: str, night: dt.date, rows: pd.DataFrame, by_id: pd.DataFrame, stamp: Any
) -> int:
    first_filed = min(by_id.loc[c, "filed_at"] for c in rows["claim_id"]).to_pydatetime()
    ring_ids = rows["ring_id"].dropna()
    values = {
        "case_key": case_key,
        "status": "open",
        "ring_id": str(ring_ids.iloc[0]) if len(ring_ids) else None,
        "ring_size": 1,
        "claims": 0,
        "risk_score": 0.0,
        "priority": 0.0,
        "sort_key": 0.0,
        "night": night,
        "first_filed_at": first_filed,
        "route": "clear",
        "audit_sample": True,
        "reason_codes": ";",
        "first_reason": "",
        "opened_at": stamp,
        "updated_at": stamp,
    }
    return int(conn.execute(insert(cases).values(**values).returning(cases.c.id)).scalar_one())


def _add_case_claims(conn: Connection, case_id: int, rows: pd.DataFrame, stamp: Any) -> None:
    conn.execute(
        insert(case_claims),
        [
            {
                "claim_id": str(r["claim_id"]),
                "case_id": case_id,
                "batch_date": r["batch_date"],
                "route": str(r["route"]),
                "audit_sample": bool(r["audit_sample"]),
                "risk_score": float(r["risk_score"]),
                "priority": float(r["priority"]),
                "reasons": str(r["reasons"]),
                "reason_text": [str(t) for t in r["reason_text"]],
                "model_version": str(r["model_version"]),
                "published_at": stamp,
            }
            for r in rows.to_dict("records")
        ],
    )


def _refresh_case(conn: Connection, case_id: int, stamp: Any) -> None:
    """Recompute a case's summary (risk, priority, order, route, reasons) from its claims."""
    query = (
        select(case_claims, claims.c.filed_at, claims.c.ring_id)
        .join(claims, claims.c.claim_id == case_claims.c.claim_id)
        .where(case_claims.c.case_id == case_id)
        .order_by(case_claims.c.risk_score.desc(), case_claims.c.claim_id)
    )
    rows = conn.execute(query).mappings().all()
    first_filed = min(r["filed_at"] for r in rows)
    priority = max(r["priority"] for r in rows)
    codes = dict.fromkeys(c for r in rows for c in r["reasons"].split(";") if c)
    texts = [t for r in rows for t in r["reason_text"]]
    routes = {r["route"] for r in rows}
    audit = all(r["audit_sample"] for r in rows)
    ring_id = next((r["ring_id"] for r in rows if r["ring_id"]), None)
    ring_size = _ring_size(conn, ring_id) if ring_id else 1
    first_reason = texts[0] if texts else ("Drawn at random for a post-payment audit" if audit else "")
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(
            claims=len(rows),
            risk_score=max(r["risk_score"] for r in rows),
            priority=priority,
            sort_key=sort_key(priority, first_filed.date()),
            first_filed_at=first_filed,
            route="review" if "review" in routes else "verify" if "verify" in routes else "clear",
            audit_sample=audit,
            reason_codes=";" + "".join(f"{c};" for c in codes),
            first_reason=first_reason,
            ring_size=ring_size,
            updated_at=stamp,
        )
    )
    status = conn.execute(select(cases.c.status).where(cases.c.id == case_id)).scalar_one()
    conn.execute(delete(case_reasons).where(case_reasons.c.case_id == case_id))
    if codes:
        key = sort_key(priority, first_filed.date())
        conn.execute(
            insert(case_reasons),
            [{"case_id": case_id, "code": c, "status": status, "sort_key": key} for c in codes],
        )


def _ring_size(conn: Connection, ring_id: str) -> int:
    return int(conn.execute(select(func.count()).where(claims.c.ring_id == ring_id)).scalar_one())


def sort_key(priority: float, first_filed: dt.date) -> float:
    """Priority plus AGE_WEIGHT per day waited, written so that it needs no update as days pass:
    ``priority + w * (today - filed)`` orders cases as ``priority - w * filed`` does."""
    return priority - AGE_WEIGHT * (first_filed - _EPOCH).days


def _insert_claims(conn: Connection, shown: pd.DataFrame) -> int:
    present = _existing(conn, claims.c.claim_id, shown["claim_id"].tolist())
    new = shown[~shown["claim_id"].isin(present)]
    if new.empty:
        return 0
    rows = []
    for record in new.to_dict("records"):
        row = {c.name: _plain(record.get(c.name)) for c in claims.columns}
        row["first_name"] = row["first_name"] or ""
        row["last_name"] = row["last_name"] or ""
        rows.append(row)
    for start in range(0, len(rows), _CHUNK):
        conn.execute(insert(claims), rows[start : start + _CHUNK])
    return len(rows)


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
    for start in range(0, len(rings), _CHUNK):
        query = select(ring_links.c.claim_id, ring_links.c.kind, ring_links.c.link_key).where(
            ring_links.c.ring_id.in_(rings[start : start + _CHUNK])
        )
        existing.update(tuple(r) for r in conn.execute(query))
    new = [r for r in rows if (r["claim_id"], r["kind"], r["link_key"]) not in existing]
    for start in range(0, len(new), _CHUNK):
        conn.execute(insert(ring_links), new[start : start + _CHUNK])
    return len(new)
