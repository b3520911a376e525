"""The scoring split: chunks scored anywhere and one routing pass give the single run's bytes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from world_fixture import FeaturedWorld

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.features.build import read_features
from claimscreen.models import registry
from claimscreen.models.score_stage import (
    finish_night,
    plan_night,
    score_chunk,
    score_night,
    score_parts,
    work_path,
)


def chunked_night(home: Path, night: dt.date, chunk_rows: int) -> int:
    plan = plan_night(home, night, chunk_rows)
    paths = [score_chunk(home, night, plan.model_version, a, b) for a, b in reversed(plan.chunks)]
    finish_night(home, night, plan.model_version, paths)
    return len(plan.chunks)


def test_a_night_in_chunks_writes_the_same_bytes_as_one_run(
    featured_world: FeaturedWorld, world_home: Path, tmp_path: Path
) -> None:
    single = tmp_path / "single"
    shutil.copytree(world_home, single)
    for night in featured_world.nights[:2]:
        score_night(single, night)
        assert chunked_night(world_home, night, chunk_rows=250) >= 3
        for path in (Lake(single).scores_path(night), Lake(single).queue_path(night)):
            other = Lake(world_home).root / path.relative_to(Lake(single).root)
            assert path.read_bytes() == other.read_bytes(), path
        assert not Lake(world_home).partition("work", night).exists()


def test_the_parts_of_a_claim_do_not_depend_on_its_chunk(
    featured_world: FeaturedWorld, world_home: Path
) -> None:
    night = featured_world.nights[0]
    plan = plan_night(world_home, night)
    scorer = registry.load(world_home, plan.model_version)
    features = read_features(world_home, night)
    whole = score_parts(scorer, features)
    pieces = pd.concat([score_parts(scorer, features.iloc[a : a + 97]) for a in range(0, len(features), 97)])
    pd.testing.assert_frame_equal(whole, pieces.reset_index(drop=True), check_exact=True)
    assert whole["risk"].between(0, 1).all() and whole["claim_id"].is_unique


def test_a_scored_night_is_a_record_and_its_missing_queue_comes_back(
    featured_world: FeaturedWorld, world_home: Path
) -> None:
    night = featured_world.nights[0]
    score_night(world_home, night)
    lake = Lake(world_home)
    scores, queue = lake.scores_path(night).read_bytes(), lake.queue_path(night).read_bytes()
    lake.queue_path(night).unlink()
    plan = plan_night(world_home, night, 100)
    assert (plan.fresh, plan.chunks) == (0, [])
    result = finish_night(world_home, night, plan.model_version, [])
    assert result.newly_scored == 0
    assert lake.scores_path(night).read_bytes() == scores and lake.queue_path(night).read_bytes() == queue


def test_a_chunk_skips_claims_already_scored(featured_world: FeaturedWorld, world_home: Path) -> None:
    night = featured_world.nights[0]
    score_night(world_home, night)
    version = registry.champion(world_home)
    assert version is not None
    path = score_chunk(world_home, night, version, 0, 50)
    assert path == work_path(Lake(world_home), night, 0)
    assert len(pd.read_parquet(path)) == 0


def test_finishing_without_the_chunks_of_unscored_claims_is_refused(
    featured_world: FeaturedWorld, world_home: Path
) -> None:
    night = featured_world.nights[0]
    plan = plan_night(world_home, night)
    with pytest.raises(InputError, match=r"claims not scored and no chunk scored them"):
        finish_night(world_home, night, plan.model_version, [])


def test_parts_that_miss_a_claim_are_refused(featured_world: FeaturedWorld, world_home: Path) -> None:
    night = featured_world.nights[0]
    plan = plan_night(world_home, night, 300)
    first = score_chunk(world_home, night, plan.model_version, *plan.chunks[0])
    with pytest.raises(ValueError, match="do not match its unscored claims"):
        finish_night(world_home, night, plan.model_version, [first])
    assert not Lake(world_home).scores_path(night).exists()


def test_a_chunk_size_below_one_is_refused(featured_world: FeaturedWorld, world_home: Path) -> None:
    with pytest.raises(InputError, match="chunk rows must be at least 1, not 0"):
        plan_night(world_home, featured_world.nights[0], 0)
