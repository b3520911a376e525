"""Benchmark: why gradient boosting. Candidate classifiers on the same labels and split.

On the quality benchmark's world (bench/world.py), each candidate is trained on
the dispositions decided by night ``--train-days`` (older three quarters) and
calibrated on the newer quarter, exactly as ``claimscreen retrain`` does, then
ranks every claim of the later nights against the generator's truth. Printed:
average precision and ROC AUC of the model alone (no cold-start evidence), of
the combined score, training time and scoring speed.

    .venv/bin/python bench/model_choice.py [--root /tmp/cs-quality]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).parent))

from world import build_world


def candidates() -> dict[str, Pipeline]:
    from claimscreen.models.scorer import make_classifier

    return {
        "HistGradientBoosting (claimscreen)": make_classifier(0),
        "RandomForest (300 trees)": Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                (
                    "model",
                    RandomForestClassifier(n_estimators=300, min_samples_leaf=5, n_jobs=2, random_state=0),
                ),
            ]
        ),
        "LogisticRegression": Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(max_iter=2000, C=1.0)),
            ]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/cs-quality"))
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--claims-per-day", type=int, default=20_000)
    parser.add_argument("--train-days", type=int, default=21)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    from claimscreen.models.evidence import cold_logit, evidence_matrix
    from claimscreen.models.inputs import model_matrix
    from claimscreen.models.score_stage import window_features
    from claimscreen.models.scorer import sigmoid
    from claimscreen.models.training import all_decisions, training_set

    world = build_world(args.root, args.days, args.claims_per_day, args.seed)
    nights = [dt.date.fromisoformat(n) for n in world.nights]
    cutoff = nights[args.train_days]
    decisions = all_decisions(world.home)
    decisions = decisions[pd.to_datetime(decisions["decided_at"], utc=True) < pd.Timestamp(cutoff, tz="UTC")]
    labeled = training_set(world.home, decisions)
    labeled = labeled[labeled["batch_date"] < cutoff]
    cut = int(len(labeled) * 0.75)
    ordered = labeled.sort_values("batch_date", kind="stable")
    train, calibrate = ordered.iloc[:cut], ordered.iloc[cut:]
    later = window_features(world.home, cutoff, nights[-1])
    truth = pd.read_parquet(world.truth_file, columns=["claim_id", "is_fraud"])
    later = later.merge(truth, on="claim_id")
    y = later["is_fraud"].to_numpy()
    x_later = model_matrix(later).to_numpy()
    cold = sigmoid(cold_logit(evidence_matrix(later)))
    print(
        f"labels: {len(train):,} to train, {len(calibrate):,} to calibrate (decided by {cutoff}); "
        f"evaluated on {len(later):,} later claims ({int(y.sum()):,} fraud)"
    )
    ap, auc = average_precision_score(y, cold), roc_auc_score(y, cold)
    print(f"cold-start evidence alone: AP {ap:.4f}, AUC {auc:.4f}")
    for name, model in candidates().items():
        clock = time.perf_counter()
        model.fit(model_matrix(train).to_numpy(), train["label"].to_numpy())
        calibrated = CalibratedClassifierCV(FrozenEstimator(model), method="isotonic")
        calibrated.fit(model_matrix(calibrate).to_numpy(), calibrate["label"].to_numpy())
        fit = time.perf_counter() - clock
        clock = time.perf_counter()
        p = calibrated.predict_proba(x_later)[:, 1]
        rate = len(x_later) / (time.perf_counter() - clock)
        risk = 1 - (1 - p) * (1 - cold)
        print(
            f"{name:<36} model AP {average_precision_score(y, p):.4f} AUC {roc_auc_score(y, p):.4f} | "
            f"combined AP {average_precision_score(y, risk):.4f} AUC {roc_auc_score(y, risk):.4f} | "
            f"fit {fit:.1f} s, scores {rate:,.0f} claims/s"
        )


if __name__ == "__main__":
    main()
