"""A decision on a whole ring is confirmed first (issue #19): the page says how many claims it
records, the exceptions, which claims are decided already and whether they change or stay, and
nothing is recorded until the investigator confirms."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from review_support import post, signed_in
from sqlalchemy import Engine, func, select

from claimscreen.review.db import case_claims, cases, decisions


def ring_case(engine: Engine) -> tuple[int, list[str]]:
    with engine.connect() as conn:
        case_id = conn.execute(
            select(cases.c.id)
            .where(cases.c.claims > 2, cases.c.status == "open")
            .order_by(cases.c.id)
            .limit(1)
        ).scalar_one_or_none()
        assert case_id is not None, "the test world should have a ring case of three claims or more"
        ids = conn.execute(
            select(case_claims.c.claim_id)
            .where(case_claims.c.case_id == case_id)
            .order_by(case_claims.c.claim_id)
        ).scalars()
        return int(case_id), list(ids)


def recorded(engine: Engine, case_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(decisions.c.case_id == case_id)).scalar_one())


def hidden_fields(page: str) -> dict[str, str]:
    return {
        html.unescape(k): html.unescape(v)
        for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    }


def confirm(client: TestClient, case_id: int, page: str):  # type: ignore[no-untyped-def]
    return client.post(f"/cases/{case_id}/decide", data=hidden_fields(page), follow_redirects=False)


def test_a_ring_decision_shows_what_will_change_and_records_only_once_confirmed(
    app, published: Engine
) -> None:  # type: ignore[no-untyped-def]
    case_id, ids = ring_case(published)
    alice = signed_in(app, "alice")
    assert post(alice, f"/cases/{case_id}/assign").status_code == 303
    asked = post(
        alice, f"/cases/{case_id}/decide", outcome="fraud", note="one account behind them all",
        confirmed=None, **{f"exception:{ids[0]}": "legitimate"},
    )  # fmt: skip
    assert asked.status_code == 200
    page = asked.text
    assert "Confirm the decision for case" in page and "Nothing is recorded yet" in page
    assert f"each of the {len(ids)} claims" in page
    assert re.search(rf'id="confirm-main"><strong>{len(ids) - 1}</strong> claims: Fraud', page)
    assert f"{ids[0]} (" in page and "Legitimate" in page.split('id="confirm-exceptions"')[1]
    assert "None of the claims has a decision yet." in page
    assert f"record the decision for {len(ids)} claims" in page
    assert recorded(published, case_id) == 0  # nothing until confirmed
    fields = hidden_fields(page)
    assert fields["note"] == "one account behind them all" and fields[f"exception:{ids[0]}"] == "legitimate"

    done = confirm(alice, case_id, page)
    assert done.status_code == 303
    assert recorded(published, case_id) == len(ids)
    assert confirm(alice, case_id, page).status_code == 303  # pressed twice: recorded once
    assert recorded(published, case_id) == len(ids)

    sam = signed_in(app, "sam")
    assert post(sam, f"/cases/{case_id}/reopen").status_code == 303
    again = post(alice, f"/cases/{case_id}/decide", outcome="legitimate", confirmed=None).text
    assert re.search(rf"<strong>{len(ids)}</strong> of the claims already have a decision", again)
    assert f"{len(ids) - 1} change, 1 stay as they are" in again
    assert f"{ids[0]} (" in again.split("stays")[0] or f"{ids[0]}" in again
    assert "Fraud → Legitimate" in again


def test_a_confirmation_made_before_the_case_changed_is_refused(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = ring_case(published)
    alice = signed_in(app, "alice")
    post(alice, f"/cases/{case_id}/assign")
    page = post(alice, f"/cases/{case_id}/decide", outcome="fraud", confirmed=None).text
    sam = signed_in(app, "sam")
    assert post(sam, f"/cases/{case_id}/reassign", to="bob").status_code == 303
    refused = confirm(alice, case_id, page)
    assert refused.status_code == 409 and "changed after this page was loaded" in refused.text
    assert recorded(published, case_id) == 0


def test_a_refused_decision_is_refused_before_the_confirmation(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id, _ = ring_case(published)
    bob = signed_in(app, "bob")  # not holding the case
    response = post(bob, f"/cases/{case_id}/decide", outcome="fraud", confirmed=None)
    assert response.status_code == 403 and "Confirm the decision" not in response.text


def test_a_single_claim_is_decided_without_a_confirmation(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    with published.connect() as conn:
        case_id = int(
            conn.execute(
                select(cases.c.id)
                .where(cases.c.claims == 1, cases.c.status == "open")
                .order_by(cases.c.id)
                .limit(1)
            ).scalar_one()
        )
    alice = signed_in(app, "alice")
    post(alice, f"/cases/{case_id}/assign")
    assert post(alice, f"/cases/{case_id}/decide", outcome="legitimate", confirmed=None).status_code == 303
    assert recorded(published, case_id) == 1
