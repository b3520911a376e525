"""Device, session and velocity features: tiny frames with answers worked out by hand, and invariants."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimscreen.features import device
from claimscreen.features.device import (
    FEATURE_NAMES,
    FEATURES,
    compute_device_features,
    parse_ips,
)

NIGHT = dt.date(2026, 10, 1)
COLUMNS = ("claim_id", "batch_date", "filed_at", "channel", "ip_address", "device_id", "user_agent")
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/129.0.0.0"


def claim(claim_id: str, nights_ago: int = 0, **changes: Any) -> dict[str, Any]:
    """One web claim of NIGHT - nights_ago, filed at 14:00 UTC that day unless changed."""
    night = NIGHT - dt.timedelta(days=nights_ago)
    row: dict[str, Any] = {
        "claim_id": claim_id,
        "batch_date": night,
        "filed_at": pd.Timestamp(f"{night.isoformat()}T14:00:00Z"),
        "channel": "web",
        "ip_address": "198.51.100.7",
        "device_id": "dev-1",
        "user_agent": UA,
        "session_seconds": 600.0,
        "ssn_token": f"tok-{claim_id}",
    }
    row.update(changes)
    return row


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    out = pd.DataFrame(list(rows))
    out["filed_at"] = pd.to_datetime(out["filed_at"], utc=True).astype("datetime64[us, UTC]")
    for column in ("ip_address", "device_id", "user_agent", "ssn_token", "channel", "claim_id"):
        out[column] = out[column].astype("str")
    out["session_seconds"] = out["session_seconds"].astype("float64")
    return out


def features(*rows: dict[str, Any], **kwargs: Any) -> pd.DataFrame:
    return compute_device_features(frame(*rows), NIGHT, **kwargs)


# --- Registry ---------------------------------------------------------------------------


def test_every_feature_is_declared_with_its_dtype() -> None:
    out = features(claim("A"))
    assert tuple(out.columns) == FEATURE_NAMES
    assert {f.name: f.dtype for f in FEATURES} == {c: str(t) for c, t in out.dtypes.items()}
    assert {f.group for f in FEATURES} == {"device", "velocity"}
    assert out.index.name == "claim_id"


# --- Velocity counts ----------------------------------------------------------------------


def test_device_counts_over_windows_count_each_person_once() -> None:
    # dev-1: tonight A (p1), B (p2); 3 nights ago C (p1); 10 nights ago D (p3); 40 nights ago E (p4, outside).
    out = features(
        claim("A", ssn_token="p1"),
        claim("B", ssn_token="p2"),
        claim("C", 3, ssn_token="p1"),
        claim("D", 10, ssn_token="p3"),
        claim("E", 40, ssn_token="p4"),
    )
    assert list(out.index) == ["A", "B"]
    a = out.loc["A"]
    assert (a["device_claims_1d"], a["device_identities_1d"]) == (2, 2)
    assert (a["device_claims_7d"], a["device_identities_7d"]) == (3, 2)  # p1 filed twice: one person
    assert (a["device_claims_30d"], a["device_identities_30d"]) == (4, 3)


def test_ip_and_network_counts() -> None:
    # A and B share an IP; C is in the same /24; D is another network; E and F are IPv6 in one /64.
    out = features(
        claim("A", ip_address="203.0.113.9", device_id="d1"),
        claim("B", 2, ip_address="203.0.113.9", device_id="d2"),
        claim("C", 1, ip_address="203.0.113.200", device_id="d3"),
        claim("D", ip_address="203.0.114.9", device_id="d4"),
        claim("E", ip_address="2001:db8:0:1::5", device_id="d5"),
        claim("F", 5, ip_address="2001:db8:0:1:ffff::1", device_id="d6"),
    )
    a, d, e = out.loc["A"], out.loc["D"], out.loc["E"]
    assert (a["ip_claims_1d"], a["ip_claims_7d"], a["ip24_claims_1d"], a["ip24_claims_7d"]) == (1, 2, 1, 3)
    assert (a["ip24_identities_30d"], d["ip24_claims_30d"]) == (3, 1)
    assert (e["ip_claims_30d"], e["ip24_claims_7d"], e["ip24_identities_7d"]) == (1, 2, 2)


def test_identity_id_is_the_person_when_present() -> None:
    rows = [claim("A", ssn_token="t1"), claim("B", 1, ssn_token="t2"), claim("C", 2, ssn_token="t3")]
    window = frame(*rows).assign(identity_id=pd.Series(["I1", "I1", None], dtype="str"))
    out = compute_device_features(window, NIGHT)
    assert out.loc["A", "device_identities_7d"] == 2  # I1 (A, B) and t3 (C, no identity_id yet)


def test_later_nights_are_not_seen() -> None:
    out = features(claim("A"), claim("B", -1), claim("C", -1, filed_at="2026-10-01T14:05:00Z"))
    assert out.loc["A", "device_claims_30d"] == 1
    assert out.loc["A", "device_burst_10m"] == 0


# --- Bursts ----------------------------------------------------------------------------


def test_burst_counts_other_claims_within_ten_minutes_either_side() -> None:
    out = features(
        claim("A", filed_at="2026-10-01T00:02:00Z"),
        claim("B", filed_at="2026-10-01T00:12:00Z"),  # exactly 10 minutes after A: counts
        claim("C", filed_at="2026-10-01T00:12:01Z", device_id="dev-2"),  # other device, same /24
        claim("Y", 1, filed_at="2026-09-30T23:55:00Z"),  # last night's batch, 7 minutes before A
        claim("Z", 1, filed_at="2026-09-30T23:51:59Z", ip_address="10.0.0.1"),  # 10 min 1 s before A
    )
    assert (out.loc["A", "device_burst_10m"], out.loc["B", "device_burst_10m"]) == (2, 1)
    assert (out.loc["C", "device_burst_10m"], out.loc["C", "ip24_burst_10m"]) == (0, 1)  # B only
    assert out.loc["A", "ip24_burst_10m"] == 2  # B and Y; C is 10 min 1 s later


# --- Missing device data -----------------------------------------------------------------


def test_phone_and_in_person_claims_have_no_device_data() -> None:
    out = features(
        claim("P", channel="phone", ip_address=None, device_id=None, user_agent=None),
        claim("Q", channel="in_person", ip_address="", device_id="", user_agent=""),
        claim("W"),
    )
    velocity = [f.name for f in FEATURES if f.group == "velocity"]
    for claim_id in ("P", "Q"):
        row = out.loc[claim_id]
        assert row[velocity].isna().all()
        assert not row[["ip_foreign", "ip_hosting", "ip_vpn", "ip_tor", "automation_user_agent"]].any()
        assert not row["has_device_data"]
    assert out.loc["W", "has_device_data"]
    assert out.loc["W", "device_claims_1d"] == 1
    assert out.loc["P", "channel_phone"] and out.loc["Q", "channel_in_person"] and out.loc["W", "channel_web"]


def test_online_claim_without_ip_has_device_counts_only() -> None:
    out = features(claim("A", ip_address=None))
    assert out.loc["A", "device_claims_1d"] == 1
    assert np.isnan(out.loc["A", "ip_claims_1d"]) and np.isnan(out.loc["A", "ip24_burst_10m"])
    assert out.loc["A", "has_device_data"]


# --- IP ranges -------------------------------------------------------------------------------

RANGES = pd.DataFrame(
    {
        "cidr": [
            "41.58.0.0/16",
            "41.58.7.0/24",
            "3.80.0.0/12",
            "2a03:b0c0::/32",
            "2001:db8::1/128",
            "10.1.2.3",
        ],
        "category": ["foreign", "vpn", "hosting", "hosting", "tor", "tor"],
    }
)


@pytest.mark.parametrize(
    ("ip", "flags"),
    [
        ("41.58.200.1", {"foreign"}),
        ("41.58.7.255", {"foreign", "vpn"}),  # nested blocks of two categories
        ("41.59.0.0", set()),
        ("3.95.255.255", {"hosting"}),  # last address of 3.80.0.0/12
        ("3.96.0.0", set()),
        ("10.1.2.3", {"tor"}),  # a bare address is a /32
        ("2a03:b0c0:3:d0::11", {"hosting"}),
        ("2a03:b0c1::1", set()),
        ("2001:db8::1", {"tor"}),
        ("2001:db8::2", set()),
        ("::ffff:41.58.1.1", {"foreign"}),  # IPv4-mapped IPv6 is the IPv4 address
    ],
)
def test_ip_category_flags_by_cidr(ip: str, flags: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # The list alone: the registry country (tests/features/test_foreign_signals.py) switched off.
    monkeypatch.setattr(device, "foreign_ips", lambda ips, which: np.zeros(len(ips.valid), bool))
    out = features(claim("A", ip_address=ip), ip_ranges=RANGES).loc["A"]
    assert {c for c in ("foreign", "hosting", "vpn", "tor") if out[f"ip_{c}"]} == flags


def test_no_ip_ranges_list_means_no_list_flags_but_the_registry_country() -> None:
    out = features(claim("A", ip_address="41.58.200.1"))  # Nigeria (AFRINIC)
    assert not out.loc["A", ["ip_hosting", "ip_vpn", "ip_tor"]].any()
    assert out.loc["A", "ip_foreign"]


def test_a_bad_cidr_is_an_error_with_the_value() -> None:
    bad = pd.DataFrame({"cidr": ["41.58.0.0/33"], "category": ["foreign"]})
    with pytest.raises(ValueError, match=r"ip_ranges: '41\.58\.0\.0/33' is not a CIDR block"):
        features(claim("A"), ip_ranges=bad)


def _expected(text: str) -> tuple[bool, int, int, bool]:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False, 0, 0, False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    value = int(address)
    return address.version == 6, value >> 64, value & (2**64 - 1), True


@settings(max_examples=200, deadline=None)
@given(
    addresses=st.lists(
        st.one_of(
            st.ip_addresses().map(str),
            st.ip_addresses(v=6).map(lambda a: a.exploded),
            st.ip_addresses(v=6).map(lambda a: a.compressed.upper()),
            st.sampled_from(
                ["1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "1.2.3", "g::1", "::"]
            ),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_ip_parser_agrees_with_ipaddress(addresses: list[str]) -> None:
    parsed = parse_ips(pd.Index(addresses, dtype="str"))
    for i, text in enumerate(addresses):
        is_v6, high, low, valid = _expected(text)
        assert bool(parsed.valid[i]) == valid, text
        if valid:
            assert (bool(parsed.is_v6[i]), int(parsed.high[i]), int(parsed.low[i])) == (is_v6, high, low), (
                text
            )


# --- Session, local time, browser -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed_at", "hour", "night"),
    [
        ("2026-03-08T06:30:00Z", 1, True),  # EST, before the spring-forward at 07:00 UTC
        ("2026-03-08T07:30:00Z", 3, True),  # EDT: 02:xx does not exist that night
        ("2026-07-01T09:00:00Z", 5, False),  # EDT, summer
        ("2026-11-01T05:30:00Z", 1, True),  # EDT, first 01:30 of the fall-back night
        ("2026-11-01T06:30:00Z", 1, True),  # EST, second 01:30
        ("2026-11-01T10:00:00Z", 5, False),
        ("2026-01-15T04:59:59Z", 23, False),
    ],
)
def test_local_hour_follows_daylight_saving_time(filed_at: str, hour: int, night: bool) -> None:
    out = features(claim("A", filed_at=filed_at)).loc["A"]
    assert (out["filed_hour_local"], out["filed_at_night"]) == (hour, night)


def test_local_hour_in_another_time_zone() -> None:
    out = features(claim("A", filed_at="2026-07-01T09:00:00Z"), timezone="America/Los_Angeles")
    assert out.loc["A", "filed_hour_local"] == 2


def test_sessions() -> None:
    out = features(
        claim("A", session_seconds=45.5),
        claim("B", session_seconds=120.0),
        claim("C", session_seconds=None),
    )
    assert out["short_session"].tolist() == [True, False, False]
    assert out["session_seconds"].iloc[:2].tolist() == [45.5, 120.0] and np.isnan(
        out.loc["C", "session_seconds"]
    )


@pytest.mark.parametrize(
    ("agent", "channel", "flag"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/124.0.0.0 Safari/537.36",
            "web",
            True,
        ),
        ("python-requests/2.31.0", "web", True),
        ("curl/8.5.0", "mobile", True),
        ("Go-http-client/2.0", "web", True),
        ("Mozilla/5.0 (Windows NT 10.0) Chrome/120 Puppeteer", "web", True),
        (UA, "web", False),
        ("", "web", True),  # no user agent from a browser
        (None, "web", True),
        (None, "mobile", False),  # the mobile app may send none
        ("curl/8.5.0", "phone", False),
    ],
)
def test_automation_user_agent(agent: str | None, channel: str, flag: bool) -> None:
    assert features(claim("A", user_agent=agent, channel=channel)).loc["A", "automation_user_agent"] == flag


def test_a_night_without_claims_gives_an_empty_frame() -> None:
    out = features(claim("A", 1))
    assert out.empty and tuple(out.columns) == FEATURE_NAMES


# --- Invariants ----------------------------------------------------------------------------------


@st.composite
def windows(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for i in range(draw(st.integers(1, 25))):
        online = draw(st.booleans()) or draw(st.booleans())
        nights_ago = draw(st.integers(-3, 35))
        minute = draw(st.integers(0, 2 * 24 * 60))
        filed = pd.Timestamp(NIGHT - dt.timedelta(days=nights_ago)) - pd.Timedelta(minutes=minute)
        rows.append(
            claim(
                f"C{i}",
                nights_ago,
                filed_at=filed.tz_localize("UTC"),
                channel="web" if online else draw(st.sampled_from(["phone", "in_person"])),
                device_id=draw(st.sampled_from(["d1", "d2", "d3"])) if online else None,
                ip_address=draw(st.sampled_from(["1.2.3.4", "1.2.3.9", "2001:db8::1", "2001:db8::2:1"]))
                if online
                else None,
                ssn_token=draw(st.sampled_from(["p1", "p2", "p3", "p4"])),
                session_seconds=draw(st.one_of(st.none(), st.floats(0, 5000))),
            )
        )
    return frame(*rows)


@settings(max_examples=60, deadline=None)
@given(window=windows(), seed=st.integers(0, 2**32 - 1))
def test_later_claims_and_row_order_change_nothing(window: pd.DataFrame, seed: int) -> None:
    known = window[window["batch_date"] <= NIGHT]
    expected = compute_device_features(known, NIGHT).sort_index()
    shuffled = window.sample(frac=1, random_state=np.random.RandomState(seed)).reset_index(drop=True)
    got = compute_device_features(shuffled, NIGHT).sort_index()
    pd.testing.assert_frame_equal(got, expected)
    assert set(got.index) == set(window.loc[window["batch_date"] == NIGHT, "claim_id"])


@settings(max_examples=40, deadline=None)
@given(window=windows())
def test_counts_match_a_plain_python_count(window: pd.DataFrame) -> None:
    out = compute_device_features(window, NIGHT)
    rows = window.to_dict("records")
    for claim_id, got in out.iterrows():
        me = next(r for r in rows if r["claim_id"] == claim_id)
        if me["device_id"] in (None, "") or pd.isna(me["device_id"]):
            continue
        for days in (1, 7, 30):
            since = NIGHT - dt.timedelta(days=days)
            same = [r for r in rows if r["device_id"] == me["device_id"] and since < r["batch_date"] <= NIGHT]
            assert got[f"device_claims_{days}d"] == len(same)
            assert got[f"device_identities_{days}d"] == len({r["ssn_token"] for r in same})
