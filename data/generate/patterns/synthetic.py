"""Synthetic identities: invented people, with an impossible or a plausible SSN.

Some synthetic identities carry an SSN no one could have been issued (area 000, 666 or
9xx, group 00, serial 0000); most real ones carry a number of a valid form that was never
issued, so a format check passes and only the thin footprint shows: no wage history, a
new mailbox and phone. Some are young adults; others have been aged for years first.
"""

from __future__ import annotations

import datetime

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.kinds import SYNTHETIC
from claimscreen.data.generate.people import People
from claimscreen.data.generate.rings import Rings

__all__ = ["apply_synthetic_identities"]


def unissued_ssns(rng: np.random.Generator, n: int, taken: Arr) -> Arr:
    """n distinct SSNs of a valid form (area 001-899 but not 666, group 01-99, serial
    0001-9999) that no one in ``taken`` holds."""
    m = 2 * n + 100
    area = rng.integers(1, 900, m)
    area = np.where(area == 666, 667, area)
    ssn = area * 1_000_000 + rng.integers(1, 100, m) * 10_000 + rng.integers(1, 10_000, m)
    ssn = ssn[~np.isin(ssn, taken)]
    _, first = np.unique(ssn, return_index=True)
    return ssn[np.sort(first)][:n]


def apply_synthetic_identities(
    rng: np.random.Generator, c: Codes, rings: Rings, people: People, start: datetime.date
) -> None:
    """``plausible_ssn_*`` rings get never-issued SSNs of a valid form; ``_aged`` ones are 25-55."""
    variant = rings.variant[c["ring"]]
    thin = is_variant(variant, SYNTHETIC, "plausible_ssn_thin")
    aged = is_variant(variant, SYNTHETIC, "plausible_ssn_aged")
    plausible = np.unique(c["ident"][thin | aged])
    people.ssn[plausible] = unissued_ssns(rng, len(plausible), people.ssn)
    older = np.unique(c["ident"][aged])
    years = 25 + rng.random(len(older)) * 30
    people.dob[older] = np.datetime64(start) - np.floor(years * 365.25).astype(np.int64)
