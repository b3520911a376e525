"""Verification outcomes weigh on the training, and never become labels (issue #20)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from claimscreen.data.lake import Lake
from claimscreen.data.schema import VERIFICATIONS_SCHEMA
from claimscreen.features.build import read_features
from claimscreen.models.scorer import ClaimScorer
from claimscreen.models.training import all_decisions, retrain, training_set
from claimscreen.models.verification import CONTRADICTED_WEIGHT, outcomes_path, verification_weights

AT = pd.Timestamp("2026-10-02T08:00:00Z")


def outcomes(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(c, check, outcome, AT + pd.Timedelta(minutes=i)) for i, (c, check, outcome) in enumerate(rows)],
        columns=["claim_id", "check", "outcome", "decided_at"],
    )


def test_a_label_its_checks_contradict_weighs_less_and_keeps_its_label() -> None:
    labeled = pd.DataFrame({"claim_id": ["F-failed", "F-passed", "L-passed", "L-failed", "L-none", "F-late"]})
    labeled["label"] = [1, 1, 0, 0, 0, 1]
    found = outcomes(
        ("F-failed", "identity", "failed"),  # fraud, and the check failed: borne out
        ("F-passed", "identity", "passed"),  # fraud decided although every check passed
        ("F-passed", "bank_account", "passed"),
        ("L-passed", "identity", "passed"),  # legitimate, passed: borne out
        ("L-failed", "identity", "passed"),
        ("L-failed", "bank_account", "no_response"),  # legitimate although a check went unanswered
        ("F-late", "identity", "failed"),
        ("F-late", "identity", "passed"),  # the latest answer per check counts
    )
    weights = verification_weights(labeled, found)
    assert weights.tolist() == [1.0, CONTRADICTED_WEIGHT, 1.0, CONTRADICTED_WEIGHT, 1.0, CONTRADICTED_WEIGHT]
    assert labeled["label"].tolist() == [1, 1, 0, 0, 0, 1]  # untouched


def test_a_failed_verification_does_not_become_a_fraud_label(
    world_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (world_home / "settings.toml").write_text(
        "[scoring]\nmin_training_labels = 60\nmin_training_fraud = 15\n"
    )
    labeled = training_set(world_home, all_decisions(world_home))
    first = labeled[labeled["batch_date"] == labeled["batch_date"].min()]
    honest = first.loc[first["label"] == 0, "claim_id"].iloc[0]
    fraud = first.loc[first["label"] == 1, "claim_id"].iloc[0]
    night = first["batch_date"].iloc[0]
    unlabeled = next(
        c for c in read_features(world_home, night)["claim_id"] if c not in set(labeled["claim_id"])
    )
    found = outcomes(
        (unlabeled, "identity", "failed"),  # failed, never decided: no training row at all
        (unlabeled, "bank_account", "no_response"),
        (honest, "identity", "failed"),  # decided legitimate after failing: stays honest
        (fraud, "identity", "passed"),  # decided fraud after passing: stays fraud
    ).assign(provider="test", imported_from="test.csv")
    lake = Lake(world_home)
    lake.write_table(outcomes_path(lake), pa.Table.from_pandas(found, schema=VERIFICATIONS_SCHEMA))

    seen: dict[str, Any] = {}
    fit = ClaimScorer.fit_supervised

    def spy(self: ClaimScorer, train: pd.DataFrame, y: np.ndarray, *args: Any, **kwargs: Any) -> ClaimScorer:
        seen.update(ids=train["claim_id"].tolist(), y=y, weights=kwargs["sample_weight"])
        return fit(self, train, y, *args, **kwargs)

    monkeypatch.setattr(ClaimScorer, "fit_supervised", spy)
    report = retrain(world_home, now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    rows = pd.DataFrame({"y": seen["y"], "weight": seen["weights"]}, index=seen["ids"])
    assert unlabeled not in rows.index
    assert rows.loc[honest].tolist() == [0, CONTRADICTED_WEIGHT]
    assert rows.loc[fraud].tolist() == [1, CONTRADICTED_WEIGHT]
    assert (rows.drop(index=[honest, fraud])["weight"] == 1).all()
    expected = labeled.set_index("claim_id").loc[rows.index, "label"]
    assert (rows["y"] == expected).all()  # every label as decided, none from an outcome
    assert report.labels["verification_contradicted"] == 2
    assert report.labels["total"] == len(labeled)
