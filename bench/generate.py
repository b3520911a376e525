"""Benchmark: generate 1,000,000 claims (30 days x 33,334) and report time, throughput and peak memory."""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from claimscreen.data.generate import generate_world


def main() -> None:
    days, per_day = 30, 33_334
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        summary = generate_world(Path(folder), days=days, claims_per_day=per_day, seed=0)
        seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for line in summary.describe():
        print(line)
    print(f"wall seconds: {seconds:.1f}")
    print(f"claims/s: {summary.claims / seconds:,.0f}")
    print(f"peak RSS: {peak_kib / 1024:,.0f} MiB")
    sys.exit(0 if seconds <= 60 else 1)


if __name__ == "__main__":
    main()
