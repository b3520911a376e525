"""Time compute_device_features on a synthetic 90-day window: 10,000,000 history rows + 1,000,000 tonight.

Run: ``.venv/bin/python bench/device.py [HISTORY_ROWS] [TONIGHT_ROWS] [REPEAT]``. The window is built
vectorized, as the lake reader returns it (pyarrow table -> pandas: ``str`` columns, python-date
``batch_date``, ``datetime64[us, UTC]`` filed_at). Realistic-ish reuse: most people file from their
own device and household IP; a few thousand shared devices and hosting /24s carry many identities;
a person refiles on several nights. Prints wall and CPU seconds per run (CPU time is the fairer
number on a shared machine), and the peak RSS of the process.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.features.device import compute_device_features

NIGHT = dt.date(2026, 10, 1)
DAYS = 90
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-S921U) AppleWebKit/537.36 Chrome/121.0.0.0 Mobile Safari",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/124.0.0.0 Safari/537.36",
    "python-requests/2.31.0",
)
HEX = pa.array([f"{i:x}" for i in range(65536)])


def numbered(prefix: str, values: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values), pa.string()), "")


def render_ips(key: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """IPv4 for 85% of keys, IPv6 for the rest; nearby keys share a /24 (or /64)."""
    h = (key.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(8)
    octets = [pc.cast(pa.array((h >> np.uint64(s)) & np.uint64(0xFF)), pa.string()) for s in (40, 32, 24)]
    last = pc.cast(pa.array(key % 200 + 1), pa.string())
    v4 = pc.binary_join_element_wise(*octets, last, ".")
    groups = [pa.array(np.full(len(key), 0x2600))] + [
        pa.array((h >> np.uint64(s)) & np.uint64(0xFFFF)) for s in (40, 24, 8)
    ]
    tail = [pa.array(rng.integers(0, 65536, len(key)))] * 2
    v6 = pc.binary_join_element_wise(*[HEX.take(g) for g in groups], "", *[HEX.take(t) for t in tail], ":")
    return pc.if_else(pa.array(key % 100 < 15), v6, v4)


def make_window(history: int, tonight: int, seed: int = 3) -> pd.DataFrame:
    """History rows spread over the 89 nights before NIGHT, then tonight's rows."""
    rng = np.random.default_rng(seed)
    n = history + tonight
    age = np.r_[rng.integers(1, DAYS, history), np.zeros(tonight, np.int64)]
    person = rng.integers(0, n // 2, n)  # two claims per person on average, on random nights
    online = rng.random(n) < 0.85
    shared = rng.random(n) < 0.02  # fraud farms: a few thousand devices and networks
    device = np.where(shared, rng.integers(0, 5_000, n), 10_000 + person * 2 + (rng.random(n) < 0.2))
    ip_key = np.where(shared, rng.integers(0, 2_000, n), 10_000 + person // 3 + (rng.random(n) < 0.1))
    seconds_of_day = rng.integers(0, 86_400, n) * 1_000_000
    night_start = np.datetime64(NIGHT, "us").astype(np.int64) + 4 * 3600 * 1_000_000
    filed = night_start - age * 86_400 * 1_000_000 - seconds_of_day
    dates = np.array([NIGHT - dt.timedelta(days=d) for d in range(DAYS)], dtype=object)
    table = pa.table(
        {
            "claim_id": numbered("C", np.arange(n)),
            "batch_date": pa.array(dates[age], type=pa.date32()),
            "filed_at": pa.array(filed.astype("datetime64[us]"), type=pa.timestamp("us", tz="UTC")),
            "channel": pa.array(np.where(online, "web", np.where(rng.random(n) < 0.5, "phone", "in_person"))),
            "ip_address": pc.if_else(pa.array(online), render_ips(ip_key, rng), None),
            "device_id": pc.if_else(pa.array(online), numbered("dev-", device), None),
            "user_agent": pa.array(
                np.array(AGENTS)[rng.choice(len(AGENTS), n, p=[0.5, 0.25, 0.24, 0.005, 0.005])]
            ),
            "session_seconds": pa.array(np.round(rng.lognormal(np.log(540), 0.6, n), 1)),
            "ssn_token": numbered("tok-", person),
        }
    )
    return table.to_pandas()


def make_ip_ranges() -> pd.DataFrame:
    cidrs = [f"{a}.{b}.0.0/16" for a in range(40, 60) for b in range(0, 256, 4)]
    cidrs += [f"2600:{i:x}::/32" for i in range(0, 4096, 16)] + ["2600:1::1/128"]
    categories = np.array(["foreign", "hosting", "vpn", "tor"])[np.arange(len(cidrs)) % 4]
    return pd.DataFrame({"cidr": cidrs, "category": categories})


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    history = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    tonight = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    start = time.perf_counter()
    window, ranges = make_window(history, tonight), make_ip_ranges()
    print(f"built window: {len(window):,} rows in {time.perf_counter() - start:.1f} s; "
          f"peak RSS so far {peak_rss_mb():,.0f} MB")  # fmt: skip
    for run in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        features = compute_device_features(window, NIGHT, ranges)
        print(f"run {run + 1}: compute_device_features {time.perf_counter() - start:.2f} s wall, "
              f"{time.process_time() - cpu:.2f} s CPU, for {len(features):,} claims x {features.shape[1]} "
              f"features (machine load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    print(f"peak RSS (whole process, window included): {peak_rss_mb():,.0f} MB")
    print(features.describe().T[["mean", "max"]].to_string())


if __name__ == "__main__":
    main()
