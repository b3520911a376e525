"""Drop addresses, inmates' outside accomplices and synthetic rings' phones."""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes, mix64, pick
from claimscreen.data.generate.fraud import ADDRESSES_PER_RING
from claimscreen.data.generate.kinds import DROP_ADDRESS, INCARCERATED, SYNTHETIC
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import UNIT_STYLES


def apply_address_habits(
    rng: np.random.Generator, c: Codes, rings: Rings, typ: Arr, drop_base: int, ring_phones: Arr
) -> None:
    """Drop addresses (unit spelled many ways), inmates' outside accomplice, synthetic rings' phones."""
    ring = c["ring"]
    n = len(ring)
    drop = drop_base + ring * ADDRESSES_PER_RING + np.floor(rng.random(n) * rings.pool[ring]).astype(np.int64)
    dropping = typ == DROP_ADDRESS
    as_residence = dropping & (mix64(ring, 11) % np.uint64(100) < 55)
    as_mailing = dropping & ~as_residence
    inmate = typ == INCARCERATED
    accomplice = drop_base + ring * ADDRESSES_PER_RING + rng.integers(0, 2, n)
    c["addr"] = np.select([as_residence, inmate & ~rings.chained[ring]], [drop, accomplice], c["addr"])
    c["mail_kind"] = np.where(as_mailing, 1, c["mail_kind"])
    c["mail_addr"] = np.where(as_mailing, drop, c["mail_addr"])
    c["mail_style"] = np.where(as_mailing, rng.integers(0, len(UNIT_STYLES), n), c["mail_style"])
    c["unit_inline"] = np.where(dropping, rng.random(n) < 0.15, c["unit_inline"])
    c["pay"] = np.where(dropping | inmate, pick(rng, (30, 55, 15), n), c["pay"])
    phone_pool = (typ == SYNTHETIC) | (inmate & ~rings.chained[ring])
    c["phone"] = np.where(phone_pool, ring_phones[ring * 4 + rng.integers(0, 2, n)], c["phone"])
