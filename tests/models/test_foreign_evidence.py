"""Contact points abroad are soft evidence: named, modestly weighted, and a foreign mailing
address alone never delays an otherwise ordinary claim. A stale browser is a model input only."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from helpers import feature_frame as frame
from helpers import ordinary_features as ordinary

from claimscreen.data.settings import ScoringSettings
from claimscreen.models.evidence import BY_CODE, PRIOR_LOGIT, RULE_CODES, cold_logit, evidence_matrix
from claimscreen.models.reasons import sentence
from claimscreen.models.routing import route_scores
from claimscreen.models.scorer import ClaimScorer, sigmoid

SOFT = {
    "PHONE_FOREIGN": "phone_foreign",
    "PHONE_NON_GEOGRAPHIC": "phone_non_geographic",
    "MAILING_ABROAD": "mailing_abroad",
}


@pytest.mark.parametrize(("code", "feature"), SOFT.items())
def test_each_fires_on_its_feature_alone_as_soft_evidence(code: str, feature: str) -> None:
    evidence = evidence_matrix(frame(ordinary(**{feature: True}), ordinary()))
    assert evidence[code].tolist() == [True, False]
    assert evidence.loc[0].sum() == 1  # nothing else fires
    assert code not in RULE_CODES
    assert 0 < BY_CODE[code].weight <= 1.0
    assert sentence(code, ordinary(**{feature: True})).endswith(".")


def test_a_stale_browser_is_a_model_input_not_evidence() -> None:
    from claimscreen.models.inputs import MODEL_INPUTS

    assert {"browser_stale", "browser_years_behind"} <= set(MODEL_INPUTS)
    assert not evidence_matrix(frame(ordinary(browser_stale=True, browser_years_behind=6.0))).to_numpy().any()


def test_every_contact_point_abroad_together_stays_far_below_a_delay() -> None:
    # 0.5 each for the phone abroad, the number tied to no place, the mail abroad and the IP
    # abroad: 2.0 on the prior's log-odds of 2%, sigmoid(-3.89 + 2.0) = 13%.
    abroad = ordinary(phone_foreign=True, phone_non_geographic=True, mailing_abroad=True, ip_foreign=True)
    logit = cold_logit(evidence_matrix(frame(abroad)))[0]
    assert logit == pytest.approx(PRIOR_LOGIT + 2.0)
    assert sigmoid(np.array([logit]))[0] == pytest.approx(0.131, abs=0.001)


def test_a_foreign_mailing_address_alone_leaves_an_ordinary_claim_clear_under_cold_start() -> None:
    rng = np.random.default_rng(7)
    rows = [ordinary(session_seconds=float(s)) for s in rng.integers(300, 1500, 999)]
    rows.append(ordinary(session_seconds=640.0, mailing_abroad=True))
    features = frame(*rows)
    features["claim_id"], features["ring_id"] = [f"C{i:04d}" for i in range(len(rows))], None
    scorer = ClaimScorer().fit_anomaly(features)
    assert scorer.kind == "cold-start"
    scores = scorer.score(features)
    abroad = len(rows) - 1
    assert scores.evidence.loc[abroad, "MAILING_ABROAD"]
    # The one claim abroad among a thousand is also unusual (ANOMALY, 1.5): 2.0 in all, 13%.
    settings = ScoringSettings(audit_share=0.0)
    assert scores.risk[abroad] < settings.min_verify_score
    routing = route_scores(features[["claim_id", "ring_id"]], scores, dt.date(2026, 10, 5), settings)
    assert routing.route[abroad] == "clear"
    assert (pd.Series(routing.route) == "clear").all()


def test_a_contact_point_abroad_alone_does_not_let_the_model_delay_below_its_own_gate() -> None:
    """A weak signal names its reason but is not a named signal for routing: a claim the model
    scores between min_verify_score (0.5) and min_model_only_score (0.8) with only a mailing
    address abroad is paid (held back as model_only), as it would be with nothing firing."""
    from claimscreen.models.evidence import WEAK_CODES, named_hits
    from claimscreen.models.routing import route_claims

    assert set(SOFT) <= WEAK_CODES
    evidence = evidence_matrix(frame(ordinary(mailing_abroad=True), ordinary(short_session=1)))
    assert named_hits(evidence).tolist() == [False, True]  # a two-minute session names a delay
    claims = pd.DataFrame({"claim_id": ["A", "B"], "ring_id": [None, None]})
    settings = ScoringSettings(audit_share=0.0, max_honest_delay_share=1.0)
    routing = route_claims(
        claims,
        np.array([0.6, 0.6]),
        np.array([False, False]),
        dt.date(2026, 10, 5),
        settings,
        named=named_hits(evidence),
    )
    assert routing.route.tolist() == ["clear", "verify"]
    assert routing.held_back.tolist() == ["model_only", ""]
