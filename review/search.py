"""Queue search: the terms a claim can be found by, and the terms a search box query asks for.

A case is found by any of its claims' claim id, claimant name (by the same matching key the
identity resolution folds names to: upper-case romanized letters, so ``josé`` finds ``José``
and ``nguyen`` finds ``Nguyễn``), phone number, email address and SSN last four. The terms
are written at publish into the indexed table ``case_search`` (one row per case and term,
with the case's status and queue order), so a search is an index range read in queue order.

A full SSN is never searched: a query of nine digits finds nothing (and the application
keeps search queries out of its access log).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from claimscreen.data.normalize import canonical_email, normalize_name

__all__ = ["claim_terms", "query_terms", "search_rows"]

#: The longest query read (the queue's filters' bound).
MAX_QUERY = 64
_SEPARATORS = re.compile(r"[\s().\-+*]")
_PLAIN = re.compile(r"[A-Za-z ]+")


def claim_terms(claims: Iterable[Mapping[str, Any]]) -> list[set[str]]:
    """The search terms of each claim (a mapping with claim_id, first_name, last_name, email,
    phone_e164 and ssn_last4), in order; names and emails are normalized in one batch."""
    records = list(claims)
    if not records:
        return []
    column = lambda name: pd.Series([_text(r.get(name)) for r in records], dtype=object)  # noqa: E731
    firsts, lasts = normalize_name(column("first_name")), normalize_name(column("last_name"))
    emails = canonical_email(column("email"))
    out = []
    for record, first, last, email in zip(records, firsts, lasts, emails, strict=True):
        terms = {f"c:{str(record['claim_id']).upper()}"}
        first, last = _text(first), _text(last)
        for part in (*first.split(), *last.split(), first, last):
            terms.add(f"n:{part}")
        if first and last:
            terms.update({f"n:{first} {last}", f"n:{last} {first}"})
        raw_email = _text(record.get("email")).lower()
        terms.update(f"e:{e}" for e in (raw_email, _text(email)) if e)
        phone = re.sub(r"\D", "", _text(record.get("phone_e164")))
        if len(phone) >= 7:
            terms.add(f"p:{phone[-10:]}")
        ssn4 = _text(record.get("ssn_last4"))
        if len(ssn4) == 4 and ssn4.isdigit():
            terms.add(f"s:{ssn4}")
        terms.discard("n:")
        out.append({t[:300] for t in terms})
    return out


def query_terms(query: str) -> tuple[list[str], str]:
    """The terms a query asks for, and what kind of query it is: "ssn" (last four), "phone",
    "email", "text" (claim id or name), "full_ssn" (nine digits: refused, no term) or ""."""
    query = query.strip()[:MAX_QUERY]
    if not query:
        return [], ""
    digits = _SEPARATORS.sub("", query)
    if digits.isdigit():
        if len(digits) == 9:
            return [], "full_ssn"
        if len(digits) == 4:
            return [f"s:{digits}", f"c:{digits}"], "ssn"
        if 10 <= len(digits) <= 15:
            return [f"p:{digits[-10:]}", f"c:{digits}"], "phone"
        return [f"c:{digits}"], "text"
    if "@" in query:
        email = _text(canonical_email(pd.Series([query], dtype=object)).iloc[0])
        return sorted({f"e:{query.lower()}", *([f"e:{email}"] if email else [])}), "email"
    if _PLAIN.fullmatch(query):  # what normalize_name makes of plain letters, without its cost
        name = " ".join(query.upper().split())
    else:
        name = _text(normalize_name(pd.Series([query], dtype=object)).iloc[0])
    terms = [f"c:{query.upper()}"]
    if name:
        terms.append(f"n:{name}")
    return terms, "text"


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def search_rows(
    cases_terms: Iterable[tuple[int, str, float, Iterable[set[str]]]],
) -> list[dict[str, Any]]:
    """``case_search`` rows: ``cases_terms`` holds (case id, status, sort key, its claims' terms)."""
    return [
        {"case_id": case_id, "term": term, "status": status, "sort_key": key}
        for case_id, status, key, terms in cases_terms
        for term in sorted(set().union(*terms))
    ]
