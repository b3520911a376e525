"""A small lake built by the real pipeline (once per worker), its review queue, and a fresh
review database per test on SQLite and on PostgreSQL, copied from a seeded template
(a file; a PostgreSQL template database per worker), dropped after."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import TEST_KEY
from sqlalchemy import Engine, insert, make_url, text
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).parent))

from review_support import PASSWORD, POSTGRES_URL, USERS, World, make_queue

from claimscreen.data.generate import generate_world
from claimscreen.data.ingest import batch_date_for, ingest_batch
from claimscreen.features.build import read_features, run_features
from claimscreen.review.app import create_app
from claimscreen.review.auth import hasher
from claimscreen.review.db import make_engine, migrate, now, users
from claimscreen.review.publish import publish_night


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    os.environ["CLAIMSCREEN_SECRET_KEY"] = TEST_KEY
    source = generate_world(
        tmp_path_factory.mktemp("world"),
        days=2,
        claims_per_day=400,
        seed=11,
        fraud_rate=0.06,
        defect_rate=0.0,
    )
    home = tmp_path_factory.mktemp("home")
    nights, queued, rings = [], {}, {}
    for batch in sorted(source.batch_files):
        night = batch_date_for(batch, None)
        ingest_batch(home, batch, night)
        run_features(home, night)
        queued[night] = make_queue(home, night)
        nights.append(night)
        features = read_features(home, night)
        for ring_id, ids in features[features["ring_id"].notna()].groupby("ring_id")["claim_id"]:
            rings.setdefault(str(ring_id), []).extend(ids.astype(str))
    assert rings, "the generated world should hold at least one ring"
    return World(home, nights, queued, rings)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hasher.hash(PASSWORD)


def _seed(db: Engine, world: World, password_hash: str, publish: bool) -> None:
    migrate(db)
    with db.begin() as conn:
        conn.execute(
            insert(users),
            [{"username": n, "role": r, "password_hash": password_hash, "active": True, "created_at": now()}
             for n, r in USERS.items()],
        )  # fmt: skip
    if publish:
        for night in world.nights:
            publish_night(world.home, night, db)
    db.dispose()


def _admin() -> Engine:
    return make_engine(POSTGRES_URL, pool_size=1, max_overflow=0, isolation_level="AUTOCOMMIT")


def _with_database(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def templates(
    world: World, password_hash: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, bool], str]]:
    """Seeded databases, made once per worker, that each test copies: (backend, published) -> name.
    SQLite: a file; PostgreSQL: a template database (skipped with the reason if the server is away)."""
    folder = tmp_path_factory.mktemp("templates")
    made: dict[tuple[str, bool], str] = {}
    for published in (False, True):
        path = folder / f"review-{published}.db"
        _seed(make_engine(f"sqlite:///{path}"), world, password_hash, published)
        made[("sqlite", published)] = str(path)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    suffix = uuid.uuid4().hex[:8]
    admin = _admin()
    try:
        with admin.connect() as conn:
            for published in (False, True):
                name = f"review_tpl_{worker}_{suffix}_{int(published)}"
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                made[("postgresql", published)] = name
                _seed(make_engine(_with_database(name)), world, password_hash, published)
    except OperationalError as exc:
        made["postgresql_error", False] = str(exc).splitlines()[0]
    yield made
    _dropper.finish()
    with contextlib.suppress(OperationalError), admin.connect() as conn:
        for (backend, _), name in made.items():
            if backend == "postgresql":
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _copy(
    templates: dict[tuple[str, bool], str], backend: str, published: bool, tmp_path: Path
) -> Iterator[Engine]:
    if backend == "sqlite":
        path = tmp_path / "review.db"
        shutil.copy(templates[("sqlite", published)], path)
        db = make_engine(f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    if ("postgresql", published) not in templates:
        reason = templates.get(("postgresql_error", False), "no template")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {reason}")
    name = f"review_t_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{templates[("postgresql", published)]}"'))
    admin.dispose()
    db = make_engine(_with_database(name))
    yield db
    db.dispose()
    _dropper.put(name)


class _Dropper:
    """Drops finished test databases in a background thread (a DROP DATABASE waits for a
    checkpoint: seconds that need not hold up the next test)."""

    def __init__(self) -> None:
        self.names: queue.Queue[str | None] = queue.Queue()
        self.thread: threading.Thread | None = None

    def put(self, name: str) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        self.names.put(name)

    def _run(self) -> None:
        admin = _admin()
        while (name := self.names.get()) is not None:
            with contextlib.suppress(OperationalError), admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def finish(self) -> None:
        if self.thread is not None:
            self.names.put(None)
            self.thread.join(timeout=120)
            self.thread = None


_dropper = _Dropper()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, templates, tmp_path: Path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A migrated review database with four accounts (see USERS) and no case."""
    yield from _copy(templates, request.param, False, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def published(request: pytest.FixtureRequest, templates, tmp_path: Path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """The database with both nights of the world published."""
    yield from _copy(templates, request.param, True, tmp_path)


@pytest.fixture
def app(world: World, published: Engine):  # type: ignore[no-untyped-def]
    return create_app(world.home, engine=published)


@pytest.fixture
def client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app)
