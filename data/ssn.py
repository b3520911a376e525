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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SSN_FLAG_COLUMNS", "VOIDED_SSNS", "ssn_structure_flag_arrays", "ssn_structure_flags"]

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
    text = pa.array(ssn_digits.astype("str").array, type=pa.large_string())
    flags = ssn_structure_flag_arrays(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text)
    return pd.DataFrame(flags, index=ssn_digits.index)


def ssn_structure_flag_arrays(ssn_digits: pa.Array) -> dict[str, np.ndarray]:
    """:func:`ssn_structure_flags` of an Arrow string array, as boolean numpy arrays by name.

    Dashes and spaces are dropped; a value of nine characters is well formed. Its parts are
    compared as text, which for digits orders them as the numbers they spell.
    """
    digits = pc.replace_substring(pc.replace_substring(ssn_digits, "-", ""), " ", "")
    well_formed = pc.fill_null(pc.equal(pc.utf8_length(digits), 9), False)
    area = pc.utf8_slice_codeunits(digits, 0, 3)

    def where_well_formed(condition: pa.Array) -> np.ndarray:
        return np.asarray(pc.fill_null(pc.and_(well_formed, condition), False), dtype=bool)

    def between(low: str, high: str) -> pa.Array:
        return pc.and_(pc.greater_equal(area, low), pc.less_equal(area, high))

    flags = {
        "ssn_invalid_area": where_well_formed(
            pc.or_(
                pc.is_in(area, value_set=pa.array(["000", "666"], area.type)), pc.greater_equal(area, "900")
            )
        ),
        "ssn_invalid_group": where_well_formed(pc.equal(pc.utf8_slice_codeunits(digits, 3, 5), "00")),
        "ssn_invalid_serial": where_well_formed(pc.equal(pc.utf8_slice_codeunits(digits, 5, 9), "0000")),
        "ssn_never_issued": where_well_formed(pc.or_(between("734", "749"), between("773", "899"))),
    }
    voided = np.asarray(pc.fill_null(pc.is_in(digits, value_set=pa.array(VOIDED_SSNS, digits.type)), False))
    flags["ssn_structurally_invalid"] = (
        flags["ssn_invalid_area"] | flags["ssn_invalid_group"] | flags["ssn_invalid_serial"] | voided
    )
    return flags
