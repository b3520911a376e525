"""Sign-in through the agency's identity provider (issue #19), end to end against a real OpenID
Connect provider: panva's oidc-provider (npm), started by these tests with the machine's
Node.js. It is installed once per version into the virtualenv (``.venv/oidc-provider/VERSION``,
about 15 s the first time) and started once per test module on a free port (about 1 s); the
tests are skipped, saying why, when node or npm is missing. Node is for the tests only."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from review_support import PASSWORD, World, csrf_of, post
from sqlalchemy import Engine, func, select, update
from test_browser import CHROMIUM, free_port

from claimscreen.data.errors import InputError
from claimscreen.review import oidc
from claimscreen.review.app import LOGIN_COOKIE, SESSION_COOKIE, create_app
from claimscreen.review.auth import EXTERNAL_PASSWORD, deactivate_user, reset_password
from claimscreen.review.db import audit_events, current_revision, migrate, oidc_logins, users

HERE = Path(__file__).parent / "oidc_provider"
VERSION = json.loads((HERE / "package.json").read_text())["dependencies"]["oidc-provider"]
CLIENT_ID = "claimscreen-review"
CLIENT_SECRET = "test-client-secret-" + "x" * 24
ROLES = "review-investigators=investigator,review-supervisors=supervisor"
TEST_APP = "http://testserver"


@dataclass
class Idp:
    issuer: str
    app_port: int  # the port the browser test serves the application on (a registered redirect)


def _installed() -> Path:
    """oidc-provider installed under the virtualenv, once per version (a lock: the xdist workers)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to run the test OpenID Connect provider (oidc-provider)")
    cache = Path(sys.prefix) / "oidc-provider"
    cache.mkdir(exist_ok=True)
    folder = cache / VERSION
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "node_modules" / "oidc-provider" / "package.json").exists():
            work = cache / f"tmp-{uuid.uuid4().hex[:8]}"
            work.mkdir()
            shutil.copy(HERE / "package.json", work)
            done = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error"],
                cwd=work, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            if done.returncode != 0:
                shutil.rmtree(work, ignore_errors=True)
                pytest.fail(f"npm install oidc-provider@{VERSION} failed: {done.stderr.strip()[-500:]}")
            shutil.rmtree(folder, ignore_errors=True)
            work.rename(folder)
        shutil.copy(HERE / "provider.mjs", folder / "provider.mjs")
    return folder


@pytest.fixture(scope="module")
def idp() -> Iterator[Idp]:
    folder = _installed()
    port, app_port = free_port(), free_port()
    env = {
        **os.environ, "OIDC_PORT": str(port), "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": f"{TEST_APP}{oidc.CALLBACK_PATH},http://127.0.0.1:{app_port}{oidc.CALLBACK_PATH}",
    }  # fmt: skip
    process = subprocess.Popen(
        [shutil.which("node") or "node", "provider.mjs"], cwd=folder, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    lines: list[str] = []
    up = threading.Event()

    def read() -> None:
        for line in process.stdout or []:
            lines.append(line)
            if line.startswith("listening "):
                up.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert up.wait(30), "the test provider did not start: " + "".join(lines)[-2000:]
        yield Idp(f"http://127.0.0.1:{port}", app_port)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _settings(idp: Idp, **changes: str) -> dict[str, str]:
    return {
        oidc.ISSUER_ENV: idp.issuer, oidc.CLIENT_ID_ENV: CLIENT_ID, oidc.CLIENT_SECRET_ENV: CLIENT_SECRET,
        oidc.ROLES_ENV: ROLES, oidc.SCOPES_ENV: "openid profile email groups", oidc.NAME_ENV: "Agency SSO",
        **changes,
    }  # fmt: skip


def _app(world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str]) -> FastAPI:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return create_app(world.home, engine=engine)


@pytest.fixture
def oidc_app(world: World, published: Engine, idp: Idp, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    return _app(world, published, monkeypatch, _settings(idp))


def _to_provider(client: TestClient, login: str) -> str:
    """Start at the application, sign in at the provider's login form as ``login``: the URL the
    provider sends the browser back to."""
    start = client.get("/login/oidc?next=/queue", follow_redirects=False)
    assert start.status_code == 303, start.text
    with httpx.Client(timeout=10) as browser:
        form = browser.get(start.headers["location"], follow_redirects=True)
        action = re.search(r'<form[^>]*action="([^"]+)"', form.text)
        assert action, form.text[:500]
        answer = browser.post(
            urljoin(str(form.url), action.group(1)),
            data={"prompt": "login", "login": login, "password": "anything"},
        )
        while answer.is_redirect:
            location = urljoin(str(answer.url), answer.headers["location"])
            if location.startswith(TEST_APP):
                return location
            answer = browser.get(location)
    raise AssertionError(
        f"the provider did not send the browser back: {answer.status_code} {answer.text[:300]}"
    )


def _back(client: TestClient, location: str) -> httpx.Response:
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def _sign_in(app: FastAPI, login: str) -> tuple[TestClient, httpx.Response]:
    client = TestClient(app)
    return client, _back(client, _to_provider(client, login))


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        query = select(audit_events.c.username, audit_events.c.after).where(audit_events.c.action == action)
        return [dict(r) for r in conn.execute(query).mappings()]


def _account(engine: Engine, name: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(users).where(users.c.username == name)).mappings().one())


def test_an_investigator_signs_in_through_the_provider(
    oidc_app: FastAPI, published: Engine, idp: Idp
) -> None:
    client, back = _sign_in(oidc_app, "jdoe")
    assert back.status_code == 200, back.text
    assert 'http-equiv="refresh" content="0;url=/queue"' in back.text
    assert SESSION_COOKIE in client.cookies and oidc.PENDING_COOKIE not in client.cookies
    queue = client.get("/queue")
    assert queue.status_code == 200 and "jdoe (investigator)" in queue.text
    account = _account(published, "jdoe")
    assert (account["auth_source"], account["external_issuer"], account["external_subject"]) == (
        "oidc", idp.issuer, "sub-jdoe",
    )  # fmt: skip
    assert account["password_hash"] == EXTERNAL_PASSWORD
    assert {"username": "jdoe", "after": {"via": "oidc"}} in _audit(published, "login")
    with published.connect() as conn:  # the pending sign-in was used up
        assert conn.execute(select(func.count()).select_from(oidc_logins)).scalar() == 0

    assert post(client, "/logout").status_code == 303
    assert client.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
    again, back = _sign_in(oidc_app, "jdoe")  # the same account again, not a second one
    assert back.status_code == 200 and "jdoe (investigator)" in again.get("/queue").text
    with published.connect() as conn:
        assert conn.execute(select(func.count()).where(users.c.external_subject == "sub-jdoe")).scalar() == 1


def test_an_external_account_has_no_password(oidc_app: FastAPI, published: Engine) -> None:
    _sign_in(oidc_app, "jdoe")
    client = TestClient(oidc_app)
    form = client.get("/login")
    assert 'id="sign-in-idp"' in form.text and "Sign in with Agency SSO" in form.text
    for password in (EXTERNAL_PASSWORD, PASSWORD):
        answer = client.post(
            "/login", data={"username": "jdoe", "password": password, "csrf_token": csrf_of(form.text)}
        )
        assert answer.status_code == 401
    with pytest.raises(InputError, match="identity provider"):
        reset_password(published, "jdoe", "a brand new passphrase")


def test_deactivation_ends_the_session_and_refuses_the_next_sign_in(
    oidc_app: FastAPI, published: Engine
) -> None:
    client, _ = _sign_in(oidc_app, "jdoe")
    assert deactivate_user(published, "jdoe") == 1
    assert client.get("/queue", follow_redirects=False).status_code == 303
    _, back = _sign_in(oidc_app, "jdoe")
    assert back.status_code == 403 and "deactivated" in back.text
    assert {"username": "jdoe", "after": {"via": "oidc", "reason": "oidc_deactivated"}} in _audit(
        published, "login_failed"
    )


def test_roles_come_from_the_groups_claim(oidc_app: FastAPI, published: Engine) -> None:
    boss, _ = _sign_in(oidc_app, "sboss")
    assert "sboss (supervisor)" in boss.get("/queue").text
    assert boss.get("/supervisor").status_code == 200
    _, back = _sign_in(oidc_app, "visitor")  # groups: payroll only
    assert back.status_code == 403 and "none of your groups gives you a role" in back.text
    assert SESSION_COOKIE not in back.cookies
    with published.connect() as conn:
        assert conn.execute(select(func.count()).where(users.c.username == "visitor")).scalar() == 0
    assert {"username": "visitor", "after": {"via": "oidc", "reason": "oidc_no_role"}} in _audit(
        published, "login_failed"
    )


def test_a_callback_in_another_browser_or_twice_is_refused(oidc_app: FastAPI) -> None:
    """Login CSRF: the code comes back to a browser that did not start the sign-in."""
    started = TestClient(oidc_app)
    location = _to_provider(started, "jdoe")
    elsewhere = _back(TestClient(oidc_app), location)
    assert elsewhere.status_code == 403 and "not started from this browser" in elsewhere.text
    assert _back(started, location).status_code == 200
    replay = _back(started, location)  # the pending cookie is gone; with it again, the row is
    assert replay.status_code == 403
    started.cookies.set(oidc.PENDING_COOKIE, parse_qs(urlsplit(location).query)["state"][0])
    assert _back(started, location).status_code == 403


def test_an_id_token_of_another_nonce_is_refused(oidc_app: FastAPI, published: Engine) -> None:
    client = TestClient(oidc_app)
    location = _to_provider(client, "jdoe")
    with published.begin() as conn:
        conn.execute(update(oidc_logins).values(nonce="not-the-nonce-sent"))
    back = _back(client, location)
    assert back.status_code == 403 and "could not be checked" in back.text
    assert _audit(published, "login_failed")[-1]["after"]["reason"].startswith("oidc_invalid")


def test_a_provider_naming_another_issuer_is_refused(
    world: World, published: Engine, idp: Idp, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = idp.issuer.replace("127.0.0.1", "localhost")
    app = _app(world, published, monkeypatch, _settings(idp, **{oidc.ISSUER_ENV: elsewhere}))
    answer = TestClient(app).get("/login/oidc", follow_redirects=False)
    assert answer.status_code == 403 and "another issuer" in answer.text


def test_password_sign_in_can_be_turned_off(
    world: World, published: Engine, idp: Idp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(world, published, monkeypatch, _settings(idp, **{oidc.LOCAL_ACCOUNTS_ENV: "0"}))
    client = TestClient(app)
    form = client.get("/login")
    assert 'id="sign-in-idp"' in form.text and 'name="password"' not in form.text
    client.cookies.set(LOGIN_COOKIE, "t" * 43)  # the form's token, as a page with the form would set
    answer = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "t" * 43})
    assert answer.status_code == 403 and "turned off" in answer.text


def test_settings_are_checked(tmp_path: Path) -> None:
    base = {oidc.ISSUER_ENV: "https://login.example.gov", oidc.CLIENT_ID_ENV: "c", oidc.ROLES_ENV: ROLES}
    assert oidc.settings_from_environment({}) is None
    with pytest.raises(InputError, match="CLIENT_SECRET_FILE"):
        oidc.settings_from_environment(base)
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    with pytest.raises(InputError, match="must be 0600"):
        oidc.settings_from_environment({**base, oidc.CLIENT_SECRET_FILE_ENV: str(secret)})
    secret.chmod(0o600)
    settings = oidc.settings_from_environment({**base, oidc.CLIENT_SECRET_FILE_ENV: str(secret)})
    assert settings is not None and settings.client_secret == "s3cret" and "s3cret" not in repr(settings)
    with pytest.raises(InputError, match="VALUE=ROLE"):
        oidc.parse_roles("ops=root")
    with pytest.raises(InputError, match="https"):
        oidc.settings_from_environment({**base, oidc.ISSUER_ENV: "http://idp.example.gov"})
    pkce_only = {**base, oidc.AUTH_METHOD_ENV: "none"}  # Login.gov's PKCE: no client secret
    assert oidc.settings_from_environment(pkce_only) is not None


def test_names_and_roles_from_claims() -> None:
    settings = oidc.OidcSettings("https://i", "c", "", {"a": "investigator", "b": "admin"})
    assert oidc.role_from({"groups": ["x", "b", "a"]}, settings) == "admin"
    assert oidc.role_from({"groups": "a"}, settings) == "investigator"
    assert oidc.role_from({"groups": []}, settings) is None
    assert oidc.username_from({"email": "j_doe@agency.gov", "sub": "1"}, settings) == "j-doe.agency.gov"


def test_migration_0005_upgrades_a_database_of_the_previous_head(published: Engine) -> None:
    """Existing accounts stay local ones; the table of sign-ins under way comes empty."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from claimscreen.review.db import MIGRATIONS, alembic_config

    with published.connect() as conn:
        command.downgrade(alembic_config(conn), "0004_queue_search")
        conn.commit()
    migrate(published)
    assert current_revision(published) == ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with published.connect() as conn:
        assert set(conn.execute(select(users.c.auth_source)).scalars()) == {"local"}
        assert conn.execute(select(func.count()).select_from(oidc_logins)).scalar() == 0


@contextlib.contextmanager
def _serving(app: FastAPI, port: int) -> Iterator[str]:
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (/usr/bin/chromium)")
def test_a_browser_signs_in_through_the_provider_and_out(
    world: World,
    templates: dict[tuple[str, bool], str],
    idp: Idp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from conftest import _copy
    from playwright.sync_api import expect, sync_playwright

    copies = _copy(templates, "sqlite", True, tmp_path)
    app = _app(world, next(copies), monkeypatch, _settings(idp))
    with _serving(app, idp.app_port) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{server}/queue")
        page.click("#sign-in-idp")
        expect(page).to_have_url(re.compile(re.escape(idp.issuer) + "/interaction/"))
        page.fill("input[name=login]", "jdoe")
        page.fill("input[name=password]", "anything")
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{server}/queue")
        expect(page.locator(".who")).to_have_text("jdoe (investigator)")
        expect(page.locator("a.case-link").first).to_be_visible()
        page.click("text=Sign out")
        expect(page).to_have_url(f"{server}/login")
        page.goto(f"{server}/queue")
        expect(page).to_have_url(f"{server}/login?next=%2Fqueue")
        browser.close()
    copies.close()
