"""Chained rings: each claim shares one identifier with the previous."""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes
from claimscreen.data.generate.rings import Rings

__all__ = ["link_chains"]


def link_chains(c: Codes, rings: Rings, rank: Arr) -> None:
    """Chained rings: each claim shares one identifier with the previous (account, device, phone in turn)."""
    ring = c["ring"]
    chained = rings.chained[ring]
    c["pay"] = np.where(chained, 0, c["pay"])
    link = chained & (rank > 0)
    kind = (rank + ring) % 3
    prev = np.flatnonzero(link) - 1
    rows = np.flatnonzero(link)
    for k, name in enumerate(("acct", "device", "phone")):
        original = c[name].copy()
        chosen = kind[rows] == k
        c[name][rows[chosen]] = original[prev[chosen]]
