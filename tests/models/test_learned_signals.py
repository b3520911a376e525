"""A signal the labels show on enough fraudulent and honest claims is left to the supervised
model; the others keep their cold-start weight (claimscreen.models.scorer)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import feature_frame as frame
from helpers import ordinary_features as ordinary

from claimscreen.models.evidence import BY_CODE, EVIDENCE, MODEL_CODE
from claimscreen.models.reasons import reasons_for
from claimscreen.models.scorer import LEARNED_MIN_LABELS, ClaimScorer, learned_signals, logit

RING = {"ring_identities": 3, "ring_size": 4}
CHANGES = {"ring": RING, "ssn_distinct_names": {"ssn_distinct_names": 2}}


def labeled(n: int, seed: int, fraud: dict[str, int], honest: dict[str, int]) -> pd.DataFrame:
    """``n`` ordinary claims, a tenth of them fraud; ``fraud={"ring": k}`` gives k fraudulent
    claims a ring (a second name, any other key: that yes/no feature), ``honest`` the same for honest ones."""
    rng = np.random.default_rng(seed)
    rows = [ordinary(session_seconds=float(rng.integers(300, 1500))) for _ in range(n)]
    label = np.zeros(n, dtype=int)
    label[: n // 10] = 1
    for outcome, wanted in ((1, fraud), (0, honest)):
        rows_of = np.flatnonzero(label == outcome)
        for change, k in wanted.items():
            for i in rows_of[:k]:
                rows[i].update(CHANGES.get(change, {change: True}))
    return frame(*rows).assign(label=label)


def test_only_signals_the_labels_show_on_both_sides_are_learned() -> None:
    n = LEARNED_MIN_LABELS
    claims = labeled(
        2_000,
        1,
        fraud={"ring": n, "ssn_distinct_names": 150, "deceased_before_filing": 150, "short_session": n},
        honest={"ring": n, "ssn_distinct_names": 3, "deceased_before_filing": n, "short_session": n - 1},
    )
    learned = learned_signals(claims)
    assert "RING" in learned  # investigators cleared as many as they found fraud: ambiguous
    assert "SHORT_SESSION" not in learned  # one honest claim short of the minimum
    assert "SSN_MANY_NAMES" not in learned  # nearly always fraud in the labels: keeps its weight
    assert "DECEASED" not in learned  # hard evidence keeps its weight: it routes to review anyway
    assert "ANOMALY" not in learned  # not a model input: the model cannot have learned it


def test_a_supervised_scorer_counts_a_learned_signal_once_and_keeps_the_others() -> None:
    train = labeled(3_000, 2, fraud={"ring": 150}, honest={"ring": 150})
    calibrate = labeled(1_000, 3, fraud={"ring": 50}, honest={"ring": 50})
    both = pd.concat([train, calibrate], ignore_index=True)
    cold = ClaimScorer().fit_anomaly(both)
    assert cold.cold_weights() == {e.code: e.weight for e in EVIDENCE}
    scorer = ClaimScorer().fit_anomaly(both)
    scorer.fit_supervised(train, train["label"].to_numpy(), calibrate, calibrate["label"].to_numpy())
    weights = scorer.cold_weights()
    assert weights["RING"] == 0.0
    assert weights["EMAIL_ALIASES"] == BY_CODE["EMAIL_ALIASES"].weight  # never labeled: still counts
    assert weights["DECEASED"] == BY_CODE["DECEASED"].weight

    ring, aliases = ordinary(**RING), ordinary(email_alias_variants=4)
    scores = scorer.score(frame(ring, aliases))
    # The ring's half-fraud labels taught the model; the cold part no longer holds its weight.
    assert scores.cold[0] < cold.score(frame(ring)).cold[0]
    assert scores.cold[1] == pytest.approx(cold.score(frame(aliases)).cold[0])
    assert scores.risk == pytest.approx(1 - (1 - scores.model) * (1 - scores.cold))
    assert 0.2 < scores.model[0] < 0.8


def test_a_learned_ring_is_named_before_the_model_pattern() -> None:
    """The model carries a learned signal; its share of the model's part belongs to the
    signal's own sentence, not to "the model saw a pattern"."""
    train = labeled(3_000, 4, fraud={"ring": 250}, honest={"ring": 60})
    calibrate = labeled(1_000, 5, fraud={"ring": 80}, honest={"ring": 20})
    scorer = ClaimScorer().fit_anomaly(pd.concat([train, calibrate], ignore_index=True))
    scorer.fit_supervised(train, train["label"].to_numpy(), calibrate, calibrate["label"].to_numpy())
    assert "RING" in scorer.learned_
    claims = frame(ordinary(**RING), ordinary())
    scores = scorer.score(claims)
    contributions = scorer.contributions(claims, scores)
    beyond = scorer.model_beyond_signals(claims, scores)
    whole = logit(scores.risk) - logit(scores.cold)
    assert whole[0] > contributions.loc[0, "RING"] > 1.0
    # Beyond the ring, the model adds no more to the ring claim than to an ordinary one...
    assert beyond[0] <= beyond[1] + 1e-9
    assert whole[0] - beyond[0] > 1.0
    # ...and on the ordinary claim, with nothing learned firing, nothing is switched off.
    assert beyond[1] == pytest.approx(whole[1])
    codes, texts = reasons_for(claims, scores.evidence, contributions, beyond, np.array([0]))
    assert codes[0].split(";")[0] == "RING"
    assert MODEL_CODE not in codes[0].split(";")[:1]
    assert texts[0][0].startswith(BY_CODE["RING"].text.split("{")[0])
