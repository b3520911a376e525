"""Normalization of claim fields: vectorized, one function per kind of field.

INTERFACE STUB: every function takes pandas Series of raw text (dtype "str",
missing values as NA, surrounding whitespace possibly present) and returns a
Series with the same index. A value that is present in the input but cannot be
normalized comes out as NA: the validator treats "present in, missing out" as
malformed.
"""

from __future__ import annotations

import pandas as pd


def clean_text(values: pd.Series) -> pd.Series:
    """Strip surrounding whitespace and collapse inner runs; empty strings become NA."""
    raise NotImplementedError


def normalize_name(values: pd.Series) -> pd.Series:
    """Upper-case ASCII letters and single spaces: accents folded, punctuation dropped."""
    raise NotImplementedError


def canonical_email(values: pd.Series) -> pd.Series:
    """Lower-cased mailbox with +tags dropped and, for Gmail, dots removed; NA if malformed."""
    raise NotImplementedError


def phone_e164(values: pd.Series) -> pd.Series:
    """A US phone number in E.164 (+1NXXNXXXXXX); NA if it is not a valid NANP number."""
    raise NotImplementedError


def split_zip(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(zip5, zip4) from 12345, 12345-6789 or 123456789; both NA if malformed."""
    raise NotImplementedError


def normalize_address(line1: pd.Series, line2: pd.Series) -> pd.Series:
    """One upper-case street line with USPS abbreviations and the unit as ``#<unit>``."""
    raise NotImplementedError


def normalize_state(values: pd.Series) -> pd.Series:
    """A USPS two-letter state or territory code; NA if unknown."""
    raise NotImplementedError


def ssn_digits(values: pd.Series) -> pd.Series:
    """Nine digits with dashes and spaces removed; NA if not nine digits."""
    raise NotImplementedError


def ein_digits(values: pd.Series) -> pd.Series:
    """Nine digits with the optional dash removed; NA if malformed."""
    raise NotImplementedError


def routing_number(values: pd.Series) -> pd.Series:
    """A nine-digit ABA routing number that passes its checksum; NA otherwise."""
    raise NotImplementedError


def account_number(values: pd.Series) -> pd.Series:
    """Account digits (4 to 17) with spaces and dashes removed; NA otherwise."""
    raise NotImplementedError


def normalize_ip(values: pd.Series) -> pd.Series:
    """Canonical text of an IPv4 or IPv6 address (IPv6 compressed); NA if malformed."""
    raise NotImplementedError


def parse_date(values: pd.Series) -> pd.Series:
    """Dates from YYYY-MM-DD text as datetime64 at midnight; NA if malformed or impossible."""
    raise NotImplementedError


def parse_timestamp(values: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 timestamps as UTC; a value without offset is in ``timezone``; NA if malformed."""
    raise NotImplementedError


def parse_number(values: pd.Series) -> pd.Series:
    """Floats from decimal text; NA if malformed."""
    raise NotImplementedError


def normalize_language(values: pd.Series) -> pd.Series:
    """A lower-case ISO 639-1 code; NA if not two letters."""
    raise NotImplementedError
