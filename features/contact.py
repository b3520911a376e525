"""Contact points abroad: a phone number outside the US, a phone tied to no place, mail sent abroad.

:func:`compute_contact_features` reads tonight's claims (lake columns ``phone_e164``,
``phone_non_geographic`` and ``mailing_abroad``, which ingest fills in; see
:func:`claimscreen.data.normalize.phone_flags_array` and ``mailing_region_array``) and
returns one row per claim, indexed by ``claim_id``, with exactly the columns of
:data:`FEATURES`.

These are *contact-point* signals, not accusations: the US identity-data hub flags a
foreign contact point, and fraud run from abroad shows one, but so do many honest
claimants (family abroad, a recent move, mail sent to a relative). They are model
inputs with a modest cold-start weight (models/evidence.py); none is hard evidence.

**What each can and cannot see.**

* ``phone_foreign``: a country code other than +1, or a +1 (NANP) area code that belongs
  to another NANP country (Canada, the Caribbean), asked of :mod:`phonenumbers` once per
  distinct area code. US territories (PR, GU, VI, AS, MP) are domestic. An area code
  phonenumbers does not know (555, unassigned) is not called foreign.
* ``phone_non_geographic``: toll-free, premium, personal (+1 500), UAN, VoIP... by the
  number's *prefix* only. phonenumbers' offline metadata knows the line type of whole
  number ranges: for most countries it tells a VoIP range, but US numbers are assigned
  to carriers block by block inside geographic area codes, so a US VoIP line (Google
  Voice, TextNow) looks like any other line and is *not* seen. Seeing it needs a carrier
  lookup (a paid LNP / CNAM service), not this file.
* ``mailing_abroad``: the mailing address is outside the US mail; military APO/FPO/DPO
  (AA, AE, AP) and the freely associated states' USPS codes are US mail.

Missing is a value: a claim without a phone gets False for both phone flags.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.normalize import per_distinct
from claimscreen.features.catalog import Feature, check_unique

__all__ = ["DOMESTIC_REGIONS", "FEATURES", "WINDOW_COLUMNS", "compute_contact_features", "phone_foreign"]

#: Regions whose numbers, internet addresses and mail are domestic: the US and its territories.
DOMESTIC_REGIONS: frozenset[str] = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"})

#: The claims-lake columns read (tonight's claims only).
WINDOW_COLUMNS: tuple[str, ...] = ("phone_e164", "phone_non_geographic", "mailing_abroad")

FEATURES: tuple[Feature, ...] = check_unique(
    (
        Feature(
            "phone_foreign",
            "bool",
            "The contact phone number is outside the US (another country code, or Canada or the Caribbean).",
            "identity",
        ),
        Feature(
            "phone_non_geographic",
            "bool",
            "The contact phone is tied to no place: toll-free, premium, personal, VoIP or a global number.",
            "identity",
        ),
        Feature("mailing_abroad", "bool", "The mailing address is outside the US mail.", "identity"),
    )
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def compute_contact_features(claims: pd.DataFrame) -> pd.DataFrame:
    """The :data:`FEATURES` of ``claims`` (tonight's rows: claim_id and :data:`WINDOW_COLUMNS`), by claim_id.

    A column the lake does not hold yet (claims ingested before it existed) gives False.
    """
    index = pd.Index(claims["claim_id"], name="claim_id")
    n = len(claims)
    phone = claims["phone_e164"] if "phone_e164" in claims else pd.Series([None] * n, dtype="str")
    return pd.DataFrame(
        {
            "phone_foreign": phone_foreign(phone),
            "phone_non_geographic": _flag(claims, "phone_non_geographic"),
            "mailing_abroad": _flag(claims, "mailing_abroad"),
        },
        index=index,
    )


def _flag(claims: pd.DataFrame, column: str) -> np.ndarray:
    """A yes/no lake column as bool (missing, or the column absent: False)."""
    if column not in claims:
        return np.zeros(len(claims), dtype=bool)
    values = claims[column].astype("boolean").fillna(False)
    return np.asarray(values.to_numpy(dtype=bool), dtype=bool)


def phone_foreign(e164: pd.Series) -> np.ndarray:
    """Whether each E.164 number is outside the US: not +1, or a +1 area code of another country.

    The region is asked once per distinct area code (a few hundred), never per claim.
    """
    array = pa.array(e164.astype("str").array, type=pa.large_string())
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    nanp = pc.starts_with(array, "+1")
    area = pc.utf8_slice_codeunits(pc.if_else(nanp, array, pa.scalar(None, pa.large_string())), 2, 5)
    other_country = _mask(per_distinct(area, _nanp_abroad, pa.bool_()))
    not_nanp = _mask(pc.invert(nanp))  # null (no number) is False
    return not_nanp | other_country


def _mask(result: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(result, False).to_numpy(zero_copy_only=False), dtype=bool)


@functools.lru_cache(maxsize=2048)
def _nanp_abroad(area: str | None) -> bool:
    """Whether a NANP area code (three digits) is another country's (CA, JM, DO...)."""
    if area is None or len(area) != 3 or not area.isdigit():
        return False
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(f"+1{area}2345678"))
    except phonenumbers.NumberParseException:
        return False
    return region is not None and region not in DOMESTIC_REGIONS and region != "001"
