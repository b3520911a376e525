"""Device farms on residential proxies.

A farm that rents a residential proxy network files each claim from a different home
internet address of an ordinary provider (rotating, not a datacenter, VPN or Tor exit),
with ordinary browsers, at a human pace, over several days: what still gives it away is the
farm's small set of devices, whose fingerprints its claims share.
"""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Codes
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.kinds import DEVICE_FARM, IP_RESIDENTIAL
from claimscreen.data.generate.rings import Rings

__all__ = ["apply_residential_proxies"]

#: High bits of a proxy exit's IP key: each claim its own residential address.
PROXY_KEYS = np.uint64(6 << 40)


def apply_residential_proxies(rng: np.random.Generator, c: Codes, rings: Rings) -> None:
    """``residential_proxy`` farms: a residential address per claim, sessions of minutes."""
    rows = np.flatnonzero(is_variant(rings.variant[c["ring"]], DEVICE_FARM, "residential_proxy"))
    c["ip_kind"][rows] = IP_RESIDENTIAL
    c["ip_key"][rows] = rows.astype(np.uint64) | PROXY_KEYS
    c["session"][rows] = np.round(rng.lognormal(np.log(420), 0.45, len(rows)), 1)
