"""Benchmark: one whole night through the real nightly flow against a long history.

Goals (issue #5), on a 2-core machine: a night of 1,000,000 claims against a
history of 10,000,000 in <= 120 s wall and <= 12 GB peak RSS; a normal state's
night of 20,000 claims against 1,000,000 history in <= 15 s. Each case prints
the seconds of each stage, the flow's wall time, the Prefect overhead (the
flow's wall time minus the stage functions' own time) and the peak RSS of this
process and its children (the temporary Prefect server, Dask workers), sampled
with psutil, and the machine's load (other jobs share the cores).

What is built, and how:

* **Base**: a generated world of ``--base`` claims over 30 nights, run through
  ingest and features night by night (bench/world.py), cached in the workdir.
* **History**: the base's claims and features partitions copied, as bench/features.py
  does, until they hold ``--history`` claims: each copy is another population
  (claim ids, identity and ring ids, tokens, devices, addresses, emails and phones get
  a ``~k`` suffix, IPs a shifted octet, birth dates move) spread over the 89 nights
  before tonight, copy k on nights ``1 + (j + 30(k-1)) mod 89`` before tonight. They
  are written straight into the lake as ingest and the features stage would have
  written them: one claims part, one manifest and one full features partition per
  night, no raw or quarantine parts. Nobody in the history is tonight's claimant. Each
  history night also gets a scores partition (95% of its claims clear, by a hash of the
  claim id) and the lake 500 fraud decisions of history claims made on tonight's day
  (:func:`history_scores`), so that the look-back stage reads a benefit year of paid
  claims and a day's decisions as it would in a state's lake (a lake built before is given
  them by ``--again``).
* **Champion**: a cold-start scorer fitted on the base's last night (what a state
  that has run nights already has), registered and promoted.
* **Tonight**: a freshly generated one-night batch (CSV, with raw SSNs and account
  numbers) of ``--tonight`` claims, with its own reference lists loaded.

Then the nightly flow runs on tonight's batch in this process: ingest, features,
score, publish (into the review app's SQLite database in the home): without
``PREFECT_API_URL`` in this process without Prefect, as ``claimscreen nightly`` runs it;
with it, as a Prefect flow run (an empty flow is run first and timed apart).

    .venv/bin/python bench/nightly.py [--cases normal,large] [--workdir DIR] [--workers N] [--again]

**Small nights** (``--claims N [--nights K]``): the fixed cost of a command, measured as
an operator pays it. A generated state of K + 2 nights of N claims; its first night runs
through ``claimscreen nightly`` untimed (it makes the lake and the cold-start champion),
the second is timed as one ``claimscreen nightly`` command (wall time of the command,
the stage times of its report, and the fixed cost: the command's wall time minus its
stages), and the K others as one ``claimscreen backfill`` command (fixed cost per night).
Without ``PREFECT_API_URL`` the nights run in the command's process without Prefect
(flows/nightly.py); with it, the fixed cost includes the Prefect flow and task runs.

    .venv/bin/python bench/nightly.py --claims 4000 [--nights 5] [--repeat 3]

A built lake is kept beside the case's home (``home.built``): ``--again`` restores it
and runs the night again without building, to measure a change to the night's code.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import claimscreen  # noqa: F401  (before pyarrow loads: it sets Arrow's allocator options)

# isort: split
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

from world import build_world

CASES = {
    # name: (tonight, history, goal seconds)
    "normal": (20_000, 1_000_000, 15.0),
    "large": (1_000_000, 10_000_000, 120.0),
}
GOAL_RSS_GB = 12.0
NIGHT = dt.date(2027, 1, 15)
HISTORY_NIGHTS = 89
BASE_DAYS = 30
#: Identifier columns a copy gives a ``~k`` suffix (claims zone, then features partitions).
CLAIM_IDS = (
    "claim_id", "identity_id", "ssn_last4", "ssn_token", "bank_account_token", "device_id", "email",
    "email_canonical", "address_norm", "mailing_address_norm", "phone_e164",
)  # fmt: skip
FEATURE_IDS = ("claim_id", "identity_id", "ring_id")


class PeakRss:
    """Peak of the summed RSS of this process and all its children, sampled every 0.1 s."""

    def __init__(self) -> None:
        self.peak = 0
        #: The stage under way (set by the timed stage functions) and each stage's peak.
        self.stage = "flow"
        self.by_stage: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self.by_stage[self.stage] = max(self.by_stage.get(self.stage, 0), total)
            self._stop.wait(0.1)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def gb(self) -> float:
        return self.peak / 1e9


# --- building the history -------------------------------------------------------------


def base_frames(root: Path, claims: int) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """The base world's home, its claims (lake form) and its features, all nights."""
    from claimscreen.data.lake import Lake

    world = build_world(root / "base", BASE_DAYS, max(claims // BASE_DAYS, 1), seed=3, labels=False)
    lake = Lake(world.home)
    base_claims = lake.read_zone("claims")
    nights = [dt.date.fromisoformat(n) for n in world.nights]
    features = pd.concat(
        [lake.read_table(lake.features_path(n)).to_pandas() for n in nights], ignore_index=True
    )
    return world.home, base_claims, features


def suffixed(frame: pd.DataFrame, columns: tuple[str, ...], copy: int) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out:
            values = out[column].astype("string")
            out[column] = values + f"~{copy}"
    return out


def shifted_nights(dates: pd.Series, order: dict[dt.date, int], copy: int) -> pd.Series:
    """The night each base night lands on in copy ``copy`` (1 to 89 nights before tonight)."""
    offsets = {d: 1 + (j + BASE_DAYS * (copy - 1)) % HISTORY_NIGHTS for d, j in order.items()}
    return dates.map(lambda d: NIGHT - dt.timedelta(days=offsets[d]))


def copy_claims(base: pd.DataFrame, order: dict[dt.date, int], copy: int) -> pd.DataFrame:
    frame = suffixed(base, CLAIM_IDS, copy)
    frame["ip_address"] = frame["ip_address"].str.replace(r"^(\d+)\.", rf"\g<1>.{copy % 200}", regex=True)
    frame["date_of_birth"] = (pd.to_datetime(frame["date_of_birth"]) + pd.Timedelta(days=37 * copy)).dt.date
    new = shifted_nights(frame["batch_date"], order, copy)
    shift = pd.to_datetime(new) - pd.to_datetime(frame["batch_date"])
    frame["filed_at"] = frame["filed_at"] + shift.to_numpy()
    frame["batch_date"] = new
    return frame


def copy_features(base: pd.DataFrame, order: dict[dt.date, int], copy: int) -> pd.DataFrame:
    frame = suffixed(base, FEATURE_IDS, copy)
    frame["batch_date"] = shifted_nights(frame["batch_date"], order, copy)
    return frame


class NightWriters:
    """One Parquet file per night, appended copy by copy (one row group per copy)."""

    def __init__(self, path_of: Callable[[dt.date], Path], schema: pa.Schema) -> None:
        self.path_of, self.schema = path_of, schema
        self.writers: dict[dt.date, pq.ParquetWriter] = {}
        self.rows: dict[dt.date, int] = {}

    def add(self, frame: pd.DataFrame) -> None:
        from claimscreen.data.lake import dictionary_columns

        for night, part in frame.groupby("batch_date", sort=True):
            table = pa.Table.from_pandas(part, schema=self.schema, preserve_index=False)
            if night not in self.writers:
                path = self.path_of(night)
                path.parent.mkdir(parents=True, exist_ok=True)
                # Encoded as the lake writes a night's file (see data.lake.write_parquet).
                self.writers[night] = pq.ParquetWriter(
                    path, self.schema, compression="zstd", use_dictionary=dictionary_columns(table)
                )
            self.writers[night].write_table(table)
            self.rows[night] = self.rows.get(night, 0) + len(part)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def build_history(home: Path, base_home: Path, base: pd.DataFrame, features: pd.DataFrame, rows: int) -> None:
    """Write ``rows`` history claims (claims, manifests, features) for the 89 nights before tonight."""
    from claimscreen.data.lake import Lake

    lake = Lake(home)
    base_lake = Lake(base_home)
    claims_schema = pq.read_schema(base_lake.committed_parts("claims")[0])
    features_schema = pq.read_schema(base_lake.features_path(min(base["batch_date"])))
    keys = {n: hashlib.sha256(f"bench-history-{n}".encode()).hexdigest() for n in _history_nights()}
    claims_out = NightWriters(lambda n: lake.batch_part("claims", n, keys[n][:12]), claims_schema)
    features_out = NightWriters(lake.features_path, features_schema)
    features = features.set_index("claim_id", drop=False).loc[base["claim_id"]].reset_index(drop=True)
    order = {d: j for j, d in enumerate(sorted(base["batch_date"].unique(), reverse=True))}
    made, copy = 0, 0
    while made < rows:
        copy += 1
        take = min(len(base), rows - made)
        claims_out.add(copy_claims(base.iloc[:take], order, copy))
        features_out.add(copy_features(features.iloc[:take], order, copy))
        made += take
        print(f"  history copy {copy}: {made:,} claims", flush=True)
    claims_out.close()
    features_out.close()
    for night, count in claims_out.rows.items():
        key = keys[night]
        part = lake.batch_part("claims", night, key[:12])
        manifest = {
            "batch_date": night.isoformat(), "batch_key": key[:12], "source_file": f"history_{night}.csv",
            "source_sha256": key, "rows_read": count, "rows_ingested": count, "rows_quarantined": 0,
            "quarantined_by_reason": {}, "extra_columns": [], "seconds": 0.0, "timings": {},
            "ingested_at": f"{night}T06:00:00+00:00", "claimscreen_version": "bench",
            "already_ingested": False, "parts": {"claims": str(part.relative_to(lake.root))},
        }  # fmt: skip
        lake.write_json(lake.batch_part("manifests", night, key[:12]), manifest)


#: Fraud decisions of history claims made on tonight's day (a generous day of a large state's
#: investigators): the look-back's work of a night, not the backlog of a first night.
HISTORY_DECISIONS = 500


def history_scores(home: Path) -> int:
    """Give each history night of ``home`` its scores partition and the lake a decision history,
    as a state's lake has them, so that the night's look-back reads a benefit year of paid
    claims and checks them against fraud decisions (without them it reads nothing). Each
    history claim is routed by a hash of its claim id: 95% clear, 3% verify, 2% review;
    :data:`HISTORY_DECISIONS` claims of the history are decided fraud on tonight's day. Nights
    that have scores keep them; returns how many nights were given scores."""
    import numpy as np

    from claimscreen.data.labels import record_decisions
    from claimscreen.data.lake import Lake
    from claimscreen.data.schema import SCORES_SCHEMA

    lake = Lake(home)
    given, picked = 0, []
    for night in sorted(_history_nights()):
        path = lake.features_path(night)
        if lake.scores_path(night).exists() or not path.exists():
            continue
        keys = lake.read_table(path, columns=["claim_id", "identity_id", "ring_id", "ring_size"])
        n = keys.num_rows
        ids = keys["claim_id"].to_pandas().astype(str)
        draw = pd.util.hash_pandas_object(ids, index=False).to_numpy() % 100
        route = np.where(draw < 95, "clear", np.where(draw < 98, "verify", "review"))
        risk = np.round(draw / 100.0, 6)
        table = pa.table(
            {
                "claim_id": ids.to_numpy(), "batch_date": pa.repeat(pa.scalar(night, pa.date32()), n),
                "risk_score": risk, "route": route, "reasons": np.where(route == "clear", "", "MODEL"),
                "ring_id": keys["ring_id"], "ring_size": pc.fill_null(keys["ring_size"], 0),
                "identity_id": keys["identity_id"], "model_version": pa.repeat(pa.scalar("v0001"), n),
                "reason_text": pa.array([[]] * n, pa.list_(pa.string())), "case_id": ids.to_numpy(),
                "audit_sample": np.zeros(n, dtype=bool), "rule_hit": np.zeros(n, dtype=bool),
                "model_score": np.zeros(n), "anomaly_score": risk, "held_back": np.full(n, ""),
            }
        )  # fmt: skip
        lake.write_table(lake.scores_path(night), table.select(SCORES_SCHEMA.names).cast(SCORES_SCHEMA))
        picked.append(ids[draw == 99].head(HISTORY_DECISIONS // HISTORY_NIGHTS + 1))
        given += 1
    if picked:
        chosen = pd.concat(picked, ignore_index=True).head(HISTORY_DECISIONS)
        decided = pd.Timestamp(NIGHT.isoformat(), tz="UTC") + pd.Timedelta(hours=12)
        decisions = pd.DataFrame(
            {
                "claim_id": chosen, "outcome": "fraud", "source": "investigation", "decided_by": "bench",
                "decided_at": decided,
            }
        )  # fmt: skip
        record_decisions(home, decisions, "bench")
    return given


def _history_nights() -> list[dt.date]:
    return [NIGHT - dt.timedelta(days=d) for d in range(1, HISTORY_NIGHTS + 1)]


def register_champion(home: Path, base_home: Path, features: pd.DataFrame) -> str:
    """A cold-start scorer fitted on the base's last night, promoted in ``home``."""
    from claimscreen.models import registry
    from claimscreen.models.score_stage import cold_start_card
    from claimscreen.models.scorer import ClaimScorer

    last = features[features["batch_date"] == features["batch_date"].max()]
    scorer = ClaimScorer().fit_anomaly(last)
    version = registry.save(home, scorer, cold_start_card(last, NIGHT))
    registry.promote(home, version, reason="benchmark: fitted on the base world's last night")
    return version


def tonight_batch(workdir: Path, claims: int, home: Path) -> Path:
    """A generated one-night batch of ``claims`` claims; its reference lists loaded into ``home``."""
    from claimscreen.data.generate import generate_world
    from claimscreen.data.reference import load_reference

    world = generate_world(workdir / f"tonight-{claims}", days=1, claims_per_day=claims, seed=7, start=NIGHT)
    for kind, path in world.reference_files.items():
        load_reference(home, kind, path)
    return world.batch_files[0]


# --- running the night ----------------------------------------------------------------


def timed_stage_functions(own: dict[str, float], rss: PeakRss | None = None) -> None:
    """Wrap the functions the flow's tasks call, so their own time is known."""
    import claimscreen.review.publish as publish
    from claimscreen.flows import nightly

    def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            clock = time.perf_counter()
            if rss is not None:
                rss.stage = name
            try:
                return func(*args, **kwargs)
            finally:
                own[name] = own.get(name, 0.0) + time.perf_counter() - clock
                if rss is not None:
                    rss.stage = "flow"

        return wrapper

    nightly.ingest_batch = timed("ingest", nightly.ingest_batch)  # type: ignore[assignment]
    nightly.run_features = timed("features", nightly.run_features)  # type: ignore[assignment]
    nightly.score_night = timed("score", nightly.score_night)  # type: ignore[assignment]
    nightly.plan_night = timed("score", nightly.plan_night)  # type: ignore[assignment]
    nightly.finish_night = timed("score", nightly.finish_night)  # type: ignore[assignment]
    publish.publish_night = timed("publish", publish.publish_night)  # type: ignore[assignment]


def run_case(name: str, tonight: int, history: int, goal: float, args: argparse.Namespace) -> None:
    """Build the case's lake, then run its night in a fresh process (so the build's memory is
    not counted) and print the figures."""
    root = args.workdir / name
    home, built = root / "home", root / "home.built"
    print(f"\n== {name}: {tonight:,} claims tonight against {history:,} history ==", flush=True)
    if args.again:
        if not (built / "batch").exists():
            raise SystemExit(
                f"--again: no lake built by an earlier run in {built}; run without --again first"
            )
        added = history_scores(built)  # a lake built before history scores were: add them once
        if added:
            print(f"history scores and decisions added to the built lake ({added} nights)", flush=True)
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(built, home, symlinks=True)
        night_process(home, Path((built / "batch").read_text()), goal, args.workers)
        return
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(built, ignore_errors=True)
    clock = time.perf_counter()
    with PeakRss() as build_rss:
        base_home, base, features = base_frames(args.workdir, args.base)
        print(f"base world: {len(base):,} claims ({time.perf_counter() - clock:.0f} s so far)", flush=True)
        build_history(home, base_home, base, features, history)
        register_champion(home, base_home, features)
        history_scores(home)
        del base, features
        batch = tonight_batch(args.workdir, tonight, home)
    print(f"built in {time.perf_counter() - clock:.0f} s (peak RSS {build_rss.gb:.1f} GB)", flush=True)
    shutil.copytree(home, built, symlinks=True)  # what --again restores
    (built / "batch").write_text(str(batch))
    night_process(home, batch, goal, args.workers)


def night_process(home: Path, batch: Path, goal: float, workers: int) -> None:
    """:func:`run_night` in a fresh process (so the build's memory is not counted)."""
    command = [sys.executable, __file__, "--night", str(home), str(batch), "--goal", str(goal)]
    subprocess.run([*command, "--workers", str(workers)], check=True)


def run_night(home: Path, batch: Path, goal: float, workers: int) -> None:
    """The night through the nightly flow in this (fresh) process, with its figures."""
    from claimscreen.flows.nightly import ScaleOut, run_nightly

    own: dict[str, float] = {}
    rss = PeakRss()
    timed_stage_functions(own, rss)
    if os.environ.get("PREFECT_API_URL"):
        print(f"Prefect server answered an empty flow in {start_prefect():.1f} s")
    else:
        print("no PREFECT_API_URL: the night runs in this process without Prefect (no server)")
    scale = ScaleOut(workers=workers) if workers else None
    print(f"load before the night: {load()}", flush=True)
    with rss:
        clock = time.perf_counter()
        report = run_nightly(str(home), str(batch), NIGHT.isoformat(), scale_out=scale)
        wall = time.perf_counter() - clock
    print(f"load after the night:  {load()}")
    stages = {s["name"]: s for s in report["stages"]}
    print(f"night {report['batch_date']}: {report['status']}; {report['totals']['rows_scored']:,} scored")
    print(f"  {'stage':<10} {'in flow':>8} {'own':>8} {'peak RSS':>9}")
    for stage, detail in stages.items():
        peak = rss.by_stage.get(stage, 0) / 1e9
        print(f"  {stage:<10} {detail.get('seconds', 0.0):8.1f} {own.get(stage, 0.0):8.1f} {peak:7.1f} GB")
    spent = sum(own.values())
    print(
        f"  flow wall {wall:.1f} s (goal <= {goal:.0f} s); stage functions {spent:.1f} s; "
        f"Prefect overhead {wall - spent:.1f} s ({(wall - spent) / wall:.0%})"
    )
    print(f"  peak RSS (this process + children) {rss.gb:.2f} GB (goal <= {GOAL_RSS_GB:.0f} GB)")
    for stage in ("ingest", "features", "score"):
        timings = stages.get(stage, {}).get("details", {}).get("timings", {})
        print(f"  {stage} steps: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def start_prefect() -> float:
    """Run an empty flow against the Prefect server and return the seconds it took."""
    from prefect import flow

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    clock = time.perf_counter()
    warm_up()
    return time.perf_counter() - clock


def small_nights(args: argparse.Namespace) -> None:
    """``claimscreen nightly`` and ``claimscreen backfill`` on nights of ``args.claims`` claims,
    each command timed as a whole, its fixed cost (wall minus its stages) printed apart."""
    from claimscreen.data.generate import generate_world

    root = args.workdir / f"small-{args.claims}"
    shutil.rmtree(root, ignore_errors=True)
    world = generate_world(root / "world", days=args.nights + 2, claims_per_day=args.claims, seed=11)
    inbox = world.batch_files[0].parent
    nights = [dt.date.fromisoformat(f.stem.removeprefix("claims_")) for f in sorted(world.batch_files)]
    print(f"machine: {psutil.cpu_count()} cores; PREFECT_API_URL={os.environ.get('PREFECT_API_URL')}")
    for attempt in range(1, args.repeat + 1):
        home = root / f"home-{attempt}"
        command = [sys.executable, "-m", "claimscreen", "--home", str(home)]
        nightly = [*command, "nightly", "--batch"]
        first = _timed([*nightly, str(inbox / f"claims_{nights[0]}.csv")])
        print(f"[{attempt}] {load()}")
        print(f"  first night {nights[0]} (untimed set-up: lake, cold-start champion): {first:.1f} s")
        wall = _timed([*nightly, str(inbox / f"claims_{nights[1]}.csv")])
        stages = _stage_seconds(home, nights[1:2])
        spent = sum(stages.values())
        print(
            f"  claimscreen nightly, {args.claims:,} claims: command wall {wall:.1f} s, stages "
            f"{spent:.1f} s, fixed cost {wall - spent:.1f} s"
        )
        print("    " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages.items()))
        if args.nights:
            rest = nights[2:]
            span = ["backfill", "--from", str(rest[0]), "--to", str(rest[-1]), "--inbox", str(inbox)]
            wall = _timed([*command, *span])
            spent = sum(_stage_seconds(home, rest).values())
            print(
                f"  claimscreen backfill, {len(rest)} nights: command wall {wall:.1f} s, stages "
                f"{spent:.1f} s, fixed cost {wall - spent:.1f} s ({(wall - spent) / len(rest):.1f} s a night)"
            )


def _timed(command: list[str]) -> float:
    clock = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - clock


def _stage_seconds(home: Path, nights: list[dt.date]) -> dict[str, float]:
    """Each stage's seconds summed over the nights' run reports."""
    from claimscreen.data.runs import read_report

    seconds: dict[str, float] = {}
    for night in nights:
        report = read_report(home, night)
        assert report is not None and report["status"] == "completed", night
        for stage in report["stages"]:
            seconds[stage["name"]] = seconds.get(stage["name"], 0.0) + stage["seconds"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", default="normal,large", help="normal (20k vs 1M), large (1M vs 10M)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cs-nightly"))
    parser.add_argument("--base", type=int, default=500_000, help="claims of the generated base world")
    parser.add_argument("--tonight", type=int, default=0, help="override the cases' night size")
    parser.add_argument("--history", type=int, default=0, help="override the cases' history size")
    parser.add_argument("--night", nargs=2, metavar=("HOME", "BATCH"), help=argparse.SUPPRESS)
    parser.add_argument("--goal", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=0, help="score on a local Dask cluster of N workers")
    parser.add_argument(
        "--again", action="store_true", help="run the night again on the lake an earlier run built (no build)"
    )
    parser.add_argument("--claims", type=int, default=0, help="small nights of N claims: the fixed cost")
    parser.add_argument("--nights", type=int, default=5, help="with --claims: nights of the backfill")
    parser.add_argument("--repeat", type=int, default=1, help="with --claims: measure this many times")
    args = parser.parse_args()
    os.environ.setdefault("CLAIMSCREEN_SECRET_KEY", "benchmark-key-0123456789")
    os.environ.setdefault("PREFECT_HOME", str(args.workdir / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    if args.claims:
        small_nights(args)
        return
    if args.night:
        home, batch = args.night
        run_night(Path(home), Path(batch), args.goal, args.workers)
        return
    print(f"machine: {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 1e9:.0f} GB; {load()}")
    print(f"Arrow memory pool: {pa.default_memory_pool().backend_name}")
    for name in args.cases.split(","):
        tonight, history, goal = CASES[name]
        tonight, history = args.tonight or tonight, args.history or history
        run_case(name, tonight, history, goal, args)


if __name__ == "__main__":
    main()
