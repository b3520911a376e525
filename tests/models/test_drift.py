"""Drift: the population stability index of tonight's inputs against the fitting window."""

from __future__ import annotations

import numpy as np
import pytest

from claimscreen.models.drift import WARN_PSI, profile, psi, warnings


def test_the_same_population_does_not_drift() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 1))
    reference = profile(x[:10_000], ("a",))
    assert psi(reference, x[10_000:], ("a",))["a"] < 0.01


def test_a_shifted_population_drifts_above_the_warning() -> None:
    rng = np.random.default_rng(1)
    reference = profile(rng.normal(size=(10_000, 1)), ("a",))
    value = psi(reference, rng.normal(loc=1.0, size=(10_000, 1)), ("a",))["a"]
    assert value > WARN_PSI
    assert warnings({"a": value, "b": 0.05}) == [f"a: PSI {value:.2f} (above 0.2)"]


def test_yes_no_inputs_and_missing_values_are_bins_of_their_own() -> None:
    x = np.array([[0.0], [0.0], [1.0], [np.nan]])
    reference = profile(x, ("flag",))
    assert reference["flag"]["shares"] == [0.5, 0.25, 0.0, 0.25]
    # Half the claims suddenly missing the value: a large move, worked out by hand.
    tonight = np.array([[0.0], [np.nan], [1.0], [np.nan]])
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.5 - 0.25) * np.log(0.5 / 0.25)
    assert psi(reference, tonight, ("flag",))["flag"] == pytest.approx(expected, abs=1e-4)


def test_nothing_tonight_is_no_figure() -> None:
    reference = profile(np.zeros((3, 1)), ("a",))
    assert psi(reference, np.zeros((0, 1)), ("a",)) == {}
