"""A plain-language draft notice to a claimant whose claim is sent to verification or found fraud.

Due process: no claim is denied without notice and a chance to answer. The draft
lists the reasons in plain words and says how to respond; staff review and send it
through the agency's usual mail or portal (the application never sends it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

RESPONSE_DAYS = 10
NOTICE_OUTCOMES = ("needs_verification", "fraud")


@dataclass(frozen=True)
class Notice:
    claim_id: str
    addressee: str
    address: list[str]
    dated: dt.date
    respond_by: dt.date
    kind: str  # needs_verification or fraud
    reasons: list[str]
    filed_on: dt.date


def draft_notice(claim: dict[str, Any], outcome: str, today: dt.date) -> Notice:
    """The notice for one claim (``claim``: display fields and ``reason_text``)."""
    name = " ".join(
        p for p in (claim.get("first_name"), claim.get("middle_name"), claim.get("last_name")) if p
    )
    city = ", ".join(
        p for p in (claim.get("city"), f"{claim.get('state') or ''} {claim.get('zip5') or ''}".strip()) if p
    )
    address = [p for p in (claim.get("address_line1"), claim.get("address_line2"), city) if p]
    reasons = list(claim.get("reason_text") or []) or ["Some details of your claim could not be confirmed."]
    return Notice(
        claim_id=claim["claim_id"],
        addressee=name,
        address=address,
        dated=today,
        respond_by=today + dt.timedelta(days=RESPONSE_DAYS),
        kind=outcome,
        reasons=reasons,
        filed_on=claim["filed_at"].date(),
    )
