"""A small generated state, ingested with features for every night, built once per session.

Tests copy it (``world_home``) and score, retrain and route on their copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import TEST_KEY
from world_fixture import FeaturedWorld

DAYS = 12


@pytest.fixture(scope="session")
def featured_world(tmp_path_factory: pytest.TempPathFactory) -> FeaturedWorld:
    from claimscreen.data.generate import generate_world
    from claimscreen.data.ingest import batch_date_for, ingest_batch
    from claimscreen.data.labels import import_labels
    from claimscreen.data.reference import load_reference
    from claimscreen.features.build import run_features

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)
        root = tmp_path_factory.mktemp("scored-world")
        world = generate_world(root / "world", days=DAYS, claims_per_day=900, seed=21, fraud_rate=0.04)
        home = root / "home"
        for kind, path in world.reference_files.items():
            load_reference(home, kind, path)
        import_labels(home, world.dispositions_file)
        nights = []
        for batch in sorted(world.batch_files):
            night = batch_date_for(batch, None)
            ingest_batch(home, batch, night)
            run_features(home, night)
            nights.append(night)
    truth = pd.read_parquet(world.truth_file)
    return FeaturedWorld(home, truth, nights, world.dispositions_file)


@pytest.fixture
def world_home(featured_world: FeaturedWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the featured world's home folder that a test may change."""
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)
    home = tmp_path / "home"
    shutil.copytree(featured_world.home, home)
    return home
