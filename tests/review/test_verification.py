"""Verification on the case page (issue #20 item 4): the checks a claim needs, each outcome
with its source and date, and where the claim stands; copied from the lake at publish."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
from review_support import World, signed_in
from sqlalchemy import Engine, func, select

from claimscreen.data.lake import Lake
from claimscreen.data.schema import VERIFICATIONS_SCHEMA
from claimscreen.models.verification import outcomes_path
from claimscreen.review.app import create_app
from claimscreen.review.db import case_claims, verification_outcomes
from claimscreen.review.publish import publish_night


def _home_with_outcomes(world: World, tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    """A copy of the test world's home whose lake holds these verification outcomes."""
    home = tmp_path / "home"
    shutil.copytree(world.home, home, ignore=shutil.ignore_patterns("review.db*"))
    lake = Lake(home)
    table = pa.Table.from_pylist(rows, schema=VERIFICATIONS_SCHEMA)
    lake.write_table(outcomes_path(lake), table)
    return home


def _outcome(claim_id: str, outcome: str, at: str, provider: str) -> dict[str, object]:
    return {
        "claim_id": claim_id, "check": "identity", "outcome": outcome,
        "decided_at": pd.Timestamp(at).to_pydatetime(), "provider": provider, "imported_from": "outcomes.csv",
    }  # fmt: skip


def test_the_case_page_shows_each_check_its_outcome_source_and_date(
    world: World, engine: Engine, tmp_path: Path
) -> None:
    night = world.nights[0]
    queued = world.queued[night]
    # The night's single claims routed verify (see review_support.make_queue): the first three.
    singles = [c for c in queued if c not in {m for ids in world.rings.values() for m in ids}]
    passed, failed, waiting = singles[0], singles[1], singles[2]
    rows = [
        _outcome(passed, "passed", "2026-10-02T14:00:00Z", "login.gov"),
        _outcome(failed, "no_response", "2026-10-02T09:00:00Z", "IDH"),
        _outcome(failed, "failed", "2026-10-03T16:30:00Z", "IDH"),
    ]
    home = _home_with_outcomes(world, tmp_path, rows)
    counts = publish_night(home, night, engine)
    assert counts["verification_outcomes"] == 3
    again = publish_night(home, night, engine)
    assert again["verification_outcomes"] == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(verification_outcomes)).scalar_one() == 3
        case_of = dict(conn.execute(select(case_claims.c.claim_id, case_claims.c.case_id)).all())
    alice = signed_in(create_app(home, engine=engine), "alice")

    page = alice.get(f"/cases/{case_of[passed]}").text
    section = page[page.index('id="verification"') :]
    assert "Identity proofing" in section and "<strong>passed</strong>" in section
    assert "login.gov" in section and "2026-10-02 14:00 UTC" in section
    assert "Every check it needs passed" in section

    page = alice.get(f"/cases/{case_of[failed]}").text
    section = page[page.index('id="verification"') :]
    assert re.search(r"<strong>failed</strong>.*IDH.*2026-10-03 16:30 UTC", section, re.S)
    assert "<strong>no response</strong> <small>(earlier)</small>" in section
    assert section.index("failed") < section.index("no response")  # latest first
    assert "A check failed or went unanswered" in section

    page = alice.get(f"/cases/{case_of[waiting]}").text
    section = page[page.index('id="verification"') :]
    assert "requested, no answer yet" in section and "Waiting for the claimant" in section


def test_a_case_without_verification_shows_no_section(world: World, published: Engine) -> None:
    ring_claim = next(iter(world.rings.values()))[0]
    with published.connect() as conn:
        case_id = conn.execute(
            select(case_claims.c.case_id).where(case_claims.c.claim_id == ring_claim)
        ).scalar()
    page = signed_in(create_app(world.home, engine=published), "alice").get(f"/cases/{case_id}").text
    assert 'id="verification"' not in page
