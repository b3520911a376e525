"""Benchmark: where scoring a night on Dask workers starts to pay (``[scale_out] min_claims``).

For each size, a generated state of two nights of N claims: its first night runs through
``claimscreen nightly`` untimed (the lake and the cold-start champion), the home is copied,
and the second night is timed as one ``claimscreen nightly`` command twice, on the two
copies: in the command's process, and with ``--workers W --chunk-rows ceil(N/W)`` (one chunk
per worker; the copy's settings set ``[scale_out] min_claims = 0`` so that the command does
not decline). The two runs alternate, so a change of the machine's load hits both.

It prints, per size, the wall time of each command and its score stage (from the night's
report), then fits ``wall = a + b * claims`` for each way and prints:

* the fixed cost the scale-out adds (``a_out - a_in``: the temporary Prefect server, the
  Dask cluster's start, the flow and task runs);
* the break-even where the two lines cross, when the scale-out is cheaper per claim (with
  small sizes on a shared machine the load moves the lines more than the sizes do: then
  the slope is not positive and the line says so);
* a lower bound for it from the score stage alone: scale-out can at most divide the score
  stage by W, so it cannot pay before ``extra fixed cost / (score seconds per claim *
  (1 - 1/W))``, however the lines fall.

Small sizes only (the machine has 2 cores): the break-even is extrapolated.

    .venv/bin/python bench/scale_out.py [--sizes 2000,10000,40000] [--workers 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000,40000", help="claims per night, comma-separated")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="timed pairs per size")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-scale-out-"))
    sizes = [int(s) for s in args.sizes.split(",")]
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # no server: the CLI's path
    print(f"machine: {psutil.cpu_count()} cores; {load()}; workers {args.workers}; workdir {workdir}")
    print(f"{'claims':>8} {'in-process':>11} {'(score)':>8} {'scale-out':>10} {'(score)':>8}  load")
    points: list[tuple[int, float, float, float]] = []
    for size in sizes:
        for attempt in range(args.repeat):
            here, out, score_here, score_out = pair(workdir / f"n{size}-{attempt}", size, args.workers, env)
            points.append((size, here, out, score_here))
            print(f"{size:>8,} {here:>10.1f}s {score_here:>7.2f}s {out:>9.1f}s {score_out:>7.2f}s  {load()}")
    summarize(points, args.workers)


def pair(root: Path, size: int, workers: int, env: dict[str, str]) -> tuple[float, float, float, float]:
    """The second night of a two-night state of ``size`` claims, in process and on Dask."""
    from claimscreen.data.generate import generate_world

    shutil.rmtree(root, ignore_errors=True)
    world = generate_world(root / "world", days=2, claims_per_day=size, seed=3)
    first, second = sorted(world.batch_files)
    here, out = root / "here", root / "out"
    run(here, env, "nightly", "--batch", str(first))
    shutil.copytree(here, out)
    (out / "settings.toml").write_text("[scale_out]\nmin_claims = 0\n")
    wall_here = timed(here, env, "nightly", "--batch", str(second))
    chunk = str(math.ceil(size / workers))
    wall_out = timed(
        out, env, "nightly", "--batch", str(second), "--workers", str(workers), "--chunk-rows", chunk
    )
    night = second.stem.removeprefix("claims_")
    return wall_here, wall_out, score_seconds(here, night), score_seconds(out, night)


def run(home: Path, env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "claimscreen", "--home", str(home), *args]
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, env={**env, "PREFECT_HOME": str(home / "prefect")}
    )


def timed(home: Path, env: dict[str, str], *args: str) -> float:
    clock = time.perf_counter()
    run(home, env, *args)
    return time.perf_counter() - clock


def score_seconds(home: Path, night: str) -> float:
    import datetime as dt

    from claimscreen.data.runs import read_night_report

    report = read_night_report(home, dt.date.fromisoformat(night))
    assert report is not None and report.status == "completed", night
    return sum(stage.seconds for stage in report.stages if stage.name == "score")


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares ``y = a + b x``."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - b * mx, b


def summarize(points: list[tuple[int, float, float, float]], workers: int) -> None:
    sizes = [float(p[0]) for p in points]
    a_in, b_in = fit(sizes, [p[1] for p in points])
    a_out, b_out = fit(sizes, [p[2] for p in points])
    extra = a_out - a_in
    print(f"in-process: {a_in:.1f} s + {b_in * 1e6:.2f} s per million claims")
    print(
        f"scale-out:  {a_out:.1f} s + {b_out * 1e6:.2f} s per million claims (extra fixed cost {extra:.1f} s)"
    )
    if b_in <= 0 or b_out <= 0:
        print(
            "break-even (the lines cross): not measurable, a slope is not positive "
            "(the load moved more than the sizes)"
        )
    elif b_in > b_out:
        print(f"break-even (the lines cross): {extra / (b_in - b_out):,.0f} claims")
    else:
        print("break-even (the lines cross): none, the scale-out is not cheaper per claim at these sizes")
    per_claim = sum(p[3] for p in points) / sum(sizes)
    saved = per_claim * (1 - 1 / workers)
    if saved > 0:
        print(
            f"lower bound from the score stage ({per_claim * 1e6:.2f} s per million claims in process, "
            f"at most {saved * 1e6:.2f} s per million saved on {workers} workers): "
            f"{extra / saved:,.0f} claims"
        )


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


if __name__ == "__main__":
    main()
