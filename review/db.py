"""The review database: its tables (declared once), the engine, and migrations.

SQLite at ``HOME/review.db`` by default; PostgreSQL (or any SQLAlchemy URL) when
``CLAIMSCREEN_DATABASE_URL`` or the settings' ``[review] database_url`` names one (the
variable wins; see :func:`claimscreen.data.settings.review_database_url`). The schema is
created and changed only by the Alembic migrations shipped in ``review/migrations``:
:func:`migrate` applies them at start-up and from ``claimscreen review migrate``.

Two tables are append-only, ``decisions`` and ``audit_events``: no code path updates
or deletes their rows, and a database trigger refuses it on both databases.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    false,
)
from sqlalchemy.types import TypeDecorator

from claimscreen.data.settings import DATABASE_URL_ENV, review_database_url

__all__ = [
    "DATABASE_URL_ENV",
    "MIGRATIONS",
    "UTCDateTime",
    "alembic_config",
    "audit_events",
    "case_claims",
    "case_reasons",
    "case_search",
    "cases",
    "claims",
    "current_revision",
    "database_url",
    "decisions",
    "has_database",
    "is_postgres",
    "login_failures",
    "lookback_alerts",
    "make_engine",
    "metadata",
    "migrate",
    "notes",
    "now",
    "oidc_logins",
    "open_database",
    "reading",
    "ring_links",
    "sessions",
    "statements",
    "users",
    "verification_outcomes",
    "writing",
]

DATABASE_FILE = "review.db"
MIGRATIONS = Path(__file__).parent / "migrations"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back time-zone aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    # "local" (signs in with a password) or "oidc": signs in through the agency's identity
    # provider (claimscreen.review.oidc), its issuer and subject below, no usable password.
    Column("auth_source", String(16), nullable=False, default="local", server_default="local"),
    Column("external_issuer", String(255), nullable=True),
    Column("external_subject", String(255), nullable=True),
    Index("ux_users_external", "external_issuer", "external_subject", unique=True),
)

#: A case is one claim, or the claims of one flagged ring. ``status``: open (to work),
#: verification (waiting on the claimant), closed (every claim decided).
cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_key", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assignee_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("assigned_at", UTCDateTime, nullable=True),
    Column("ring_id", String(64), nullable=True),
    Column("ring_size", Integer, nullable=False),
    Column("claims", Integer, nullable=False),
    Column("risk_score", Float, nullable=False),
    Column("priority", Float, nullable=False),
    # Order of the queue: priority, plus AGE_WEIGHT per day since the first claim was filed.
    Column("sort_key", Float, nullable=False),
    Column("night", Date, nullable=False),
    Column("first_filed_at", UTCDateTime, nullable=False),
    Column("route", String(16), nullable=False),
    Column("audit_sample", Boolean, nullable=False),
    # ";code1;code2;": the case's reason codes for reading; the queue's reason filter reads
    # the indexed table ``case_reasons`` (one row per case and code), kept with it by publish.
    Column("reason_codes", Text, nullable=False),
    Column("first_reason", Text, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Optimistic concurrency: every change to the case adds one, in the UPDATE that checks the
    # version the acting form was rendered with (claimscreen.review.cases: a stale form is a 409).
    Column("version", Integer, nullable=False, default=0, server_default="0"),
    # The name on the case's top claim (the queue's Claimant column), written at publish.
    Column("claimant", String(260), nullable=False, default="", server_default=""),
    # A look-back alert (claimscreen.models.lookback): a claim paid on an earlier night that
    # new evidence implicates, "paid: possible overpayment"; ``lookback_on`` is the night the
    # latest of its evidence arrived.
    Column("lookback", Boolean, nullable=False, default=False, server_default=false()),
    Column("lookback_on", Date, nullable=True),
    Index("ix_cases_ring_status", "ring_id", "status"),
)
# Each filter's index ends in the queue order (sort_key DESC, id), so a page of the queue is
# read in index order: no sort, and the rows an OFFSET skips are index entries only.
Index("ix_cases_queue", cases.c.status, cases.c.sort_key.desc(), cases.c.id)
Index("ix_cases_assignee_queue", cases.c.assignee_id, cases.c.status, cases.c.sort_key.desc(), cases.c.id)
Index("ix_cases_night_queue", cases.c.night, cases.c.status, cases.c.sort_key.desc(), cases.c.id)
# The queue's other sort orders: risk (highest first) and waiting (first filed, oldest first).
Index("ix_cases_risk_queue", cases.c.status, cases.c.risk_score.desc(), cases.c.id)
Index("ix_cases_waiting_queue", cases.c.status, cases.c.first_filed_at, cases.c.id)
# The queue's look-back filter: the alerts of a status, in queue order.
Index("ix_cases_lookback_queue", cases.c.lookback, cases.c.status, cases.c.sort_key.desc(), cases.c.id)


def _queue_copy(name: str, key: str, key_type: Any) -> Table:
    """A table of (case, ``key``) rows with the case's status and queue order copied in, and its
    index (key, status, queue order): a filter on one key reads one index range in queue order."""
    table = Table(
        name,
        metadata,
        Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
        Column(key, key_type, primary_key=True),
        Column("status", String(16), nullable=False),
        Column("sort_key", Float, nullable=False),
    )
    Index(f"ix_{name}_queue", table.c[key], table.c.status, table.c.sort_key.desc(), table.c.case_id)
    return table


#: The reason codes of each case, one row each, with the case's status and queue order
#: copied in (kept equal by :func:`claimscreen.review.cases.set_status` and publish's case
#: refresh): a reason filter reads one index range in queue order, whichever the code.
case_reasons = _queue_copy("case_reasons", "code", String(64))

#: The queue's search (claimscreen.review.search): one row per case and term a claim of it is
#: found by ("n:JOSE", "p:6145550100", "s:1234", ...), with the case's status and queue order
#: copied in and kept as ``case_reasons`` is: a search reads one index range in queue order.
case_search = _queue_copy("case_search", "term", String(300))

#: What the pages show about a claim, copied from the lake at publish time (no raw
#: identifier: SSN and bank account by their last four digits only).
claims = Table(
    "claims",
    metadata,
    Column("claim_id", String(64), primary_key=True),
    Column("batch_date", Date, nullable=False),
    Column("identity_id", String(64), nullable=False),
    Column("ring_id", String(64), nullable=True),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("first_name", String(128), nullable=False),
    Column("middle_name", String(128), nullable=True),
    Column("last_name", String(128), nullable=False),
    Column("date_of_birth", Date, nullable=True),
    Column("address_line1", String(256), nullable=True),
    Column("address_line2", String(256), nullable=True),
    Column("city", String(128), nullable=True),
    Column("state", String(8), nullable=True),
    Column("zip5", String(8), nullable=True),
    Column("email", String(256), nullable=True),
    Column("phone_e164", String(32), nullable=True),
    Column("ssn_last4", String(4), nullable=True),
    Column("bank_account_last4", String(4), nullable=True),
    Column("payment_method", String(32), nullable=True),
    Column("employer_name", String(256), nullable=True),
    Column("channel", String(16), nullable=True),
    Column("ip_address", String(64), nullable=True),
    Column("device_id", String(128), nullable=True),
    Column("language", String(8), nullable=True),
    Index("ix_claims_identity", "identity_id"),
    Index("ix_claims_ring", "ring_id"),
)

#: The claims under review: which case holds each, and why it was flagged.
case_claims = Table(
    "case_claims",
    metadata,
    Column("claim_id", String(64), ForeignKey("claims.claim_id"), primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("batch_date", Date, nullable=False),
    Column("route", String(16), nullable=False),
    Column("audit_sample", Boolean, nullable=False),
    Column("risk_score", Float, nullable=False),
    Column("priority", Float, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("reason_text", JSON, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Index("ix_case_claims_case", "case_id"),
)

#: An identifier a ring member shares with another member: ``kind`` is bank_account,
#: device, ip, email, phone or address; ``display`` is what the page shows (an account by
#: its last four digits); ``link_key`` groups equal values without holding them.
ring_links = Table(
    "ring_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ring_id", String(64), nullable=False),
    Column("claim_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("link_key", String(32), nullable=False),
    Column("display", String(256), nullable=False),
    Index("ix_ring_links_ring", "ring_id"),
    Index("ux_ring_links", "claim_id", "kind", "link_key", unique=True),
)

#: Append-only. A changed decision is a new row naming the one it supersedes.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("claim_id", String(64), ForeignKey("claims.claim_id"), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("decided_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("supersedes", Integer, ForeignKey("decisions.id"), nullable=True),
    Column("note", Text, nullable=True),
    # On a look-back alert: the overpayment the agency found, in cents (None: none entered).
    Column("overpayment_cents", BigInteger, nullable=True),
    Index("ix_decisions_claim", "claim_id", "id"),
    Index("ix_decisions_case", "case_id"),
    Index("ix_decisions_decided_at", "decided_at"),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("author_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_notes_case", "case_id"),
)

#: Append-only: who did what, when, to which case, with the state before and after.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("username", String(64), nullable=True),
    Column("action", String(32), nullable=False),
    Column("case_id", Integer, nullable=True),
    Column("claim_id", String(64), nullable=True),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Index("ix_audit_case", "case_id", "id"),
    Index("ix_audit_at", "at"),
)

#: Signed-in sessions (claimscreen.review.auth): the cookie holds a random token, this table its
#: SHA-256 (``id``), so a copy of the table opens no session. Sign-out, a password reset and
#: deactivation delete the rows; a row idle too long or older than the absolute lifetime is refused.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Index("ix_sessions_user", "user_id"),
)

#: Failed sign-ins, one row per account name (``account:NAME``) and per client address
#: (``address:IP``): how many in a row, the last one, and the lock they earned (auth.py).
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
)

#: Sign-ins through the identity provider under way (claimscreen.review.oidc): the SHA-256 of
#: the state (``id``), the nonce and the PKCE verifier, where to go after; one use, 10 minutes.
oidc_logins = Table(
    "oidc_logins",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("nonce", String(128), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("next", String(2048), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: The look-back alerts published (claimscreen.models.lookback's ``alerts.parquet``): one row
#: per claim and reason, with the night the claim was scored and paid (``first_scored``) and
#: the night the evidence arrived (``flagged_on``). Publishing a night again adds nothing.
lookback_alerts = Table(
    "lookback_alerts",
    metadata,
    Column("claim_id", String(64), ForeignKey("claims.claim_id"), primary_key=True),
    Column("reason", String(64), primary_key=True),
    Column("reason_text", Text, nullable=False),
    Column("first_scored", Date, nullable=False),
    Column("flagged_on", Date, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
)

#: The verification outcomes of the claims under review (claimscreen.models.verification's
#: ``outcomes.parquet``), copied at publish: each check's answer, its source and its date.
verification_outcomes = Table(
    "verification_outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("claim_id", String(64), nullable=False),
    Column("check", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("provider", String(128), nullable=False),
    Index("ux_verification_outcomes", "claim_id", "check", "decided_at", "outcome", "provider", unique=True),
)

APPEND_ONLY_TABLES = ("decisions", "audit_events")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def database_url(home: Path) -> str:
    """``CLAIMSCREEN_DATABASE_URL``, else the settings' ``[review] database_url``, else the
    SQLite file ``HOME/review.db``."""
    return review_database_url(Path(home)) or f"sqlite:///{Path(home) / DATABASE_FILE}"


#: One lock per SQLite engine that this process's writers take before SQLite's own (see writing).
_sqlite_write_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine; SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE``
    for write transactions (see :func:`writing`), so writers queue instead of failing."""
    if url.startswith("sqlite"):
        # A pool as large as the threads serving requests: a connection made per request would
        # start each time with an empty page cache and parse the schema again.
        if not url.startswith("sqlite:///:memory:"):
            kwargs.setdefault("pool_size", 40)
            kwargs.setdefault("max_overflow", 10)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _sqlite_pragmas(engine)
        _sqlite_write_locks[engine] = threading.RLock()
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction. On SQLite it takes the write lock at BEGIN (a read-then-write
    transaction cannot then fail half-way on a lock upgrade), and the threads of one process
    queue for it on a lock of their own first: a thread that finds SQLite's lock taken sleeps
    in SQLite's busy handler (1, 2, 5, 10 ms and more) however soon the lock frees, while the
    process lock wakes the next writer at once. On PostgreSQL it is an ordinary transaction
    whose read-then-write steps use ``SELECT ... FOR UPDATE``."""
    lock = _sqlite_write_locks.get(engine)
    with lock if lock is not None else nullcontext(), engine.connect() as conn:
        conn.execution_options(write=True)
        with conn.begin():
            yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def statements(engine: Engine) -> Iterator[Connection]:
    """For a page's reads and its view's audit row. On PostgreSQL a connection in autocommit
    mode: each statement is a transaction of its own, so there are no BEGIN and COMMIT round
    trips, and each read sees the data committed when it starts (as in a READ COMMITTED
    transaction); an INSERT is committed when it returns. On SQLite a read transaction
    (:func:`reading`): write with :func:`writing` there."""
    if not is_postgres(engine):
        with reading(engine) as conn:
            yield conn
        return
    with engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


def is_postgres(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "postgresql"


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied (a no-op when up to date)."""
    from alembic import command

    with engine.connect() as conn:
        config = alembic_config(conn)
        command.upgrade(config, "head")
        conn.commit()


def alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_database(home: Path, url: str | None = None) -> Engine:
    """The engine of the review database, migrated to the latest schema (SQLite file mode 0600:
    it holds claimants' names and addresses)."""
    url = url or database_url(home)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
    engine = make_engine(url)
    migrate(engine)
    return engine


def has_database(home: Path) -> bool:
    """A database is configured (a URL) or the SQLite file exists."""
    return review_database_url(Path(home)) is not None or (Path(home) / DATABASE_FILE).exists()
