"""A night without a Prefect server runs in the command's own process: no temporary server,
the same stages and report, the tasks' retries kept."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import TEST_KEY, make_row, write_csv

from claimscreen.data.errors import InputError, StageError
from claimscreen.data.runs import read_report
from claimscreen.flows import nightly

NIGHT = dt.date(2026, 10, 1)


def batch_of(folder: Path, night: dt.date = NIGHT, n: int = 4) -> Path:
    rows = [make_row(claim_id=f"{night}-{i}", ssn=f"123-45-{6780 + i}") for i in range(n)]
    return write_csv(folder / f"claims_{night}.csv", rows)


def test_a_night_without_a_prefect_server_starts_none(tmp_path: Path) -> None:
    """The real command, as an operator without a Prefect server runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(CLAIMSCREEN_SECRET_KEY=TEST_KEY, PREFECT_HOME=str(tmp_path / "prefect"))
    home = tmp_path / "home"
    command = [sys.executable, "-m", "claimscreen", "--home", str(home), "nightly"]
    done = subprocess.run(
        [*command, "--batch", str(batch_of(tmp_path))], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "night 2026-10-01: 4 rows read, 4 ingested" in done.stdout
    report = read_report(home, NIGHT)
    assert report is not None and report["status"] == "completed"
    names = [s["name"] for s in report["stages"]]
    assert names[:4] == ["ingest", "sync-decisions", "features", "score"]
    assert names[-2:] == ["publish", "ledger"]
    assert not (tmp_path / "prefect" / "prefect.db").exists()  # no temporary server's database


def test_the_night_here_writes_the_same_report_and_publishes_no_artifact(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nightly, "prefect_api_url", lambda: None)

    def no_artifact(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an artifact needs a Prefect server")

    monkeypatch.setattr(nightly, "create_markdown_artifact", no_artifact)
    report = nightly.run_nightly(str(home), str(batch_of(tmp_path)), NIGHT.isoformat())
    assert report["status"] == "completed"
    assert report["totals"]["rows_scored"] == 4
    assert read_report(home, NIGHT) == report


def test_a_transient_failure_is_retried_as_the_task_says_and_a_wrong_input_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(nightly.time, "sleep", waits.append)
    calls: list[str] = []

    def flaky(home: str, batch_date: str) -> dict[str, Any]:
        calls.append(home)
        if len(calls) == 1:
            raise StageError("disk full")
        return {"ok": True}

    task = nightly.features_task.with_options(retries=1, retry_delay_seconds=5)
    monkeypatch.setattr(task, "fn", flaky)
    assert nightly.call_here(task, "h", "2026-10-01") == {"ok": True}
    assert (len(calls), waits) == (2, [5.0])

    def wrong(home: str, batch_date: str) -> dict[str, Any]:
        calls.append(home)
        raise InputError("wrong file")

    monkeypatch.setattr(task, "fn", wrong)
    calls.clear()
    with pytest.raises(InputError):
        nightly.call_here(task, "h", "2026-10-01")
    assert calls == ["h"]
    ingest = nightly.ingest_task.with_options(retry_delay_seconds=[1, 2])
    monkeypatch.setattr(ingest, "fn", lambda *a: (_ for _ in ()).throw(OSError("share gone")))
    waits.clear()
    with pytest.raises(OSError):
        nightly.call_here(ingest, "h", "b", "2026-10-01")
    assert waits == [1.0, 2.0]  # INGEST_RETRIES retries, each after its own delay
