"""Optimistic concurrency on cases (issue #19): a form made from an older version of the case is
refused with a 409 saying what the case is now; a double submit is recorded once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from review_support import csrf_of, post, signed_in, version_of
from sqlalchemy import Engine, func, select

from claimscreen.review import cases as work
from claimscreen.review.db import case_claims, cases, decisions, users, writing


def single_case(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(cases.c.id).where(cases.c.claims == 1, cases.c.status == "open").order_by(cases.c.id)
            )
            .scalars()
            .first()
        )


def decision_count(engine: Engine, case_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(decisions.c.case_id == case_id)).scalar_one())


def case_row(engine: Engine, case_id: int) -> dict:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return dict(conn.execute(select(cases).where(cases.c.id == case_id)).mappings().one())


def test_two_tabs_deciding_one_case(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = single_case(published)
    alice = signed_in(app, "alice")
    assert post(alice, f"/cases/{case_id}/assign").status_code == 303
    page = alice.get(f"/cases/{case_id}").text  # both tabs show this version
    form = {"csrf_token": csrf_of(page), "version": version_of(page)}
    first = alice.post(f"/cases/{case_id}/decide", data={**form, "outcome": "needs_verification"})
    assert first.status_code == 200 and "the case is now verification" in first.text
    second = alice.post(
        f"/cases/{case_id}/decide", data={**form, "outcome": "legitimate"}, follow_redirects=False
    )
    assert second.status_code == 409
    assert "changed after this page was loaded" in second.text and "nothing was recorded" in second.text
    assert "It is now verification, assigned to alice" in second.text
    assert "latest decision needs verification from the claimant by alice" in second.text
    assert f'href="/cases/{case_id}"' in second.text
    assert second.headers["X-Content-Type-Options"] == "nosniff"
    assert decision_count(published, case_id) == 1
    assert case_row(published, case_id)["status"] == "verification"


def test_a_double_submitted_decision_is_recorded_once(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = single_case(published)
    alice = signed_in(app, "alice")
    post(alice, f"/cases/{case_id}/assign")
    page = alice.get(f"/cases/{case_id}").text
    form = {"csrf_token": csrf_of(page), "version": version_of(page), "outcome": "fraud"}
    for _ in range(2):
        response = alice.post(f"/cases/{case_id}/decide", data=form, follow_redirects=False)
        assert response.status_code == 303
    assert decision_count(published, case_id) == 1
    assert case_row(published, case_id)["status"] == "closed"


def test_a_reassign_made_before_the_decision_is_refused(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = single_case(published)
    alice, sam = signed_in(app, "alice"), signed_in(app, "sam")
    post(alice, f"/cases/{case_id}/assign")
    supervisor_page = sam.get(f"/cases/{case_id}").text  # sam opens the case ...
    assert post(alice, f"/cases/{case_id}/decide", outcome="fraud").status_code == 303  # ... alice decides
    stale = sam.post(
        f"/cases/{case_id}/reassign",
        data={"csrf_token": csrf_of(supervisor_page), "version": version_of(supervisor_page), "to": "bob"},
        follow_redirects=False,
    )
    assert stale.status_code == 409 and "It is now closed, assigned to alice" in stale.text
    current = post(sam, f"/cases/{case_id}/reassign", to="bob")  # even from a fresh page: closed
    assert current.status_code == 409 and "reopen it" in current.text
    row = case_row(published, case_id)
    with published.connect() as conn:
        alice_id = conn.execute(select(users.c.id).where(users.c.username == "alice")).scalar()
    assert row["status"] == "closed" and row["assignee_id"] == alice_id


def test_a_decision_form_must_say_its_version(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = single_case(published)
    alice = signed_in(app, "alice")
    post(alice, f"/cases/{case_id}/assign")
    token = csrf_of(alice.get(f"/cases/{case_id}").text)
    response = alice.post(f"/cases/{case_id}/decide", data={"csrf_token": token, "outcome": "fraud"})
    assert response.status_code == 400 and "reload" in response.text
    assert decision_count(published, case_id) == 0


def test_every_change_moves_the_version(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = single_case(published)
    alice, sam = signed_in(app, "alice"), signed_in(app, "sam")
    versions = [case_row(published, case_id)["version"]]
    for who, action, data in (
        (alice, "assign", {}),
        (sam, "reassign", {"to": "bob"}),
        (sam, "unassign", {}),
        (alice, "assign", {}),
        (alice, "decide", {"outcome": "legitimate"}),
        (sam, "reopen", {}),
    ):
        assert post(who, f"/cases/{case_id}/{action}", **data).status_code == 303, action
        versions.append(case_row(published, case_id)["version"])
    assert versions == list(range(versions[0], versions[0] + 7))


def test_racing_decisions_from_one_version_one_wins(published: Engine) -> None:
    case_id = single_case(published)
    with published.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == "alice")).mappings().one()
        claims = conn.execute(select(func.count()).where(case_claims.c.case_id == case_id)).scalar_one()
    alice = {"id": row["id"], "username": "alice", "role": row["role"]}
    with writing(published) as conn:
        work.assign_to_me(conn, alice, case_id)
    version = case_row(published, case_id)["version"]
    start = threading.Barrier(2)

    def decide(outcome: str) -> str:
        start.wait()
        try:
            with writing(published) as conn:
                return work.decide(conn, alice, case_id, outcome, version=version)
        except work.CaseError as exc:
            return f"refused {exc.status}"

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(decide, ["needs_verification", "legitimate"]))
    # Either may win the race; exactly one is refused as stale.
    assert results.count("refused 409") == 1, results
    assert decision_count(published, case_id) == claims
