"""The model's input columns, derived from the feature registry.

Every registered numeric or yes/no feature is an input, as a float (missing
stays NaN: phone and in-person claims have no device data, and missing is a
value the gradient-boosted model learns from). A text feature listing kinds
(``ring_shared_kinds``) becomes one yes/no column per kind.

Left out on purpose: ``age_at_filing``. Age is a protected characteristic in
the fairness gate (false-positive rates by age band must stay within 0.8 of
each other); the model may use ``age_under_18`` (a child cannot have the
wages a claim needs) but not age itself. Two proxies for age and language are
left out too (:data:`EXCLUDED` says why): ``session_seconds`` and
``name_email_similarity``. A mailbox without the claimant's name is common
among honest people (a handle, a spouse's or a relative's address), and a
relative who files for an older or limited-English claimant often gives their
own (the data scientists' guide, "Fairness", has what leaving it out
measured). It stays a registered feature.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from claimscreen.features.build import ALL_FEATURES
from claimscreen.features.catalog import Feature

__all__ = ["EXCLUDED", "KIND_INPUTS", "MODEL_INPUTS", "NUMERIC_INPUTS", "model_columns", "model_matrix"]

#: Identifier kinds a ring can share (features.network), one input each.
RING_KINDS: tuple[str, ...] = ("bank_account", "device", "ip", "email", "phone", "address")

#: Registered features that are never model inputs, and why.
EXCLUDED: dict[str, str] = {
    "age_at_filing": "a protected characteristic (fairness by age band); age_under_18 stays",
    "suspicious_actor_kinds": "text; suspicious_actor_match carries the signal",
    "name_email_similarity": "a proxy for age and language (relatives who help older and limited-English "
    "claimants file give their own mailbox), and a weak cue: many honest mailboxes carry no name",
    "session_seconds": "a proxy for age and language (older and non-English claimants take longer); "
    "short_session stays",
}


def _numeric(feature: Feature) -> bool:
    return feature.dtype != "str" and feature.name not in EXCLUDED


NUMERIC_INPUTS: tuple[str, ...] = tuple(f.name for f in ALL_FEATURES if _numeric(f))
KIND_INPUTS: tuple[str, ...] = tuple(f"ring_shares_{kind}" for kind in RING_KINDS)

#: The model's columns, in order.
MODEL_INPUTS: tuple[str, ...] = NUMERIC_INPUTS + KIND_INPUTS


def model_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """One float column per model input, in :data:`MODEL_INPUTS` order, rows as ``features``."""
    return pd.DataFrame(dict(model_columns(features)), index=features.index)


def model_columns(
    features: pd.DataFrame, names: tuple[str, ...] = MODEL_INPUTS
) -> Iterator[tuple[str, np.ndarray]]:
    """Each model input of ``names``, in order, as a float column (rows as ``features``): a
    feature the frame lacks, or a name no longer among :data:`MODEL_INPUTS` (an input a scorer
    was fitted with and removed since), is missing (NaN). One column at a time, so a step that
    reads them one by one (the drift profile) needs no matrix of them all."""
    kinds: dict[str, np.ndarray] | None = None
    numeric = set(NUMERIC_INPUTS)
    for name in names:
        if name in KIND_INPUTS:
            kinds = kinds if kinds is not None else _kind_columns(features)
            yield name, kinds[name]
        elif name in numeric and name in features:
            yield name, pd.to_numeric(features[name], errors="coerce").astype("float64").to_numpy()
        else:
            yield name, np.full(len(features), np.nan)


def _kind_columns(features: pd.DataFrame) -> dict[str, np.ndarray]:
    """The yes/no column of each kind a ring can share, from ``ring_shared_kinds``."""
    kinds = features.get("ring_shared_kinds")
    # Few distinct values (kind lists): decide each once, then spread by code.
    codes, uniques = pd.factorize(kinds if kinds is not None else pd.Series("", index=features.index))
    columns: dict[str, np.ndarray] = {}
    for kind, name in zip(RING_KINDS, KIND_INPUTS, strict=True):
        has = np.array([kind in str(u).split(";") for u in uniques] + [False], dtype="float64")
        columns[name] = has[codes]
    return columns
