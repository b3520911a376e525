"""Normalization of claim fields: vectorized, one function per kind of field.

Every function takes a pandas Series of raw text (dtype ``str``, missing values
as NA, surrounding whitespace possibly present) and returns a Series with the
same index. A value that is present in the input but cannot be normalized
comes out as NA: the validator treats "present in, missing out" as malformed.
Missing in is missing out.

The work is done by ``pyarrow.compute`` kernels over whole columns (RE2
regular expressions, Unicode normalization, hash lookups); the only Python
loop, :func:`normalize_ip`, runs once per distinct value. Decisions worth
knowing:

* Dates (:func:`parse_date`) come back as ``datetime64[us]`` at midnight: the
  unit pandas gives parsed text, wide enough for every four-digit year.
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
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# --- Vocabularies --------------------------------------------------------------

#: USPS state and territory codes accepted in addresses.
USPS_STATES: frozenset[str] = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP".split()
)

#: USPS Publication 28, appendix C1: street suffixes (common spellings) to their abbreviation.
STREET_SUFFIXES: dict[str, str] = {
    "ALLEY": "ALY", "ANNEX": "ANX", "ARCADE": "ARC", "AVENUE": "AVE", "AV": "AVE", "AVEN": "AVE",
    "AVENU": "AVE", "AVN": "AVE", "AVNUE": "AVE", "BAYOU": "BYU", "BEACH": "BCH", "BEND": "BND",
    "BLUFF": "BLF", "BOTTOM": "BTM", "BOULEVARD": "BLVD", "BOUL": "BLVD", "BOULV": "BLVD",
    "BRANCH": "BR", "BRIDGE": "BRG", "BROOK": "BRK", "BYPASS": "BYP", "CAMP": "CP", "CANYON": "CYN",
    "CAPE": "CPE", "CAUSEWAY": "CSWY", "CENTER": "CTR", "CENTRE": "CTR", "CIRCLE": "CIR", "CIRC": "CIR",
    "CIRCL": "CIR", "CRCL": "CIR", "CLIFF": "CLF", "CLUB": "CLB", "COMMON": "CMN", "CORNER": "COR",
    "COURSE": "CRSE", "COURT": "CT", "COVE": "CV", "CREEK": "CRK", "CRESCENT": "CRES", "CROSSING": "XING",
    "DALE": "DL", "DAM": "DM", "DRIVE": "DR", "DRIV": "DR", "DRV": "DR", "ESTATE": "EST", "ESTATES": "ESTS",
    "EXPRESSWAY": "EXPY", "EXTENSION": "EXT", "FALLS": "FLS", "FERRY": "FRY", "FIELD": "FLD",
    "FIELDS": "FLDS", "FLAT": "FLT", "FORD": "FRD", "FOREST": "FRST", "FORGE": "FRG", "FORK": "FRK",
    "FORT": "FT", "FREEWAY": "FWY", "GARDEN": "GDN", "GARDENS": "GDNS", "GATEWAY": "GTWY", "GLEN": "GLN",
    "GREEN": "GRN", "GROVE": "GRV", "HARBOR": "HBR", "HAVEN": "HVN", "HEIGHTS": "HTS", "HIGHWAY": "HWY",
    "HIGHWY": "HWY", "HIWAY": "HWY", "HILL": "HL", "HILLS": "HLS", "HOLLOW": "HOLW", "ISLAND": "IS",
    "JUNCTION": "JCT", "KNOLL": "KNL", "LAKE": "LK", "LAKES": "LKS", "LANDING": "LNDG", "LANE": "LN",
    "LIGHT": "LGT", "MANOR": "MNR", "MEADOW": "MDW", "MEADOWS": "MDWS", "MILL": "ML", "MISSION": "MSN",
    "MOUNT": "MT", "MOUNTAIN": "MTN", "ORCHARD": "ORCH", "PARKWAY": "PKWY", "PKY": "PKWY", "PINE": "PNE",
    "PINES": "PNES", "PLACE": "PL", "PLAIN": "PLN", "PLAINS": "PLNS", "PLAZA": "PLZ", "POINT": "PT",
    "PORT": "PRT", "PRAIRIE": "PR", "RANCH": "RNCH", "RIDGE": "RDG", "RIVER": "RIV", "ROAD": "RD",
    "ROUTE": "RTE", "SHORE": "SHR", "SPRING": "SPG", "SPRINGS": "SPGS", "SQUARE": "SQ", "STATION": "STA",
    "STREET": "ST", "STR": "ST", "STRT": "ST", "SUMMIT": "SMT", "TERRACE": "TER", "TERR": "TER",
    "TRACE": "TRCE", "TRAIL": "TRL", "TURNPIKE": "TPKE", "VALLEY": "VLY", "VIEW": "VW", "VILLAGE": "VLG",
    "VISTA": "VIS", "WELL": "WL", "WELLS": "WLS",
}  # fmt: skip

#: USPS Publication 28, appendix B: directionals.
DIRECTIONALS: dict[str, str] = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}  # fmt: skip

#: Words that introduce a unit (apartment, suite...): all become ``#``.
UNIT_DESIGNATORS: tuple[str, ...] = ("APARTMENT", "APT", "UNIT", "SUITE", "STE", "ROOM", "RM", "NUMBER", "NO")

_ADDRESS_WORDS = {**STREET_SUFFIXES, **DIRECTIONALS}
_WORD_KEYS = pa.array(list(_ADDRESS_WORDS), type=pa.large_string())
_WORD_VALUES = pa.array(list(_ADDRESS_WORDS.values()), type=pa.large_string())
_UNIT = r"(?:\b(?:" + "|".join(UNIT_DESIGNATORS) + r")\b\s*#?|#)\s*([A-Z0-9]+)(?:\s*-\s*([A-Z0-9]+))?"

_EMAIL = (
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)
_GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
_NANP = r"^[2-9][0-9]{2}[2-9][0-9]{6}$"
_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?\s?(?:Z|[+-]\d{2}:?\d{2})?$"
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_ABA_WEIGHTS = np.array([3, 7, 1, 3, 7, 1, 3, 7, 1], dtype=np.int64)


# --- Arrow plumbing ------------------------------------------------------------


def _to_arrow(values: pd.Series) -> pa.Array:
    """The column as one Arrow string array (nulls where missing)."""
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    array = pa.array(values.array)
    return array.cast(pa.large_string()) if array.type != pa.large_string() else array


def _to_series(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """An Arrow string array back to a ``str`` Series on ``index``; empty strings become NA."""
    return pd.Series(_blank_to_null(array), index=index, dtype="str")


def _keep_matching(array: pa.Array, pattern: str) -> pa.Array:
    """Nulls where ``array`` does not match ``pattern`` (RE2 syntax)."""
    return pc.if_else(pc.match_substring_regex(array, pattern), array, pa.scalar(None, array.type))


def _blank_to_null(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array)


def _trim(array: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(array)


def _sub(array: pa.Array, pattern: str, replacement: str, needs: str | None = None) -> pa.Array:
    """``replace_substring_regex`` run only on the values that match ``needs`` (default ``pattern``).

    An RE2 match costs a fraction of an RE2 replace, and most values need no
    change, so matching first and replacing the few is several times faster.
    """
    mask = pc.fill_null(pc.match_substring_regex(array, needs or pattern), False)
    if not pc.any(mask).as_py():
        return array
    changed = pc.replace_substring_regex(array.filter(mask), pattern, replacement)
    return pc.replace_with_mask(array, mask, changed)


def _squeeze(array: pa.Array) -> pa.Array:
    """Collapse runs of whitespace into one space and trim the ends."""
    return _trim(_sub(array, r"\s+", " ", needs=r"\s\s|[\t\n\f\r]"))


def _concat(*parts: pa.Array | pa.Scalar, sep: str = "") -> pa.Array:
    """Element-wise concatenation of large-string arrays (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, pa.scalar(sep, pa.large_string()))


def _map_words(array: pa.Array, mapping_keys: pa.Array, mapping_values: pa.Array) -> pa.Array:
    """Replace whole space-separated words found in the mapping; keep the others."""
    words = pc.split_pattern(array, " ")
    flat = words.values
    position = pc.index_in(flat, value_set=mapping_keys)
    mapped = pc.if_else(pc.is_null(position), flat, pc.take(mapping_values, position))
    rebuilt = type(words).from_arrays(words.offsets, mapped, mask=pc.is_null(array))
    return pc.binary_join(rebuilt, pa.scalar(" ", mapped.type))


def _map_unique(values: pd.Series, convert: Callable[[str], str | None]) -> pd.Series:
    """Apply a Python function once per distinct present value and map the results back."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    converted = np.array([convert(str(v)) for v in uniques] + [None], dtype=object)
    return pd.Series(converted[codes], index=values.index, dtype="str")


def _digit_matrix(array: pa.Array, width: int) -> np.ndarray:
    """A (rows, width) matrix of the digits of non-null strings of exactly ``width`` ASCII digits."""
    fixed = array.cast(pa.large_binary()).cast(pa.binary(width))
    raw = np.frombuffer(fixed.buffers()[1], dtype=np.uint8)
    raw = raw[fixed.offset * width : (fixed.offset + len(fixed)) * width]
    return raw.reshape(len(fixed), width).astype(np.int64) - ord("0")


def _keep_digits(array: pa.Array) -> pa.Array:
    """Each string with every byte but the ASCII digits removed (nulls stay null).

    Works on the raw UTF-8 buffer with numpy: digit bytes never occur inside a
    multi-byte UTF-8 sequence, so dropping the other bytes is safe.
    """
    count = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + count + 1]
    data_buffer = array.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    data = data[offsets[0] : offsets[-1]]
    positions = np.flatnonzero((data >= ord("0")) & (data <= ord("9")))
    new_offsets = np.searchsorted(positions, offsets - offsets[0]).astype(np.int64)
    validity = pc.is_valid(array).buffers()[1]
    buffers = [validity, pa.py_buffer(new_offsets), pa.py_buffer(data[positions].tobytes())]
    return pa.Array.from_buffers(pa.large_string(), count, buffers)


def _fold_accents(array: pa.Array) -> pa.Array:
    """NFKD-decompose the non-ASCII values (accents become separate combining marks)."""
    mask = pc.fill_null(pc.invert(pc.string_is_ascii(array)), False)
    if not pc.any(mask).as_py():
        return array
    return pc.replace_with_mask(array, mask, pc.utf8_normalize(array.filter(mask), form="NFKD"))


# --- Text and names ------------------------------------------------------------


def clean_text(values: pd.Series) -> pd.Series:
    """Strip surrounding whitespace and collapse inner runs; empty strings become NA."""
    return _to_series(_squeeze(_to_arrow(values)), values.index)


def normalize_name(values: pd.Series) -> pd.Series:
    """Upper-case ASCII letters and single spaces: accents folded, punctuation dropped.

    ``José`` becomes ``JOSE``, ``O'Brien`` ``OBRIEN``, ``Mary-Ann`` ``MARY ANN``;
    hyphens, periods and commas separate words, any other non-letter is dropped.
    """
    array = _fold_accents(_to_arrow(values))
    array = pc.ascii_upper(_sub(array, r"[-.,\s]+", " "))
    array = _sub(array, r"[^A-Z ]+", "")
    return _to_series(_squeeze(array), values.index)


# --- Contact -------------------------------------------------------------------


def canonical_email(values: pd.Series) -> pd.Series:
    """Lower-cased mailbox with +tags dropped and, for Gmail, dots removed; NA if malformed.

    ``john.doe+ui@GMail.com`` becomes ``johndoe@gmail.com``; a googlemail.com
    address becomes its gmail.com form.
    """
    array = _keep_matching(pc.utf8_lower(_trim(_to_arrow(values))), _EMAIL)
    parts = pc.extract_regex(array, r"^(?P<local>[^+@]*)(?:\+[^@]*)?@(?P<domain>.+)$")
    local, domain = pc.struct_field(parts, "local"), pc.struct_field(parts, "domain")
    gmail = pc.is_in(domain, value_set=pa.array(_GMAIL_DOMAINS, type=domain.type))
    local = pc.if_else(gmail, pc.replace_substring(local, ".", ""), local)
    domain = pc.if_else(gmail, pa.scalar("gmail.com", domain.type), domain)
    joined = _concat(local, domain, sep="@")
    joined = pc.if_else(pc.equal(local, ""), pa.scalar(None, joined.type), joined)
    return _to_series(joined, values.index)


def phone_e164(values: pd.Series) -> pd.Series:
    """A US phone number in E.164 (+1NXXNXXXXXX); NA if it is not a valid NANP number.

    The text may hold digits, spaces, ``().-`` and a leading ``+``; a leading
    ``+`` must be followed by country code 1.
    """
    array = _keep_matching(_trim(_to_arrow(values)), r"^\+?[0-9(). -]+$")
    digits = _keep_digits(array)
    plus = pc.starts_with(array, "+")
    eleven = pc.match_substring_regex(digits, r"^1[0-9]{10}$")
    national = pc.if_else(eleven, pc.utf8_slice_codeunits(digits, 1), digits)
    national = pc.if_else(pc.and_(plus, pc.invert(eleven)), pa.scalar(None, national.type), national)
    national = _keep_matching(national, _NANP)
    return _to_series(_concat(pa.scalar("+1", national.type), national), values.index)


# --- Addresses -----------------------------------------------------------------


def split_zip(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(zip5, zip4) from 12345, 12345-6789 or 123456789; both NA if malformed."""
    parts = pc.extract_regex(_trim(_to_arrow(values)), r"^(?P<zip5>\d{5})(?:-?(?P<zip4>\d{4}))?$")
    zip5 = _to_series(pc.struct_field(parts, "zip5"), values.index)
    zip4 = _to_series(pc.struct_field(parts, "zip4"), values.index)
    return zip5, zip4


def normalize_address(line1: pd.Series, line2: pd.Series) -> pd.Series:
    """One upper-case street line with USPS abbreviations and the unit as ``#<unit>``.

    ``123 North Main Street, Apt. 4-B`` becomes ``123 N MAIN ST #4B``. The two
    lines are joined with a space; a missing line 1 gives NA whatever line 2 is.
    """
    first, second = _blank_to_null(_trim(_to_arrow(line1))), _to_arrow(line2)
    second = pc.if_else(pc.is_null(second), pa.scalar("", second.type), second)
    joined = _concat(first, second, sep=" ")
    array = pc.replace_substring(pc.utf8_upper(joined), ".", "")
    array = _sub(array, r"[,;:]", " ")
    array = _sub(array, _UNIT, r" #\1\2")
    array = _map_words(_squeeze(array), _WORD_KEYS, _WORD_VALUES)
    return _to_series(array, line1.index)


def normalize_state(values: pd.Series) -> pd.Series:
    """A USPS two-letter state or territory code; NA if unknown."""
    array = pc.utf8_upper(_trim(_to_arrow(values)))
    known = pc.is_in(array, value_set=pa.array(sorted(USPS_STATES), type=array.type))
    return _to_series(pc.if_else(known, array, pa.scalar(None, array.type)), values.index)


# --- Identifiers ---------------------------------------------------------------


def ssn_digits(values: pd.Series) -> pd.Series:
    """Nine digits with dashes and spaces removed; NA if not nine digits.

    Structurally impossible SSNs (area 000 or 666, ...) are kept: they are a
    risk signal for the features, not a format error.
    """
    digits = _keep_digits(_keep_matching(_to_arrow(values), r"^[\d\s-]+$"))
    return _to_series(_keep_matching(digits, r"^\d{9}$"), values.index)


def ein_digits(values: pd.Series) -> pd.Series:
    """Nine digits with the optional dash removed; NA if malformed."""
    array = _keep_matching(_trim(_to_arrow(values)), r"^\d{2}-?\d{7}$")
    return _to_series(pc.replace_substring(array, "-", ""), values.index)


def routing_number(values: pd.Series) -> pd.Series:
    """A nine-digit ABA routing number that passes its checksum; NA otherwise.

    The checksum: ``3*(d1+d4+d7) + 7*(d2+d5+d8) + (d3+d6+d9)`` is a multiple of 10.
    """
    array = _keep_matching(_trim(_to_arrow(values)), r"^\d{9}$")
    present = pc.is_valid(array).to_numpy(zero_copy_only=False)
    valid = np.zeros(len(array), dtype=bool)
    digits = _digit_matrix(array.filter(pa.array(present)), 9)
    valid[present] = (digits @ _ABA_WEIGHTS) % 10 == 0
    return _to_series(pc.if_else(pa.array(valid), array, pa.scalar(None, array.type)), values.index)


def account_number(values: pd.Series) -> pd.Series:
    """Account digits (4 to 17) with spaces and dashes removed; NA otherwise."""
    digits = _keep_digits(_keep_matching(_to_arrow(values), r"^[\d\s-]+$"))
    return _to_series(_keep_matching(digits, r"^\d{4,17}$"), values.index)


def normalize_ip(values: pd.Series) -> pd.Series:
    """Canonical text of an IPv4 or IPv6 address (IPv6 compressed); NA if malformed.

    An IPv4-mapped IPv6 address (``::ffff:1.2.3.4``) becomes the IPv4 address.
    """
    return _map_unique(clean_text(values), _canonical_ip)


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
    """Dates from YYYY-MM-DD text as ``datetime64[us]`` at midnight; NA if malformed or impossible."""
    text = _to_series(_keep_matching(_trim(_to_arrow(values)), r"^\d{4}-\d{2}-\d{2}$"), values.index)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype("datetime64[us]")


def parse_timestamp(values: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 timestamps as ``datetime64[us, UTC]``; a value without offset is in ``timezone``.

    ``T`` or a space separates date and time; seconds and fractions are
    optional; the offset is ``Z``, ``+05:30`` or ``-0500``. A local time in the
    spring-forward gap moves forward past the gap; one in the repeated
    fall-back hour is read as its first (daylight-time) occurrence. NA if malformed.
    """
    array = _keep_matching(pc.ascii_upper(_trim(_to_arrow(values))), _TIMESTAMP)
    array = pc.replace_substring(array, ",", ".")
    has_offset = pc.fill_null(pc.match_substring_regex(array, _OFFSET), False).to_numpy(zero_copy_only=False)
    text = _to_series(array, values.index)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    if has_offset.any():
        out[has_offset] = _parse_iso(text[has_offset], utc=True)
    naive = ~has_offset & text.notna().to_numpy()
    if naive.any():
        local = _parse_iso(text[naive], utc=False)
        first = np.ones(len(local), dtype=bool)
        out[naive] = local.dt.tz_localize(timezone, ambiguous=first, nonexistent="shift_forward").dt.tz_convert(
            "UTC"
        )
    return out


def _parse_iso(text: pd.Series, utc: bool) -> pd.Series:
    parsed = pd.to_datetime(text, format="ISO8601", utc=utc, errors="coerce")
    return parsed.dt.as_unit("us")


def parse_number(values: pd.Series) -> pd.Series:
    """Floats (``float64``, NaN when missing) from decimal text; NA if malformed, infinite or NaN text."""
    array = _keep_matching(_trim(_to_arrow(values)), _NUMBER)
    numbers = pc.cast(array, pa.float64())
    numbers = pc.if_else(pc.is_finite(numbers), numbers, pa.scalar(None, pa.float64()))
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")


def normalize_language(values: pd.Series) -> pd.Series:
    """A lower-case ISO 639-1 code; NA if not two letters."""
    array = _keep_matching(_trim(_to_arrow(values)), r"^[A-Za-z]{2}$")
    return _to_series(pc.ascii_lower(array), values.index)
