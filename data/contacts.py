"""Normalization of contact points: email addresses and phone numbers (Arrow in, Arrow out).

Part of :mod:`claimscreen.data.normalize`, whose docstring states the conventions (a value
present in but not normalizable comes out null, and the validator calls it malformed) and
from which these names are importable as before. A well-formed placeholder for "none"
(``none@gmail.com``, ``555-555-5555``) is not malformed: :func:`placeholder_email_array`
and :func:`placeholder_phone_array` find it, and ingest keeps it as given without an
identifier to match.
"""

from __future__ import annotations

import functools
import re

import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from email_validator import EmailNotValidError, validate_email

from claimscreen.data.arrow_text import blank_to_null as _blank_to_null
from claimscreen.data.arrow_text import byte_table as _byte_table
from claimscreen.data.arrow_text import concat as _concat
from claimscreen.data.arrow_text import keep_matching as _keep_matching
from claimscreen.data.arrow_text import keep_where, per_distinct
from claimscreen.data.arrow_text import replace_distinct as _replace_distinct
from claimscreen.data.arrow_text import sub as _sub
from claimscreen.data.arrow_text import to_arrow as _to_arrow
from claimscreen.data.arrow_text import to_series as _to_series
from claimscreen.data.arrow_text import translate as _translate
from claimscreen.data.arrow_text import trim as _trim

__all__ = [
    "PLACEHOLDER_EMAIL_DOMAINS",
    "PLACEHOLDER_EMAIL_NAMES",
    "PLACEHOLDER_EMAIL_PROVIDERS",
    "canonical_email",
    "canonical_email_array",
    "phone_e164",
    "phone_e164_array",
    "phone_flags",
    "phone_flags_array",
    "placeholder_email_array",
    "placeholder_phone_array",
]

_EMAIL = (
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)
_GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
_NANP = r"^[2-9][0-9]{2}[2-9][0-9]{6}$"
_DIGITS = _byte_table(keep="0123456789")


def canonical_email(values: pd.Series) -> pd.Series:
    """Lower-cased mailbox with +tags dropped and, for Gmail, dots removed; NA if malformed.

    Internationalized addresses (``jose.muñoz@correo.mx``, a domain in any script)
    are accepted, checked offline by :mod:`email_validator` (no DNS look-up).

    ``john.doe+ui@GMail.com`` becomes ``johndoe@gmail.com``; a googlemail.com
    address becomes its gmail.com form.
    """
    return _to_series(canonical_email_array(_to_arrow(values)), values.index)


def canonical_email_array(array: pa.Array) -> pa.Array:
    lowered = pc.utf8_lower(_trim(array))
    array = _keep_matching(lowered, _EMAIL)
    # What the plain-ASCII pattern refuses goes to email_validator: internationalized
    # mailboxes and domains (jose.muñoz@correo.mx) are addresses too.
    others = pc.and_(pc.is_valid(lowered), pc.is_null(array))
    array = _replace_distinct(array, others, _email_by_library, source=lowered)
    array = _sub(array, r"\+[^@]*@", "@", needs_text="+")
    gmail = pc.fill_null(
        pc.or_(pc.ends_with(array, "@gmail.com"), pc.ends_with(array, "@googlemail.com")), False
    )
    if pc.any(gmail).as_py():
        local = pc.list_element(pc.split_pattern(array.filter(gmail), "@", max_splits=1), 0)
        folded = _concat(pc.replace_substring(local, ".", ""), pa.scalar("gmail.com", local.type), sep="@")
        array = pc.replace_with_mask(array, gmail, folded)
    return _blank_to_null(keep_where(array, pc.invert(pc.starts_with(array, "@"))))


#: Mailbox names that say "no email": what claimants and agency staff type when a form
#: insists on one (``none@gmail.com``, ``noemail@yahoo.com``), at a free-mail provider where
#: nobody owns them (:data:`PLACEHOLDER_EMAIL_PROVIDERS`); a business's ``email@`` is real.
PLACEHOLDER_EMAIL_NAMES: tuple[str, ...] = (
    "none",
    "noemail",
    "nomail",
    "noemailaddress",
    "no",
    "na",
    "null",
    "nil",
    "unknown",
    "noreply",
    "donotreply",
    "noname",
    "notavailable",
    "notapplicable",
    "declined",
    "refused",
)
#: Free-mail providers where a placeholder name stands for "no email".
PLACEHOLDER_EMAIL_PROVIDERS: tuple[str, ...] = (
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "aol.com",
    "icloud.com",
    "live.com",
    "msn.com",
    "ymail.com",
    "email.com",
    "mail.com",
)
#: Domains typed to stand for "no email", whatever the mailbox name.
PLACEHOLDER_EMAIL_DOMAINS: tuple[str, ...] = (
    "none.com",
    "noemail.com",
    "nomail.com",
    "noemail.net",
    "na.com",
    "no.com",
    "unknown.com",
    "test.com",
)


def placeholder_email_array(canonical: pa.Array) -> pa.Array:
    """Per canonical email (:func:`canonical_email_array`): a placeholder for "no email": a
    name of :data:`PLACEHOLDER_EMAIL_NAMES` at a provider of :data:`PLACEHOLDER_EMAIL_PROVIDERS`
    (``none@gmail.com``), or any name at a domain of :data:`PLACEHOLDER_EMAIL_DOMAINS`
    (``na@na.com``). Hundreds of unrelated claimants give them: no identifier, they link no
    one. Null where the email is null."""
    parts = pc.split_pattern(canonical, "@", max_splits=1)
    name = pc.list_element(parts, 0)
    domain = pc.list_element(parts, 1)
    named = pc.and_(
        pc.is_in(name, value_set=pa.array(PLACEHOLDER_EMAIL_NAMES, canonical.type)),
        pc.is_in(domain, value_set=pa.array(PLACEHOLDER_EMAIL_PROVIDERS, canonical.type)),
    )
    found = pc.or_(named, pc.is_in(domain, value_set=pa.array(PLACEHOLDER_EMAIL_DOMAINS, canonical.type)))
    return pc.if_else(pc.is_valid(canonical), found, pa.scalar(None, pa.bool_()))


#: Ten digits of a North American number that reaches no one: ten equal digits
#: (``000-000-0000``, ``555-555-5555``), ``123-456-7890``, area code 555 (never assigned).
_PLACEHOLDER_PHONE = "^(?:{}|1234567890|555[0-9]{{7}})$".format("|".join(f"{d}{{10}}" for d in range(10)))


def placeholder_phone_array(raw: pa.Array) -> pa.Array:
    """Per phone as given: a placeholder for "no phone", whose digits (a leading country code 1
    dropped) are a number that reaches no one (:data:`_PLACEHOLDER_PHONE`). Read on the raw
    value, before :func:`phone_e164_array`, so that ``000-000-0000`` (no valid number) counts as
    missing, not malformed. Null where the phone is null."""
    digits = pc.replace_substring_regex(raw, r"[^0-9]", "")
    ten = pc.if_else(
        pc.and_(pc.equal(pc.utf8_length(digits), 11), pc.starts_with(digits, "1")),
        pc.utf8_slice_codeunits(digits, 1, 11),
        digits,
    )
    found = pc.match_substring_regex(ten, _PLACEHOLDER_PHONE)
    return pc.if_else(pc.is_valid(raw), found, pa.scalar(None, pa.bool_()))


def _email_by_library(text: str) -> str | None:
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


def phone_e164(values: pd.Series) -> pd.Series:
    """A phone number in E.164 (``+16145550134``, ``+525512345678``); NA if it is no number.

    Plain NANP numbers (digits, spaces, ``().-``, an optional ``+1`` or ``1``) are
    read directly; anything else goes to :mod:`phonenumbers`, read as dialled from
    the US (``+44 20 7946 0958``, ``011 52 55 1234 5678``, ``(614) 555-0134 ext 2``),
    once per distinct value; an extension is dropped. A number with country code 1
    must have the NANP shape the direct reading asks; another country's must be
    valid in that country's numbering plan as phonenumbers knows it (a length that
    is merely possible lets through a US number with a stray ``+``, ``+5552014432``).
    """
    return _to_series(phone_e164_array(_to_arrow(values)), values.index)


def phone_e164_array(array: pa.Array) -> pa.Array:
    trimmed = _trim(array)
    array = _keep_matching(trimmed, r"^\+?[0-9(). -]+$")
    digits = _translate(array, _DIGITS)
    # Ten NANP digits, after a country code 1 or (without a leading +) alone.
    with_country = pc.match_substring_regex(digits, r"^1[2-9][0-9]{2}[2-9][0-9]{6}$")
    alone = pc.and_(pc.match_substring_regex(digits, _NANP), pc.invert(pc.starts_with(array, "+")))
    national = keep_where(pc.utf8_slice_codeunits(digits, -10), pc.or_(with_country, alone))
    e164 = _blank_to_null(_concat(pa.scalar("+1", national.type), national))
    others = pc.and_(pc.is_valid(_blank_to_null(trimmed)), pc.is_null(e164))
    return _replace_distinct(e164, others, _phone_by_library, source=trimmed)


def _phone_by_library(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code == 1:
        usable = _NANP_NUMBER.match(str(number.national_number)) is not None
    else:
        usable = phonenumbers.is_valid_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if usable else None


_NANP_NUMBER = re.compile(_NANP)


#: Line types that tie a number to no place: a feature may treat them apart.
_NON_GEOGRAPHIC_TYPES = frozenset(
    (
        phonenumbers.PhoneNumberType.VOIP,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.PAGER,
        phonenumbers.PhoneNumberType.VOICEMAIL,
    )
)


def phone_flags(e164: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(foreign, non-geographic) of E.164 numbers, as :func:`phone_flags_array`, nullable booleans."""
    foreign, non_geographic = phone_flags_array(_to_arrow(e164))
    return (
        pd.Series(foreign, index=e164.index, dtype="boolean"),
        pd.Series(non_geographic, index=e164.index, dtype="boolean"),
    )


def phone_flags_array(e164: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Whether each E.164 number is *foreign* (country code other than 1, NANP) and whether
    it is *non-geographic* (toll-free, premium, personal, VoIP, ... or a global service
    number such as +800); null where there is no number.

    A NANP number's line type is that of its area code (``+1 800`` toll-free, ``+1 500``
    personal, ``+1 900`` premium), asked of :mod:`phonenumbers` once per distinct area
    code; another country's is asked once per distinct number. A US number's line type
    beyond its area code (a mobile or a VoIP line in a geographic area code) is not
    knowable from the number: it is not guessed.
    """
    nanp = pc.starts_with(e164, "+1")
    foreign = pc.invert(nanp)
    area = pc.if_else(nanp, pc.utf8_slice_codeunits(e164, 2, 5), e164)
    non_geographic = per_distinct(area, _non_geographic, pa.bool_())
    return foreign, non_geographic


@functools.lru_cache(maxsize=4096)
def _non_geographic(number: str) -> bool:
    """For a NANP area code (three digits), that of an ordinary line in it; else of the E.164 number."""
    text = f"+1{number}2345678" if len(number) == 3 else number
    parsed = phonenumbers.parse(text)
    return (
        phonenumbers.region_code_for_number(parsed) == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
        or phonenumbers.number_type(parsed) in _NON_GEOGRAPHIC_TYPES
    )


# --- Addresses -----------------------------------------------------------------
