"""The feature registry: every feature column with its name, dtype and a plain-English description.

Each feature module declares ``FEATURES``, a tuple of :class:`Feature`, and a
pure function that computes exactly those columns. :data:`ALL_FEATURES` is the
one list models train on and the review page explains from: the description is
what an investigator reads, so it says what the number means, in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Feature", "FeatureDtype", "check_unique", "features_markdown"]

FeatureDtype = Literal["float64", "int64", "bool", "str"]
FeatureGroup = Literal["identity", "device", "velocity", "network"]


@dataclass(frozen=True)
class Feature:
    """One feature column."""

    name: str
    dtype: FeatureDtype
    description: str
    group: FeatureGroup

    def __post_init__(self) -> None:
        if not self.description or "\n" in self.description:
            raise ValueError(f"feature {self.name}: the description is one line of plain English")


def check_unique(features: tuple[Feature, ...]) -> tuple[Feature, ...]:
    """The features, after checking that no name is declared twice."""
    seen: set[str] = set()
    for feature in features:
        if feature.name in seen:
            raise ValueError(f"feature {feature.name} is declared twice")
        seen.add(feature.name)
    return features


def features_markdown(features: tuple[Feature, ...]) -> str:
    """The feature list as a Markdown page (docs/features.md is this, and a test keeps it so)."""
    lines = [
        "# Features",
        "",
        "Every feature the features stage computes, as registered in `features/`. The models train",
        "on all of them but the few `models/inputs.py` leaves out on purpose (`EXCLUDED`, with the",
        "reason for each: proxies for age or language). The description is what an investigator",
        "reads. This page is generated: `make docs` rewrites it.",
        "",
    ]
    for group in ("identity", "device", "velocity", "network"):
        members = [f for f in features if f.group == group]
        if not members:
            continue
        lines += [f"## {group.capitalize()}", "", "| name | type | meaning |", "|---|---|---|"]
        lines += [f"| `{f.name}` | {f.dtype} | {f.description} |" for f in members]
        lines.append("")
    return "\n".join(lines)
