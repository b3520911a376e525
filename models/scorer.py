"""The claim scorer: cold-start evidence, an anomaly model and, once labels exist, a
calibrated supervised model, combined into one risk score.

* **Cold start** (no dispositions yet): ``cold = sigmoid(prior + evidence weights)``
  (:mod:`claimscreen.models.evidence`), where one piece of evidence is the
  anomaly model's verdict: an :class:`~sklearn.ensemble.IsolationForest` over
  every model input, fitted on the claims themselves (no labels), whose score
  is turned into a percentile of the claims it was fitted on.
* **Supervised**: a :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
  (missing values are values: phone claims have no device data) on the model
  inputs, trained on the older labeled claims and calibrated (``[scoring] calibration``) on the
  newer ones, a time-based split, so the probability means what it says on
  claims the model has not seen.
* **Combined**: ``risk = 1 - (1 - model) * (1 - cold)``. The cold-start
  evidence stays in the score after training, so a fraud pattern absent from
  past labels (a new typology, by definition not yet investigated) is still
  caught; the model adds what the labels teach.
* **What the labels taught, the model owns.** A signal that investigators
  found on at least :data:`LEARNED_MIN_LABELS` fraudulent *and* as many honest
  claims (training and calibration labels) is ambiguous, and the labels show
  the model when it is innocent: its cold-start weight leaves ``cold``, so the
  signal counts once, as the model learned it. Three relatives at two
  addresses fire ``RING``; investigators cleared hundreds like them, and the
  judgement weight 3 no longer delays them. A signal the labels show to be
  nearly always fraud (a second name on one SSN) keeps its weight, as do
  signals the labels have not shown (a new typology's), hard evidence (it
  routes to review anyway) and ``ANOMALY`` (not a model input). Dropping the
  weight of every well-labeled signal instead lost 48 of 850 re-filed
  identities on the quality benchmark: the model learned a second name
  mostly beside ring evidence and trusted it less alone.

The scorer never decides anything: routing (:mod:`claimscreen.models.routing`)
turns risk into work for people.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from claimscreen.models import drift
from claimscreen.models.evidence import EVIDENCE, Evidence, cold_logit, evidence_matrix
from claimscreen.models.inputs import MODEL_INPUTS, model_columns

__all__ = ["ClaimScorer", "Scores"]

#: Claims the anomaly model is fitted on at most (a seeded sample of them).
ANOMALY_FIT_ROWS = 200_000
#: Claims per block when the supervised model scores (see ClaimScorer.model_probability).
PREDICT_ROWS = 5_000
#: Fraudulent and honest labeled claims a signal must fire on, each, for the model to own it.
LEARNED_MIN_LABELS = 50


@dataclass
class Scores:
    """Every part of a batch's scores, rows as the features given."""

    evidence: pd.DataFrame
    anomaly: np.ndarray
    cold: np.ndarray
    model: np.ndarray
    risk: np.ndarray


def sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype="float64")


def logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(np.asarray(p, dtype="float64"), 1e-9, 1 - 1e-9)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype="float64")


def make_anomaly_model(seed: int = 0, rows: int = 256) -> IsolationForest:
    """64 trees of 256 claims: the ANOMALY signal needs a percentile, not a fine ranking."""
    return IsolationForest(n_estimators=64, max_samples=min(256, max(rows, 1)), random_state=seed, n_jobs=1)


def make_classifier(seed: int = 0) -> Pipeline:
    """The supervised model (docs/data-scientists.md says why gradient boosting).

    40 rounds at rate 0.2: on the quality benchmark's labels it ranks fraud as
    well as or better than 120 rounds at 0.1 (average precision 0.986 against
    0.973 on the later nights) and scores three times faster."""
    return Pipeline(
        [
            (
                "model",
                HistGradientBoostingClassifier(
                    max_iter=40,
                    learning_rate=0.2,
                    max_leaf_nodes=31,
                    min_samples_leaf=20,
                    l2_regularization=1.0,
                    early_stopping=False,
                    random_state=seed,
                ),
            )
        ]
    )


def _matrix(features: pd.DataFrame, inputs: tuple[str, ...] = MODEL_INPUTS) -> np.ndarray:
    """The model inputs ``inputs`` of ``features`` as one float matrix: today's inputs, or those
    a scorer was fitted with (an input added since is left out, one removed since is missing).
    Filled column by column in column order, then laid out by rows once."""
    x = np.empty((len(features), len(inputs)), dtype="float64", order="F")
    for j, (_, column) in enumerate(model_columns(features, inputs)):
        x[:, j] = column
    return np.ascontiguousarray(x)


def _switch_off(x: np.ndarray, e: Evidence, rows: np.ndarray | slice, position: dict[str, int]) -> None:
    """Set ``e``'s model inputs of ``x``'s ``rows`` to an ordinary claim's values, in place."""
    for name, value in e.neutral.items():
        if name in position:
            x[rows, position[name]] = value


class ClaimScorer:
    """Cold-start evidence plus anomaly model, and optionally a calibrated supervised model.

    Both models see the inputs as one float matrix in :data:`MODEL_INPUTS` order as of the
    fitting (``inputs_``: a model keeps scoring after an upgrade adds features; no per-call
    DataFrame checks: scoring a million claims is a few matrix passes).
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    # --- fitting ----------------------------------------------------------------------

    def fit_anomaly(self, features: pd.DataFrame) -> ClaimScorer:
        """Fit the anomaly model on claims' features (no labels); missing values take the median."""
        self.inputs_ = MODEL_INPUTS
        x = self._x(features)
        if len(x) > ANOMALY_FIT_ROWS:
            x = x[np.random.default_rng(self.seed).choice(len(x), ANOMALY_FIT_ROWS, replace=False)]
        with warnings.catch_warnings():  # an input no claim has yet (a state's first night) fills as 0
            warnings.simplefilter("ignore", RuntimeWarning)
            medians = np.nanmedian(x, axis=0) if len(x) else np.zeros(x.shape[1])
        self.fill_ = np.nan_to_num(medians, nan=0.0)
        filled = self._filled(x)
        self.anomaly_ = make_anomaly_model(self.seed, len(x)).fit(filled)
        raw = -self.anomaly_.score_samples(filled)
        self.anomaly_quantiles_ = np.quantile(raw, np.linspace(0, 1, 1001))
        # What the fitting window's claims looked like, for the nightly drift check.
        self.profile_ = drift.profile(x, MODEL_INPUTS)
        self.supervised_: CalibratedClassifierCV | None = getattr(self, "supervised_", None)
        return self

    def fit_supervised(
        self,
        train: pd.DataFrame,
        y_train: np.ndarray,
        calibrate: pd.DataFrame,
        y_calibrate: np.ndarray,
        method: str = "sigmoid",
        sample_weight: np.ndarray | None = None,
    ) -> ClaimScorer:
        """Train on ``train`` (older labels, each weighing ``sample_weight``, default 1),
        calibrate on ``calibrate`` (newer labels, unweighted: the probabilities stay those of
        the labels as decided).

        ``method`` is ``sigmoid`` (Platt: a logistic curve over the model's score,
        two parameters) or ``isotonic`` (a step function, one step per run of
        labels). Sigmoid is the default: the calibration labels are a few thousand
        *selected* claims (investigations, plus a thin audit draw), sparse in the
        middle of the score range, and there isotonic steps overfit; on the
        quality benchmark a step at 0.71 held claims of which 26% were fraud, and
        the honest ones it delayed were online filers, so younger claimants more
        than older ones (docs/data-scientists.md, "Measured quality")."""
        weights = {} if sample_weight is None else {"model__sample_weight": sample_weight}
        classifier = make_classifier(self.seed).fit(self._x(train), y_train, **weights)
        calibrated = CalibratedClassifierCV(FrozenEstimator(classifier), method=method)
        self.supervised_ = calibrated.fit(self._x(calibrate), y_calibrate)
        both = pd.concat([train, calibrate], ignore_index=True)
        self.learned_ = learned_signals(both.assign(label=np.concatenate([y_train, y_calibrate])))
        return self

    def cold_weights(self) -> dict[str, float]:
        """Each signal's weight in ``cold``: zero for those the supervised model owns (none
        before it is trained, or for a scorer saved before signals were learned)."""
        learned = getattr(self, "learned_", ()) if self.kind == "supervised" else ()
        return {e.code: 0.0 if e.code in learned else e.weight for e in EVIDENCE}

    def inputs(self) -> tuple[str, ...]:
        """The model inputs this scorer was fitted on, in order: kept since they were
        (``inputs_``), else the names its drift profile recorded, else today's."""
        kept = getattr(self, "inputs_", None) or tuple(getattr(self, "profile_", None) or ())
        return tuple(kept) or MODEL_INPUTS

    def _x(self, features: pd.DataFrame) -> np.ndarray:
        return _matrix(features, self.inputs())

    def _positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.inputs())}

    @property
    def kind(self) -> str:
        return "supervised" if getattr(self, "supervised_", None) is not None else "cold-start"

    # --- scoring ----------------------------------------------------------------------

    def _filled(self, x: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(x), self.fill_, x)

    def drift(self, features: pd.DataFrame) -> dict[str, float]:
        """Population stability index of each input of ``features`` against the fitting window
        (empty for a scorer saved before profiles were kept)."""
        reference = getattr(self, "profile_", None)
        return drift.psi_columns(reference, model_columns(features, self.inputs())) if reference else {}

    def anomaly_percentile(self, x: np.ndarray) -> np.ndarray:
        """The anomaly model's score as a percentile of the claims it was fitted on (0 to 1).

        The forest's trees are walked in two threads (the walk releases the GIL)."""
        if not len(x):
            return np.zeros(0)
        self.anomaly_.set_params(n_jobs=2)
        raw = -self.anomaly_.score_samples(self._filled(x))
        return np.interp(raw, self.anomaly_quantiles_, np.linspace(0, 1, 1001))

    def model_probability(self, x: np.ndarray) -> np.ndarray:
        """The calibrated probability of fraud, in blocks of :data:`PREDICT_ROWS` claims.

        Gradient boosting walks its trees one at a time over the rows it is
        given; a block small enough to stay in the processor's cache is walked
        about 2.5 times faster than a million rows at once (bench/scoring.py)."""
        if self.supervised_ is None or not len(x):
            return np.zeros(len(x))
        out = np.empty(len(x))
        with threadpool_limits(1):
            for start in range(0, len(x), PREDICT_ROWS):
                block = x[start : start + PREDICT_ROWS]
                out[start : start + len(block)] = self.supervised_.predict_proba(block)[:, 1]
        return out

    def score(self, features: pd.DataFrame) -> Scores:
        """Every part of the scores of ``features`` (one row per claim)."""
        x = self._x(features)
        anomaly = self.anomaly_percentile(x)
        evidence = evidence_matrix(features.assign(anomaly_score=anomaly))
        cold = sigmoid(cold_logit(evidence, self.cold_weights()))
        model = self.model_probability(x)
        risk = 1.0 - (1.0 - model) * (1.0 - cold)
        return Scores(evidence, anomaly, cold, model, risk)

    def contributions(self, features: pd.DataFrame, scores: Scores) -> pd.DataFrame:
        """How much each firing piece of evidence adds to each claim's risk.

        For a claim and a signal that fires on it: the log-odds of its risk minus
        those with the signal switched off (its evidence weight removed, its
        model inputs set to an ordinary claim's values). Log-odds, not
        probability: a claim at 0.9999 risk still shows which signal weighs most.
        Zero where the signal does not fire. Every switched-off copy goes through
        the model in one batch.
        """
        columns = [e.code for e in EVIDENCE]
        out = np.zeros((len(features), len(EVIDENCE)))
        if not len(features):
            return pd.DataFrame(out, index=features.index, columns=columns)
        x = self._x(features)
        position = self._positions()
        fires = scores.evidence[columns].to_numpy(dtype=bool)
        weights = self.cold_weights()
        base = cold_logit(scores.evidence, weights)
        blocks: list[tuple[int, np.ndarray, np.ndarray]] = []
        for column, e in enumerate(EVIDENCE):
            rows = np.flatnonzero(fires[:, column])
            if not len(rows):
                continue
            copy = x[rows].copy()
            _switch_off(copy, e, slice(None), position)
            blocks.append((column, rows, copy))
        if not blocks:
            return pd.DataFrame(out, index=features.index, columns=columns)
        model = self.model_probability(np.concatenate([b[2] for b in blocks]))
        start = 0
        for column, rows, _copy in blocks:
            cold = sigmoid(base[rows] - weights[EVIDENCE[column].code])
            part = model[start : start + len(rows)] if self.supervised_ is not None else scores.model[rows]
            start += len(rows)
            without = 1.0 - (1.0 - part) * (1.0 - cold)
            out[rows, column] = logit(scores.risk[rows]) - logit(without)
        return pd.DataFrame(out, index=features.index, columns=columns)

    def model_beyond_signals(self, features: pd.DataFrame, scores: Scores) -> np.ndarray:
        """How much the supervised model adds to each claim's risk beyond the named signals
        (log-odds): the reason ``MODEL_PATTERN``'s strength.

        The risk with the model's part measured on a copy of the claim whose learned
        signals (:meth:`cold_weights` zero) are switched off, against the cold-start
        evidence alone. A learned signal such as RING is carried by the model, not by a
        weight; without the switch-off, the model's part would hold the ring's share too,
        and "the model saw a pattern" would outrank the ring's own concrete sentence.
        Before any signal is learned this is ``logit(risk) - logit(cold)``.
        """
        learned = [e for e in EVIDENCE if e.code in getattr(self, "learned_", ())]
        model = scores.model
        if learned and self.supervised_ is not None and len(features):
            fires = scores.evidence[[e.code for e in learned]].to_numpy(dtype=bool)
            some = np.flatnonzero(fires.any(axis=1))
            x = self._x(features)[some].copy()
            position = self._positions()
            for column, e in enumerate(learned):
                _switch_off(x, e, fires[some, column], position)
            model = model.copy()
            model[some] = self.model_probability(x)
        beyond = 1.0 - (1.0 - model) * (1.0 - scores.cold)
        return np.asarray(logit(beyond) - logit(scores.cold), dtype="float64")


def learned_signals(labeled: pd.DataFrame) -> tuple[str, ...]:
    """The signals the supervised model owns: model-input signals, not hard evidence, that
    fire on at least :data:`LEARNED_MIN_LABELS` fraudulent and as many honest ``labeled``
    claims (``label`` 1 and 0)."""
    if not len(labeled):
        return ()
    fired = evidence_matrix(labeled)
    fraud = labeled["label"].to_numpy() == 1
    owned = []
    for e in EVIDENCE:
        hits = fired[e.code].to_numpy(dtype=bool)
        both = min(int((hits & fraud).sum()), int((hits & ~fraud).sum()))
        if not e.rule and e.neutral and both >= LEARNED_MIN_LABELS:
            owned.append(e.code)
    return tuple(owned)
