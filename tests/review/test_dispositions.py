"""Decisions back to dispositions: latest per claim, identity theft is fraud, verification no label."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from claimscreen.review import cases as work
from claimscreen.review.db import DATABASE_URL_ENV, case_claims, cases, users, writing
from claimscreen.review.dispositions import DISPOSITION_COLUMNS, decisions_as_dispositions


def user(engine: Engine, name: str) -> dict:  # type: ignore[type-arg]
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == name)).mappings().one()
    return {"id": row["id"], "username": row["username"], "role": row["role"]}


def decide(engine: Engine, case_id: int, outcome: str, who: str = "alice") -> None:
    with writing(engine) as conn:
        work.assign_to_me(conn, user(engine, who), case_id)
    with writing(engine) as conn:
        work.decide(conn, user(engine, who), case_id, outcome)


def test_no_database_gives_an_empty_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    frame = decisions_as_dispositions(tmp_path)
    assert list(frame.columns) == list(DISPOSITION_COLUMNS) and frame.empty


def test_latest_decision_per_claim_as_labels(
    published: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, published.url.render_as_string(hide_password=False))
    with published.connect() as conn:
        single, audited, theft, pending = (
            conn.execute(
                select(cases.c.id)
                .where(cases.c.claims == 1)
                .order_by(cases.c.audit_sample.desc(), cases.c.id)
            )
            .scalars()
            .all()[:4]
        )
        claim_of = dict(conn.execute(select(case_claims.c.case_id, case_claims.c.claim_id)).all())
    decide(published, single, "needs_verification")
    with writing(published) as conn:  # then found fraud: the latest decision counts
        work.decide(conn, user(published, "alice"), single, "fraud")
    decide(published, audited, "legitimate", "bob")
    decide(published, theft, "identity_theft_victim")
    decide(published, pending, "needs_verification")
    frame = decisions_as_dispositions(tmp_path).set_index("claim_id")
    assert list(frame.reset_index().columns) == list(DISPOSITION_COLUMNS)
    assert frame.loc[claim_of[single], "outcome"] == "fraud"
    assert frame.loc[claim_of[theft], "outcome"] == "fraud"
    assert frame.loc[claim_of[audited], "outcome"] == "legitimate"
    assert frame.loc[claim_of[audited], "decided_by"] == "bob"
    assert claim_of[pending] not in frame.index
    assert len(frame) == 3
    assert str(frame["decided_at"].dtype).startswith("datetime64") and frame["decided_at"].dt.tz is not None
    assert (frame["decided_at"] > pd.Timestamp(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))).all()
    assert set(frame["source"]) <= {"audit", "investigation"}
    assert frame.loc[claim_of[audited], "source"] == "audit"
    assert frame.loc[claim_of[theft], "source"] == "investigation"
