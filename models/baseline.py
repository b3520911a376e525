"""The rules-only baseline: the shared-identifier count rules a state runs today.

A claim is held when one of its identifiers was used by too many different
SSNs in the last ``days`` days (tonight included), or when a hard-evidence list
matches (death, incarceration, bad actors, other states, impossible SSNs).
Nothing else: no rings, no model. claimscreen must beat it on both the honest
clear rate and the fraud catch rate (bench/quality.py prints them side by side).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from claimscreen.models.evidence import RULE_CODES, evidence_matrix, rule_hits

__all__ = ["BASELINE_COLUMNS", "baseline_flags", "baseline_routes"]

#: Identifier column -> most different SSNs that may share a value before a claim is held.
SHARED_LIMITS: dict[str, int] = {
    "bank_account_token": 2,
    "device_id": 2,
    "email_canonical": 2,
    "phone_e164": 2,
    "ip_address": 4,
    "address_norm": 4,
}
BASELINE_COLUMNS = ("claim_id", "batch_date", "ssn_token", *SHARED_LIMITS)


def baseline_flags(
    window: pd.DataFrame, features: pd.DataFrame, night: dt.date, days: int = 30
) -> pd.DataFrame:
    """For each claim of ``night`` (rows of ``features``): ``held`` and which rule held it.

    ``window`` holds claims (BASELINE_COLUMNS) of at least the ``days`` nights up to ``night``."""
    dates = pd.to_datetime(window["batch_date"]).dt.date
    recent = window[(dates > night - dt.timedelta(days=days)) & (dates <= night)]
    tonight = features[["claim_id"]].merge(recent, on="claim_id", how="left")
    out = pd.DataFrame(index=features.index)
    for column, limit in SHARED_LIMITS.items():
        people = recent.dropna(subset=[column]).groupby(column)["ssn_token"].nunique()
        counts = tonight[column].map(people).fillna(0).to_numpy()
        out[column] = counts > limit
    hard = evidence_matrix(features)
    out["hard_evidence"] = rule_hits(hard[list(RULE_CODES)])
    out["held"] = np.asarray(out.to_numpy(dtype=bool).any(axis=1), dtype=bool)
    return out


def baseline_routes(flags: pd.DataFrame) -> np.ndarray:
    """``review`` for every held claim (the baseline has no other route)."""
    return np.where(flags["held"].to_numpy(), "review", "clear").astype(object)
