"""Benchmark: what shadow scoring adds to a night's score stage (issue #17 item 7).

Takes a home with a supervised model (``claimscreen demo`` leaves one), repeats the features of
its nights up to ``--claims`` rows as one night, and times the champion's scoring (score,
route, reasons: the score stage without its reads and writes) and then
:func:`claimscreen.models.score_stage.shadow_score` with the shadow model (load, score, route, write
its file, compare routes) on the same rows, in a scratch home holding a copy of the registry.

    .venv/bin/python bench/shadow.py --home /tmp/cs-demo-gate --champion v0001 --shadow v0002
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from scoring import repeat_to, rss_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--champion", required=True)
    parser.add_argument("--shadow", required=True)
    parser.add_argument("--claims", type=int, default=1_000_000)
    args = parser.parse_args()

    from claimscreen.data.lake import Lake
    from claimscreen.data.settings import load_settings
    from claimscreen.models import registry
    from claimscreen.models.score_stage import score_claims, shadow_score

    lake = Lake(args.home)
    parts = sorted(lake.root.glob("features/batch_date=*/features.parquet"))
    night = repeat_to(pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True), args.claims)
    settings = load_settings(args.home)
    day = dt.date(2026, 12, 1)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    table = score_claims(
        registry.load(args.home, args.champion), night, day, settings, args.champion, timings
    )
    champion_seconds = time.perf_counter() - clock
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
    print(f"champion {args.champion}: {len(night):,} claims in {champion_seconds:.1f} s ({steps})")
    record = table.select(["claim_id", "route"]).to_pandas()
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        shutil.copytree(args.home / "models", home / "models")
        registry.set_shadow(home, args.shadow, reason="bench")
        clock = time.perf_counter()
        found = shadow_score(home, day, args.champion, night, record, settings)
        seconds = time.perf_counter() - clock
    print(f"shadow {args.shadow}: +{seconds:.1f} s ({seconds / champion_seconds:.0%} of the champion's)")
    print(f"  {found}")
    print(f"peak RSS {rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
