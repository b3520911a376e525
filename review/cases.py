"""Working the queue: assign, decide, note, reopen; every act audited. Listing cases and reading
one are :mod:`claimscreen.review.case_queries` (its names are importable from here too).

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
import re
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from claimscreen.review.auth import role_at_least
from claimscreen.review.case_queries import (
    ACTIVE,
    COUNT_AHEAD,
    DECISION_HISTORY,
    NOTE_MAX_CHARS,
    OUTCOME_LABELS,
    OUTCOMES,
    PAGE_SIZE,
    QUEUE_COLUMNS,
    RING_MEMBERS_SHOWN,
    SORTS,
    STATUSES,
    CaseError,
    QueueFilter,
    User,
    active_users,
    audit,
    audit_log,
    case_detail,
    get_case,
    grouped_reasons,
    latest_decisions,
    list_queue,
    reason_codes,
    record_view,
)
from claimscreen.review.db import (
    case_claims,
    case_reasons,
    case_search,
    cases,
    claims,
    decisions,
    is_postgres,
    notes,
    now,
    users,
    writing,
)

__all__ = [
    "ACTIVE",
    "COUNT_AHEAD",
    "MAX_OVERPAYMENT_CENTS",
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
    "add_note",
    "assign_to_me",
    "audit",
    "audit_log",
    "case_detail",
    "claim_next",
    "decide",
    "decision_summary",
    "dollars",
    "get_case",
    "grouped_reasons",
    "latest_decisions",
    "list_queue",
    "parse_overpayment",
    "reason_codes",
    "reassign",
    "reassign_many",
    "record_view",
    "reopen",
    "set_status",
    "unassign",
]

#: The largest overpayment a decision records, in cents ($1,000,000.00: far above a year of
#: any state's weekly benefit amount; a larger figure is a typing error).
MAX_OVERPAYMENT_CENTS = 100_000_000
_AMOUNT = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")


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
    latest = conn.execute(DECISION_HISTORY.limit(1), {"case_id": case_id}).mappings().first()
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
