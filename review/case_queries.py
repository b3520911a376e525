"""Reading cases: the queue's pages, a case's page, the audit trail, the lists the pages offer;
and what working a case shares with them (:class:`CaseError`, :func:`audit`, the queue's
filters and sizes). :mod:`claimscreen.review.cases` acts on cases and imports all of it, so
every name stays importable from there.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, select
from sqlalchemy.orm import aliased

from claimscreen.review.db import (
    audit_events,
    case_claims,
    case_reasons,
    case_search,
    cases,
    claims,
    decisions,
    lookback_alerts,
    notes,
    now,
    ring_links,
    users,
    verification_outcomes,
)
from claimscreen.review.ring_picture import KIND_LABELS

__all__ = [
    "ACTIVE",
    "COUNT_AHEAD",
    "DECISION_HISTORY",
    "NOTE_MAX_CHARS",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "PAGE_SIZE",
    "QUEUE_COLUMNS",
    "RING_MEMBERS_SHOWN",
    "SORTS",
    "STATUSES",
    "CaseError",
    "QueueFilter",
    "User",
    "active_users",
    "audit",
    "audit_log",
    "case_detail",
    "get_case",
    "grouped_reasons",
    "latest_decisions",
    "list_queue",
    "reason_codes",
    "record_view",
]

OUTCOMES = ("fraud", "legitimate", "identity_theft_victim", "needs_verification")
STATUSES = ("open", "verification", "closed")
#: A status filter meaning "not closed": open or waiting on verification ("My cases").
ACTIVE = "active"
#: The queue's orders: its own (priority and waiting time), or one column's.
SORTS = {"": "priority", "risk": "risk (highest first)", "waiting": "waiting (longest first)"}
OUTCOME_LABELS = {
    "fraud": "Fraud",
    "legitimate": "Legitimate",
    "identity_theft_victim": "Identity theft victim (claim is fraud, person is honest)",
    "needs_verification": "Needs verification from the claimant",
}
PAGE_SIZE = 50
#: The longest note (and decision note) kept, in characters.
NOTE_MAX_CHARS = 10_000
#: The queue counts the cases matching a filter up to this many past the page shown (an
#: index range read, not a full count): "1,050+ cases" beyond that.
COUNT_AHEAD = 1000
RING_MEMBERS_SHOWN = 200

User = dict[str, Any]


class CaseError(Exception):
    """An act that is not allowed now (the message says why); pages show it, HTTP 409 or 403."""

    def __init__(self, message: str, status: int = 409, case_id: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.case_id = case_id  # a 409 for a stale form: the page links to the case


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"
    reason: str = ""
    ring: str = ""
    night: dt.date | None = None
    assignee: str = ""  # "" any, "me", "none", or a user name
    terms: tuple[str, ...] = ()  # search terms (claimscreen.review.search.query_terms)
    searched: bool = False  # a search was asked for: no term means no match
    sort: str = ""  # a key of SORTS
    lookback: bool = False  # look-back alerts only ("paid: possible overpayment")


def audit(
    conn: Connection, user: User | None, action: str, case_id: int | None = None, **fields: Any
) -> None:
    """Append one audit event (the only way anything is written to the audit table)."""
    row = {
        "at": now(), "username": user["username"] if user else None, "action": action, "case_id": case_id,
        "claim_id": fields.get("claim_id"), "before": fields.get("before"), "after": fields.get("after"),
    }  # fmt: skip
    conn.execute(_AUDIT, row)


#: Built once: a statement built per call (``.values(...)``) costs more Python time than the INSERT.
_AUDIT = insert(audit_events)


# --- reading -----------------------------------------------------------------


_ASSIGNEE = aliased(users, name="assignee_user")

#: What a queue row shows (fewer columns: less to decode, SQLite's timestamps being text).
QUEUE_COLUMNS = tuple(
    cases.c[name]
    for name in ("id", "status", "assignee_id", "ring_id", "ring_size", "claims", "risk_score", "night",
                 "first_filed_at", "audit_sample", "first_reason", "claimant", "version", "lookback",
                 "lookback_on")
)  # fmt: skip


def list_queue(
    conn: Connection, chosen: QueueFilter, user: User, page: int = 1
) -> tuple[list[Row[Any]], int, bool]:
    """One page of cases in queue order (highest sort key first); the number matching, counted
    only up to COUNT_AHEAD cases past this page; and whether that number is exact.

    Every filter reads an index in queue order (see the indexes of ``cases`` and ``case_reasons``),
    so neither the page nor the count sorts or reads all the matching cases."""
    offset = (max(page, 1) - 1) * PAGE_SIZE
    cap = offset + PAGE_SIZE + COUNT_AHEAD
    terms = _search_terms(conn, chosen.terms)
    if chosen.searched and not terms:
        return [], 0, True
    assignee = chosen.assignee if chosen.assignee in ("", "me", "none") else "name"
    status = chosen.status if chosen.status in (*STATUSES, ACTIVE) else ""
    sort = chosen.sort if chosen.sort in SORTS else ""
    shape = (
        bool(chosen.reason),
        status,
        bool(chosen.ring),
        bool(chosen.night),
        assignee,
        "" if not terms else "one" if len(terms) == 1 else "many",
        sort,
        chosen.lookback,
    )
    page_query, count_query = _queue_statements(*shape)
    params = {
        "reason": chosen.reason, "status": chosen.status, "ring": chosen.ring, "night": chosen.night,
        "me": user["id"], "name": chosen.assignee, "limit": PAGE_SIZE, "offset": offset, "cap": cap,
        "terms": terms, "term": terms[0] if terms else "", "active": [s for s in STATUSES if s != "closed"],
    }  # fmt: skip
    rows: list[Row[Any]] = list(conn.execute(page_query, params))  # attributes: fastest in a template
    # Each row carries the count (one statement); a page past the end has no row to carry it.
    total = int(rows[0].matching if rows else conn.execute(count_query, params).scalar_one())
    return rows, total, total < cap


_TERM_FOUND = select(case_search.c.case_id).where(case_search.c.term == bindparam("term")).limit(1)


def _search_terms(conn: Connection, terms: tuple[str, ...]) -> list[str]:
    """The terms to search: a claim id term ("c:...") alone when a claim has that id, else the
    others (one term reads its index range in queue order; several need their matches merged)."""
    claim_id = next((t for t in terms if t.startswith("c:")), None)
    if claim_id is None or len(terms) == 1:
        return list(terms)
    if conn.execute(_TERM_FOUND, {"term": claim_id}).first() is not None:
        return [claim_id]
    return [t for t in terms if t != claim_id]


_ORDERS = {
    "": (cases.c.sort_key.desc(), cases.c.id),
    "risk": (cases.c.risk_score.desc(), cases.c.id),
    "waiting": (cases.c.first_filed_at, cases.c.id),
}


@functools.cache
def _queue_statements(
    reason: bool,
    status: str,
    ring: bool,
    night: bool,
    assignee: str,
    search: str = "",
    sort: str = "",
    lookback: bool = False,
) -> tuple[Any, Any]:
    """The page and count statements of one shape of filter, built once, with bound parameters.
    A search reads ``case_search`` (term, status, queue order), a reason filter ``case_reasons``
    (code, status, queue order), each joining the cases it names only for a condition on them;
    the other orders (``sort``) read the cases' own indexes (status, column, id), a reason then
    checked case by case, as it is with a search."""
    conditions: list[Any] = []
    source: Any = cases
    status_column, order = cases.c.status, _ORDERS[sort]
    needs_cases = ring or night or assignee != "" or sort != "" or lookback
    key_column = cases.c.id
    by_reason = reason and not search and not sort  # read case_reasons in queue order
    if search or by_reason:
        table = case_search if search else case_reasons
        key_column = table.c.case_id
        source = table.join(cases, cases.c.id == key_column) if needs_cases else table
        status_column = table.c.status
        if not sort:
            order = (table.c.sort_key.desc(), key_column)
        if search == "one":
            conditions.append(case_search.c.term == bindparam("term"))
        elif search:
            conditions.append(case_search.c.term.in_(bindparam("terms", expanding=True)))
        else:
            conditions.append(case_reasons.c.code == bindparam("reason"))
    if reason and not by_reason:
        found = select(case_reasons.c.case_id).where(
            case_reasons.c.case_id == key_column, case_reasons.c.code == bindparam("reason")
        )
        conditions.append(found.exists())
    conditions += _case_conditions(status_column, status, ring, night, assignee, lookback)
    # The page's case ids first (an index range: the rows an OFFSET skips are never read), then
    # their rows and assignees.
    key = key_column.label("id")
    selected = select(key)
    if search == "many":  # a case found by several terms (two spellings of an email) is one row
        ordering = [getattr(o, "element", o).label(f"order_{i}") for i, o in enumerate(order)]
        selected = select(key, *ordering).distinct()
    window = (
        selected.select_from(source)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery()
    )
    matching = selected.select_from(source).where(*conditions).limit(bindparam("cap")).subquery()
    count = select(func.count()).select_from(matching)
    page = (
        select(
            *QUEUE_COLUMNS, _ASSIGNEE.c.username.label("assignee"), count.scalar_subquery().label("matching")
        )
        .select_from(window.join(cases, cases.c.id == window.c.id))
        .outerjoin(_ASSIGNEE, _ASSIGNEE.c.id == cases.c.assignee_id)
        .order_by(*_ORDERS[sort])
    )
    return page, count


def _case_conditions(
    status_column: Any, status: str, ring: bool, night: bool, assignee: str, lookback: bool
) -> list[Any]:
    """The conditions on a case's own columns of one shape of queue filter (bound parameters)."""
    conditions: list[Any] = []
    if status == ACTIVE:
        conditions.append(status_column.in_(bindparam("active", expanding=True)))
    elif status:
        conditions.append(status_column == bindparam("status"))
    if ring:
        conditions.append(cases.c.ring_id == bindparam("ring"))
    if night:
        conditions.append(cases.c.night == bindparam("night"))
    if lookback:  # its index (lookback, status, queue order) when no other key leads
        conditions.append(cases.c.lookback.is_(True))
    if assignee == "me":
        conditions.append(cases.c.assignee_id == bindparam("me"))
    elif assignee == "none":
        conditions.append(cases.c.assignee_id.is_(None))
    elif assignee == "name":
        named = select(users.c.id).where(users.c.username == bindparam("name")).scalar_subquery()
        conditions.append(cases.c.assignee_id == named)
    return conditions


# The case page's reads, built once with bound parameters: building a statement costs more
# Python time than SQLite takes to run it (and its cache key is then computed only once).
_GET_CASE = (
    select(cases, _ASSIGNEE.c.username.label("assignee"))
    .outerjoin(_ASSIGNEE, _ASSIGNEE.c.id == cases.c.assignee_id)
    .where(cases.c.id == bindparam("case_id"))
)
_LOCK_CASE = select(cases).where(cases.c.id == bindparam("case_id")).with_for_update()
# The case page reads in one statement its case (columns "case.*"), with flags saying whether
# its decision history and its notes have any row, and its claims (one row each, none if it has
# none), each with its current decision ("decision_*") and a flag saying whether another claim
# has its identity: the lists found empty are not read at all.
_CURRENT = aliased(decisions, name="current_decision")
_DECIDER = aliased(users, name="decider")
_OTHER = aliased(claims, name="other_claim")
_CASE_PAGE = (
    select(
        *(column.label(f"case.{column.name}") for column in cases.c),
        _ASSIGNEE.c.username.label("case.assignee"),
        select(decisions.c.id).where(decisions.c.case_id == cases.c.id).exists().label("has_decisions"),
        select(notes.c.id).where(notes.c.case_id == cases.c.id).exists().label("has_notes"),
        claims,
        case_claims,
        *(column.label(f"decision_{column.name}") for column in _CURRENT.c),
        _DECIDER.c.username.label("decision_username"),
        select(_OTHER.c.claim_id)
        .where(_OTHER.c.identity_id == claims.c.identity_id, _OTHER.c.claim_id != claims.c.claim_id)
        .exists()
        .label("has_other_claims"),
        select(verification_outcomes.c.id)
        .where(verification_outcomes.c.claim_id == claims.c.claim_id)
        .exists()
        .label("has_outcomes"),
    )
    .select_from(cases)
    .outerjoin(_ASSIGNEE, _ASSIGNEE.c.id == cases.c.assignee_id)
    .outerjoin(case_claims, case_claims.c.case_id == cases.c.id)
    .outerjoin(claims, claims.c.claim_id == case_claims.c.claim_id)
    .outerjoin(
        _CURRENT,
        (_CURRENT.c.claim_id == claims.c.claim_id)  # an index range (ix_decisions_claim), then its latest
        & (
            _CURRENT.c.id
            == select(func.max(decisions.c.id))
            .where(decisions.c.claim_id == claims.c.claim_id)
            .scalar_subquery()
        ),
    )
    .outerjoin(_DECIDER, _DECIDER.c.id == _CURRENT.c.decided_by)
    .where(cases.c.id == bindparam("case_id"))
    .order_by(case_claims.c.risk_score.desc(), claims.c.claim_id)
)
#: What the page shows of a claim that is not the case's own (the same person's, a ring member).
_LISTED = (claims.c.claim_id, claims.c.first_name, claims.c.last_name, claims.c.filed_at, claims.c.city,
           claims.c.state)  # fmt: skip
_LATEST_IDS = (
    select(func.max(decisions.c.id).label("id"))
    .where(decisions.c.claim_id.in_(bindparam("claim_ids", expanding=True)))
    .group_by(decisions.c.claim_id)
    .subquery()
)
_LATEST_DECISIONS = (
    select(decisions, users.c.username)
    .join(_LATEST_IDS, _LATEST_IDS.c.id == decisions.c.id)
    .join(users, users.c.id == decisions.c.decided_by)
)
_IDENTITY_CLAIMS = (
    select(*_LISTED, case_claims.c.case_id)
    .outerjoin(case_claims, case_claims.c.claim_id == claims.c.claim_id)
    .where(
        claims.c.identity_id.in_(bindparam("identities", expanding=True)),
        claims.c.claim_id.not_in(bindparam("exclude", expanding=True)),
    )
    .order_by(claims.c.filed_at.desc())
    .limit(50)
)
_RING_MEMBERS = (
    select(*_LISTED, case_claims.c.case_id, cases.c.status)
    .outerjoin(case_claims, case_claims.c.claim_id == claims.c.claim_id)
    .outerjoin(cases, cases.c.id == case_claims.c.case_id)
    .where(claims.c.ring_id == bindparam("ring_id"))
    .order_by(claims.c.filed_at, claims.c.claim_id)
    .limit(RING_MEMBERS_SHOWN + 1)
)
_RING_SIZE = select(func.count()).where(claims.c.ring_id == bindparam("ring_id"))
_RING_LINKS = (
    select(ring_links.c.claim_id, ring_links.c.kind, ring_links.c.link_key, ring_links.c.display)
    .where(ring_links.c.ring_id == bindparam("ring_id"))
    .order_by(ring_links.c.kind, ring_links.c.display)
)
DECISION_HISTORY = (
    select(decisions, users.c.username)
    .join(users, users.c.id == decisions.c.decided_by)
    .where(decisions.c.case_id == bindparam("case_id"))
    .order_by(decisions.c.id.desc())
)
_NOTES = (
    select(notes, users.c.username)
    .join(users, users.c.id == notes.c.author_id)
    .where(notes.c.case_id == bindparam("case_id"))
    .order_by(notes.c.id)
)


_ALERTS = (
    select(lookback_alerts)
    .where(lookback_alerts.c.claim_id.in_(bindparam("claim_ids", expanding=True)))
    .order_by(lookback_alerts.c.flagged_on, lookback_alerts.c.claim_id, lookback_alerts.c.reason)
)


def get_case(conn: Connection, case_id: int, lock: bool = False) -> dict[str, Any] | None:
    row = conn.execute(_LOCK_CASE if lock else _GET_CASE, {"case_id": case_id}).mappings().first()
    return dict(row) if row else None


def case_detail(conn: Connection, case_id: int) -> dict[str, Any] | None:
    """Everything the case page shows, from indexed reads of the database only: one statement
    when the case has no decision, note, ring or claimant with other claims."""
    rows = conn.execute(_CASE_PAGE, {"case_id": case_id}).mappings().all()
    if not rows:
        return None
    case = {k[5:]: v for k, v in rows[0].items() if k.startswith("case.")}
    has_decisions, has_notes = rows[0]["has_decisions"], rows[0]["has_notes"]
    members = [_member(row) for row in rows if row["claim_id"] is not None]
    claim_ids = [m["claim_id"] for m in members]
    others = any([m.pop("has_other_claims") for m in members])
    identities = sorted({m["identity_id"] for m in members}) if others else []
    ring = _ring(conn, case["ring_id"]) if case["ring_id"] else None
    numbers = {m["claim_id"]: m["number"] for m in ring["members"]} if ring else {}
    for member in members:
        member["number"] = numbers.get(member["claim_id"])
    return {
        "case": case,
        "reasons": grouped_reasons([m["reason_text"] for m in members]),
        "claims": members,
        "identity_claims": _identity_claims(conn, identities, claim_ids),
        "ring": ring,
        "decisions": _decision_history(conn, case_id) if has_decisions else [],
        "notes": _notes(conn, case_id) if has_notes else [],
        # A look-back alert's evidence: each reason with the night it arrived.
        "alerts": [dict(r) for r in conn.execute(_ALERTS, {"claim_ids": claim_ids}).mappings()]
        if case["lookback"] and claim_ids
        else [],
    }


_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def grouped_reasons(texts: list[list[str]]) -> list[tuple[str, int]]:
    """The reasons of a case's claims (each claim's sentences), each sentence once with how many
    claims give it; sentences that differ only in their figures are one, with the figures'
    range: "completed in 40-75 seconds" for 18 claims instead of 18 lines."""
    groups: dict[str, list[list[str]]] = {}
    for claim_texts in texts:
        for text in dict.fromkeys(claim_texts):
            groups.setdefault(_NUMBER.sub("#", text), []).append(_NUMBER.findall(text))
    out = []
    for skeleton, figures in groups.items():
        parts = skeleton.split("#")
        spans = [_span([f[i] for f in figures]) for i in range(len(parts) - 1)]
        out.append(("".join(p + s for p, s in zip(parts, [*spans, ""], strict=True)), len(figures)))
    return out


def _span(values: list[str]) -> str:
    """Figures as one ("15"), or their range ("40-75") when they differ."""
    numbers = sorted({float(v.replace(",", "")) for v in values})
    if len(numbers) == 1:
        return values[0]
    by_value = {float(v.replace(",", "")): v for v in values}
    return f"{by_value[numbers[0]]}–{by_value[numbers[-1]]}"


def _member(row: Any) -> dict[str, Any]:
    """A claim of the case from a row of _CASE_PAGE, with its current decision (None if it has none)."""
    member: dict[str, Any] = {"decision": {} if row["decision_id"] is not None else None}
    for key, value in row.items():
        if key.startswith("decision_"):
            if member["decision"] is not None:
                member["decision"][key[9:]] = value
        elif not key.startswith("case.") and key not in ("has_decisions", "has_notes"):
            member[key] = value
    return member


def latest_decisions(conn: Connection, claim_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The current (latest) decision of each claim that has one."""
    if not claim_ids:
        return {}
    rows = conn.execute(_LATEST_DECISIONS, {"claim_ids": claim_ids}).mappings()
    return {r["claim_id"]: dict(r) for r in rows}


def _identity_claims(conn: Connection, identities: list[str], exclude: list[str]) -> list[dict[str, Any]]:
    if not identities:
        return []
    params = {"identities": identities, "exclude": exclude or [""]}
    return [dict(r) for r in conn.execute(_IDENTITY_CLAIMS, params).mappings()]


def _ring(conn: Connection, ring_id: str) -> dict[str, Any]:
    ring = {"ring_id": ring_id}
    members = [dict(r) for r in conn.execute(_RING_MEMBERS, ring).mappings()]
    size = len(members)
    if size > RING_MEMBERS_SHOWN:  # counted only when not all are shown
        size = int(conn.execute(_RING_SIZE, ring).scalar_one())
    links = [dict(r) for r in conn.execute(_RING_LINKS, ring).mappings()]
    shown = {m["claim_id"]: i + 1 for i, m in enumerate(members[:RING_MEMBERS_SHOWN])}
    links_by_claim: dict[str, list[str]] = {}
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for link in links:
        label = KIND_LABELS.get(link["kind"], link["kind"].replace("_", " "))
        label = label[:1].upper() + label[1:]
        links_by_claim.setdefault(link["claim_id"], []).append(f"{label} {link['display']}")
        group = groups.setdefault(
            (link["kind"], link["link_key"]), {"kind": label, "display": link["display"], "claims": []}
        )
        if link["claim_id"] in shown:
            group["claims"].append(shown[link["claim_id"]])
    for member in members:
        member["links"] = links_by_claim.get(member["claim_id"], [])
        member["number"] = shown.get(member["claim_id"])
    return {
        "ring_id": ring_id,
        "size": size,
        "members": members[:RING_MEMBERS_SHOWN],
        "truncated": len(members) > RING_MEMBERS_SHOWN,
        "links": [lk for lk in links if lk["claim_id"] in shown],
        # Each identifier two or more members share: what it is, its value, the members' numbers.
        "shared": sorted(
            ({**g, "claims": sorted(g["claims"])} for g in groups.values() if len(g["claims"]) > 1),
            key=lambda g: (-len(g["claims"]), g["kind"], g["display"]),
        ),
    }


def _decision_history(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(DECISION_HISTORY, {"case_id": case_id}).mappings()]


def _notes(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(_NOTES, {"case_id": case_id}).mappings()]


def record_view(conn: Connection, user: User, case_id: int, what: str = "case") -> None:
    audit(conn, user, "viewed" if what == "case" else f"viewed_{what}", case_id)


# --- lists the pages offer ----------------------------------------------------


def active_users(conn: Connection) -> list[str]:
    """The active accounts that can hold a case (investigators and supervisors, not admins)."""
    query = select(users.c.username).where(users.c.active.is_(True), users.c.role != "admin")
    return list(conn.execute(query.order_by(users.c.username)).scalars())


def reason_codes(conn: Connection) -> list[str]:
    """Every reason code some case has (the queue's reason list)."""
    return list(conn.execute(select(case_reasons.c.code).distinct().order_by(case_reasons.c.code)).scalars())


def audit_log(
    conn: Connection, page: int = 1, case_id: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    conditions = [audit_events.c.case_id == case_id] if case_id else []
    query = (
        select(audit_events)
        .where(*conditions)
        .order_by(audit_events.c.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    total = conn.execute(select(func.count()).select_from(audit_events).where(*conditions)).scalar_one()
    return [dict(r) for r in conn.execute(query).mappings()], int(total)
