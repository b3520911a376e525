"""Known bad actors: identifiers already on the suspicious-actors list."""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes, make_code
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.fraud import ADDRESSES_PER_RING, LISTED_PER_RING
from claimscreen.data.generate.kinds import IP_RESIDENTIAL, KNOWN_BAD, NS_LISTED
from claimscreen.data.generate.rings import Rings

__all__ = ["apply_listed_habits"]


def apply_listed_habits(
    rng: np.random.Generator,
    c: Codes,
    rings: Rings,
    typ: Arr,
    drop_base: int,
    email_base: int,
    listed_phones: Arr,
) -> None:
    """Known bad actors reuse one or two identifiers that are already on the suspicious-actors list."""
    ring = c["ring"]
    n = len(ring)
    bad = typ == KNOWN_BAD
    first = rng.integers(0, 6, n)
    second = np.where(rng.random(n) < 0.3, (first + rng.integers(1, 6, n)) % 6, -1)
    member = rng.integers(0, LISTED_PER_RING, n)
    slot = ring * LISTED_PER_RING + member
    key = (ring.astype(np.int64) << 8) | member
    # The ring's variant says which pair of listed identifiers it reuses (money: account,
    # address; contact: mailbox, phone; network: IP address, device).
    variant = rings.variant[ring]
    pair = np.select(
        [is_variant(variant, KNOWN_BAD, "listed_money"), is_variant(variant, KNOWN_BAD, "listed_contact")],
        [0, 1],
        2,
    )
    kinds = np.array([[0, 5], [1, 2], [3, 4]])
    first, second = kinds[pair, first % 2], np.where(second >= 0, kinds[pair, (first + 1) % 2], -1)

    def uses(kind: int) -> Arr:
        return bad & ((first == kind) | (second == kind))

    c["acct"] = np.where(uses(0), make_code(NS_LISTED, key), c["acct"])
    c["pay"] = np.where(uses(0), 0, c["pay"])
    c["email"] = np.where(uses(1), email_base + slot, c["email"])
    c["phone"] = np.where(uses(2), listed_phones[slot], c["phone"])
    c["ip_kind"] = np.where(uses(3), IP_RESIDENTIAL, c["ip_kind"])
    c["ip_key"] = np.where(uses(3), make_code(NS_LISTED, key), c["ip_key"])
    c["device"] = np.where(uses(4), make_code(NS_LISTED, key), c["device"])
    c["addr"] = np.where(uses(5), drop_base + ring * ADDRESSES_PER_RING + 2 + member, c["addr"])
