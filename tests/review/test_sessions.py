"""Server-side sessions (issue #19): sign-out ends the session for good, the cookie is an opaque
token, the session has an absolute lifetime, and a post from another origin is refused."""

from __future__ import annotations

import hashlib
import json

from fastapi.testclient import TestClient
from review_support import csrf_of, post, signed_in
from sqlalchemy import Engine, func, select

from claimscreen.review.app import SESSION_COOKIE
from claimscreen.review.db import notes, sessions


def _case_with_form(client: TestClient) -> tuple[int, str]:
    page = client.get("/cases/1")
    assert page.status_code == 200
    return 1, csrf_of(page.text)


def test_a_signed_out_cookie_opens_nothing(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    case_id, token = _case_with_form(alice)
    cookie = alice.cookies[SESSION_COOKIE]
    assert post(alice, "/logout").status_code == 303
    replay = TestClient(app, cookies={SESSION_COOKIE: cookie})
    response = replay.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    note = replay.post(
        f"/cases/{case_id}/notes",
        data={"csrf_token": token, "body": "after sign-out"},
        follow_redirects=False,
    )
    assert note.status_code in (303, 403)
    with published.connect() as conn:
        assert conn.execute(select(func.count()).select_from(notes)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(sessions)).scalar() == 0


def test_the_cookie_is_an_opaque_token_stored_hashed(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    cookie = alice.cookies[SESSION_COOKIE]
    assert "." not in cookie and len(cookie) >= 40  # no signed payload
    for text in (cookie, cookie + "=" * (-len(cookie) % 4)):
        try:
            decoded = __import__("base64").urlsafe_b64decode(text)
            json.loads(decoded)
            raise AssertionError("the cookie decodes to data")
        except (ValueError, UnicodeDecodeError):
            pass
    csrf = csrf_of(alice.get("/queue").text)
    assert csrf not in cookie
    with published.connect() as conn:
        stored = conn.execute(select(sessions.c.id)).scalars().all()
    assert stored == [hashlib.sha256(cookie.encode()).hexdigest()]


def test_signing_in_again_replaces_the_session(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(app, "alice")
    first = client.cookies[SESSION_COOKIE]
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": "bob", "password": "correct horse battery", "csrf_token": token})
    assert client.cookies[SESSION_COOKIE] != first
    assert (
        TestClient(app, cookies={SESSION_COOKIE: first}).get("/queue", follow_redirects=False).status_code
        == 303
    )


def test_a_session_has_an_absolute_lifetime(app) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    started = app.state.clock()
    lifetime = app.state.lifetime_seconds
    step = 20 * 60
    at = started
    while at + step < started + lifetime:
        at += step
        app.state.clock = lambda at=at: at
        assert alice.get("/queue", follow_redirects=False).status_code == 200
    app.state.clock = lambda: started + lifetime + 1
    response = alice.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]


def test_a_post_from_another_origin_is_refused_even_with_the_token(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    token = csrf_of(alice.get("/cases/1").text)
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/x"},
    ):
        response = alice.post(
            "/cases/1/notes",
            data={"csrf_token": token, "body": "forged"},
            headers=headers,
            follow_redirects=False,
        )
        assert response.status_code == 403, headers
        assert response.headers["X-Frame-Options"] == "DENY"
    own = alice.post(
        "/cases/1/notes",
        data={"csrf_token": token, "body": "mine"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert own.status_code == 303
    with published.connect() as conn:
        assert conn.execute(select(notes.c.body)).scalars().all() == ["mine"]


def test_a_configured_origin_is_the_one_accepted(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app.state.origin = "https://review.agency.example"
    alice = signed_in(app, "alice")
    token = csrf_of(alice.get("/queue").text)
    same_host = alice.post("/logout", data={"csrf_token": token}, headers={"Origin": "http://testserver"})
    assert same_host.status_code == 403
    proxied = alice.post(
        "/logout",
        data={"csrf_token": token},
        headers={"Origin": "https://review.agency.example"},
        follow_redirects=False,
    )
    assert proxied.status_code == 303
