"""The pages an investigator uses: queue order, filters, paging, the case page, the ring."""

from __future__ import annotations

import re
from typing import Any

from review_support import World, post, signed_in
from sqlalchemy import Engine, event, func, insert, select

from claimscreen.review.db import case_claims, cases, claims


def test_queue_lists_open_cases_highest_priority_first(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(app, "alice").get("/queue")
    assert page.status_code == 200
    shown = [int(n) for n in re.findall(r'href="/cases/(\d+)" class="case-link"', page.text)]
    with published.connect() as conn:
        expected = (
            conn.execute(
                select(cases.c.id)
                .where(cases.c.status == "open")
                .order_by(cases.c.sort_key.desc(), cases.c.id)
            )
            .scalars()
            .all()
        )
    assert shown == list(expected)[: len(shown)]
    assert shown, "the queue should not be empty"
    assert "Bank account shared with other claimants" in page.text
    assert "day " in page.text and " of 21" in page.text


def test_queue_filters_by_reason_ring_and_assignee(app, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "alice")
    singles = client.get("/queue?reason=ip_foreign").text
    assert "outside the United States" in singles and "Bank account shared" not in singles
    ring_id = sorted(world.rings)[0]
    ringed = client.get(f"/queue?status=all&ring={ring_id}").text
    assert len(re.findall(r'class="case-link"', ringed)) == 1
    assert "No case matches." in client.get("/queue?assignee=me").text
    assert "No case matches." in client.get("/queue?night=1999-01-01").text


def test_reason_filter_follows_status_changes(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    """The reason filter reads case_reasons: deciding a case takes it out of the open queue there too,
    and reopening it puts it back."""
    client = signed_in(app, "alice")
    shown = re.findall(r'class="case-link">Case (\d+)', client.get("/queue?reason=ip_foreign").text)
    assert shown
    case_id = shown[0]
    assert post(client, f"/cases/{case_id}/assign").status_code == 303
    mine = re.findall(
        r'class="case-link">Case (\d+)', client.get("/queue?reason=ip_foreign&assignee=me").text
    )
    assert mine == [case_id]  # a reason and a condition on the case together
    assert post(client, f"/cases/{case_id}/decide", outcome="legitimate").status_code == 303
    after = re.findall(r'class="case-link">Case (\d+)', client.get("/queue?reason=ip_foreign").text)
    assert case_id not in after
    closed = client.get("/queue?reason=ip_foreign&status=closed").text
    assert f'class="case-link">Case {case_id}<' in closed
    boss = signed_in(app, "sam")
    assert post(boss, f"/cases/{case_id}/reopen").status_code == 303
    again = re.findall(r'class="case-link">Case (\d+)', client.get("/queue?reason=ip_foreign").text)
    assert again == shown


def _queue_size(monkeypatch, page_size: int, count_ahead: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """A smaller queue page: where the queue is listed (case_queries) and paged (the route reads
    it through cases)."""
    from claimscreen.review import case_queries
    from claimscreen.review import cases as work

    for module in (case_queries, work):
        monkeypatch.setattr(module, "PAGE_SIZE", page_size)
        if count_ahead is not None:
            monkeypatch.setattr(module, "COUNT_AHEAD", count_ahead)


def test_queue_count_stops_past_the_page(app, published: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The queue counts at most COUNT_AHEAD cases past the page: "N+" beyond, with a Next link."""
    with published.connect() as conn:
        open_cases = len(conn.execute(select(cases.c.id).where(cases.c.status == "open")).all())
    assert open_cases > 3
    client = signed_in(app, "alice")
    exact = client.get("/queue").text
    assert f"{open_cases} cases</small>" in exact and "page 1 of 1<" in exact
    _queue_size(monkeypatch, page_size=1, count_ahead=1)
    capped = client.get("/queue").text
    assert "2+ cases</small>" in capped and "page 1 of 2+" in capped and 'rel="next"' in capped
    last = client.get(f"/queue?page={open_cases}").text
    assert f"{open_cases} cases</small>" in last and 'rel="next"' not in last


def test_queue_pages(app, published: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _queue_size(monkeypatch, page_size=5)
    client = signed_in(app, "alice")
    first = re.findall(r'class="case-link">Case (\d+)', client.get("/queue").text)
    second = re.findall(r'class="case-link">Case (\d+)', client.get("/queue?page=2").text)
    assert len(first) == 5 and second and not set(first) & set(second)


def test_case_page_shows_claims_reasons_ring_and_picture(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    with published.connect() as conn:
        case_id = conn.execute(
            select(cases.c.id).where(cases.c.ring_id.is_not(None)).order_by(cases.c.ring_size.desc())
        ).scalar()
    page = signed_in(app, "alice").get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "Why it was flagged" in page.text and "Filed from a device used by several" in page.text
    assert re.search(r"\*\*\*-\*\*-\d{4}", page.text)
    assert 'id="ring"' in page.text and "<svg" in page.text and "<circle" in page.text
    assert "Shared identifiers" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_case_page_reads_a_list_only_when_it_has_rows(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    """A case without decisions, notes, ring or other claims of its claimant costs one read and the
    view's audit row; once it has them, the page shows each (current decision, history, note, the
    same person's other claim)."""
    other = claims.alias("other")
    with published.connect() as conn:
        others = select(func.count()).where(other.c.identity_id == claims.c.identity_id).scalar_subquery()
        case_id, claim_id = conn.execute(
            select(cases.c.id, case_claims.c.claim_id)
            .join(case_claims, case_claims.c.case_id == cases.c.id)
            .join(claims, claims.c.claim_id == case_claims.c.claim_id)
            .where(cases.c.ring_id.is_(None), cases.c.claims == 1, cases.c.status == "open", others == 1)
            .order_by(cases.c.id)
        ).first()
    alice = signed_in(app, "alice")
    alice.get(f"/cases/{case_id}")  # the account and the names of the users are read once, then kept
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT"):
            seen.append(statement)

    event.listen(published, "before_cursor_execute", count)
    try:
        page = alice.get(f"/cases/{case_id}").text
    finally:
        event.remove(published, "before_cursor_execute", count)
    # the session (one indexed read, every request), then the page, then the view's audit row
    assert [s.split(None, 1)[0].upper() for s in seen] == ["SELECT", "SELECT", "INSERT"], seen
    assert "FROM sessions" in seen[0]
    assert "None in the look-back window." in page and "No notes." in page and "No decision yet." in page

    with published.begin() as conn:
        row = dict(conn.execute(select(claims).where(claims.c.claim_id == claim_id)).mappings().one())
        conn.execute(insert(claims).values({**row, "claim_id": "same-person-earlier"}))
    assert post(alice, f"/cases/{case_id}/assign").status_code == 303
    assert post(alice, f"/cases/{case_id}/notes", body="called the employer").status_code == 303
    assert post(alice, f"/cases/{case_id}/decide", outcome="needs_verification").status_code == 303
    page = alice.get(f"/cases/{case_id}").text
    assert "same-person-earlier" in page and "None in the look-back window." not in page
    assert "called the employer" in page and "No notes." not in page
    label = "Needs verification from the claimant"
    assert f"<strong>{label}</strong>" in page  # the claim's current decision
    assert f"<td>{label}</td>" in page and "No decision yet." not in page  # the decision history
    assert "Draft claimant notice" in page


def test_unknown_case_is_404(app) -> None:  # type: ignore[no-untyped-def]
    assert signed_in(app, "alice").get("/cases/999999").status_code == 404
