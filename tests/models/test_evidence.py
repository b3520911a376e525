"""Evidence: when each signal fires, its weight in the cold-start score, its sentence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import feature_frame as frame
from helpers import ordinary_features as ordinary

from claimscreen.models.evidence import (
    BY_CODE,
    EVIDENCE,
    PRIOR_LOGIT,
    RULE_CODES,
    cold_logit,
    evidence_markdown,
    evidence_matrix,
    rule_hits,
)
from claimscreen.models.reasons import sentence


def test_nothing_fires_on_an_ordinary_claim() -> None:
    evidence = evidence_matrix(frame(ordinary()))
    assert not evidence.to_numpy().any()
    assert cold_logit(evidence)[0] == pytest.approx(PRIOR_LOGIT)
    assert 1 / (1 + math.exp(-PRIOR_LOGIT)) == pytest.approx(0.02)


def test_hard_evidence_is_a_rule_and_adds_its_weight() -> None:
    evidence = evidence_matrix(frame(ordinary(deceased_before_filing=True), ordinary()))
    assert evidence["DECEASED"].tolist() == [True, False]
    assert rule_hits(evidence).tolist() == [True, False]
    assert cold_logit(evidence)[0] == pytest.approx(PRIOR_LOGIT + BY_CODE["DECEASED"].weight)
    assert set(RULE_CODES) == {"DECEASED", "INCARCERATED", "SUSPICIOUS_ACTOR", "INTERSTATE", "SSN_INVALID"}


def test_ring_evidence_needs_three_people() -> None:
    two = ordinary(ring_identities=2, ring_size=4, ring_ssns_per_bank_account=3)
    three = ordinary(ring_identities=3, ring_size=5, ring_ssns_per_bank_account=3)
    evidence = evidence_matrix(frame(two, three))
    assert evidence["RING"].tolist() == [False, True]
    assert evidence["RING_BANK_ACCOUNT"].tolist() == [False, True]
    weights = BY_CODE["RING"].weight + BY_CODE["RING_BANK_ACCOUNT"].weight
    assert cold_logit(evidence)[1] == pytest.approx(PRIOR_LOGIT + weights)


def test_missing_device_data_fires_nothing() -> None:
    phone = ordinary(device_identities_30d=np.nan, device_burst_10m=np.nan, session_seconds=np.nan)
    assert not evidence_matrix(frame(phone)).to_numpy().any()


def test_thresholds_are_inclusive() -> None:
    evidence = evidence_matrix(
        frame(ordinary(ssn_distinct_names=2, ssn_names_apart=2, email_canonical_identities=3))
    )
    assert evidence.loc[0, "SSN_MANY_NAMES"] and evidence.loc[0, "EMAIL_MANY_PEOPLE"]


def test_a_respelled_name_on_one_ssn_counts_only_with_another_bank_account() -> None:
    """KIMBERLY and KIMERLY SNYDER on one SSN: a person re-keyed with a typo, unless the claims
    were paid into different accounts (a stolen identity re-used with variations)."""
    typo = ordinary(ssn_distinct_names=2, ssn_names_apart=1, ssn_distinct_bank_accounts=1)
    paid_elsewhere = ordinary(ssn_distinct_names=2, ssn_names_apart=1, ssn_distinct_bank_accounts=2)
    strangers = ordinary(ssn_distinct_names=2, ssn_names_apart=2, ssn_distinct_bank_accounts=1)
    older = {k: v for k, v in ordinary(ssn_distinct_names=2).items() if k != "ssn_names_apart"}  # before it
    fired = evidence_matrix(frame(typo, paid_elsewhere, strangers))["SSN_MANY_NAMES"].tolist()
    assert fired == [False, True, True]
    assert evidence_matrix(frame(older))["SSN_MANY_NAMES"].tolist() == [True]
    stacked = frame(typo, ordinary(ssn_distinct_names=2, ssn_names_apart=np.nan))  # a night from before
    assert evidence_matrix(stacked)["SSN_MANY_NAMES"].tolist() == [False, True]


@pytest.mark.parametrize("code", [e.code for e in EVIDENCE])
def test_every_sentence_fills_in_from_a_claims_features(code: str) -> None:
    row = ordinary(
        ring_shared_kinds="bank_account;device",
        suspicious_actor_kinds="email",
        ring_size=12,
        ring_identities=9,
        ring_red_flag_share=0.5,
        ring_span_days=6.0,
        interstate_states=2,
    )
    text = sentence(code, row)
    assert "{" not in text and text.endswith(".")
    assert len(text.split(". ")) == 1, "one sentence"


def test_sentences_use_the_claims_figures_and_plain_words() -> None:
    row = ordinary(ring_size=12, ring_identities=9, ring_shared_kinds="bank_account;device;phone")
    assert sentence("RING", row) == (
        "The claim is one of 12 claims by 9 different people that share a bank account, a device "
        "and a phone number."
    )
    assert "email and phone number" in sentence(
        "SUSPICIOUS_ACTOR", ordinary(suspicious_actor_kinds="email;phone")
    )


def test_the_reference_table_lists_every_code() -> None:
    table = evidence_markdown()
    for e in EVIDENCE:
        assert f"`{e.code}`" in table


def test_the_reason_code_page_is_current() -> None:
    from pathlib import Path

    page = Path(__file__).parents[2] / "docs" / "reasons.md"
    assert page.read_text() == evidence_markdown(), "run `make docs` to regenerate docs/reasons.md"


def test_a_helpers_computer_is_not_a_device_of_many_people() -> None:
    """Four people from one home network at a person's pace: a relative or navigator filing
    for them. Roaming networks, a sixth person or a burst make it a device of many again."""
    helper = {"device_identities_30d": 4.0, "device_networks_30d": 1.0, "device_burst_10m": 0.0}
    rows = [
        ordinary(**helper),
        ordinary(**{**helper, "device_networks_30d": 3.0}),
        ordinary(**{**helper, "device_identities_30d": 6.0}),
        ordinary(**{**helper, "device_burst_10m": 2.0}),
    ]
    assert evidence_matrix(frame(*rows))["DEVICE_MANY_PEOPLE"].tolist() == [False, True, True, True]
    before = {k: v for k, v in ordinary(**helper).items() if k != "device_networks_30d"}
    assert evidence_matrix(frame(before))["DEVICE_MANY_PEOPLE"].tolist() == [True]  # features from before
