"""Routing: rules always review, rings as one case within capacity, the delay budget, the audit draw."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from claimscreen.data.settings import ScoringSettings
from claimscreen.models.routing import route_claims

NIGHT = dt.date(2026, 10, 5)


def claims(n: int, rings: dict[int, str] | None = None) -> pd.DataFrame:
    ring = [None] * n
    for i, r in (rings or {}).items():
        ring[i] = r
    return pd.DataFrame({"claim_id": [f"C{i:03d}" for i in range(n)], "ring_id": ring})


def settings(**changes: object) -> ScoringSettings:
    base = {"review_capacity": 100, "max_honest_delay_share": 1.0, "audit_share": 0.0}
    return ScoringSettings(**{**base, **changes})  # type: ignore[arg-type]


def test_hard_evidence_goes_to_review_even_beyond_capacity() -> None:
    risk = np.array([0.1, 0.1, 0.1])
    rule = np.array([True, True, False])
    routing = route_claims(claims(3), risk, rule, NIGHT, settings(review_capacity=0))
    assert routing.route.tolist() == ["review", "review", "clear"]


def test_a_flagged_ring_goes_to_review_together_as_one_case() -> None:
    frame = claims(5, {0: "R-a", 1: "R-a", 2: "R-a", 3: "R-b"})
    risk = np.array([0.95, 0.3, 0.1, 0.3, 0.1])
    routing = route_claims(frame, risk, np.zeros(5, bool), NIGHT, settings())
    assert routing.route.tolist() == ["review", "review", "review", "clear", "clear"]
    assert len(set(routing.case_id[:3])) == 1 and routing.case_id[0].startswith("ring:R-a:")
    assert routing.case_id[3] == "claim:C003"
    assert routing.flagged_rings == 1


def test_a_ring_that_no_longer_fits_is_asked_to_verify() -> None:
    frame = claims(4, {0: "R-a", 1: "R-a", 2: "R-a"})
    risk = np.array([0.95, 0.9, 0.85, 0.1])
    routing = route_claims(frame, risk, np.zeros(4, bool), NIGHT, settings(review_capacity=2))
    assert routing.route.tolist() == ["verify", "verify", "verify", "clear"]


def test_strong_single_claims_fill_capacity_then_verify() -> None:
    risk = np.array([0.99, 0.95, 0.9, 0.6, 0.2])
    routing = route_claims(claims(5), risk, np.zeros(5, bool), NIGHT, settings(review_capacity=2))
    assert routing.route.tolist() == ["review", "review", "verify", "verify", "clear"]


def test_no_claim_below_the_verify_score_is_delayed() -> None:
    risk = np.array([0.49, 0.3, 0.0])
    routing = route_claims(claims(3), risk, np.zeros(3, bool), NIGHT, settings(min_verify_score=0.5))
    assert routing.route.tolist() == ["clear", "clear", "clear"]


def test_a_claim_only_the_model_suspects_waits_only_when_the_model_is_sure() -> None:
    # Two claims with a named signal and three without, at the same scores.
    risk = np.array([0.6, 0.85, 0.6, 0.79, 0.85])
    named = np.array([True, True, False, False, False])
    chosen = settings(min_verify_score=0.5, min_model_only_score=0.8, min_review_score=0.8)
    routing = route_claims(claims(5), risk, np.zeros(5, bool), NIGHT, chosen, named=named)
    assert routing.route.tolist() == ["verify", "review", "clear", "clear", "review"]
    assert routing.figures["model_only_not_delayed"] == 2
    assert routing.held_back.tolist() == ["", "", "model_only", "model_only", ""]
    # Above the review score too: a model-only claim below min_model_only_score is not reviewed.
    strict = settings(min_verify_score=0.5, min_model_only_score=0.9, min_review_score=0.8)
    routing = route_claims(claims(5), risk, np.zeros(5, bool), NIGHT, strict, named=named)
    assert routing.route.tolist() == ["verify", "review", "clear", "clear", "clear"]
    # Hard evidence is a named signal of its own: a rule's claim is reviewed at any score.
    rule = np.array([False, False, True, False, False])
    routing = route_claims(claims(5), risk, rule, NIGHT, strict, named=named | rule)
    assert routing.route[2] == "review"


def test_route_scores_counts_any_firing_evidence_as_a_named_signal() -> None:
    from claimscreen.models.evidence import EVIDENCE
    from claimscreen.models.routing import route_scores
    from claimscreen.models.scorer import Scores

    evidence = pd.DataFrame(False, index=range(3), columns=[e.code for e in EVIDENCE])
    evidence.loc[0, "ANOMALY"] = True
    risk = np.array([0.6, 0.6, 0.9])
    zeros = np.zeros(3)
    scores = Scores(evidence, zeros, zeros, risk, risk)
    routing = route_scores(claims(3), scores, NIGHT, settings(min_model_only_score=0.8))
    assert routing.route.tolist() == ["verify", "clear", "review"]


def test_the_honest_delay_budget_caps_verification() -> None:
    # Ten claims: honest chances 0.4, 0.4, 0.4 for three at risk 0.6, and 1.0 for seven at 0:
    # 8.2 honest expected; a 10% budget is 0.82, so two claims at 0.6 (0.8) may wait, not three.
    risk = np.array([0.6, 0.6, 0.6] + [0.0] * 7)
    routing = route_claims(claims(10), risk, np.zeros(10, bool), NIGHT, settings(max_honest_delay_share=0.1))
    assert routing.route.tolist().count("verify") == 2
    assert routing.honest_delayed == 0.8
    assert routing.honest_total == 8.2
    # The third is paid, and the record says why.
    assert routing.held_back.tolist() == ["", "", "honest_delay_budget"] + [""] * 7


def test_the_audit_draw_is_a_seeded_share_of_clear_claims() -> None:
    n = 2000
    risk = np.r_[np.full(100, 0.99), np.zeros(n - 100)]
    chosen = settings(audit_share=0.01, review_capacity=1000)
    first = route_claims(claims(n), risk, np.zeros(n, bool), NIGHT, chosen)
    again = route_claims(
        claims(n).sample(frac=1, random_state=1).sort_index(), risk, np.zeros(n, bool), NIGHT, chosen
    )
    other_night = route_claims(claims(n), risk, np.zeros(n, bool), NIGHT + dt.timedelta(days=1), chosen)
    assert first.audit_sample.sum() == round(0.01 * (n - 100))
    assert not (first.audit_sample & (first.route != "clear")).any()
    assert (first.audit_sample == again.audit_sample).all()
    assert not (first.audit_sample == other_night.audit_sample).all()
