"""A model keeps scoring after an upgrade of claimscreen adds model inputs (new features)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import feature_frame as frame
from helpers import ordinary_features as ordinary

from claimscreen.models import scorer as scorer_module
from claimscreen.models.inputs import MODEL_INPUTS
from claimscreen.models.scorer import ClaimScorer


def test_a_scorer_fitted_before_new_inputs_keeps_scoring_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    features = frame(*[ordinary(session_seconds=float(s)) for s in rng.integers(300, 1500, 200)])
    before = MODEL_INPUTS[:-7]  # the inputs of an older release
    monkeypatch.setattr(scorer_module, "MODEL_INPUTS", before)
    old = ClaimScorer().fit_anomaly(features)
    expected = old.score(features).risk
    monkeypatch.undo()
    assert old.inputs() == before
    # Today's features hold seven more inputs: the old model scores on the ones it knows.
    assert np.allclose(old.score(features).risk, expected)
    assert set(old.drift(features)) <= set(before)
    # A scorer saved before its inputs were kept: they are read from its drift profile.
    del old.inputs_
    assert old.inputs() == before
    assert np.allclose(old.score(features).risk, expected)


def test_a_new_scorer_uses_every_input_of_today() -> None:
    features = frame(*[ordinary(session_seconds=float(s)) for s in range(300, 500)])
    assert ClaimScorer().fit_anomaly(features).inputs() == MODEL_INPUTS


def test_an_input_no_claim_has_yet_fills_as_zero_without_a_warning() -> None:
    rng = np.random.default_rng(4)
    features = frame(*[ordinary(session_seconds=float(s)) for s in rng.integers(300, 1500, 50)])
    features[MODEL_INPUTS[0]] = np.nan  # a state's first night: no claim has this input yet
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "All-NaN slice" reached the operator's terminal
        scorer = ClaimScorer().fit_anomaly(features)
    assert scorer.fill_[0] == 0.0
