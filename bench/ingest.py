"""Benchmark: ingest of one large night.

Generates a one-night batch (default 1,000,000 claims) with the synthetic
generator, then ingests it in a fresh process into an empty home folder and
prints wall time, claims/s and the ingest process's peak RSS. A second run
ingests the same night into a home that already holds it (the idempotent
re-run) and a third ingests a second night against the first (duplicate checks
against history).

Goal (issue #2): >= 100,000 claims/s and peak RSS <= 4 GB on a 2-core machine.
Measured 2026-12-07 12:22-12:25, three runs back to back with the code of e2631db
(load 2.0-2.7, mostly these runs): first night 112,190-126,167 claims/s (e2631db:
63,420-75,866), second night 116,865-126,273 (87,489-93,279); user+system CPU of
the first night 14.2-15.7 s (21.7-23.6 s); peak RSS 2.25-2.31 GB (3.15-3.24 GB).

    .venv/bin/python bench/ingest.py [--claims 1000000] [--workdir DIR] [--world DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import datetime as dt, json, resource, sys, time
from pathlib import Path
from claimscreen.data.ingest import ingest_batch
home, batch, night = sys.argv[1], sys.argv[2], sys.argv[3]
started = time.perf_counter()
result = ingest_batch(Path(home), Path(batch), dt.date.fromisoformat(night))
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "peak_rss_mib": usage.ru_maxrss / 1024, "rows": result.rows_read,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "ingested": result.rows_ingested, "quarantined": result.rows_quarantined,
                  "already": result.already_ingested, "timings": result.timings}))
"""


GENERATE = """
import sys
from pathlib import Path
from claimscreen.data.generate import generate_world
generate_world(Path(sys.argv[1]), days=2, claims_per_day=int(sys.argv[2]), seed=1)
"""


def run_child(home: Path, batch: Path, night: str) -> dict:
    env = dict(os.environ, CLAIMSCREEN_SECRET_KEY="benchmark-key-0123456789")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), str(batch), night],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--world", type=Path, default=None, help="keep the generated batches here and reuse them next time"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        world = args.world or Path(tmp) / "world"
        started = time.perf_counter()
        if not list((world / "batches").glob("claims_*.csv")):
            # In its own process, so the ingest processes do not inherit the generator's peak RSS.
            subprocess.run([sys.executable, "-c", GENERATE, str(world), str(args.claims)], check=True)
            print(f"generated 2 nights x {args.claims:,} claims in {time.perf_counter() - started:.1f} s")
        first, second = sorted((world / "batches").glob("claims_*.csv"))
        night1, night2 = (p.stem.removeprefix("claims_") for p in (first, second))
        home = Path(tmp) / "home"
        for label, batch, night in (
            ("first night, empty lake", first, night1),
            ("same night again (idempotent re-run)", first, night1),
            ("second night against the first", second, night2),
        ):
            load = os.getloadavg()[0]
            figures = run_child(home, batch, night)
            rate = figures["rows"] / figures["seconds"]
            print(
                f"{label:<40} {figures['rows']:>9,} rows  {figures['seconds']:6.2f} s  "
                f"{rate:>10,.0f} claims/s  peak RSS {figures['peak_rss_mib']:7.0f} MiB  "
                f"(ingested {figures['ingested']:,}, quarantined {figures['quarantined']:,})"
            )
            # Other work on the machine slows the wall time: the load before the run and
            # the CPU the ingest used say how far the figure is from an idle machine's.
            print(f"{'':<40} load before {load:.2f}, CPU {figures['cpu_seconds']:.1f} s (user + system)")
            if figures["already"]:
                print(f"{'':<40} already ingested: the file is hashed, nothing parsed or written")
            elif figures["timings"]:
                steps = ", ".join(f"{k} {v:.1f} s" for k, v in figures["timings"].items())
                print(f"{'':<40} steps: {steps}")
        size = sum(p.stat().st_size for p in (home / "lake").rglob("*") if p.is_file())
        print(f"lake size after two nights: {size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
