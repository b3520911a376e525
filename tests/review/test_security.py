"""Access: login on every page, CSRF on every POST, escaping, roles, session expiry, no raw identifiers."""

from __future__ import annotations

import re

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from review_support import PASSWORD, World, csrf_of, login, post, signed_in
from sqlalchemy import Engine, select, update

from claimscreen.data.lake import Lake
from claimscreen.review.db import case_claims, cases, claims

PAGES = ["/", "/queue", "/cases/1", "/cases/1/notice/x", "/supervisor", "/supervisor/audit"]


def post_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    routes = [r for router in app.state.routers for r in router.routes]
    paths = [r.path for r in routes if "POST" in getattr(r, "methods", set())]
    return [p.replace("{case_id}", "1") for p in paths]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_every_post_refuses_a_missing_or_wrong_csrf_token(app) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    routes = post_routes(app)
    assert "/cases/1/decide" in routes and "/login" in routes
    for path in routes:
        assert alice.post(path, data={}, follow_redirects=False).status_code == 403, path
        wrong = alice.post(path, data={"csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, path


def test_login_refuses_a_wrong_password(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "alice", "password": "nope", "csrf_token": token})
    assert response.status_code == 401 and "Wrong user name or password" in response.text
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_claimant_text_is_escaped(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    with published.begin() as conn:
        claim_id, case_id = conn.execute(select(case_claims.c.claim_id, case_claims.c.case_id)).first()  # type: ignore[misc]
        conn.execute(
            update(claims).where(claims.c.claim_id == claim_id).values(first_name="<script>alert(1)</script>")
        )
        conn.execute(update(cases).where(cases.c.id == case_id).values(first_reason="<img src=x onerror=1>"))
    alice = signed_in(app, "alice")
    page = alice.get(f"/cases/{case_id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    queue = alice.get("/queue?status=all").text
    assert "<img src=x" not in queue and "&lt;img src=x onerror=1&gt;" in queue


def test_an_investigator_cannot_do_supervisor_work(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    assert alice.get("/supervisor").status_code == 403
    assert alice.get("/supervisor/audit").status_code == 403
    assert post(alice, "/cases/1/reassign", to="bob").status_code == 403
    assert post(alice, "/cases/1/reopen").status_code == 403
    assert signed_in(app, "ada").get("/supervisor").status_code == 200  # admins can


def test_the_session_expires_when_idle(app) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    assert alice.get("/queue").status_code == 200
    started = app.state.clock()
    app.state.clock = lambda: started + 29 * 60
    assert alice.get("/queue").status_code == 200  # activity renews the session
    app.state.clock = lambda: started + 29 * 60 + 31 * 60
    response = alice.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    assert alice.get("/queue", follow_redirects=False).status_code == 303  # and it stays ended


def test_logout_ends_the_session(app) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    assert post(alice, "/logout").status_code == 303
    assert alice.get("/queue", follow_redirects=False).status_code == 303


def test_no_raw_ssn_account_or_token_in_any_page(app, world: World, published: Engine) -> None:  # type: ignore[no-untyped-def]
    lake = Lake(world.home)
    secrets: set[str] = set()
    for part in lake.committed_parts("claims"):
        table = pq.read_table(part, columns=["ssn_token", "bank_account_token"]).to_pydict()
        secrets.update(v for col in table.values() for v in col if v)
    raws = {"123-45-6789", "123456789"}
    alice = signed_in(app, "alice")
    with published.connect() as conn:
        case_ids = conn.execute(select(cases.c.id)).scalars().all()
    pages = [alice.get("/queue?status=all").text] + [alice.get(f"/cases/{c}").text for c in case_ids]
    for page in pages:
        assert not any(s in page for s in secrets)
        assert not any(r in page for r in raws)
        # no run of 9 digits that could be an SSN, no long account number
        assert not re.search(r"(?<![\d.])\d{3}-\d{2}-\d{4}(?!\d)", page)


def test_login_page_and_static_need_no_login(client: TestClient) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_deactivated_account_loses_its_session_at_once(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    """Every request reads its session and account: no process keeps an account it read."""
    from claimscreen.review.db import users

    alice = login(TestClient(app), "alice", PASSWORD)
    assert alice.get("/queue").status_code == 200
    with published.begin() as conn:
        conn.execute(update(users).where(users.c.username == "alice").values(active=False))
    assert alice.get("/queue", follow_redirects=False).status_code == 303
    with published.begin() as conn:
        conn.execute(update(users).where(users.c.username == "alice").values(active=True))
    assert alice.get("/queue", follow_redirects=False).status_code == 303  # and it stays ended


def test_a_password_reset_ends_old_sessions_but_not_the_new_login(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    from claimscreen.review.auth import reset_password

    old = login(TestClient(app), "alice", PASSWORD)
    assert old.get("/queue").status_code == 200
    new_password = "a brand new password"
    assert reset_password(published, "alice", new_password) == 1
    assert old.get("/queue", follow_redirects=False).status_code == 303
    fresh = login(TestClient(app), "alice", new_password)
    assert fresh.get("/queue", follow_redirects=False).status_code == 200
    assert old.get("/queue", follow_redirects=False).status_code == 303


def test_every_router_checks_csrf_and_origin(app) -> None:  # type: ignore[no-untyped-def]
    """Each area's router (review/routes/) runs the CSRF and Origin check, and the application
    has no page outside them but its static files."""
    from fastapi.routing import APIRoute

    from claimscreen.review.web import check_csrf

    for router in app.state.routers:
        assert any(d.dependency is check_csrf for d in router.dependencies), router
    paths = {r.path for router in app.state.routers for r in router.routes if isinstance(r, APIRoute)}
    assert {"/login", "/queue", "/cases/{case_id}/decide", "/cases/{case_id}/notice/{claim_id}"} <= paths
    assert "/supervisor" in paths and "/healthz" in paths
