"""Hand-made claims in lake form, for the ring and sharing tests: each claim's identifiers are
its own unless a test says otherwise."""

from __future__ import annotations

from typing import Any

import pandas as pd

START = pd.Timestamp("2026-10-01T12:00:00Z")


def claim(claim_id: str, day: float = 0, **changes: Any) -> dict[str, Any]:
    """One claim filed ``day`` days after :data:`START`, with identifiers of its own unless changed."""
    filed_at = START + pd.Timedelta(days=day)
    row: dict[str, Any] = {
        "claim_id": claim_id,
        "batch_date": filed_at.date(),
        "filed_at": filed_at,
        "ssn_token": f"ssn-{claim_id}",
        "last_name_norm": f"NAME{claim_id}",
        "bank_account_token": f"acct-{claim_id}",
        "device_id": f"dev-{claim_id}",
        "ip_address": f"ip-{claim_id}",
        "email_canonical": f"{claim_id.lower()}@example.com",
        "phone_e164": f"+1614{claim_id}",
        "address_norm": f"{claim_id} OAK ST",
        "zip5": "43004",
        "mailing_address_norm": None,
        "mailing_zip5": None,
        "employer_ein": "311234567",
    }
    row.update(changes)
    return row


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a claims window: text columns as ``str``, filing times in UTC."""
    claims = pd.DataFrame(rows)
    for column in claims.columns.drop(["batch_date", "filed_at"]):
        claims[column] = claims[column].astype("str")
    claims["filed_at"] = pd.to_datetime(claims["filed_at"], utc=True)
    return claims
