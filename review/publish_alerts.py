"""Publish what arrived about claims after their night: look-back alerts and verification
outcomes (issue #20; see :mod:`claimscreen.review.publish` for the rules).

:func:`publish_lookback` puts each newly implicated paid claim of the night's
``lake/lookback/batch_date=D/alerts.parquet`` in the queue (a case of its own marked "paid:
possible overpayment", or the evidence added to the case that holds it);
:func:`publish_outcomes` copies the imported verification outcomes of the claims under
review. Both run inside :func:`~claimscreen.review.publish.publish_night`'s transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, insert, select, update

from claimscreen.data.lake import Lake
from claimscreen.models.lookback import LOOKBACK_REASONS, alerts_path
from claimscreen.models.verification import read_outcomes
from claimscreen.review.db import (
    audit_events,
    case_claims,
    case_reasons,
    case_search,
    cases,
    claims,
    lookback_alerts,
    verification_outcomes,
)
from claimscreen.review.publish_cases import (
    DISPLAY_COLUMNS,
    existing_values,
    in_chunks,
    insert_claims,
    insert_reasons,
    sort_key,
    stored_ring_sizes,
)
from claimscreen.review.search import claim_terms

__all__ = ["LOOKBACK_VERSION", "publish_lookback", "publish_outcomes"]

#: The model_version a look-back claim's case_claims row carries (it was not queued by a model).
LOOKBACK_VERSION = "lookback"
_ORDER = {code: i for i, code in enumerate(LOOKBACK_REASONS)}
#: Reads the rows of one claims part whose claim_id is wanted (path, wanted ids, columns); the
#: lake reader :func:`claimscreen.review.publish._wanted_rows`.
RowsReader = Callable[[Path, set[str], list[str]], pa.Table | None]


def publish_lookback(
    conn: Connection, lake: Lake, night: dt.date, stamp: dt.datetime, wanted_rows: RowsReader
) -> dict[str, int]:
    """Publish the night's look-back alerts (none when its look-back did not run): counts of the
    new claim and reason pairs, the cases opened, and the existing cases the evidence joined.
    ``wanted_rows`` reads the claims the database lacks from the lake's claims parts."""
    path = alerts_path(lake, night)
    counts = {"lookback_alerts": 0, "lookback_cases_opened": 0, "lookback_cases_joined": 0}
    if not path.exists():
        return counts
    alerts = lake.read_table(path).to_pandas()
    if alerts.empty:
        return counts
    alerts["claim_id"] = alerts["claim_id"].astype(str)
    known = _known_pairs(conn, sorted(set(alerts["claim_id"])))
    new = alerts[[(c, r) not in known for c, r in zip(alerts["claim_id"], alerts["reason"], strict=True)]]
    if new.empty:
        return counts
    shown = _claims_shown(conn, lake, new, wanted_rows)
    new = new[new["claim_id"].isin(shown)]
    new = new.assign(_order=new["reason"].map(_ORDER).fillna(len(_ORDER))).sort_values(
        ["claim_id", "_order"], kind="stable"
    )
    rows = [
        {
            "claim_id": r.claim_id, "reason": str(r.reason), "reason_text": str(r.reason_text),
            "first_scored": r.first_scored, "flagged_on": r.flagged_on, "published_at": stamp,
        }
        for r in new.itertuples()
    ]  # fmt: skip
    for chunk in in_chunks(rows):
        conn.execute(insert(lookback_alerts), chunk)
    in_cases = _cases_of(conn, sorted(set(new["claim_id"])))
    fresh = sorted(c for c in set(new["claim_id"]) if c not in in_cases)
    terms = dict(zip(fresh, claim_terms(shown[c] for c in fresh), strict=True))  # one batch
    opening: list[_Opening] = []
    joined = 0
    for claim_id, group in new.groupby("claim_id", sort=True):
        codes = [str(c) for c in group["reason"]]
        texts = [str(t) for t in group["reason_text"]]
        if claim_id in in_cases:
            _join_case(conn, in_cases[str(claim_id)], str(claim_id), codes, texts, night, stamp)
            joined += 1
        else:
            claim = shown[str(claim_id)]
            opening.append(_Opening(claim, terms[str(claim_id)], group.iloc[0], codes, texts))
    _open_cases(conn, opening, night, stamp)
    return {
        "lookback_alerts": len(rows),
        "lookback_cases_opened": len(opening),
        "lookback_cases_joined": joined,
    }


def _known_pairs(conn: Connection, claim_ids: list[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for chunk in in_chunks(claim_ids):
        query = select(lookback_alerts.c.claim_id, lookback_alerts.c.reason).where(
            lookback_alerts.c.claim_id.in_(chunk)
        )
        found.update((str(c), str(r)) for c, r in conn.execute(query))
    return found


def _claims_shown(
    conn: Connection, lake: Lake, alerts: pd.DataFrame, wanted_rows: RowsReader
) -> dict[str, dict[str, Any]]:
    """The alerts' claims as the database holds them (name, filing time), copied from the lake
    (the claims of their own nights) when it does not hold them yet."""
    ids = sorted(set(alerts["claim_id"]))
    present = existing_values(conn, claims.c.claim_id, ids)
    missing = [c for c in ids if c not in present]
    if missing:
        first = alerts.drop_duplicates("claim_id").set_index("claim_id")
        scored_on = first["first_scored"].to_dict()
        nights = sorted({scored_on[c] for c in missing})
        columns = [c for c in DISPLAY_COLUMNS]
        wanted = set(missing)
        tables = [
            t
            for night in nights
            for p in lake.committed_parts("claims", night, night)
            if (t := wanted_rows(p, wanted, columns)) is not None
        ]
        if tables:
            window = pa.concat_tables(tables, promote_options="default").to_pandas()
            window = window.reindex(columns=columns).drop_duplicates("claim_id", keep="last")
            window["claim_id"] = window["claim_id"].astype(str)
            window["identity_id"] = window["claim_id"].map(first["identity_id"]).fillna("unknown")
            window["ring_id"] = window["claim_id"].map(first["ring_id"])
            insert_claims(conn, window)
    shown: dict[str, dict[str, Any]] = {}
    for chunk in in_chunks(ids):
        query = select(
            claims.c.claim_id, claims.c.filed_at, claims.c.first_name, claims.c.last_name, claims.c.ring_id,
            claims.c.email, claims.c.phone_e164, claims.c.ssn_last4,
        ).where(claims.c.claim_id.in_(chunk))  # fmt: skip
        shown.update((str(r.claim_id), dict(r._mapping)) for r in conn.execute(query))
    return shown


def _cases_of(conn: Connection, claim_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in in_chunks(claim_ids):
        query = select(case_claims.c.claim_id, case_claims.c.case_id).where(case_claims.c.claim_id.in_(chunk))
        found.update((str(c), int(k)) for c, k in conn.execute(query))
    return found


@dataclass(frozen=True)
class _Opening:
    """A paid claim that gets a case of its own: the claim as the database holds it, its search
    terms, its first alert row (night scored, risk) and the alerts' codes and sentences."""

    claim: dict[str, Any]
    terms: set[str]
    alert: Any
    codes: list[str]
    texts: list[str]


def _open_cases(conn: Connection, opening: list[_Opening], night: dt.date, stamp: dt.datetime) -> None:
    """A case of its own for each paid claim of ``opening``, in order (route ``clear``: it was
    paid; aging from ``night``), written in a fixed number of bulk statements."""
    if not opening:
        return
    rings = [
        o.claim["ring_id"] if isinstance(o.claim["ring_id"], str) and o.claim["ring_id"] else None
        for o in opening
    ]
    sizes = stored_ring_sizes(conn, sorted({r for r in rings if r}))
    risks = [0.0 if pd.isna(o.alert["risk_score"]) else float(o.alert["risk_score"]) for o in opening]
    keys = [sort_key(risk, night) for risk in risks]
    values = [
        {
            "case_key": f"lookback:{o.claim['claim_id']}", "status": "open", "ring_id": ring_id,
            "ring_size": sizes.get(ring_id, 1) if ring_id else 1, "claims": 1,
            "risk_score": risk, "priority": risk, "sort_key": key, "night": night,
            "first_filed_at": o.claim["filed_at"], "route": "clear", "audit_sample": False,
            "reason_codes": ";" + "".join(f"{c};" for c in o.codes), "first_reason": o.texts[0],
            "opened_at": stamp, "updated_at": stamp, "lookback": True, "lookback_on": night,
            "claimant": " ".join(str(o.claim[k]) for k in ("first_name", "last_name") if o.claim[k])[:260],
        }
        for o, ring_id, risk, key in zip(opening, rings, risks, keys, strict=True)
    ]  # fmt: skip
    ids: list[int] = []
    for chunk in in_chunks(values):
        result = conn.execute(insert(cases).returning(cases.c.id, sort_by_parameter_order=True), chunk)
        ids.extend(int(case_id) for case_id in result.scalars())
    members = [
        {
            "claim_id": o.claim["claim_id"], "case_id": case_id, "batch_date": o.alert["first_scored"],
            "route": "clear", "audit_sample": False, "risk_score": risk, "priority": risk,
            "reasons": ";".join(o.codes), "reason_text": o.texts, "model_version": LOOKBACK_VERSION,
            "published_at": stamp,
        }
        for o, case_id, risk in zip(opening, ids, risks, strict=True)
    ]  # fmt: skip
    for chunk in in_chunks(members):
        conn.execute(insert(case_claims), chunk)
    insert_reasons(
        conn,
        [
            (case_id, "open", key, o.codes, [o.terms])
            for o, case_id, key in zip(opening, ids, keys, strict=True)
        ],
    )


def _join_case(
    conn: Connection,
    case_id: int,
    claim_id: str,
    codes: list[str],
    texts: list[str],
    night: dt.date,
    stamp: dt.datetime,
) -> None:
    """New look-back evidence on a claim already in a case: its reasons grow, the case is marked a
    look-back alert, and a closed case is reopened (the system's act, audited)."""
    case = dict(conn.execute(select(cases).where(cases.c.id == case_id)).mappings().one())
    held = dict(
        conn.execute(
            select(case_claims.c.reasons, case_claims.c.reason_text).where(case_claims.c.claim_id == claim_id)
        )
        .mappings()
        .one()
    )
    old_codes = [c for c in str(held["reasons"]).split(";") if c]
    conn.execute(
        update(case_claims)
        .where(case_claims.c.claim_id == claim_id)
        .values(
            reasons=";".join(dict.fromkeys([*old_codes, *codes])),
            reason_text=list(dict.fromkeys([*(held["reason_text"] or []), *texts])),
        )
    )
    case_codes = [c for c in str(case["reason_codes"]).split(";") if c]
    added = [c for c in codes if c not in case_codes]
    status = "open" if case["status"] == "closed" else str(case["status"])
    conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(
            reason_codes=";" + "".join(f"{c};" for c in [*case_codes, *added]),
            lookback=True,
            lookback_on=night,
            status=status,
            updated_at=stamp,
            version=cases.c.version + 1,
        )
    )
    if status != case["status"]:
        conn.execute(update(case_reasons).where(case_reasons.c.case_id == case_id).values(status=status))
        conn.execute(update(case_search).where(case_search.c.case_id == case_id).values(status=status))
        conn.execute(
            insert(audit_events).values(
                at=stamp,
                username=None,
                action="reopened",
                case_id=case_id,
                claim_id=claim_id,
                before={"status": case["status"]},
                after={"status": status, "why": "look-back evidence"},
            )
        )
    rows = [{"case_id": case_id, "code": c, "status": status, "sort_key": case["sort_key"]} for c in added]
    if rows:
        conn.execute(insert(case_reasons), rows)


def publish_outcomes(conn: Connection, home: Path) -> int:
    """Copy the verification outcomes of the claims under review that the database lacks;
    returns how many."""
    outcomes = read_outcomes(home)
    if outcomes.empty:
        return 0
    outcomes = outcomes.assign(claim_id=outcomes["claim_id"].astype(str))
    held = existing_values(conn, case_claims.c.claim_id, sorted(set(outcomes["claim_id"])))
    outcomes = outcomes[outcomes["claim_id"].isin(held)]
    if outcomes.empty:
        return 0
    known: set[tuple[str, str, dt.datetime, str, str]] = set()
    for chunk in in_chunks(sorted(held)):
        t = verification_outcomes
        query = select(t.c.claim_id, t.c.check, t.c.decided_at, t.c.outcome, t.c.provider).where(
            t.c.claim_id.in_(chunk)
        )
        known.update((str(a), str(b), c, str(d), str(e)) for a, b, c, d, e in conn.execute(query))
    rows = []
    times = pd.to_datetime(outcomes["decided_at"], utc=True).dt.to_pydatetime()
    for r, at in zip(outcomes.itertuples(), times, strict=True):
        key = (str(r.claim_id), str(r.check), at, str(r.outcome), str(r.provider)[:128])
        if key not in known:
            known.add(key)
            rows.append(
                dict(zip(("claim_id", "check", "decided_at", "outcome", "provider"), key, strict=True))
            )
    for chunk in in_chunks(rows):
        conn.execute(insert(verification_outcomes), chunk)
    return len(rows)
