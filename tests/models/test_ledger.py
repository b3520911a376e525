"""The claimant ledger: released within 24 hours, the wait of everyone held, the curves."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from claimant_world import NIGHT, scored_night

from claimscreen.models.ledger import (
    ledger_by,
    ledger_figures,
    ledger_lines,
    ledger_markdown,
    run_ledger,
    waiting_curves,
)
from claimscreen.models.verification import import_outcomes, status_ledger

#: Six claims: route, status, hours waited.
ROWS = pd.DataFrame(
    [
        ("A", "clear", "cleared", 12.5, "en"),
        ("B", "verify", "cleared", 18.5, "en"),  # passed its checks within the day
        ("C", "verify", "cleared", 30.0, "es"),  # passed, but after a day
        ("D", "verify", "in_review", 40.0, "es"),  # still waiting
        ("E", "review", "decided_legitimate", 100.0, "en"),
        ("F", "review", "decided_fraud", 50.0, "en"),
    ],
    columns=["claim_id", "route", "status", "hours_waited", "language"],
)


def test_the_figures_by_hand() -> None:
    figures = ledger_figures(ROWS)
    assert figures == {
        "claims": 6,
        "honest_looking": 4,  # A, B, C and E were released
        "released_within_24h": 2,  # A and B
        "released_within_24h_share": 0.5,
        "held": 5,  # B to F: waits 18.5, 30, 40, 50, 100
        "held_wait_median_hours": 40.0,
        "held_wait_p95_hours": 90.0,  # 50 + 0.8 * (100 - 50)
        "still_waiting": 1,
    }
    by_language = ledger_by(ROWS, "language")
    assert list(by_language) == ["en", "es"]  # the larger group first
    assert by_language["es"]["released_within_24h_share"] == 0.0
    assert by_language["en"]["held_wait_median_hours"] == 50.0


def test_nothing_to_count_is_none_not_zero() -> None:
    figures = ledger_figures(ROWS.iloc[:0])
    assert figures["released_within_24h_share"] is None
    assert figures["held_wait_p95_hours"] is None


def test_the_waiting_curves_per_route() -> None:
    curves = waiting_curves(ROWS, hours=[0, 12, 13, 24, 48])
    assert curves.columns.tolist() == ["clear", "verify", "review"]
    assert curves["clear"].tolist() == [1, 1, 0, 0, 0]
    assert curves["verify"].tolist() == pytest.approx([1, 1, 1, 2 / 3, 0])
    assert curves["review"].tolist() == [1, 1, 1, 1, 1]  # 50 and 100 hours: both still waiting at 48


def test_the_ledger_reads_the_status_export(home: Path, tmp_path: Path) -> None:
    scored_night(home, tmp_path)
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text(
        "claim_id,check,outcome,decided_at,provider\n"
        "C-id,identity,passed,2026-10-02T08:00:00Z,login.gov\n"
        "C-bank,bank_account,failed,2026-10-02T10:00:00Z,bankcheck\n"
    )
    import_outcomes(home, outcomes)
    frame = status_ledger(home, pd.Timestamp("2026-10-03T02:00:00Z"))
    assert ledger_figures(frame) == {
        "claims": 5,
        "honest_looking": 2,  # C-clear at the night's run (12.5 h), C-id at its pass (18.5 h)
        "released_within_24h": 2,
        "released_within_24h_share": 1.0,
        "held": 4,  # C-id 18.5 h; C-bank, C-quiet and C-review still waiting: 36.5 h
        "held_wait_median_hours": 36.5,
        "held_wait_p95_hours": 36.5,
        "still_waiting": 3,
    }


def test_the_nights_ledger_is_as_of_its_run_and_draws_the_curves(home: Path, tmp_path: Path) -> None:
    scored_night(home, tmp_path)
    ledger = run_ledger(home, NIGHT)
    # As of the run (02:00 UTC): the outcomes of the morning after are not seen yet.
    assert ledger["as_of"] == "2026-10-02T02:00:00+00:00"
    assert list(ledger["nights"]) == ["2026-10-01"]
    window = ledger["window"]
    assert (window["claims"], window["honest_looking"], window["held"], window["still_waiting"]) == (
        5,
        1,
        4,
        4,
    )
    assert window["held_wait_p95_hours"] == 12.5
    assert list(ledger["by_language"]) == ["en"]
    assert list(ledger["by_age_band"]) == ["unknown"]  # no features partition in this world
    assert ledger["lookback_alerts"] == {"alerts": 0, "claims": 0}
    plot = home / "runs" / "2026-10-01-waits.png"
    assert ledger["wait_plot"] == plot.name
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(plot.parent.glob(".*.tmp"))
    json.dumps(ledger)  # the run report keeps it as it is
    assert run_ledger(home, NIGHT) == ledger  # a re-run gives the same figures
    lines = ledger_lines(ledger)
    assert lines[0].startswith("ledger (claims of 2026-10-01 on, as of 2026-10-02T02:00): 100.0% of 1")
    assert "look-back alerts tonight: 0 on 0 paid claims" in lines[1]
    markdown = ledger_markdown(ledger)
    assert "| 2026-10-01 | 5 | 1 | 1 (100.0%) | 4 | 12.5 h | 12.5 h |" in markdown
    assert "| en | 5 |" in markdown


def test_a_home_without_nights_has_an_empty_ledger(home: Path) -> None:
    frame = status_ledger(home, claim_columns=("language",), feature_columns=("age_at_filing",))
    assert frame.empty and {"status", "hours_waited", "language", "age_at_filing"} <= set(frame.columns)
    assert ledger_figures(frame)["claims"] == 0
