"""The claimant ledger: released within 24 hours, the wait of everyone held, the curves."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from claimant_world import NIGHT, scored_night

from claimscreen.data.lake import Lake
from claimscreen.data.schema import DISPOSITIONS_SCHEMA, VERIFICATIONS_SCHEMA
from claimscreen.models.ledger import (
    ledger_by,
    ledger_figures,
    ledger_frame,
    ledger_lines,
    ledger_markdown,
    run_ledger,
    waiting_curves,
)
from claimscreen.models.metrics import age_band
from claimscreen.models.verification import import_outcomes, outcomes_path, status_ledger

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


def _busy_week(root: Path) -> dt.date:
    """Eight nights of 300 scored claims each, written straight into a lake with every case the
    status rules know: routes and reasons of all kinds, verification answers (passed, failed,
    unanswered, some after the ledger's moment), decisions (on cleared claims too: audits after
    payment; some after the moment), a night of the week first run after the ledger's moment,
    claims filed after their night ran, a claim missing from its claims part (no filing time),
    languages missing, a night without its features partition and one whose features list the
    claims in another order."""
    lake = Lake(root)
    rng = np.random.default_rng(3)
    first, rows = dt.date(2026, 10, 1), 300
    outcomes, decisions = [], []
    for k in range(8):
        night = first + dt.timedelta(days=k)
        ids = [f"N{k}-{i:04d}" for i in range(rows)]
        route = rng.choice(["clear", "verify", "review"], rows, p=[0.6, 0.3, 0.1])
        reasons = rng.choice(["", "SHORT_SESSION", "RING_BANK_ACCOUNT;DEVICE_MANY_PEOPLE"], rows)
        ran = pd.Timestamp(night + dt.timedelta(days=1), tz="UTC") + pd.Timedelta(hours=2)
        filed = (ran - pd.to_timedelta(rng.uniform(-3, 40, rows), "h")).floor("s")  # a few after the run
        scores = pa.table({"claim_id": ids, "route": route, "reasons": reasons, "batch_date": [night] * rows})
        lake.write_table(lake.scores_path(night), scores)
        language = pa.array(rng.choice(["en", "es", "zh", ""], rows).tolist(), pa.string())
        language = pc.if_else(pa.array(rng.random(rows) < 0.05), pa.nulls(rows, pa.string()), language)
        claims = pa.table({"claim_id": ids, "filed_at": pa.array(filed.as_unit("us")), "language": language})
        lake.write_table(lake.batch_part("claims", night, "b1"), claims.slice(1 if k == 6 else 0))
        ages = pa.table({"claim_id": ids, "age_at_filing": rng.integers(17, 90, rows)})
        if k != 5:
            order = rng.permutation(rows) if k == 7 else np.arange(rows)
            lake.write_table(lake.features_path(night), ages.take(order))
        at = ran + pd.Timedelta(days=9) if k == 3 else ran  # a backfill: ran after the moment
        lake.write_json(
            lake.batch_part("manifests", night, "b1"),
            {"batch_date": night.isoformat(), "batch_key": "b1", "ingested_at": at.isoformat()},
        )
        for i in np.flatnonzero(route == "verify"):
            for check in ("identity", "bank_account"):
                if rng.random() < 0.6:
                    answer = rng.choice(["passed", "passed", "failed", "no_response"])
                    when = (ran + pd.Timedelta(hours=float(rng.uniform(1, 200)))).floor("s")
                    outcomes.append((ids[i], check, answer, when, "bench", "bench"))
        for i in np.flatnonzero(rng.random(rows) < 0.1):
            when = (ran + pd.Timedelta(hours=float(rng.uniform(-5, 300)))).floor("s")
            decisions.append((ids[i], rng.choice(["fraud", "legitimate"]), when, "audit", None, "bench"))
    columns = ["claim_id", "check", "outcome", "decided_at", "provider", "imported_from"]
    table = pa.Table.from_pandas(pd.DataFrame(outcomes, columns=columns), schema=VERIFICATIONS_SCHEMA)
    lake.write_table(outcomes_path(lake), table)
    columns = [f.name for f in DISPOSITIONS_SCHEMA]
    table = pa.Table.from_pandas(pd.DataFrame(decisions, columns=columns), schema=DISPOSITIONS_SCHEMA)
    lake.write_table(lake.dispositions_path, table)
    (root / "settings.toml").write_text("")
    return first + dt.timedelta(days=7)


def test_the_ledger_is_the_status_ledger_of_its_week(tmp_path: Path) -> None:
    night = _busy_week(tmp_path)
    ledger = ledger_frame(tmp_path, night)
    as_of = ledger.attrs["as_of"]
    window = [night - dt.timedelta(days=i) for i in range(7)]
    full = status_ledger(
        tmp_path, as_of, nights=window, claim_columns=("language",), feature_columns=("age_at_filing",)
    )
    full["language"] = full["language"].fillna("unknown").astype(str)
    full["age_band"] = age_band(full["age_at_filing"])
    assert len(ledger) == len(full) == 6 * 300  # night 0 is out of the week, night 3 ran later
    assert set(full["status"]) == {"cleared", "verifying", "in_review", "decided_fraud", "decided_legitimate"}
    mine = ledger.assign(claim_id=ledger["claim_id"].astype(str)).sort_values("claim_id", ignore_index=True)
    for column in ("claim_id", "route", "night", "status", "hours_waited", "language", "age_band"):
        pd.testing.assert_series_equal(mine[column].astype(object), full[column].astype(object))
    assert (full["hours_waited"] == 0).any() and (full["age_band"] == "unknown").any()
    report = run_ledger(tmp_path, night)
    assert report["window"] == ledger_figures(full)
    assert report["by_language"] == ledger_by(full, "language")
    assert report["by_age_band"] == ledger_by(full, "age_band")
    assert report["nights"] == {
        n.isoformat(): ledger_figures(full[full["night"] == n]) for n in window if n != dt.date(2026, 10, 4)
    }


def test_an_old_lake_without_the_newer_columns_is_read_as_unknown(tmp_path: Path) -> None:
    """Partitions written before a column existed (a claims part without ``language``, a
    features partition without ``age_at_filing``) are read with that column unknown, the same
    way by the ledger and the status ledger."""
    night = _busy_week(tmp_path)
    lake = Lake(tmp_path)
    old_claims, old_features = dt.date(2026, 10, 3), dt.date(2026, 10, 5)
    part = lake.batch_part("claims", old_claims, "b1")
    lake.write_table(part, lake.read_table(part).drop_columns(["language"]))
    path = lake.features_path(old_features)
    lake.write_table(path, lake.read_table(path).drop_columns(["age_at_filing"]))
    ledger = ledger_frame(tmp_path, night)
    window = [night - dt.timedelta(days=i) for i in range(7)]
    full = status_ledger(
        tmp_path,
        ledger.attrs["as_of"],
        nights=window,
        claim_columns=("language",),
        feature_columns=("age_at_filing",),
    )
    assert len(ledger) == len(full) == 6 * 300
    assert (ledger.loc[ledger["night"] == old_claims, "language"] == "unknown").all()
    assert full.loc[full["night"] == old_claims, "language"].isna().all()
    assert (ledger.loc[ledger["night"] == old_features, "age_band"] == "unknown").all()
    assert full.loc[full["night"] == old_features, "age_at_filing"].isna().all()
    assert (ledger.loc[ledger["night"] == night, "language"] != "unknown").any()
    assert run_ledger(tmp_path, night)["window"] == ledger_figures(full)
