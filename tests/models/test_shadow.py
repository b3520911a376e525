"""Shadow scoring: the nights also score the shadow without changing routes or the record, and a
retraining promotes a shadow only after its live nights."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from world_fixture import FeaturedWorld

from claimscreen.data.lake import Lake
from claimscreen.models import registry
from claimscreen.models.promotion import MIN_SHADOW_NIGHTS, Check
from claimscreen.models.score_stage import read_scores, score_night, shadow_path, window_features
from claimscreen.models.scorer import ClaimScorer
from claimscreen.models.training import retrain

AFTER = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def small_state(world_home: Path) -> None:
    """A tiny world has a few hundred labels: let it train on them (as test_training's)."""
    (world_home / "settings.toml").write_text(
        "[scoring]\nmin_training_labels = 60\nmin_training_fraud = 15\n"
    )


def test_shadow_scoring_writes_its_file_and_leaves_the_routes_alone(
    world_home: Path, featured_world: FeaturedWorld, tmp_path: Path
) -> None:
    first, second = featured_world.nights[:2]
    score_night(world_home, first)
    alone = tmp_path / "alone"
    shutil.copytree(world_home, alone)
    # A shadow that differs from the champion: its anomaly model saw one night only.
    shadow = ClaimScorer().fit_anomaly(window_features(world_home, first, first))
    version = registry.save(world_home, shadow, {"kind": "cold-start", "note": "test shadow"})
    registry.set_shadow(world_home, version, reason="test")

    result = score_night(world_home, second)
    unshadowed = score_night(alone, second)
    assert result.routes == unshadowed.routes
    pd.testing.assert_frame_equal(read_scores(world_home, second), read_scores(alone, second))
    path = shadow_path(Lake(world_home), second, version)
    written = pd.read_parquet(path)
    assert list(written.columns) == ["claim_id", "risk_score", "model_score", "route"]
    assert len(written) == result.scored and set(written["route"]) <= {"clear", "verify", "review"}
    assert result.shadow["version"] == version and result.shadow["claims"] == result.scored
    assert 0.0 <= result.shadow["same_route"] <= 1.0 and "shadow" in result.timings
    assert not unshadowed.shadow and not list((alone / "lake").glob("shadow/*"))
    # A re-run scores nothing new, so the shadow is not scored again.
    assert score_night(world_home, second).shadow == {}


def test_a_large_night_is_shadow_scored_on_a_fixed_sample(
    world_home: Path, featured_world: FeaturedWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimscreen.models import score_stage

    monkeypatch.setattr(score_stage, "SHADOW_MAX_CLAIMS", 25)
    first, second = featured_world.nights[:2]
    score_night(world_home, first)
    version = registry.save(
        world_home, ClaimScorer().fit_anomaly(window_features(world_home, first, first)), {}
    )
    registry.set_shadow(world_home, version, reason="test")
    result = score_night(world_home, second)
    assert result.scored > 25
    assert result.shadow["claims"] == 25 and result.shadow["of_claims"] == result.scored
    sample = pd.read_parquet(shadow_path(Lake(world_home), second, version))["claim_id"]
    # The same claims every time: a hash of the claim id, not a random draw.
    rows = window_features(world_home, second, second)
    again, _ = score_stage._shadow_sample(
        rows.reset_index(drop=True), score_stage.load_settings(world_home).scoring
    )
    assert sorted(sample) == sorted(again["claim_id"].astype(str))


def test_a_shadow_that_fails_to_load_does_not_stop_the_night(
    world_home: Path, featured_world: FeaturedWorld
) -> None:
    first, second = featured_world.nights[:2]
    score_night(world_home, first)
    version = registry.save(world_home, ClaimScorer(), {"kind": "cold-start"})
    registry.set_shadow(world_home, version, reason="test")
    (registry.registry_folder(world_home) / version / "model.joblib").write_bytes(b"changed")
    result = score_night(world_home, second)
    assert "does not match the sha256" in result.shadow["error"]
    assert result.scored > 0


def test_a_passing_challenger_is_shadowed_then_promoted_after_its_live_nights(
    world_home: Path, featured_world: FeaturedWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = retrain(world_home, now=AFTER)
    assert first.status == "bootstrapped"

    def better(estimate: object, labeled: object) -> list[Check]:
        return [Check("unbiased_ranking", True, 0.1, 0.0, "better on the unbiased estimate: test")]

    monkeypatch.setattr("claimscreen.models.training.ranking_checks", better)
    second = retrain(world_home, now=AFTER)
    assert second.status == "shadow", second.reason
    assert registry.shadow(world_home) == second.challenger
    assert registry.champion(world_home) == first.challenger
    too_early = retrain(world_home, now=AFTER)  # no live night yet: the shadow is not promoted
    assert too_early.status == "shadow" and registry.champion(world_home) == first.challenger
    assert {c["name"]: c for c in too_early.shadow["checks"]}["shadow_nights"]["passed"] is False
    for night in featured_world.nights[:MIN_SHADOW_NIGHTS]:
        assert score_night(world_home, night).shadow["version"] == too_early.challenger

    third = retrain(world_home, now=AFTER)
    assert third.status == "promoted", third.reason
    assert registry.champion(world_home) == too_early.challenger
    assert third.shadow["comparison"]["nights"] == MIN_SHADOW_NIGHTS
    assert registry.shadow(world_home) == third.challenger
    assert "Shadow nights" in Path(third.report_html).read_text()
