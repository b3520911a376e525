"""`claimscreen review deactivate-user | reset-password | unlock-user`, the password rule at
add-user, and the dispositions file's mode (issue #19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import run_cli as run
from review_support import World, csrf_of
from test_cli import sqlite_only  # noqa: F401 - sqlite_only: an autouse fixture

from claimscreen.review import auth
from claimscreen.review.app import create_app
from claimscreen.review.db import DATABASE_URL_ENV, open_database

GOOD = "a long and honest phrase"


def sign_in(client: TestClient, name: str, password: str) -> int:
    token = csrf_of(client.get("/login").text)
    data = {"username": name, "password": password, "csrf_token": token}
    return client.post("/login", data=data, follow_redirects=False).status_code


@pytest.mark.parametrize("password", [" " * 12, "aaaaaaaaaaaa", "password1234"])
def test_add_user_refuses_a_weak_password(tmp_path: Path, password: str) -> None:
    code, _, err = run(tmp_path, "review", "add-user", "bob", "--role", "investigator", stdin=password + "\n")
    assert code == 2 and err.startswith("claimscreen: error: password ") and err.count("\n") == 1


def test_deactivate_reset_and_unlock(tmp_path: Path) -> None:
    assert run(tmp_path, "review", "add-user", "jdoe", "--role", "investigator", stdin=GOOD + "\n")[0] == 0
    app = create_app(tmp_path)
    with TestClient(app) as browser:
        assert sign_in(browser, "jdoe", GOOD) == 303
        code, out, err = run(tmp_path, "review", "reset-password", "jdoe", stdin="another long phrase\n")
        assert code == 0, err
        assert out == "password of jdoe reset; 1 session(s) ended\n"
        assert browser.get("/queue", follow_redirects=False).status_code == 303
        code, _, err = run(tmp_path, "review", "reset-password", "jdoe", stdin="aaaaaaaaaaaa\n")
        assert code == 2 and "one character repeated" in err
        for _ in range(auth.ACCOUNT_FREE_FAILURES):
            assert sign_in(browser, "jdoe", "wrong password!") == 401
        assert sign_in(browser, "jdoe", "another long phrase") == 429
        code, out, _ = run(tmp_path, "review", "unlock-user", "jdoe")
        assert code == 0 and out == "user jdoe unlocked\n"
        assert sign_in(browser, "jdoe", "another long phrase") == 303
        code, out, _ = run(tmp_path, "review", "deactivate-user", "jdoe")
        assert code == 0 and out == "user jdoe deactivated; 1 session(s) ended\n"
        assert browser.get("/queue", follow_redirects=False).status_code == 303
        assert sign_in(browser, "jdoe", "another long phrase") == 401
    code, _, err = run(tmp_path, "review", "deactivate-user", "nobody")
    assert code == 2 and err == "claimscreen: error: no user 'nobody'\n"
    engine = open_database(tmp_path)
    from sqlalchemy import select

    from claimscreen.review.db import audit_events

    with engine.connect() as conn:
        actions = conn.execute(select(audit_events.c.action)).scalars().all()
    engine.dispose()
    assert {"password_reset", "user_unlocked", "user_deactivated", "logout"} - set(actions) == {"logout"}


def test_the_dispositions_file_is_private(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'cli.db'}")
    target = tmp_path / "dispositions.csv"
    code, _, err = run(world.home, "review", "export-dispositions", "--out", str(target))
    assert code == 0, err
    assert target.stat().st_mode & 0o777 == 0o600
