"""Benchmark: identity signals for one large night against a long window.

Builds a lake-form window in memory (default 10,000,000 claims over 90 nights,
1,000,000 of them tonight) with repeated SSNs, mailboxes and devices, plus
reference lists of realistic size, then times :func:`compute_identity_signals`
and prints the wall time and the process's peak RSS.

    .venv/bin/python bench/identity_signals.py [--window 10000000] [--tonight 1000000]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import resource
import time

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.features.identity_signals import WINDOW_COLUMNS, compute_identity_signals

NIGHT = dt.date(2026, 12, 31)
FIRST = ("ANA", "JOHN", "MARIA", "WEI", "NGOC ANH", "DMITRI", "JAMES", "ROSA", "MIN JUN", "LINDA")
LAST = ("LOPEZ", "SMITH", "NGUYEN", "CHEN", "GARCIA LOPEZ", "IVANOV", "JOHNSON", "KIM", "BROWN", "PIERRE")


def labels(prefix: str, codes: np.ndarray) -> pd.Series:
    """``prefix`` followed by each code, as a ``str`` Series (built in Arrow, no Python loop)."""
    text = pc.binary_join_element_wise(prefix, pc.cast(pa.array(codes), pa.string()), "")
    return text.to_pandas().astype("str")


def make_window(rng: np.random.Generator, n: int, tonight: int, days: int = 90) -> pd.DataFrame:
    """Lake-form claims: ~1.1 claims per SSN, ~3% of mailboxes shared, nights spread over the window."""
    person = rng.integers(0, int(n / 1.1), n)
    night = np.where(np.arange(n) < tonight, 0, rng.integers(1, days, n))
    batch = pd.Timestamp(NIGHT) - pd.to_timedelta(night, unit="D")
    first = np.asarray(FIRST)[person % len(FIRST)]
    last = np.asarray(LAST)[(person // 10) % len(LAST)]
    mailbox = np.where(rng.random(n) < 0.03, rng.integers(0, 5000, n), person)
    variant = rng.integers(0, 3, n)
    given = np.asarray([name.lower().replace(" ", "") for name in FIRST])[person % len(FIRST)]
    local = pd.Series(given, dtype="str") + labels("", mailbox)
    canonical = local + "@gmail.com"
    email = local.where(variant == 0, local.str.slice(0, 2) + "." + local.str.slice(2)) + "@gmail.com"
    return pd.DataFrame(
        {
            "claim_id": labels("C", np.arange(n)),
            "batch_date": batch.date,
            "filed_at": pd.to_datetime(batch).tz_localize("UTC")
            + pd.to_timedelta(rng.integers(0, 86_400, n), "s"),
            "program": np.where(rng.random(n) < 0.05, "PUA", "UI"),
            "ssn_token": labels("ssn", person),
            "first_name_norm": pd.Series(first, dtype="str"),
            "last_name_norm": pd.Series(last, dtype="str"),
            "date_of_birth": (pd.Timestamp("1960-01-01") + pd.to_timedelta(person % 15_000, "D")).date,
            "email": email.where(rng.random(n) < 0.95),
            "email_canonical": canonical,
            "phone_e164": labels("+1614555", person % 10_000_000),
            "address_norm": labels("", person % 900_000) + " MAIN ST",
            "zip5": labels("43", person % 1000),
            "bank_account_token": labels("bank", person),
            "employer_ein": labels("31", person % 50_000).where(rng.random(n) < 0.95),
            "ip_address": labels("10.0.", person % 60_000),
            "device_id": labels("dev", person),
        }
    )[list(WINDOW_COLUMNS)]


def make_references(rng: np.random.Generator, people: int) -> dict[str, pd.DataFrame]:
    """Deceased, inmates, interstate claims and bad actors a few % of people; wages for most of them."""
    some = rng.integers(0, people, 100_000)
    worker = rng.integers(0, people, 4_000_000)
    quarters = np.asarray(["2025Q4", "2026Q1", "2026Q2", "2026Q3"])
    dates = pd.Timestamp("2026-06-01") - pd.to_timedelta(rng.integers(0, 900, len(some)), "D")
    return {
        "deceased": pd.DataFrame({"ssn_token": labels("ssn", some), "date_of_death": dates}),
        "incarcerated": pd.DataFrame(
            {
                "ssn_token": labels("ssn", some[::-1]),
                "admitted_on": dates,
                "released_on": dates.where(some % 2 == 0),
            }
        ),
        "interstate_claims": pd.DataFrame(
            {"ssn_token": labels("ssn", some), "state": "PA", "filed_at": dates.tz_localize("UTC")}
        ),
        "suspicious_actors": pd.DataFrame(
            {
                "kind": "device_id",
                "match_key": labels("dev", some[:50_000]),
                "zip5": None,
                "added_on": dates[:50_000],
            }
        ),
        "wage_records": pd.DataFrame(
            {
                "ssn_token": labels("ssn", worker),
                "employer_ein": labels("31", worker % 50_000),
                "quarter": quarters[rng.integers(0, 4, len(worker))],
                "wages": 9000.0,
            }
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--window", type=int, default=10_000_000)
    parser.add_argument("--tonight", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true", help="print the slowest steps (cProfile)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    window = make_window(rng, args.window, args.tonight)
    references = make_references(rng, int(args.window / 1.1))
    print(f"built {len(window):,} window rows in {time.perf_counter() - started:.1f}s")
    resident = psutil.Process().memory_info().rss / 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"inputs built: {resident:,.0f} MiB resident, peak so far {before:,.0f} MiB")
    started = time.perf_counter()
    if args.profile:
        profiler = cProfile.Profile()
        out = profiler.runcall(compute_identity_signals, window, NIGHT, references)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats("identity_signals", 25)
    else:
        out = compute_identity_signals(window, NIGHT, references)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = f"{len(out):,} claims tonight, window {len(window):,}"
    print(f"identity signals: {sizes}: {seconds:.1f}s, peak RSS {peak:,.0f} MiB")
    print(out.select_dtypes("number").mean().round(3).to_string())


if __name__ == "__main__":
    main()
