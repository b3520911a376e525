"""How well a system routes claims, measured against the truth: the goals' figures and fairness.

:func:`evaluate` takes one row per evaluated claim (``risk_score``, ``route``, ``is_fraud``;
optionally ``typology``, ``in_ring``, ``age``, ``language``) and returns an :class:`Evaluation`:
how many honest claimants were paid without delay, how much fraud and how many ring members
were kept away from ``clear``, how often a review found fraud, the ranking and calibration of
``risk_score``, the catch rate per fraud typology, and fairness.

Fairness is the false-positive rate (an honest claimant routed ``verify`` or ``review``) by age
band and by language, computed with fairlearn's :class:`~fairlearn.metrics.MetricFrame`. Only
groups with enough honest claimants enter the min/max ratio (``min_group_ratio``) and the largest
gap (``min_group_gap``); smaller groups are reported and named as left out. When the highest
rate is 0, nobody is delayed and the ratio is 1.0.

:func:`compare` prints several systems side by side. The promotion gate's checks are in
:mod:`claimscreen.models.promotion`, the HTML report in :mod:`claimscreen.models.report`.
The functions are pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, false_positive_rate
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from claimscreen.data.schema import ROUTES

__all__ = [
    "AGE_BANDS",
    "DEFAULT_GOALS",
    "Chance",
    "Evaluation",
    "GroupFairness",
    "age_band",
    "compare",
    "comparison_rows",
    "evaluate",
    "num",
    "pct",
    "validated",
    "verdict",
]

#: The goals each figure is judged against (issue #4); ``evaluate(goals=...)`` overrides any.
DEFAULT_GOALS: dict[str, float] = {
    "honest_clear_rate": 0.97,
    "fraud_caught_rate": 0.95,
    "ring_caught_rate": 0.98,
    "review_precision": 0.70,
    "fpr_ratio": 0.8,
    "fpr_gap_points": 1.0,
}

AGE_BANDS = ("<40", "40-64", "65+")
#: The group of claims whose age or language is missing.
UNKNOWN_GROUP = "unknown"
REQUIRED_COLUMNS = ("risk_score", "route", "is_fraud")
GROUPINGS = {"age_band": "age band", "language": "language"}


# --- The figures -----------------------------------------------------------------------------


#: Draws of the equal-treatment distribution of the FPR ratio (:meth:`GroupFairness.chance`).
CHANCE_DRAWS = 4000


@dataclass(frozen=True)
class Chance:
    """The FPR ratio equal treatment gives at a grouping's sizes: median and 90% range over
    ``draws`` random spreads, and the share of them at or below the measured ratio."""

    median: float
    low: float
    high: float
    p_value: float
    draws: int


@dataclass(frozen=True, eq=False)
class GroupFairness:
    """False-positive rate (honest claimants routed away from ``clear``) by one grouping.

    ``table`` has one row per group: ``group``, ``honest`` (honest claimants, the group's size)
    and ``fpr`` (NaN for a group without honest claimants). ``ratio`` is the lowest over the
    highest FPR among groups with at least ``min_group_ratio`` honest claimants (1.0 when the
    highest is 0); ``gap_points`` the highest minus the lowest FPR, in percentage points, among
    groups with at least ``min_group_gap``. Either is None when fewer than two groups qualify.
    """

    grouping: str
    table: pd.DataFrame
    min_group_ratio: int
    min_group_gap: int
    ratio: float | None
    gap_points: float | None
    excluded_from_ratio: tuple[str, ...]
    excluded_from_gap: tuple[str, ...]
    ratio_goal: float = DEFAULT_GOALS["fpr_ratio"]
    gap_goal_points: float = DEFAULT_GOALS["fpr_gap_points"]

    @property
    def ratio_passes(self) -> bool | None:
        return None if self.ratio is None else self.ratio >= self.ratio_goal

    @property
    def gap_passes(self) -> bool | None:
        return None if self.gap_points is None else self.gap_points <= self.gap_goal_points

    def extremes(self, min_size: int) -> tuple[str, float, str, float] | None:
        """The groups with the lowest and highest FPR among those of at least ``min_size``."""
        eligible = self.table[self.table["honest"] >= max(min_size, 1)]
        if len(eligible) < 2:
            return None
        ordered = eligible.sort_values("fpr", kind="stable")
        groups, rates = ordered["group"].tolist(), ordered["fpr"].tolist()
        return str(groups[0]), float(rates[0]), str(groups[-1]), float(rates[-1])

    def chance(self, draws: int = CHANCE_DRAWS, seed: int = 0) -> Chance | None:
        """What equal treatment would give for the ratio at these group sizes.

        Under equal treatment the honest claimants delayed are a random subset of the
        honest claimants: the same number, spread over the groups by chance alone (a
        multivariate hypergeometric draw). The ratio's distribution over ``draws`` such
        spreads says whether the measured one is low because a group is treated
        differently or because the groups hold too few delayed claimants for a ratio
        to be steady: ``p_value`` is the share of draws with a ratio as low or lower
        (several groups compared at once, so no multiple-comparison correction is
        needed). None when the ratio was not measured."""
        if self.ratio is None:
            return None
        groups, _ = _split_by_size(self.table, self.min_group_ratio)
        sizes = groups["honest"].to_numpy(dtype="int64")
        delayed = int(np.round(groups["fpr"].to_numpy(dtype="float64") * sizes).sum())
        if delayed == 0:
            return Chance(median=1.0, low=1.0, high=1.0, p_value=1.0, draws=draws)
        counts = np.random.default_rng(seed).multivariate_hypergeometric(sizes, delayed, size=draws)
        rates = counts / sizes
        high = rates.max(axis=1)
        ratios = np.where(high > 0, rates.min(axis=1) / np.where(high > 0, high, 1.0), 1.0)
        low_5, median, high_95 = np.quantile(ratios, [0.05, 0.5, 0.95])
        p_value = float((ratios <= self.ratio + 1e-9).mean())
        return Chance(
            median=round(float(median), 3),
            low=round(float(low_5), 3),
            high=round(float(high_95), 3),
            p_value=round(p_value, 4),
            draws=draws,
        )

    def to_dict(self) -> dict[str, Any]:
        chance = self.chance()
        return {
            "chance": None if chance is None else asdict(chance),
            "grouping": self.grouping,
            "groups": _records(self.table),
            "min_group_ratio": self.min_group_ratio,
            "min_group_gap": self.min_group_gap,
            "ratio": self.ratio,
            "gap_points": self.gap_points,
            "ratio_goal": self.ratio_goal,
            "gap_goal_points": self.gap_goal_points,
            "ratio_passes": self.ratio_passes,
            "gap_passes": self.gap_passes,
            "excluded_from_ratio": list(self.excluded_from_ratio),
            "excluded_from_gap": list(self.excluded_from_gap),
        }


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The goals' figures for one system over one set of claims. A rate is None when it has no
    denominator (no fraud, no honest claimant, nothing routed to review); a figure that needs an
    optional column is None when the frame lacks it."""

    n: int
    honest: int
    fraud: int
    routes: dict[str, int]
    honest_clear_rate: float | None
    fraud_caught_rate: float | None
    ring_members: int | None
    ring_caught_rate: float | None
    review_precision: float | None
    honest_delayed: int
    honest_delayed_rate: float | None
    average_precision: float | None
    roc_auc: float | None
    brier: float | None
    typology_catch: pd.DataFrame | None
    fairness_age: GroupFairness | None
    fairness_language: GroupFairness | None
    goals: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_GOALS))

    @property
    def fairness(self) -> dict[str, GroupFairness]:
        """The groupings that could be measured, by key (``age_band``, ``language``)."""
        both = {"age_band": self.fairness_age, "language": self.fairness_language}
        return {key: value for key, value in both.items() if value is not None}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (no NaN, no numpy types), for model cards and the retraining report."""
        return {
            "n": self.n,
            "honest": self.honest,
            "fraud": self.fraud,
            "routes": dict(self.routes),
            "honest_clear_rate": self.honest_clear_rate,
            "fraud_caught_rate": self.fraud_caught_rate,
            "ring_members": self.ring_members,
            "ring_caught_rate": self.ring_caught_rate,
            "review_precision": self.review_precision,
            "honest_delayed": self.honest_delayed,
            "honest_delayed_rate": self.honest_delayed_rate,
            "average_precision": self.average_precision,
            "roc_auc": self.roc_auc,
            "brier": self.brier,
            "typology_catch": None if self.typology_catch is None else _records(self.typology_catch),
            "fairness": {
                key: None if value is None else value.to_dict()
                for key, value in (("age_band", self.fairness_age), ("language", self.fairness_language))
            },
            "goals": dict(self.goals),
        }

    def summary_lines(self, goals: Mapping[str, float] | None = None) -> list[str]:
        """Plain-text lines, each figure against its goal (this evaluation's goals by default)."""
        goal = {**self.goals, **(goals or {})}
        lines = [
            f"claims evaluated: {self.n} ({self.honest} honest, {self.fraud} fraud)",
            _goal_line("honest claimants routed clear", self.honest_clear_rate, goal["honest_clear_rate"]),
            _goal_line("fraud routed away from clear", self.fraud_caught_rate, goal["fraud_caught_rate"]),
            _goal_line(
                "ring members routed away from clear", self.ring_caught_rate, goal["ring_caught_rate"]
            ),
            _goal_line("fraud share of review", self.review_precision, goal["review_precision"]),
            f"honest claimants delayed (verify or review): {self.honest_delayed}"
            f" ({pct(self.honest_delayed_rate)})",
            f"risk score: average precision {num(self.average_precision)},"
            f" ROC AUC {num(self.roc_auc)}, Brier {num(self.brier, 4)}",
        ]
        for fair in self.fairness.values():
            lines.extend(_fairness_lines(fair, goal))
        return lines


# --- evaluate --------------------------------------------------------------------------------


def evaluate(
    frame: pd.DataFrame,
    *,
    min_group_ratio: int = 1000,
    min_group_gap: int = 300,
    goals: Mapping[str, float] | None = None,
) -> Evaluation:
    """The goals' figures for one row per evaluated claim (see the module docstring)."""
    goal = {**DEFAULT_GOALS, **(goals or {})}
    data = validated(frame)
    fraud = data["is_fraud"].to_numpy(dtype=bool)
    route = data["route"].to_numpy(dtype=object)
    away = route != "clear"
    review = route == "review"
    ring = _flag(data, "in_ring") & fraud if "in_ring" in data else None
    ap, auc, brier = _score_metrics(fraud, data["risk_score"].to_numpy(dtype=float))
    fairness = {
        key: _fairness(label, groups, fraud, away, min_group_ratio, min_group_gap, goal)
        for key, label in GROUPINGS.items()
        if (groups := _groups(data, key)) is not None
    }
    return Evaluation(
        n=len(data),
        honest=int((~fraud).sum()),
        fraud=int(fraud.sum()),
        routes={name: int((route == name).sum()) for name in ROUTES},
        honest_clear_rate=_share(~away, ~fraud),
        fraud_caught_rate=_share(away, fraud),
        ring_members=None if ring is None else int(ring.sum()),
        ring_caught_rate=None if ring is None else _share(away, ring),
        review_precision=_share(fraud, review),
        honest_delayed=int((away & ~fraud).sum()),
        honest_delayed_rate=_share(away, ~fraud),
        average_precision=ap,
        roc_auc=auc,
        brier=brier,
        typology_catch=_typology_table(data, fraud, away),
        fairness_age=fairness.get("age_band"),
        fairness_language=fairness.get("language"),
        goals=goal,
    )


def validated(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame, checked: required columns present, routes known, labels and scores sound."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"evaluation frame lacks column(s): {', '.join(missing)}")
    unknown = sorted(set(frame["route"].astype(str)) - set(ROUTES))
    if unknown:
        raise ValueError(f"unknown route(s) {', '.join(unknown)}: expected {', '.join(ROUTES)}")
    if frame["is_fraud"].isna().any() or not frame["is_fraud"].isin([True, False]).all():
        raise ValueError("is_fraud must be true or false on every row")
    scores = pd.to_numeric(frame["risk_score"], errors="coerce")
    if scores.isna().any() or not scores.between(0.0, 1.0).all():
        raise ValueError("risk_score must be a number from 0 to 1 on every row")
    data = frame.copy()
    data["risk_score"] = scores.astype(float)
    data["route"] = frame["route"].astype(str)
    data["is_fraud"] = frame["is_fraud"].astype(bool)
    return data.reset_index(drop=True)


def _flag(data: pd.DataFrame, column: str) -> np.ndarray:
    return data[column].fillna(False).astype(bool).to_numpy(dtype=bool)


def _share(hits: np.ndarray, among: np.ndarray) -> float | None:
    """The share of ``among`` rows that are ``hits``; None when ``among`` is empty."""
    total = int(among.sum())
    return None if total == 0 else int((hits & among).sum()) / total


def _score_metrics(fraud: np.ndarray, scores: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Average precision and ROC AUC (both need fraud and honest rows), and the Brier score."""
    brier = float(brier_score_loss(fraud, scores)) if len(scores) else None
    if fraud.all() or not fraud.any():
        return None, None, brier
    return float(average_precision_score(fraud, scores)), float(roc_auc_score(fraud, scores)), brier


def _typology_table(data: pd.DataFrame, fraud: np.ndarray, away: np.ndarray) -> pd.DataFrame | None:
    """typology, claims, caught, rate over the fraud rows; the most common typology first."""
    if "typology" not in data:
        return None
    rows = pd.DataFrame({"typology": data["typology"].astype(str)[fraud].to_numpy(), "caught": away[fraud]})
    table = rows.groupby("typology").agg(claims=("caught", "size"), caught=("caught", "sum")).reset_index()
    table["rate"] = table["caught"] / table["claims"]
    return table.sort_values(["claims", "typology"], ascending=[False, True], ignore_index=True)


# --- Fairness --------------------------------------------------------------------------------


def age_band(age: pd.Series) -> pd.Series:
    """``<40``, ``40-64`` or ``65+`` from age in years (``unknown`` when missing)."""
    bands = pd.cut(
        pd.to_numeric(age, errors="coerce"), [-math.inf, 40, 65, math.inf], right=False, labels=AGE_BANDS
    )
    return bands.astype(object).where(bands.notna(), UNKNOWN_GROUP).astype(str)


def _groups(data: pd.DataFrame, key: str) -> pd.Series | None:
    if key == "age_band":
        return age_band(data["age"]) if "age" in data else None
    if key not in data:
        return None
    values = data[key]
    return values.astype(object).where(values.notna(), UNKNOWN_GROUP).astype(str)


def _honest_count(y_true: np.ndarray, y_pred: np.ndarray) -> int:
    """A MetricFrame metric: the honest claimants of a group."""
    return int((~np.asarray(y_true, dtype=bool)).sum())


def _fairness(
    grouping: str,
    groups: pd.Series,
    fraud: np.ndarray,
    away: np.ndarray,
    min_group_ratio: int,
    min_group_gap: int,
    goals: Mapping[str, float],
) -> GroupFairness:
    """FPR by group (fairlearn's MetricFrame), then the ratio and gap over the large groups."""
    table = _fpr_table(groups, fraud, away)
    ratio_groups, ratio_left = _split_by_size(table, min_group_ratio)
    gap_groups, gap_left = _split_by_size(table, min_group_gap)
    # Rounded to 9 decimals: 0.8% over 1.0% is a ratio of 0.8, not 0.7999999999999999.
    ratio = None
    if len(ratio_groups) >= 2:
        high = float(ratio_groups["fpr"].max())
        ratio = 1.0 if high == 0 else round(float(ratio_groups["fpr"].min()) / high, 9)
    gap = None
    if len(gap_groups) >= 2:
        gap = round(float(gap_groups["fpr"].max() - gap_groups["fpr"].min()) * 100, 9)
    return GroupFairness(
        grouping=grouping,
        table=table,
        min_group_ratio=min_group_ratio,
        min_group_gap=min_group_gap,
        ratio=ratio,
        gap_points=gap,
        excluded_from_ratio=ratio_left,
        excluded_from_gap=gap_left,
        ratio_goal=goals["fpr_ratio"],
        gap_goal_points=goals["fpr_gap_points"],
    )


def _fpr_table(groups: pd.Series, fraud: np.ndarray, away: np.ndarray) -> pd.DataFrame:
    """group, honest, fpr: age bands in age order, other groups largest first."""
    if len(groups) == 0:
        return pd.DataFrame({"group": pd.Series([], dtype=str), "honest": [], "fpr": []})
    frame = MetricFrame(
        metrics={"honest": _honest_count, "fpr": false_positive_rate},
        y_true=fraud,
        y_pred=away,
        sensitive_features=groups.to_numpy(),
    )
    by_group = frame.by_group
    table = pd.DataFrame(
        {
            "group": [str(g) for g in by_group.index],
            "honest": by_group["honest"].astype(int).to_numpy(),
            "fpr": by_group["fpr"].astype(float).to_numpy(),
        }
    )
    table.loc[table["honest"] == 0, "fpr"] = np.nan
    order = {band: i for i, band in enumerate((*AGE_BANDS, UNKNOWN_GROUP))}
    if set(table["group"]) <= set(order):
        return table.sort_values("group", key=lambda g: g.map(order), ignore_index=True)
    return table.sort_values(["honest", "group"], ascending=[False, True], ignore_index=True)


def _split_by_size(table: pd.DataFrame, min_size: int) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The groups with at least ``min_size`` honest claimants (and one at least), and the others."""
    large = table["honest"] >= max(min_size, 1)
    return table[large], tuple(table.loc[~large, "group"])


# --- Text ------------------------------------------------------------------------------------


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value * 100:.{digits}f}%"


def num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _points(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} points"


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else "met" if ok else "MISSED"


def _goal_line(label: str, value: float | None, goal: float) -> str:
    ok = None if value is None else value >= goal
    return f"{label}: {pct(value)} (goal >= {goal * 100:g}%: {verdict(ok)})"


def _fairness_lines(fair: GroupFairness, goals: Mapping[str, float]) -> list[str]:
    measured = fair.table[fair.table["honest"] > 0]
    groups = ", ".join(f"{g} {pct(r, 2)} of {n}" for g, n, r in measured.itertuples(index=False))
    ratio_ok = None if fair.ratio is None else fair.ratio >= goals["fpr_ratio"]
    gap_ok = None if fair.gap_points is None else fair.gap_points <= goals["fpr_gap_points"]
    lines = [
        f"honest claimants delayed by {fair.grouping}: {groups or 'none'}",
        f"FPR ratio by {fair.grouping}: {num(fair.ratio, 2)}"
        f" (goal >= {goals['fpr_ratio']:g}: {verdict(ratio_ok)})",
        f"largest FPR gap by {fair.grouping}: {_points(fair.gap_points)}"
        f" (goal <= {goals['fpr_gap_points']:g}: {verdict(gap_ok)})",
    ]
    chance = fair.chance()
    if chance is not None and ratio_ok is False:
        lines.append(
            f"  equal treatment at these group sizes gives a ratio of {chance.median:.2f}"
            f" (90% of random spreads between {chance.low:.2f} and {chance.high:.2f});"
            f" {chance.p_value:.0%} of them are as low as {fair.ratio:.2f} or lower"
        )
    if fair.excluded_from_ratio:
        lines.append(
            f"  left out of the {fair.grouping} ratio (under {fair.min_group_ratio} honest claimants):"
            f" {', '.join(fair.excluded_from_ratio)}"
        )
    if fair.excluded_from_gap:
        lines.append(
            f"  left out of the {fair.grouping} gap (under {fair.min_group_gap} honest claimants):"
            f" {', '.join(fair.excluded_from_gap)}"
        )
    return lines


def comparison_rows(
    side_by_side: Mapping[str, Evaluation], goals: Mapping[str, float]
) -> tuple[list[str], list[list[str]]]:
    """The header and rows shared by :func:`compare` and the report's table."""
    evs = list(side_by_side.values())

    def fair(ev: Evaluation, key: str) -> GroupFairness | None:
        return ev.fairness.get(key)

    def row(label: str, goal: str, cells: Iterable[str]) -> list[str]:
        return [label, *cells, goal]

    rows = [
        row("claims (honest / fraud)", "", (f"{e.n} ({e.honest} / {e.fraud})" for e in evs)),
        row(
            "honest routed clear",
            f">= {goals['honest_clear_rate']:.0%}",
            (pct(e.honest_clear_rate) for e in evs),
        ),
        row(
            "fraud away from clear",
            f">= {goals['fraud_caught_rate']:.0%}",
            (pct(e.fraud_caught_rate) for e in evs),
        ),
        row(
            "ring members away from clear",
            f">= {goals['ring_caught_rate']:.0%}",
            (pct(e.ring_caught_rate) for e in evs),
        ),
        row(
            "fraud share of review",
            f">= {goals['review_precision']:.0%}",
            (pct(e.review_precision) for e in evs),
        ),
        row("honest delayed", "", (f"{e.honest_delayed} ({pct(e.honest_delayed_rate)})" for e in evs)),
        row("average precision", "", (num(e.average_precision) for e in evs)),
        row("ROC AUC", "", (num(e.roc_auc) for e in evs)),
        row("Brier score", "", (num(e.brier, 4) for e in evs)),
    ]
    for key, label in GROUPINGS.items():
        ratios = (num(f.ratio, 2) if (f := fair(e, key)) else "n/a" for e in evs)
        gaps = (num(f.gap_points, 2) if (f := fair(e, key)) else "n/a" for e in evs)
        rows.append(row(f"FPR ratio by {label}", f">= {goals['fpr_ratio']:g}", ratios))
        rows.append(row(f"FPR gap by {label} (points)", f"<= {goals['fpr_gap_points']:g}", gaps))
    return ["figure", *side_by_side, "goal"], rows


def compare(side_by_side: Mapping[str, Evaluation], goals: Mapping[str, float] | None = None) -> str:
    """A plain-text table of the main figures, one column per system, then the goal."""
    first = next(iter(side_by_side.values()), None)
    goal = {**(first.goals if first else DEFAULT_GOALS), **(goals or {})}
    header, rows = comparison_rows(side_by_side, goal)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first_cell = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first_cell, *rest]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


# --- JSON ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-safe Python value: numpy scalars unwrapped, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
