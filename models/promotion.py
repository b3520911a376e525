"""The promotion gate: structured checks a challenger must pass to replace the champion.

Every check is a :class:`Check` (name, passed, value, threshold, detail, and whether it
decides); :func:`decide` promotes only when every deciding check passed, and names the first
that did not. No caller reads English sentences to find out why.

**Selective labels.** Investigations choose the claims they look at (the flagged ones), so a
model that agrees with past flags wins on investigated labels alone. The deciding comparison
is therefore made where labels were *not chosen by either model*:

* the **audit draw**: claims drawn at random for an audit after payment (dispositions with
  ``source = audit``: routing draws ``audit_share`` of each night's clear claims; the legacy
  process a fixed share of the claims it did not investigate);
* the **investigated** claims of the same nights, each weighted 1 (inverse probability 1: the
  assumption is that every claim chosen for investigation in the evaluation window has been
  decided by now; one still under investigation counts as never chosen);
* each audited claim weighted by the inverse of its chance of being drawn: the claims of the
  window without an investigation label (the *pool*) over the audited ones. That chance is
  known by design (a seeded random draw); it is estimated from the counts, which also absorbs
  audits drawn but not decided yet (assumed: how long an audit takes does not depend on its
  outcome).

Together (a Horvitz-Thompson estimate) they stand for every claim of the window, so the
weighted average precision, share of fraud caught and share of honest claimants delayed
estimate what each model would do on *all* claims, not only on those someone chose to look at.
A paired, stratified bootstrap (audit and investigated labels resampled apart, both models on
the same draws) gives the 95% interval of each difference. The challenger is better only when
the interval of the average precision difference lies above zero; when it straddles zero the
difference is noise and the champion stays. With fewer than :data:`MIN_AUDIT_LABELS` audited
claims or :data:`MIN_AUDIT_FRAUD` audited frauds there is no unbiased comparison ("not enough
audit labels"): then, and only then, average precision on the investigated labels
(``labeled_ranking``) decides, and a challenger that wins on it still goes through the shadow
nights before promotion (a state with a small audit draw must be able to leave its cold-start
model). With enough audits the investigated labels are reported but never decide.

**Shadow scoring.** A challenger that passes is registered as the *shadow*: each night's score
stage also scores the night with it, without touching routes or the record
(:mod:`claimscreen.models.score_stage`). A later retraining promotes the shadow only after
:data:`MIN_SHADOW_NIGHTS` shadow-scored nights and only if it passes the same gate again on
the newer evaluation window; :func:`shadow_comparison` reports the routes each model gave on
those nights, their agreement and each one's estimated honest delay.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from claimscreen.models.metrics import Evaluation, GroupFairness, pct

__all__ = [
    "MIN_AUDIT_FRAUD",
    "MIN_AUDIT_LABELS",
    "MIN_SHADOW_NIGHTS",
    "Check",
    "Estimate",
    "decide",
    "discount_noise",
    "fairness_checks",
    "fairness_gate",
    "ranking_checks",
    "shadow_check",
    "shadow_comparison",
    "unbiased_estimate",
    "weighted_average_precision",
    "wilson",
]

#: Fewest audited claims, and audited frauds, in the evaluation window to compare models on.
MIN_AUDIT_LABELS = 200
MIN_AUDIT_FRAUD = 5
#: Bootstrap draws and the interval's confidence.
BOOTSTRAP_DRAWS = 1000
CONFIDENCE = 0.95
#: Nights a shadow must have been scored on before a retraining may promote it.
MIN_SHADOW_NIGHTS = 3


@dataclass(frozen=True)
class Check:
    """One check of the gate. ``passed`` is None for a figure reported but not measurable;
    a check that is not ``decisive`` is reported and never refuses or promotes."""

    name: str
    passed: bool | None
    value: float | None
    threshold: float | None
    detail: str
    decisive: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(checks: list[Check]) -> tuple[bool, str]:
    """Promote when every deciding check passed; otherwise the first failing check's detail."""
    failing = [c for c in checks if c.decisive and c.passed is False]
    if failing:
        return False, failing[0].detail
    ranking = next((c for c in checks if c.name == "unbiased_ranking"), None)
    return True, ranking.detail if ranking else "every check of the gate passed"


# --- Fairness --------------------------------------------------------------------------------


def fairness_checks(
    evaluation: Evaluation, min_ratio: float = 0.8, max_gap_points: float = 1.0
) -> list[Check]:
    """One check per grouping and measure: the FPR ratio at least ``min_ratio``, the gap at most
    ``max_gap_points``. A grouping with fewer than two groups large enough to compare passes,
    saying so; an evaluation with neither age nor language fails."""
    if not evaluation.fairness:
        detail = "fairness not measured: the evaluation has neither an age nor a language column"
        return [Check("fairness_measured", False, None, None, detail)]
    checks = []
    for key, fair in evaluation.fairness.items():
        checks.append(_ratio_check(key, fair, min_ratio))
        checks.append(_gap_check(key, fair, max_gap_points))
    return checks


def fairness_gate(
    evaluation: Evaluation, min_ratio: float = 0.8, max_gap_points: float = 1.0
) -> tuple[bool, list[str]]:
    """:func:`fairness_checks` as (passes, one plain reason per check)."""
    checks = fairness_checks(evaluation, min_ratio, max_gap_points)
    return all(c.passed is not False for c in checks), [c.detail for c in checks]


def discount_noise(checks: list[Check], evaluation: Evaluation, alpha: float = 0.05) -> list[Check]:
    """A ratio below the limit that chance explains does not refuse a model.

    With false-positive rates of a fraction of a percent, a group of a thousand claimants
    holds a handful of delayed honest claimants, and a ratio of such counts is noise. The
    ratio refuses a model only when equal treatment would rarely give a ratio that low at
    these group sizes (fewer than ``alpha`` of random spreads of the same delayed claimants,
    :meth:`GroupFairness.chance`); the gap (percentage points) always counts."""
    out = []
    for check in checks:
        key = check.name.removeprefix("fpr_ratio_")
        fair = evaluation.fairness.get(key)
        if not check.name.startswith("fpr_ratio_") or check.passed is not False or fair is None:
            out.append(check)
            continue
        low, _, high, _ = fair.extremes(fair.min_group_ratio) or ("", 0.0, "", 0.0)
        chance = fair.chance()
        p_value = 0.0 if chance is None else chance.p_value
        if p_value < alpha:
            extra = (
                f"; {low} and {high} differ beyond chance "
                f"(equal treatment gives a ratio this low in {p_value:.1%} of random spreads)"
            )
        else:
            extra = (
                f"; the ratio below the limit is within chance (equal treatment gives one this low in "
                f"{p_value:.0%} of random spreads), so it does not refuse the model"
            )
        out.append(Check(check.name, p_value >= alpha, check.value, check.threshold, check.detail + extra))
    return out


def _ratio_check(key: str, fair: GroupFairness, min_ratio: float) -> Check:
    name = f"false-positive rate by {fair.grouping}"
    if fair.ratio is None:
        return _unmeasured(f"fpr_ratio_{key}", f"{name}: ratio", fair.min_group_ratio, min_ratio)
    low, low_fpr, high, high_fpr = fair.extremes(fair.min_group_ratio) or ("", 0.0, "", 0.0)
    detail = f"(lowest {low} {pct(low_fpr, 2)}, highest {high} {pct(high_fpr, 2)})"
    if fair.ratio < min_ratio:
        text = f"{name}: ratio {fair.ratio:.2f} is below {min_ratio:g} {detail}"
        return Check(f"fpr_ratio_{key}", False, fair.ratio, min_ratio, text)
    text = f"{name}: ratio {fair.ratio:.2f} meets {min_ratio:g} {detail}"
    return Check(f"fpr_ratio_{key}", True, fair.ratio, min_ratio, text)


def _unmeasured(check: str, what: str, min_size: int, threshold: float) -> Check:
    """Fewer than two groups large enough to compare: no comparison, and no failure."""
    detail = f"{what} not measured, fewer than two groups with at least {min_size} honest claimants"
    return Check(check, True, None, threshold, detail)


def _gap_check(key: str, fair: GroupFairness, max_gap_points: float) -> Check:
    name = f"false-positive rate by {fair.grouping}"
    if fair.gap_points is None:
        return _unmeasured(f"fpr_gap_{key}", f"{name}: gap", fair.min_group_gap, max_gap_points)
    low, _, high, _ = fair.extremes(fair.min_group_gap) or ("", 0.0, "", 0.0)
    between = f"(between {low} and {high})"
    passed = fair.gap_points <= max_gap_points
    word = "is within" if passed else "is above"
    text = f"{name}: gap {fair.gap_points:.2f} points {word} {max_gap_points:g} {between}"
    return Check(f"fpr_gap_{key}", passed, fair.gap_points, max_gap_points, text)


# --- The unbiased estimate -------------------------------------------------------------------


def wilson(hits: int, n: int, confidence: float = CONFIDENCE) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion ``hits / n`` (None, None when ``n`` is 0)."""
    if n <= 0:
        return None, None
    z = float(norm.ppf(0.5 + confidence / 2))
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(float(max(0.0, centre - half)), 6), round(float(min(1.0, centre + half)), 6)


def weighted_average_precision(y: np.ndarray, score: np.ndarray, weight: np.ndarray) -> float | None:
    """Average precision with sample weights (as scikit-learn's, ties as one threshold); None
    without weighted fraud and honest rows."""
    return _Ranked(score).average_precision(np.asarray(y, dtype=bool), np.asarray(weight, dtype=float))


class _Ranked:
    """One model's scores sorted once, so each bootstrap draw costs a cumulative sum."""

    def __init__(self, score: np.ndarray) -> None:
        score = np.asarray(score, dtype=float)
        self.order = np.argsort(-score, kind="stable")
        ordered = score[self.order]
        self.ends = np.r_[np.flatnonzero(np.diff(ordered) != 0), len(ordered) - 1] if len(ordered) else None

    def average_precision(self, y: np.ndarray, weight: np.ndarray) -> float | None:
        if self.ends is None:
            return None
        w, fraud = weight[self.order], y[self.order]
        tp, fp = np.cumsum(w * fraud)[self.ends], np.cumsum(w * ~fraud)[self.ends]
        if tp[-1] <= 0 or fp[-1] <= 0:
            return None
        precision = tp / np.maximum(tp + fp, 1e-300)
        recall = tp / tp[-1]
        return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


@dataclass
class Estimate:
    """What the audit draw and the investigated labels of the evaluation window say about the
    champion and the challenger on every claim of it (see the module docstring)."""

    population: int
    investigated: int
    audit_claims: int
    audit_fraud: int
    audit_fraud_share_ci: tuple[float | None, float | None]
    audit_weight: float | None
    enough: bool
    #: Per model ("champion", "challenger"): weighted average precision, share of fraud caught
    #: and of honest claimants delayed (estimates for every claim), and AP on the audit draw alone.
    models: dict[str, dict[str, float | None]] = field(default_factory=dict)
    #: Challenger minus champion: point estimate and 95% interval, per figure.
    differences: dict[str, dict[str, float | None]] = field(default_factory=dict)
    draws: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["audit_fraud_share_ci"] = list(self.audit_fraud_share_ci)
        return out


def unbiased_estimate(
    labels: pd.DataFrame,
    risk: dict[str, np.ndarray],
    population: int,
    routes: dict[str, np.ndarray] | None = None,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> Estimate:
    """The Horvitz-Thompson estimate of champion and challenger on every claim of the window.

    ``labels`` holds the window's labeled claims (``label`` 1 fraud, ``source``); ``risk`` and
    ``routes`` each model's score and route on those rows (keys ``champion``, ``challenger``);
    ``population`` the number of claims of the window, labeled or not."""
    y = labels["label"].to_numpy(dtype=int).astype(bool)
    audit = (labels["source"].astype(str) == "audit").to_numpy()
    n_audit, n_inv = int(audit.sum()), int((~audit).sum())
    pool = max(population - n_inv, n_audit)
    weight = np.where(audit, pool / n_audit if n_audit else 0.0, 1.0)
    fraud_audit = int(y[audit].sum())
    estimate = Estimate(
        population=population,
        investigated=n_inv,
        audit_claims=n_audit,
        audit_fraud=fraud_audit,
        audit_fraud_share_ci=wilson(fraud_audit, n_audit),
        audit_weight=round(pool / n_audit, 3) if n_audit else None,
        enough=n_audit >= MIN_AUDIT_LABELS and fraud_audit >= MIN_AUDIT_FRAUD,
        draws=draws,
    )
    ranked = {name: _Ranked(score) for name, score in risk.items()}
    away = {name: np.asarray(r) != "clear" for name, r in (routes or {}).items()}
    point = _figures(y, weight, ranked, away)
    for name in risk:
        audit_ap = None
        if n_audit:
            audit_ap = _Ranked(risk[name][audit]).average_precision(y[audit], np.ones(n_audit))
        # Without an audit draw the weighted figures are the investigated labels' alone: no estimate.
        figures = {k: _round(v) if n_audit else None for k, v in point[name].items()}
        estimate.models[name] = {**figures, "audit_average_precision": _round(audit_ap)}
    if {"champion", "challenger"} <= set(risk) and estimate.enough:
        samples = _bootstrap(y, weight, audit, ranked, away, draws, seed)
        estimate.differences = _intervals(point, samples)
    return estimate


def _figures(
    y: np.ndarray, weight: np.ndarray, ranked: dict[str, _Ranked], away: dict[str, np.ndarray]
) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    fraud_w, honest_w = float((weight * y).sum()), float((weight * ~y).sum())
    for name, model in ranked.items():
        figures: dict[str, float | None] = {"average_precision": model.average_precision(y, weight)}
        if name in away:
            figures["fraud_caught"] = float((weight * y * away[name]).sum()) / fraud_w if fraud_w else None
            delayed = float((weight * ~y * away[name]).sum())
            figures["honest_delayed"] = delayed / honest_w if honest_w else None
        out[name] = figures
    return out


def _bootstrap(
    y: np.ndarray,
    weight: np.ndarray,
    audit: np.ndarray,
    ranked: dict[str, _Ranked],
    away: dict[str, np.ndarray],
    draws: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Challenger minus champion over ``draws`` stratified resamples (counts per row, so both
    models see the same draw)."""
    rng = np.random.default_rng(seed)
    strata = [np.flatnonzero(audit), np.flatnonzero(~audit)]
    diffs: dict[str, list[float]] = {}
    for _ in range(draws):
        counts = np.zeros(len(y))
        for rows in strata:
            if len(rows):
                counts[rows] = rng.multinomial(len(rows), np.full(len(rows), 1.0 / len(rows)))
        figures = _figures(y, weight * counts, ranked, away)
        for key, new in figures["challenger"].items():
            old = figures["champion"].get(key)
            if new is not None and old is not None:
                diffs.setdefault(key, []).append(new - old)
    return {key: np.asarray(values) for key, values in diffs.items()}


def _intervals(
    point: dict[str, dict[str, float | None]], samples: dict[str, np.ndarray]
) -> dict[str, dict[str, float | None]]:
    tail = (1 - CONFIDENCE) / 2
    out = {}
    for key, values in samples.items():
        new, old = point["challenger"].get(key), point["champion"].get(key)
        low, high = np.quantile(values, [tail, 1 - tail]) if len(values) else (None, None)
        out[key] = {
            "difference": _round(None if new is None or old is None else new - old),
            "low": _round(low),
            "high": _round(high),
        }
    return out


def _round(value: Any, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def ranking_checks(estimate: Estimate, labeled: dict[str, dict[str, Any]]) -> list[Check]:
    """The ranking checks: enough audit labels, the unbiased average precision (better beyond
    noise), the unbiased fraud caught (not worse beyond noise), all deciding; and average
    precision on the investigated labels, reported only."""
    checks = [_audit_check(estimate)]
    if estimate.enough:
        checks.extend(_difference_checks(estimate))
    new = labeled.get("challenger", {}).get("average_precision")
    old = labeled.get("champion", {}).get("average_precision")
    better = None if new is None or old is None else new > old
    word = {None: "not compared", True: "higher", False: "not higher"}[better]
    # Without enough audits there is no unbiased comparison: a state whose audit draw is small
    # (a few claims a night, decided weeks later) would otherwise never leave its cold-start
    # model. The biased comparison then decides, but only towards the shadow step: the
    # challenger is scored beside the champion on live nights before it can be promoted.
    role = (
        "reported, never decides (the audit draw decides)"
        if estimate.enough
        else "decides only because the audit draw is too small to compare the models; "
        "a challenger promoted on it goes through the shadow nights first"
    )
    checks.append(
        Check(
            "labeled_ranking",
            better,
            new,
            old,
            f"average precision on the window's labels (chosen by past investigations, biased): "
            f"challenger {new}, champion {old}: {word}; {role}",
            decisive=not estimate.enough,
        )
    )
    return checks


def _audit_check(estimate: Estimate) -> Check:
    low, high = estimate.audit_fraud_share_ci
    found = (
        f"{estimate.audit_claims} audited claims with {estimate.audit_fraud} fraud in the evaluation "
        f"window (fraud share 95% interval {pct(low)} to {pct(high)})"
    )
    if estimate.enough:
        return Check("audit_labels", True, estimate.audit_claims, MIN_AUDIT_LABELS, found)
    detail = (
        f"not enough audit labels to compare the models without selection bias: {found}; at least "
        f"{MIN_AUDIT_LABELS} audited claims and {MIN_AUDIT_FRAUD} audited frauds are needed for the "
        "unbiased comparison, so the investigated labels decide, through the shadow nights"
    )
    return Check("audit_labels", False, estimate.audit_claims, MIN_AUDIT_LABELS, detail, decisive=False)


def _difference_checks(estimate: Estimate) -> list[Check]:
    checks = []
    ap = estimate.differences.get("average_precision")
    models = estimate.models
    if ap is None or ap["low"] is None or ap["high"] is None:
        text = (
            "unbiased average precision not measured: no fraud or no honest claim among the weighted labels"
        )
        return [Check("unbiased_ranking", False, None, 0.0, text)]
    values = (
        f"average precision challenger {models['challenger']['average_precision']} against champion "
        f"{models['champion']['average_precision']} (difference {ap['difference']:+.4f}, 95% interval "
        f"{ap['low']:+.4f} to {ap['high']:+.4f}; audit draw and investigated labels, weighted)"
    )
    if ap["low"] > 0:
        text = f"better on the unbiased estimate: {values}"
    elif ap["high"] < 0:
        text = f"the challenger loses on the unbiased estimate: {values}"
    else:
        text = (
            f"the challenger is not better beyond noise on the unbiased estimate: average precision {values}"
        )
    checks.append(Check("unbiased_ranking", ap["low"] > 0, ap["difference"], 0.0, text))
    caught = estimate.differences.get("fraud_caught")
    if caught is not None and caught["high"] is not None:
        worse = caught["high"] < 0
        text = (
            f"estimated share of fraud kept from clear: challenger "
            f"{pct(models['challenger'].get('fraud_caught'))}, champion "
            f"{pct(models['champion'].get('fraud_caught'))} (difference 95% interval "
            f"{pct(caught['low'])} to {pct(caught['high'])})"
        )
        text = ("the challenger catches less fraud beyond noise: " if worse else "") + text
        checks.append(Check("unbiased_fraud_caught", not worse, caught["difference"], 0.0, text))
    return checks


# --- Shadow nights ---------------------------------------------------------------------------


def shadow_comparison(frame: pd.DataFrame) -> dict[str, Any]:
    """Champion and shadow on the nights the shadow was scored: ``frame`` has one row per
    claim with ``batch_date``, ``champion_route``, ``champion_risk``, ``shadow_route``,
    ``shadow_risk`` and ``outcome`` (fraud, legitimate or missing) and ``source``.

    Each model's estimated honest claimants delayed is the sum of ``1 - risk`` over the
    claims it delays, with the risk of the *other* model too (each model's own estimate is
    flattering to itself), and the audited claims' outcomes where known."""
    if not len(frame):
        return {"nights": 0, "claims": 0}
    out: dict[str, Any] = {
        "nights": int(frame["batch_date"].nunique()),
        "first": str(frame["batch_date"].min()),
        "last": str(frame["batch_date"].max()),
        "claims": len(frame),
        "same_route": round(float((frame["champion_route"] == frame["shadow_route"]).mean()), 4),
    }
    audited = frame[(frame["source"] == "audit") & frame["outcome"].notna()]
    for name in ("champion", "shadow"):
        away = frame[f"{name}_route"] != "clear"
        routes = frame[f"{name}_route"].value_counts()
        out[name] = {
            "routes": {r: int(routes.get(r, 0)) for r in ("clear", "verify", "review")},
            "honest_delayed_own_risk": round(float((1 - frame.loc[away, f"{name}_risk"]).sum()), 1),
            "honest_delayed_champion_risk": round(float((1 - frame.loc[away, "champion_risk"]).sum()), 1),
            "honest_delayed_shadow_risk": round(float((1 - frame.loc[away, "shadow_risk"]).sum()), 1),
            "audited": len(audited),
            "audited_fraud_caught": int(
                ((audited[f"{name}_route"] != "clear") & (audited["outcome"] == "fraud")).sum()
            ),
            "audited_honest_delayed": int(
                ((audited[f"{name}_route"] != "clear") & (audited["outcome"] == "legitimate")).sum()
            ),
        }
    return out


def shadow_check(comparison: dict[str, Any]) -> Check:
    """A shadow may be promoted only after :data:`MIN_SHADOW_NIGHTS` live nights."""
    nights = int(comparison.get("nights", 0))
    detail = (
        f"shadow-scored on {nights} live night(s) (at least {MIN_SHADOW_NIGHTS} before promotion); "
        f"same route as the champion on {pct(comparison.get('same_route'))} of "
        f"{comparison.get('claims', 0)} claims"
    )
    return Check("shadow_nights", nights >= MIN_SHADOW_NIGHTS, nights, MIN_SHADOW_NIGHTS, detail)
