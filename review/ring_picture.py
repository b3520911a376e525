"""A small picture of a ring: its claims and the identifiers that link them.

Laid out on the server (no script): claims on an inner circle, each shared identifier
on an outer circle at the mean angle of the claims that share it, a line from each
identifier to each of its claims. The template draws the SVG from these numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KIND_LABELS", "ring_picture"]

SIZE = 520
CLAIM_RADIUS = 150
LINK_RADIUS = 225
MOST_CLAIMS = 60
KIND_LABELS = {
    "bank_account": "bank account",
    "device": "device",
    "ip": "IP address",
    "email": "email",
    "phone": "phone",
    "address": "address",
}


@dataclass
class Node:
    x: float
    y: float
    label: str
    kind: str
    title: str


@dataclass
class Picture:
    size: int
    claims: list[Node] = field(default_factory=list)
    identifiers: list[Node] = field(default_factory=list)
    edges: list[tuple[float, float, float, float, str]] = field(default_factory=list)
    left_out: int = 0


def ring_picture(members: list[dict[str, Any]], links: list[dict[str, Any]], focus: set[str]) -> Picture:
    """Positions for ``members`` (claims) and their shared identifiers; ``focus`` marks the case's claims."""
    shown = members[:MOST_CLAIMS]
    picture = Picture(size=SIZE, left_out=max(len(members) - MOST_CLAIMS, 0))
    centre = SIZE / 2
    angle_of: dict[str, float] = {}
    for i, member in enumerate(shown):
        angle = 2 * math.pi * i / max(len(shown), 1) - math.pi / 2
        angle_of[member["claim_id"]] = angle
        x, y = _at(centre, CLAIM_RADIUS, angle)
        name = f"{member['first_name']} {member['last_name']}".strip()
        picture.claims.append(
            Node(
                x,
                y,
                str(i + 1),
                "focus" if member["claim_id"] in focus else "claim",
                f"claim {member['claim_id']}: {name}",
            )
        )
    groups: dict[tuple[str, str], list[str]] = {}
    display: dict[tuple[str, str], str] = {}
    for link in links:
        if link["claim_id"] in angle_of:
            key = (link["kind"], link["link_key"])
            groups.setdefault(key, []).append(link["claim_id"])
            display[key] = link["display"]
    placed: list[float] = []
    for (kind, link_key), claim_ids in sorted(groups.items(), key=lambda g: (g[0][0], display[g[0]])):
        if len(claim_ids) < 2:
            continue
        angle = _mean_angle([angle_of[c] for c in claim_ids])
        # identifiers at (nearly) the same angle stack outwards instead of hiding each other
        near = sum(1 for a in placed if abs(math.remainder(a - angle, 2 * math.pi)) < 0.12)
        placed.append(angle)
        x, y = _at(centre, LINK_RADIUS + 24 * near if near < 2 else CLAIM_RADIUS - 40 * (near - 1), angle)
        label = KIND_LABELS.get(kind, kind)
        picture.identifiers.append(
            Node(
                x,
                y,
                label[0].upper(),
                kind,
                f"{label}: {display[(kind, link_key)]} ({len(claim_ids)} claims)",
            )
        )
        for claim_id in claim_ids:
            cx, cy = _at(centre, CLAIM_RADIUS, angle_of[claim_id])
            picture.edges.append((x, y, cx, cy, kind))
    return picture


def _at(centre: float, radius: float, angle: float) -> tuple[float, float]:
    return round(centre + radius * math.cos(angle), 1), round(centre + radius * math.sin(angle), 1)


def _mean_angle(angles: list[float]) -> float:
    x = sum(math.cos(a) for a in angles)
    y = sum(math.sin(a) for a in angles)
    return math.atan2(y, x) if (x or y) else angles[0]
