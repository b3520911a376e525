"""Arrow allocates from jemalloc: the package's pool (an operator's own choice wins), and
ingest's whatever the pool, put back after."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pytest
from helpers import make_row, write_csv

from claimscreen.data import ingest

NIGHT = dt.date(2026, 10, 1)


def jemalloc_or_skip() -> pa.MemoryPool:
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("pyarrow without jemalloc")


def test_ingest_allocates_from_jemalloc_and_puts_the_pool_back(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jemalloc_or_skip()
    before = pa.default_memory_pool().backend_name
    seen: list[str] = []
    locked = ingest._ingest_locked

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(pa.default_memory_pool().backend_name)
        return locked(*args, **kwargs)

    monkeypatch.setattr(ingest, "_ingest_locked", spy)
    batch = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row(claim_id="C1")])
    assert ingest.ingest_batch(home, batch, NIGHT).rows_ingested == 1
    assert seen == ["jemalloc"]
    assert pa.default_memory_pool().backend_name == before


def test_overlapping_ingests_put_the_first_pool_back_once_the_last_ends() -> None:
    jemalloc_or_skip()
    before = pa.default_memory_pool().backend_name
    first_in, second_done = threading.Event(), threading.Event()
    inside: list[str] = []

    def first() -> None:
        with ingest._arrow_memory_for_ingest():
            first_in.set()
            second_done.wait(10)
            inside.append(pa.default_memory_pool().backend_name)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with ingest._arrow_memory_for_ingest():
        inside.append(pa.default_memory_pool().backend_name)
    second_done.set()
    thread.join()
    assert inside == ["jemalloc", "jemalloc"]  # the second leaving does not end the first's pool
    assert pa.default_memory_pool().backend_name == before


def run_python(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | env
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    return done.stdout.strip()


POOL = "import claimscreen, pyarrow as pa; print(pa.default_memory_pool().backend_name)"


def test_the_package_allocates_arrow_memory_from_jemalloc() -> None:
    jemalloc_or_skip()
    assert run_python(POOL) == "jemalloc"


def test_an_operators_own_pool_wins() -> None:
    assert run_python(POOL, ARROW_DEFAULT_MEMORY_POOL="system") == "system"
