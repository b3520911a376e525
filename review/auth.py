"""Accounts: argon2 password hashes, roles, and the session-signing secret.

Roles rank ``investigator < supervisor < admin``: a supervisor can do what an
investigator does, and also reassign, reopen and read the audit log; an admin
can do all of it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select

from claimscreen.data.errors import InputError
from claimscreen.data.lake import write_bytes_atomic
from claimscreen.review.db import now, reading, users, writing

ROLES = ("investigator", "supervisor", "admin")
MIN_PASSWORD_LENGTH = 12
SESSION_SECRET_FILE = "review-session.key"

_hasher = PasswordHasher()
# Checked against when a username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def check_new_user(username: str, role: str, password: str) -> None:
    if not username or len(username) > 64 or not username.replace("-", "").replace(".", "").isalnum():
        raise InputError(f"user name {username!r}: use 1 to 64 letters, digits, '.' or '-'")
    if role not in ROLES:
        raise InputError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")


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
                password_hash=_hasher.hash(password),
                active=True,
                created_at=now(),
            )
            .returning(users.c.id)
        ).one()
    return int(row.id)


def authenticate(engine: Engine, username: str, password: str) -> dict[str, Any] | None:
    """The active account with this name and password, else None (same cost either way)."""
    with reading(engine) as conn:
        row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    stored = row["password_hash"] if row is not None and row["active"] else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return dict(row) if row is not None and row["active"] else None


def session_secret(home: Path) -> str:
    """The key that signs session cookies: ``HOME/review-session.key``, created once, mode 0600."""
    path = Path(home) / SESSION_SECRET_FILE
    if not path.exists():
        Path(home).mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, secrets.token_hex(32).encode("ascii"), mode=0o600)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return path.read_text(encoding="ascii").strip()
