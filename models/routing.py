"""Routing: turn risk scores into work for people, within what the agency can do.

Two settings a state understands decide the thresholds (``[scoring]`` in
settings.toml): ``review_capacity``, the claims investigators can review in a
night, and ``max_honest_delay_share``, the largest share of honest claimants
that may wait (``verify`` or ``review``). The policy, in order:

1. **Hard evidence** (a rule fired) goes to ``review``, always, capacity or not.
2. **Rings**: a ring is *flagged* when one of tonight's members has hard
   evidence or its strongest member scores ``min_review_score`` or more.
   Flagged rings, strongest first, go to ``review`` whole, tonight's members
   together as one case, while capacity lasts; a flagged ring that no longer
   fits goes to ``verify`` (its claimants are asked to prove who they are).
3. **Single claims** scoring ``min_review_score`` or more go to ``review``,
   riskiest first, while capacity lasts; the rest of them to ``verify``.
4. Claims scoring ``min_verify_score`` or more go to ``verify``, riskiest first,
   while the estimated honest claimants delayed stay within
   ``max_honest_delay_share`` of the estimated honest claimants of the night.
   A claim's chance of being honest is estimated as ``1 - risk``.
   **A claim on which no named signal fires** (no hard evidence, no cold-start
   signal, none the model learned; its reason would be "resembles confirmed
   fraud" alone) is delayed, in steps 3 and 4, only when it scores
   ``min_model_only_score`` or more. A *weak* signal (a phone or mailing
   address abroad, a number tied to no place: honest claimants with family
   abroad show them) is listed among the reasons but does not count as named.
   A delay has to be explained to the claimant, and the model's confidence
   below that is not to be trusted alone: its labels come from investigations
   that chose night filers far more often than others
   (selective labels), so it overrates an ordinary online claim filed at night.
   On the quality benchmark (seed 12) the claims it delayed alone between 0.5 and
   0.8 were 1,223 honest claimants and 33 frauds (2.6%); and because only online
   claims carry the device data such a pattern needs, and older claimants file
   by telephone more, those delays fell on the under-65s at twice the rate.
5. Everyone else is ``clear``: paid without delay. Of them, a seeded random
   ``audit_share`` is drawn for an audit *after* payment: nobody is delayed and
   the next training set gets outcomes that were not chosen by the model
   (selective labels otherwise only ever confirm what was already flagged).

The draw depends only on the night, the seed and the set of clear claim ids,
so a re-run draws the same claims.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from claimscreen.data.settings import ScoringSettings
from claimscreen.models.evidence import named_hits, rule_hits

if TYPE_CHECKING:
    from claimscreen.models.scorer import Scores

__all__ = ["HELD_BACK_REASONS", "Routing", "route_claims", "route_scores"]


@dataclass
class Routing:
    """Tonight's routes, cases and audit draw, rows as the claims given."""

    route: np.ndarray
    case_id: np.ndarray
    audit_sample: np.ndarray
    #: Estimated honest claimants delayed, and the night's estimated honest claimants.
    honest_delayed: float
    honest_total: float
    flagged_rings: int
    figures: dict[str, float | int] = field(default_factory=dict)
    #: Per claim: why a `clear` claim scoring ``min_verify_score`` or more was paid without
    #: waiting ("" for any other claim): :data:`HELD_BACK_REASONS`.
    held_back: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))


#: Why a claim that scored ``min_verify_score`` or more was still routed `clear`: no named
#: signal fired and it scored below ``min_model_only_score``, or delaying it would have
#: passed ``max_honest_delay_share``.
HELD_BACK_REASONS: tuple[str, str] = ("model_only", "honest_delay_budget")


def route_claims(
    claims: pd.DataFrame,
    risk: np.ndarray,
    rule_hit: np.ndarray,
    night: dt.date,
    settings: ScoringSettings,
    named: np.ndarray | None = None,
) -> Routing:
    """Route tonight's claims. ``claims`` has ``claim_id`` and ``ring_id`` (null when none);
    ``named`` says whether a named signal fires on each claim (None: on every claim).
    :func:`route_scores` routes a scorer's :class:`~claimscreen.models.scorer.Scores`."""
    n = len(claims)
    claim_ids = claims["claim_id"].astype(str).to_numpy()
    ring_ids = claims["ring_id"].astype("string").fillna("").to_numpy(dtype=object)
    risk = np.asarray(risk, dtype="float64")
    rule_hit = np.asarray(rule_hit, dtype=bool)
    named = np.ones(n, dtype=bool) if named is None else np.asarray(named, dtype=bool)
    # A claim only the model suspects may wait only when the model is sure enough.
    may_wait = named | (risk >= settings.min_model_only_score)
    route = np.full(n, "clear", dtype=object)
    case_id = np.array([f"claim:{c}" for c in claim_ids], dtype=object)
    capacity = settings.review_capacity

    route[rule_hit] = "review"
    used = int(rule_hit.sum())

    flagged = _flagged_rings(ring_ids, risk, rule_hit, settings.min_review_score)
    for ring, members in flagged:
        waiting = members[route[members] == "clear"]
        case_id[members] = f"ring:{ring}:{night.isoformat()}"
        if used + len(waiting) <= capacity:
            route[waiting] = "review"
            used += len(waiting)
        else:
            route[waiting] = "verify"

    strong = np.flatnonzero((route == "clear") & may_wait & (risk >= settings.min_review_score))
    strong = strong[np.argsort(-risk[strong], kind="stable")]
    room = max(capacity - used, 0)
    route[strong[:room]] = "review"
    route[strong[room:]] = "verify"

    honest = 1.0 - risk
    honest_total = float(honest.sum())
    budget = settings.max_honest_delay_share * honest_total
    delayed_honest = float(honest[route != "clear"].sum())
    candidates = np.flatnonzero((route == "clear") & may_wait & (risk >= settings.min_verify_score))
    candidates = candidates[np.argsort(-risk[candidates], kind="stable")]
    within = np.cumsum(honest[candidates]) + delayed_honest <= budget
    take = candidates[within]
    route[take] = "verify"
    delayed_honest += float(honest[take].sum())

    audit = _audit_draw(claim_ids, route == "clear", night, settings)
    held_back = np.full(n, "", dtype=object)
    held_back[candidates[~within]] = HELD_BACK_REASONS[1]
    held_back[(route == "clear") & ~may_wait & (risk >= settings.min_verify_score)] = HELD_BACK_REASONS[0]
    return Routing(
        route=route,
        case_id=case_id,
        audit_sample=audit,
        honest_delayed=round(delayed_honest, 1),
        honest_total=round(honest_total, 1),
        flagged_rings=len(flagged),
        figures={
            "review_capacity": capacity,
            "review_used": int((route == "review").sum()),
            "verify_not_delayed_for_budget": int(len(candidates) - len(take)),
            "honest_delay_budget": round(budget, 1),
            "model_only_not_delayed": int((held_back == HELD_BACK_REASONS[0]).sum()),
        },
        held_back=held_back,
    )


def route_scores(claims: pd.DataFrame, scores: Scores, night: dt.date, settings: ScoringSettings) -> Routing:
    """Route tonight's claims from their scores: hard evidence is what a rule fires on, a
    named signal any evidence that fires (hard, cold-start or anomaly) but a weak one (a
    contact point abroad: honest claimants show it for honest reasons)."""
    named = named_hits(scores.evidence)
    return route_claims(claims, scores.risk, rule_hits(scores.evidence), night, settings, named=named)


def _flagged_rings(
    ring_ids: np.ndarray, risk: np.ndarray, rule_hit: np.ndarray, min_review: float
) -> list[tuple[str, np.ndarray]]:
    """Flagged rings with tonight's members (row positions), strongest first."""
    in_ring = np.flatnonzero(ring_ids != "")
    if not len(in_ring):
        return []
    frame = pd.DataFrame({"ring": ring_ids[in_ring], "risk": risk[in_ring], "rule": rule_hit[in_ring]})
    summary = frame.groupby("ring", sort=True).agg(top=("risk", "max"), rule=("rule", "any"))
    summary = summary[(summary["top"] >= min_review) | summary["rule"]]
    summary = summary.sort_values("top", ascending=False, kind="stable")
    groups = frame.groupby("ring", sort=False).indices
    return [(str(ring), in_ring[groups[ring]]) for ring in summary.index]


def _audit_draw(
    claim_ids: np.ndarray, clear: np.ndarray, night: dt.date, settings: ScoringSettings
) -> np.ndarray:
    """A seeded random ``audit_share`` of the clear claims (same night, seed and claims: same draw)."""
    out = np.zeros(len(claim_ids), dtype=bool)
    pool = np.flatnonzero(clear)
    count = round(settings.audit_share * len(pool))
    if not count:
        return out
    pool = pool[np.argsort(claim_ids[pool], kind="stable")]
    rng = np.random.default_rng([settings.audit_seed, night.toordinal()])
    out[rng.choice(pool, size=count, replace=False)] = True
    return out
