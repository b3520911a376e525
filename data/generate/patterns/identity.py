"""Re-filed identities' spelling variations; invented and dead people's employers."""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Arr, Codes, pick
from claimscreen.data.generate.kinds import DECEASED, INCARCERATED, REFILED, SYNTHETIC
from claimscreen.data.generate.places import Employers


def apply_identity_habits(
    rng: np.random.Generator, c: Codes, typ: Arr, rank: Arr, employers: Employers
) -> None:
    """Re-filed identities vary the spelling; invented and dead people claim a random employer."""
    n = len(typ)
    variant = np.asarray((1, 2, 3, 4, 6))[pick(rng, (30, 25, 20, 15, 10), n)]
    c["name_var"] = np.where((typ == REFILED) & (rank > 0), variant, c["name_var"])
    no_job = np.isin(typ, (SYNTHETIC, DECEASED, INCARCERATED))
    c["employer"] = np.where(no_job & (c["program"] != 3), pick(rng, employers.weight, n), c["employer"])
