"""Device, session and velocity features: how a claim was filed, and what else came from the same place.

:func:`compute_device_features` is a pure function of the claims window: for
the claims of one night ``D`` it returns one row per claim, indexed by
``claim_id``, with exactly the columns of :data:`FEATURES`.

Naming scheme of the velocity counts: ``{key}_{what}_{days}d`` where ``key`` is
``device`` (device_id), ``ip`` (ip_address) or ``ip24`` (the address's network:
IPv4 /24, IPv6 /64), ``what`` is ``claims`` (rows) or ``identities`` (distinct
people), and ``days`` is 1, 7 or 30. A count over ``k`` days covers the claims
with ``batch_date`` in ``(D - k, D]``: all of tonight's claims, the claim itself
included, and never a claim of a later night (point-in-time).

Missing is a value, not an error. Phone and in-person claims carry no device
data: their counts and burst counts are NaN (``float64``; the models handle
NaN), their IP flags are False. An online claim without an IP address gets NaN
for the ``ip*`` counts only.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

import iptocc
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.schema import CHANNELS, IP_RANGE_CATEGORIES
from claimscreen.features.catalog import Feature, FeatureDtype, check_unique
from claimscreen.features.codes import Encoded, blank_values, lookup, select_rows
from claimscreen.features.contact import DOMESTIC_REGIONS

__all__ = [
    "FEATURES",
    "FEATURE_NAMES",
    "ONLINE_CHANNELS",
    "IpRanges",
    "categorize_ips",
    "compute_device_features",
    "foreign_ips",
    "night_age",
    "parse_ips",
]

# --- Thresholds (to move to Settings) -----------------------------------------

#: Windows, in nights, of the velocity counts.
COUNT_WINDOWS_DAYS: tuple[int, ...] = (1, 7, 30)
#: An application filled in faster than this is "short": a human rarely manages
#: the UI application in under two minutes; scripts and pasted answers do.
SHORT_SESSION_SECONDS = 120.0
#: Local hours [start, end) counted as "night": 00:00 to 04:59.
NIGHT_START_HOUR, NIGHT_END_HOUR = 0, 5
#: Half-width of the burst window: claims within +-10 minutes of each other.
BURST_SECONDS = 600
#: Case-insensitive markers of headless browsers, automation tools and HTTP libraries.
AUTOMATION_MARKERS: tuple[str, ...] = (
    "headlesschrome", "headless", "phantomjs", "selenium", "webdriver", "puppeteer", "playwright",
    "python-requests", "python-urllib", "python-httpx", "aiohttp", "scrapy", "curl/", "wget/",
    "go-http-client", "java/", "apache-httpclient", "libwww-perl", "node-fetch", "axios/", "postmanruntime",
)  # fmt: skip

ONLINE_CHANNELS = ("web", "mobile")
KEYS = ("device", "ip", "ip24")
_KEY_WORDS = {
    "device": "this device",
    "ip": "this IP address",
    "ip24": "this IP network (IPv4 /24, IPv6 /64)",
}
_US_PER_SECOND = 1_000_000


def _velocity_features() -> tuple[Feature, ...]:
    out: list[Feature] = []
    for key in KEYS:
        for days in COUNT_WINDOWS_DAYS:
            span = "tonight" if days == 1 else f"in the last {days} days"
            claims = f"Number of claims filed from {_KEY_WORDS[key]} {span}"
            people = f"Number of different people who filed from {_KEY_WORDS[key]} {span}"
            out.append(Feature(f"{key}_claims_{days}d", "float64", claims, "velocity"))
            out.append(Feature(f"{key}_identities_{days}d", "float64", people, "velocity"))
    for key, where in (("device", "this device"), ("ip24", "this IP network")):
        burst = f"Number of other claims from {where} filed within 10 minutes of this one"
        out.append(Feature(f"{key}_burst_10m", "float64", burst, "velocity"))
    return tuple(out)


_IP_FLAGS = {
    "foreign": "The IP address is registered outside the US (regional internet registry data, or the "
    "state's ip_ranges list)",
    "hosting": "The IP address belongs to a hosting or cloud provider, not a home or phone network",
    "vpn": "The IP address belongs to a known VPN service",
    "tor": "The IP address is a Tor exit node",
}
_SESSION: tuple[tuple[str, FeatureDtype, str], ...] = (
    ("session_seconds", "float64", "Seconds the claimant spent filling in the application"),
    ("short_session", "bool", "The application was filled in in under 2 minutes"),
    ("filed_hour_local", "int64", "Hour of day (0-23, agency local time) the claim was filed"),
    ("filed_at_night", "bool", "The claim was filed between midnight and 5 a.m. local time"),
    ("automation_user_agent", "bool", "The browser looks like an automated script or headless browser"),
)
_CHANNEL_WORDS = {
    "web": "online, on the web site",
    "mobile": "online, from a mobile phone or tablet",
    "phone": "by telephone",
    "in_person": "in person at an office",
}


def _device_features() -> tuple[Feature, ...]:
    return (
        *(Feature(f"ip_{c}", "bool", _IP_FLAGS[c], "device") for c in IP_RANGE_CATEGORIES),
        *(Feature(name, dtype, text, "device") for name, dtype, text in _SESSION),
        *(
            Feature(f"channel_{c}", "bool", f"The claim was filed by {c.replace('_', ' ')}", "device")
            for c in CHANNELS
        ),
        Feature(
            "has_device_data", "bool", "The claim came with a device fingerprint or IP address", "device"
        ),
    )


FEATURES: tuple[Feature, ...] = check_unique(_velocity_features() + _device_features())
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


# --- Entry point ---------------------------------------------------------------


def compute_device_features(
    window: pd.DataFrame,
    night: dt.date,
    ip_ranges: pd.DataFrame | None = None,
    timezone: str = "America/New_York",
    *,
    encoded: dict[str, Encoded] | None = None,
    identity: np.ndarray | None = None,
) -> pd.DataFrame:
    """Feature columns for the claims of `night` (rows of `window` with batch_date == night), by claim_id.

    window: claims with batch_date in (night - history_days, night] (lake columns claim_id, batch_date,
      filed_at, channel, ip_address, device_id, user_agent, session_seconds, ssn_token and, if present,
      identity_id; ssn_token stands in for a missing identity). Rows of later nights are ignored.
    ip_ranges: the ip_ranges reference list (columns cidr, category); None means no list loaded.
    encoded: device_id and ip_address of the window already coded (:mod:`~claimscreen.features.codes`);
      identity: each window row's identity code (equal people, equal codes). Same result, faster.
    """
    encoded = encoded or {}
    age = night_age(window["batch_date"], night)
    in_window = (age >= 0) & (age < max(COUNT_WINDOWS_DAYS))
    recent_age = age[in_window]
    tonight = recent_age == 0
    if all(c in encoded and encoded[c].rows is None for c in ("device_id", "ip_address")):
        keys = keys_from_codes(encoded["device_id"], encoded["ip_address"], in_window)
    else:
        keys = encode_keys(window["device_id"][in_window], window["ip_address"][in_window])
    shared = shares_tonight_key(keys, tonight)
    people = np.full(len(recent_age), -1, dtype=np.int64)
    if identity is not None:
        people[shared] = identity[in_window][shared]
    else:
        people[shared] = encode_identity(window.loc[_rows_of(in_window, shared), _identity_columns(window)])
    identity = people
    seconds = filed_micros(window["filed_at"][in_window])
    columns: dict[str, np.ndarray] = {}
    for key, codes in keys.codes.items():
        columns.update(count_key_windows(key, codes, identity, recent_age))
        if key != "ip":
            columns[f"{key}_burst_10m"] = count_bursts(codes, seconds, tonight)
    night_columns = ["claim_id", "filed_at", "channel", "user_agent", "session_seconds"]
    night_rows = select_rows(window[night_columns], age == 0)
    columns.update(flag_ip_categories(keys, tonight, ip_ranges))
    columns.update(describe_sessions(night_rows, timezone))
    columns.update(has_device_data=(keys.codes["device"][tonight] >= 0) | (keys.codes["ip"][tonight] >= 0))
    index = pd.Index(night_rows["claim_id"], name="claim_id")
    return pd.DataFrame({name: columns[name] for name in FEATURE_NAMES}, index=index)


def _identity_columns(window: pd.DataFrame) -> list[str]:
    return ["ssn_token", *(["identity_id"] if "identity_id" in window.columns else [])]


def _rows_of(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Mask over the whole window of the rows selected by `inner` among those selected by `outer`."""
    rows = np.zeros(len(outer), dtype=bool)
    rows[np.flatnonzero(outer)[inner]] = True
    return rows


# --- Time ----------------------------------------------------------------------


def night_age(batch_date: pd.Series, night: dt.date) -> np.ndarray:
    """Nights between each row's batch_date and `night` (0 tonight, negative for later nights), as int32."""
    days = pa.array(batch_date, from_pandas=True)
    if pa.types.is_timestamp(days.type):
        days = days.cast(pa.date32())  # a datetime64 column: midnight timestamps
    if not pa.types.is_date32(days.type):
        days = days.cast(pa.date32())
    number = days.cast(pa.int32()).to_numpy(zero_copy_only=False)
    return (night - dt.date(1970, 1, 1)).days - number


def filed_micros(filed_at: pd.Series) -> np.ndarray:
    """filed_at as int64 microseconds since the epoch (UTC; a naive value is read as UTC)."""
    stamps = pd.to_datetime(filed_at)
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    return naive.to_numpy().view(np.int64)


# --- Keys: device, IP address, IP network ---------------------------------------


@dataclass(frozen=True)
class IpTable:
    """Parsed unique IP addresses: version 6 flag, high and low 64 bits (IPv4 in `low`), validity."""

    text: pd.Index
    is_v6: np.ndarray
    high: np.ndarray
    low: np.ndarray
    valid: np.ndarray


@dataclass(frozen=True)
class Keys:
    """Integer codes (-1 for missing) per row for each key, and the unique IP addresses they point to."""

    codes: dict[str, np.ndarray]
    ip_codes: np.ndarray
    ips: IpTable


def encode_keys(device_id: pd.Series, ip_address: pd.Series) -> Keys:
    """Factorize device_id, ip_address and the IP network (/24 or /64) of every row; missing is -1."""
    device = _factorize_text(device_id)
    ip_codes, ip_text = _factorize_with_uniques(ip_address)
    ips = parse_ips(ip_text)
    network_codes = encode_networks(ips)
    ip24 = np.where(ip_codes >= 0, _take(network_codes, ip_codes), -1)
    return Keys({"device": device, "ip": ip_codes, "ip24": ip24}, ip_codes, ips)


def keys_from_codes(device: Encoded, ip: Encoded, rows: np.ndarray) -> Keys:
    """:func:`encode_keys` of the selected ``rows`` from codes made for the whole window.

    Codes keep the window's numbering (counts do not depend on it); blank values are missing, and
    only the addresses the rows use are parsed.
    """
    device_codes = _drop_blank(device, device.codes[rows].astype(np.int64))
    ip_codes = _drop_blank(ip, ip.codes[rows].astype(np.int64))
    present = ip_codes >= 0
    used = np.flatnonzero(np.bincount(ip_codes[present], minlength=ip.size))
    renumber = np.full(ip.size, -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    ip_codes = lookup(renumber, ip_codes)
    ip_text = pd.Index(ip.values_at(used).to_pandas().array, dtype="str")
    ips = parse_ips(ip_text)
    network_codes = encode_networks(ips)
    ip24 = np.where(ip_codes >= 0, _take(network_codes, ip_codes), -1)
    return Keys({"device": device_codes, "ip": ip_codes, "ip24": ip24}, ip_codes, ips)


def _drop_blank(encoded: Encoded, codes: np.ndarray) -> np.ndarray:
    """Codes with blank values made missing (-1); only the values the codes use are looked at."""
    present = codes >= 0
    used = np.flatnonzero(np.bincount(codes[present], minlength=encoded.size))
    blank = used[blank_values(encoded, used)]
    if not len(blank):
        return codes
    is_blank = np.zeros(encoded.size, dtype=bool)
    is_blank[blank] = True
    return np.where(present & _take(is_blank, codes), -1, codes)


def encode_networks(ips: IpTable) -> np.ndarray:
    """Code of each parsed address's network: IPv4 /24, IPv6 /64 (-1 if unparsed)."""
    codes = np.full(len(ips.valid), -1, dtype=np.int64)
    v4, v6 = ips.valid & ~ips.is_v6, ips.valid & ips.is_v6
    codes[v4] = pd.factorize(ips.low[v4] >> np.uint64(8))[0]
    codes[v6] = pd.factorize(ips.high[v6])[0] + int(v4.sum())
    return codes


def shares_tonight_key(keys: Keys, tonight: np.ndarray) -> np.ndarray:
    """Rows whose device, IP address or IP network also filed tonight (tonight's rows included)."""
    shared = np.zeros(len(tonight), dtype=bool)
    for codes in keys.codes.values():
        shared |= (codes >= 0) & _take(_seen_tonight(codes, tonight), codes)
    return shared


def _seen_tonight(codes: np.ndarray, tonight: np.ndarray) -> np.ndarray:
    """Per key code: whether one of tonight's rows has it."""
    night_codes = codes[tonight]
    n_keys = int(codes.max()) + 1 if len(codes) else 0
    return np.bincount(night_codes[night_codes >= 0], minlength=n_keys) > 0


def encode_identity(claims: pd.DataFrame) -> np.ndarray:
    """Integer code of each row's person: identity_id, else ssn_token (-1 if neither)."""
    if "identity_id" not in claims.columns:
        return _factorize_text(claims["ssn_token"])
    identity = claims["identity_id"].astype("str")
    fallback = "ssn:" + claims["ssn_token"].astype("str")
    return _factorize_text(identity.where(identity.notna(), fallback))


def _factorize_text(values: pd.Series) -> np.ndarray:
    return _factorize_with_uniques(values)[0]


def _factorize_with_uniques(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes (-1 for NA or blank) and unique values of a text column."""
    codes, uniques = pd.factorize(values.astype("str"))
    uniques = pd.Index(uniques, dtype="str")
    blank = np.asarray(uniques.str.strip() == "", dtype=bool)
    if blank.any():
        codes = np.where((codes >= 0) & _take(blank, codes), -1, codes)
    return codes.astype(np.int64), uniques


def _take(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """values[codes] where codes may be -1 (the result there is meaningless; mask it)."""
    return values[np.maximum(codes, 0)] if len(values) else np.zeros(len(codes), dtype=values.dtype)


# --- Velocity counts -------------------------------------------------------------


def count_key_windows(
    key: str, codes: np.ndarray, identity: np.ndarray, age: np.ndarray
) -> dict[str, np.ndarray]:
    """Claims and distinct identities sharing each of tonight's keys, over each count window.

    Exact distinct counts: every (key, identity) pair is counted once within a
    window, however many nights it filed on.
    """
    tonight = age == 0
    night_codes = codes[tonight]
    n_keys = int(codes.max()) + 1 if len(codes) else 0
    relevant = (codes >= 0) & _take(_seen_tonight(codes, tonight), codes)
    codes, identity, age = codes[relevant], identity[relevant], age[relevant]
    n_people = int(identity.max()) + 2 if len(identity) else 1
    pairs = codes * n_people + (identity + 1)
    out: dict[str, np.ndarray] = {}
    missing = night_codes < 0
    for days in COUNT_WINDOWS_DAYS:
        inside = age < days
        claims = np.bincount(codes[inside], minlength=n_keys)
        distinct_pairs = pd.unique(pairs[inside & (identity >= 0)])
        people = np.bincount(distinct_pairs // n_people, minlength=n_keys)
        out[f"{key}_claims_{days}d"] = _per_claim(claims, night_codes, missing)
        out[f"{key}_identities_{days}d"] = _per_claim(people, night_codes, missing)
    return out


def _per_claim(per_key: np.ndarray, night_codes: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, np.nan, _take(per_key, night_codes).astype(np.float64))


def count_bursts(codes: np.ndarray, micros: np.ndarray, tonight: np.ndarray) -> np.ndarray:
    """For each of tonight's claims: other claims with its key filed within +-BURST_SECONDS (NaN: no key).

    Sorted by (key, time); each key's times are shifted into a band of their own,
    so one global searchsorted counts within each key.
    """
    night_codes = codes[tonight]
    out = np.full(len(night_codes), np.nan)
    if not (night_codes >= 0).any():
        return out
    width = BURST_SECONDS * _US_PER_SECOND
    night_times = micros[tonight][night_codes >= 0]
    near = (micros >= night_times.min() - width) & (micros <= night_times.max() + width)
    rows = np.flatnonzero((codes >= 0) & near & _take(_seen_tonight(codes, tonight), codes))
    order = rows[np.lexsort((micros[rows], codes[rows]))]
    shifted = _shift_by_group(codes[order], micros[order], width)
    position = np.empty(len(codes), dtype=np.int64)
    position[order] = np.arange(len(order))
    queries = shifted[position[np.flatnonzero(tonight)[night_codes >= 0]]]
    counts = np.searchsorted(shifted, queries + width, "right") - np.searchsorted(
        shifted, queries - width, "left"
    )
    out[night_codes >= 0] = counts - 1
    return out


def _shift_by_group(groups: np.ndarray, times: np.ndarray, width: int) -> np.ndarray:
    """Times sorted by (group, time), moved so each group occupies its own band, 2*width+1 apart."""
    first = np.r_[True, groups[1:] != groups[:-1]]
    starts = np.flatnonzero(first)
    group_of_row = np.cumsum(first) - 1
    lows = times[starts]
    highs = times[np.r_[starts[1:] - 1, len(times) - 1]]
    spans = highs - lows + 2 * width + 1
    offsets = np.cumsum(spans) - spans
    return times - lows[group_of_row] + offsets[group_of_row]


# --- IP addresses and ranges ----------------------------------------------------------


_V4 = r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
_V6_CHARS = r"^[0-9A-Fa-f:]{2,39}$"
_V6_WIDTH = 39
_HEX = np.full(256, -1, dtype=np.int8)
_HEX[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_HEX[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
_HEX[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)


def parse_ips(text: pd.Index) -> IpTable:
    """Parse unique IP texts: IPv4 by pyarrow, IPv6 by a vectorized byte parser, odd forms by ipaddress."""
    n = len(text)
    is_v6, high, low = np.zeros(n, bool), np.zeros(n, np.uint64), np.zeros(n, np.uint64)
    valid = np.zeros(n, bool)
    array = pa.array(text.astype("str"), from_pandas=True, type=pa.large_string())
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    v4 = _mask(pc.match_substring_regex(array, _V4))
    low[v4], valid[v4] = _parse_v4(array.filter(pa.array(v4))), True
    v6 = _mask(pc.match_substring_regex(array, _V6_CHARS)) & ~v4
    high[v6], low[v6], valid[v6] = _parse_v6(_byte_matrix(array.filter(pa.array(v6))))
    is_v6[v6] = True
    odd = ~valid & _mask(pc.match_substring(array, ":"))
    for i in np.flatnonzero(odd):  # embedded IPv4 (::ffff:1.2.3.4) or zone ids: rare
        high[i], low[i], is_v6[i], valid[i] = _parse_with_ipaddress(str(text[int(i)]))
    mapped = is_v6 & valid & (high == 0) & ((low >> np.uint64(32)) == np.uint64(0xFFFF))  # ::ffff:a.b.c.d
    is_v6[mapped], low[mapped] = False, low[mapped] & np.uint64(0xFFFFFFFF)
    return IpTable(text, is_v6, high, low, valid)


def _mask(result: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(result, False).to_numpy(zero_copy_only=False), dtype=bool)


def _byte_matrix(array: pa.Array) -> np.ndarray:
    """ASCII texts of at most _V6_WIDTH characters as a (rows, _V6_WIDTH) uint8 matrix, padded with 0."""
    padded = pc.utf8_rpad(array, width=_V6_WIDTH, padding=" ")
    offsets = np.frombuffer(padded.buffers()[1], np.int64)[padded.offset : padded.offset + len(padded) + 1]
    data = np.frombuffer(padded.buffers()[2], np.uint8)[offsets[0] : offsets[-1]] if len(padded) else None
    matrix = data.reshape(-1, _V6_WIDTH) if data is not None else np.zeros((0, _V6_WIDTH), np.uint8)
    return np.where(matrix == ord(" "), np.uint8(0), matrix)


def _parse_v4(array: pa.Array) -> np.ndarray:
    parts = pc.list_flatten(pc.split_pattern(array, ".")).cast(pa.uint64()).to_numpy().reshape(-1, 4)
    return (parts << np.array([24, 16, 8, 0], dtype=np.uint64)).sum(axis=1, dtype=np.uint64)


def _parse_v6(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """High and low 64 bits of IPv6 texts (hex digits and colons, 0-padded bytes), and which parsed.

    Each hex digit's group (0-7) is the number of colons before it, pushed right
    past the groups that "::" stands for; its place in the group comes from the
    length of its run of hex digits. Small integer types keep the matrices light.
    """
    n = len(chars)
    colon = chars == ord(":")
    digit = _HEX[chars]
    is_hex = digit >= 0
    length = (chars != 0).sum(axis=1)
    before = np.cumsum(colon, axis=1, dtype=np.int8) - colon.view(np.int8)  # colons before each position
    pair = np.zeros_like(colon)
    pair[:, :-1] = colon[:, :-1] & colon[:, 1:]
    has_pair = pair.any(axis=1)
    at = np.where(has_pair, pair.argmax(axis=1), 0)  # where "::" starts
    left_colons = before[np.arange(n), at].astype(np.int64)
    total = colon.sum(axis=1)
    n_left = np.where(at > 0, left_colons + 1, 0)
    n_right = np.where(at + 2 < length, total - left_colons - 1, 0)
    gap = 8 - n_left - n_right
    after_pair = has_pair[:, None] & (np.arange(_V6_WIDTH)[None, :] >= (at + 2)[:, None])
    push = (n_left + gap - left_colons - 2).astype(np.int8)
    group = np.where(after_pair, before + push[:, None], before)
    from_right = _run_position_from_right(is_hex)
    shift = (4 * np.minimum(from_right - 1, 3) + 16 * (3 - (group & 3))).astype(np.uint64)
    bits = digit.astype(np.uint64) << shift
    high = np.asarray(np.sum(bits, axis=1, where=is_hex & (group < 4), dtype=np.uint64))
    low = np.asarray(np.sum(bits, axis=1, where=is_hex & (group >= 4), dtype=np.uint64))
    ok = _well_formed_v6(colon, is_hex, length, pair, has_pair, total, gap, from_right)
    return high, low, ok


def _run_position_from_right(is_hex: np.ndarray) -> np.ndarray:
    """Per position: 1-based index within its run of hex digits, counted from the run's right end."""
    mask = is_hex[:, ::-1]
    count = np.cumsum(mask, axis=1, dtype=np.int8)
    return (count - np.maximum.accumulate(np.where(mask, np.int8(0), count), axis=1))[:, ::-1]


def _well_formed_v6(
    colon: np.ndarray,
    is_hex: np.ndarray,
    length: np.ndarray,
    pair: np.ndarray,
    has_pair: np.ndarray,
    total: np.ndarray,
    gap: np.ndarray,
    from_right: np.ndarray,
) -> np.ndarray:
    """Eight groups of 1-4 hex digits, or fewer around exactly one "::" standing for at least one group."""
    inside = np.arange(colon.shape[1])[None, :] < length[:, None]
    chars_ok = ~(inside & ~colon & ~is_hex).any(axis=1)
    short_runs = ~(is_hex & (from_right > 4)).any(axis=1)  # a run of 5+ digits has a 5th from its end
    one_pair = pair.sum(axis=1) <= 1
    no_triple = ~(colon[:, :-2] & colon[:, 1:-1] & colon[:, 2:]).any(axis=1)
    rows = np.arange(len(colon))
    last = np.maximum(length - 1, 0)
    starts_ok = ~colon[:, 0] | pair[:, 0]
    ends_ok = ~colon[rows, last] | pair[rows, np.maximum(length - 2, 0)]
    counts_ok = np.where(has_pair, gap >= 1, total == 7)
    return chars_ok & short_runs & one_pair & no_triple & starts_ok & ends_ok & counts_ok & (length >= 2)


def _parse_with_ipaddress(text: str) -> tuple[int, int, bool, bool]:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return 0, 0, False, False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return 0, int(address.ipv4_mapped), False, True
    value = int(address)
    return value >> 64, value & (2**64 - 1), address.version == 6, True


@dataclass(frozen=True)
class RangeIndex:
    """One category's CIDR blocks as sorted intervals: start, and running maximum of the end."""

    v4_start: np.ndarray
    v4_end: np.ndarray
    v6_start: np.ndarray  # high 64 bits, blocks of /64 or wider
    v6_end: np.ndarray
    v6_narrow: tuple[tuple[int, int], ...]  # blocks narrower than /64: (first, last) as 128-bit ints


def index_ip_ranges(ip_ranges: pd.DataFrame, category: str) -> RangeIndex:
    """The CIDR blocks of one category, ready for searchsorted."""
    blocks = [_parse_cidr(c) for c in ip_ranges.loc[ip_ranges["category"] == category, "cidr"].astype(str)]
    v4 = sorted((int(b[0]), int(b[-1])) for b in blocks if b.version == 4)
    v6 = sorted((int(b[0]) >> 64, int(b[-1]) >> 64) for b in blocks if b.version == 6 and b.prefixlen <= 64)
    narrow = tuple(sorted((int(b[0]), int(b[-1])) for b in blocks if b.version == 6 and b.prefixlen > 64))
    return RangeIndex(*_intervals(v4), *_intervals(v6), narrow)


def _parse_cidr(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as exc:
        raise ValueError(f"ip_ranges: {text!r} is not a CIDR block") from exc


def _intervals(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    starts = np.array([p[0] for p in pairs], dtype=np.uint64)
    ends = np.array([p[1] for p in pairs], dtype=np.uint64)
    return starts, np.maximum.accumulate(ends) if len(ends) else ends


def _in_intervals(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each value lies in a block: the last block starting at or before it reaches it."""
    if not len(starts):
        return np.zeros(len(values), bool)
    at = np.searchsorted(starts, values, "right") - 1
    return (at >= 0) & (ends[np.maximum(at, 0)] >= values)


def match_ranges(ips: IpTable, ranges: RangeIndex) -> np.ndarray:
    """Whether each parsed address falls in one of the category's blocks."""
    v4 = ips.valid & ~ips.is_v6
    v6 = ips.valid & ips.is_v6
    hit = (v4 & _in_intervals(ips.low, ranges.v4_start, ranges.v4_end)) | (
        v6 & _in_intervals(ips.high, ranges.v6_start, ranges.v6_end)
    )
    if ranges.v6_narrow:
        highs = np.array(sorted({end >> 64 for block in ranges.v6_narrow for end in block}), np.uint64)
        for i in np.flatnonzero(v6 & ~hit & np.isin(ips.high, highs)):
            value = (int(ips.high[i]) << 64) | int(ips.low[i])
            hit[i] = any(first <= value <= last for first, last in ranges.v6_narrow)
    return hit


def flag_ip_categories(
    keys: Keys, tonight: np.ndarray, ip_ranges: pd.DataFrame | None
) -> dict[str, np.ndarray]:
    """ip_foreign, ip_hosting, ip_vpn, ip_tor for tonight's claims (False without an IP or a list)."""
    codes = keys.ip_codes[tonight]
    out: dict[str, np.ndarray] = {}
    for category in IP_RANGE_CATEGORIES:
        if ip_ranges is None or not len(ip_ranges):
            out[f"ip_{category}"] = np.zeros(len(codes), bool)
            continue
        per_ip = match_ranges(keys.ips, index_ip_ranges(ip_ranges, category))
        out[f"ip_{category}"] = (codes >= 0) & _take(per_ip, codes)
    # Foreign needs no list: the registry country of each of tonight's distinct addresses.
    abroad = foreign_ips(keys.ips, np.unique(codes[codes >= 0]))
    out["ip_foreign"] = out["ip_foreign"] | ((codes >= 0) & _take(abroad, codes))
    return out


def foreign_ips(ips: IpTable, which: np.ndarray) -> np.ndarray:
    """Per parsed address: registered outside the US and its territories, for the rows ``which``.

    The country is the one a Regional Internet Registry assigned the block to (:mod:`iptocc`, data
    in the wheel, no network); where a block is *used* can differ (about 5% of IPv4). A private,
    reserved or unassigned address has no country and is not foreign. An IPv4-mapped IPv6 text is
    asked as its IPv4 address.
    """
    out = np.zeros(len(ips.valid), dtype=bool)
    which = which[ips.valid[which]]
    if not len(which):
        return out
    text = ips.text[which].astype("str").to_numpy(dtype=object)
    mapped = ~ips.is_v6[which] & np.array([":" in t for t in text], dtype=bool)
    for i in np.flatnonzero(mapped):  # rare: ::ffff:a.b.c.d
        text[i] = str(ipaddress.IPv4Address(int(ips.low[which[i]])))
    countries = iptocc.country_code(text.tolist())
    out[which] = [c is not None and c not in DOMESTIC_REGIONS for c in countries]
    return out


# --- Session, time of day, browser, channel --------------------------------------------


def describe_sessions(claims: pd.DataFrame, timezone: str) -> dict[str, np.ndarray]:
    """Session length, local filing hour, automation markers and channel of each claim."""
    seconds = (
        pd.to_numeric(claims["session_seconds"], errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    )
    hour = local_hours(claims["filed_at"], timezone)
    channel = claims["channel"].astype("str").str.strip().str.lower()
    out = {
        "session_seconds": seconds,
        "short_session": np.nan_to_num(seconds, nan=np.inf) < SHORT_SESSION_SECONDS,
        "filed_hour_local": hour,
        "filed_at_night": (hour >= NIGHT_START_HOUR) & (hour < NIGHT_END_HOUR),
        "automation_user_agent": flag_automation(claims["user_agent"], channel),
    }
    out.update({f"channel_{c}": np.asarray(channel == c, dtype=bool) for c in CHANNELS})
    return out


def local_hours(filed_at: pd.Series, timezone: str) -> np.ndarray:
    """Hour of day (0-23) in `timezone`, daylight saving time included, as int64."""
    micros = filed_micros(filed_at)
    local = pd.DatetimeIndex(micros.astype("datetime64[us]"), tz=None).tz_localize("UTC").tz_convert(timezone)
    return np.asarray(local.hour, dtype=np.int64)


def flag_automation(user_agent: pd.Series, channel: pd.Series) -> np.ndarray:
    """A known automation marker in the user agent, or no user agent at all on the web channel."""
    text = user_agent.astype("str").str.lower()
    pattern = "|".join(m.replace(".", r"\.").replace("/", r"/") for m in AUTOMATION_MARKERS)
    marked = text.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)
    blank = (text.isna() | (text.str.strip() == "")).to_numpy(dtype=bool)
    online = channel.isin(ONLINE_CHANNELS).to_numpy(dtype=bool)
    return (online & marked) | (blank & (channel == "web").to_numpy(dtype=bool))


#: When an address is listed under several categories, the most telling one names it.
CATEGORY_PRECEDENCE: tuple[str, ...] = ("tor", "hosting", "vpn", "foreign")


def categorize_ips(
    ip_address: pd.Series, ip_ranges: pd.DataFrame | None, encoded: Encoded | None = None
) -> pd.Series:
    """The ip_ranges category of each distinct address (index: address; absent if unlisted).

    ``encoded``: the column already coded, whose distinct values are read instead of the column.
    """
    if encoded is not None:
        addresses = pd.Index(encoded.values.to_pandas().array, dtype="str")
    else:
        addresses = pd.Index(ip_address.dropna().unique())
    if ip_ranges is None or not len(ip_ranges) or not len(addresses):
        return pd.Series([], index=pd.Index([], dtype="str"), dtype="str")
    category = IpRanges(ip_ranges).categories(addresses)
    listed = pd.notna(category)
    return pd.Series(category[listed], index=addresses[listed], dtype="str")


class IpRanges:
    """The ip_ranges list, indexed once per category, to categorize addresses many times."""

    def __init__(self, ip_ranges: pd.DataFrame | None) -> None:
        listed = ip_ranges is not None and len(ip_ranges) > 0
        self.indexes = (
            [(name, index_ip_ranges(ip_ranges, name)) for name in reversed(CATEGORY_PRECEDENCE)]
            if listed and ip_ranges is not None
            else []
        )

    def categories(self, addresses: pd.Index) -> np.ndarray:
        """Per address (text): its category (the first of :data:`CATEGORY_PRECEDENCE` listing
        it), None where unlisted."""
        category = np.full(len(addresses), None, dtype=object)
        if self.indexes and len(addresses):
            ips = parse_ips(addresses)
            for name, ranges in self.indexes:
                category[match_ranges(ips, ranges)] = name
        return category
