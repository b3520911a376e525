"""A generated state run through the pipeline up to features: the shared set-up of the
quality and scoring benchmarks.

``build_world(root, days, claims_per_day, seed)`` generates a world, loads its
reference lists and past dispositions, and ingests and computes features for every
night, into ``root/home``; a second call with the same arguments reuses it.

    .venv/bin/python bench/world.py --root /tmp/cs-world --days 30 --claims-per-day 10000
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class World:
    home: Path
    truth_file: Path
    dispositions_file: Path
    nights: list[str]


def build_world(root: Path, days: int, claims_per_day: int, seed: int, labels: bool = True) -> World:
    from claimscreen.data.generate import generate_world
    from claimscreen.data.ingest import batch_date_for, ingest_batch
    from claimscreen.data.labels import import_labels
    from claimscreen.data.reference import load_reference
    from claimscreen.features.build import run_features

    os.environ.setdefault("CLAIMSCREEN_SECRET_KEY", "benchmark-key-0123456789")
    root = Path(root)
    home = root / "home"
    done = root / "built.json"
    from claimscreen.data.generate import VARIANTS

    # The generator's fraud variants are part of the key: a world cached before they changed is rebuilt.
    params = {
        "days": days,
        "claims_per_day": claims_per_day,
        "seed": seed,
        "labels": labels,
        "variants": len(VARIANTS),
    }
    if done.exists() and json.loads(done.read_text())["params"] == params:
        meta = json.loads(done.read_text())
        return World(home, Path(meta["truth"]), Path(meta["dispositions"]), meta["nights"])
    started = time.perf_counter()
    summary = generate_world(root / "world", days=days, claims_per_day=claims_per_day, seed=seed)
    for kind, path in summary.reference_files.items():
        load_reference(home, kind, path)
    if labels:
        import_labels(home, summary.dispositions_file)
    nights = []
    for batch in sorted(summary.batch_files):
        night = batch_date_for(batch, None)
        ingest_batch(home, batch, night)
        run_features(home, night)
        nights.append(night.isoformat())
    meta = {
        "params": params,
        "truth": str(summary.truth_file),
        "dispositions": str(summary.dispositions_file),
        "nights": nights,
        "seconds": round(time.perf_counter() - started, 1),
    }
    done.write_text(json.dumps(meta))
    return World(home, summary.truth_file, summary.dispositions_file, nights)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--claims-per-day", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    started = time.perf_counter()
    world = build_world(args.root, args.days, args.claims_per_day, args.seed)
    print(f"world ready in {time.perf_counter() - started:.1f} s: {world.home}")


if __name__ == "__main__":
    main()
