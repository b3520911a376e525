"""Twenty investigators working the same queue at once: every case is held by exactly one."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, insert, select

from claimscreen.review import cases as work
from claimscreen.review.db import cases, make_engine, now, users, writing

INVESTIGATORS = 20


def own_engine(engine: Engine) -> Engine:
    """A second engine on the same database, with a connection for every thread."""
    return make_engine(engine.url.render_as_string(hide_password=False), pool_size=INVESTIGATORS + 2)


def add_investigators(engine: Engine) -> list[dict]:  # type: ignore[type-arg]
    with engine.begin() as conn:
        conn.execute(
            insert(users),
            [{"username": f"inv{i}", "role": "investigator", "password_hash": "x", "active": True,
              "created_at": now()} for i in range(INVESTIGATORS)],
        )  # fmt: skip
        rows = conn.execute(select(users).where(users.c.username.like("inv%"))).mappings().all()
    return [{"id": r["id"], "username": r["username"], "role": r["role"]} for r in rows]


def test_twenty_investigators_take_every_case_exactly_once(published: Engine) -> None:
    team = add_investigators(published)
    engine = own_engine(published)
    with engine.connect() as conn:
        open_cases = set(conn.execute(select(cases.c.id).where(cases.c.status == "open")).scalars())
    start = threading.Barrier(INVESTIGATORS)

    def work_queue(user: dict) -> list[int]:  # type: ignore[type-arg]
        start.wait()
        taken = []
        while (case_id := work.claim_next(engine, user)) is not None:
            taken.append(case_id)
        return taken

    with ThreadPoolExecutor(INVESTIGATORS) as pool:
        results = list(pool.map(work_queue, team))
    engine.dispose()
    taken = Counter(c for result in results for c in result)
    assert set(taken) == open_cases
    assert all(n == 1 for n in taken.values())
    with published.connect() as conn:
        holders = dict(conn.execute(select(cases.c.id, cases.c.assignee_id)).all())
    by_user = {u["username"]: u["id"] for u in team}
    for user, result in zip(team, results, strict=True):
        assert all(holders[c] == by_user[user["username"]] for c in result)


def test_twenty_investigators_race_for_one_case(published: Engine) -> None:
    team = add_investigators(published)
    engine = own_engine(published)
    with engine.connect() as conn:
        case_id = conn.execute(select(cases.c.id).order_by(cases.c.id)).scalars().first()
    start = threading.Barrier(INVESTIGATORS)

    def try_take(user: dict) -> bool:  # type: ignore[type-arg]
        start.wait()
        try:
            with writing(engine) as conn:
                work.assign_to_me(conn, user, case_id)
        except work.CaseError:
            return False
        return True

    with ThreadPoolExecutor(INVESTIGATORS) as pool:
        wins = list(pool.map(try_take, team))
    engine.dispose()
    assert wins.count(True) == 1
