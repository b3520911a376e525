"""Failed sign-ins are throttled per account and per client address, in the database (issue #19):
a growing temporary lock, not extended while it lasts, that an administrator can lift."""

from __future__ import annotations

from fastapi.testclient import TestClient
from review_support import PASSWORD, csrf_of
from sqlalchemy import Engine

from claimscreen.review import auth
from claimscreen.review.app import create_app


def attempt(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    data = {"username": username, "password": password, "csrf_token": token, "next": "/queue"}
    return client.post("/login", data=data, follow_redirects=False)


def test_wrong_passwords_lock_the_account_for_a_while(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    for _ in range(auth.ACCOUNT_FREE_FAILURES):
        assert attempt(client, "alice", "wrong password!").status_code == 401
    locked = attempt(client, "alice", PASSWORD)  # the right password, but locked
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert int(locked.headers["Retry-After"]) <= auth.FIRST_LOCK_SECONDS + 1
    assert locked.headers["Content-Security-Policy"]
    # other accounts from elsewhere are not affected
    assert attempt(TestClient(app, client=("10.0.0.9", 1)), "bob", PASSWORD).status_code == 303
    started = app.state.clock()
    app.state.clock = lambda: started + auth.FIRST_LOCK_SECONDS + 1
    assert attempt(client, "alice", PASSWORD).status_code == 303  # the lock ended by itself


def test_the_lock_grows_up_to_a_cap_and_is_not_extended_while_it_lasts(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    waits = []
    for _ in range(12):
        response = attempt(client, "alice", "wrong password!")
        if response.status_code == 429:
            wait = int(response.headers["Retry-After"])
            assert attempt(client, "alice", "wrong password!").status_code == 429  # not counted
            assert int(attempt(client, "alice", "x").headers["Retry-After"]) <= wait
            waits.append(wait)
            now = app.state.clock() + wait + 1
            app.state.clock = lambda now=now: now
    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert max(waits) <= auth.MAX_LOCK_SECONDS + 1


def test_a_lock_holds_in_every_server_process(app, world, published: Engine) -> None:  # type: ignore[no-untyped-def]
    for _ in range(auth.ACCOUNT_FREE_FAILURES):
        attempt(TestClient(app), "alice", "wrong password!")
    other_process = create_app(world.home, engine=published)
    assert attempt(TestClient(other_process), "alice", PASSWORD).status_code == 429


def test_unlock_and_password_reset_lift_the_lock(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    for _ in range(auth.ACCOUNT_FREE_FAILURES):
        attempt(client, "alice", "wrong password!")
    assert attempt(client, "alice", PASSWORD).status_code == 429
    auth.unlock_user(published, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 303
    for _ in range(auth.ACCOUNT_FREE_FAILURES):
        attempt(TestClient(app), "bob", "wrong password!")
    auth.reset_password(published, "bob", "a fresh and long phrase")
    assert attempt(TestClient(app), "bob", "a fresh and long phrase").status_code == 303


def test_one_address_trying_many_accounts_is_locked(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    attacker = TestClient(app, client=("203.0.113.7", 1))
    for i in range(auth.ADDRESS_FREE_FAILURES):
        assert attempt(attacker, f"user{i}", "wrong password!").status_code == 401
    assert attempt(attacker, "alice", PASSWORD).status_code == 429
    assert attempt(TestClient(app, client=("198.51.100.2", 1)), "alice", PASSWORD).status_code == 303


def test_a_proxy_is_looked_through_when_named(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    app.state.proxies = {"127.0.0.1"}
    proxy = TestClient(app, client=("127.0.0.1", 1))
    for i in range(auth.ADDRESS_FREE_FAILURES):
        token = csrf_of(proxy.get("/login").text)
        proxy.post(
            "/login",
            data={"username": f"user{i}", "password": "wrong password!", "csrf_token": token},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    # another browser behind the same proxy still signs in
    token = csrf_of(proxy.get("/login").text)
    ok = proxy.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-For": "198.51.100.2"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
