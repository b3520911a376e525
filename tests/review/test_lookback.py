"""Look-back alerts in the review application (issue #20): a claim paid on an earlier night that
evidence arriving later implicates is in the queue marked "paid: possible overpayment", with its
evidence and the night it arrived; its own filter; an overpayment on the decision."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from helpers import TEST_KEY, make_row, run_cli, write_csv
from review_support import World, post, signed_in
from sqlalchemy import Engine, func, insert, select

from claimscreen.data.reference import load_reference
from claimscreen.models.lookback import export_alerts
from claimscreen.review.app import create_app
from claimscreen.review.db import (
    DATABASE_URL_ENV,
    audit_events,
    case_claims,
    case_reasons,
    cases,
    claims,
    decisions,
    lookback_alerts,
    make_engine,
)
from claimscreen.review.publish import publish_night

NIGHTS = [dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(5)]
SSN_DEAD = "123-45-6781"
PAID = "P2-0"  # filed and paid on night 2; its SSN's owner died before it was filed


def person(claim_id: str, night: dt.date, i: int, **changes: Any) -> dict[str, str]:
    """A claim sharing nothing with the others (no ring forms)."""
    n = 100 + i
    fields = {
        "claim_id": claim_id, "filed_at": f"{night}T10:{i:02d}:00", "ssn": f"123-45-{6800 + i}",
        "first_name": f"Ann{chr(97 + i % 26)}", "last_name": f"Smith{chr(97 + i // 26)}",
        "email": f"person{n}@example.com", "phone": f"(614) 555-{n:04d}", "bank_account": f"0001234{n:05d}",
        "device_id": f"dev-{n}", "ip_address": f"203.0.113.{n}", "address_line1": f"{n} Elm Street",
    }  # fmt: skip
    return make_row(**(fields | changes))


@pytest.fixture(scope="module")
def paid_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five nights run by the nightly command (no Prefect server: in this process), a death
    list loaded after night 4, naming the SSN of a claim paid on night 2."""
    os.environ["CLAIMSCREEN_SECRET_KEY"] = TEST_KEY
    saved = os.environ.pop(DATABASE_URL_ENV, None)
    home = tmp_path_factory.mktemp("paid-home")
    folder = tmp_path_factory.mktemp("paid-batches")
    try:
        for k, night in enumerate(NIGHTS):
            rows = [person(f"P{k + 1}-{j}", night, 3 * k + j) for j in range(3)]
            if night == NIGHTS[1]:
                rows[0] = person(PAID, night, 3 * k, ssn=SSN_DEAD)
            if night == NIGHTS[4]:
                deaths = folder / "deceased.csv"
                deaths.write_text(f"ssn,date_of_death\n{SSN_DEAD},2026-06-01\n")
                load_reference(home, "deceased", deaths)
            code, _, err = run_cli(
                home, "nightly", "--batch", str(write_csv(folder / f"claims_{night}.csv", rows))
            )
            assert code == 0, err
    finally:
        if saved is not None:
            os.environ[DATABASE_URL_ENV] = saved
    return home


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def publish_all(home: Path, engine: Engine) -> list[dict[str, int]]:
    return [publish_night(home, night, engine) for night in NIGHTS]


def test_the_nightly_flow_puts_a_paid_claim_named_by_a_later_death_list_in_the_queue(paid_home: Path) -> None:
    """End to end: cleared on night 2, its SSN in a death list loaded before night 5: in night
    5's look-back export and, through the nightly flow's own publish, in the review queue."""
    scores = pd.read_parquet(paid_home / "lake" / "scores" / f"batch_date={NIGHTS[1]}")
    assert scores.set_index("claim_id").loc[PAID, "route"] == "clear"
    exported = export_alerts(paid_home, NIGHTS[4])
    assert exported["claim_id"].tolist() == [PAID]
    assert exported["reasons"].tolist() == ["LOOKBACK_DECEASED"]
    engine = make_engine(f"sqlite:///{paid_home / 'review.db'}")
    try:
        with engine.connect() as conn:
            found = conn.execute(
                select(
                    cases.c.status,
                    cases.c.lookback,
                    cases.c.lookback_on,
                    cases.c.route,
                    case_claims.c.claim_id,
                )
                .join(case_claims, case_claims.c.case_id == cases.c.id)
                .where(cases.c.lookback.is_(True))
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in found] == [("open", True, NIGHTS[4], "clear", PAID)]


def test_publishing_marks_the_alert_with_its_evidence_and_again_changes_nothing(
    paid_home: Path, engine: Engine
) -> None:
    counts = publish_all(paid_home, engine)
    assert [c["lookback_alerts"] for c in counts] == [0, 0, 0, 0, 1]
    assert counts[4]["lookback_cases_opened"] == 1
    with engine.connect() as conn:
        alert = conn.execute(select(lookback_alerts)).mappings().one()
        case = conn.execute(select(cases).where(cases.c.lookback.is_(True))).mappings().one()
        codes = conn.execute(
            select(case_reasons.c.code).where(case_reasons.c.case_id == case["id"])
        ).scalars()
        assert list(codes) == ["LOOKBACK_DECEASED"]
    assert (alert["claim_id"], alert["reason"]) == (PAID, "LOOKBACK_DECEASED")
    assert (alert["first_scored"], alert["flagged_on"]) == (NIGHTS[1], NIGHTS[4])
    assert "death record" in alert["reason_text"]
    assert case["case_key"] == f"lookback:{PAID}" and case["first_reason"] == alert["reason_text"]
    tables = (cases, case_claims, claims, lookback_alerts, case_reasons, decisions)
    before = [count(engine, t) for t in tables]
    again = publish_night(paid_home, NIGHTS[4], engine)
    assert again["lookback_alerts"] == again["lookback_cases_opened"] == again["lookback_cases_joined"] == 0
    assert [count(engine, t) for t in tables] == before


def test_the_queue_marks_it_and_filters_the_look_back_alerts(paid_home: Path, engine: Engine) -> None:
    publish_all(paid_home, engine)
    alice = signed_in(create_app(paid_home, engine=engine), "alice")
    with engine.connect() as conn:
        case_id = conn.execute(select(cases.c.id).where(cases.c.lookback.is_(True))).scalar_one()
        others = conn.execute(select(func.count()).where(cases.c.lookback.is_(False))).scalar_one()
    page = alice.get("/queue?kind=lookback").text
    assert re.findall(r'href="/cases/(\d+)" class="case-link"', page) == [str(case_id)]
    assert "paid: possible overpayment" in page and "new evidence 2026-10-05" in page
    everything = alice.get("/queue").text
    assert len(re.findall(r'class="case-link"', everything)) == others + 1
    searched = alice.get(f"/queue?kind=lookback&q={PAID}").text
    assert f'href="/cases/{case_id}"' in searched
    case_page = alice.get(f"/cases/{case_id}").text
    assert 'id="paid-tag"' in case_page and "Look-back: paid, possible overpayment" in case_page
    assert "night of 2026-10-02" in case_page and "night of 2026-10-05" in case_page
    assert "LOOKBACK_DECEASED" in case_page


def _lookback_case(paid_home: Path, engine: Engine) -> tuple[TestClient, int]:
    publish_all(paid_home, engine)
    alice = signed_in(create_app(paid_home, engine=engine), "alice")
    with engine.connect() as conn:
        case_id = int(conn.execute(select(cases.c.id).where(cases.c.lookback.is_(True))).scalar_one())
    assert post(alice, f"/cases/{case_id}/assign").status_code == 303
    return alice, case_id


@pytest.mark.parametrize("typed", ["-5", "12.345", "2,000,000", "abc", "1e5", "12,34"])
def test_a_wrong_overpayment_is_refused_and_nothing_recorded(
    paid_home: Path, engine: Engine, typed: str
) -> None:
    alice, case_id = _lookback_case(paid_home, engine)
    response = post(alice, f"/cases/{case_id}/decide", outcome="fraud", overpayment=typed)
    assert response.status_code == 400
    assert "overpayment" in response.text
    assert count(engine, decisions) == 0


def test_an_overpayment_is_recorded_shown_and_exported(
    paid_home: Path, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, case_id = _lookback_case(paid_home, engine)
    assert 'id="overpayment"' in alice.get(f"/cases/{case_id}").text
    response = post(alice, f"/cases/{case_id}/decide", outcome="fraud", overpayment="$1,234.5")
    assert response.status_code == 303, response.text
    with engine.connect() as conn:
        assert conn.execute(select(decisions.c.overpayment_cents)).scalars().all() == [123450]
    assert "$1,234.50" in alice.get(f"/cases/{case_id}").text
    monkeypatch.setenv(DATABASE_URL_ENV, engine.url.render_as_string(hide_password=False))
    target = tmp_path / "dispositions.csv"
    code, _, err = run_cli(paid_home, "review", "export-dispositions", "--out", str(target))
    assert code == 0, err
    exported = pd.read_csv(target, dtype=str).set_index("claim_id")
    assert exported.loc[PAID, "overpayment"] == "1234.50" and exported.loc[PAID, "outcome"] == "fraud"


def test_an_overpayment_on_a_case_that_is_not_a_look_back_alert_is_refused(
    world: World, published: Engine
) -> None:
    alice = signed_in(create_app(world.home, engine=published), "alice")
    with published.connect() as conn:
        case_id = int(conn.execute(select(cases.c.id).where(cases.c.claims == 1).limit(1)).scalar_one())
    post(alice, f"/cases/{case_id}/assign")
    response = post(alice, f"/cases/{case_id}/decide", outcome="legitimate", overpayment="10")
    assert response.status_code == 400 and "look-back alert" in response.text
    assert count(published, decisions) == 0
    assert 'id="overpayment"' not in alice.get(f"/cases/{case_id}").text


def test_evidence_on_a_claim_already_in_a_closed_case_joins_and_reopens_it(
    paid_home: Path, engine: Engine
) -> None:
    """A claim drawn for the post-payment audit and closed legitimate, then named by a death
    list: the evidence joins its case, which is reopened by the system (audited)."""
    for night in NIGHTS[:4]:
        publish_night(paid_home, night, engine)
    stamp = dt.datetime(2026, 10, 3, 12, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(claims).values(
                claim_id=PAID, batch_date=NIGHTS[1], identity_id="I-paid", filed_at=stamp, first_name="Ann",
                last_name="Smith", language="en",
            )
        )  # fmt: skip
        case_id = conn.execute(
            insert(cases).returning(cases.c.id).values(
                case_key=f"audit:{PAID}", status="closed", ring_size=1, claims=1, risk_score=0.1,
                priority=0.1, sort_key=0.0, night=NIGHTS[1], first_filed_at=stamp, route="clear",
                audit_sample=True, reason_codes=";", first_reason="Drawn for a post-payment audit",
                opened_at=stamp, updated_at=stamp, version=3,
            )
        ).scalar_one()  # fmt: skip
        conn.execute(
            insert(case_claims).values(
                claim_id=PAID, case_id=case_id, batch_date=NIGHTS[1], route="clear", audit_sample=True,
                risk_score=0.1, priority=0.1, reasons="", reason_text=[], model_version="v1",
                published_at=stamp,
            )
        )  # fmt: skip
    counts = publish_night(paid_home, NIGHTS[4], engine)
    assert (counts["lookback_cases_opened"], counts["lookback_cases_joined"]) == (0, 1)
    with engine.connect() as conn:
        case = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().one()
        held = conn.execute(select(case_claims).where(case_claims.c.claim_id == PAID)).mappings().one()
        reasons = conn.execute(select(case_reasons).where(case_reasons.c.case_id == case_id)).mappings().all()
        event = conn.execute(
            select(audit_events).where(audit_events.c.case_id == case_id, audit_events.c.action == "reopened")
        ).mappings().one()  # fmt: skip
    assert (case["status"], case["lookback"], case["lookback_on"], case["version"]) == (
        "open",
        True,
        NIGHTS[4],
        4,
    )
    assert case["reason_codes"] == ";LOOKBACK_DECEASED;"
    assert held["reasons"] == "LOOKBACK_DECEASED" and "death record" in held["reason_text"][0]
    assert [(r["code"], r["status"]) for r in reasons] == [("LOOKBACK_DECEASED", "open")]
    assert event["username"] is None and event["after"] == {"status": "open", "why": "look-back evidence"}
    again = publish_night(paid_home, NIGHTS[4], engine)
    assert again["lookback_cases_joined"] == again["lookback_alerts"] == 0
