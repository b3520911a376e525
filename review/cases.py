"""Working the queue: list cases, read one, assign, decide, note, reopen; every act audited.

Each function takes a connection inside a transaction (:func:`claimscreen.review.db.writing`
for the ones that write) and the acting user as a mapping with ``id``, ``username`` and
``role``. No case is ever held by two investigators: taking one is a conditional
``UPDATE ... WHERE assignee_id IS NULL`` whose row count says who won; steps that read
then write lock the case row first (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite
the write transaction already holds the database's write lock).

Every change to a case adds one to its ``version``. A form that changes a case carries the
version it was rendered with, and the change is an ``UPDATE ... WHERE version = :seen``: a
form made before someone else's change is refused with a 409 saying what the case is now
(two tabs deciding one case, a reassign racing a decision). The same decision submitted
twice is recorded once.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, func, insert, select, update
from sqlalchemy.orm import aliased

from claimscreen.review.auth import role_at_least
from claimscreen.review.db import (
    audit_events,
    case_claims,
    case_reasons,
    case_search,
    cases,
    claims,
    decisions,
    is_postgres,
    lookback_alerts,
    notes,
    now,
    ring_links,
    users,
    verification_outcomes,
    writing,
)
from claimscreen.review.network import KIND_LABELS

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
#: The largest overpayment a decision records, in cents ($1,000,000.00: far above a year of
#: any state's weekly benefit amount; a larger figure is a typing error).
MAX_OVERPAYMENT_CENTS = 100_000_000
_AMOUNT = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")

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
_DECISION_HISTORY = (
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
    return [dict(r) for r in conn.execute(_DECISION_HISTORY, {"case_id": case_id}).mappings()]


def _notes(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(_NOTES, {"case_id": case_id}).mappings()]


def record_view(conn: Connection, user: User, case_id: int, what: str = "case") -> None:
    audit(conn, user, "viewed" if what == "case" else f"viewed_{what}", case_id)


# --- acting ------------------------------------------------------------------


def assign_to_me(conn: Connection, user: User, case_id: int) -> None:
    """Take an unassigned case; fails if someone else holds it (atomic: one winner)."""
    taken = conn.execute(
        update(cases)
        .where(cases.c.id == case_id, cases.c.assignee_id.is_(None), cases.c.status != "closed")
        .values(assignee_id=user["id"], assigned_at=now(), updated_at=now(), version=_NEXT)
    ).rowcount
    if taken != 1:
        case = get_case(conn, case_id)
        if case is None:
            raise CaseError("no such case", 404)
        if case["assignee_id"] == user["id"]:
            return
        raise CaseError(
            "this case is closed" if case["status"] == "closed" else f"already assigned to {case['assignee']}"
        )
    audit(conn, user, "assigned", case_id, before={"assignee": None}, after={"assignee": user["username"]})


def claim_next(engine: Engine, user: User, attempts: int = 50) -> int | None:
    """Take the top unassigned open case; None when none is left. Safe under concurrency:
    PostgreSQL skips rows other transactions have locked; every database lets only one
    conditional UPDATE win a case, and a loser tries the next one."""
    for _ in range(attempts):
        with writing(engine) as conn:
            query = (
                select(cases.c.id)
                .where(cases.c.status == "open", cases.c.assignee_id.is_(None))
                .order_by(cases.c.sort_key.desc(), cases.c.id)
                .limit(1)
            )
            if is_postgres(conn):
                query = query.with_for_update(skip_locked=True)
            case_id = conn.execute(query).scalar()
            if case_id is None:
                return None
            try:
                assign_to_me(conn, user, case_id)
            except CaseError:
                continue
            return int(case_id)
    return None


def unassign(conn: Connection, user: User, case_id: int, version: int | None = None) -> None:
    case = _locked(conn, case_id)
    if case["assignee_id"] is None:
        return
    _check_version(conn, case, version)
    if case["assignee_id"] != user["id"] and not role_at_least(user["role"], "supervisor"):
        raise CaseError("only the assignee or a supervisor can unassign this case", 403)
    before = _username(conn, case["assignee_id"])
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id, cases.c.assignee_id == case["assignee_id"])
        .values(assignee_id=None, assigned_at=None, updated_at=now(), version=_NEXT)
    )
    audit(conn, user, "unassigned", case_id, before={"assignee": before}, after={"assignee": None})


def reassign(
    conn: Connection, user: User, case_id: int, to_username: str, version: int | None = None
) -> None:
    """A supervisor gives an open case (or one waiting on verification) to another investigator."""
    _require(user, "supervisor")
    case = _locked(conn, case_id)
    _check_version(conn, case, version)
    if case["status"] == "closed":
        raise CaseError("the case is closed; reopen it before giving it to someone", 409, case_id)
    target = conn.execute(
        select(users.c.id).where(
            users.c.username == to_username, users.c.active.is_(True), users.c.role != "admin"
        )
    ).scalar()
    if target is None:
        raise CaseError(f"no active investigator or supervisor {to_username!r}", 400)
    before = _username(conn, case["assignee_id"])
    _changed(conn, case, update(cases).values(assignee_id=target, assigned_at=now(), updated_at=now()))
    audit(conn, user, "reassigned", case_id, before={"assignee": before}, after={"assignee": to_username})


def reopen(conn: Connection, user: User, case_id: int, version: int | None = None) -> None:
    """A supervisor reopens a decided case; its decisions stay, a new one will supersede them."""
    _require(user, "supervisor")
    case = _locked(conn, case_id)
    _check_version(conn, case, version)
    if case["status"] == "open":
        raise CaseError("the case is already open", 409, case_id)
    set_status(conn, case, "open")
    audit(conn, user, "reopened", case_id, before={"status": case["status"]}, after={"status": "open"})


def decide(
    conn: Connection,
    user: User,
    case_id: int,
    outcome: str,
    exceptions: dict[str, str] | None = None,
    note: str = "",
    version: int | None = None,
    overpayment_cents: int | None = None,
) -> str:
    """Record one decision for every claim of the case (``exceptions`` gives some claims another
    outcome). Returns the case's new status. ``overpayment_cents``: on a look-back alert, the
    overpayment the agency found (recorded with each claim's decision; refused on another case).
    Only the assignee decides, and not on a closed case:
    a supervisor reopens it first, and the new decisions supersede the old ones (kept).

    ``version``: the case version the decision form was made from (None: not checked). The same
    decision sent again by the same person (a double submit) is recorded once: the second
    returns the status the first left."""
    _check_note(note)
    case = _locked(conn, case_id)
    if version is not None and case["version"] != version:
        repeated = _repeated_decision(conn, user, case, version, outcome, exceptions or {})
        if repeated:
            return str(case["status"])
        raise _stale(conn, case)
    claim_ids, exceptions = _checked_choice(conn, user, case, outcome, exceptions, overpayment_cents)
    previous = latest_decisions(conn, claim_ids)
    stamp = now()
    for claim_id in sorted(claim_ids):
        chosen = exceptions.get(claim_id, outcome)
        before = previous.get(claim_id)
        conn.execute(
            insert(decisions).values(
                case_id=case_id,
                claim_id=claim_id,
                outcome=chosen,
                decided_by=user["id"],
                decided_at=stamp,
                supersedes=before["id"] if before else None,
                note=note or None,
                overpayment_cents=overpayment_cents,
            )
        )
        audit(
            conn,
            user,
            "decided",
            case_id,
            claim_id=claim_id,
            before={"outcome": before["outcome"]} if before else None,
            after={"outcome": chosen}
            | ({"overpayment_cents": overpayment_cents} if overpayment_cents is not None else {}),
        )
    outcomes = {exceptions.get(c, outcome) for c in claim_ids}
    status = "verification" if "needs_verification" in outcomes else "closed"
    set_status(conn, case, status, stamp)
    if status != case["status"]:
        audit(conn, user, "status", case_id, before={"status": case["status"]}, after={"status": status})
    if note:
        add_note(conn, user, case_id, note)
    return status


def _checked_choice(
    conn: Connection,
    user: User,
    case: dict[str, Any],
    outcome: str,
    exceptions: dict[str, str] | None,
    overpayment_cents: int | None,
) -> tuple[list[str], dict[str, str]]:
    """The case's claim ids and the exceptions chosen, once the decision is found possible: the
    user holds the open case, every outcome is known, every exception names a claim of it."""
    if case["assignee_id"] != user["id"]:
        raise CaseError("assign the case to yourself before deciding it", 403)
    if case["status"] == "closed":
        raise CaseError("the case is closed; a supervisor must reopen it before a new decision")
    if overpayment_cents is not None and not case["lookback"]:
        raise CaseError("an overpayment is recorded on a look-back alert (a paid claim) only", 400)
    chosen_exceptions = {k: v for k, v in (exceptions or {}).items() if v}
    for chosen in (outcome, *chosen_exceptions.values()):
        if chosen not in OUTCOMES:
            raise CaseError(f"unknown outcome {chosen!r}", 400)
    claim_ids = list(
        conn.execute(select(case_claims.c.claim_id).where(case_claims.c.case_id == case["id"])).scalars()
    )
    unknown = sorted(set(chosen_exceptions) - set(claim_ids))
    if unknown:
        raise CaseError(f"claim {unknown[0]} is not in this case", 400)
    return claim_ids, chosen_exceptions


def decision_summary(
    conn: Connection,
    user: User,
    case_id: int,
    outcome: str,
    exceptions: dict[str, str] | None = None,
    version: int | None = None,
    overpayment_cents: int | None = None,
) -> dict[str, Any]:
    """What a decision on a whole case (a ring) would record, before it is recorded (nothing is
    written): how many claims, the outcome each gets (the exceptions named), which claims are
    decided already and whether their decision changes or stays, and the case's next status.
    Refused as :func:`decide` would refuse it (a stale version too)."""
    case = get_case(conn, case_id)
    if case is None:
        raise CaseError("no such case", 404)
    if version is not None and case["version"] != version:
        if _repeated_decision(conn, user, case, version, outcome, exceptions or {}):
            return {"case": case, "claims": 0, "repeated": True}  # a double submit: decide() says so
        raise _stale(conn, case)
    claim_ids, chosen = _checked_choice(conn, user, case, outcome, exceptions, overpayment_cents)
    names = dict(
        conn.execute(
            select(claims.c.claim_id, (claims.c.first_name + " " + claims.c.last_name)).where(
                claims.c.claim_id.in_(claim_ids or [""])
            )
        ).all()
    )
    previous = latest_decisions(conn, claim_ids)
    rows = []
    for claim_id in sorted(claim_ids):
        before = previous.get(claim_id)
        rows.append(
            {
                "claim_id": claim_id,
                "name": names.get(claim_id, ""),
                "outcome": chosen.get(claim_id, outcome),
                "exception": claim_id in chosen,
                "before": before["outcome"] if before else None,
            }
        )
    decided = [r for r in rows if r["before"] is not None]
    outcomes = {r["outcome"] for r in rows}
    return {
        "case": case,
        "claims": len(rows),
        "main": sum(1 for r in rows if not r["exception"]),
        "exceptions": [r for r in rows if r["exception"]],
        "decided": decided,
        "stay": [r for r in decided if r["before"] == r["outcome"]],
        "change": [r for r in decided if r["before"] != r["outcome"]],
        "status": "verification" if "needs_verification" in outcomes else "closed",
    }


def add_note(conn: Connection, user: User, case_id: int, body: str) -> None:
    body = body.strip()
    if not body:
        raise CaseError("the note is empty", 400)
    _check_note(body)
    _locked(conn, case_id)
    conn.execute(insert(notes).values(case_id=case_id, author_id=user["id"], written_at=now(), body=body))
    audit(conn, user, "note", case_id, after={"note": body[:2000]})


def set_status(conn: Connection, case: dict[str, Any], status: str, stamp: dt.datetime | None = None) -> None:
    """Change a case's status (the case as read and locked), and its reason and search rows'
    copies of it (the reason filter's and the search's indexes)."""
    _changed(conn, case, update(cases).values(status=status, updated_at=stamp or now()))
    conn.execute(update(case_reasons).where(case_reasons.c.case_id == case["id"]).values(status=status))
    conn.execute(update(case_search).where(case_search.c.case_id == case["id"]).values(status=status))


#: The next version of a case, in an UPDATE's SET.
_NEXT = cases.c.version + 1


def _changed(conn: Connection, case: dict[str, Any], statement: Any) -> None:
    """Run an UPDATE of the case that holds only if its version is still the one read (else 409)."""
    done = conn.execute(
        statement.where(cases.c.id == case["id"], cases.c.version == case["version"]).values(version=_NEXT)
    ).rowcount
    if done != 1:
        raise _stale(conn, get_case(conn, case["id"]) or case)


def _check_version(conn: Connection, case: dict[str, Any], version: int | None) -> None:
    if version is not None and case["version"] != version:
        raise _stale(conn, case)


def _stale(conn: Connection, case: dict[str, Any]) -> CaseError:
    """The 409 for a form made from an older version of the case, saying what it is now."""
    case_id = case["id"]
    who = _username(conn, case["assignee_id"]) or "nobody"
    latest = conn.execute(_DECISION_HISTORY.limit(1), {"case_id": case_id}).mappings().first()
    decided = (
        f"; latest decision {OUTCOME_LABELS[latest['outcome']].split(' (')[0].lower()} by "
        f"{latest['username']} at {latest['decided_at']:%Y-%m-%d %H:%M} UTC"
        if latest
        else "; no decision yet"
    )
    return CaseError(
        f"Case {case_id} changed after this page was loaded, so nothing was recorded. "
        f"It is now {case['status']}, assigned to {who}{decided}. Open the case again to see it "
        "and decide from there.",
        409,
        case_id,
    )


def _repeated_decision(
    conn: Connection, user: User, case: dict[str, Any], version: int, outcome: str, exceptions: dict[str, str]
) -> bool:
    """The case's last change was this very decision by this user, from the same version of the
    form: a double submit."""
    if case["version"] != version + 1:
        return False
    claim_ids = list(
        conn.execute(select(case_claims.c.claim_id).where(case_claims.c.case_id == case["id"])).scalars()
    )
    latest = latest_decisions(conn, claim_ids)
    wanted = {c: exceptions.get(c) or outcome for c in claim_ids}
    return bool(claim_ids) and all(
        c in latest
        and latest[c]["decided_by"] == user["id"]
        and latest[c]["outcome"] == wanted[c]
        and latest[c]["decided_at"] == case["updated_at"]
        for c in claim_ids
    )


def parse_overpayment(text: str) -> int | None:
    """An overpayment typed in a form ("1,234.56", "$80", "0") in cents; None when left empty.
    A CaseError (400) names what is wrong with anything else: not an amount in dollars and
    cents, negative, or over MAX_OVERPAYMENT_CENTS."""
    text = text.strip().removeprefix("$").strip()
    if not text:
        return None
    if text.startswith("-"):
        raise CaseError("the overpayment cannot be negative", 400)
    found = _AMOUNT.fullmatch(text)
    if found is None:
        raise CaseError("the overpayment is an amount in dollars and cents, for example 1,234.56", 400)
    cents = int(found.group(1).replace(",", "")) * 100 + int((found.group(2) or "0").ljust(2, "0"))
    if cents > MAX_OVERPAYMENT_CENTS:
        raise CaseError(f"the overpayment is at most ${MAX_OVERPAYMENT_CENTS // 100:,}.00", 400)
    return cents


def dollars(cents: int | None) -> str:
    """Cents as the pages show them: "$1,234.56" ("" for None)."""
    return "" if cents is None else f"${cents // 100:,}.{cents % 100:02d}"


def _check_note(note: str) -> None:
    if len(note) > NOTE_MAX_CHARS:
        raise CaseError(f"the note is too long: at most {NOTE_MAX_CHARS:,} characters", 400)


def _locked(conn: Connection, case_id: int) -> dict[str, Any]:
    case = get_case(conn, case_id, lock=True)
    if case is None:
        raise CaseError("no such case", 404)
    return case


def _require(user: User, role: str) -> None:
    if not role_at_least(user["role"], role):
        raise CaseError(f"only a {role} can do this", 403)


def _username(conn: Connection, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return conn.execute(select(users.c.username).where(users.c.id == user_id)).scalar()


def active_users(conn: Connection) -> list[str]:
    """The active accounts that can hold a case (investigators and supervisors, not admins)."""
    query = select(users.c.username).where(users.c.active.is_(True), users.c.role != "admin")
    return list(conn.execute(query.order_by(users.c.username)).scalars())


def reassign_many(engine: Engine, user: User, versions: dict[int, int], to_username: str) -> list[str]:
    """A supervisor gives several cases (id -> the version the queue page showed) to one person,
    each in a transaction of its own; returns what was not done, one line per case."""
    refused = []
    for case_id, version in sorted(versions.items()):
        try:
            with writing(engine) as conn:
                reassign(conn, user, case_id, to_username, version)
        except CaseError as exc:
            refused.append(f"case {case_id}: {exc}")
    return refused


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
