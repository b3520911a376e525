"""Retraining: build the training set, train a challenger, compare it with the champion, promote or not.

**The training set** is every labeled claim (the lake's decisions: imported
dispositions and the review application's decisions, which the flows copy into the
lake first; the latest per claim) with its features *as they were on the claim's
night* (that night's features partition): what the model will see when it scores
a new claim, never a later view.

**The time split.** Labeled nights, oldest first: the last ``evaluation_days``
of them are the *evaluation window* (the most recent labeled window: champion
and challenger are compared there, on the same claims); of the nights before,
the older three quarters train the model and the newer quarter calibrates its
probabilities.

**Promotion.** The challenger replaces the champion only if

* it ranks fraud better on the evaluation window (higher average precision on
  the labeled claims; a cold-start champion has none from labels, so its
  evidence score is what it is measured by), and
* it passes the fairness gate: with the night's routing policy applied to every
  claim of the evaluation window, the share of honest claimants delayed
  (claims not labeled fraud, routed away from ``clear``) differs by age band and
  by language no more than the ``[scoring]`` fairness settings allow.

Otherwise the champion stays, and the report says why. Selective labels: the
audit draw (``source = audit``) is a random sample of cleared claims, so the
figures on it are unbiased estimates; they are reported apart.
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
from claimscreen.features.build import window_start
from claimscreen.models import registry
from claimscreen.models.evaluation import evaluate, fairness_gate, write_report
from claimscreen.models.inputs import EXCLUDED, MODEL_INPUTS
from claimscreen.models.routing import route_scores
from claimscreen.models.scorer import ClaimScorer
from claimscreen.models.scoring import window_features


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def all_decisions(home: Path) -> pd.DataFrame:
    """Every decision in the lake, the latest per claim: imported dispositions and the review
    application's decisions (the flows' ``sync-decisions`` task copies those into the lake
    before retraining, :func:`claimscreen.review.export.sync_decisions`)."""
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
    for night in _feature_nights(home):
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
    """Train a challenger on the labels known now and promote it only if it is better and fair."""
    started = time.perf_counter()
    home = Path(home)
    settings = settings or load_settings(home)
    moment = now or dt.datetime.now(dt.UTC)
    timings: dict[str, float] = {}
    before = registry.champion(home)
    report = RetrainReport(
        started_at=moment.isoformat(timespec="seconds"),
        status="skipped",
        reason="",
        champion_before=before,
        champion_after=before,
    )
    nights = [n for n in _feature_nights(home) if n <= moment.date()]
    if not nights:
        report.reason = "no scored nights in the lake yet: run the nightly flow first"
        return _finish(home, report, started, timings)
    decisions = all_decisions(home)
    decisions = decisions[pd.to_datetime(decisions["decided_at"], utc=True) <= pd.Timestamp(moment)]
    labeled = training_set(home, decisions)
    timings["training_set"] = _since(started)
    report.labels = _label_counts(labeled)
    clock = time.perf_counter()
    recent = window_features(home, window_start(nights[-1], settings.history_days), nights[-1])
    challenger = ClaimScorer().fit_anomaly(recent)
    timings["anomaly"] = _since(clock)
    train, calibrate, evaluation = split_by_time(labeled, settings.scoring.evaluation_days)
    report.split = {
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
        )
        timings["train"] = _since(clock)
    elif before is not None:
        report.status, report.reason = "kept", _too_few(train, calibrate, low, fraud)
        return _finish(home, report, started, timings)
    clock = time.perf_counter()
    report.metrics["challenger"] = label_metrics(challenger, evaluation)
    champion = registry.load(home, before) if before else None
    if champion is not None:
        report.metrics["champion"] = label_metrics(champion, evaluation)
    eval_nights = sorted(evaluation["batch_date"].unique()) if len(evaluation) else nights[-1:]
    systems = {"challenger": challenger, **({"champion": champion} if champion is not None else {})}
    frames = {
        name: window_frame(home, scorer, eval_nights, settings, decisions) for name, scorer in systems.items()
    }
    evaluations = {name: evaluate(frame) for name, frame in frames.items()}
    report.fairness = fairness_verdict(evaluations["challenger"], settings)
    report.fairness["nights"] = [str(n) for n in eval_nights]
    fairness = report.fairness
    timings["evaluate"] = _since(clock)
    card = _card(challenger, report, settings)
    version = registry.save(home, challenger, card)
    report.challenger = version
    better, why = _is_better(
        report.metrics.get("challenger", {}), report.metrics.get("champion"), before, supervised
    )
    fair = fairness.get("passes", True)
    if better and fair:
        registry.promote(home, version, reason=why)
        report.status = "promoted" if before else "bootstrapped"
        report.reason, report.champion_after = why, version
    else:
        report.status = "kept"
        report.reason = (
            why
            if not better
            else "the challenger fails the fairness gate: "
            + "; ".join(
                r for r in fairness.get("reasons", []) if "below" in r or "above" in r or "differ" in r
            )
        )
    clock = time.perf_counter()
    report.report_html = str(_write_html(home, report, evaluations, frames, version))
    timings["report"] = _since(clock)
    return _finish(home, report, started, timings)


def _write_html(
    home: Path,
    report: RetrainReport,
    evaluations: dict[str, Any],
    frames: dict[str, pd.DataFrame],
    version: str,
) -> Path:
    champion = report.champion_before
    names = {"challenger": f"challenger {version}", "champion": f"champion {champion}"}
    stamp = report.started_at.replace(":", "").replace("-", "")[:15]
    out = registry.registry_folder(home) / "retrain" / f"retrain-{stamp}.html"
    notes = [
        f"Outcome: {report.status}. {report.reason}",
        f"Evaluation window: {report.split.get('evaluate')}; every claim of those nights routed as the "
        "nightly flow would. Claims without a decision count as fraud with the model's probability "
        "(an estimate); the labeled claims' figures are in the model card.",
        f"Labels: {report.labels}",
    ]
    return write_report(
        {names[k]: v for k, v in evaluations.items()},
        {names[k]: v for k, v in frames.items()},
        out,
        title=f"claimscreen retraining {report.started_at}",
        notes=notes,
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


def fairness_verdict(evaluation: Any, settings: Settings) -> dict[str, Any]:
    """The fairness gate (fairlearn through :mod:`claimscreen.models.evaluation`) on an evaluation."""
    passes, reasons = fairness_gate(
        evaluation,
        min_ratio=settings.scoring.fairness_min_ratio,
        max_gap_points=settings.scoring.fairness_max_gap_points,
    )
    if not passes:
        passes, reasons = _discount_noise(evaluation, settings, reasons)
    return {"passes": passes, "reasons": reasons, "evaluation": evaluation.to_dict()}


def _discount_noise(evaluation: Any, settings: Settings, reasons: list[str]) -> tuple[bool, list[str]]:
    """A ratio below the limit that chance explains does not refuse a model.

    With false-positive rates of a fraction of a percent, a group of a thousand
    claimants holds a handful of delayed honest claimants, and a ratio of such
    counts is noise. The ratio refuses a model only when equal treatment would
    rarely give a ratio that low at these group sizes (fewer than 5% of random
    spreads of the same delayed claimants, :meth:`GroupFairness.chance`); the
    gap (percentage points) always counts."""
    passes = True
    out = list(reasons)
    for fair in evaluation.fairness.values():
        if fair.gap_passes is False:
            passes = False
        if fair.ratio_passes is not False:
            continue
        low, _, high, _ = fair.extremes(fair.min_group_ratio)
        p_value = fair.chance().p_value
        if p_value < 0.05:
            passes = False
            out.append(
                f"false-positive rate by {fair.grouping}: {low} and {high} differ beyond chance "
                f"(equal treatment gives a ratio this low in {p_value:.1%} of random spreads)"
            )
        else:
            out.append(
                f"false-positive rate by {fair.grouping}: the ratio below the limit is within chance "
                f"(equal treatment gives one this low in {p_value:.0%} of random spreads), "
                "so it does not refuse the model"
            )
    return passes, out


def _fraud_estimate(
    claim_ids: pd.Series, outcome: dict[str, str], risk: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    known = claim_ids.astype(str).map(outcome).to_numpy(dtype=object)
    drawn = rng.random(len(risk)) < risk
    return np.where(known == "fraud", True, np.where(known == "legitimate", False, drawn)).astype(bool)


def _is_better(
    challenger: dict[str, Any], champion: dict[str, Any] | None, before: str | None, supervised: bool
) -> tuple[bool, str]:
    if before is None:
        kind = "supervised" if supervised else "cold-start"
        return True, f"first model ({kind})"
    new, old = challenger.get("average_precision"), (champion or {}).get("average_precision")
    if new is None:
        return False, "no fraud and honest labels in the evaluation window to compare on"
    if old is None or new > old:
        return True, f"average precision {new} on the evaluation window, champion {old}"
    return False, f"the challenger is not better: average precision {new} against the champion's {old}"


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
    return {"total": len(labeled), **{f"{key[0]}_{key[1]}": int(n) for key, n in counts.items()}}  # type: ignore[index]


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


def _feature_nights(home: Path) -> list[dt.date]:
    lake = Lake(Path(home))
    return sorted(
        dt.date.fromisoformat(p.parent.name.split("=", 1)[1])
        for p in lake.root.glob("features/batch_date=*/features.parquet")
    )


def _finish(home: Path, report: RetrainReport, started: float, timings: dict[str, float]) -> RetrainReport:
    report.seconds = _since(started)
    report.timings = timings
    stamp = report.started_at.replace(":", "").replace("-", "")[:15]
    path = registry.registry_folder(home) / "retrain" / f"retrain-{stamp}.json"
    report.report_file = str(path)
    write_json(path, report.to_dict())
    return report


def _since(clock: float) -> float:
    return round(time.perf_counter() - clock, 3)


__all__ = ["RetrainReport", "all_decisions", "retrain", "training_set"]
