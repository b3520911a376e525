"""Normalization of claim fields: vectorized, one function per kind of field.

Every function takes a pandas Series of raw text (dtype ``str``, missing values
as NA, surrounding whitespace possibly present) and returns a Series with the
same index. A value that is present in the input but cannot be normalized
comes out as NA: the validator treats "present in, missing out" as malformed.
Missing in is missing out. Each has an Arrow form, ``<name>_array``, taking and
returning a large-string array (nulls for NA): ingest works on those, without a
round trip through pandas; the Series form is a thin wrapper around it.

The work is done by ``pyarrow.compute`` kernels over whole columns (RE2
regular expressions, Unicode normalization, hash lookups) and numpy over the
UTF-8 bytes, which release the GIL. The Python loops run once per *distinct*
value, and only over the values the fast path leaves: IP addresses not already
in canonical form (:mod:`ipaddress`), names and addresses with non-ASCII
letters (:mod:`anyascii`), phone numbers that are not plain NANP numbers
(:mod:`phonenumbers`) and email addresses that are not plain ASCII ones
(:mod:`email_validator`, offline: it never looks the domain up). Decisions
worth knowing:

* Dates (:func:`parse_date`) come back as ``datetime64[us]`` at midnight: the
  unit pandas gives parsed text, wide enough for every four-digit year
  (:func:`parse_date_array`: Arrow ``date32``).
* Timestamps (:func:`parse_timestamp`) come back as ``datetime64[us, UTC]``. A
  local time that does not exist (the spring-forward gap) is shifted forward to
  the first instant after the gap; an ambiguous one (the repeated fall-back
  hour) is read as the *first* occurrence (daylight time), so no claim is
  rejected for a clock change.
* Addresses (:func:`normalize_address`) are a *matching key*, not a mailing
  label: the USPS Publication 28 suffix and directional abbreviations are
  applied to every word of the line (``LAKE SHORE DRIVE`` becomes
  ``LK SHR DR``), the same way on every side of a match, and every unit
  designator becomes ``#`` followed by the unit value without dashes or spaces.
* Names (:func:`normalize_name`) and addresses in any script get a Latin
  matching key (``김 민준`` gives ``GIM MINJUN``, ``Иванов`` ``IVANOV``); the
  value as given is kept beside the key for display.
* Phone numbers (:func:`phone_e164`) from any country are kept in E.164;
  :func:`phone_flags` says which are foreign (not NANP) or non-geographic
  (toll-free, premium, personal, VoIP, ...).

The word lists (USPS states and names, street suffixes, unit words) live in
:mod:`claimscreen.data.vocabularies` and the Arrow string plumbing (byte maps,
masked rewrites, once-per-distinct-value calls) in :mod:`claimscreen.data.arrow_text`;
their public names are importable from here as before.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.arrow_text import (
    DELETE,
    as_large_string,
    keep_where,
    per_distinct,
)
from claimscreen.data.arrow_text import WHITESPACE as _WHITESPACE
from claimscreen.data.arrow_text import blank_to_null as _blank_to_null
from claimscreen.data.arrow_text import byte_table as _byte_table
from claimscreen.data.arrow_text import concat as _concat
from claimscreen.data.arrow_text import digit_matrix as _digit_matrix
from claimscreen.data.arrow_text import keep_matching as _keep_matching
from claimscreen.data.arrow_text import map_words as _map_words
from claimscreen.data.arrow_text import replace as _replace
from claimscreen.data.arrow_text import spell_letters as _spell_letters
from claimscreen.data.arrow_text import string_buffers as _string_buffers
from claimscreen.data.arrow_text import sub as _sub
from claimscreen.data.arrow_text import to_arrow as _to_arrow
from claimscreen.data.arrow_text import to_series as _to_series
from claimscreen.data.arrow_text import translate as _translate
from claimscreen.data.arrow_text import transliterate as _transliterate
from claimscreen.data.arrow_text import trim as _trim
from claimscreen.data.contacts import (
    PLACEHOLDER_EMAIL_DOMAINS,
    PLACEHOLDER_EMAIL_NAMES,
    PLACEHOLDER_EMAIL_PROVIDERS,
    canonical_email,
    canonical_email_array,
    phone_e164,
    phone_e164_array,
    phone_flags,
    phone_flags_array,
    placeholder_email_array,
    placeholder_phone_array,
)
from claimscreen.data.vocabularies import (
    DIRECTIONALS,
    STATE_NAMES,
    STREET_SUFFIXES,
    UNIT_DESIGNATORS,
    USPS_MAIL_ONLY,
    USPS_STATES,
)

_ADDRESS_WORDS = {**STREET_SUFFIXES, **DIRECTIONALS, **dict.fromkeys(UNIT_DESIGNATORS, "#")}
_UNIT_JOINED = rf"\b(?:{'|'.join(UNIT_DESIGNATORS)})[.0-9]"
_UNIT_PERIOD = rf"\b({'|'.join(UNIT_DESIGNATORS)})\."
#: A unit word directly followed by the unit's number (``NO`` excepted: ``NO1`` is a name too).
_UNIT_GLUED = rf"\b({'|'.join(d for d in UNIT_DESIGNATORS if d != 'NO')})([0-9])"
_WORD_KEYS = pa.array(list(_ADDRESS_WORDS), type=pa.large_string())
_WORD_VALUES = pa.array(list(_ADDRESS_WORDS.values()), type=pa.large_string())

_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?\s?(?:Z|[+-]\d{2}:?\d{2})?$"
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
#: A dotted IPv4 address already in canonical form (no leading zeros, octets up to 255).
_IPV4 = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$"
#: A full IPv6 address already in canonical form: eight lower-case groups, none zero or zero-led.
_IPV6_FULL = r"^[1-9a-f][0-9a-f]{0,3}(?::[1-9a-f][0-9a-f]{0,3}){7}$"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_ABA_WEIGHTS = np.array([3, 7, 1, 3, 7, 1, 3, 7, 1], dtype=np.int64)


_DIGITS = _byte_table(keep="0123456789")
_SPACES = _byte_table(to_space=_WHITESPACE)
_NAME_BYTES = _byte_table(keep="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", to_space="-.," + _WHITESPACE)
_ADDRESS_BYTES = _byte_table(delete=".", to_space=",;:" + _WHITESPACE, non_ascii=False)


# --- Text and names ------------------------------------------------------------


def _unclean_rows(array: pa.Array) -> np.ndarray:
    """Rows clean_text must change: a control byte, two spaces in a row, or a space at either end.

    Found on the UTF-8 bytes with numpy: cheaper than a regular expression per value. A
    block of bytes without a control byte or two spaces in a row (nearly every block of a
    night) is passed over after two quick reductions; only the others are searched byte by byte.
    """
    data, offsets = _string_buffers(array)
    rows = np.zeros(len(array), bool)
    if len(data) == 0:
        return rows
    # In blocks, so the temporaries stay small (a column of user agents is 100 MB).
    hits = []
    for start in range(0, len(data), _SCAN_BLOCK):
        block = data[start : start + _SCAN_BLOCK + 1]  # one byte more: a pair across the edge
        if not _may_be_unclean(block):
            continue
        space = block == ord(" ")
        hits.append(np.flatnonzero(block[:_SCAN_BLOCK] < ord(" ")) + start)
        hits.append(np.flatnonzero(space[1:] & space[:-1]) + (start + 1))
    if hits:
        rows[np.searchsorted(offsets, np.concatenate(hits), side="right") - 1] = True
    # A space first or last: the byte at each start and before each end ("clip" keeps the
    # positions of empty values inside the buffer; they are not counted).
    starts, ends = offsets[:-1], offsets[1:]
    edge = np.take(data, starts, mode="clip") == ord(" ")
    edge |= np.take(data, ends - 1, mode="clip") == ord(" ")
    rows |= edge & (ends > starts)
    return rows


def _may_be_unclean(block: np.ndarray) -> bool:
    """Whether ``block`` holds a control byte or two spaces in a row: its smallest byte, and its
    byte pairs read as 16-bit words from an even and from an odd start, compared with two spaces."""
    if block.min() < ord(" "):
        return True
    two_spaces = np.uint16(0x2020)
    even = np.frombuffer(block, dtype=np.uint16, count=len(block) // 2)
    odd = np.frombuffer(block, dtype=np.uint16, count=(len(block) - 1) // 2, offset=1)
    return bool((even == two_spaces).any() or (odd == two_spaces).any())


_SCAN_BLOCK = 1 << 22


def clean_text(values: pd.Series) -> pd.Series:
    """Strip surrounding whitespace and collapse inner runs; empty strings become NA.

    Most values are already clean: only those that are not go through the byte map.
    """
    return _to_series(clean_text_array(_to_arrow(values)), values.index)


def clean_text_array(array: pa.Array) -> pa.Array:
    """:func:`clean_text` on a large-string Arrow array (as every ``*_array`` function here)."""
    unclean = _unclean_rows(array)
    if unclean.any():
        mask = pa.array(unclean)
        fixed = _translate(array.filter(mask), _SPACES, squeeze=True)
        array = pc.replace_with_mask(array, mask, fixed)
    return _blank_to_null(array)


def normalize_name(values: pd.Series) -> pd.Series:
    """A matching key: upper-case ASCII letters and single spaces, any script romanized.

    ``José`` becomes ``JOSE``, ``O'Brien`` ``OBRIEN``, ``Mary-Ann`` ``MARY ANN``,
    ``김 민준`` ``GIM MINJUN``, ``Иванов`` ``IVANOV``; hyphens, periods and commas
    separate words, any other non-letter is dropped.
    """
    return _to_series(normalize_name_array(_to_arrow(values)), values.index)


def normalize_name_array(array: pa.Array) -> pa.Array:
    array = pc.ascii_upper(_transliterate(array, _spell_letters))
    return _blank_to_null(_translate(array, _NAME_BYTES, squeeze=True))


# --- Contact -------------------------------------------------------------------


def split_zip(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(zip5, zip4) from 12345, 12345-6789 or 123456789; both NA if malformed."""
    zip5, zip4 = split_zip_array(_to_arrow(values))
    return _to_series(zip5, values.index), _to_series(zip4, values.index)


def split_zip_array(array: pa.Array) -> tuple[pa.Array, pa.Array]:
    parts = pc.extract_regex(_trim(array), r"^(?P<zip5>\d{5})(?:-?(?P<zip4>\d{4}))?$")
    return _blank_to_null(pc.struct_field(parts, "zip5")), _blank_to_null(pc.struct_field(parts, "zip4"))


def normalize_address(line1: pd.Series, line2: pd.Series) -> pd.Series:
    """One upper-case street line with USPS abbreviations and the unit as ``#<unit>``.

    ``123 North Main Street, Apt. 4-B`` becomes ``123 N MAIN ST #4B``; ``Apt 5``,
    ``Apt.5``, ``APT. 5``, ``Apt5``, ``Apartment 5``, ``Unit 5``, ``#5`` and ``# 5``
    all give ``#5``; ``Apt 2-D``, ``Apt 2 D`` and ``#2D`` give ``#2D``. Other scripts are
    romanized. The two lines are joined with a space; a missing line 1 gives NA whatever
    line 2 is.
    """
    return _to_series(normalize_address_array(_to_arrow(line1), _to_arrow(line2)), line1.index)


def normalize_address_array(line1: pa.Array, line2: pa.Array) -> pa.Array:
    first = _blank_to_null(_trim(line1))
    second = pc.fill_null(line2, pa.scalar("", line2.type))
    array = pc.ascii_upper(_transliterate(_concat(first, second, sep=" ")))
    array = _translate(_replace(_split_units(array), "#", " #"), _ADDRESS_BYTES, squeeze=True)
    array = _map_words(array, _WORD_KEYS, _WORD_VALUES)
    array = _replace(_replace(array, "# #", "#"), "# ", "#")
    array = _sub(array, r"#{2,}", "#", needs_text="##")
    array = _sub(array, r"#([A-Z0-9]+) ?- ?([A-Z0-9]+)", r"#\1\2", needs_text="-")
    array = _sub(array, r"#([0-9]+) ([A-Z])$", r"#\1\2", needs_text="#")  # APT 2 D: the unit 2D
    dangling = pc.fill_null(pc.ends_with(array, "#"), False)
    if pc.any(dangling).as_py():
        cut = _trim(pc.utf8_slice_codeunits(array.filter(dangling), 0, -1))
        array = pc.replace_with_mask(array, dangling, cut)
    return _blank_to_null(array)


def _split_units(array: pa.Array) -> pa.Array:
    """A unit word glued to its value by a period (``APT.5``, ``NO.5``) or directly (``APT5``)
    split from it, so that every spelling of a unit gives one key (one match pass over the
    column; the rewrites run on the matching values only)."""
    found = pc.fill_null(pc.match_substring_regex(array, _UNIT_JOINED), False)
    if not pc.any(found).as_py():
        return array
    split = pc.replace_substring_regex(array.filter(found), _UNIT_PERIOD, r"\1 ")
    split = pc.replace_substring_regex(split, _UNIT_GLUED, r"\1 \2")
    return pc.replace_with_mask(array, found, split)


def normalize_state(values: pd.Series) -> pd.Series:
    """A USPS two-letter state or territory code; NA if unknown."""
    return _to_series(normalize_state_array(_to_arrow(values)), values.index)


_STATE_CODES = pa.array(sorted(USPS_STATES), type=pa.large_string())


_STATE_NAME_KEYS = pa.array(list(STATE_NAMES), type=pa.large_string())
_STATE_NAME_CODES = pa.array(list(STATE_NAMES.values()), type=pa.large_string())


def normalize_state_array(array: pa.Array, codes: pa.Array = _STATE_CODES) -> pa.Array:
    """The USPS code of each value: a code as given (any case), or a written-out name
    (:data:`STATE_NAMES`); null for anything else."""
    array = pc.utf8_upper(_trim(array))
    coded = pc.is_in(array, value_set=codes)
    other = pc.and_(pc.invert(coded), pc.is_valid(array))
    if pc.any(other).as_py():  # written out, or with periods (the rows a plain code leaves)
        spelled = pc.replace_substring_regex(pc.replace_substring(array.filter(other), ".", ""), r"\s+", " ")
        named = pc.index_in(spelled, value_set=_STATE_NAME_KEYS)
        spelled = pc.coalesce(pc.take(_STATE_NAME_CODES, named), spelled).cast(array.type)
        array = pc.replace_with_mask(array, other, spelled)
        coded = pc.is_in(array, value_set=codes)
    return _blank_to_null(keep_where(array, coded))


_MAIL_CODES = pa.array(sorted(USPS_STATES | USPS_MAIL_ONLY), type=pa.large_string())


class Mailing(NamedTuple):
    """A mailing address's state and ZIP as read: in the US mail, or abroad."""

    state: pa.Array
    zip5: pa.Array
    abroad: pa.Array
    malformed_zip: pa.Array


def mailing_region_array(state: pa.Array, zip_code: pa.Array) -> Mailing:
    """Where mail goes: a USPS code and ZIP, or an address abroad.

    The address is *abroad* when its state is given and is no USPS code (``JAL``,
    ``Ontario``), or, with no state, when its postal code is given and is no ZIP
    (``SW1A 1AA``). Abroad, ``state`` keeps the region as given (upper case) and
    ``zip5`` is null: a foreign postal code that looks like a ZIP (Guadalajara's
    44100) must not match a US one. In the US mail, a ZIP that is not one is
    malformed (``malformed_zip``).
    """
    given_state = _blank_to_null(pc.utf8_upper(_trim(state)))
    us_state = normalize_state_array(state, _MAIL_CODES)
    zip5, _ = split_zip_array(zip_code)
    zip_given = pc.is_valid(_blank_to_null(_trim(zip_code)))
    bad_zip = pc.and_(zip_given, pc.is_null(zip5))
    abroad = pc.or_(
        pc.and_(pc.is_valid(given_state), pc.is_null(us_state)),
        pc.and_(pc.is_null(given_state), bad_zip),
    )
    return Mailing(
        state=given_state,
        zip5=keep_where(zip5, pc.invert(abroad)),
        abroad=abroad,
        malformed_zip=pc.and_(bad_zip, pc.invert(abroad)),
    )


# --- Identifiers ---------------------------------------------------------------


def ssn_digits(values: pd.Series) -> pd.Series:
    """Nine digits with dashes and spaces removed; NA if not nine digits.

    Structurally impossible SSNs (area 000 or 666, ...) are kept: they are a
    risk signal for the features, not a format error.
    """
    return _to_series(ssn_digits_array(_to_arrow(values)), values.index)


def ssn_digits_array(array: pa.Array) -> pa.Array:
    digits = _translate(_keep_matching(array, r"^[\d\s-]+$"), _DIGITS)
    return _blank_to_null(_keep_matching(digits, r"^\d{9}$"))


def ein_digits(values: pd.Series) -> pd.Series:
    """Nine digits with the optional dash removed; NA if malformed."""
    return _to_series(ein_digits_array(_to_arrow(values)), values.index)


def ein_digits_array(array: pa.Array) -> pa.Array:
    array = _keep_matching(_trim(array), r"^\d{2}-?\d{7}$")
    return _blank_to_null(_translate(array, _DIGITS))


def routing_number(values: pd.Series) -> pd.Series:
    """A nine-digit ABA routing number that passes its checksum; NA otherwise.

    The checksum: ``3*(d1+d4+d7) + 7*(d2+d5+d8) + (d3+d6+d9)`` is a multiple of 10.
    """
    return _to_series(routing_number_array(_to_arrow(values)), values.index)


def routing_number_array(array: pa.Array) -> pa.Array:
    array = _keep_matching(_trim(array), r"^\d{9}$")
    present = pc.is_valid(array).to_numpy(zero_copy_only=False)
    valid = np.zeros(len(array), dtype=bool)
    digits = _digit_matrix(array.filter(pa.array(present)), 9)
    valid[present] = (digits @ _ABA_WEIGHTS) % 10 == 0
    return _blank_to_null(keep_where(array, valid))


def account_number(values: pd.Series) -> pd.Series:
    """Account digits (4 to 17) with spaces and dashes removed; NA otherwise."""
    return _to_series(account_number_array(_to_arrow(values)), values.index)


def account_number_array(array: pa.Array) -> pa.Array:
    digits = _translate(_keep_matching(array, r"^[\d\s-]+$"), _DIGITS)
    return _blank_to_null(_keep_matching(digits, r"^\d{4,17}$"))


def digits_only(array: pa.Array) -> pa.Array:
    """Every character but the digits removed (Python's ``\\D``); empty becomes null.

    ASCII values go through the byte map; the rare others through :mod:`re`, which
    keeps every Unicode decimal digit (``٣``, ``３``), as pandas' ``str.replace`` did.
    """
    digits = _translate(array, _DIGITS)
    non_ascii = pc.fill_null(pc.invert(pc.string_is_ascii(array)), False)
    if pc.any(non_ascii).as_py():
        kept = [_NON_DIGIT.sub("", value) for value in array.filter(non_ascii).to_pylist()]
        digits = pc.replace_with_mask(digits, non_ascii, pa.array(kept, pa.large_string()))
    return _blank_to_null(digits)


_NON_DIGIT = re.compile(r"\D")


def normalize_ip(values: pd.Series) -> pd.Series:
    """Canonical text of an IPv4 or IPv6 address (IPv6 compressed); NA if malformed.

    An IPv4-mapped IPv6 address (``::ffff:1.2.3.4``) becomes the IPv4 address.
    Addresses already in canonical form (dotted quads, and full IPv6 addresses of
    eight lower-case groups without a zero group or a leading zero: the bulk of a
    night) are kept as they are; the rest go through :mod:`ipaddress` once per
    distinct value.
    """
    return _to_series(normalize_ip_array(_to_arrow(values)), values.index)


def normalize_ip_array(array: pa.Array) -> pa.Array:
    array = _trim(array)
    canonical_as_is = pc.or_(
        pc.fill_null(pc.match_substring_regex(array, _IPV4), False),
        pc.fill_null(pc.match_substring_regex(array, _IPV6_FULL), False),
    )
    others = keep_where(array, pc.invert(canonical_as_is))
    encoded = pc.dictionary_encode(others)
    uniques = np.array([_canonical_ip(v) for v in encoded.dictionary.to_pylist()] + [None], dtype=object)
    codes = pc.fill_null(encoded.indices, len(uniques) - 1).to_numpy(zero_copy_only=False)
    canonical = pa.array(uniques[codes], type=pa.large_string())
    return _blank_to_null(pc.if_else(canonical_as_is, array, canonical))


def _canonical_ip(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


# --- Dates, times, numbers -----------------------------------------------------


def parse_date(values: pd.Series) -> pd.Series:
    """Dates from YYYY-MM-DD text as ``datetime64[us]`` at midnight; NA if malformed or impossible.

    Each distinct text is parsed once (a column of birth dates repeats a lot).
    """
    return pd.Series(_parse_date_numpy(_to_arrow(values)), index=values.index, dtype="datetime64[us]")


def parse_date_array(array: pa.Array) -> pa.Array:
    """:func:`parse_date` as an Arrow ``date32`` array (null if malformed or impossible)."""
    midnights = _parse_date_numpy(array)
    missing = np.isnat(midnights)
    days = np.where(missing, 0, midnights.view(np.int64) // _MICROSECONDS_PER_DAY).astype(np.int32)
    return pa.array(days, type=pa.date32(), mask=missing)


_MICROSECONDS_PER_DAY = 86_400 * 1_000_000


def _parse_date_numpy(array: pa.Array) -> np.ndarray:
    array = _keep_matching(_trim(array), r"^\d{4}-\d{2}-\d{2}$")
    encoded = pc.dictionary_encode(array)
    uniques = pd.Index(encoded.dictionary.to_pylist(), dtype="str")
    parsed = pd.to_datetime(uniques, format="%Y-%m-%d", errors="coerce").as_unit("us").to_numpy()
    codes = pc.fill_null(encoded.indices, len(parsed)).to_numpy(zero_copy_only=False)
    return np.append(parsed, np.datetime64("NaT", "us"))[codes]


def parse_timestamp(values: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 timestamps as ``datetime64[us, UTC]``; a value without offset is in ``timezone``.

    ``T`` or a space separates date and time; seconds and fractions are
    optional; the offset is ``Z``, ``+05:30`` or ``-0500``. A local time in the
    spring-forward gap moves forward past the gap; one in the repeated
    fall-back hour is read as its first (daylight-time) occurrence. NA if malformed.
    """
    utc = parse_timestamp_numpy(_to_arrow(values), timezone)
    return pd.Series(utc, index=values.index).dt.tz_localize("UTC")


def parse_timestamp_numpy(array: pa.Array, timezone: str) -> np.ndarray:
    """:func:`parse_timestamp` as naive UTC ``datetime64[us]`` (NaT if malformed).

    The usual form, ``YYYY-MM-DDTHH:MM:SS`` without offset in this century or the last, is
    read by Arrow's cast (an impossible date among them sends them all to pandas); the
    others by pandas. Both read the same text the same way (checked on every edge of
    every field), and every local time goes through the same pandas localization.
    """
    array = pc.ascii_upper(_trim(array))
    local = np.full(len(array), np.datetime64("NaT"), dtype="datetime64[us]")
    utc = local.copy()
    plain = np.array(pc.fill_null(pc.match_substring_regex(array, _PLAIN_TIMESTAMP), False), dtype=bool)
    if plain.any():
        try:
            local[plain] = (
                array.filter(pa.array(plain)).cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
            )
        except pa.ArrowInvalid:
            plain[:] = False
    others = _replace(_keep_matching(keep_where(array, ~plain), _TIMESTAMP), ",", ".")
    has_offset = pc.fill_null(pc.match_substring_regex(others, _OFFSET), False).to_numpy(zero_copy_only=False)
    naive = ~has_offset & pc.is_valid(others).to_numpy(zero_copy_only=False)
    if has_offset.any():
        utc[has_offset] = (
            _parse_iso(others.filter(pa.array(has_offset)), utc=True).tz_convert(None).to_numpy()
        )
    if naive.any():
        local[naive] = _parse_iso(others.filter(pa.array(naive)), utc=False).to_numpy()
    in_zone = plain | naive
    if in_zone.any():
        first = np.ones(int(in_zone.sum()), dtype=bool)
        zoned = pd.DatetimeIndex(local[in_zone]).tz_localize(
            timezone, ambiguous=first, nonexistent="shift_forward"
        )
        utc[in_zone] = zoned.tz_convert(None).to_numpy()
    return utc


#: The form of nearly every filed_at: no fraction, no offset, a year of 1900-2099 (Arrow and
#: pandas read every such text alike; years from 0000 on differ).
_PLAIN_TIMESTAMP = r"^(?:19|20)\d{2}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}$"


def _parse_iso(array: pa.Array, utc: bool) -> pd.DatetimeIndex:
    text = pd.Index(pd.arrays.ArrowStringArray(array))
    return pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", utc=utc, errors="coerce")).as_unit("us")


def parse_number(values: pd.Series) -> pd.Series:
    """Floats (``float64``, NaN when missing) from decimal text; NA if malformed, infinite or NaN text."""
    numbers = parse_number_array(_to_arrow(values))
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")


def parse_number_array(array: pa.Array) -> pa.Array:
    """:func:`parse_number` as an Arrow ``float64`` array (null if missing or malformed)."""
    array = _keep_matching(_trim(array), _NUMBER)
    numbers = pc.cast(array, pa.float64())
    return pc.if_else(pc.is_finite(numbers), numbers, pa.scalar(None, pa.float64()))


def normalize_language(values: pd.Series) -> pd.Series:
    """A lower-case ISO 639-1 code; NA if not two letters, or a language tag that starts with one.

    A BCP 47 tag gives its language (``zh-TW`` and ``zh-Hant`` give ``zh``, ``es_MX``
    ``es``): the region or script is not a language group of its own.
    """
    return _to_series(normalize_language_array(_to_arrow(values)), values.index)


def normalize_language_array(array: pa.Array) -> pa.Array:
    trimmed = _trim(array)
    codes = _keep_matching(trimmed, r"^[A-Za-z]{2}$")
    tagged = pc.and_(pc.is_null(codes), pc.fill_null(pc.match_substring_regex(trimmed, _LANGUAGE_TAG), False))
    if pc.any(tagged).as_py():
        codes = pc.replace_with_mask(codes, tagged, pc.utf8_slice_codeunits(trimmed.filter(tagged), 0, 2))
    other = pc.and_(pc.is_null(codes), pc.is_valid(_blank_to_null(trimmed)))
    if pc.any(other).as_py():
        named = per_distinct(trimmed.filter(other), language_code_of, pa.large_string())
        codes = pc.replace_with_mask(codes, other, pc.cast(named, codes.type))
    return _blank_to_null(pc.ascii_lower(codes))


@functools.cache
def _language_names() -> dict[str, str]:
    """ISO 639-1 code of each way a language is written out here: ISO 639-2 and 639-3 codes
    (``spa``, ``vie``, ``chi``/``zho``: CLDR's aliases, through Babel), English names
    (``Spanish``, ``Haitian Creole``) and the language's own name (``español``, ``한국어``),
    lower case. Tagalog (``tgl``, ``fil``, ``Filipino``) is ``tl``."""
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    english = Locale("en").languages
    out: dict[str, str] = {}
    for code, name in english.items():
        if len(code) == 2 and code.isalpha():
            out.setdefault(name.casefold(), code)
            try:
                own = Locale(code).languages.get(code)
            except (UnknownLocaleError, ValueError):
                own = None
            if own:
                out.setdefault(own.casefold(), code)
    for alias, code in get_global("language_aliases").items():
        if len(alias) == 3 and len(code) == 2:
            out.setdefault(alias, code)
    out.update({"tgl": "tl", "fil": "tl", "filipino": "tl", "haitian creole": "ht", "chinese": "zh"})
    return out


def language_code_of(value: str) -> str | None:
    """The ISO 639-1 code of a language written as a 3-letter code or a name (None if unknown);
    a tag's region or script is dropped (``spa-MX`` gives ``es``)."""
    key = value.strip().casefold().replace("_", "-")
    names = _language_names()
    return names.get(key) or names.get(key.split("-")[0]) or None


#: A BCP 47 language tag with a two-letter language: subtags of 1 to 8 letters or digits.
_LANGUAGE_TAG = r"^[A-Za-z]{2}(?:[-_][A-Za-z0-9]{1,8})+$"


_EMPLOYER_KEEP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789& "
#: Every byte but upper-case letters, digits, ``&`` and space becomes a space.
_EMPLOYER_BYTES = _byte_table(to_space="".join(chr(b) for b in range(256) if chr(b) not in _EMPLOYER_KEEP))


def employer_name_key_array(array: pa.Array) -> pa.Array:
    """An employer's name as a matching key: romanized as names are (``Café Ñandú`` gives
    ``CAFE NANDU``, ``삼성전자`` ``SAMSEONGJEONJA``), upper case, every run of characters
    other than ``A-Z``, digits and ``&`` a single space, trimmed; null if nothing is left."""
    upper = pc.ascii_upper(_transliterate(array))
    return _blank_to_null(_translate(upper, _EMPLOYER_BYTES, squeeze=True))


__all__ = [
    "DELETE",
    "DIRECTIONALS",
    "PLACEHOLDER_EMAIL_DOMAINS",
    "PLACEHOLDER_EMAIL_NAMES",
    "PLACEHOLDER_EMAIL_PROVIDERS",
    "STATE_NAMES",
    "STREET_SUFFIXES",
    "UNIT_DESIGNATORS",
    "USPS_MAIL_ONLY",
    "USPS_STATES",
    "Mailing",
    "account_number",
    "account_number_array",
    "as_large_string",
    "canonical_email",
    "canonical_email_array",
    "clean_text",
    "clean_text_array",
    "digits_only",
    "ein_digits",
    "ein_digits_array",
    "employer_name_key_array",
    "keep_where",
    "language_code_of",
    "mailing_region_array",
    "normalize_address",
    "normalize_address_array",
    "normalize_ip",
    "normalize_ip_array",
    "normalize_language",
    "normalize_language_array",
    "normalize_name",
    "normalize_name_array",
    "normalize_state",
    "normalize_state_array",
    "parse_date",
    "parse_date_array",
    "parse_number",
    "parse_number_array",
    "parse_timestamp",
    "parse_timestamp_numpy",
    "per_distinct",
    "phone_e164",
    "phone_e164_array",
    "phone_flags",
    "phone_flags_array",
    "placeholder_email_array",
    "placeholder_phone_array",
    "routing_number",
    "routing_number_array",
    "split_zip",
    "split_zip_array",
    "ssn_digits",
    "ssn_digits_array",
]
