"""Bank drops behind a layoff: stolen payroll data of one large employer.

After a breach of an employer's payroll or HR data, a ring files for that employer's
workers as if they had just been laid off: the same employer, lack of work, the same
separation date, a day or two of filing, as an honest mass layoff looks. The workers'
wage records name that employer, so the claims agree with the state's wage data; the
payments still go to the ring's few accounts.
"""

from __future__ import annotations

import numpy as np

from claimscreen.data.generate.arrays import Codes
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.kinds import BANK_DROP
from claimscreen.data.generate.people import People
from claimscreen.data.generate.places import Employers
from claimscreen.data.generate.rings import Rings

__all__ = ["apply_layoff_cover"]


def apply_layoff_cover(
    rng: np.random.Generator, c: Codes, rings: Rings, people: People, employers: Employers
) -> None:
    """``layoff_cover`` rings (rows sorted by ring): one large employer and separation date each."""
    rows = np.flatnonzero(is_variant(rings.variant[c["ring"]], BANK_DROP, "layoff_cover"))
    if not len(rows):
        return
    _, first, ring_no = np.unique(c["ring"][rows], return_index=True, return_inverse=True)
    large = np.argsort(-employers.weight, kind="stable")[:40]
    employer = large[rng.integers(0, len(large), len(first))][ring_no]
    separated = (c["day"][rows][first] - rng.integers(2, 10, len(first)))[ring_no]
    ident = c["ident"][rows]
    people.employer[ident], people.prev_employer[ident], people.quarters[ident] = employer, -1, 4
    c["employer"][rows], c["program"][rows], c["sep_reason"][rows] = employer, 0, 0
    c["sep_days"][rows] = c["day"][rows] - separated
