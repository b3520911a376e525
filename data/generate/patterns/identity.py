"""Re-filed identities' spelling variations; invented and dead people's employers."""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes, pick
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.kinds import DECEASED, INCARCERATED, REFILED, SYNTHETIC
from claimscreen.data.generate.places import Employers

__all__ = ["apply_identity_habits"]


def apply_identity_habits(
    rng: np.random.Generator, c: Codes, typ: Arr, rank: Arr, employers: Employers, variant: Arr
) -> None:
    """Re-filed identities vary the spelling (names.py's NAME_VARIATIONS; a ``stacked_variations``
    ring both a name and the birth date); invented and dead people claim a random employer."""
    n = len(typ)
    spelling = np.asarray((1, 2, 3, 4, 6))[pick(rng, (30, 25, 20, 15, 10), n)]
    stacked = is_variant(variant, REFILED, "stacked_variations")
    spelling = np.where(stacked, np.where(spelling == 1, 7, 8), spelling)
    c["name_var"] = np.where((typ == REFILED) & (rank > 0), spelling, c["name_var"])
    no_job = np.isin(typ, (SYNTHETIC, DECEASED, INCARCERATED))
    c["employer"] = np.where(no_job & (c["program"] != 3), pick(rng, employers.weight, n), c["employer"])
