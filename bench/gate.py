"""Benchmark: does the promotion gate pick the model the truth prefers? (issue #17 item 7)

Reads a home where a retraining ran (``claimscreen demo`` leaves one: its generator's
``demo-world/truth.parquet`` beside the lake), takes that retraining's champion and challenger,
and for both prints

* the figures on the evaluation window's **labels** (chosen by past investigations: biased),
* the **unbiased estimate** the gate decides on (audit draw and investigated labels, weighted,
  with 95% bootstrap intervals; :mod:`claimscreen.models.promotion`),
* the figures on the generator's **truth**, every claim of the evaluation window and of the
  nights after the retraining, each routed as the nightly flow would.

    .venv/bin/python bench/gate.py --home /tmp/cs-demo-gate [--truth HOME/demo-world/truth.parquet]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--report", type=Path, help="the retraining's JSON (default: the latest)")
    args = parser.parse_args()

    from claimscreen.data.settings import load_settings
    from claimscreen.models import registry
    from claimscreen.models.metrics import compare, evaluate
    from claimscreen.models.training import (
        all_decisions,
        feature_nights,
        split_by_time,
        training_set,
        unbiased_estimate_of,
        window_frame,
    )

    home = args.home
    truth = pd.read_parquet(args.truth or home / "demo-world" / "truth.parquet")
    path = args.report or sorted((home / "models" / "retrain").glob("retrain-*.json"))[-1]
    report = json.loads(path.read_text())
    print(f"retraining {report['started_at']}: {report['status']}: {report['reason']}")
    versions = {"champion": report["champion_before"], "challenger": report["challenger"]}
    moment = dt.datetime.fromisoformat(report["started_at"])
    settings = load_settings(home)
    decisions = all_decisions(home)
    decisions = decisions[pd.to_datetime(decisions["decided_at"], utc=True) <= pd.Timestamp(moment)]
    evaluation = split_by_time(training_set(home, decisions), settings.scoring.evaluation_days)[2]
    window = sorted(evaluation["batch_date"].unique())
    later = [n for n in feature_nights(home) if n >= moment.date()]
    scorers = {name: registry.load(home, v) for name, v in versions.items()}
    for label, nights in (("evaluation window", window), ("nights after the retraining", later)):
        if not nights:
            continue
        frames = {
            name: window_frame(home, scorer, nights, settings, decisions) for name, scorer in scorers.items()
        }
        if label == "evaluation window":
            estimate = unbiased_estimate_of(evaluation, frames, "challenger", settings.scoring.audit_seed)
            print(f"\nunbiased estimate on the {label} ({nights[0]} to {nights[-1]}):")
            print(json.dumps(estimate.to_dict(), indent=1, default=str))
        truthful = {
            f"{name} {versions[name]}": evaluate(
                frame.drop(columns="is_fraud").merge(
                    truth[["claim_id", "is_fraud", "typology"]], on="claim_id"
                )
            )
            for name, frame in frames.items()
        }
        print(f"\non the generator's truth, {label} ({nights[0]} to {nights[-1]}):")
        print(compare(truthful))


if __name__ == "__main__":
    main()
