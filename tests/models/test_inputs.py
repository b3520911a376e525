"""The model's inputs: every registered numeric feature but a protected characteristic and its proxies."""

from __future__ import annotations

from claimscreen.features.build import ALL_FEATURES
from claimscreen.models.inputs import EXCLUDED, MODEL_INPUTS


def test_age_and_its_proxies_are_no_model_input_but_stay_registered() -> None:
    registered = {f.name for f in ALL_FEATURES}
    for name in ("age_at_filing", "session_seconds", "name_email_similarity"):
        assert name in registered and name in EXCLUDED and name not in MODEL_INPUTS
    assert "age_under_18" in MODEL_INPUTS and "short_session" in MODEL_INPUTS
