"""Benchmark: the whole features stage, one night against a long history.

Builds a lake-form window in memory: a generated world of ``--base`` claims is
ingested once, then copied until the history holds ``--history`` claims, each
copy a different population (claim ids, tokens, devices, addresses and emails
get a copy suffix, birth dates shift) spread over the 90 nights before tonight; tonight holds
``--tonight`` claims made the same way. Then :func:`build_features` runs once
and the time of each feature group and the peak RSS are printed.

Goal (issue #3): 1,000,000 tonight against 10,000,000 history in <= 60 s, peak
RSS <= 12 GB, on a 2-core machine.

    .venv/bin/python bench/features.py [--tonight 1000000] [--history 10000000] [--base 500000]
        [--cache DIR]

With ``--cache DIR`` the window and the reference lists are kept in ``DIR`` (one
folder per size) and read from there on the next run, so repeated measures
skip building the world.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import tempfile
import time
from pathlib import Path

import claimscreen  # noqa: F401  (before pyarrow loads: it sets Arrow's allocator options)

# isort: split
import pandas as pd

COPIED = (
    "claim_id", "identity_id", "ssn_last4", "ssn_token", "bank_account_token", "device_id", "email",
    "email_canonical", "address_norm", "mailing_address_norm", "phone_e164", "ip_address",
)  # fmt: skip


def base_world(claims: int, workdir: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """A generated world of about ``claims`` claims, ingested, as lake-form claims and references."""
    from claimscreen.data.generate import generate_world
    from claimscreen.data.ingest import batch_date_for, ingest_batch
    from claimscreen.data.lake import Lake
    from claimscreen.data.reference import load_reference
    from claimscreen.features.build import load_references

    os.environ.setdefault("CLAIMSCREEN_SECRET_KEY", "benchmark-key-0123456789")
    home = workdir / "home"
    days = 30
    world = generate_world(workdir / "world", days=days, claims_per_day=max(claims // days, 1), seed=3)
    for batch in sorted(world.batch_files):
        ingest_batch(home, batch, batch_date_for(batch, None))
    for kind, path in world.reference_files.items():
        load_reference(home, kind, path)
    from claimscreen.features.build import WINDOW_COLUMNS
    from claimscreen.features.identity import link_identities

    claims = Lake(home).read_zone("claims", columns=list(WINDOW_COLUMNS))
    # Earlier nights resolved the history's identities: the copies carry them as known ids.
    claims["identity_id"] = link_identities(claims).to_numpy()
    return claims, load_references(home)


def copy_population(base: pd.DataFrame, copy: int, night: dt.date, nights: int) -> pd.DataFrame:
    """``base`` as another population on ``nights`` nights ending at ``night``."""
    frame = base.copy()
    for column in COPIED:
        if column == "ip_address":
            # Keep IPs realistic: a copy shifts the second octet, so hubs stay hubs within a copy.
            frame[column] = frame[column].str.replace(r"^(\d+)\.", rf"\g<1>.{copy % 200}", regex=True)
            continue
        frame[column] = frame[column] + f"~{copy}"
    # Another population: nobody in a copy shares a birth date with their original.
    frame["date_of_birth"] = (pd.to_datetime(frame["date_of_birth"]) + pd.Timedelta(days=37 * copy)).dt.date
    offset = pd.Series(pd.factorize(base["batch_date"])[0] % nights, index=frame.index)
    dates = pd.to_datetime(pd.Series([night] * len(frame), index=frame.index)) - pd.to_timedelta(offset, "D")
    frame["filed_at"] = frame["filed_at"] + (dates - pd.to_datetime(frame["batch_date"]))
    frame["batch_date"] = dates.dt.date
    return frame


def build_window(base: pd.DataFrame, tonight: int, history: int, night: dt.date) -> pd.DataFrame:
    parts, copy = [], 0
    while sum(len(p) for p in parts) < history:
        copy += 1
        earlier = night - dt.timedelta(days=1)
        parts.append(copy_population(base, copy, earlier, 89))
    history_frame = pd.concat(parts, ignore_index=True).iloc[:history]
    tonight_parts, made = [], 0
    while made < tonight:
        copy += 1
        part = copy_population(base, copy, night, 1).iloc[: tonight - made]
        tonight_parts.append(part)
        made += len(part)
    return pd.concat([history_frame, *tonight_parts], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tonight", type=int, default=1_000_000)
    parser.add_argument("--history", type=int, default=10_000_000)
    parser.add_argument("--base", type=int, default=500_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=None, help="keep the built window here for next time")
    args = parser.parse_args()
    from claimscreen.data.settings import Settings
    from claimscreen.features.build import build_features

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        started = time.perf_counter()
        night = dt.date(2027, 1, 15)
        window, references = cached_window(args, Path(tmp), night)
        print(
            f"window: {len(window):,} claims ({args.tonight:,} tonight) built in "
            f"{time.perf_counter() - started:.0f} s; RSS so far {peak_rss_gib():.1f} GiB"
        )
        history = window["batch_date"] < night
        known = window.loc[history, ["claim_id", "identity_id"]].assign(ring_id=pd.NA)
        window = window.drop(columns=["identity_id"])
        decisions = pd.DataFrame({"claim_id": [], "outcome": [], "decided_at": pd.to_datetime([], utc=True)})
        timings: dict[str, float] = {}
        started, cpu = time.perf_counter(), time.process_time()
        frame = build_features(window, night, references, decisions, known, Settings(), timings)
        seconds = time.perf_counter() - started
        print(
            f"features for {len(frame):,} claims in {seconds:.1f} s (goal <= 60 s), "
            f"{time.process_time() - cpu:.1f} s of CPU; load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores"
        )
        for group, spent in timings.items():
            print(f"  {group:<18} {spent:7.1f} s")
        print(f"peak RSS {peak_rss_gib():.1f} GiB (goal <= 12 GiB; includes the window itself)")
        print(f"claims in rings tonight: {frame['ring_id'].notna().sum():,}")


def cached_window(
    args: argparse.Namespace, tmp: Path, night: dt.date
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The benchmark window and references: built, or read from ``--cache`` when kept there."""
    folder = args.cache / f"t{args.tonight}_h{args.history}_b{args.base}" if args.cache else None
    if folder is not None and (folder / "window.parquet").exists():
        references = {p.stem: pd.read_parquet(p) for p in (folder / "references").glob("*.parquet")}
        return pd.read_parquet(folder / "window.parquet"), references
    base, references = base_world(args.base, tmp)
    window = build_window(base, args.tonight, args.history, night)
    del base
    if folder is not None:
        (folder / "references").mkdir(parents=True, exist_ok=True)
        for kind, frame in references.items():
            frame.to_parquet(folder / "references" / f"{kind}.parquet")
        window.to_parquet(folder / "window.parquet")
    return window, references


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


if __name__ == "__main__":
    main()
