"""Extract defects: rows spoilt the way real state extracts are."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from claimscreen.data.generate.arrays import Arr

__all__ = ["add_extract_defects"]

#: What goes wrong in a real state's nightly extract, and the change that shows it.
DEFECTS: tuple[tuple[str, str, str], ...] = (
    ("missing ssn", "ssn", ""),
    ("malformed ssn", "ssn", "12345678"),
    ("malformed zip", "zip", "4321"),
    ("malformed date_of_birth", "date_of_birth", "1984-02-30"),
    ("unknown channel", "channel", "kiosk"),
    ("malformed phone", "phone", "555-01"),
    ("duplicate claim_id (resent the next night)", "", ""),
)


def add_extract_defects(
    rng: np.random.Generator, columns: dict[str, pa.Array], day: Arr, rate: float
) -> tuple[dict[str, pa.Array], Arr, pa.Array]:
    """Spoil a share ``rate`` of rows the way real extracts are spoilt.

    Returns the batch columns (a resent row is appended to the next night), each
    row's night, and the defect of every claim (null for clean ones) for the
    truth file. A separate random stream keeps the clean world unchanged.
    """
    n = len(day)
    chosen = np.sort(rng.choice(n, size=min(round(n * rate), n), replace=False))
    kind = rng.integers(0, len(DEFECTS), size=len(chosen))
    labels = np.full(n, None, dtype=object)
    labels[chosen] = [DEFECTS[k][0] for k in kind]
    out = dict(columns)
    for k, (_, column, value) in enumerate(DEFECTS):
        rows = chosen[kind == k]
        if column and len(rows):
            values = out[column].to_numpy(zero_copy_only=False).astype(object)
            values[rows] = value
            out[column] = pa.array(values, pa.string())
    is_dup = kind == len(DEFECTS) - 1
    resent = chosen[is_dup & (day[chosen] < day.max(initial=0))]
    labels[chosen[is_dup & (day[chosen] == day.max(initial=0))]] = None  # no next night to resend on
    order = np.argsort(np.r_[day, day[resent] + 1], kind="stable")
    rows = np.r_[np.arange(n), resent][order]
    batch = {name: array.take(pa.array(rows)) for name, array in out.items()}
    return batch, np.r_[day, day[resent] + 1][order], pa.array(labels, pa.string())
