"""The queue's search (claim id, name in any spelling the identity key folds, phone, email, SSN
last four; never a full SSN), its sort orders, the reason list, "My cases" and bulk assign."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from review_support import csrf_of, post, signed_in
from sqlalchemy import Engine, func, select

from claimscreen.review.app import _NoSearchInAccessLog
from claimscreen.review.db import case_claims, case_search, cases, claims
from claimscreen.review.search import claim_terms, query_terms


def _shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/cases/(\d+)" class="case-link"', html)]


def _top_claim(published: Engine) -> dict[str, Any]:
    """A claim of an open case, with its case id."""
    with published.connect() as conn:
        row = (
            conn.execute(
                select(claims, case_claims.c.case_id)
                .join(case_claims, case_claims.c.claim_id == claims.c.claim_id)
                .where(claims.c.phone_e164.is_not(None), claims.c.email.is_not(None))
                .order_by(case_claims.c.case_id)
                .limit(1)
            )
            .mappings()
            .one()
        )
    return dict(row)


def test_search_finds_a_case_by_each_key(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    claim = _top_claim(published)
    client = signed_in(app, "alice")
    phone = re.sub(r"\D", "", claim["phone_e164"])[-10:]
    queries = {
        "claim id": claim["claim_id"].lower(),
        "last name": claim["last_name"].lower(),
        "full name": f"  {claim['first_name'].upper()}   {claim['last_name'].lower()} ",
        "name, last first": f"{claim['last_name']}, {claim['first_name']}",
        "phone": f"({phone[:3]}) {phone[3:6]}-{phone[6:]}",
        "email": claim["email"].upper(),
        "SSN last four": claim["ssn_last4"],
    }
    for key, query in queries.items():
        page = client.get("/queue", params={"q": query})
        assert page.status_code == 200
        assert claim["case_id"] in _shown(page.text), f"not found by its {key} ({query!r})"
    assert _shown(client.get("/queue", params={"q": "no such person zzqx"}).text) == []


def test_names_match_in_any_spelling_the_identity_key_folds() -> None:
    claimant = {"claim_id": "C-9", "first_name": "José", "last_name": "Nguyễn", "email": None,
                "phone_e164": None, "ssn_last4": "0042"}  # fmt: skip
    terms = claim_terms([claimant])[0]
    for query in ("josé", "JOSE", "nguyen", "Nguyễn", "jose nguyen", "Nguyen, José"):
        asked, kind = query_terms(query)
        assert kind == "text" and set(asked) & terms, query


def test_a_full_ssn_matches_nothing_and_is_not_logged(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    claim = _top_claim(published)
    client = signed_in(app, "alice")
    for query in (
        f"123-45-{claim['ssn_last4']}",
        f"12345{claim['ssn_last4']}",
        f"123 45 {claim['ssn_last4']}",
    ):
        assert query_terms(query) == ([], "full_ssn")
        page = client.get("/queue", params={"q": query})
        assert page.status_code == 200 and _shown(page.text) == []
        assert "last four" in page.text and query not in page.text
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/queue?status=all&q=123-45-6789&page=2", "1.1", 200), None,
    )  # fmt: skip
    assert _NoSearchInAccessLog().filter(record)
    assert "6789" not in record.getMessage() and "status=all" in record.getMessage()


def test_search_follows_the_case_status(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    claim = _top_claim(published)
    case_id = claim["case_id"]
    alice = signed_in(app, "alice")
    post(alice, f"/cases/{case_id}/assign")
    post(alice, f"/cases/{case_id}/decide", outcome="fraud")
    query = {"q": claim["claim_id"]}
    assert case_id in _shown(alice.get("/queue", params=query).text)  # a search looks at every status
    assert case_id not in _shown(alice.get("/queue", params={**query, "status": "open"}).text)
    assert case_id in _shown(alice.get("/queue", params={**query, "status": "closed"}).text)
    with published.connect() as conn:
        statuses = set(
            conn.execute(select(case_search.c.status).where(case_search.c.case_id == case_id)).scalars()
        )
    assert statuses == {"closed"}


@pytest.mark.parametrize("sort", ["risk", "waiting"])
def test_sorting_by_a_column(app, published: Engine, sort: str) -> None:  # type: ignore[no-untyped-def]
    shown = _shown(signed_in(app, "alice").get(f"/queue?sort={sort}").text)
    order = (
        (cases.c.risk_score.desc(), cases.c.id) if sort == "risk" else (cases.c.first_filed_at, cases.c.id)
    )
    with published.connect() as conn:
        expected = conn.execute(select(cases.c.id).where(cases.c.status == "open").order_by(*order)).scalars()
        assert shown == list(expected)[: len(shown)] and shown


def test_reason_list_in_words_and_any_case(app) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "alice")
    page = client.get("/queue").text
    assert '<option value="ip_foreign"' in page and ">Ip foreign<" not in page and ">IP foreign<" in page
    lower, upper = client.get("/queue?reason=ip_foreign").text, client.get("/queue?reason=IP_FOREIGN").text
    assert _shown(lower) == _shown(upper) and _shown(lower)


def test_my_cases_keeps_a_case_waiting_on_verification(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    case_id = _top_claim(published)["case_id"]
    post(alice, f"/cases/{case_id}/assign")
    post(alice, f"/cases/{case_id}/decide", outcome="needs_verification")
    page = alice.get("/queue").text
    mine = re.search(r'href="(/queue\?assignee=me[^"]*)">My cases', page)
    assert mine, "the top bar links to My cases"
    assert case_id in _shown(alice.get(mine.group(1).replace("&amp;", "&")).text)


def test_a_supervisor_assigns_cases_in_bulk(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    sam = signed_in(app, "sam")
    page = sam.get("/queue").text
    picked = re.findall(r'name="case" value="(\d+:\d+)"', page)[:3]
    assert len(picked) == 3
    assert '<option value="ada">' not in page, "admins hold no cases"
    response = sam.post(
        "/queue/assign",
        data={"csrf_token": csrf_of(page), "to": "bob", "case": picked},
        follow_redirects=False,
    )
    assert response.status_code == 303
    ids = [int(p.split(":")[0]) for p in picked]
    with published.connect() as conn:
        held = conn.execute(select(cases.c.assignee_id).where(cases.c.id.in_(ids))).scalars().all()
    assert len(set(held)) == 1 and None not in held
    again = sam.post(
        "/queue/assign",
        data={"csrf_token": csrf_of(page), "to": "alice", "case": picked[:1]},
        follow_redirects=True,
    )
    assert "Not done" in again.text and "changed after this page was loaded" in again.text
    alice = signed_in(app, "alice")
    token = csrf_of(alice.get("/queue").text)
    refused = alice.post("/queue/assign", data={"csrf_token": token, "to": "alice", "case": picked[:1]})
    assert refused.status_code == 403


def test_migration_0004_fills_the_search_table_from_the_cases(published: Engine) -> None:
    """A database published before search gets the same terms and claimant names publish writes."""
    from alembic import command

    from claimscreen.review.db import alembic_config, migrate

    def written() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        with published.connect() as conn:
            terms = set(map(tuple, conn.execute(select(case_search))))
            names = set(map(tuple, conn.execute(select(cases.c.id, cases.c.claimant))))
        return terms, names

    before = written()
    assert before[0] and all(name for _, name in before[1])
    with published.connect() as conn:
        command.downgrade(alembic_config(conn), "0003")
        conn.commit()
    migrate(published)
    assert written() == before


def test_search_and_sort_keep_the_reason_filter(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "alice")
    singles = set(_shown(client.get("/queue?reason=ip_foreign").text))
    assert singles and set(_shown(client.get("/queue?reason=ip_foreign&sort=risk").text)) == singles
    assert set(_shown(client.get("/queue?reason=ip_foreign&sort=waiting").text)) == singles
    with published.connect() as conn:  # a ring case's claim: that case has no ip_foreign reason
        query = (
            select(claims, case_claims.c.case_id)
            .join(case_claims, case_claims.c.claim_id == claims.c.claim_id)
            .join(cases, cases.c.id == case_claims.c.case_id)
        )
        codes = func.upper(cases.c.reason_codes)
        ring_case = cases.c.ring_id.is_not(None) & codes.not_like("%;IP_FOREIGN;%")
        ring_case &= codes.like("%;SHARED_BANK_ACCOUNT;%")
        claim = conn.execute(query.where(ring_case).limit(1)).mappings().one()
    assert claim["case_id"] not in singles
    assert _shown(client.get("/queue", params={"q": claim["last_name"], "reason": "ip_foreign"}).text) == []
    found = _shown(
        client.get("/queue", params={"q": claim["last_name"], "reason": "shared_bank_account"}).text
    )
    assert claim["case_id"] in found
