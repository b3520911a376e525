"""Real-world intake (#18): valid claims from outside the synthetic generator's assumptions
are scored, not quarantined; what cannot be processed still is, with its reason.

The corpus: names in the scripts of the languages US states serve (Spanish, Chinese,
Vietnamese, Korean, Russian, Arabic, Tagalog, Haitian Creole, Somali, Amharic), phones
and mailing addresses abroad, internationalized email, every spelling of a unit, and
structurally impossible SSNs (kept, and flagged). Expected keys are worked out by hand
from the rules in data/normalize.py (anyascii romanization, then upper-case A-Z).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import make_row, write_csv

from claimscreen.data.ingest import ingest_batch
from claimscreen.data.lake import Lake
from claimscreen.data.schema import COLUMNS_BY_NAME

NIGHT = dt.date(2026, 10, 1)

#: (claim_id, changes to the valid row): every one must be scored.
UNUSUAL: list[tuple[str, dict[str, str]]] = [
    # Korean: Hangul name, a Seoul land line.
    ("KO", {"first_name": "민준", "last_name": "김", "phone": "+82 2-312-3456", "language": "ko"}),
    # Russian: Cyrillic, with a patronymic as middle name; a Moscow number.
    (
        "RU",
        {
            "first_name": "Владимир",
            "last_name": "Иванов",
            "middle_name": "Петрович",
            "phone": "+7 495 123-45-67",
            "language": "ru",
        },
    ),
    # Chinese: Han characters; the language as a BCP 47 tag.
    ("ZH", {"first_name": "伟", "last_name": "王", "language": "zh-Hant-TW"}),
    # Vietnamese: diacritics, a two-word given name.
    ("VI", {"first_name": "Văn An", "last_name": "Nguyễn", "phone": "+84 90 123 45 67", "language": "vi"}),
    # Spanish: accents, a hyphenated surname, an internationalized mailbox, a Mexican
    # mobile and a mailing address in Guadalajara.
    (
        "ES",
        {
            "first_name": "José",
            "last_name": "Muñoz-García",
            "email": "jose.muñoz@correo.mx",
            "phone": "+52 55 1234 5678",
            "mailing_address_line1": "Av. Juárez 123",
            "mailing_address_line2": "Col. Centro",
            "mailing_city": "Guadalajara",
            "mailing_state": "JAL",
            "mailing_zip": "44100",
            "language": "es",
        },
    ),
    # Arabic script.
    ("AR", {"first_name": "محمد", "last_name": "العلي", "phone": "+966 50 123 4567", "language": "ar"}),
    # Tagalog: an abbreviated first name, a two-word surname, a Philippine mobile.
    (
        "TL",
        {
            "first_name": "Ma. Cristina",
            "last_name": "Dela Cruz",
            "phone": "+63 917 123 4567",
            "language": "tl",
        },
    ),
    # Haitian Creole: hyphenated given name, accented surname, a Haitian mobile.
    (
        "HT",
        {"first_name": "Jean-Baptiste", "last_name": "Désir", "phone": "+509 3712 3456", "language": "ht"},
    ),
    # Somali: Latin-script Somali, mail in Mogadishu with no postal code.
    (
        "SO",
        {
            "first_name": "Cabdullaahi",
            "last_name": "Maxamed Xuseen",
            "phone": "+252 61 1234567",
            "mailing_address_line1": "Wadada Maka Al Mukarama",
            "mailing_city": "Muqdisho",
            "mailing_state": "Banaadir",
            "mailing_zip": "",
            "language": "so",
        },
    ),
    # Amharic: Ge'ez script, an Ethiopian mobile.
    ("AM", {"first_name": "ዮሐንስ", "last_name": "ተስፋዬ", "phone": "+251 91 123 4567", "language": "am"}),
    # English abroad: apostrophe, a London number, a UK postcode and no state.
    (
        "GB",
        {
            "last_name": "O'Brien",
            "phone": "+44 20 7946 0958",
            "mailing_address_line1": "10 Downing Street",
            "mailing_city": "London",
            "mailing_state": "",
            "mailing_zip": "SW1A 2AA",
        },
    ),
    # Military mail (APO AE) is US mail; a toll-free number; a two-word surname.
    (
        "APO",
        {
            "last_name": "Van der Berg",
            "phone": "1-800-555-0199",
            "mailing_address_line1": "PSC 1234, Box 5678",
            "mailing_city": "APO",
            "mailing_state": "AE",
            "mailing_zip": "09001",
        },
    ),
    # The unit glued to its word by a period.
    ("UNIT", {"address_line1": "4521 Walnut St Apt.5", "address_line2": ""}),
    # Structurally impossible SSNs: scored, with the evidence.
    ("SSN0", {"ssn": "000-00-0000"}),
    ("SSN666", {"ssn": "666-12-3456"}),
    # A phone with an extension; an over-long user agent is cut, not quarantined.
    ("EXT", {"phone": "(614) 555-0134 ext. 12", "user_agent": "Mozilla/5.0 " + "x" * 5000}),
]

#: (reason, changes): what cannot be processed, each quarantined with its reason.
BROKEN: list[tuple[str, dict[str, str]]] = [
    ("malformed date_of_birth", {"date_of_birth": "not a date"}),
    ("malformed date_of_birth", {"date_of_birth": "1980-13-45"}),
    ("malformed ssn", {"ssn": "123-45-678"}),
    ("missing last_name", {"last_name": ""}),
    ("too long first_name (over 100 characters)", {"first_name": "A" * 10_000}),
    ("too long address_line1 (over 100 characters)", {"address_line1": "1 " + "Oak " * 50}),
    ("malformed phone", {"phone": "call me"}),
    (
        "malformed mailing_zip",
        {"mailing_address_line1": "1 Main St", "mailing_state": "OH", "mailing_zip": "4300"},
    ),
]


Ingested = tuple[Any, pd.DataFrame, pd.DataFrame]


def ingest(home: Path, tmp_path: Path, rows: list[dict[str, str]]) -> Ingested:
    """The ingest result, the claims by claim_id and the quarantine of one batch of ``rows``."""
    batch = write_csv(tmp_path / "claims_2026-10-01.csv", rows)
    result = ingest_batch(home, batch, NIGHT)
    lake = Lake(home)
    claims = lake.read_zone("claims", NIGHT).set_index("claim_id")
    return result, claims, lake.read_zone("quarantine", NIGHT)


@pytest.fixture
def unusual(home: Path, tmp_path: Path) -> Ingested:
    rows = [make_row(claim_id=claim_id, **changes) for claim_id, changes in UNUSUAL]
    return ingest(home, tmp_path, rows)


@pytest.fixture
def scored(unusual: Ingested) -> pd.DataFrame:
    """The claims of the unusual corpus, by claim_id."""
    return unusual[1]


def values(claims: pd.DataFrame, claim_id: str, columns: tuple[str, ...]) -> tuple[Any, ...]:
    """One claim's values in ``columns``, None where missing."""
    return tuple(None if pd.isna(v) else v for v in claims.loc[claim_id, list(columns)])


def test_the_unusual_corpus_is_scored_whole(unusual: Ingested) -> None:
    result, claims, quarantine = unusual
    assert result.rows_quarantined == 0, quarantine[["claim_id", "details"]].to_dict("records")
    assert sorted(claims.index) == sorted(claim_id for claim_id, _ in UNUSUAL)


NAMES = ("first_name", "last_name", "first_name_norm", "last_name_norm")


@pytest.mark.parametrize(
    ("claim_id", "expected"),
    [
        ("KO", ("민준", "김", "MINJUN", "GIM")),
        ("RU", ("Владимир", "Иванов", "VLADIMIR", "IVANOV")),
        ("ZH", ("伟", "王", "WEI", "WANG")),
        ("VI", ("Văn An", "Nguyễn", "VAN AN", "NGUYEN")),
        ("ES", ("José", "Muñoz-García", "JOSE", "MUNOZ GARCIA")),
        ("AR", ("محمد", "العلي", "MHMD", "LLY")),
        ("TL", ("Ma. Cristina", "Dela Cruz", "MA CRISTINA", "DELA CRUZ")),
        ("HT", ("Jean-Baptiste", "Désir", "JEAN BAPTISTE", "DESIR")),
        ("SO", ("Cabdullaahi", "Maxamed Xuseen", "CABDULLAAHI", "MAXAMED XUSEEN")),
        ("AM", ("ዮሐንስ", "ተስፋዬ", "YOHANS", "TESFAYE")),
        ("GB", ("Maria", "O'Brien", "MARIA", "OBRIEN")),
    ],
)
def test_names_keep_their_script_for_display_and_get_a_latin_key(
    scored: pd.DataFrame, claim_id: str, expected: tuple[str, ...]
) -> None:
    assert values(scored, claim_id, NAMES) == expected


def test_a_patronymic_middle_name_is_kept_and_keyed(scored: pd.DataFrame) -> None:
    assert values(scored, "RU", ("middle_name", "middle_name_norm")) == ("Петрович", "PETROVICH")


PHONES = ("phone_e164", "phone_foreign", "phone_non_geographic")


@pytest.mark.parametrize(
    ("claim_id", "expected"),
    [
        ("KO", ("+8223123456", True, False)),
        ("RU", ("+74951234567", True, False)),
        ("VI", ("+84901234567", True, False)),
        ("ES", ("+525512345678", True, False)),
        ("AR", ("+966501234567", True, False)),
        ("TL", ("+639171234567", True, False)),
        ("HT", ("+50937123456", True, False)),
        ("SO", ("+252611234567", True, False)),
        ("AM", ("+251911234567", True, False)),
        ("GB", ("+442079460958", True, False)),
        ("APO", ("+18005550199", False, True)),
        ("EXT", ("+16145550134", False, False)),
        ("ZH", ("+16145550134", False, False)),  # the valid row's (614) 555-0134
    ],
)
def test_phones_in_e164_with_their_kind(
    scored: pd.DataFrame, claim_id: str, expected: tuple[Any, ...]
) -> None:
    assert values(scored, claim_id, PHONES) == expected


MAILING = ("mailing_state", "mailing_zip5", "mailing_address_norm", "mailing_abroad")


@pytest.mark.parametrize(
    ("claim_id", "expected"),
    [
        ("ES", ("JAL", None, "AVE JUAREZ 123 COL CENTRO", True)),
        ("SO", ("BANAADIR", None, "WADADA MAKA AL MUKARAMA", True)),
        ("GB", (None, None, "10 DOWNING ST", True)),
        ("APO", ("AE", "09001", "PSC 1234 BOX 5678", False)),
        ("KO", (None, None, None, False)),  # no mailing address at all
    ],
)
def test_mailing_addresses_abroad_are_flagged(
    scored: pd.DataFrame, claim_id: str, expected: tuple[Any, ...]
) -> None:
    assert values(scored, claim_id, MAILING) == expected


def test_internationalized_email_is_kept(scored: pd.DataFrame) -> None:
    expected = ("jose.muñoz@correo.mx", "jose.muñoz@correo.mx")
    assert values(scored, "ES", ("email", "email_canonical")) == expected


def test_a_language_tag_gives_its_language(scored: pd.DataFrame) -> None:
    assert scored.loc["ZH", "language"] == "zh"


def test_a_unit_after_a_period_gets_the_usual_key(scored: pd.DataFrame) -> None:
    assert scored.loc["UNIT", "address_norm"] == "4521 WALNUT ST #5"


SSN_FLAGS = ("ssn_last4", "ssn_invalid_area", "ssn_invalid_group", "ssn_invalid_serial")
SSN_VERDICT = ("ssn_structurally_invalid", "ssn_never_issued")


@pytest.mark.parametrize(
    ("claim_id", "flags", "verdict"),
    [
        ("SSN0", ("0000", True, True, True), (True, False)),
        ("SSN666", ("3456", True, False, False), (True, False)),
        ("KO", ("6789", False, False, False), (False, False)),  # 123-45-6789: no flag
    ],
)
def test_impossible_ssns_are_scored_with_the_evidence(
    scored: pd.DataFrame, claim_id: str, flags: tuple[Any, ...], verdict: tuple[bool, bool]
) -> None:
    assert values(scored, claim_id, SSN_FLAGS) == flags
    assert values(scored, claim_id, SSN_VERDICT) == verdict


def test_an_over_long_user_agent_is_cut_to_its_cap(scored: pd.DataFrame) -> None:
    assert COLUMNS_BY_NAME["user_agent"].max_length == 1000
    agent = scored.loc["EXT", "user_agent"]
    assert agent == ("Mozilla/5.0 " + "x" * 5000)[:1000]


def test_what_cannot_be_processed_is_quarantined_with_its_reason(home: Path, tmp_path: Path) -> None:
    rows = [make_row(claim_id="OK")] + [
        make_row(claim_id=f"BAD{i}", **change) for i, (_, change) in enumerate(BROKEN)
    ]
    result, claims, quarantine = ingest(home, tmp_path, rows)
    assert list(claims.index) == ["OK"]
    assert result.rows_quarantined == len(BROKEN)
    reasons = dict(zip(quarantine["claim_id"], quarantine["reason"], strict=True))
    assert reasons == {f"BAD{i}": reason for i, (reason, _) in enumerate(BROKEN)}
    # No reason or detail quotes the value it is about.
    for text in pd.concat([quarantine["reason"], quarantine["details"]]):
        assert "AAAA" not in text and "123-45-678" not in text and "call me" not in text


def test_unusual_and_broken_rows_in_one_batch_split_exactly(home: Path, tmp_path: Path) -> None:
    rows = [make_row(claim_id=claim_id, **changes) for claim_id, changes in UNUSUAL]
    rows += [make_row(claim_id=f"BAD{i}", **change) for i, (_, change) in enumerate(BROKEN)]
    result, claims, quarantine = ingest(home, tmp_path, rows)
    assert (result.rows_ingested, result.rows_quarantined) == (len(UNUSUAL), len(BROKEN))
    assert set(quarantine["claim_id"]) == {f"BAD{i}" for i in range(len(BROKEN))}
    assert set(claims.index) == {claim_id for claim_id, _ in UNUSUAL}


def test_a_placeholder_email_or_phone_is_kept_as_given_but_matches_no_one(home: Path, tmp_path: Path) -> None:
    """Staff type ``none@gmail.com`` and 555-555-5555 when a claimant has neither: the claim is
    scored, the values are kept for display, and there is no mailbox or phone to share."""
    rows = [
        make_row(claim_id="P1", email="none@gmail.com", phone="(555) 555-5555"),
        make_row(claim_id="P2", email="NoEmail@NoEmail.com", phone="614-555-2368"),
        make_row(claim_id="P3", email="na@na.com", phone="000-000-0000"),  # no valid number: not malformed
    ]
    result, claims, _ = ingest(home, tmp_path, rows)
    assert result.rows_quarantined == 0
    assert claims.loc["P1", "email"] == "none@gmail.com"
    assert claims[["email_canonical"]].isna().all().all()
    assert pd.isna(claims.loc["P1", "phone_e164"]) and claims.loc["P2", "phone_e164"] == "+16145552368"
    assert pd.isna(claims.loc["P3", "phone_e164"])
