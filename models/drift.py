"""Drift: how far tonight's claims have moved from the claims the champion was fitted on.

For every model input, the champion keeps a *profile* of its fitting window:
the cut points of ten quantile bins (fewer where values repeat: a yes/no input
has two bins), each bin's share of claims, and the share with the value missing. Tonight's
claims are binned the same way, and the population stability index

    PSI = sum over bins of (tonight's share - profile's share) * ln(tonight's / profile's)

(shares floored at 0.0001) measures the move: under 0.1 stable, 0.1 to 0.2 a
shift worth watching, above :data:`WARN_PSI` (0.2) a warning in the night's
report: the model is scoring claims unlike those it learned from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["WARN_PSI", "profile", "psi", "psi_columns", "warnings"]

WARN_PSI = 0.2
_FLOOR = 1e-4
_BINS = 10


def profile(x: np.ndarray, names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The profile of each column of ``x`` (rows are claims)."""
    out: dict[str, dict[str, Any]] = {}
    for j, name in enumerate(names):
        column = x[:, j]
        present = column[~np.isnan(column)]
        levels = np.linspace(0, 1, _BINS + 1)[1:-1]
        cuts = np.unique(np.quantile(present, levels, method="inverted_cdf")) if len(present) else np.zeros(0)
        out[name] = {"cuts": cuts.tolist(), "shares": _shares(column, cuts).tolist()}
    return out


def _shares(column: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Shares of the bins the ``cuts`` make (a value equal to a cut falls in its bin: a yes/no
    input has the bins no, yes), then of missing values."""
    missing = np.isnan(column)
    bins = np.searchsorted(cuts, column[~missing], side="left")
    counts = np.bincount(bins, minlength=len(cuts) + 1).astype("float64")
    counts = np.append(counts, missing.sum())
    return counts / max(len(column), 1)


def psi(reference: dict[str, dict[str, Any]], x: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """The population stability index of each profiled column of ``x`` against ``reference``."""
    if not len(x):
        return {}
    return psi_columns(reference, ((name, x[:, j]) for j, name in enumerate(names)))


def psi_columns(
    reference: dict[str, dict[str, Any]], columns: Iterable[tuple[str, np.ndarray]]
) -> dict[str, float]:
    """:func:`psi` of columns given one at a time, as name and values
    (:func:`claimscreen.models.inputs.model_columns`): no matrix of them all is made."""
    out: dict[str, float] = {}
    for name, column in columns:
        if name not in reference or not len(column):
            continue
        expected = np.maximum(np.asarray(reference[name]["shares"], dtype="float64"), _FLOOR)
        actual = np.maximum(_shares(column, np.asarray(reference[name]["cuts"], dtype="float64")), _FLOOR)
        out[name] = round(float(np.sum((actual - expected) * np.log(actual / expected))), 4)
    return out


def warnings(values: dict[str, float]) -> list[str]:
    """One line per input above :data:`WARN_PSI`, largest first."""
    high = sorted(((v, k) for k, v in values.items() if v > WARN_PSI), reverse=True)
    return [f"{name}: PSI {value:.2f} (above {WARN_PSI})" for value, name in high]
