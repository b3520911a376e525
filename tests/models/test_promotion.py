"""The promotion gate on hand-made labels: the unbiased estimate decides, the investigated labels
alone never do, too small an audit draw makes no claim; structured checks say why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from claimscreen.models.promotion import (
    MIN_AUDIT_LABELS,
    Check,
    decide,
    ranking_checks,
    shadow_check,
    shadow_comparison,
    unbiased_estimate,
    weighted_average_precision,
    wilson,
)

POPULATION = 20_000


def labels(
    investigated: tuple[int, int], audited: tuple[int, int], seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Labeled claims: (fraud, honest) investigated, then (fraud, honest) audited; and a random
    score for each (an uninformed model)."""
    (inv_fraud, inv_honest), (aud_fraud, aud_honest) = investigated, audited
    frame = pd.DataFrame(
        {
            "label": [1] * inv_fraud + [0] * inv_honest + [1] * aud_fraud + [0] * aud_honest,
            "source": ["investigation"] * (inv_fraud + inv_honest) + ["audit"] * (aud_fraud + aud_honest),
        }
    )
    return frame, np.random.default_rng(seed).uniform(0.1, 0.6, len(frame))


def knows(frame: pd.DataFrame, noise: np.ndarray, where: np.ndarray) -> np.ndarray:
    """A model that scores the fraud of the rows ``where`` high, and is uninformed elsewhere."""
    return np.where(where & (frame["label"] == 1).to_numpy(), 0.95, noise)


def judge(frame: pd.DataFrame, champion: np.ndarray, challenger: np.ndarray) -> list[Check]:
    routes = {
        name: np.where(risk >= 0.9, "review", "clear")
        for name, risk in (("champion", champion), ("challenger", challenger))
    }
    estimate = unbiased_estimate(frame, {"champion": champion, "challenger": challenger}, POPULATION, routes)
    labeled = {
        name: {"average_precision": average_precision_score(frame["label"], risk)}
        for name, risk in (("champion", champion), ("challenger", challenger))
    }
    return ranking_checks(estimate, labeled)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_a_challenger_that_wins_on_investigated_labels_but_loses_on_the_audit_draw_is_refused() -> None:
    frame, noise = labels(investigated=(150, 150), audited=(25, 475))
    audit = (frame["source"] == "audit").to_numpy()
    # The challenger learned the old flags: it finds the investigated fraud and misses the rest.
    challenger = knows(frame, noise, ~audit)
    champion = knows(frame, noise[::-1], audit)
    checks = by_name(judge(frame, champion, challenger))
    assert checks["labeled_ranking"].passed is True and not checks["labeled_ranking"].decisive
    ranking = checks["unbiased_ranking"]
    assert ranking.passed is False and ranking.value is not None and ranking.value < 0
    assert "loses on the unbiased estimate" in ranking.detail
    assert checks["unbiased_fraud_caught"].passed is False
    passes, why = decide(list(checks.values()))
    assert not passes and why == ranking.detail


def test_a_challenger_better_on_both_is_promoted() -> None:
    frame, noise = labels(investigated=(150, 150), audited=(25, 475))
    challenger = knows(frame, noise, np.ones(len(frame), dtype=bool))
    checks = judge(frame, noise[::-1], challenger)
    named = by_name(checks)
    assert named["audit_labels"].passed and named["labeled_ranking"].passed
    assert named["unbiased_ranking"].passed and named["unbiased_ranking"].value > 0
    assert "better on the unbiased estimate" in named["unbiased_ranking"].detail
    assert decide(checks) == (True, named["unbiased_ranking"].detail)


def test_a_tiny_audit_draw_makes_no_unbiased_claim_and_leaves_it_to_the_shadow_nights() -> None:
    """Without enough audits there is no unbiased comparison: the investigated labels decide,
    towards the shadow step only (a small state must be able to leave its cold-start model)."""
    frame, noise = labels(investigated=(150, 150), audited=(1, 30))
    challenger = knows(frame, noise, np.ones(len(frame), dtype=bool))
    checks = judge(frame, noise[::-1], challenger)
    named = by_name(checks)
    assert "unbiased_ranking" not in named
    audit = named["audit_labels"]
    assert audit.passed is False and audit.value == 31 and audit.threshold == MIN_AUDIT_LABELS
    assert audit.detail.startswith("not enough audit labels") and not audit.decisive
    ranking = named["labeled_ranking"]
    assert ranking.decisive and ranking.passed
    assert decide(checks)[0] is True
    # A challenger that is not better on the investigated labels stays out.
    worse = by_name(judge(frame, challenger, noise[::-1]))
    assert decide(list(worse.values())) == (False, worse["labeled_ranking"].detail)


def test_a_difference_within_noise_is_not_better() -> None:
    frame, noise = labels(investigated=(100, 100), audited=(8, 400))
    shifted = np.clip(noise + np.random.default_rng(1).normal(0, 0.01, len(noise)), 0, 1)
    ranking = by_name(judge(frame, noise, shifted))["unbiased_ranking"]
    assert ranking.passed is False and "not better beyond noise" in ranking.detail


def test_the_estimate_weights_the_audit_draw_by_its_pool() -> None:
    frame, noise = labels(investigated=(10, 90), audited=(5, 295))
    estimate = unbiased_estimate(frame, {"champion": noise}, POPULATION)
    assert estimate.audit_weight == pytest.approx((POPULATION - 100) / 300, abs=1e-3)
    assert (estimate.investigated, estimate.audit_claims, estimate.audit_fraud) == (100, 300, 5)
    low, high = estimate.audit_fraud_share_ci
    assert low is not None and high is not None and low < 5 / 300 < high
    assert estimate.to_dict()["audit_fraud_share_ci"] == [low, high]


def test_weighted_average_precision_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    y = rng.random(500) < 0.1
    score = np.round(rng.random(500), 2)  # ties
    weight = rng.choice([1.0, 40.0], 500)
    expected = average_precision_score(y, score, sample_weight=weight)
    assert weighted_average_precision(y, score, weight) == pytest.approx(expected)
    assert weighted_average_precision(np.zeros(5, dtype=bool), np.ones(5), np.ones(5)) is None


def test_wilson_interval() -> None:
    low, high = wilson(5, 300)
    assert low == pytest.approx(0.00713, abs=1e-4) and high == pytest.approx(0.03838, abs=1e-4)
    assert wilson(0, 0) == (None, None)
    assert wilson(0, 50)[0] == 0.0


def test_the_shadow_comparison_and_its_check() -> None:
    frame = pd.DataFrame(
        {
            "batch_date": ["2026-10-01"] * 3 + ["2026-10-02"] * 2,
            "claim_id": list("abcde"),
            "champion_route": ["clear", "review", "clear", "verify", "clear"],
            "champion_risk": [0.1, 0.9, 0.2, 0.6, 0.1],
            "shadow_route": ["clear", "review", "review", "clear", "clear"],
            "shadow_risk": [0.1, 0.95, 0.85, 0.3, 0.2],
            "outcome": [None, "fraud", "fraud", None, "legitimate"],
            "source": [None, "investigation", "audit", None, "audit"],
        }
    )
    found = shadow_comparison(frame)
    assert (found["nights"], found["claims"], found["same_route"]) == (2, 5, 0.6)
    assert found["shadow"]["routes"] == {"clear": 3, "verify": 0, "review": 2}
    assert found["shadow"]["audited_fraud_caught"] == 1 and found["champion"]["audited_fraud_caught"] == 0
    assert found["champion"]["honest_delayed_own_risk"] == pytest.approx(0.5)
    check = shadow_check(found)
    assert check.passed is False and check.value == 2 and "2 live night" in check.detail
