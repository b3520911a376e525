"""The nightly flow: its stages (decisions synced, score, publish), the report's scoring figures,
nights in order, re-runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import make_row, run_cli, write_csv

from claimscreen.data.labels import read_decisions
from claimscreen.data.lake import Lake
from claimscreen.data.runs import markdown_report, ordered_routes, scoring_totals
from claimscreen.flows import nightly

NIGHT = dt.date(2026, 10, 1)


def night_batch(folder: Path, night: dt.date = NIGHT, n: int = 4) -> Path:
    rows = [
        make_row(claim_id=f"{night}-{i}", ssn=f"123-45-{6780 + i}", first_name=f"Ann{'a' * i}")
        for i in range(n)
    ]
    rows.append(make_row(claim_id=f"{night}-bad", zip=""))
    return write_csv(folder / f"claims_{night}.csv", rows)


def report_of(home: Path, night: dt.date = NIGHT) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((home / "runs" / f"{night}.json").read_text())
    return loaded


def test_a_night_is_scored_routed_and_its_figures_reported(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    code, out, err = run_cli(home, "nightly", "--batch", str(night_batch(tmp_path)))
    assert code == 0, err
    report = report_of(home)
    assert [s["name"] for s in report["stages"]] == [
        "ingest",
        "sync-decisions",
        "features",
        "score",
        "lookback",
        "publish",
        "ledger",
    ]
    score = report["stages"][3]["details"]
    assert set(score) >= {"scored", "routes", "queued", "audit_sampled", "model_version"}
    totals = report["totals"]
    assert totals["rows_scored"] == totals["rows_ingested"] == 4
    assert sum(totals["routes"].values()) == 4
    assert totals["model_version"] == score["model_version"]
    scores = pq.read_table(Lake(home).scores_path(NIGHT)).to_pandas()
    assert sorted(scores["claim_id"]) == [f"{NIGHT}-{i}" for i in range(4)]
    routes = ", ".join(f"{totals['routes'].get(r, 0)} {r}" for r in ("clear", "verify", "review"))
    assert f"score: 4 scored ({routes})" in out


def test_the_review_apps_decisions_reach_the_lake_before_the_features_and_the_queue_reaches_it(
    home: Path, tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = pd.DataFrame(
        {
            "claim_id": ["C-decided"],
            "outcome": ["fraud"],
            "decided_at": pd.to_datetime(["2026-09-30T15:00:00Z"]),
            "source": ["investigation"],
            "decided_by": ["ana"],
        }
    )
    monkeypatch.setattr("claimscreen.review.dispositions.decisions_as_dispositions", lambda home: decided)
    seen_by_features: list[list[str]] = []
    features = nightly.run_features

    def run_features(home: Path, night: dt.date, *args: Any, **kwargs: Any) -> Any:
        seen_by_features.append(read_decisions(home)["claim_id"].tolist())
        return features(home, night, *args, **kwargs)

    monkeypatch.setattr(nightly, "run_features", run_features)
    code, out, err = run_cli(home, "nightly", "--batch", str(night_batch(tmp_path)))
    assert code == 0, err
    assert seen_by_features == [["C-decided"]]  # a ring's known fraud counts it tonight
    stages = {s["name"]: s for s in report_of(home)["stages"]}
    assert stages["sync-decisions"]["details"] == {"review_decisions_synced": 1}
    assert "| sync-decisions | completed |" in markdown_report(report_of(home))
    assert stages["publish"]["details"]["published"] == report_of(home)["totals"]["queued"]
    assert "publish: " in out
    code, _, err = run_cli(home, "nightly", "--batch", str(night_batch(tmp_path)))
    assert code == 0, err
    assert report_of(home)["stages"][1]["details"] == {"review_decisions_synced": 0}


def test_a_night_after_a_missing_one_is_refused_unless_the_gap_is_allowed(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    assert run_cli(home, "nightly", "--batch", str(night_batch(tmp_path)))[0] == 0
    later = night_batch(tmp_path, NIGHT + dt.timedelta(days=3))
    code, _, err = run_cli(home, "nightly", "--batch", str(later))
    assert code == 2
    assert err == (
        "claimscreen: error: night 2026-10-04 would leave a gap: no batch for 2026-10-02, 2026-10-03; "
        "run the missing night(s) first (claimscreen backfill) or pass --allow-gap\n"
    )
    assert not (home / "runs" / "2026-10-04.json").exists()
    code, _, err = run_cli(home, "nightly", "--batch", str(later), "--allow-gap")
    assert code == 0, err
    assert report_of(home, NIGHT + dt.timedelta(days=3))["status"] == "completed"


def test_running_a_night_again_gives_the_same_scores_and_queue(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    batch = night_batch(tmp_path, n=6)
    lake = Lake(home)
    assert run_cli(home, "nightly", "--batch", str(batch))[0] == 0
    first_scores = pq.read_table(lake.scores_path(NIGHT))
    first_queue = pq.read_table(lake.queue_path(NIGHT))
    first_totals = report_of(home)["totals"]
    code, _, err = run_cli(home, "nightly", "--batch", str(batch))
    assert code == 0, err
    assert pq.read_table(lake.scores_path(NIGHT)).equals(first_scores)
    queue = pq.read_table(lake.queue_path(NIGHT))
    assert queue.equals(first_queue)
    assert len(set(queue.column("claim_id").to_pylist())) == queue.num_rows
    assert report_of(home)["totals"] == first_totals
    assert report_of(home)["stages"][0]["details"]["already_ingested"] is True
    assert len(lake.manifests(NIGHT)) == 1


def test_the_scoring_totals_come_from_the_score_stage() -> None:
    stages = [
        {"name": "ingest", "status": "completed", "seconds": 1.0},
        {
            "name": "score",
            "status": "completed",
            "seconds": 1.0,
            "details": {
                "scored": 10,
                "routes": {"review": 1, "clear": 7, "verify": 2},
                "queued": 3,
                "audit_sampled": 1,
                "model_version": "m1",
            },
        },
    ]
    assert scoring_totals(stages) == {
        "rows_scored": 10,
        "routes": {"clear": 7, "verify": 2, "review": 1},
        "queued": 3,
        "audit_sampled": 1,
        "model_version": "m1",
    }
    assert scoring_totals(stages[:1])["rows_scored"] == 0
    assert list(ordered_routes({"zz": 1, "review": 2, "clear": 3})) == ["clear", "review", "zz"]
