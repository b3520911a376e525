"""Working cases: assign, unassign, decide a ring with exceptions, notes, reassign and reopen."""

from __future__ import annotations

from review_support import post, signed_in
from sqlalchemy import Engine, select

from claimscreen.review.db import audit_events, cases, decisions


def ring_case(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(cases.c.id).where(cases.c.ring_id.is_not(None))
        return int(conn.execute(query.order_by(cases.c.claims.desc(), cases.c.id)).scalars().first())


def case_row(engine: Engine, case_id: int) -> dict:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return dict(conn.execute(select(cases).where(cases.c.id == case_id)).mappings().one())


def test_assign_then_no_one_else_can_take_it(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = ring_case(published)
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    assert post(alice, f"/cases/{case_id}/assign").status_code == 303
    refused = post(bob, f"/cases/{case_id}/assign")
    assert refused.status_code == 409 and "already assigned to alice" in refused.text
    assert case_row(published, case_id)["assignee_id"] is not None
    assert 'assignee: <strong id="assignee">alice' in bob.get(f"/cases/{case_id}").text
    # bob may not unassign alice's case; alice may
    assert post(bob, f"/cases/{case_id}/unassign").status_code == 403
    assert post(alice, f"/cases/{case_id}/unassign").status_code == 303
    assert case_row(published, case_id)["assignee_id"] is None


def test_take_next_gives_the_top_case(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    with published.connect() as conn:
        top = conn.execute(
            select(cases.c.id).where(cases.c.status == "open").order_by(cases.c.sort_key.desc(), cases.c.id)
        ).scalar()
    response = post(signed_in(app, "alice"), "/queue/next")
    assert response.headers["location"] == f"/cases/{top}"


def test_deciding_a_ring_with_an_exception(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = ring_case(published)
    alice = signed_in(app, "alice")
    assert post(alice, f"/cases/{case_id}/decide", outcome="fraud").status_code == 403  # not assigned
    post(alice, f"/cases/{case_id}/assign")
    with published.connect() as conn:
        members = sorted(conn.execute(select(decisions.c.claim_id)).scalars())
    assert members == []
    page = alice.get(f"/cases/{case_id}").text
    claim_ids = sorted(set(__import__("re").findall(r'name="exception:([^"]+)"', page)))
    form = {"outcome": "fraud", "note": "same account, same device"}
    if claim_ids:
        form[f"exception:{claim_ids[0]}"] = "identity_theft_victim"
    response = post(alice, f"/cases/{case_id}/decide", **form)
    assert response.status_code == 303
    with published.connect() as conn:
        rows = conn.execute(
            select(decisions.c.claim_id, decisions.c.outcome).where(decisions.c.case_id == case_id)
        ).all()
    outcomes = dict(rows)
    assert len(outcomes) == case_row(published, case_id)["claims"]
    if claim_ids:
        assert outcomes.pop(claim_ids[0]) == "identity_theft_victim"
    assert set(outcomes.values()) <= {"fraud"}
    assert case_row(published, case_id)["status"] == "closed"
    # the queue moved: the case is no longer among the open ones
    assert f'href="/cases/{case_id}" class="case-link"' not in alice.get("/queue").text
    # a closed case cannot be decided again without a supervisor reopening it
    assert post(alice, f"/cases/{case_id}/decide", outcome="legitimate").status_code == 409


def test_a_changed_decision_keeps_the_old_one(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = ring_case(published)
    alice, sam = signed_in(app, "alice"), signed_in(app, "sam")
    post(alice, f"/cases/{case_id}/assign")
    post(alice, f"/cases/{case_id}/decide", outcome="needs_verification")
    assert case_row(published, case_id)["status"] == "verification"
    post(alice, f"/cases/{case_id}/decide", outcome="fraud")
    assert post(alice, f"/cases/{case_id}/reopen").status_code == 403  # investigators cannot reopen
    assert post(sam, f"/cases/{case_id}/reopen").status_code == 303
    post(alice, f"/cases/{case_id}/decide", outcome="legitimate")
    with published.connect() as conn:
        history = conn.execute(
            select(decisions.c.outcome, decisions.c.supersedes).where(decisions.c.case_id == case_id)
            .order_by(decisions.c.id)
        ).all()  # fmt: skip
    n = case_row(published, case_id)["claims"]
    assert [h.outcome for h in history] == ["needs_verification"] * n + ["fraud"] * n + ["legitimate"] * n
    assert all(h.supersedes is not None for h in history[n:])
    page = alice.get(f"/cases/{case_id}").text
    assert "Decision history" in page and "Needs verification" in page


def test_supervisor_reassigns_and_sees_the_audit(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = ring_case(published)
    alice, sam = signed_in(app, "alice"), signed_in(app, "sam")
    alice.get(f"/cases/{case_id}")
    post(alice, f"/cases/{case_id}/assign")
    post(alice, f"/cases/{case_id}/notes", body="called the employer")
    assert post(alice, f"/cases/{case_id}/reassign", to="bob").status_code == 403
    assert post(sam, f"/cases/{case_id}/reassign", to="bob").status_code == 303
    with published.connect() as conn:
        events = conn.execute(
            select(audit_events.c.username, audit_events.c.action)
            .add_columns(audit_events.c.before, audit_events.c.after)
            .where(audit_events.c.case_id == case_id).order_by(audit_events.c.id)
        ).all()  # fmt: skip
    actions = [(e.username, e.action) for e in events]
    assert (
        ("alice", "viewed") in actions and ("alice", "assigned") in actions and ("alice", "note") in actions
    )
    assert events[-1].action == "reassigned"
    assert events[-1].before == {"assignee": "alice"} and events[-1].after == {"assignee": "bob"}
    log = sam.get(f"/supervisor/audit?case={case_id}")
    assert log.status_code == 200 and "reassigned" in log.text and "called the employer" in log.text
    assert "called the employer" in sam.get(f"/cases/{case_id}").text


def test_notice_for_verification_lists_reasons_and_rights(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = ring_case(published)
    alice = signed_in(app, "alice")
    post(alice, f"/cases/{case_id}/assign")
    page = alice.get(f"/cases/{case_id}").text
    assert "Draft claimant notice" not in page
    post(alice, f"/cases/{case_id}/decide", outcome="needs_verification")
    page = alice.get(f"/cases/{case_id}").text
    link = __import__("re").search(r'href="(/cases/\d+/notice/[^"]+)"', page)
    assert link
    notice = alice.get(link.group(1).replace("&amp;", "&"))
    assert notice.status_code == 200
    assert "has <strong>not</strong> been denied" in notice.text
    assert "Bank account shared with other claimants" in notice.text
    assert "right to appeal" in notice.text and "Please respond by" in notice.text


def test_dashboard_counts(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = ring_case(published)
    alice, sam = signed_in(app, "alice"), signed_in(app, "sam")
    post(alice, f"/cases/{case_id}/assign")
    post(alice, f"/cases/{case_id}/decide", outcome="legitimate")
    page = sam.get("/supervisor")
    assert page.status_code == 200
    with published.connect() as conn:
        still_open = conn.execute(select(cases.c.id).where(cases.c.status == "open")).all()
    assert f'id="open-count">{len(still_open)}<' in page.text
    assert "decided legitimate after review" in page.text and "alice" in page.text
    assert signed_in(app, "alice").get("/supervisor").status_code == 403
