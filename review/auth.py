"""Accounts: argon2 password hashes, roles, the password rule, server-side sessions, and
the throttling of failed sign-ins.

Roles rank ``investigator < supervisor < admin``: a supervisor can do what an
investigator does, and also reassign, reopen and read the audit log; an admin
can do all of it.

**Sessions** are rows of ``sessions``: the cookie holds a random token (nothing readable),
the row its SHA-256, the account, the session's CSRF token, when it began and when it was
last used. Sign-out deletes the row; a password reset and deactivation delete all the
account's rows; a session idle longer than the idle timeout or older than
SESSION_LIFETIME_HOURS is refused and deleted.

**Failed sign-ins** are counted per account name and per client address in
``login_failures`` (so every server process sees them). From the ACCOUNT_FREE_FAILURES-th
failure in a row of an account (ADDRESS_FREE_FAILURES-th of an address), each failure locks
it for FIRST_LOCK_SECONDS, doubling with each further failure up to MAX_LOCK_SECONDS; while
locked, a sign-in is refused without checking the password and does not extend the lock.
A success clears the account's count; a count is forgotten FAILURE_MEMORY_SECONDS after its
last failure; ``claimscreen review unlock-user NAME`` and a password reset clear it at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, bindparam, delete, insert, or_, select, update

from claimscreen.data.errors import InputError
from claimscreen.review.common_passwords import COMMON_PASSWORDS
from claimscreen.review.db import (
    audit_events,
    is_postgres,
    login_failures,
    now,
    reading,
    sessions,
    users,
    writing,
)

__all__ = [
    "ACCOUNT_FREE_FAILURES",
    "ADDRESS_FREE_FAILURES",
    "EXTERNAL_PASSWORD",
    "FIRST_LOCK_SECONDS",
    "MAX_LOCK_SECONDS",
    "MAX_USERNAME_LENGTH",
    "ROLES",
    "SESSION_LIFETIME_HOURS",
    "add_user",
    "authenticate",
    "check_new_user",
    "check_password",
    "clear_failures",
    "deactivate_user",
    "end_session",
    "hasher",
    "locked_for",
    "open_session",
    "password_problem",
    "read_session",
    "record_failure",
    "reset_password",
    "role_at_least",
    "throttle_keys",
    "touch_session",
    "unlock_user",
]

ROLES = ("investigator", "supervisor", "admin")
MIN_PASSWORD_LENGTH = 12
#: Longer passwords are refused (and not hashed at sign-in): argon2 of a megabyte costs time.
MAX_PASSWORD_LENGTH = 1024
MAX_USERNAME_LENGTH = 64
#: The password hash of an account that signs in through the identity provider (review/oidc.py):
#: not an argon2 hash, so no password ever matches it.
EXTERNAL_PASSWORD = "!external"

SESSION_LIFETIME_HOURS = 12
ACCOUNT_FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 20
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60
FAILURE_MEMORY_SECONDS = 60 * 60

hasher = PasswordHasher()
# Checked against when a username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hasher.hash("not-a-real-password-0000")


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def check_new_user(username: str, role: str, password: str) -> None:
    if not username or len(username) > 64 or not username.replace("-", "").replace(".", "").isalnum():
        raise InputError(f"user name {username!r}: use 1 to 64 letters, digits, '.' or '-'")
    if role not in ROLES:
        raise InputError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    check_password(password)


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, or None. The rule: 12 to 1024 characters, not whitespace
    only, not one character repeated, and not one of the 10,000 most common passwords
    (review/common_passwords.py), even with digits or symbols added at its end or start
    ("password1234", "!!sunshine2024") or in other letter case."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password too short: at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"password too long: at most {MAX_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "password is only spaces"
    if len(set(password)) == 1:
        return "password is one character repeated"
    lowered = password.lower()
    core = lowered.strip("0123456789!@#$%^&*()_+-=.,;:?~ ")
    if lowered in COMMON_PASSWORDS or core in COMMON_PASSWORDS or len(set(core)) <= 1:
        return "password is too common: choose a longer phrase of your own"
    return None


def check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise InputError(problem)


def add_user(engine: Engine, username: str, role: str, password: str) -> int:
    """Create an account; a name already taken is an input error."""
    check_new_user(username, role, password)
    with writing(engine) as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise InputError(f"user {username!r} already exists")
        row = conn.execute(
            insert(users)
            .values(
                username=username,
                role=role,
                password_hash=hasher.hash(password),
                active=True,
                created_at=now(),
            )
            .returning(users.c.id)
        ).one()
    return int(row.id)


def authenticate(engine: Engine, username: str, password: str) -> dict[str, Any] | None:
    """The active local account with this name and password, else None (same cost either way;
    an account of the identity provider has no password)."""
    if len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        return None
    with reading(engine) as conn:
        row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    account = dict(row) if row is not None and row["active"] and row["auth_source"] == "local" else None
    stored = account["password_hash"] if account else _DUMMY_HASH
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return account


# --- sessions ----------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(conn: Connection, user_id: int, at: dt.datetime) -> str:
    """A new session of ``user_id``; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(sessions).values(
            id=_digest(token), user_id=user_id, csrf=secrets.token_urlsafe(32), created_at=at, seen_at=at
        )
    )
    return token


_SESSION = (
    select(
        sessions.c.id.label("sid"),
        sessions.c.csrf,
        sessions.c.created_at,
        sessions.c.seen_at,
        users.c.id,
        users.c.username,
        users.c.role,
        users.c.active,
    )
    .join(users, users.c.id == sessions.c.user_id)
    .where(sessions.c.id == bindparam("token"))
)


def read_session(conn: Connection, token: str) -> dict[str, Any] | None:
    """The session of this cookie token with its account, or None."""
    row = conn.execute(_SESSION, {"token": _digest(token)}).mappings().first()
    return dict(row) if row else None


def touch_session(conn: Connection, sid: str, at: dt.datetime) -> None:
    conn.execute(update(sessions).where(sessions.c.id == sid).values(seen_at=at))


def end_session(conn: Connection, sid: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id == sid))


def end_sessions(conn: Connection, user_id: int) -> int:
    """Sign the account out everywhere; returns how many sessions ended."""
    return int(conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount)


# --- failed sign-ins ---------------------------------------------------------


def throttle_keys(username: str, address: str) -> list[str]:
    return [f"account:{username[:MAX_USERNAME_LENGTH]}", f"address:{address[:120]}"]


def locked_for(conn: Connection, keys: list[str], at: dt.datetime) -> float:
    """Seconds until every one of ``keys`` may sign in again (0: none is locked)."""
    until = conn.execute(
        select(login_failures.c.locked_until).where(
            login_failures.c.key.in_(keys), login_failures.c.locked_until > at
        )
    ).scalars()
    return max([(u - at).total_seconds() for u in until if u is not None], default=0.0)


def record_failure(conn: Connection, keys: list[str], at: dt.datetime) -> None:
    """Count a failed sign-in against each key (in a write transaction), locking those past
    their free failures; forgets counts idle longer than FAILURE_MEMORY_SECONDS."""
    forget = at - dt.timedelta(seconds=FAILURE_MEMORY_SECONDS)
    conn.execute(
        delete(login_failures).where(
            login_failures.c.last_failure_at < forget,
            or_(login_failures.c.locked_until.is_(None), login_failures.c.locked_until < at),
        )
    )
    for key in keys:
        query = select(login_failures).where(login_failures.c.key == key)
        if is_postgres(conn):
            _insert_if_missing(conn, key, at)
            query = query.with_for_update()
        row = conn.execute(query).mappings().first()
        if row is None:
            conn.execute(insert(login_failures).values(key=key, failures=0, last_failure_at=at))
        failures = (int(row["failures"]) if row is not None else 0) + 1
        free = ACCOUNT_FREE_FAILURES if key.startswith("account:") else ADDRESS_FREE_FAILURES
        locked = None
        if failures >= free:
            seconds = min(FIRST_LOCK_SECONDS * 2 ** min(failures - free, 20), MAX_LOCK_SECONDS)
            locked = at + dt.timedelta(seconds=seconds)
        conn.execute(
            update(login_failures)
            .where(login_failures.c.key == key)
            .values(failures=failures, last_failure_at=at, locked_until=locked)
        )


def _insert_if_missing(conn: Connection, key: str, at: dt.datetime) -> None:
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    row = {"key": key, "failures": 0, "last_failure_at": at}
    conn.execute(pg_insert(login_failures).values(**row).on_conflict_do_nothing())


def clear_failures(conn: Connection, username: str) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.key == throttle_keys(username, "")[0]))


# --- account administration (the `claimscreen review ...-user` commands) ------


def _account(conn: Connection, username: str) -> dict[str, Any]:
    row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    if row is None:
        raise InputError(f"no user {username!r}")
    return dict(row)


def _audit(conn: Connection, username: str, action: str) -> None:
    """An audit row by the command line (no user name: the actor is whoever ran the command)."""
    conn.execute(
        insert(audit_events).values(at=now(), username=None, action=action, after={"user": username})
    )


def deactivate_user(engine: Engine, username: str) -> int:
    """Deactivate the account (it can no longer sign in; its cases stay as they are) and end
    its sessions at once; returns how many sessions ended."""
    with writing(engine) as conn:
        account = _account(conn, username)
        conn.execute(update(users).where(users.c.id == account["id"]).values(active=False))
        ended = end_sessions(conn, account["id"])
        _audit(conn, username, "user_deactivated")
    return ended


def reset_password(engine: Engine, username: str, password: str) -> int:
    """Give the account a new password (the password rule applies), end its sessions and
    clear its failed sign-ins; returns how many sessions ended. An inactive account stays so."""
    check_password(password)
    hashed = hasher.hash(password)
    with writing(engine) as conn:
        account = _account(conn, username)
        if account["auth_source"] != "local":
            raise InputError(f"user {username!r} signs in through the identity provider: it has no password")
        conn.execute(update(users).where(users.c.id == account["id"]).values(password_hash=hashed))
        ended = end_sessions(conn, account["id"])
        clear_failures(conn, username)
        _audit(conn, username, "password_reset")
    return ended


def unlock_user(engine: Engine, username: str) -> None:
    """Forget the account's failed sign-ins: a lock on it ends now (a lock on a client address
    ends by itself within MAX_LOCK_SECONDS)."""
    with writing(engine) as conn:
        _account(conn, username)
        clear_failures(conn, username)
        _audit(conn, username, "user_unlocked")
