"""Scoring a night: every claim once, rules to review, reasons for the delayed, a record that stays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from world_fixture import FeaturedWorld

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.data.schema import QUEUE_SCHEMA, SCORES_EXPORT_COLUMNS, SCORES_SCHEMA
from claimscreen.data.settings import load_settings
from claimscreen.features.build import read_features
from claimscreen.models import registry
from claimscreen.models.evaluation import evaluate
from claimscreen.models.score_stage import export_table, read_scores, score_night


def scored(home: Path, nights: list[dt.date]) -> pd.DataFrame:
    return pd.concat([read_scores(home, n) for n in nights if score_night(home, n)], ignore_index=True)


def test_every_claim_is_scored_once_with_the_contract_columns(
    featured_world: FeaturedWorld, world_home: Path
) -> None:
    night = featured_world.nights[0]
    result = score_night(world_home, night)
    scores = pq.read_table(Lake(world_home).scores_path(night))
    assert scores.schema.equals(SCORES_SCHEMA)
    frame = scores.to_pandas()
    features = read_features(world_home, night)
    assert sorted(frame["claim_id"]) == sorted(features["claim_id"])
    assert frame["route"].isin(["clear", "verify", "review"]).all()
    assert frame["risk_score"].between(0, 1).all()
    assert result.scored == len(frame) and sum(result.routes.values()) == len(frame)
    assert (frame["model_version"] == "v0001").all()


def test_the_first_night_registers_a_cold_start_champion(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    score_night(world_home, featured_world.nights[0])
    assert registry.champion(world_home) == "v0001"
    card = registry.card(world_home, "v0001")
    assert card["kind"] == "cold-start" and card["labels"] == {"total": 0}


def test_hard_evidence_goes_to_review_and_the_delayed_say_why(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    frame = scored(world_home, featured_world.nights[:3])
    assert (frame.loc[frame["rule_hit"], "route"] == "review").all()
    delayed = frame[frame["route"] != "clear"]
    assert len(delayed) and (delayed["reasons"] != "").all()
    assert (delayed["reasons"].str.split(";").str.len() == delayed["reason_text"].str.len()).all()
    clear = frame[frame["route"] == "clear"]
    assert (clear["reasons"] == "").all()
    rules = delayed[delayed["rule_hit"]]
    firsts = rules["reasons"].str.split(";").str[0]
    assert firsts.isin(["DECEASED", "INCARCERATED", "SUSPICIOUS_ACTOR", "INTERSTATE", "SSN_INVALID"]).all()


def test_a_flagged_rings_members_share_one_case(world_home: Path, featured_world: FeaturedWorld) -> None:
    frame = scored(world_home, featured_world.nights[:4])
    ring_cases = frame[frame["case_id"].str.startswith("ring:")]
    assert len(ring_cases)
    per_case = ring_cases.groupby("case_id")["ring_id"].nunique()
    assert (per_case == 1).all()


def test_a_rerun_changes_nothing_and_a_new_champion_does_not_rewrite_the_record(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    night = featured_world.nights[1]
    score_night(world_home, night)
    path = Lake(world_home).scores_path(night)
    before = path.read_bytes()
    score_night(world_home, night)
    assert path.read_bytes() == before
    scorer = registry.load(world_home, "v0001")
    registry.promote(world_home, registry.save(world_home, scorer, {"kind": "cold-start"}), reason="test")
    score_night(world_home, night)
    assert path.read_bytes() == before


def test_the_queue_holds_the_delayed_and_the_audit_draw_and_is_rebuilt_when_lost(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    night = featured_world.nights[2]
    score_night(world_home, night)
    lake = Lake(world_home)
    queue = pq.read_table(lake.queue_path(night))
    assert queue.schema.equals(QUEUE_SCHEMA)
    frame = read_scores(world_home, night)
    wanted = frame[(frame["route"] != "clear") | frame["audit_sample"]]
    assert sorted(queue["claim_id"].to_pylist()) == sorted(wanted["claim_id"])
    priorities = queue["priority"].to_pylist()
    assert priorities == sorted(priorities, reverse=True)
    assert frame["audit_sample"].sum() == round(0.005 * (frame["route"] == "clear").sum())
    lake.queue_path(night).unlink()
    score_night(world_home, night)
    assert pq.read_table(lake.queue_path(night)).equals(queue)


def test_export_has_the_contract_columns(world_home: Path, featured_world: FeaturedWorld) -> None:
    night = featured_world.nights[0]
    score_night(world_home, night)
    table = export_table(world_home, night)
    assert table.column_names == [*SCORES_EXPORT_COLUMNS, "reason_text"]
    with pytest.raises(InputError, match="no scores"):
        export_table(world_home, featured_world.nights[5])


def test_a_night_without_features_is_refused(world_home: Path) -> None:
    with pytest.raises(InputError, match="no features"):
        score_night(world_home, dt.date(2030, 1, 1))


def test_cold_start_catches_most_fraud_and_clears_the_honest(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    """The goals at small scale with looser bounds (bench/quality.py measures them in full)."""
    frame = scored(world_home, featured_world.nights)
    truth = featured_world.truth[["claim_id", "is_fraud"]]
    ev = evaluate(frame.merge(truth, on="claim_id"))
    assert ev.honest_clear_rate is not None and ev.honest_clear_rate >= 0.95
    assert ev.fraud_caught_rate is not None and ev.fraud_caught_rate >= 0.80


def test_the_result_reports_drift_and_the_largest_rings(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    first = score_night(world_home, featured_world.nights[0])
    later = score_night(world_home, featured_world.nights[1])
    assert later.drift and all(value >= 0 for value in later.drift.values())
    assert isinstance(later.drift_warnings, list)
    rings = later.largest_rings
    assert rings and rings == sorted(rings, key=lambda r: (-r["size"], -r["claims_tonight"]))
    assert all(r["new"] for r in first.largest_rings)
    assert all(r["new"] == (r["claims_tonight"] == r["size"]) for r in rings)
    seen = set(read_scores(world_home, featured_world.nights[0])["ring_id"].dropna())
    assert not any(r["new"] and r["ring_id"] in seen for r in rings)


def test_the_result_counts_the_high_scoring_claims_paid_anyway_across_reruns(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    """``held_back`` is kept per claim in the scores, so a night scored in two runs (or
    chunks) reports the same counts as one run."""
    night = featured_world.nights[0]
    strict = load_settings(world_home).model_copy(deep=True)
    scoring = strict.scoring.model_copy(update={"min_verify_score": 0.0, "min_model_only_score": 1.0})
    strict = strict.model_copy(update={"scoring": scoring})
    result = score_night(world_home, night, strict)
    frame = read_scores(world_home, night)
    held = frame[frame["held_back"] != ""]
    assert (held["route"] == "clear").all() and len(held)
    assert set(held["held_back"]) <= {"model_only", "honest_delay_budget"}
    assert set(result.held_back) == {"model_only", "honest_delay_budget"}
    assert result.held_back == {r: int((frame["held_back"] == r).sum()) for r in result.held_back}
    assert sum(result.held_back.values()) == len(held)
    again = score_night(world_home, night, strict)
    assert again.newly_scored == 0 and again.held_back == result.held_back


def test_scores_written_before_the_held_back_column_still_read(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    night = featured_world.nights[0]
    score_night(world_home, night)
    lake = Lake(world_home)
    path = lake.scores_path(night)
    old = pq.read_table(path).drop_columns(["held_back"])
    pq.write_table(old, path)
    frame = read_scores(world_home, night)
    assert (frame["held_back"] == "").all()
    assert score_night(world_home, night).scored == len(frame)
