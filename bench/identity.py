"""Benchmark: identity resolution, accuracy and speed.

1. **Accuracy and window time.** Generates a synthetic world (default 20 nights
   of 10,000 claims), ingests it into a fresh home and links the whole window
   (no known ids): pairwise precision and recall against ``truth.parquet``'s
   ``person_key`` (all claims, re-filed identities, honest re-filers), and the
   time. Then the incremental night: the history's ids as ``known``, the last
   night new.
2. **Scale.** Tiles the world's claims into a large history (each copy a
   different population: identifiers suffixed, dates of birth moved by 400
   days a copy, earlier filing times) with known ids taken from the truth,
   and one more copy as tonight, 2% of it re-filing identities of the history.
   Each scenario runs in a fresh process: link time and peak RSS.

    .venv/bin/python bench/identity.py [--days 20] [--claims-per-day 10000]
        [--scale-claims-per-day 100000] [--copies 10] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = [
    "claim_id", "batch_date", "filed_at", "ssn_token", "ssn_last4", "first_name_norm", "last_name_norm",
    "date_of_birth", "email_canonical", "phone_e164", "address_norm", "zip5", "bank_account_token",
]  # fmt: skip
TILED = ["ssn_token", "email_canonical", "phone_e164", "address_norm", "bank_account_token"]

CHILD = """
import json, resource, sys, time
import pandas as pd
from claimscreen.features.identity import link_identities
claims = pd.read_parquet(sys.argv[1])
known = pd.read_parquet(sys.argv[2]) if sys.argv[2] != "-" else None
loaded_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
ids = link_identities(claims, known)
seconds = time.perf_counter() - started
ids.to_frame().assign(claim_id=claims["claim_id"].to_numpy()).to_parquet(sys.argv[3])
print(json.dumps({"seconds": seconds, "rows": len(claims), "loaded_rss_mib": loaded_mib,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_world(work: Path, days: int, per_day: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lake-form claims and the truth of a synthetic world (cached in ``work``)."""
    claims_file, truth_file = work / "claims.parquet", work / "truth.parquet"
    if not claims_file.exists():
        from claimscreen.data.generate import generate_world
        from claimscreen.data.ingest import ingest_batch
        from claimscreen.data.lake import Lake

        os.environ.setdefault("CLAIMSCREEN_SECRET_KEY", "benchmark-key-0123456789")
        started = time.perf_counter()
        generate_world(work / "world", days=days, claims_per_day=per_day, seed=seed)
        for batch in sorted((work / "world" / "batches").glob("claims_*")):
            ingest_batch(work / "home", batch, dt.date.fromisoformat(batch.stem.split("_")[1]))
        Lake(work / "home").read_zone("claims", columns=COLUMNS).to_parquet(claims_file)
        pd.read_parquet(work / "world" / "truth.parquet").to_parquet(truth_file)
        print(
            f"  world of {days} x {per_day} claims made and ingested in {time.perf_counter() - started:.0f} s"
        )
    return pd.read_parquet(claims_file), pd.read_parquet(truth_file)


def run_child(claims: Path, known: Path | None, out: Path) -> dict[str, float]:
    """Link in a fresh process; its time and peak RSS."""
    args = [sys.executable, "-c", CHILD, str(claims), str(known) if known else "-", str(out)]
    result = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def report_accuracy(ids: pd.Series, claims: pd.DataFrame, truth: pd.DataFrame) -> None:
    from claimscreen.features.identity import pairwise_precision_recall

    frame = claims[["claim_id"]].assign(identity_id=ids.to_numpy()).merge(truth, on="claim_id")
    subsets = {
        "all claims": None,
        "refiled_identity": frame["typology"].eq("refiled_identity"),
        "honest re-filers": frame["honest_case"].eq("refile"),
    }
    for name, focus in subsets.items():
        precision, recall = pairwise_precision_recall(frame["identity_id"], frame["person_key"], focus)
        count = len(frame) if focus is None else int(focus.sum())
        print(f"  {name:<18} {count:>9,} claims  precision {precision:.4f}  recall {recall:.4f}")


def bench_window(work: Path, claims: pd.DataFrame, truth: pd.DataFrame) -> None:
    """Accuracy and time of a full run, then of the incremental last night."""
    claims_file = work / "window.parquet"
    claims.to_parquet(claims_file)
    full = run_child(claims_file, None, work / "ids_full.parquet")
    seconds, peak = full["seconds"], full["peak_rss_mib"]
    print(f"  full window: {full['rows']:,} claims in {seconds:.2f} s, peak RSS {peak:.0f} MiB")
    ids = pd.read_parquet(work / "ids_full.parquet")
    report_accuracy(ids["identity_id"], claims, truth)
    last = claims["batch_date"].max()
    history = claims[claims["batch_date"] < last]
    history.to_parquet(work / "history.parquet")
    run_child(work / "history.parquet", None, work / "ids_history.parquet")
    night = run_child(claims_file, work / "ids_history.parquet", work / "ids_night.parquet")
    tonight = int((claims["batch_date"] == last).sum())
    print(f"  incremental night: {tonight:,} new vs {len(history):,} known in {night['seconds']:.2f} s, "
          f"peak RSS {night['peak_rss_mib']:.0f} MiB")  # fmt: skip
    report_accuracy(pd.read_parquet(work / "ids_night.parquet")["identity_id"], claims, truth)


def tile(claims: pd.DataFrame, copy: int) -> pd.DataFrame:
    """Copy ``copy`` of the claims: another population (identifiers suffixed, DOB and filing moved)."""
    out = claims.copy()
    tag = f"#{copy}"
    out["claim_id"] = f"K{copy}-" + out["claim_id"]
    for column in TILED:
        out[column] = out[column] + tag
    dob = pd.to_datetime(out["date_of_birth"])
    out["date_of_birth"] = (dob - pd.Timedelta(days=400 * copy)).dt.date
    out["filed_at"] = out["filed_at"] - pd.Timedelta(days=30 * copy)
    return out


def bench_scale(work: Path, claims: pd.DataFrame, truth: pd.DataFrame, copies: int) -> None:
    """Tonight (one copy) against a history of ``copies`` copies with known ids."""
    person = claims["claim_id"].map(truth.set_index("claim_id")["person_key"])
    history = pd.concat([tile(claims, c + 1) for c in range(copies)], ignore_index=True)
    known = pd.DataFrame({
        "claim_id": history["claim_id"],
        "identity_id": "ID-" + pd.concat([person + f"#{c + 1}" for c in range(copies)], ignore_index=True),
    })  # fmt: skip
    tonight = tile(claims, 0)
    tonight["filed_at"] = tonight["filed_at"] + pd.Timedelta(days=60)
    rng = np.random.default_rng(0)
    refile = rng.random(len(tonight)) < 0.02
    source = history.iloc[np.flatnonzero(refile)]
    for column in [*TILED, "date_of_birth", "first_name_norm", "last_name_norm", "ssn_last4", "zip5"]:
        tonight.loc[refile, column] = source[column].to_numpy()
    window = pd.concat([history, tonight], ignore_index=True)
    window.to_parquet(work / "scale_window.parquet")
    known.to_parquet(work / "scale_known.parquet")
    del history, window
    result = run_child(
        work / "scale_window.parquet", work / "scale_known.parquet", work / "scale_ids.parquet"
    )
    peak, loaded = result["peak_rss_mib"], result["loaded_rss_mib"]
    print(f"  {len(tonight):,} tonight vs {len(known):,} known: {result['seconds']:.2f} s, "
          f"peak RSS {peak:.0f} MiB (frames alone {loaded:.0f} MiB)")  # fmt: skip
    ids = pd.read_parquet(work / "scale_ids.parquet").set_index("claim_id")["identity_id"]
    joined = ids.reindex(tonight["claim_id"]).to_numpy()
    wanted = ids.reindex(source["claim_id"]).to_numpy()
    print(f"  tonight's re-filers given their history id: {np.mean(joined[refile] == wanted):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--claims-per-day", type=int, default=10_000)
    parser.add_argument("--scale-claims-per-day", type=int, default=0, help="0: skip the scale part")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="claimscreen-identity-"))
    print(f"identity resolution benchmark (work dir {work})")
    window = work / f"window_{args.days}x{args.claims_per_day}"
    window.mkdir(parents=True, exist_ok=True)
    claims, truth = make_world(window, args.days, args.claims_per_day, seed=1)
    bench_window(window, claims, truth)
    if args.scale_claims_per_day:
        scale = work / f"scale_10x{args.scale_claims_per_day}"
        scale.mkdir(parents=True, exist_ok=True)
        claims, truth = make_world(scale, 10, args.scale_claims_per_day, seed=2)
        bench_scale(scale, claims, truth, args.copies)


if __name__ == "__main__":
    main()
