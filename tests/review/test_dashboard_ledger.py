"""The supervisor dashboard's claimant ledger: read from the nightly flow's run reports
(HOME/runs/D.json, its ``ledger`` stage) and the night's waiting-time plot, never the lake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from review_support import signed_in
from sqlalchemy import Engine

from claimscreen.data.lake import write_bytes_atomic, write_json
from claimscreen.data.runs import NightReport, report_path
from claimscreen.models.ledger import ledger_by, ledger_figures, wait_plot_path
from claimscreen.review.app import create_app

NIGHT = dt.date(2026, 3, 10)
BEFORE = NIGHT - dt.timedelta(days=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _frame() -> pd.DataFrame:
    """Status ledger rows of two nights: cleared at once, verified within hours, a week in review."""
    rows = [
        # night, route, status, hours waited, language, age band
        (NIGHT, "clear", "cleared", 0.5, "en", "<40"),
        (NIGHT, "clear", "cleared", 2.0, "es", "65+"),
        (NIGHT, "verify", "cleared", 20.0, "en", "40-64"),
        (NIGHT, "review", "in_review", 30.0, "es", "65+"),
        (BEFORE, "clear", "cleared", 1.0, "en", "<40"),
        (BEFORE, "verify", "cleared", 40.0, "es", "40-64"),
        (BEFORE, "review", "decided_fraud", 160.0, "en", "<40"),
    ]
    columns = ["night", "route", "status", "hours_waited", "language", "age_band"]
    return pd.DataFrame(rows, columns=columns)


def _ledger(frame: pd.DataFrame, night: dt.date, alerts: int, claims: int) -> dict[str, Any]:
    """What models/ledger.py run_ledger puts in the report's ledger stage."""
    nights = sorted(frame["night"].unique(), reverse=True)
    return {
        "as_of": f"{night.isoformat()}T23:30:00+00:00",
        "nights": {n.isoformat(): ledger_figures(frame[frame["night"] == n]) for n in nights},
        "window": ledger_figures(frame),
        "by_language": ledger_by(frame, "language"),
        "by_age_band": ledger_by(frame, "age_band"),
        "lookback_alerts": {"alerts": alerts, "claims": claims},
        "wait_plot": wait_plot_path(Path("."), night).name,
    }


def _write_report(home: Path, night: dt.date, ledger: dict[str, Any] | None) -> None:
    stages: list[dict[str, Any]] = [{"name": "score", "status": "completed", "seconds": 1.0}]
    if ledger is not None:
        stages.append({"name": "ledger", "status": "completed", "seconds": 0.5, "details": ledger})
    payload = {
        "schema_version": 2, "batch_date": night.isoformat(), "status": "completed",
        "started_at": f"{night.isoformat()}T23:00:00+00:00", "stages": stages,
        "totals": {"rows_read": 7, "rows_ingested": 7, "rows_quarantined": 0},
    }  # fmt: skip
    write_json(report_path(home, night), NightReport.model_validate(payload).as_dict())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with two nights' run reports and the last night's plot, and no lake at all."""
    home = tmp_path / "home"
    frame = _frame()
    _write_report(home, BEFORE, _ledger(frame[frame["night"] == BEFORE], BEFORE, 2, 2))
    _write_report(home, NIGHT, _ledger(frame, NIGHT, 3, 2))
    write_bytes_atomic(wait_plot_path(home, NIGHT), PNG)
    return home


def test_the_dashboard_shows_the_ledger_of_the_newest_report(home: Path, published: Engine) -> None:
    app = create_app(home, engine=published)
    page = signed_in(app, "sam").get("/supervisor")
    assert page.status_code == 200
    text = page.text
    assert not (home / "lake").exists()  # read from the reports only
    assert "Claimant ledger" in text and "as of 2026-03-10 23:30 UTC" in text
    # 5 honest-looking (cleared) claims, 4 released within 24 hours; 4 held (verify or review),
    # waits 20, 30, 40 and 160 hours; 1 still in review.
    assert "<strong>80.0%</strong> of 5 honest-looking claims released within 24 hours" in text
    assert "4 held, waiting a median of 35.0 h (95th percentile 142.0 h)" in text
    assert "1 still waiting" in text
    assert "Look-back alerts that night: <strong>3</strong> on 2 paid claims" in text
    assert '<th scope="row">2026-03-10</th>' in text and '<th scope="row">2026-03-09</th>' in text
    assert "<td>2 on 2 paid claims</td>" in text and "<td>3 on 2 paid claims</td>" in text
    assert '<th scope="row">es</th>' in text and '<th scope="row">65+</th>' in text
    assert 'src="/supervisor/waits/2026-03-10.png"' in text


def test_the_plot_is_served_to_supervisors_only(home: Path, published: Engine) -> None:
    app = create_app(home, engine=published)
    plot = signed_in(app, "sam").get("/supervisor/waits/2026-03-10.png")
    assert plot.status_code == 200 and plot.headers["content-type"] == "image/png"
    assert plot.content == PNG and plot.headers["x-content-type-options"] == "nosniff"
    assert signed_in(app, "sam").get("/supervisor/waits/2026-03-09.png").status_code == 404
    assert signed_in(app, "sam").get("/supervisor/waits/..%2Fsettings.png").status_code in (400, 404)
    assert signed_in(app, "sam").get("/supervisor/waits/2026-13-40.png").status_code == 400
    assert signed_in(app, "alice").get("/supervisor/waits/2026-03-10.png").status_code == 403
    assert TestClient(app).get("/supervisor/waits/2026-03-10.png", follow_redirects=False).status_code == 303


def test_a_night_without_a_ledger_falls_back_and_a_bad_report_is_named(home: Path, published: Engine) -> None:
    later = NIGHT + dt.timedelta(days=1)
    _write_report(home, later, None)  # a night whose ledger stage did not run
    report_path(home, later + dt.timedelta(days=1)).write_text("{not json", encoding="utf-8")
    wait_plot_path(home, NIGHT).unlink()
    text = signed_in(create_app(home, engine=published), "sam").get("/supervisor").text
    assert "as of 2026-03-10 23:30 UTC" in text  # the newest report that has one
    assert "Not read:" in text and "2026-03-12.json: not a run report" in text
    assert "/supervisor/waits/" not in text  # no plot written: none shown


def test_no_report_says_so(tmp_path: Path, published: Engine) -> None:
    text = signed_in(create_app(tmp_path, engine=published), "sam").get("/supervisor").text
    assert "No run report holds a claimant ledger yet" in text
