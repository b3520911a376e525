"""Time every normalizer of claimscreen.data.normalize on 1,000,000 synthetic rows.

Run: ``.venv/bin/python bench/normalize.py [ROWS]``. Prints seconds per function,
the total, and rows per second for the whole set.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from claimscreen.data import normalize as nz

FIRST = ["José", "Mary-Ann", "John", "O'Brien", "  Zoë ", "Li", "Ana María", "D'Angelo"]
STREETS = ["Main Street", "North Oak Avenue", "Lake Shore Drive", "Elm Rd.", "Southwest 5th Blvd"]
UNITS = ["Apt 4B", "APT. 4-B", "Suite 210", "#3", "", "", "", "Unit 12"]
PHONES = ["(555) 201-4432", "555.201.4432", "+1 555 201 4432", "1-555-201-4432", "5552014432"]
ZIPS = ["12345", "12345-6789", "123456789", "1234"]
STATES = ["ny", "CA", "tx ", "PR", "XX"]
ROUTING = ["011000015", "021000021", "021000022", "12345678"]


def local_times(rng: np.random.Generator, rows: int) -> pd.Series:
    """Distinct filing times over one night, as ISO 8601 text without offset."""
    start = np.datetime64("2026-03-07T12:00:00", "s")
    seconds = start + rng.integers(0, 86_400, rows).astype("timedelta64[s]")
    return pd.Series(np.datetime_as_string(seconds), dtype="str")


def make_columns(rows: int, seed: int = 7) -> dict[str, pd.Series]:
    """Raw text columns with realistic variety (most values distinct where they are in real data)."""
    rng = np.random.default_rng(seed)
    n = np.arange(rows)

    def pick(options: list[str]) -> pd.Series:
        return pd.Series(np.array(options, dtype=object)[rng.integers(0, len(options), rows)], dtype="str")

    def numbered(template: str, mod: int) -> pd.Series:
        return pd.Series([template.format(i % mod) for i in n], dtype="str")

    streets = pick(STREETS)
    return {
        "text": pick(FIRST) + pick([" ", " ", " ", " ", " ", " ", " ", " ", " ", "  "]) + pick(FIRST),
        "name": pick(FIRST),
        "email": numbered("john.doe{}", rows // 2)
        + pick(["", "", "", "", "", "", "", "", "+ui", ".x"])
        + pick(["@GMail.com", "@gmail.com", "@yahoo.com", "@outlook.com", "@aol.com", "@example.org"]),
        "phone": pick(PHONES),
        "zip": pick(ZIPS),
        "line1": numbered("{} ", 10_000) + streets,
        "line2": pick(UNITS).replace("", pd.NA),
        "state": pick(STATES),
        "ssn": numbered("{:09d}", 10**9).str.slice(0, 3) + "-" + numbered("{:06d}", 10**6),
        "ein": pick(["12-3456789", "123456789", "1-23"]),
        "routing": pick(ROUTING),
        "account": numbered("{:010d}", 10**10),
        "ip": pd.Series([f"10.{i % 256}.{i // 256 % 256}.{i // 65536}" for i in n], dtype="str").where(
            n % 10 != 0, pd.Series([f"2001:db8::{i:x}" for i in n], dtype="str")
        ),
        "date": pick(["1980-01-31", "2026-02-30", "1975-12-01", "bad"]),
        "timestamp": local_times(rng, rows) + pick(["", "", "", "Z", "-05:00", "-0500"]),
        "number": pick(["12.5", "300", "-1", "inf", "x"]),
        "language": pick(["en", "ES", "eng"]),
    }


def _time(run: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench(rows: int, repeat: int = 3) -> None:
    cols = make_columns(rows)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("clean_text", lambda: nz.clean_text(cols["text"])),
        ("normalize_name", lambda: nz.normalize_name(cols["name"])),
        ("canonical_email", lambda: nz.canonical_email(cols["email"])),
        ("phone_e164", lambda: nz.phone_e164(cols["phone"])),
        ("split_zip", lambda: nz.split_zip(cols["zip"])),
        ("normalize_address", lambda: nz.normalize_address(cols["line1"], cols["line2"])),
        ("normalize_state", lambda: nz.normalize_state(cols["state"])),
        ("ssn_digits", lambda: nz.ssn_digits(cols["ssn"])),
        ("ein_digits", lambda: nz.ein_digits(cols["ein"])),
        ("routing_number", lambda: nz.routing_number(cols["routing"])),
        ("account_number", lambda: nz.account_number(cols["account"])),
        ("normalize_ip", lambda: nz.normalize_ip(cols["ip"])),
        ("parse_date", lambda: nz.parse_date(cols["date"])),
        ("parse_timestamp", lambda: nz.parse_timestamp(cols["timestamp"], "America/New_York")),
        ("parse_number", lambda: nz.parse_number(cols["number"])),
        ("normalize_language", lambda: nz.normalize_language(cols["language"])),
    ]
    total_wall = total_cpu = 0.0
    print(f"{rows:,} rows, best of {repeat} runs: wall s, CPU s")
    for name, run in cases:
        wall, cpu = min(_time(run) for _ in range(repeat))
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        print(f"  {name:<20} {wall:7.3f} {cpu:7.3f}")
    print(f"  {'total':<20} {total_wall:7.3f} {total_cpu:7.3f}  ({rows / total_wall:,.0f} rows/s wall)")


if __name__ == "__main__":
    bench(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
