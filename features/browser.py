"""The browser a claim was filed from: how far behind the current release its version is.

:func:`compute_browser_features` reads tonight's ``user_agent`` and ``channel`` and returns
one row per claim, indexed by ``claim_id``, with exactly the columns of :data:`FEATURES`.

A user agent is parsed by :mod:`ua_parser` (the uap-core rules that browser-statistics
services maintain; the Rust resolver, ``ua-parser-rs``, when installed) into a browser
family (``Chrome``, ``Mobile Safari``, ``Samsung Internet``...) and a major version,
once per distinct user agent: a night of a million claims carries a few thousand.

**How old is a version?** No release calendar is kept here. The current major version
of each family is read off tonight's claims themselves: the :data:`CURRENT_QUANTILE`
quantile of the family's major versions, over at least :data:`MIN_FAMILY_CLAIMS` claims
(a handful of forged ``Chrome/999`` agents cannot move it). The gap in major versions
becomes years by the family's release pace (:data:`RELEASES_PER_YEAR`: Chromium and
Firefox ship a major version every four weeks, Safari once a year). A family of the
retired list (Internet Explorer) is stale whatever its version.

**What it cannot see.** A user agent is what the client *says*: a fraud tool that copies
a current browser's string is not stale, and automation shows here only if it keeps an
old string (many scripts do: a hard-coded ``Chrome/108``). Honest claimants on old
computers (Windows 7 stopped at Chrome 109) and old phones (iOS 12) are stale too: the
signal is a model input with a modest cold-start weight, never hard evidence, and the
fairness report by age band watches it. Phone and in-person claims, a missing or
unparsable agent and a family of unknown pace give NaN years and ``browser_stale`` False.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import ua_parser

from claimscreen.features.catalog import Feature, check_unique
from claimscreen.features.codes import encode_column
from claimscreen.features.device import ONLINE_CHANNELS

__all__ = ["FEATURES", "MIN_FAMILY_CLAIMS", "compute_browser_features"]

#: Major versions released per year, by ua-parser family (the families of nearly all traffic).
RELEASES_PER_YEAR: dict[str, float] = {
    **dict.fromkeys(
        (
            "Chrome", "Chrome Mobile", "Chrome Mobile iOS", "Chrome Mobile WebView", "Chromium",
            "Edge", "Edge Mobile", "Firefox", "Firefox Mobile", "Firefox iOS", "Opera", "Opera Mobile",
            "Brave", "Vivaldi", "HeadlessChrome",
        ),
        13.0,
    ),
    "Samsung Internet": 4.0,
    "Safari": 1.0,
    "Mobile Safari": 1.0,
    "Mobile Safari UI/WKWebView": 1.0,
}  # fmt: skip
#: Families no longer released at all: stale whatever their version.
RETIRED_FAMILIES: frozenset[str] = frozenset({"IE", "IE Mobile", "Edge Mobile Legacy"})
#: A version this many years behind its family's current one is stale.
STALE_YEARS = 1.5
#: The quantile of tonight's major versions of a family taken as its current version.
CURRENT_QUANTILE = 0.99
#: Claims of a family tonight needed to read its current version (fewer: NaN years).
MIN_FAMILY_CLAIMS = 20

FEATURES: tuple[Feature, ...] = check_unique(
    (
        Feature(
            "browser_years_behind",
            "float64",
            "How many years the browser's version is behind its current release (blank if unknown).",
            "device",
        ),
        Feature(
            "browser_stale",
            "bool",
            f"The browser is {STALE_YEARS:g} years or more out of date, or retired (Internet Explorer).",
            "device",
        ),
    )
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


@functools.cache
def _parser() -> ua_parser.Parser:
    """The user-agent parser, built on first use (loading and compiling the rules takes ~1 s)."""
    return ua_parser.Parser(ua_parser.BestAvailableResolver(ua_parser.load_builtins()))


def compute_browser_features(claims: pd.DataFrame) -> pd.DataFrame:
    """The :data:`FEATURES` of ``claims`` (tonight's rows: claim_id, user_agent, channel), by claim_id."""
    index = pd.Index(claims["claim_id"], name="claim_id")
    online = claims["channel"].astype("str").isin(ONLINE_CHANNELS)
    agent = claims["user_agent"].astype("str").where(online.to_numpy(dtype=bool))
    years, stale = browser_age(agent)
    return pd.DataFrame({"browser_years_behind": years, "browser_stale": stale}, index=index)


def browser_age(user_agent: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Years behind the family's current version (NaN: unknown), and stale, of each user agent."""
    encoded = encode_column(user_agent.astype("str"))
    distinct = [parse_browser(ua) for ua in encoded.values.to_pylist()] + [("", np.nan)]
    codes = encoded.codes.astype(np.int64)
    family_codes, families = pd.factorize(pd.Series([f for f, _ in distinct], dtype="str"))
    major = np.array([m for _, m in distinct], dtype=np.float64)
    per_claim_family, per_claim_major = family_codes[codes], major[codes]
    current = current_versions(per_claim_family, per_claim_major, len(families))
    pace = np.array([RELEASES_PER_YEAR.get(f, np.nan) for f in families], dtype=np.float64)
    retired = np.array([f in RETIRED_FAMILIES for f in families], dtype=bool)
    behind = np.maximum(current[per_claim_family] - per_claim_major, 0.0) / pace[per_claim_family]
    stale = retired[per_claim_family] | (np.nan_to_num(behind, nan=0.0) >= STALE_YEARS)
    return behind, stale


def current_versions(family: np.ndarray, major: np.ndarray, n_families: int) -> np.ndarray:
    """Each family's current major version: a high quantile over its claims (NaN if too few)."""
    out = np.full(n_families, np.nan)
    known = ~np.isnan(major)
    frame = pd.DataFrame({"family": family[known], "major": major[known]})
    grouped = frame.groupby("family")["major"]
    enough = grouped.size() >= MIN_FAMILY_CLAIMS
    quantiles = grouped.quantile(CURRENT_QUANTILE, interpolation="lower")[enough]
    out[quantiles.index.to_numpy(dtype=np.int64)] = quantiles.to_numpy(dtype=np.float64)
    return out


def parse_browser(user_agent: str | None) -> tuple[str, float]:
    """The browser family and major version of one user agent ("" and NaN if not recognized)."""
    if not user_agent:
        return "", np.nan
    parsed = _parser().parse_user_agent(user_agent)
    if parsed is None:
        return "", np.nan
    major = parsed.major or ""
    return parsed.family, float(major) if major.isdigit() else np.nan
