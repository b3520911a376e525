"""Identity resolution with typos and placeholders: hand-made rows with the answer worked out by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from claimscreen.data.ssn_keys import ssn_head_tokens
from claimscreen.data.tokenize import tokenize
from claimscreen.features.identity import compare_claims, link_identities
from claimscreen.features.identity_match import last4_close, to_day_numbers
from claimscreen.features.identity_signals import compute_identity_signals

KEY = b"identity-typo-test-key-0123456789"


def claim(claim_id: str, first: str, last: str, dob: str, ssn: str, **extra: Any) -> dict[str, Any]:
    """One lake-form claim from raw SSN digits (tokenized here as at ingest); contacts unique."""
    day = int(claim_id.strip("C"))
    digits = pd.Series([ssn], dtype="str")
    row = {
        "claim_id": claim_id,
        "batch_date": dt.date(2026, 10, 1),
        "filed_at": pd.Timestamp("2026-10-01T08:00", tz="UTC") + pd.Timedelta(hours=day),
        "program": "UI",
        "ssn_token": tokenize(digits, KEY, "ssn").iloc[0],
        "ssn_last4": ssn[-4:],
        "ssn_head_token": ssn_head_tokens(pa.array([ssn]), KEY)[0].as_py(),
        "first_name_norm": first,
        "last_name_norm": last,
        "date_of_birth": dt.date.fromisoformat(dob),
        "email_canonical": f"c{day}@mail.com",
        "phone_e164": f"+1614555{day:04d}",
        "address_norm": f"{day} ELM ST",
        "zip5": f"43{day:03d}",
    }
    row.update(extra)
    return row


def linked(*rows: dict[str, Any]) -> set[frozenset[str]]:
    claims = pd.DataFrame(list(rows))
    ids = link_identities(claims)
    return {frozenset(g) for g in claims["claim_id"].groupby(ids.to_numpy()).agg(list)}


def rules(*rows: dict[str, Any]) -> pd.DataFrame:
    """The comparisons of the first row with each other row."""
    claims = pd.DataFrame(list(rows))
    others = list(range(1, len(claims)))
    return compare_claims(claims, [0] * len(others), others)


def test_same_ssn_and_dob_with_a_one_letter_name_typo_is_one_person() -> None:
    assert linked(
        claim("C1", "ANNA", "LI", "1980-04-12", "529317740"),
        claim("C2", "ANNA", "LY", "1980-04-12", "529317740"),
        # the first name typed in the last name's field, and a typo in it
        claim("C3", "LI", "ANA", "1980-04-12", "529317740"),
    ) == {frozenset({"C1", "C2", "C3"})}


def test_same_ssn_and_full_name_with_a_wrong_date_of_birth_is_one_person() -> None:
    table = rules(
        claim("C1", "SOPHIE", "BULLOCK", "1951-04-26", "529317740"),
        claim("C2", "SOPHIE", "BULLOCK", "1936-10-14", "529317740"),
    )
    assert table["rule"].tolist() == [2]


def test_placeholder_dates_and_names_do_not_block_a_link() -> None:
    assert linked(
        claim("C1", "MARIA", "LOPEZ", "1980-04-12", "529317740"),
        claim("C2", "MARIA", "LOPEZ", "1900-01-01", "529317740"),  # date unknown
        claim("C3", "UNKNOWN", "LOPEZ", "1980-04-12", "529317740"),  # first name unknown
        claim("C4", "N A", "KOWALSKI", "1980-04-12", "529317740"),  # first unknown, last name changed
    ) == {frozenset({"C1", "C2", "C3", "C4"})}
    table = rules(
        claim("C1", "MARIA", "LOPEZ", "1980-04-12", "529317740"),
        claim("C2", "MARIA", "LOPEZ", "1900-01-01", "529317740"),
    )
    assert table["dob_unknown"].tolist() == [True] and not table["dob_exact"].any()


def test_placeholders_never_create_a_link() -> None:
    shared = {"address_norm": "1 SHELTER WAY", "zip5": "43001"}
    # Two strangers both filed as UNKNOWN UNKNOWN, born 1900-01-01, at one shelter: before
    # placeholders counted as missing, equal names and dates and the address linked them (R3).
    assert linked(
        claim("C1", "UNKNOWN", "UNKNOWN", "1900-01-01", "529317740", **shared),
        claim("C2", "UNKNOWN", "UNKNOWN", "1900-01-01", "412558812", **shared),
        claim("C3", "NONE", "XXX", "0001-01-01", "300112233", **shared),
    ) == {frozenset({"C1"}), frozenset({"C2"}), frozenset({"C3"})}
    table = rules(
        claim("C1", "TEST", "TEST", "9999-12-31", "529317740", **shared),
        claim("C2", "TEST", "TEST", "9999-12-31", "412558812", **shared),
    )
    assert not table[["first_similar", "last_similar", "dob_exact"]].to_numpy().any()


@pytest.mark.parametrize("other_ssn", ["529317704", "529317749", "259317740", "529817740"])
def test_an_ssn_one_typo_away_with_the_same_name_and_dob_is_one_person(other_ssn: str) -> None:
    """Two adjacent digits swapped or one digit wrong, in the last four or before them."""
    assert linked(
        claim("C1", "MICHAEL", "TYLKOWSKI", "1929-04-21", "529317740"),
        claim("C2", "MICHAEL", "TYLKOWSKI", "1929-04-21", other_ssn),
    ) == {frozenset({"C1", "C2"})}


def test_an_ssn_two_typos_away_or_another_date_keeps_two_people() -> None:
    assert linked(
        claim("C1", "MICHAEL", "TYLKOWSKI", "1929-04-21", "529317740"),
        claim("C2", "MICHAEL", "TYLKOWSKI", "1929-04-21", "529310047"),  # the last four far apart
        claim("C3", "MICHAEL", "TYLKOWSKI", "1929-04-21", "528317704"),  # a typo on both sides
        claim("C4", "MICHAEL", "TYLKOWSKI", "1931-08-02", "529317704"),  # another date of birth
    ) == {frozenset({"C1"}), frozenset({"C2"}), frozenset({"C3"}), frozenset({"C4"})}


def test_an_ssn_typo_with_the_same_full_name_and_a_date_typo_or_no_date_is_one_person() -> None:
    """A typo in the SSN's last four and the same full name: a date of birth with a typo in the
    same year, or none given, still links (no twins share a full name)."""
    assert linked(
        claim("C1", "MICHAEL", "TYLKOWSKI", "1929-04-21", "529317740"),
        claim("C2", "MICHAEL", "TYLKOWSKI", "1929-09-02", "529317704"),  # same year, another day
        claim("C3", "MICHAEL", "TYLKOWSKI", "1900-01-01", "529317749"),  # a placeholder date
    ) == {frozenset({"C1", "C2", "C3"})}


def test_another_ssn_with_the_same_full_name_and_address_in_the_same_birth_year_is_one_person() -> None:
    """An SSN typo before the last four (last four equal) or a shared address, the same name, and a
    birth date mistyped within its year: one person re-filing."""
    home = {"address_norm": "9 MAPLE AVE", "zip5": "43004"}
    assert linked(
        claim("C1", "JETT", "COLEGATE", "1902-11-19", "529317740", **home),
        claim("C2", "JETT", "COLEGATE", "1902-03-25", "412558812", **home),
    ) == {frozenset({"C1", "C2"})}


def test_a_junior_with_the_same_birthday_at_his_fathers_address_stays_apart() -> None:
    home = {"address_norm": "9 MAPLE AVE", "zip5": "43004"}
    assert linked(
        claim("C1", "ROBERT", "BROWN", "1961-06-15", "529317740", **home),
        claim("C2", "ROBERT", "BROWN", "1989-06-15", "412558812", **home),
    ) == {frozenset({"C1"}), frozenset({"C2"})}


def test_twins_with_consecutive_ssns_stay_two_people() -> None:
    shared = {"address_norm": "9 MAPLE AVE", "phone_e164": "+16145550199"}
    assert linked(
        claim("C1", "AMY", "RYAN", "1996-05-08", "529317740", **shared),
        claim("C2", "ALEXANDER", "RYAN", "1996-05-08", "529317741", **shared),
    ) == {frozenset({"C1"}), frozenset({"C2"})}


def test_same_ssn_with_another_name_and_dob_is_two_people_and_a_reuse_signal() -> None:
    more = {"email": None, "employer_ein": None, "ip_address": None, "device_id": None}
    rows = [
        claim("C1", "MARIA", "LOPEZ", "1980-04-12", "529317740", **more),
        claim("C2", "KEVIN", "WALSH", "1991-11-02", "529317740", **more),
    ]
    assert linked(*rows) == {frozenset({"C1"}), frozenset({"C2"})}
    assert rules(*rows)["rule"].tolist() == [0]
    signals = compute_identity_signals(pd.DataFrame(rows), dt.date(2026, 10, 1), {})
    assert signals["ssn_distinct_names"].tolist() == [2, 2]
    assert signals["ssn_distinct_dobs"].tolist() == [2, 2]


def test_same_ssn_and_dob_with_an_entirely_different_name_stays_apart() -> None:
    """A stolen SSN and date of birth used under another name: not one person."""
    assert linked(
        claim("C1", "ROSA", "PARR", "1908-04-09", "529317740"),
        claim("C2", "ABBY", "DRECHSLER", "1908-04-09", "529317740"),
    ) == {frozenset({"C1"}), frozenset({"C2"})}


@pytest.mark.parametrize("home", [{"address_norm": "3 CLANCY ST", "zip5": "21110"}, {"zip5": "21110"}])
def test_same_ssn_and_dob_at_the_same_home_under_a_garbled_name_is_one_person(home: dict[str, str]) -> None:
    """R6: SSN, whole birth date and home (the address, or the ZIP code at least) agree."""
    rows = [
        claim("C1", "CONNOR", "HAMPTON SMITH", "1910-09-07", "529317740", **home),
        claim("C2", "ALEXANDRA", "LESLIE", "1910-09-07", "529317740", **home),
    ]
    assert linked(*rows) == {frozenset({"C1", "C2"})}
    assert rules(*rows)["rule"].tolist() == [6]


def test_a_placeholder_first_name_with_the_same_ssn_last_name_and_home_is_one_person() -> None:
    """R7: the last names agree, a first name is a placeholder, the home agrees; the dates of
    birth differ. From another home the same pair stays two people."""
    home = {"address_norm": "42 PARNELL PL", "zip5": "25800"}
    rows = [
        claim("C1", "UNKNOWN", "MORRISON", "1937-11-21", "529317740", **home),
        claim("C2", "JANE", "MORRISON", "1962-09-15", "529317740", **home),
    ]
    assert linked(*rows) == {frozenset({"C1", "C2"})}
    assert rules(*rows)["rule"].tolist() == [7]
    apart = [rows[0], claim("C2", "JANE", "MORRISON", "1962-09-15", "529317740")]
    assert linked(*apart) == {frozenset({"C1"}), frozenset({"C2"})}


def test_without_head_tokens_a_typo_in_the_last_four_is_not_linked() -> None:
    """Claims ingested before ``ssn_head_token`` existed (the column missing): no guess."""
    rows = [
        claim("C1", "MICHAEL", "TYLKOWSKI", "1929-04-21", "529317740"),
        claim("C2", "MICHAEL", "TYLKOWSKI", "1929-04-21", "529317704"),
    ]
    claims = pd.DataFrame(rows).drop(columns=["ssn_head_token"])
    assert link_identities(claims).nunique() == 2


def test_last4_close_and_placeholder_days() -> None:
    x = np.array([7740, 7740, 7740, 7740, 7740, 123], dtype=np.int64)
    y = np.array([7704, 7749, 7470, 7740, 4077, 132], dtype=np.int64)
    assert last4_close(x, y).tolist() == [True, True, True, False, False, True]
    days = to_day_numbers(pd.Series(["1900-01-01", "1980-04-12", None, "9999-12-31"]))
    assert (days[[0, 2, 3]] == days[2]).all() and days[1] != days[2]


def test_head_tokens_differ_from_ssn_tokens_and_need_five_digits() -> None:
    heads = ssn_head_tokens(pa.array(["529317740", "529310000", "1234", None]), KEY).to_pylist()
    assert heads[0] == heads[1] and heads[2] is None and heads[3] is None
    assert heads[0] != tokenize(pd.Series(["52931"]), KEY, "ssn").iloc[0]
