"""Look-back's decisions: fraud decided on another claim that shares something with a paid one.

Fraud decided, after a paid claim's night ended and by the end of the night checked, on
another claim implicates the paid claim when the two share:

* the **person** (``identity_id``: identity resolution found them one claimant);
* the **bank account** the benefits were paid into, the **email address**, the **phone
  number** or the **device** it was filed from: what a fraudster controls and reuses;
* an **address** (residence or mailing, with its ZIP code) that at least
  :data:`ADDRESS_MIN_IDENTITIES` identities gave (the decided claim's, the paid claims' there):
  a drop address or a mail drop, not a couple at home, one of whom was decided fraud.

The SSN is no key here: a claim decided fraud on a stolen SSN says nothing against the SSN's
owner's own claim (a second claim on the same SSN is :data:`LOOKBACK_SSN_REUSE`'s). Each
alert's sentence names what the two claims share and the date of the decision, never the
other claim or its values (the sentence may reach the claimant's notice).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.lake import Lake
from claimscreen.models.lookback_read import claims_parts, matching, queue_parts, rows_of, scores_parts

__all__ = [
    "ADDRESS_MIN_IDENTITIES",
    "DECISION_KEYS",
    "decision_claim_keys",
    "decision_hits",
    "decision_keys",
    "decision_sentence",
]

#: The kinds a fraud decision implicates other claims by, strongest first: kind -> the words
#: of the sentence ("another claim ... was fraud").
DECISION_KEYS: dict[str, str] = {
    "identity_id": "by the same person",
    "bank_account_token": "paid into the same bank account",
    "email_canonical": "giving the same email address",
    "phone_e164": "giving the same phone number",
    "device_id": "filed from the same device",
    "address": "giving the same address",
}
#: Claims columns matched directly (an address is matched by street, then with its ZIP code).
_CLAIM_COLUMNS = ("bank_account_token", "email_canonical", "phone_e164", "device_id")
_ADDRESS_PAIRS = (("address_norm", "zip5"), ("mailing_address_norm", "mailing_zip5"))
#: The fewest identities giving an address for a decision there to implicate a paid claim.
ADDRESS_MIN_IDENTITIES = 3


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {"key_kind": [], "key": [], "street": [], "decided_claim": [], "decided_ssn": [], "decided_at": []},
        dtype="str",
    )


def decision_keys(lake: Lake, nights: list[dt.date], fraud: pd.DataFrame) -> pd.DataFrame:
    """The keys of the claims decided fraud (``fraud``: ``claim_id, decided_at``), one row per
    kind and key: ``key_kind, key, street`` (an address's street, else empty) ``, decided_claim,
    decided_ssn, decided_at``, looked up in the nights' queues, scores and claims."""
    if fraud.empty:
        return _empty()
    ids = pa.array(fraud["claim_id"].astype(str).unique(), pa.string())
    # Where each decided claim was scored: the review queues (small files) hold the claims
    # investigators see; only a claim decided without being queued needs the scores scanned.
    queued = matching(lake, queue_parts(lake, nights), {"claim_id": ids}, ["claim_id", "identity_id"])
    rest = pc.filter(ids, pc.invert(pc.is_in(ids, pa.array(queued["claim_id"].astype(str), pa.string()))))
    scored = rows_of(lake, scores_parts(lake, nights), rest, ["claim_id", "identity_id"])
    located = pd.concat([f for f in (queued, scored) if len(f)] or [queued], ignore_index=True)
    columns = ["claim_id", "ssn_token", *_CLAIM_COLUMNS, *(c for pair in _ADDRESS_PAIRS for c in pair)]
    claims = rows_of(lake, claims_parts(lake, sorted(set(located["first_scored"]))), ids, columns)
    claims = claims.astype({"claim_id": str})
    ssn = (
        claims.drop_duplicates("claim_id").set_index("claim_id")["ssn_token"]
        if "ssn_token" in claims
        else None
    )
    keys = [
        located[["claim_id", "identity_id"]]
        .dropna()
        .set_axis(["decided_claim", "key"], axis=1)
        .assign(key_kind="identity_id")
    ]
    for column in _CLAIM_COLUMNS:
        if column in claims.columns:
            part = claims[["claim_id", column]].dropna().set_axis(["decided_claim", "key"], axis=1)
            keys.append(part.assign(key_kind=column))
    for street, zip5 in _ADDRESS_PAIRS:
        if street in claims.columns and zip5 in claims.columns:
            part = (
                claims[["claim_id", street, zip5]]
                .dropna()
                .set_axis(["decided_claim", "street", "zip"], axis=1)
            )
            keys.append(
                part.assign(key_kind="address", key=part["street"] + "\x1f" + part["zip"]).drop(
                    columns=["zip"]
                )
            )
    keyed = pd.concat(keys, ignore_index=True).astype({"decided_claim": str, "key": str})
    keyed["street"] = keyed["street"].fillna("") if "street" in keyed.columns else ""
    keyed["decided_ssn"] = keyed["decided_claim"].map(ssn) if ssn is not None else None
    times = fraud.rename(columns={"claim_id": "decided_claim"}).astype({"decided_claim": str})
    return keyed.drop_duplicates(["key_kind", "key", "decided_claim"]).merge(times, on="decided_claim")


def decision_claim_keys(decisions: pd.DataFrame) -> dict[str, list[pd.Series]]:
    """The claims-lake columns to match, each with the decided claims' values (an address by its
    street, residence or mailing)."""
    sets: dict[str, list[pd.Series]] = {}
    for column in _CLAIM_COLUMNS:
        sets.setdefault(column, []).append(decisions.loc[decisions["key_kind"] == column, "key"])
    streets = decisions.loc[decisions["key_kind"] == "address", "street"]
    for street, _ in _ADDRESS_PAIRS:
        sets.setdefault(street, []).append(streets)
    return sets


def decision_hits(
    rows: pd.DataFrame, decisions: pd.DataFrame, ends: pd.Series, timezone: str, seen: pd.DataFrame
) -> pd.DataFrame:
    """The paid claims of ``rows`` a fraud decision after their night ended (``ends``: each row's
    night's end, UTC) implicates, one row each with its strongest evidence and ``reason_text``
    (the decision's date in the agency's ``timezone``). ``seen``: the benefit year's claims read
    (any route), whose identities count at an address."""
    rows = rows.assign(_ended=ends.to_numpy())
    hits = []
    for kind in DECISION_KEYS:
        decided = decisions.loc[
            decisions["key_kind"] == kind, ["key", "decided_claim", "decided_ssn", "decided_at"]
        ]
        if kind == "address":
            hits.append(_address_hits(rows, decided, seen))
        elif kind in rows.columns and len(decided):
            pairs = rows.astype({kind: "string"}).merge(
                decided.astype({"key": "string"}), left_on=kind, right_on="key"
            )
            hits.append(pairs.assign(evidence=kind))
    found = pd.concat([h for h in hits if len(h)], ignore_index=True) if any(len(h) for h in hits) else None
    if found is None:
        return rows.iloc[:0].drop(columns=["_ended"]).assign(evidence=[], decided_at=[], reason_text=[])
    later = pd.to_datetime(found["decided_at"], utc=True) > pd.to_datetime(found["_ended"], utc=True)
    found = found.loc[later & (found["decided_claim"] != found["claim_id"].astype(str))]
    order = {kind: i for i, kind in enumerate(DECISION_KEYS)}
    found = found.assign(
        _rank=found["evidence"].map(order), _at=pd.to_datetime(found["decided_at"], utc=True)
    )
    best = found.sort_values(["claim_id", "_rank", "_at"], kind="stable").drop_duplicates("claim_id")
    local = best["_at"].dt.tz_convert(timezone)
    texts = [decision_sentence(k, t) for k, t in zip(best["evidence"], local, strict=True)]
    return best.drop(columns=["_rank", "_at", "_ended", "key"], errors="ignore").assign(reason_text=texts)


def _address_hits(rows: pd.DataFrame, decided: pd.DataFrame, seen: pd.DataFrame) -> pd.DataFrame:
    """Paid claims giving, as residence or mailing address, an address decided fraud on another
    claim, where at least :data:`ADDRESS_MIN_IDENTITIES` identities gave it (the decided claims',
    and those of the benefit year's claims ``seen`` giving it, whatever their route)."""
    if decided.empty:
        return rows.iloc[:0]
    found, givers = [], [decided[["key", "decided_ssn"]].set_axis(["key", "who"], axis=1)]
    for street, zip5 in _ADDRESS_PAIRS:
        if street in rows.columns and zip5 in rows.columns:
            key = rows[street].astype("string") + "\x1f" + rows[zip5].astype("string")
            found.append(
                rows.assign(key=key).dropna(subset=["key"]).merge(decided.astype({"key": "string"}), on="key")
            )
        if street in seen.columns and zip5 in seen.columns and "ssn_token" in seen.columns:
            key = seen[street].astype("string") + "\x1f" + seen[zip5].astype("string")
            givers.append(pd.DataFrame({"key": key, "who": seen["ssn_token"]}).dropna())
    if not found:
        return rows.iloc[:0]
    pairs = pd.concat(found, ignore_index=True)
    who = pd.concat(givers, ignore_index=True).astype({"key": "string", "who": "string"}).drop_duplicates()
    identities = pairs["key"].map(who.groupby("key").size()).fillna(0)
    return pairs.loc[identities.to_numpy() >= ADDRESS_MIN_IDENTITIES].assign(evidence="address")


def decision_sentence(kind: str, decided_at: pd.Timestamp) -> str:
    """An alert's sentence: what the paid claim shares with the claim decided fraud, and when."""
    return (
        f"After this claim was paid, investigators decided on {decided_at:%Y-%m-%d} that another claim "
        f"{DECISION_KEYS[kind]} was fraud."
    )
