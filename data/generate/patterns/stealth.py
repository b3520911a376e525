"""Stealth chains: each identifier shared by exactly two claims, the claims linked in a chain.

A ring that knows agencies count claims per bank account, phone or address keeps every count
at two: claim A shares a bank account with B, B a phone with C, C a mailbox with D, D a
device with E, E an address with F, and so on, over several weeks. No identifier is ever
seen three times, yet the ring is one connected chain.
"""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.kinds import BANK_DROP, IP_RESIDENTIAL
from claimscreen.data.generate.rings import Rings

__all__ = ["link_stealth_chains"]

#: The identifiers a link shares, in turn (``addr`` with its unit spelling).
LINKS = ("acct", "phone", "email", "device", "addr")


def link_stealth_chains(c: Codes, rings: Rings, rank: Arr) -> None:
    """Claims of ``stealth_chain`` rings (rows sorted by ring, then time): every identifier of
    its own, then each claim takes one of its predecessor's, the kind turning with each link."""
    ring = c["ring"]
    chain = is_variant(rings.variant[ring], BANK_DROP, "stealth_chain")
    rows = np.flatnonzero(chain)
    if not len(rows):
        return
    own = rows.astype(np.uint64) | np.uint64(7 << 40)
    c["pay"][rows] = 0  # direct deposit: the account is one of the links
    c["ip_kind"][rows] = IP_RESIDENTIAL  # each from a home connection of its own
    c["ip_key"][rows] = own
    link = rows[rank[rows] > 0]
    kind = (rank[link] - 1 + ring[link]) % len(LINKS)
    for k, name in enumerate(LINKS):
        chosen = link[kind == k]
        c[name][chosen] = c[name][chosen - 1]
        if name == "addr":
            c["mail_kind"][chosen], c["mail_addr"][chosen] = 0, -1
