"""Normalizers: each rule on hand-worked values, the NA semantics, and a few invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimscreen.data import normalize as nz


def text(*values: str | None) -> pd.Series:
    """A raw text column with a non-default index, as ingest hands it over."""
    return pd.Series(list(values), index=[10 + 3 * i for i in range(len(values))], dtype="str")


def one(function, value: str | None):  # type: ignore[no-untyped-def]
    result = function(text(value)).iloc[0]
    return None if pd.isna(result) else result


# --- text and names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  a  b ", "a b"), ("a\tb\nc", "a b c"), ("x", "x"), ("", None), ("   ", None), (None, None)],
)
def test_clean_text(raw: str | None, expected: str | None) -> None:
    assert one(nz.clean_text, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("José", "JOSE"),
        ("O'Brien", "OBRIEN"),
        ("O’Neil", "ONEIL"),
        ("Mary-Ann", "MARY ANN"),
        ("  mary   ann  ", "MARY ANN"),
        ("St. John, Jr", "ST JOHN JR"),
        ("Zoë Ñúñez", "ZOE NUNEZ"),
        ("Søren Strauß", "SOREN STRAUSS"),
        ("Smith3", "SMITH"),
        # Other scripts get a romanized key (anyascii); the name as given is kept apart.
        ("김 민준", "GIM MINJUN"),
        ("Иванов Владимир", "IVANOV VLADIMIR"),
        ("王 伟", "WANG WEI"),
        ("Nguyễn Văn An", "NGUYEN VAN AN"),
        ("Ελένη", "ELENI"),
        ("Ｊｏｓé", "JOSE"),  # full-width letters
        ("😀", None),  # no letter in any script
        ("Ana 😀", "ANA"),
        ("123", None),
        (" - ", None),
        (None, None),
    ],
)
def test_normalize_name(raw: str | None, expected: str | None) -> None:
    assert one(nz.normalize_name, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme Tools, Inc.", "ACME TOOLS INC"),
        ("Procter & Gamble", "PROCTER & GAMBLE"),
        ("Café Ñandú", "CAFE NANDU"),  # accents folded, not turned into gaps
        ("삼성전자", "SAMSEONGJEONJA"),
        ("---", None),
        (None, None),
    ],
)
def test_employer_name_key(raw: str | None, expected: str | None) -> None:
    assert nz.employer_name_key_array(pa.array([raw], pa.large_string())).to_pylist() == [expected]


# --- contact ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("john.doe+ui@GMail.com", "johndoe@gmail.com"),
        (" J.Doe@googlemail.com ", "jdoe@gmail.com"),
        ("bob.smith+x@yahoo.com", "bob.smith@yahoo.com"),
        ("bob.smith@Yahoo.COM", "bob.smith@yahoo.com"),
        ("a@b.co.uk", "a@b.co.uk"),
        ("+tag@example.com", None),
        ("no-at-sign.com", None),
        ("two@@example.com", None),
        ("a@b@example.com", None),
        ("user@localhost", None),
        ("user@-bad.com", None),
        # Internationalized mailboxes and domains (checked offline by email_validator).
        ("jose.muñoz@correo.mx", "jose.muñoz@correo.mx"),
        ("José.Muñoz+ui@Correo.MX", "josé.muñoz@correo.mx"),
        ("иван@почта.рф", "иван@почта.рф"),
        ("two@@correo.mx", None),
        ("ñ@localhost", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_email(raw: str | None, expected: str | None) -> None:
    assert one(nz.canonical_email, raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["(555) 201-4432", "555.201.4432", "555-201-4432", "5552014432", "+1 555 201 4432", "1-555-201-4432"],
)
def test_phone_formats(raw: str) -> None:
    assert one(nz.phone_e164, raw) == "+15552014432"


@pytest.mark.parametrize(
    "raw",
    [
        "055-201-4432",  # area code starts with 0
        "555-101-4432",  # exchange starts with 1
        "555-201-443",  # 9 digits
        "2-555-201-4432",  # 11 digits not starting with 1
        "+5552014432",  # + without country code 1, and no valid Brazilian number
        "+52 123",  # too short for Mexico
        "(055) 201-4432 x12",  # an extension does not save a bad area code
        "call me",
    ],
)
def test_phone_rejects(raw: str) -> None:
    assert one(nz.phone_e164, raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+52 55 1234 5678", "+525512345678"),  # Mexico City
        ("+44 20 7946 0958", "+442079460958"),  # London
        ("+82 2-312-3456", "+8223123456"),  # Seoul
        ("011 52 55 1234 5678", "+525512345678"),  # dialled from the US
        ("555-201-4432 x12", "+15552014432"),  # extension dropped
        ("+1 (614) 555-0134 ext. 9", "+16145550134"),
        ("+63 917 123 4567", "+639171234567"),  # Philippine mobile
    ],
)
def test_phone_abroad_and_with_extension(raw: str, expected: str) -> None:
    assert one(nz.phone_e164, raw) == expected


@pytest.mark.parametrize(
    ("e164", "foreign", "non_geographic"),
    [
        ("+16145550134", False, False),
        ("+14165550134", False, False),  # Toronto: NANP, not foreign
        ("+18005550199", False, True),  # toll-free
        ("+18885550199", False, True),
        ("+19005550199", False, True),  # premium
        ("+15005550100", False, True),  # personal communications
        ("+525512345678", True, False),
        ("+442079460958", True, False),
        ("+80012345678", True, True),  # international freephone (+800)
        ("+445612345678", True, True),  # UK 056: VoIP
        ("+448001234567", True, True),  # UK freephone
    ],
)
def test_phone_flags(e164: str, foreign: bool, non_geographic: bool) -> None:
    is_foreign, is_non_geographic = nz.phone_flags(text(e164))
    assert (is_foreign.iloc[0], is_non_geographic.iloc[0]) == (foreign, non_geographic)


def test_phone_flags_are_null_without_a_number() -> None:
    foreign, non_geographic = nz.phone_flags(text(None))
    assert foreign.isna().all() and non_geographic.isna().all()


# --- addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zip5", "zip4"),
    [
        ("12345", "12345", None),
        ("12345-6789", "12345", "6789"),
        ("123456789", "12345", "6789"),
        (" 12345 ", "12345", None),
        ("1234", None, None),
        ("12345-678", None, None),
        ("ABCDE", None, None),
        (None, None, None),
    ],
)
def test_split_zip(raw: str | None, zip5: str | None, zip4: str | None) -> None:
    five, four = nz.split_zip(text(raw))
    assert (five.iloc[0] if five.notna().iloc[0] else None) == zip5
    assert (four.iloc[0] if four.notna().iloc[0] else None) == zip4


@pytest.mark.parametrize(
    "unit",
    [
        "Apt 4B",
        "APT. 4-B",
        "Apartment 4b",
        "#4B",
        "# 4B",
        "Unit 4B",
        "Ste 4B",
        "Suite 4B",
        "Rm 4B",
        "No. 4B",
        "Apt 4 B",
        "APT 4 - b",
    ],
)
def test_unit_designators_become_hash(unit: str) -> None:
    result = nz.normalize_address(text("123 North Main Street"), text(unit))
    assert result.iloc[0] == "123 N MAIN ST #4B"


@pytest.mark.parametrize(
    "unit", ["Apt 5", "#5", "Unit 5", "APT. 5", "Apartment 5", "Apt.5", "# 5", "Apt5", "apt.  5", "Unit#5"]
)
@pytest.mark.parametrize(
    "street", ["4521 Walnut St", "4521 Walnut Street", "4521 Walnut St.", "4521 WALNUT ST"]
)
def test_every_spelling_of_a_unit_and_street_gives_one_key(street: str, unit: str) -> None:
    assert nz.normalize_address(text(street), text(unit)).iloc[0] == "4521 WALNUT ST #5"
    assert nz.normalize_address(text(f"{street} {unit}"), text(None)).iloc[0] == "4521 WALNUT ST #5"


@pytest.mark.parametrize(
    ("line1", "line2", "expected"),
    [
        ("123 N. Main St.", None, "123 N MAIN ST"),
        ("123 north main street, apt. 4-b", None, "123 N MAIN ST #4B"),
        ("9 Elm Road", "Apt #12", "9 ELM RD #12"),
        ("9 Elm Rd#12", None, "9 ELM RD #12"),
        ("500 Southwest Ocean Boulevard", "Suite 4 - B", "500 SW OCEAN BLVD #4B"),
        ("1 Park Avenue", None, "1 PARK AVE"),
        ("77 Oak Lane", None, "77 OAK LN"),
        ("8 Elm Court", None, "8 ELM CT"),
        ("3 Rose Terrace", None, "3 ROSE TER"),
        ("4 Pine Circle", None, "4 PNE CIR"),
        ("20 State Highway 9", None, "20 STATE HWY 9"),
        ("61 Garden State Parkway", None, "61 GDN STATE PKWY"),  # every word, by design
        ("12 Maple Place", None, "12 MAPLE PL"),
        ("5 Oak Drive", "Apt", "5 OAK DR"),
        ("1 Peña Blvd", None, "1 PENA BLVD"),
        ("Av. Juárez 123", "Col. Centro", "AVE JUAREZ 123 COL CENTRO"),
        ("세종대로 110", None, "SEJONGDAELO 110"),  # romanized, not dropped
        ("Aptos Road 7", None, "APTOS RD 7"),  # a word that starts like a unit is left alone
        (None, "Apt 4", None),
        ("   ", "Apt 4", None),
    ],
)
def test_normalize_address(line1: str | None, line2: str | None, expected: str | None) -> None:
    result = nz.normalize_address(text(line1), text(line2)).iloc[0]
    assert (None if pd.isna(result) else result) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NY", "NY"),
        ("ny", "NY"),
        (" Pr ", "PR"),
        ("dc", "DC"),
        ("GU", "GU"),
        ("XX", None),
        ("New York", "NY"),  # written out: USPS code
        ("  new   york ", "NY"),
        ("Ohio", "OH"),
        ("Washington D.C.", "DC"),
        ("D.C.", "DC"),
        ("District of Columbia", "DC"),
        ("Puerto Rico", "PR"),
        ("Jalisco", None),
        ("Ohio State", None),
    ],
)
def test_normalize_state(raw: str, expected: str | None) -> None:
    assert one(nz.normalize_state, raw) == expected


@pytest.mark.parametrize(
    ("state", "zip_code", "kept_state", "zip5", "abroad", "malformed_zip"),
    [
        ("OH", "43004", "OH", "43004", False, False),
        ("oh", "43004-1234", "OH", "43004", False, False),
        ("AE", "09001", "AE", "09001", False, False),  # military mail (APO/FPO): US mail
        ("PW", "96940", "PW", "96940", False, False),  # Palau: US mail
        ("JAL", "44100", "JAL", None, True, False),  # Guadalajara: its code is no US ZIP
        ("Ontario", "M5V 2T6", "ONTARIO", None, True, False),
        (None, "SW1A 1AA", None, None, True, False),  # no state, a postal code no ZIP
        ("OH", "4300", "OH", None, False, True),  # a US state with a broken ZIP
        (None, "43004", None, "43004", False, False),
        (None, None, None, None, False, False),
    ],
)
def test_mailing_region(
    state: str | None,
    zip_code: str | None,
    kept_state: str | None,
    zip5: str | None,
    abroad: bool,
    malformed_zip: bool,
) -> None:
    array = pa.array([state], pa.large_string()), pa.array([zip_code], pa.large_string())
    region = nz.mailing_region_array(*array)
    assert region.state.to_pylist() == [kept_state]
    assert region.zip5.to_pylist() == [zip5]
    assert region.abroad.to_pylist() == [abroad]
    assert region.malformed_zip.to_pylist() == [malformed_zip]


# --- identifiers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123-45-6789", "123456789"),
        ("123 45 6789", "123456789"),
        (" 123456789 ", "123456789"),
        ("000-00-0000", "000000000"),  # structurally invalid, kept for the features
        ("666-12-3456", "666123456"),
        ("12345678", None),
        ("1234567890", None),
        ("123-45-678X", None),
        (None, None),
    ],
)
def test_ssn_digits(raw: str | None, expected: str | None) -> None:
    assert one(nz.ssn_digits, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12-3456789", "123456789"), ("123456789", "123456789"), ("123-456789", None), ("12-345678", None)],
)
def test_ein_digits(raw: str, expected: str | None) -> None:
    assert one(nz.ein_digits, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("011000015", "011000015"),  # 3*(0+0+0) + 7*(1+0+1) + (1+0+5) = 20
        ("021000021", "021000021"),  # 3*(0+0+0) + 7*(2+0+2) + (1+0+1) = 30
        ("021000022", None),  # checksum 31
        ("02100002", None),
        ("02100002a", None),
    ],
)
def test_routing_number(raw: str, expected: str | None) -> None:
    assert one(nz.routing_number, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234", "1234"),
        ("1234-5678 90", "1234567890"),
        ("12345678901234567", "12345678901234567"),
        ("123", None),
        ("123456789012345678", None),
        ("1234A", None),
    ],
)
def test_account_number(raw: str, expected: str | None) -> None:
    assert one(nz.account_number, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("192.168.1.20", "192.168.1.20"),
        (" 8.8.8.8 ", "8.8.8.8"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("256.1.1.1", None),
        ("1.2.3", None),
        ("not an ip", None),
    ],
)
def test_normalize_ip(raw: str, expected: str | None) -> None:
    assert one(nz.normalize_ip, raw) == expected


# --- dates, times, numbers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-02-28", "2026-02-28"),
        ("2024-02-29", "2024-02-29"),
        ("1850-07-04", "1850-07-04"),
        ("2026-02-30", None),
        ("2023-02-29", None),
        ("2026-13-01", None),
        ("2026-2-3", None),
        ("02/03/2026", None),
        ("2026-02-03T00:00", None),
    ],
)
def test_parse_date(raw: str, expected: str | None) -> None:
    result = nz.parse_date(text(raw))
    assert result.dtype == "datetime64[us]"
    assert (None if pd.isna(result.iloc[0]) else result.iloc[0]) == (expected and pd.Timestamp(expected))


NY = "America/New_York"


@pytest.mark.parametrize(
    ("raw", "expected_utc"),
    [
        ("2026-01-05T10:00:00Z", "2026-01-05 10:00:00"),
        ("2026-01-05 10:00:00z", "2026-01-05 10:00:00"),
        ("2026-01-05T10:00+05:30", "2026-01-05 04:30:00"),
        ("2026-01-05T10:00:00.123-0500", "2026-01-05 15:00:00.123"),
        ("2026-01-05T10:00", "2026-01-05 15:00:00"),  # EST, UTC-5
        ("2026-07-05 10:00:30", "2026-07-05 14:00:30"),  # EDT, UTC-4
        ("2026-03-08 02:30", "2026-03-08 07:00:00"),  # in the spring-forward gap: moved to 03:00 EDT
        ("2026-11-01 01:30", "2026-11-01 05:30:00"),  # repeated hour: the first (EDT) occurrence
        ("2026-01-05", None),
        ("2026-01-05T25:00", None),
        ("2026-02-30T10:00Z", None),
        ("yesterday", None),
    ],
)
def test_parse_timestamp(raw: str, expected_utc: str | None) -> None:
    result = nz.parse_timestamp(text(raw), NY)
    assert str(result.dtype) == "datetime64[us, UTC]"
    value = result.iloc[0]
    assert (None if pd.isna(value) else value) == (expected_utc and pd.Timestamp(expected_utc, tz="UTC"))


def test_parse_timestamp_mixes_offsets_and_local_times_in_order() -> None:
    result = nz.parse_timestamp(text("2026-01-05T10:00", None, "2026-01-05T10:00Z", "bad"), NY)
    expected = ["2026-01-05 15:00", None, "2026-01-05 10:00", None]
    assert [None if pd.isna(v) else v for v in result] == [e and pd.Timestamp(e, tz="UTC") for e in expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12.5", 12.5), (" -3 ", -3.0), ("1e3", 1000.0), (".5", 0.5), ("7.", 7.0)]
    + [(bad, None) for bad in ("inf", "-Infinity", "nan", "NaN", "1e999", "1,000", "12 s", "")],
)
def test_parse_number(raw: str, expected: float | None) -> None:
    result = nz.parse_number(text(raw))
    assert result.dtype == "float64"
    assert (None if pd.isna(result.iloc[0]) else result.iloc[0]) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("en", "en"),
        ("ES", "es"),
        (" fr ", "fr"),
        ("zh-TW", "zh"),  # BCP 47 tags give their language
        ("zh-Hant-HK", "zh"),
        ("es_MX", "es"),
        ("pt-BR", "pt"),
        ("eng", "en"),  # ISO 639-2/3 codes (CLDR aliases)
        ("spa", "es"),
        ("VIE", "vi"),
        ("chi", "zh"),
        ("zho", "zh"),
        ("hat", "ht"),
        ("tgl", "tl"),
        ("spa-MX", "es"),
        ("Spanish", "es"),  # English names
        ("haitian creole", "ht"),
        ("Filipino", "tl"),
        ("español", "es"),  # the language's own name
        ("Tiếng Việt", "vi"),
        ("한국어", "ko"),
        ("русский", "ru"),
        ("e1", None),
        ("en-", None),
        ("Klingon", None),
        ("abc", None),
    ],
)
def test_normalize_language(raw: str, expected: str | None) -> None:
    assert one(nz.normalize_language, raw) == expected


# --- NA semantics and index -------------------------------------------------------------

SINGLE_COLUMN = [
    nz.clean_text,
    nz.normalize_name,
    nz.canonical_email,
    nz.phone_e164,
    nz.normalize_state,
    nz.ssn_digits,
    nz.ein_digits,
    nz.routing_number,
    nz.account_number,
    nz.normalize_ip,
    nz.parse_date,
    nz.parse_number,
    nz.normalize_language,
    lambda values: nz.parse_timestamp(values, NY),
    lambda values: nz.normalize_address(values, values),
    lambda values: nz.split_zip(values)[0],
]


@pytest.mark.parametrize("function", SINGLE_COLUMN)
def test_missing_in_missing_out_and_index_kept(function) -> None:  # type: ignore[no-untyped-def]
    values = pd.Series([None, "", "   ", None], index=["d", "b", "a", "d"], dtype="str")
    result = function(values)
    assert result.index.equals(values.index)
    assert result.isna().all()


@pytest.mark.parametrize("function", SINGLE_COLUMN)
def test_empty_column(function) -> None:  # type: ignore[no-untyped-def]
    assert len(function(pd.Series([], dtype="str"))) == 0


def test_present_but_malformed_is_na_and_neighbours_unharmed() -> None:
    values = text("123-45-6789", "12-34", None, "987654321")
    assert nz.ssn_digits(values).tolist()[::3] == ["123456789", "987654321"]
    assert nz.ssn_digits(values).isna().tolist() == [False, True, True, False]


def test_object_dtype_input_is_accepted() -> None:
    values = pd.Series(["  José ", None], dtype=object)
    assert nz.normalize_name(values).tolist()[0] == "JOSE"


# --- properties -------------------------------------------------------------------------

WORDS = st.text(alphabet=st.sampled_from("abcdeéñ' -.,"), min_size=0, max_size=12)
ADDRESS_WORDS = st.sampled_from(
    [
        "123",
        "North",
        "Main",
        "Street",
        "St.",
        "Apt",
        "4-B",
        "#",
        "Suite",
        "Lake",
        "Drive",
        ",",
        "No.",
        "Rd",
        "7",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=4))
def test_name_normalization_is_idempotent(names: list[str]) -> None:
    once = nz.normalize_name(pd.Series(names, dtype="str"))
    assert nz.normalize_name(once).equals(once)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(ADDRESS_WORDS, min_size=1, max_size=7).map(" ".join), min_size=1, max_size=4))
def test_address_normalization_is_idempotent(lines: list[str]) -> None:
    once = nz.normalize_address(pd.Series(lines, dtype="str"), pd.Series([None] * len(lines), dtype="str"))
    twice = nz.normalize_address(once, pd.Series([None] * len(lines), dtype="str"))
    assert twice.equals(once)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[a-z][a-z0-9.]{0,8}(\+[a-z0-9]{1,4})?", fullmatch=True),
    st.sampled_from(["gmail.com", "GoogleMail.com", "example.org", "Mail.Example.COM"]),
)
def test_email_canonicalization_is_idempotent(local: str, domain: str) -> None:
    once = nz.canonical_email(pd.Series([f"{local}@{domain}"], dtype="str"))
    assert nz.canonical_email(once).equals(once)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 9),
    st.integers(0, 99),
    st.integers(2, 9),
    st.integers(0, 999_999),
)
def test_every_phone_format_of_one_number_gives_one_e164(
    area: int, area_rest: int, exchange: int, rest: int
) -> None:
    a, x, line = f"{area}{area_rest:02d}", f"{exchange}{rest // 10_000:02d}", f"{rest % 10_000:04d}"
    formats = [
        f"({a}) {x}-{line}",
        f"{a}.{x}.{line}",
        f"{a}-{x}-{line}",
        f"{a}{x}{line}",
        f"+1 {a} {x} {line}",
    ]
    result = nz.phone_e164(pd.Series([*formats, f"1-{a}-{x}-{line}"], dtype="str"))
    assert set(result) == {f"+1{a}{x}{line}"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=15)), max_size=20))
def test_no_row_lost_on_arbitrary_text(values: list[str | None]) -> None:
    series = pd.Series(values, dtype="str")
    for function in SINGLE_COLUMN:
        result = function(series)
        assert len(result) == len(series)
        assert (result.isna() | series.notna()).all()  # missing in, missing out
        assert np.all(result.index == series.index)


@pytest.mark.parametrize(
    ("raw", "placeholder"),
    [
        ("none@gmail.com", True),
        ("No@Email.com", True),
        ("na@na.com", True),
        ("noemail@noemail.com", True),
        ("maria@test.com", True),
        ("maria@example.com", False),  # the documentation domain: tests and demos use it
        ("bob@none.com", True),
        ("nonexistent.person@gmail.com", False),
        ("nona@yahoo.com", False),
        ("jane.doe+ui@gmail.com", False),
        ("email@smithplumbing.com", False),  # a business's real mailbox
        ("none@mailinator.com", False),  # a throwaway mailbox: EMAIL_DISPOSABLE reads it
    ],
)
def test_placeholder_emails(raw: str, placeholder: bool) -> None:
    canonical = nz.canonical_email_array(pa.array([raw, None], pa.large_string()))
    assert nz.placeholder_email_array(canonical).to_pylist() == [placeholder, None]


@pytest.mark.parametrize(
    ("raw", "placeholder"),
    [
        ("(555) 555-5555", True),
        ("999-999-9999", True),
        ("000-000-0000", True),  # no valid number: missing, not malformed
        ("1-123-456-7890", True),
        ("614-555-2368", False),  # a real 555 exchange number
        ("614-867-5309", False),
        ("+44 20 7946 0958", False),
    ],
)
def test_placeholder_phones(raw: str, placeholder: bool) -> None:
    assert nz.placeholder_phone_array(pa.array([raw, None], pa.large_string())).to_pylist() == [
        placeholder,
        None,
    ]
