"""Evaluation, as it was imported before issue #21 split it: the figures and fairness
(:mod:`claimscreen.models.metrics`), the promotion gate's checks
(:mod:`claimscreen.models.promotion`) and the HTML report (:mod:`claimscreen.models.report`).

New code imports from those modules; this one keeps the old names working.
"""

from __future__ import annotations

from claimscreen.models.metrics import (
    AGE_BANDS,
    DEFAULT_GOALS,
    Chance,
    Evaluation,
    GroupFairness,
    age_band,
    compare,
    evaluate,
)
from claimscreen.models.promotion import Check, fairness_checks, fairness_gate
from claimscreen.models.report import write_report

__all__ = [
    "AGE_BANDS",
    "DEFAULT_GOALS",
    "Chance",
    "Check",
    "Evaluation",
    "GroupFairness",
    "age_band",
    "compare",
    "evaluate",
    "fairness_checks",
    "fairness_gate",
    "write_report",
]
