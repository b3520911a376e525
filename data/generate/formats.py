"""How a state extract writes each value: SSNs, phones, ZIPs, EINs, dates, timestamps, device ids."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.arrays import HEX4, Arr, choose, digits, join, mix64, where
from claimscreen.data.generate.kinds import DAY_SECONDS, TIMEZONE

__all__ = [
    "local_times",
    "render_date",
    "render_device",
    "render_ein",
    "render_phone",
    "render_ssn",
    "render_timestamps",
    "render_zip",
]


def render_ssn(ssn: Arr, fmt: Arr) -> pa.Array:
    area, group, serial = digits(ssn // 1_000_000, 3), digits(ssn // 10_000 % 100, 2), digits(ssn % 10_000, 4)
    return choose(
        fmt,
        [join(area, "-", group, "-", serial), join(area, group, serial), join(area, " ", group, " ", serial)],
    )


def render_phone(phone: Arr, fmt: Arr) -> pa.Array:
    """(555) 201-4432, 555-201-4432, 5552014432 or +1 555 201 4432; empty when missing."""
    a, e, line = digits(phone // 10**7, 3), digits(phone // 10**4 % 1000, 3), digits(phone % 10**4, 4)
    text = choose(
        fmt,
        [
            join("(", a, ") ", e, "-", line),
            join(a, "-", e, "-", line),
            join(a, e, line),
            join("+1 ", a, " ", e, " ", line),
        ],
    )
    return where(phone == 0, "", text)


def render_zip(zip5: Arr, zip4: Arr, fmt: Arr) -> pa.Array:
    five, four = digits(zip5, 5), digits(zip4, 4)
    return choose(fmt, [five, join(five, "-", four), join(five, four)])


def render_ein(ein: Arr, fmt: Arr) -> pa.Array:
    return choose(fmt, [join(digits(ein // 10_000_000, 2), "-", digits(ein % 10_000_000, 7)), digits(ein, 9)])


def render_date(dates: Arr) -> pa.Array:
    return pc.strftime(pa.array(dates.astype("datetime64[s]")), format="%Y-%m-%d")


def render_hex(values: Arr) -> pa.Array:
    v = values.astype(np.uint64)
    parts = [
        HEX4.take(pa.array(((v >> np.uint64(s)) & np.uint64(0xFFFF)).astype(np.int64)))
        for s in (48, 32, 16, 0)
    ]
    return join(*parts)


def render_device(code: Arr, salt: int) -> pa.Array:
    return where(code == 0, "", render_hex(mix64(code, salt ^ 0xD1CE)))


def utc_offsets(start: datetime.date, days: int) -> Arr:
    """UTC offset in seconds of each (day, hour) of the window in the agency's time zone."""
    offsets = np.zeros((days, 24), dtype=np.int64)
    for d in range(days):
        date = start + datetime.timedelta(days=d)
        for hour in range(24):
            moment = datetime.datetime.combine(date, datetime.time(hour), tzinfo=TIMEZONE)
            offsets[d, hour] = int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]
    return offsets


def local_times(start: datetime.date, day: Arr, sec: Arr) -> Arr:
    return np.datetime64(start, "s") + (day * DAY_SECONDS + sec).astype("timedelta64[s]")


def render_timestamps(start: datetime.date, day: Arr, sec: Arr, fmt: Arr) -> pa.Array:
    """Mostly local time without offset; some with the local offset, some in UTC with Z."""
    local = local_times(start, day, sec)
    offset = utc_offsets(start, int(day.max(initial=0)) + 1)[day, sec // 3600]
    iso = "%Y-%m-%dT%H:%M:%S"
    naive = pc.strftime(pa.array(local), format=iso)
    suffix = join(
        where(offset < 0, "-", "+"),
        digits(np.abs(offset) // 3600, 2),
        ":",
        digits(np.abs(offset) % 3600 // 60, 2),
    )
    utc = join(pc.strftime(pa.array(local - offset.astype("timedelta64[s]")), format=iso), "Z")
    return choose(fmt, [naive, join(naive, suffix), utc])
