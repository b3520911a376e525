"""Reason codes per claim: the strongest contributing signals first, in plain language.

A delayed claim (``verify`` or ``review``) lists the evidence that fires on it
(:mod:`claimscreen.models.evidence`): hard evidence first, then every other
signal by how much it adds to the claim's risk (its contribution, measured by
switching it off), then ``MODEL_PATTERN`` when the supervised model, beyond any
one named signal, raised the score. At most :data:`MAX_REASONS`. Each code
comes with its sentence filled in with the claim's own figures, e.g. "In that
group, one bank account is paid for 14 different Social Security numbers."

A ``clear`` claim has no reasons: nothing is held against it.
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np
import pandas as pd

from claimscreen.models.evidence import BY_CODE, EVIDENCE, MODEL_CODE, MODEL_TEXT, RULE_CODES

__all__ = ["reasons_for", "sentence"]

MAX_REASONS = 6
#: A signal that adds less than this to the risk's log-odds is not named (unless nothing else is).
MIN_CONTRIBUTION = 0.05

_KIND_WORDS = {
    "bank_account": "a bank account",
    "device": "a device",
    "ip": "an internet address",
    "email": "an email mailbox",
    "phone": "a phone number",
    "address": "an address",
}
_ACTOR_WORDS = {
    "bank_account": "bank account",
    "email": "email",
    "phone": "phone number",
    "ip_address": "internet address",
    "device_id": "device",
    "address": "address",
}


def _words(value: Any, vocabulary: dict[str, str], fallback: str) -> str:
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    words = [vocabulary.get(k, k.replace("_", " ")) for k in text.split(";") if k]
    if not words:
        return fallback
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def sentence(code: str, row: dict[str, Any]) -> str:
    """The plain-language sentence of ``code`` for one claim's features."""
    if code == MODEL_CODE:
        return MODEL_TEXT
    values = dict(row)
    values["ring_shared_kinds"] = _words(row.get("ring_shared_kinds"), _KIND_WORDS, "identifiers")
    values["suspicious_actor_kinds"] = _words(row.get("suspicious_actor_kinds"), _ACTOR_WORDS, "identifier")
    for key, value in values.items():
        if isinstance(value, float) and math.isnan(value):
            values[key] = 0.0
        elif isinstance(value, np.generic):
            values[key] = value.item()
    try:
        return BY_CODE[code].text.format(**values)
    except (KeyError, ValueError, TypeError):
        # A figure the sentence needs is missing: say it without the number.
        return BY_CODE[code].text.split("{")[0].rstrip() or code


def reasons_for(
    features: pd.DataFrame,
    evidence: pd.DataFrame,
    contributions: pd.DataFrame,
    model_added: np.ndarray,
    rows: np.ndarray,
) -> tuple[list[str], list[list[str]]]:
    """Reason codes (``;``-joined) and their sentences for the claims at positions ``rows``."""
    fires = evidence.to_numpy(dtype=bool)
    strength = contributions.reindex(columns=evidence.columns).to_numpy(dtype="float64")
    names = [str(c) for c in evidence.columns]
    rule_at = [names.index(c) for c in RULE_CODES]
    chosen: list[list[str]] = []
    for i in rows:
        rules = [names[j] for j in rule_at if fires[i, j]]
        candidates = [(float(strength[i, j]), names[j]) for j in np.flatnonzero(fires[i])]
        candidates = [pair for pair in candidates if pair[1] not in rules]
        if model_added[i] >= MIN_CONTRIBUTION:
            candidates.append((float(model_added[i]), MODEL_CODE))
        candidates.sort(key=lambda pair: (-pair[0], pair[1]))
        named = [code for value, code in candidates if value >= MIN_CONTRIBUTION]
        if not rules and not named:
            # Every signal is small on its own: name the strongest rather than nothing.
            named = [code for _, code in candidates[:1]] or [MODEL_CODE]
        chosen.append((rules + named)[:MAX_REASONS])
    texts = _sentences(features.iloc[rows].reset_index(drop=True), chosen)
    return [";".join(codes) for codes in chosen], texts


def _sentences(features: pd.DataFrame, chosen: list[list[str]]) -> list[list[str]]:
    """Each claim's sentences, filled in code by code from only the columns a sentence needs."""
    wanted: dict[str, list[int]] = {}
    for position, codes in enumerate(chosen):
        for code in codes:
            wanted.setdefault(code, []).append(position)
    filled: dict[tuple[int, str], str] = {}
    for code, positions in wanted.items():
        fields = _fields(code)
        part = features.iloc[positions]
        records = part[[f for f in fields if f in part.columns]].to_dict("records")
        for position, record in zip(positions, records, strict=True):
            filled[(position, code)] = sentence(code, {str(k): v for k, v in record.items()})
    return [[filled[(position, code)] for code in codes] for position, codes in enumerate(chosen)]


def _fields(code: str) -> list[str]:
    if code == MODEL_CODE:
        return []
    return [name for _, name, _, _ in string.Formatter().parse(BY_CODE[code].text) if name]


def all_codes() -> list[str]:
    return [e.code for e in EVIDENCE] + [MODEL_CODE]
