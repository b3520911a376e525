"""Bounds and caps (issue #19): out-of-range numbers are a 400 or 404, every error carries the
security headers, and notes, passwords and request bodies have a length cap."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from review_support import csrf_of, post, signed_in
from sqlalchemy import Engine, func, select

from claimscreen.review import cases as work
from claimscreen.review.auth import password_problem
from claimscreen.review.db import notes

HEADERS = ("X-Frame-Options", "X-Content-Type-Options", "Content-Security-Policy", "Referrer-Policy")


def has_security_headers(response) -> bool:  # type: ignore[no-untyped-def]
    return (
        all(name in response.headers for name in HEADERS) and response.headers["Cache-Control"] == "no-store"
    )


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/queue?page=9223372036854775807", 400),
        ("/queue?page=0", 400),
        ("/queue?page=x", 400),
        ("/queue?reason=" + "r" * 500, 400),
        ("/cases/99999999999999999999999", 400),
        ("/cases/2147483647", 404),
        ("/cases/0", 400),
        ("/cases/1/notice/" + "c" * 300, 400),
        ("/supervisor/audit?page=9223372036854775807", 400),
        ("/no-such-page", 404),
    ],
)
def test_out_of_range_is_a_client_error_with_headers(app, path: str, status: int) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app, "ada").get(path, follow_redirects=False)
    assert response.status_code == status
    assert has_security_headers(response)


def test_a_huge_audit_case_filter_is_ignored(app) -> None:  # type: ignore[no-untyped-def]
    assert signed_in(app, "sam").get("/supervisor/audit?case=99999999999999999999").status_code == 200


def test_an_unexpected_error_is_a_500_with_headers(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(work, "list_queue", broken)
    response = TestClient(app, raise_server_exceptions=False, cookies=alice.cookies).get("/queue")
    assert response.status_code == 500 and has_security_headers(response)
    assert "boom" not in response.text


def note_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(notes)).scalar_one())


def test_notes_are_capped(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(app, "alice")
    too_long = post(alice, "/cases/1/notes", body="x" * (work.NOTE_MAX_CHARS + 1))
    assert too_long.status_code == 400 and "too long" in too_long.text
    huge = post(alice, "/cases/1/notes", body="x" * 1_000_000)
    assert huge.status_code == 413 and has_security_headers(huge)
    assert note_count(published) == 0
    assert post(alice, "/cases/1/notes", body="y" * work.NOTE_MAX_CHARS).status_code == 303
    assert note_count(published) == 1


def test_a_huge_login_is_refused_cheaply(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "a" * 5000, "password": "p" * 5000, "csrf_token": token}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "password",
    [" " * 12, "a" * 12, "\t" * 20, "short", "password1234", "Qwertyuiop!!", "1qaz2wsx3edc", "x" * 2000,
     "sunshine2024!", "!!baseball!!"],
)  # fmt: skip
def test_weak_passwords_are_refused(password: str) -> None:
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", ["correct horse battery", "my dog eats paper 9", "Tr0ub4dor&3-long"])
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password) is None
