"""Benchmark: a whole `claimscreen retrain` on a large lake (issue #4: 2,000,000 claims with
50,000 labels in <= 5 minutes).

Builds (bench/world.py, cached under ``--root``) a generated state of ``--days``
nights of ``--claims-per-day`` claims with its dispositions, then runs the
retraining as of the end of the last night: training set from the features
partitions, anomaly model, gradient boosting trained and calibrated, champion
and challenger evaluated on the most recent labeled nights, fairness gate,
model card and HTML report. Prints the time of each step. The generator
investigates about 1.2% of claims, so 2,000,000 claims carry about 23,000
labels; bench/scoring.py times the model fit on 50,000 labels separately.

    .venv/bin/python bench/retrain.py [--root /tmp/cs-retrain] [--days 50] [--claims-per-day 40000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from world import build_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/cs-retrain"))
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--claims-per-day", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    from claimscreen.models import registry
    from claimscreen.models.training import retrain

    clock = time.perf_counter()
    world = build_world(args.root, args.days, args.claims_per_day, args.seed)
    ready = time.perf_counter() - clock
    print(f"world: {args.days} nights x {args.claims_per_day:,} claims ready in {ready:.0f} s")
    last = dt.date.fromisoformat(world.nights[-1]) + dt.timedelta(days=1)
    moment = dt.datetime.combine(last, dt.time(0), tzinfo=dt.UTC)
    for attempt in ("first (no champion)", "second (against the champion)"):
        clock = time.perf_counter()
        report = retrain(world.home, now=moment)
        seconds = time.perf_counter() - clock
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
        print(f"retrain, {attempt}: {report.status} in {seconds:.1f} s ({steps})")
        print(f"  labels {report.labels}; split {report.split}")
        print(f"  {report.reason}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"champion {registry.champion(world.home)}; peak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
