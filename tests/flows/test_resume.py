"""A night killed half-way (SIGKILL) and run again: nothing lost, nothing doubled.

``claimscreen nightly`` runs as a child process against the session's Prefect
server and is killed twice: while ingest writes its lake parts (a temporary
file appears, no manifest yet), then while the features stage runs (its inputs
note is written, its features file not yet). A third run completes the night.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from claimscreen.data.generate import generate_world
from claimscreen.data.lake import Lake
from claimscreen.data.read import read_batch
from claimscreen.data.runs import read_report

NIGHT = dt.date(2026, 10, 1)
LAUNCH = "import sys; from claimscreen.flows.cli import main; sys.argv[0] = 'claimscreen'; main()"
CLAIMS = 20_000  # about 0.15 s of lake writes in ingest: wide enough to kill inside


def start_night(home: Path, batch: Path) -> subprocess.Popen[bytes]:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    command = [
        sys.executable,
        "-c",
        LAUNCH,
        "--home",
        str(home),
        "nightly",
        "--batch",
        str(batch),
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill_when(process: subprocess.Popen[bytes], seen: Callable[[], bool], timeout: float = 60) -> None:
    """SIGKILL the process as soon as ``seen()`` is true (polled every millisecond)."""
    deadline = time.monotonic() + timeout
    while not seen():
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the night ended before the kill point: {err.decode()[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the kill point never came")
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


def lake_parts_being_written(lake: Lake) -> bool:
    return any(
        lake.partition(zone, NIGHT).is_dir() and any(lake.partition(zone, NIGHT).glob(".*.tmp"))
        for zone in ("raw", "claims", "quarantine")
    )


@pytest.mark.slow
def test_a_killed_night_completes_when_run_again(home: Path, tmp_path: Path, prefect_harness: None) -> None:
    batch = generate_world(tmp_path / "world", days=1, claims_per_day=CLAIMS, seed=5).batch_files[0]
    lake = Lake(home)

    kill_when(start_night(home, batch), lambda: lake_parts_being_written(lake))
    assert lake.manifests(NIGHT) == []  # killed inside ingest, before its commit
    assert read_report(home, NIGHT)["status"] == "running"  # type: ignore[index]

    inputs_note = lake.partition("features", NIGHT) / "inputs.json"
    kill_when(start_night(home, batch), inputs_note.exists)
    assert len(lake.manifests(NIGHT)) == 1  # ingest committed this time
    assert not lake.features_path(NIGHT).exists()  # killed inside features

    finished = start_night(home, batch)
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, err.decode()[-2000:]
    assert read_report(home, NIGHT)["status"] == "completed"  # type: ignore[index]

    # Every row of the batch is in the claims or the quarantine, exactly once.
    rows_read = read_batch(batch).rows_read
    claims = lake.read_zone("claims", NIGHT, columns=["claim_id", "row_number"])
    quarantine = lake.read_zone("quarantine", NIGHT, columns=["row_number"])
    row_numbers = sorted([*claims["row_number"], *quarantine["row_number"]])
    assert row_numbers == list(range(1, rows_read + 1))
    assert len(lake.manifests(NIGHT)) == 1
    assert len(list(lake.partition("claims", NIGHT).glob("*.parquet"))) == 1
    # The killed run's half-written files are gone, not left to fill the disk.
    assert not [p.name for p in lake.root.rglob("*.tmp") if f"batch_date={NIGHT}" in str(p)]
    # Features and scores cover every claim once.
    claim_ids = sorted(claims["claim_id"])
    for path in (lake.features_path(NIGHT), lake.scores_path(NIGHT)):
        assert sorted(pq.read_table(path, columns=["claim_id"]).column("claim_id").to_pylist()) == claim_ids
    queue = pq.read_table(lake.queue_path(NIGHT), columns=["claim_id"]).column("claim_id").to_pylist()
    assert len(queue) == len(set(queue)) and set(queue) <= set(claim_ids)
    assert f"night {NIGHT}: {rows_read} rows read" in out.decode()
