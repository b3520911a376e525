"""Typed run reports: written through one model with a schema version, read back with validation;
a report written before the version existed still reads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from helpers import run_cli

from claimscreen.data.runs import (
    REPORT_SCHEMA_VERSION,
    NightReport,
    RunReport,
    RunReportError,
    read_night_report,
    read_report,
    report_path,
)

NIGHT = dt.date(2026, 10, 1)

#: A report as releases before the schema version wrote it (no version, no finished_at, no
#: scoring totals): the shape of HOME/runs/*.json in the field today.
OLD_REPORT = {
    "batch_date": "2026-10-01",
    "status": "completed",
    "failed_stage": None,
    "error": None,
    "started_at": "2026-10-02T02:00:01+00:00",
    "stages": [{"name": "ingest", "status": "completed", "seconds": 0.5}],
    "totals": {
        "batches": 1,
        "rows_read": 3,
        "rows_ingested": 2,
        "rows_quarantined": 1,
        "quarantined_by_reason": {"missing ssn": 1},
    },
    "batches": [],
}


def write(home: Path, payload: object) -> Path:
    path = report_path(home, NIGHT)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return path


def test_a_report_is_written_with_its_version_and_reads_back_the_same(home: Path) -> None:
    report = RunReport(home, NIGHT)
    report.record_stage("ingest", 1.25, details={"already_ingested": False})
    report.complete()
    written = report.write()
    assert written["schema_version"] == REPORT_SCHEMA_VERSION == 2
    assert list(report_path(home, NIGHT).parent.iterdir()) == [report_path(home, NIGHT)]  # no temp file
    typed = read_night_report(home, NIGHT)
    assert typed is not None
    assert (typed.batch_date, typed.status, typed.stages[0].seconds) == (NIGHT, "completed", 1.25)
    assert typed.totals.rows_read == 0 and typed.totals.routes == {}
    assert read_report(home) == written


def test_an_old_report_without_a_version_still_reads(home: Path) -> None:
    write(home, OLD_REPORT)
    typed = read_night_report(home, NIGHT)
    assert typed is not None
    assert typed.schema_version == 1
    assert typed.totals.quarantined_by_reason == {"missing ssn": 1}
    assert (typed.totals.rows_scored, typed.totals.model_version, typed.finished_at) == (0, None, None)
    code, out, err = run_cli(home, "runs", "show", "--date", "2026-10-01")
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "night 2026-10-01: completed (started 2026-10-02T02:00:01+00:00)",
        "night 2026-10-01: 3 rows read, 2 ingested, 1 quarantined",
    ]


def test_fields_a_newer_release_adds_are_kept(home: Path) -> None:
    write(home, {**OLD_REPORT, "schema_version": 2, "ledger": {"verifying": 4}})
    assert read_report(home, NIGHT)["ledger"] == {"verifying": 4}  # type: ignore[index]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{", "not a run report (not valid JSON)"),
        ({**OLD_REPORT, "status": "done"}, "not a run report (status: Input should be 'running'"),
        (
            {**OLD_REPORT, "totals": {**OLD_REPORT["totals"], "rows_read": -1}},  # type: ignore[dict-item]
            "not a run report (totals.rows_read: Input should be greater than or equal to 0)",
        ),
        ({k: v for k, v in OLD_REPORT.items() if k != "totals"}, "not a run report (totals: Field required)"),
    ],
)
def test_a_file_that_is_not_a_report_is_one_line_naming_it(home: Path, payload: object, message: str) -> None:
    path = write(home, payload)
    with pytest.raises(RunReportError) as caught:
        read_night_report(home, NIGHT)
    assert str(caught.value).startswith(f"{path}: {message}")
    code, _, err = run_cli(home, "runs", "show")
    assert code == 2
    assert err.startswith(f"claimscreen: error: {path}: not a run report") and err.count("\n") == 1


def test_the_model_refuses_an_unknown_stage_status() -> None:
    with pytest.raises(ValueError, match=r"stages\.0\.status"):
        NightReport.model_validate({**OLD_REPORT, "stages": [{"name": "x", "status": "?", "seconds": 1}]})
