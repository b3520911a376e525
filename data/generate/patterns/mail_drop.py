"""Mail drops: one unit given by many stolen identities over weeks."""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Codes
from claimscreen.data.generate.families import draw_variants, is_variant
from claimscreen.data.generate.kinds import DROP_ADDRESS, MAIL_DROP
from claimscreen.data.generate.people import People
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import STREET_STYLES, UNIT_STYLES

__all__ = ["MAIL_DROP_STREAM", "plan_mail_drops"]

#: A mail-drop ring rents or borrows one apartment (or PO box) and routes many stolen
#: identities' mail and debit cards there over weeks. Drop-address rings of this many people
#: become mail drops (about half of them): one unit, given as home or as mailing address by
#: each member alike, the unit spelled as each member's form happened to (Apt 5, #5, Unit 5...),
#: filed over 7 to 21 days rather than in an evening or two.
MAIL_DROP_SIZES = (5, 24)
MAIL_DROP_SHARE = 0.5
MAIL_DROP_DAYS = (7, 22)
MAIL_DROP_STREAM = 17


def plan_mail_drops(rng: np.random.Generator, c: Codes, rings: Rings, people: People, days: int) -> None:
    """Turn some drop-address rings of the fraud claims ``c`` into mail drops (:data:`MAIL_DROP_SIZES`).

    ``rng`` is a stream of its own (``[seed, MAIL_DROP_STREAM]``), so every other draw of the
    world is as it was without mail drops; only the chosen rings' timing and addresses change.
    Each chosen ring draws a variant of the mail-drop family (``rings.variant`` is updated in
    place): the unit given as residence by every member, as mailing address, or either.
    """
    low, high = MAIL_DROP_SIZES
    chosen = (rings.typology == DROP_ADDRESS) & (rings.size >= low) & (rings.size <= high)
    chosen &= rng.random(len(rings)) < MAIL_DROP_SHARE
    span = rng.integers(*MAIL_DROP_DAYS, len(rings))
    ring = c["ring"]
    rows = np.flatnonzero(chosen[ring])
    n, r = len(rows), ring[rows]
    c["day"][rows] = np.minimum(
        rings.start_day[r] + np.floor(rng.random(n) * span[r]).astype(np.int64), days - 1
    )
    c["sec"][rows] = rng.integers(8 * 3600, 23 * 3600, n)
    given = np.where(c["mail_kind"][rows] == 1, c["mail_addr"][rows], c["addr"][rows])
    first = np.zeros(len(rings), dtype=np.int64)
    first[r[::-1]] = given[::-1]  # one unit per ring: its first member's drop address
    drop = first[r]
    variant = draw_variants(rng, np.where(chosen, MAIL_DROP, -1))
    rings.variant[chosen] = variant[chosen]
    as_home = np.where(
        is_variant(variant[r], MAIL_DROP, "mixed"),
        rng.random(n) < 0.5,
        is_variant(variant[r], MAIL_DROP, "residence"),
    )
    c["addr"][rows] = np.where(as_home, drop, people.household[c["ident"][rows]])
    c["mail_kind"][rows] = np.where(as_home, 0, 1)
    c["mail_addr"][rows] = np.where(as_home, -1, drop)
    c["unit_style"][rows] = rng.integers(0, len(UNIT_STYLES), n)
    c["mail_style"][rows] = rng.integers(0, len(UNIT_STYLES), n)
    c["street_style"][rows] = rng.integers(0, len(STREET_STYLES), n)
    c["typology"][rows] = MAIL_DROP
