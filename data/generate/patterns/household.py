"""Drop-address rings that look like households.

A ring that knows a shared address is checked files its stolen identities in threes from
one unit each, as a family would: the three share the home connection and a computer.
Each three alone is an ordinary household; what ties the threes together is the ring's
bank account, where every payment goes.
"""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes, make_code
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.fraud import ADDRESSES_PER_RING
from claimscreen.data.generate.kinds import DROP_ADDRESS, IP_RESIDENTIAL, NS_RING
from claimscreen.data.generate.rings import Rings

__all__ = ["apply_household_cover"]

#: Members per household, and the high bits of a household's home-connection key.
HOUSEHOLD = 3
HOME_KEYS = np.uint64(8 << 40)


def apply_household_cover(c: Codes, rings: Rings, rank: Arr, drop_base: int) -> None:
    """``household_cover`` rings: threes at the ring's units (residence), a home IP and a
    computer per three, every payment to the ring's first account. No random draw."""
    rows = np.flatnonzero(is_variant(rings.variant[c["ring"]], DROP_ADDRESS, "household_cover"))
    ring, group = c["ring"][rows], rank[rows] // HOUSEHOLD
    home = (ring.astype(np.int64) << 8) | (128 + group % 128)
    c["addr"][rows] = drop_base + ring * ADDRESSES_PER_RING + group % ADDRESSES_PER_RING
    c["mail_kind"][rows], c["mail_addr"][rows] = 0, -1
    c["ip_kind"][rows] = IP_RESIDENTIAL
    c["ip_key"][rows] = home.astype(np.uint64) | HOME_KEYS
    c["device"][rows] = make_code(NS_RING, home)
    c["pay"][rows] = 0
    c["acct"][rows] = make_code(NS_RING, ring.astype(np.int64) << 8)
