"""Retraining: build the training set, train a challenger, compare it with the champion, promote or not.

**The training set** is every labeled claim (the lake's decisions: imported
dispositions and the review application's decisions, which the flows copy into the
lake first; the latest per claim) with its features *as they were on the claim's
night* (that night's features partition): what the model will see when it scores
a new claim, never a later view.

**Verification outcomes** are a separate kind of evidence, never labels: a label
its claim's verification contradicts weighs less in the supervised model's fit
(:func:`~claimscreen.models.verification.verification_weights`); calibration and
evaluation read the labels unweighted.

**The time split.** Labeled nights, oldest first: the last ``evaluation_days``
of them are the *evaluation window* (the most recent labeled window: champion
and challenger are compared there, on the same claims); of the nights before,
the older three quarters train the model and the newer quarter calibrates its
probabilities.

**The gate** (:mod:`claimscreen.models.promotion`, structured checks). With no champion
yet, the first model is promoted when it passes the fairness gate. Otherwise the challenger
passes only if

* the *unbiased estimate* says it ranks fraud better beyond noise: the audit draw
  (``source = audit``, drawn at random, chosen by neither model) and the investigated labels
  of the evaluation window, weighted by the inverse of their chance of being labeled, with a
  95% bootstrap interval; too few audit labels and no claim of better is made, and it does
  not catch less fraud beyond noise on the same estimate (the average precision on the
  investigated labels alone is reported, and never decides), and
* it passes the fairness gate: with the night's routing policy applied to every claim of the
  evaluation window, the share of honest claimants delayed differs by age band and by
  language no more than the ``[scoring]`` fairness settings allow (a ratio that chance
  explains does not refuse).

A challenger that passes is registered as the **shadow**: every night's score stage also
scores it (routes and the record stay the champion's). A later retraining promotes the
shadow when it passes the same checks on the newer window after
:data:`~claimscreen.models.promotion.MIN_SHADOW_NIGHTS` shadow-scored nights, and reports the
two models' routes on those nights. Otherwise the champion stays, and the report says why.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from claimscreen.data.labels import read_decisions
from claimscreen.data.lake import Lake, write_json
from claimscreen.data.settings import Settings, load_settings
from claimscreen.data.timing import since
from claimscreen.features.build import window_start
from claimscreen.models import registry
from claimscreen.models.inputs import EXCLUDED, MODEL_INPUTS
from claimscreen.models.metrics import Evaluation, evaluate
from claimscreen.models.promotion import (
    MIN_SHADOW_NIGHTS,
    Check,
    Estimate,
    decide,
    discount_noise,
    fairness_checks,
    ranking_checks,
    shadow_check,
    shadow_comparison,
    unbiased_estimate,
)
from claimscreen.models.report import checks_html, estimate_html, shadow_html, write_report
from claimscreen.models.routing import route_scores
from claimscreen.models.score_stage import read_scores, shadow_path, window_features
from claimscreen.models.scorer import ClaimScorer
from claimscreen.models.verification import read_outcomes, verification_weights


@dataclass
class RetrainReport:
    """What a retraining did and why; written to ``HOME/models/retrain-<time>.json``."""

    started_at: str
    status: str  # promoted | kept | bootstrapped | skipped
    reason: str
    champion_before: str | None
    champion_after: str | None
    challenger: str | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    split: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    fairness: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    report_file: str | None = None
    report_html: str | None = None
    #: One line that agrees with the checks: the outcome and the deciding check's words.
    headline: str = ""
    #: The gate's structured checks of the challenger (models/promotion.py ``Check``).
    checks: list[dict[str, Any]] = field(default_factory=list)
    #: The unbiased estimate, challenger against champion (models/promotion.py ``Estimate``).
    unbiased: dict[str, Any] = field(default_factory=dict)
    #: The shadow: ``before`` and ``after`` (versions), its live nights (``comparison``), its
    #: estimate and checks when a retraining judged it.
    shadow: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def all_decisions(home: Path) -> pd.DataFrame:
    """Every decision in the lake, the latest per claim: imported dispositions and the review
    application's decisions (the flows' ``sync-decisions`` task copies those into the lake
    before retraining, :func:`claimscreen.review.dispositions.sync_decisions`)."""
    columns = ["claim_id", "outcome", "decided_at", "source"]
    found = read_decisions(home)
    if not len(found):
        return pd.DataFrame(columns=columns)
    both = found[columns].copy()
    both["decided_at"] = pd.to_datetime(both["decided_at"], utc=True)
    both = both.assign(_order=np.arange(len(both))).sort_values(["claim_id", "decided_at", "_order"])
    return both.drop_duplicates("claim_id", keep="last").drop(columns="_order").reset_index(drop=True)


def training_set(home: Path, decisions: pd.DataFrame) -> pd.DataFrame:
    """Each labeled claim's features as of its own night, with ``label`` (1 fraud) and ``source``."""
    lake = Lake(Path(home))
    wanted = set(decisions["claim_id"].astype(str))
    frames = []
    for night in feature_nights(home):
        table = lake.read_table(lake.features_path(night)).to_pandas()
        frames.append(table[table["claim_id"].isin(wanted)])
    if not frames:
        return pd.DataFrame()
    features = pd.concat(frames, ignore_index=True)
    labeled = features.merge(decisions[["claim_id", "outcome", "source", "decided_at"]], on="claim_id")
    labeled["label"] = (labeled["outcome"] == "fraud").astype("int64")
    labeled["batch_date"] = pd.to_datetime(labeled["batch_date"]).dt.date
    return labeled.sort_values(["batch_date", "claim_id"], kind="stable").reset_index(drop=True)


def split_by_time(
    labeled: pd.DataFrame, evaluation_days: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Train (oldest), calibrate (newer), evaluate (the last ``evaluation_days`` labeled nights,
    at most a third of them). Calibration takes the newest nights before the evaluation
    window that hold a quarter of their labels."""
    nights = sorted(labeled["batch_date"].unique())
    if len(nights) < 3:
        return labeled.iloc[:0], labeled.iloc[:0], labeled
    n_eval = min(evaluation_days, max(1, len(nights) // 3))
    before = nights[:-n_eval]
    per_night = labeled["batch_date"].value_counts()
    from_the_end = np.cumsum([per_night[n] for n in reversed(before)])
    n_cal = int(np.searchsorted(from_the_end, 0.25 * from_the_end[-1])) + 1
    n_cal = min(max(n_cal, 1), len(before) - 1)
    train_nights, cal_nights = set(before[:-n_cal]), set(before[-n_cal:])
    return (
        labeled[labeled["batch_date"].isin(train_nights)],
        labeled[labeled["batch_date"].isin(cal_nights)],
        labeled[labeled["batch_date"] >= nights[-n_eval]],
    )


def retrain(home: Path, settings: Settings | None = None, now: dt.datetime | None = None) -> RetrainReport:
    """Train a challenger on the labels known now; promote (or shadow) it only if the gate says so."""
    run = _Run.start(Path(home), settings, now)
    nights = [n for n in feature_nights(run.home) if n <= run.moment.date()]
    if not nights:
        run.report.reason = "no scored nights in the lake yet: run the nightly flow first"
        return _finish(run)
    decisions, labeled = _labels(run)
    challenger, evaluation, supervised = _train(run, labeled, nights)
    if challenger is None:
        return _finish(run)
    clock = time.perf_counter()
    systems = _systems(run, challenger)
    eval_nights = sorted(evaluation["batch_date"].unique()) if len(evaluation) else nights[-1:]
    frames = {
        name: window_frame(run.home, scorer, eval_nights, run.settings, decisions)
        for name, scorer in systems.items()
    }
    evaluations = {name: evaluate(frame) for name, frame in frames.items()}
    checks = _judge(run, systems, evaluation, frames, evaluations, decisions)
    run.report.fairness["nights"] = [str(n) for n in eval_nights]
    run.timings["evaluate"] = since(clock)
    version = registry.save(run.home, challenger, _card(challenger, run.report, run.settings))
    run.report.challenger = version
    _conclude(run, version, checks, supervised)
    clock = time.perf_counter()
    run.report.report_html = str(write_retrain_html(run.home, run.report, evaluations, frames))
    run.timings["report"] = since(clock)
    return _finish(run)


@dataclass
class _Run:
    """One retraining under way: where, with which settings, as of when, and its report."""

    home: Path
    settings: Settings
    moment: dt.datetime
    started: float
    report: RetrainReport
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def start(cls, home: Path, settings: Settings | None, now: dt.datetime | None) -> _Run:
        moment = now or dt.datetime.now(dt.UTC)
        before = registry.champion(home)
        report = RetrainReport(
            started_at=moment.isoformat(timespec="seconds"),
            status="skipped",
            reason="",
            champion_before=before,
            champion_after=before,
        )
        return cls(home, settings or load_settings(home), moment, time.perf_counter(), report)


def _labels(run: _Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The decisions known at the moment, and the labeled claims with their features."""
    decisions = all_decisions(run.home)
    decisions = decisions[pd.to_datetime(decisions["decided_at"], utc=True) <= pd.Timestamp(run.moment)]
    labeled = training_set(run.home, decisions)
    if len(labeled):
        outcomes = read_outcomes(run.home)
        known = outcomes[pd.to_datetime(outcomes["decided_at"], utc=True) <= pd.Timestamp(run.moment)]
        labeled["verification_weight"] = verification_weights(labeled, known)
    run.timings["training_set"] = since(run.started)
    run.report.labels = _label_counts(labeled)
    return decisions, labeled


def _train(
    run: _Run, labeled: pd.DataFrame, nights: list[dt.date]
) -> tuple[ClaimScorer | None, pd.DataFrame, bool]:
    """The challenger (anomaly model, and the supervised model when the labels allow), the
    evaluation window's labels, and whether it is supervised; no challenger (the champion
    stays, the report says why) when there are too few labels and a champion exists."""
    settings = run.settings
    clock = time.perf_counter()
    recent = window_features(run.home, window_start(nights[-1], settings.history_days), nights[-1])
    challenger = ClaimScorer().fit_anomaly(recent)
    run.timings["anomaly"] = since(clock)
    train, calibrate, evaluation = split_by_time(labeled, settings.scoring.evaluation_days)
    run.report.split = {
        name: _window(part)
        for name, part in (("train", train), ("calibrate", calibrate), ("evaluate", evaluation))
    }
    low, fraud = settings.scoring.min_training_labels, settings.scoring.min_training_fraud
    supervised = (
        _enough(train, low, fraud) and _enough(calibrate, low // 4, fraud // 3) and len(evaluation) > 0
    )
    if supervised:
        clock = time.perf_counter()
        challenger.fit_supervised(
            train,
            train["label"].to_numpy(),
            calibrate,
            calibrate["label"].to_numpy(),
            method=settings.scoring.calibration,
            sample_weight=train["verification_weight"].to_numpy(),
        )
        run.timings["train"] = since(clock)
    elif run.report.champion_before is not None:
        run.report.status, run.report.reason = "kept", _too_few(train, calibrate, low, fraud)
        return None, evaluation, False
    return challenger, evaluation, supervised


def _systems(run: _Run, challenger: ClaimScorer) -> dict[str, ClaimScorer]:
    """The challenger, the champion and the shadow (a challenger of an earlier retraining that
    the nights have been scoring alongside the champion), those that exist."""
    systems = {"challenger": challenger}
    before = run.report.champion_before
    if before is not None:
        systems["champion"] = registry.load(run.home, before)
    shadow = registry.shadow(run.home)
    if shadow is not None and shadow != before:
        systems["shadow"] = registry.load(run.home, shadow)
        run.report.shadow["before"] = shadow
    return systems


def _judge(
    run: _Run,
    systems: dict[str, ClaimScorer],
    evaluation: pd.DataFrame,
    frames: dict[str, pd.DataFrame],
    evaluations: dict[str, Evaluation],
    decisions: pd.DataFrame,
) -> dict[str, list[Check]]:
    """The gate's checks for the challenger, and for the shadow if there is one."""
    report = run.report
    for name, scorer in systems.items():
        report.metrics[name] = label_metrics(scorer, evaluation)
    verdict = fairness_verdict(evaluations["challenger"], run.settings)
    report.fairness = verdict
    checks = {"challenger": [Check(**c) for c in verdict["checks"]]}
    if "champion" not in systems:
        return checks
    seed = run.settings.scoring.audit_seed
    for name in [n for n in ("challenger", "shadow") if n in systems]:
        estimate = unbiased_estimate_of(evaluation, frames, name, seed)
        found = ranking_checks(
            estimate, {"challenger": report.metrics[name], "champion": report.metrics["champion"]}
        )
        if name == "challenger":
            report.unbiased = estimate.to_dict()
        else:
            fair = fairness_verdict(evaluations["shadow"], run.settings)
            comparison = shadow_comparison(_shadow_frame(run.home, report.shadow["before"], decisions))
            found += [Check(**c) for c in fair["checks"]] + [shadow_check(comparison)]
            report.shadow.update(comparison=comparison, unbiased=estimate.to_dict())
        checks[name] = found if name == "shadow" else found + checks["challenger"]
    return checks


def unbiased_estimate_of(
    evaluation: pd.DataFrame, frames: dict[str, pd.DataFrame], name: str, seed: int
) -> Estimate:
    """:func:`claimscreen.models.promotion.unbiased_estimate` of system ``name`` against the
    champion, on the evaluation window's labels and every claim of its nights."""
    ids = evaluation["claim_id"].astype(str)
    risk, routes = {}, {}
    for role, key in (("champion", "champion"), ("challenger", name)):
        rows = frames[key].drop_duplicates("claim_id").set_index("claim_id").reindex(ids)
        risk[role] = rows["risk_score"].fillna(0.0).to_numpy(dtype=float)
        routes[role] = rows["route"].fillna("clear").to_numpy(dtype=object)
    return unbiased_estimate(evaluation, risk, len(frames["champion"]), routes, seed=seed)


def _conclude(run: _Run, version: str, checks: dict[str, list[Check]], supervised: bool) -> None:
    """Promote, shadow or keep, by the checks alone; the report's headline says which and why."""
    report = run.report
    report.checks = [c.to_dict() for c in checks["challenger"]]
    passes, why = decide(checks["challenger"])
    if report.champion_before is None:
        kind = "supervised" if supervised else "cold-start"
        if passes:
            registry.promote(run.home, version, reason=f"first model ({kind})")
            report.status, report.reason = "bootstrapped", f"first model ({kind})"
            report.champion_after = version
        else:
            report.status, report.reason = "kept", f"the challenger fails the fairness gate: {why}"
        report.headline = f"{report.status}: {report.reason}"
        return
    promoted = _promote_shadow(run, checks.get("shadow"))
    if passes:
        registry.set_shadow(run.home, version, reason=why)
        report.status = "promoted" if promoted else "shadow"
        report.reason = (
            f"{promoted + '; ' if promoted else ''}challenger {version}: {why}; registered as the shadow: "
            f"each night also scores it, and a retraining after {MIN_SHADOW_NIGHTS} nights promotes it "
            "if it still passes"
        )
    else:
        report.status = "promoted" if promoted else "kept"
        report.reason = f"{promoted + '; ' if promoted else ''}challenger {version} refused: {why}"
    report.shadow["after"] = registry.shadow(run.home)
    report.headline = f"{report.status}: {report.reason}"


def _promote_shadow(run: _Run, checks: list[Check] | None) -> str:
    """Promote the shadow when its checks pass; what happened, in words ("" without a shadow)."""
    shadow = run.report.shadow.get("before")
    if checks is None or shadow is None:
        return ""
    run.report.shadow["checks"] = [c.to_dict() for c in checks]
    passes, why = decide(checks)
    if not passes:
        return ""
    registry.promote(run.home, shadow, reason=f"shadow promoted: {why}")
    run.report.champion_after = shadow
    return f"shadow {shadow} promoted after its live nights: {why}"


def write_retrain_html(
    home: Path, report: RetrainReport, evaluations: dict[str, Evaluation], frames: dict[str, pd.DataFrame]
) -> Path:
    """The retraining report as one HTML file: headline, the gate's checks, the unbiased
    estimate, the shadow's nights, then each system's figures on the evaluation window."""
    names = {
        "challenger": f"challenger {report.challenger}",
        "champion": f"champion {report.champion_before}",
        "shadow": f"shadow {report.shadow.get('before')}",
    }
    stamp = report.started_at.replace(":", "").replace("-", "")[:15]
    out = registry.registry_folder(home) / "retrain" / f"retrain-{stamp}.html"
    notes = [
        f"Evaluation window: {report.split.get('evaluate')}.",
        "The figures below the checks route every claim of those nights as the nightly flow would; a "
        "claim without a decision counts as fraud with that system's own probability, so those "
        "tables estimate each system by itself and are no comparison between them: the unbiased "
        "estimate above decides.",
        f"Labels: {report.labels}",
    ]
    first = [("Promotion checks", checks_html(report.checks))]
    if report.unbiased:
        heading = "Unbiased estimate: audit draw and investigated labels"
        first.append((heading, estimate_html(report.unbiased)))
    if report.shadow.get("comparison"):
        first.append(("Shadow nights", shadow_html(report.shadow)))
    return write_report(
        {names[k]: v for k, v in evaluations.items()},
        {names[k]: v for k, v in frames.items()},
        out,
        title=f"claimscreen retraining {report.started_at}",
        notes=notes,
        headline=report.headline,
        first=first,
    )


def label_metrics(scorer: ClaimScorer, evaluation: pd.DataFrame) -> dict[str, Any]:
    """Ranking and calibration figures on labeled claims (all, and the audit draw alone)."""
    if not len(evaluation):
        return {}
    risk = scorer.score(evaluation).risk
    y = evaluation["label"].to_numpy()
    out: dict[str, Any] = {"claims": len(y), "fraud": int(y.sum())}
    if 0 < y.sum() < len(y):
        out["average_precision"] = round(float(average_precision_score(y, risk)), 4)
        out["roc_auc"] = round(float(roc_auc_score(y, risk)), 4)
    out["brier"] = round(float(brier_score_loss(y, risk)), 4)
    audit = (evaluation["source"] == "audit").to_numpy()
    if audit.any():
        out["audit"] = {
            "claims": int(audit.sum()),
            "fraud": int(y[audit].sum()),
            "mean_risk": round(float(risk[audit].mean()), 4),
            "fraud_share": round(float(y[audit].mean()), 4),
        }
    return out


def window_frame(
    home: Path, scorer: ClaimScorer, nights: list[dt.date], settings: Settings, decisions: pd.DataFrame
) -> pd.DataFrame:
    """Every claim of ``nights`` scored and routed by ``scorer`` as the nightly flow would,
    with what is known of it: ``is_fraud``, ``labeled``, ``age``, ``language``.

    A labeled claim is honest or fraud as decided; an unlabeled one is drawn as
    fraud with the scorer's probability (seeded), so the figures estimate the
    false-positive rate rather than counting every unlabeled fraud as an honest
    claimant delayed. ``decisions`` are those known at the time of the evaluation."""
    lake = Lake(Path(home))
    outcome = dict(zip(decisions["claim_id"].astype(str), decisions["outcome"], strict=True))
    rng = np.random.default_rng(settings.scoring.audit_seed)
    frames = []
    for night in nights:
        features = lake.read_table(lake.features_path(night)).to_pandas()
        scores = scorer.score(features)
        routing = route_scores(features, scores, night, settings.scoring)
        language = lake.read_zone("claims", night, columns=["claim_id", "language"]).drop_duplicates(
            "claim_id"
        )
        ids = features["claim_id"].astype(str)
        frame = pd.DataFrame(
            {
                "claim_id": ids,
                "risk_score": scores.risk,
                "route": routing.route,
                "is_fraud": _fraud_estimate(ids, outcome, scores.risk, rng),
                "labeled": ids.isin(outcome).to_numpy(),
                "age": pd.to_numeric(features["age_at_filing"], errors="coerce"),
            }
        ).merge(language, on="claim_id", how="left")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def fairness_verdict(evaluation: Evaluation, settings: Settings) -> dict[str, Any]:
    """The fairness gate (fairlearn through :mod:`claimscreen.models.metrics`) on an evaluation,
    a ratio below the limit that chance explains discounted (:func:`discount_noise`)."""
    checks = fairness_checks(
        evaluation,
        min_ratio=settings.scoring.fairness_min_ratio,
        max_gap_points=settings.scoring.fairness_max_gap_points,
    )
    checks = discount_noise(checks, evaluation)
    return {
        "passes": all(c.passed is not False for c in checks),
        "reasons": [c.detail for c in checks],
        "checks": [c.to_dict() for c in checks],
        "evaluation": evaluation.to_dict(),
    }


def _fraud_estimate(
    claim_ids: pd.Series, outcome: dict[str, str], risk: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    known = claim_ids.astype(str).map(outcome).to_numpy(dtype=object)
    drawn = rng.random(len(risk)) < risk
    return np.where(known == "fraud", True, np.where(known == "legitimate", False, drawn)).astype(bool)


def _enough(part: pd.DataFrame, min_labels: int, min_fraud: int) -> bool:
    """Enough labels of both outcomes to learn (or calibrate) from."""
    if not len(part):
        return False
    fraud = int(part["label"].sum())
    return len(part) >= min_labels and min_fraud <= fraud < len(part)


def _too_few(train: pd.DataFrame, calibrate: pd.DataFrame, low: int, fraud: int) -> str:
    found = int(train["label"].sum()) if len(train) else 0
    return (
        f"too few labels to train a supervised model: {len(train)} training labels with {found} fraud "
        f"(at least {low} and {fraud} needed, [scoring] min_training_labels and min_training_fraud) "
        f"and {len(calibrate)} to calibrate on; the champion stays"
    )


def _label_counts(labeled: pd.DataFrame) -> dict[str, Any]:
    if not len(labeled):
        return {"total": 0}
    counts = labeled.groupby(["source", "outcome"]).size()
    contradicted = int((labeled["verification_weight"] < 1).sum())
    return {
        "total": len(labeled),
        **{f"{key[0]}_{key[1]}": int(n) for key, n in counts.items()},  # type: ignore[index]
        "verification_contradicted": contradicted,
    }


def _window(part: pd.DataFrame) -> dict[str, Any]:
    if not len(part):
        return {"labels": 0}
    return {
        "first": str(part["batch_date"].min()),
        "last": str(part["batch_date"].max()),
        "labels": len(part),
        "fraud": int(part["label"].sum()),
    }


def _card(scorer: ClaimScorer, report: RetrainReport, settings: Settings) -> dict[str, Any]:
    return {
        "kind": scorer.kind,
        "training_window": report.split,
        "labels": report.labels,
        "features": list(MODEL_INPUTS),
        "features_left_out": EXCLUDED,
        # Signals the labels showed often enough for the model to own (their cold-start
        # weight left the score); the others keep it (claimscreen.models.scorer).
        "learned_signals": list(getattr(scorer, "learned_", ())),
        "metrics": report.metrics.get("challenger", {}),
        "champion_metrics_same_window": report.metrics.get("champion", {}),
        "thresholds": settings.scoring.model_dump(),
        "fairness": report.fairness,
    }


def feature_nights(home: Path) -> list[dt.date]:
    return Lake(Path(home)).nights("features", "features.parquet")


def _shadow_frame(home: Path, version: str, decisions: pd.DataFrame) -> pd.DataFrame:
    """Every claim the shadow ``version`` scored on live nights, beside the champion's record
    of it, with its decision where one is known."""
    lake = Lake(Path(home))
    frames = []
    for night in lake.nights("shadow", f"{version}.parquet"):
        shadow = lake.read_table(shadow_path(lake, night, version)).to_pandas()
        record = read_scores(home, night)[["claim_id", "route", "risk_score"]]
        both = shadow.merge(record, on="claim_id", suffixes=("_shadow", "_champion"))
        frames.append(both.assign(batch_date=night))
    columns = {
        "route_shadow": "shadow_route",
        "risk_score_shadow": "shadow_risk",
        "route_champion": "champion_route",
        "risk_score_champion": "champion_risk",
    }
    if not frames:
        return pd.DataFrame(columns=["batch_date", "claim_id", "outcome", "source", *columns.values()])
    frame = pd.concat(frames, ignore_index=True).rename(columns=columns)
    return frame.merge(decisions[["claim_id", "outcome", "source"]], on="claim_id", how="left")


def _finish(run: _Run) -> RetrainReport:
    report = run.report
    report.seconds = since(run.started)
    report.timings = run.timings
    if not report.headline:
        report.headline = f"{report.status}: {report.reason}"
    stamp = report.started_at.replace(":", "").replace("-", "")[:15]
    path = registry.registry_folder(run.home) / "retrain" / f"retrain-{stamp}.json"
    report.report_file = str(path)
    write_json(path, report.to_dict())
    return report


__all__ = ["RetrainReport", "all_decisions", "feature_nights", "retrain", "training_set"]
