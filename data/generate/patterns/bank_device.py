"""Bank drops and device farms: shared accounts, shared devices, hosting blocks, bots."""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes, make_code
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.fraud import pool_member
from claimscreen.data.generate.kinds import (
    BANK_DROP,
    DECEASED,
    DEVICE_FARM,
    IP_HOSTING24,
    IP_RESIDENTIAL,
    IP_VPN,
    MULTI_STATE,
    NS_RING,
    WEB,
)
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import AUTOMATION_AGENTS, N_DESKTOP, N_MOBILE

__all__ = ["FARM_LINE_KEYS", "FARM_SERVERS", "apply_bank_and_device_habits"]

#: Cloud servers a hosting-block farm rents at most (one or two by ring): each has one address.
FARM_SERVERS = 2
#: High bits of a farm's own internet line's IP key (one per ring).
FARM_LINE_KEYS = np.uint64(9 << 40)


def apply_bank_and_device_habits(rng: np.random.Generator, c: Codes, rings: Rings, typ: Arr) -> None:
    """Bank drops share 1-3 accounts; device farms 2-4 devices, a hosting block's one or two
    server addresses, bursts, bots."""
    ring = c["ring"]
    n = len(ring)
    variant = rings.variant[ring]
    pooled = (
        is_variant(variant, BANK_DROP, "shared_accounts")
        | is_variant(variant, BANK_DROP, "layoff_cover")
        | is_variant(variant, DECEASED, "shared_account")
    )
    c["acct"] = np.where(pooled, make_code(NS_RING, pool_member(rng, ring, rings.pool[ring])), c["acct"])
    c["pay"] = np.where(pooled, 0, c["pay"])
    farm = typ == DEVICE_FARM
    shared_device = farm | ((typ == MULTI_STATE) & ~rings.chained[ring])
    c["device"] = np.where(
        shared_device, make_code(NS_RING, pool_member(rng, ring, rings.pool[ring] + farm)), c["device"]
    )
    block = farm & rings.hosting_block[ring]
    c["ip_kind"] = np.where(block, IP_HOSTING24, c["ip_kind"])
    # A farm's emulators run on one or two rented cloud servers, and every instance on a server
    # leaves from that server's one public address (in the ring's /24).
    server = 1 + rng.integers(1, 255, n) % (1 + ring % FARM_SERVERS)
    c["ip_key"] = np.where(
        block, (ring.astype(np.uint64) << np.uint64(8)) | server.astype(np.uint64), c["ip_key"]
    )
    # A farm is one place: what it files over its own line (no VPN, hosting or proxy address)
    # leaves from its router's one public address, whichever of its devices filed it.
    own_line = farm & (c["ip_kind"] == IP_RESIDENTIAL)
    c["ip_key"] = np.where(own_line, ring.astype(np.uint64) | FARM_LINE_KEYS, c["ip_key"])
    c["session"] = np.where(farm, np.round(rng.lognormal(np.log(45), 0.4, n), 1), c["session"])
    bot = farm & rings.automated[ring]
    c["channel"] = np.where(bot, WEB, c["channel"])
    c["ua"] = np.where(bot, N_DESKTOP + N_MOBILE + (ring % len(AUTOMATION_AGENTS)), c["ua"])
    c["ip_kind"] = np.where((typ == DECEASED) & (rng.random(n) < 0.4), IP_VPN, c["ip_kind"])
