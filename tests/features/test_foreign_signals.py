"""Signals of contact points abroad, the IP's registry country, stale browsers and throwaway mail:
a few hand-made rows each, values worked out by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from claimscreen.features.browser import MIN_FAMILY_CLAIMS, compute_browser_features
from claimscreen.features.build import ALL_FEATURES
from claimscreen.features.contact import compute_contact_features, phone_foreign
from claimscreen.features.device import compute_device_features, foreign_ips, parse_ips
from claimscreen.features.identity_signals import DISPOSABLE_EMAIL_DOMAINS

NIGHT = dt.date(2026, 10, 1)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{}.0.0.0 "
    "Safari/537.36"
)
SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{}.0 "
    "Safari/605.1.15"
)
IE11 = "Mozilla/5.0 (Windows NT 6.1; Win64; x64; Trident/7.0; rv:11.0) like Gecko"


def test_the_new_signals_are_registered_once() -> None:
    names = [f.name for f in ALL_FEATURES]
    for name in (
        "phone_foreign",
        "phone_non_geographic",
        "mailing_abroad",
        "browser_years_behind",
        "browser_stale",
    ):
        assert names.count(name) == 1


# --- Phone and mail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("e164", "foreign"),
    [
        ("+16145550134", False),  # Columbus, OH
        ("+525512345678", True),  # Mexico City: another country code
        ("+442079460958", True),  # London
        ("+14165550134", True),  # Toronto: +1, but Canada
        ("+18765550134", True),  # Jamaica: +1, but not the US
        ("+17875550134", False),  # Puerto Rico: a US territory
        ("+16715550134", False),  # Guam: a US territory
        ("+18005550134", False),  # toll-free: no country (phone_non_geographic says it)
        ("+15555550134", False),  # 555 is no area code: not called foreign
        (None, False),  # no phone
    ],
)
def test_phone_foreign_by_country_code_and_nanp_area_code(e164: str | None, foreign: bool) -> None:
    assert phone_foreign(pd.Series([e164], dtype="str")).tolist() == [foreign]


def test_contact_features_read_the_lake_flags_missing_is_false() -> None:
    claims = pd.DataFrame(
        {
            "claim_id": ["A", "B", "C"],
            "phone_e164": ["+16145550134", "+525512345678", None],
            "phone_non_geographic": pd.array([False, True, None], dtype="boolean"),
            "mailing_abroad": pd.array([True, False, None], dtype="boolean"),
        }
    )
    out = compute_contact_features(claims)
    assert out.index.tolist() == ["A", "B", "C"]
    assert out["phone_foreign"].tolist() == [False, True, False]
    assert out["phone_non_geographic"].tolist() == [False, True, False]
    assert out["mailing_abroad"].tolist() == [True, False, False]
    # Claims ingested before the lake had these columns: nothing fires.
    older = compute_contact_features(claims[["claim_id"]])
    assert not older.to_numpy().any() and older.dtypes.eq(bool).all()


# --- Browser --------------------------------------------------------------------------------


def browsers(agents: Sequence[str | None], channel: str = "web") -> pd.DataFrame:
    claims = pd.DataFrame(
        {"claim_id": [f"C{i}" for i in range(len(agents))], "user_agent": agents, "channel": channel}
    )
    return compute_browser_features(claims)


def test_years_behind_the_familys_current_version() -> None:
    # 30 current Chrome 129 and 20 Safari 17; one forged Chrome/999 does not move Chrome's current
    # version (the 99th percentile, lower: the 30th of 31 Chrome claims is 129).
    crowd = [CHROME.format(129)] * 30 + [SAFARI.format(17)] * 20 + [CHROME.format(999)]
    tested: list[str | None] = [
        CHROME.format(108),
        CHROME.format(118),
        SAFARI.format(15),
        IE11,
        "python-requests/2.31.0",
        None,
    ]
    out = browsers([*crowd, *tested]).iloc[len(crowd) :]
    years = out["browser_years_behind"].to_numpy()
    assert years[0] == pytest.approx(21 / 13)  # 21 versions at 13 a year: 1.6 years, stale
    assert years[1] == pytest.approx(11 / 13)  # 0.8 years: not stale
    assert years[2] == pytest.approx(2.0)  # Safari ships once a year
    assert np.isnan(years[3:]).all()  # IE: retired; requests: no pace known; no agent
    assert out["browser_stale"].tolist() == [True, False, True, True, False, False]


def test_a_family_seen_on_too_few_claims_has_no_current_version() -> None:
    out = browsers([CHROME.format(129)] * (MIN_FAMILY_CLAIMS - 2) + [CHROME.format(100)])
    assert out["browser_years_behind"].isna().all() and not out["browser_stale"].any()


def test_phone_and_in_person_claims_have_no_browser() -> None:
    out = browsers([IE11] * 3, channel="phone")
    assert out["browser_years_behind"].isna().all() and not out["browser_stale"].any()


# --- IP country -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "foreign"),
    [
        ("41.58.200.1", True),  # Nigeria (AFRINIC)
        ("::ffff:41.58.1.1", True),  # the same, IPv4-mapped
        ("2c0f:f000::1", True),  # AFRINIC IPv6
        ("73.1.2.3", False),  # a US cable network
        ("2601::1", False),  # the same provider's IPv6
        ("10.0.0.1", False),  # private: no country
        ("198.51.100.7", False),  # documentation range: no country
        ("not an ip", False),
    ],
)
def test_ip_foreign_by_registry_country(ip: str, foreign: bool) -> None:
    ips = parse_ips(pd.Index([ip], dtype="str"))
    assert foreign_ips(ips, np.arange(1)).tolist() == [foreign]


def test_ip_foreign_needs_no_list_and_only_tonights_addresses_are_asked() -> None:
    rows: list[dict[str, Any]] = [
        {"claim_id": "A", "ip_address": "41.58.200.1", "batch_date": NIGHT},
        {"claim_id": "B", "ip_address": "73.1.2.3", "batch_date": NIGHT},
        {"claim_id": "Z", "ip_address": "5.8.1.1", "batch_date": NIGHT - dt.timedelta(days=1)},
    ]
    window = pd.DataFrame(rows).assign(
        filed_at=pd.Timestamp("2026-10-01T14:00:00Z"),
        channel="web",
        device_id=["d1", "d2", "d3"],
        user_agent="Mozilla/5.0",
        session_seconds=600.0,
        ssn_token=["t1", "t2", "t3"],
    )
    out = compute_device_features(window, NIGHT, ip_ranges=None)
    assert out["ip_foreign"].to_dict() == {"A": True, "B": False}


# --- Throwaway mail ---------------------------------------------------------------------------


def test_disposable_domains_come_from_the_maintained_list() -> None:
    listed = set(DISPOSABLE_EMAIL_DOMAINS)
    assert len(listed) > 1_000  # not a hand-typed handful
    assert {"mailinator.com", "guerrillamail.com", "yopmail.com", "mail.tm"} <= listed
    assert not listed & {"gmail.com", "yahoo.com", "outlook.com", "comcast.net", "proton.me"}
