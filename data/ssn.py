"""SSN structure flags, computed at ingest from the digits (the lake keeps only tokens).

Rules (SSA, "Social Security Number Randomization", 2011, and POMS RM 10201): an
area of 000, 666 or 900-999, a group of 00 or a serial of 0000 is never issued,
nor are the voided advertisement numbers. ``ssn_never_issued`` marks areas
734-749 and 773-899, which SSA had not issued before it randomized assignment on
25 June 2011; since then they are issued like any other, so the flag is a weak
signal (a number issued after mid-2011) and is *not* part of
``ssn_structurally_invalid``.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["SSN_FLAG_COLUMNS", "ssn_structure_flags"]

#: Numbers printed on sample cards and advertisements, voided by SSA.
VOIDED_SSNS: tuple[str, ...] = ("078051120", "219099999")

SSN_FLAG_COLUMNS: tuple[str, ...] = (
    "ssn_invalid_area",
    "ssn_invalid_group",
    "ssn_invalid_serial",
    "ssn_never_issued",
    "ssn_structurally_invalid",
)


def ssn_structure_flags(ssn_digits: pd.Series) -> pd.DataFrame:
    """The SSN structure flags (:data:`SSN_FLAG_COLUMNS`) of SSN digit strings, on the same index.

    Rules (SSA, "Social Security Number Randomization", 2011, and POMS RM 10201):
    an area of 000, 666 or 900-999, a group of 00 or a serial of 0000 is never
    issued, nor are the voided advertisement numbers. ``ssn_never_issued`` marks
    areas 734-749 and 773-899, which SSA had not issued before it randomized
    assignment on 25 June 2011; since then they are issued like any other, so the
    flag is a weak signal (a number issued after mid-2011) and is *not* part of
    ``ssn_structurally_invalid``. A missing or malformed value gets no flag.
    """
    digits = ssn_digits.astype("str").str.replace("-", "", regex=False).str.replace(" ", "", regex=False)
    well_formed = (digits.str.len() == 9).fillna(False).to_numpy(dtype=bool)
    # Fixed-width digit strings compare like the numbers they spell.
    area = digits.str.slice(0, 3).where(well_formed)
    flags = pd.DataFrame(
        {
            "ssn_invalid_area": area.isin(("000", "666")) | (area >= "900"),
            "ssn_invalid_group": digits.str.slice(3, 5).where(well_formed) == "00",
            "ssn_invalid_serial": digits.str.slice(5, 9).where(well_formed) == "0000",
            "ssn_never_issued": area.between("734", "749") | area.between("773", "899"),
        },
        index=ssn_digits.index,
    )
    voided = digits.isin(VOIDED_SSNS).fillna(False).astype(bool)
    flags["ssn_structurally_invalid"] = (
        flags["ssn_invalid_area"] | flags["ssn_invalid_group"] | flags["ssn_invalid_serial"] | voided
    )
    return flags.fillna(False).astype(bool)
