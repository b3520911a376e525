"""Interstate claims end to end on hand-made rows: signals, evidence, cold-start routing and the
reason given (issue #17, item 3). An overlapping claim in another state goes to review; one
older claim in the state a person left delays no one by itself."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from helpers import feature_frame, ordinary_features

from claimscreen.data.settings import ScoringSettings
from claimscreen.features.identity_signals import WINDOW_COLUMNS, compute_identity_signals
from claimscreen.models.evidence import BY_CODE, cold_logit, evidence_matrix, rule_hits
from claimscreen.models.reasons import reasons_for, sentence
from claimscreen.models.routing import route_claims

NIGHT = dt.date(2026, 10, 1)
INTERSTATE_COLUMNS = (
    "interstate_claim",
    "interstate_states",
    "interstate_days_since_latest",
    "interstate_concurrent",
    "interstate_residence_state",
)


def interstate_features(other: dict[str, list[tuple[str, int]]]) -> pd.DataFrame:
    """Ordinary claims' features with the interstate signals of one claim per SSN token, whose
    claims elsewhere are (state, days before filing)."""
    tokens = list(other)
    window = pd.DataFrame({c: None for c in WINDOW_COLUMNS}, index=range(len(tokens)))
    window = window.assign(
        claim_id=[f"C{i}" for i in range(len(tokens))],
        batch_date=NIGHT,
        filed_at=pd.Timestamp("2026-10-01T14:00:00Z"),
        ssn_token=tokens,
        state="OH",
    )
    listed = pd.DataFrame(
        [
            {
                "ssn_token": t,
                "state": s,
                "filed_at": pd.Timestamp("2026-10-01T12:00:00Z") - pd.Timedelta(days=d),
            }
            for t, rows in other.items()
            for s, d in rows
        ]
    )
    signals = compute_identity_signals(window, NIGHT, {"interstate_claims": listed})
    rows = [
        ordinary_features(**signals.iloc[i][list(INTERSTATE_COLUMNS)].to_dict()) for i in range(len(tokens))
    ]
    return feature_frame(*rows).assign(claim_id=window["claim_id"], ring_id=None)


def routed(features: pd.DataFrame) -> tuple[list[str], list[str], pd.DataFrame]:
    """Cold-start routes, reason codes (``;``-joined, "" for a clear claim) and the evidence."""
    evidence = evidence_matrix(features)
    risk = 1 / (1 + np.exp(-cold_logit(evidence)))
    settings = ScoringSettings(audit_share=0.0)
    named = evidence.to_numpy(dtype=bool).any(axis=1)
    routing = route_claims(features, risk, rule_hits(evidence), NIGHT, settings, named=named)
    delayed = np.flatnonzero(routing.route != "clear")
    zero = pd.DataFrame(0.0, index=features.index, columns=evidence.columns)
    codes, _ = reasons_for(features, evidence, zero, np.zeros(len(features)), delayed)
    reasons = [""] * len(features)
    for position, code in zip(delayed, codes, strict=True):
        reasons[position] = code
    return routing.route.tolist(), reasons, evidence


def test_one_claim_200_days_ago_in_another_state_is_not_review() -> None:
    route, reasons, evidence = routed(interstate_features({"mover": [("PA", 200)]}))
    assert route == ["clear"]
    assert reasons == [""]
    assert not evidence.loc[0, "INTERSTATE"] and evidence.loc[0, "INTERSTATE_EARLIER"]
    assert not BY_CODE["INTERSTATE_EARLIER"].rule
    # A mover's older claim names its reason but cannot make a delay by itself (weak evidence).
    assert BY_CODE["INTERSTATE_EARLIER"].weak


def test_a_concurrent_claim_3_days_ago_goes_to_review_with_the_interstate_reason() -> None:
    features = interstate_features({"double": [("PA", 3)]})
    route, reasons, evidence = routed(features)
    assert route == ["review"]
    assert reasons[0].split(";")[0] == "INTERSTATE"
    assert not evidence.loc[0, "INTERSTATE_EARLIER"]
    text = sentence("INTERSTATE", features.iloc[0].to_dict())
    assert "1 other state(s)" in text and "3 days before" in text


def test_claims_in_two_other_states_within_the_year_go_to_review() -> None:
    route, reasons, _ = routed(interstate_features({"multi": [("PA", 250), ("MI", 120)]}))
    assert route == ["review"] and reasons[0].startswith("INTERSTATE")


def test_movers_and_fraud_in_one_night() -> None:
    features = interstate_features(
        {
            "mover": [("KY", 90)],
            "moved_twice_same_state": [("KY", 300), ("KY", 80)],
            "stays": [("IN", 400)],
            "concurrent": [("WV", 0)],
            "three_states": [("PA", 20), ("NY", 40), ("TX", 60)],
        }
    )
    route, _, _ = routed(features)
    assert route == ["clear", "clear", "clear", "review", "review"]
