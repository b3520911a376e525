"""The schema comes from the migrations, matches the declared tables, and keeps the audit append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from claimscreen.review import cases as work
from claimscreen.review.db import (
    MIGRATIONS,
    alembic_config,
    audit_events,
    case_reasons,
    cases,
    current_revision,
    metadata,
    migrate,
    now,
    users,
    writing,
)

#: The latest migration shipped (each new one moves it on).
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    assert current_revision(engine) == HEAD
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_migrating_again_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    assert current_revision(engine) == HEAD


def test_migration_0002_fills_the_reason_table_from_the_cases(published: Engine) -> None:
    """A database published under 0001 gets one case_reasons row per case and code."""
    from alembic import command

    with published.connect() as conn:
        before = _reason_rows(conn)
        config = alembic_config(conn)
        command.downgrade(config, "0001")
        conn.commit()
    assert before, "the published cases should have reason codes"
    migrate(published)
    with published.connect() as conn:
        assert _reason_rows(conn) == before
        expected = {
            (case_id, code, status)
            for case_id, codes, status in conn.execute(
                select(cases.c.id, cases.c.reason_codes, cases.c.status)
            )
            for code in codes.split(";")
            if code
        }
    assert {r[:3] for r in before} == expected


def _reason_rows(conn) -> set[tuple]:  # type: ignore[no-untyped-def,type-arg]
    query = select(
        case_reasons.c.case_id, case_reasons.c.code, case_reasons.c.status, case_reasons.c.sort_key
    )
    return {tuple(r) for r in conn.execute(query)}


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_audit_log_refuses_changes(engine: Engine, change: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(audit_events).values(at=now(), username="alice", action="viewed", case_id=1))
    statement = (
        update(audit_events).values(username="mallory") if change == "update" else delete(audit_events)
    )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(statement)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM audit_events")).scalars().all() == ["alice"]


def test_decisions_refuse_changes_too(published: Engine) -> None:
    with published.connect() as conn:
        alice = dict(conn.execute(select(users).where(users.c.username == "alice")).mappings().one())
        case_id = conn.execute(select(cases.c.id)).scalars().first()
    with writing(published) as conn:
        work.assign_to_me(conn, alice, case_id)
        work.decide(conn, alice, case_id, "fraud")
    for statement in ("UPDATE decisions SET outcome = 'legitimate'", "DELETE FROM decisions"):
        with pytest.raises(DBAPIError, match="append-only"), published.begin() as conn:
            conn.execute(text(statement))


def test_migration_0003_upgrades_a_published_0002_database(published: Engine) -> None:
    """From the previous head with cases in it: every case gets version 0, and the session and
    failed sign-in tables come empty."""
    from alembic import command

    with published.connect() as conn:
        command.downgrade(alembic_config(conn), "0002")
        conn.commit()
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() > 0
    assert current_revision(published) == "0002"
    migrate(published)
    assert current_revision(published) == HEAD
    with published.connect() as conn:
        assert set(conn.execute(select(cases.c.version)).scalars()) == {0}
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM login_failures")).scalar_one() == 0
