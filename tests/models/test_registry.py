"""The model registry: versions with cards, sha256 checked before loading, promote and roll back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from claimscreen.models import registry
from claimscreen.models.inputs import NUMERIC_INPUTS
from claimscreen.models.scorer import ClaimScorer


@pytest.fixture(scope="module")
def scorer() -> ClaimScorer:
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.random((300, len(NUMERIC_INPUTS))), columns=list(NUMERIC_INPUTS))
    return ClaimScorer().fit_anomaly(features)


def test_save_numbers_versions_and_writes_a_card(home: Path, scorer: ClaimScorer) -> None:
    first = registry.save(home, scorer, {"kind": "cold-start", "features": ["a"]})
    second = registry.save(home, scorer, {"kind": "cold-start"})
    assert (first, second) == ("v0001", "v0002")
    card = registry.card(home, first)
    assert card["features"] == ["a"] and len(card["sha256"]) == 64
    assert registry.versions(home) == ["v0001", "v0002"]
    assert isinstance(registry.load(home, first), ClaimScorer)


def test_a_changed_artifact_is_refused(home: Path, scorer: ClaimScorer) -> None:
    version = registry.save(home, scorer, {})
    artifact = registry.registry_folder(home) / version / "model.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"x")
    with pytest.raises(registry.RegistryError, match="sha256"):
        registry.load(home, version)
    with pytest.raises(registry.RegistryError, match="sha256"):
        registry.promote(home, version, reason="test")


def test_unknown_version_is_a_clear_error(home: Path) -> None:
    with pytest.raises(registry.RegistryError, match="no model version 'v0042'"):
        registry.load(home, "v0042")


def test_promote_and_roll_back_walk_the_champion_stack(home: Path, scorer: ClaimScorer) -> None:
    for _ in range(3):
        registry.promote(home, registry.save(home, scorer, {}), reason="better")
    assert registry.champion(home) == "v0003"
    assert registry.rollback(home, reason="bad night") == "v0002"
    assert registry.rollback(home, reason="still bad") == "v0001"
    with pytest.raises(registry.RegistryError, match="no earlier champion"):
        registry.rollback(home)
    history = json.loads((registry.registry_folder(home) / "champion.json").read_text())["history"]
    assert [h["action"] for h in history] == ["promote"] * 3 + ["rollback"] * 2
    assert history[-1]["reason"] == "still bad"


def test_no_champion_before_any_promotion(home: Path) -> None:
    assert registry.champion(home) is None
    with pytest.raises(registry.RegistryError):
        registry.rollback(home)
