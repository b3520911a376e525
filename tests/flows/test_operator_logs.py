"""Logs an operator reads: each stage's summary in the run's log (Prefect's run logger in a flow,
the standard logging module without a server), never a claim's data; chunk timings in runs show."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import make_row, run_cli, write_csv

from claimscreen.flows import nightly
from claimscreen.flows.retrain import log_outcome

NIGHT = dt.date(2026, 10, 1)
SSNS = [f"123-45-{6780 + i}" for i in range(4)]
NAMES = [f"Zebulon{'q' * i}" for i in range(4)]


def batch_of(folder: Path) -> Path:
    rows = [
        make_row(claim_id=f"C{i}", ssn=ssn, first_name=name)
        for i, (ssn, name) in enumerate(zip(SSNS, NAMES, strict=True))
    ]
    rows.append(make_row(claim_id="C-bad", zip="", ssn="123-45-9999", first_name="Quarantina"))
    return write_csv(folder / f"claims_{NIGHT}.csv", rows)


@pytest.fixture
def kept() -> Iterator[list[str]]:
    """The messages logged by the night, by either logger."""
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("claimscreen", "prefect.flow_runs")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield messages
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def assert_summaries(messages: list[str]) -> None:
    text = "\n".join(messages)
    assert "ingest: 5 rows read, 4 ingested, 1 quarantined (" in text, text
    for stage in ("ingest", "sync-decisions", "features", "score", "publish"):
        assert f"stage {stage} completed in " in text
    assert "features: 4 claims" in text and "score: 4 scored (" in text and "publish: " in text
    assert f"night {NIGHT} completed: 5 rows read, 4 ingested, 1 quarantined, 4 scored" in text
    for secret in [*SSNS, *NAMES, "123-45-9999", "Quarantina", *(s.replace("-", "") for s in SSNS)]:
        assert secret not in text


def test_a_night_without_a_server_logs_each_stage_through_logging(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: list[str]
) -> None:
    monkeypatch.setattr(nightly, "prefect_api_url", lambda: None)
    nightly.run_nightly(str(home), str(batch_of(tmp_path)), NIGHT.isoformat())
    assert_summaries(kept)


def test_a_flow_run_logs_each_stage_through_prefects_run_logger(
    home: Path, tmp_path: Path, prefect_harness: None, kept: list[str]
) -> None:
    nightly.nightly_flow(str(home), str(batch_of(tmp_path)), NIGHT.isoformat())
    assert_summaries(kept)


def test_runs_show_gives_a_dask_nights_chunks_and_their_timings(home: Path) -> None:
    score = {
        "scored": 900,
        "routes": {"clear": 880, "review": 20},
        "queued": 20,
        "audit_sampled": 3,
        "model_version": "v0002",
        "chunks": 3,
        "chunk_seconds": [0.5, 0.61, 0.7],
        "timings": {"plan": 0.12, "chunks": 1.9, "route": 0.3},
    }
    report: dict[str, Any] = {
        "batch_date": str(NIGHT),
        "status": "completed",
        "failed_stage": None,
        "error": None,
        "started_at": "2026-10-02T02:00:00+00:00",
        "stages": [{"name": "score", "status": "completed", "seconds": 2.4, "details": score}],
        "totals": {
            "rows_read": 900,
            "rows_ingested": 900,
            "rows_quarantined": 0,
            "quarantined_by_reason": {},
        },
    }
    (home / "runs").mkdir()
    (home / "runs" / f"{NIGHT}.json").write_text(json.dumps(report))
    code, out, err = run_cli(home, "runs", "show", "--date", str(NIGHT))
    assert code == 0, err
    assert "score: 3 chunks on Dask (0.50 to 0.70 s each); plan 0.12 s, chunks 1.90 s, route 0.30 s" in out


def test_the_retraining_logs_its_outcome_and_where_its_report_is(kept: list[str]) -> None:
    report = {
        "status": "kept",
        "reason": "the challenger ranks fraud no better",
        "headline": "kept v0001: the challenger's recall at capacity is 0.02 lower",
        "champion_before": "v0001",
        "champion_after": "v0001",
        "challenger": "v0002",
        "labels": {"fraud": 40, "legitimate": 900},
        "report_html": "/srv/claimscreen/models/retrain-2026-10-04.html",
    }
    log_outcome(logging.getLogger("claimscreen.flows.retrain"), report)
    assert kept == [
        "retraining kept: kept v0001: the challenger's recall at capacity is 0.02 lower",
        "champion before v0001, after v0001; challenger v0002",
        "labels: {'fraud': 40, 'legitimate': 900}",
        "report: /srv/claimscreen/models/retrain-2026-10-04.html",
    ]
