"""A generated state run through the pipeline up to features: the shared set-up of the
quality and scoring benchmarks.

``build_world(root, days, claims_per_day, seed)`` generates a world, loads its
reference lists and past dispositions, and ingests and computes features for every
night, into ``root/home``; a second call with the same arguments reuses it, and one with
others deletes and rebuilds it, only in a root this script made (its marker file). With
``holdout=True`` the dispositions of the held-out fraud variants
(:func:`held_out_variants`) are never loaded: no feature (a ring's known fraud) and
no retraining sees them.

    .venv/bin/python bench/world.py --root /tmp/cs-world --days 30 --claims-per-day 10000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class World:
    home: Path
    truth_file: Path
    dispositions_file: Path
    nights: list[str]
    #: The held-out fraud variants (``typology/variant``) whose dispositions were not loaded.
    held: list[str] = field(default_factory=list)


def held_out_variants(truth: pd.DataFrame, seed: int) -> set[str]:
    """For each fraud family with two or more variants in ``truth``, about half of them (at
    least one), drawn with ``seed``: the same world and seed always hold out the same ones."""
    rng = np.random.default_rng([seed, 23])
    fraud = truth[truth["is_fraud"]]
    held: set[str] = set()
    for _, variants in sorted(fraud.groupby("typology")["variant"]):
        names = sorted(set(variants.dropna()))
        if len(names) >= 2:
            held.update(rng.choice(names, size=max(1, len(names) // 2), replace=False).tolist())
    return held


def build_world(
    root: Path, days: int, claims_per_day: int, seed: int, labels: bool = True, holdout: bool = False
) -> World:
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
        "holdout": holdout,
    }
    if done.exists() and json.loads(done.read_text())["params"] == params:
        meta = json.loads(done.read_text())
        return World(home, Path(meta["truth"]), Path(meta["dispositions"]), meta["nights"], meta["held"])
    started = time.perf_counter()
    claim_root(root)
    for stale in (home, root / "world", done):  # another world's lake, labels and models
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    summary = generate_world(root / "world", days=days, claims_per_day=claims_per_day, seed=seed)
    for kind, path in summary.reference_files.items():
        load_reference(home, kind, path)
    held = held_out_variants(pd.read_parquet(summary.truth_file), seed) if holdout else set()
    if labels:
        import_labels(home, seen_dispositions(summary.dispositions_file, summary.truth_file, held))
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
        "held": sorted(held),
        "seconds": round(time.perf_counter() - started, 1),
    }
    done.write_text(json.dumps(meta))
    return World(home, summary.truth_file, summary.dispositions_file, nights, sorted(held))


#: The file that marks a root as made by this script: only then are its home and world deleted.
MARKER = ".claimscreen-bench-world"


def claim_root(root: Path) -> None:
    """Make ``root`` this script's (its :data:`MARKER` written), or stop with one line when it
    holds a ``home``, ``world`` or ``built.json`` this script did not make: a --root pointed at
    a real folder must never lose it. A root built before the marker existed is recognised by
    its ``built.json``."""
    marker = root / MARKER
    if marker.exists():
        return
    ours = _built_here(root / "built.json")
    found = [name for name in ("home", "world", "built.json") if (root / name).exists()]
    if found and not ours:
        raise SystemExit(
            f"bench/world.py: {root} holds {', '.join(found)} that bench/world.py did not make "
            f"(no {MARKER}); refusing to delete it: choose a new or empty --root"
        )
    root.mkdir(parents=True, exist_ok=True)
    marker.write_text("made by bench/world.py: its home/, world/ and built.json are rebuilt at will\n")


def _built_here(done: Path) -> bool:
    try:
        meta = json.loads(done.read_text()) if done.is_file() else None
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(meta, dict) and "params" in meta


def seen_dispositions(dispositions: Path, truth: Path, held: set[str]) -> Path:
    """``dispositions``, or a copy beside it without the claims of the ``held`` variants."""
    if not held:
        return dispositions
    frame = pd.read_csv(dispositions, dtype=str, keep_default_na=False)
    variant = pd.read_parquet(truth, columns=["claim_id", "variant"]).set_index("claim_id")["variant"]
    seen = frame[~frame["claim_id"].map(variant).isin(held)]
    out = dispositions.with_name("dispositions-seen.csv")
    seen.to_csv(out, index=False)
    return out


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
