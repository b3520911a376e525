"""IP space: the blocks written to ip_ranges, the pools claims draw from, and each home's own address."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.arrays import HEXN, Arr, ip_to_int, mix64, numbers, spread_repeats, where
from claimscreen.data.generate.kinds import (
    IP_CGNAT,
    IP_FOREIGN,
    IP_HOSTING,
    IP_HOSTING24,
    IP_LIBRARY,
    IP_NONE,
    IP_RESIDENTIAL,
    IP_TOR,
    IP_VPN,
)

__all__ = [
    "FOREIGN_OCTETS",
    "FOREIGN_V4",
    "HOSTING_OCTETS",
    "IP_BLOCKS",
    "RESIDENTIAL_V4",
    "TOR_EXITS",
    "own_address_tables",
    "own_addresses",
    "render_ip",
]

IP_BLOCKS = (
    ("3.80.0.0/12", "hosting"), ("34.64.0.0/10", "hosting"), ("35.192.0.0/12", "hosting"),
    ("52.0.0.0/11", "hosting"), ("104.196.0.0/14", "hosting"), ("138.68.0.0/16", "hosting"),
    ("159.65.0.0/16", "hosting"), ("167.99.0.0/16", "hosting"), ("45.55.0.0/16", "hosting"),
    ("2600:1f00::/24", "hosting"), ("2a03:b0c0::/32", "hosting"),
    ("185.159.156.0/22", "vpn"), ("146.70.0.0/16", "vpn"), ("89.187.160.0/19", "vpn"),
    ("37.19.192.0/19", "vpn"), ("193.27.12.0/22", "vpn"), ("2a0d:5600::/29", "vpn"),
    ("41.58.0.0/16", "foreign"), ("197.210.0.0/16", "foreign"), ("102.89.0.0/16", "foreign"),
    ("5.8.0.0/16", "foreign"), ("91.243.0.0/16", "foreign"), ("103.21.0.0/16", "foreign"),
    ("196.49.0.0/16", "foreign"), ("2c0f:f000::/20", "foreign"),
)  # fmt: skip


TOR_EXITS = ("185.220.100.", "185.220.101.", "199.249.230.", "204.8.96.")


#: IPv4 pools claims draw from: (first address as int, size)
RESIDENTIAL_V4 = (("73.0.0.0", 1 << 24), ("98.192.0.0", 1 << 22), ("24.160.0.0", 1 << 19),
                  ("71.64.0.0", 1 << 20), ("76.176.0.0", 1 << 20), ("108.64.0.0", 1 << 20))  # fmt: skip


CGNAT_V4 = (("172.56.0.0", 1 << 18), ("174.192.0.0", 1 << 22), ("166.170.0.0", 1 << 17))


LIBRARY_V4 = (("66.61.0.0", 1 << 16), ("65.24.0.0", 1 << 16))


VPN_V4 = (("185.159.156.0", 1 << 10), ("146.70.0.0", 1 << 16), ("89.187.160.0", 1 << 13))


FOREIGN_V4 = (("41.58.0.0", 1 << 16), ("197.210.0.0", 1 << 16), ("102.89.0.0", 1 << 16),
              ("5.8.0.0", 1 << 16), ("103.21.0.0", 1 << 16))  # fmt: skip


HOSTING_V4 = (("34.64.0.0", 1 << 22), ("52.0.0.0", 1 << 21), ("138.68.0.0", 1 << 16), ("159.65.0.0", 1 << 16))


#: IPv6 prefixes (first two groups) for home and mobile addresses.
#: IPv6 prefixes: first two groups, and the bits of the second group that vary.
RESIDENTIAL_V6 = ((0x2601, 0x0000, 0x0FFF), (0x2603, 0x6000, 0x0FFF))


CGNAT_V6 = ((0x2607, 0xFB90, 0x0000), (0x2600, 0x1010, 0x0000))


def ipv4_pools() -> dict[int, tuple[Arr, Arr]]:
    def blocks(spec: Sequence[tuple[str, int]]) -> tuple[Arr, Arr]:
        return np.array([ip_to_int(b) for b, _ in spec], np.uint64), np.array([s for _, s in spec], np.uint64)

    return {
        IP_RESIDENTIAL: blocks(RESIDENTIAL_V4),
        IP_LIBRARY: blocks(LIBRARY_V4),
        IP_CGNAT: blocks(CGNAT_V4),
        IP_VPN: blocks(VPN_V4),
        IP_FOREIGN: blocks(FOREIGN_V4),
        IP_HOSTING: blocks(HOSTING_V4),
        IP_HOSTING24: blocks(HOSTING_V4),
        IP_TOR: blocks([(t + "0", 256) for t in TOR_EXITS]),
    }


def render_ipv4(v4: Arr) -> pa.Array:
    octets = [numbers((v4 >> np.uint64(s)) & np.uint64(0xFF)) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*octets, ".")


def render_ipv6(prefix: Arr, h: Arr) -> pa.Array:
    h2 = mix64(h)
    groups = [prefix[:, 0], prefix[:, 1] | ((h >> np.uint64(20)) & prefix[:, 2])]
    groups += [(h2 >> np.uint64(s)) & np.uint64(0xFFFF) for s in (48, 32, 16, 0)]
    groups += [(h >> np.uint64(s)) & np.uint64(0xFFFF) for s in (40, 28)]
    return pc.binary_join_element_wise(*[HEXN.take(pa.array(g.astype(np.int64))) for g in groups], ":")


def own_addresses(keys: Arr, salt: int, kind: int = IP_RESIDENTIAL) -> tuple[Arr, Arr]:
    """A distinct IPv4 address of the ``kind`` pool for each key: (sorted keys, addresses).

    An internet provider gives a home one address at a time. Hashed into a fixed pool, the
    homes of a large state would share addresses by chance (the smallest block, chosen as
    often as the largest, held twice as many homes as addresses at 200,000 claims a night),
    and a shared home address is a ring edge: strangers became "rings", more the larger the
    state. The same holds abroad: 40,000 honest claims from abroad hashed into the foreign
    pool's 327,680 addresses gave 2,300 addresses to two households (0.57 honest claims in
    1,000 at 200,000 a night, 0.07 at 20,000). Blocks are chosen in proportion to their size,
    host numbers run 1-254, and a repeat moves by a rank-dependent step within its block; no
    random draw is used.
    """
    keys = np.unique(keys.astype(np.uint64))
    base, size = ipv4_pools()[kind]
    hosts = (size // np.uint64(256) * np.uint64(254)).astype(np.int64)
    h = mix64(keys ^ (np.uint64(kind) << np.uint64(56)), salt ^ 0x1F)
    cum = np.cumsum(hosts)
    block = np.searchsorted(cum, (h % np.uint64(cum[-1])).astype(np.int64), side="right")
    host = ((h >> np.uint64(16)) % hosts[block].astype(np.uint64)).astype(np.int64)
    host = spread_repeats(cum[block] - hosts[block], host, hosts[block])
    return keys, base[block] + (host // 254 * 256 + 1 + host % 254).astype(np.uint64)


#: IP kinds whose keys get addresses of their own (:func:`own_addresses`), when they fit:
#: a pool is used only while its keys fill at most half of it.
OWN_ADDRESS_KINDS = (IP_RESIDENTIAL, IP_FOREIGN)


def own_address_tables(kind: Arr, key: Arr, salt: int) -> dict[int, tuple[Arr, Arr]]:
    """:func:`own_addresses` of each kind of :data:`OWN_ADDRESS_KINDS` whose keys fit its pool."""
    tables = {}
    for k in OWN_ADDRESS_KINDS:
        keys = np.unique(key[kind == k].astype(np.uint64))
        _, size = ipv4_pools()[k]
        if k == IP_RESIDENTIAL or len(keys) <= int((size // np.uint64(256) * np.uint64(254)).sum()) // 2:
            tables[k] = own_addresses(keys, salt, k)
    return tables


def render_ip(kind: Arr, key: Arr, salt: int, own: dict[int, tuple[Arr, Arr]] | None = None) -> pa.Array:
    """The address a (kind, key) pair stands for: equal pairs give equal addresses; with
    ``own`` (:func:`own_address_tables`), different keys of a kind it holds give different ones."""
    h = mix64(key.astype(np.uint64) ^ (kind.astype(np.uint64) << np.uint64(56)), salt ^ 0x1F)
    v4 = np.zeros(len(kind), dtype=np.uint64)
    for k, (base, size) in ipv4_pools().items():
        rows = kind == k
        pool_key = np.where(k == IP_HOSTING24, mix64(key >> np.uint64(8), salt), h)[rows]
        block = (pool_key % np.uint64(len(base))).astype(np.int64)
        offset = (pool_key >> np.uint64(16)) % size[block]
        v4[rows] = base[block] + offset
    low = np.where(
        kind == IP_HOSTING24, key & np.uint64(0xFF), np.uint64(1) + (v4 & np.uint64(0xFF)) % np.uint64(254)
    )
    v4 = (v4 & ~np.uint64(0xFF)) | low
    for k, (keys, addresses) in (own or {}).items():
        rows = kind == k
        at = np.searchsorted(keys, key[rows].astype(np.uint64))
        if (at >= len(keys)).any() or (keys[np.minimum(at, len(keys) - 1)] != key[rows]).any():
            raise AssertionError(f"a key of IP kind {k} has no address of its own")
        v4[rows] = addresses[at]
    top = h >> np.uint64(60)
    v6 = ((kind == IP_RESIDENTIAL) & (top < 2)) | ((kind == IP_CGNAT) & (top < 5))
    prefixes = np.where(
        (kind == IP_CGNAT)[:, None],
        np.asarray(CGNAT_V6)[(h % np.uint64(2)).astype(np.int64)],
        np.asarray(RESIDENTIAL_V6)[(h % np.uint64(2)).astype(np.int64)],
    ).astype(np.uint64)
    text = where(v6, render_ipv6(prefixes, h), render_ipv4(v4))
    return where(kind == IP_NONE, "", text)


HOSTING_OCTETS = (13, 18, 20, 40, 44, 54, 137, 139, 143, 157, 161, 164, 165, 178, 188, 194, 195, 206, 209)


FOREIGN_OCTETS = (31, 46, 77, 95, 105, 110, 114, 117, 154, 180, 181, 186, 190, 200, 201)
