"""Identity signals: hand-worked answers on tiny lake-form frames, and point-in-time invariants."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimscreen.data.reference import load_reference, read_reference
from claimscreen.features.identity_signals import (
    FEATURES,
    SSN_FLAG_COLUMNS,
    compute_identity_signals,
    ssn_structure_flags,
)

NIGHT = dt.date(2026, 10, 1)

#: One honest claim in lake form; tests copy it and change what they test.
BASE_CLAIM: dict[str, Any] = {
    "claim_id": "C1",
    "batch_date": NIGHT,
    "filed_at": pd.Timestamp("2026-10-01T14:00:00Z"),
    "program": "UI",
    "ssn_token": "ssn-a",
    "ssn_last4": "6789",
    "first_name_norm": "MARIA",
    "last_name_norm": "LOPEZ",
    "date_of_birth": dt.date(1980, 4, 12),
    "email": "maria.lopez@gmail.com",
    "email_canonical": "marialopez@gmail.com",
    "phone_e164": "+16145550134",
    "address_norm": "12 OAK ST #4B",
    "zip5": "43004",
    "bank_account_token": "bank-a",
    "employer_ein": "311234567",
    "ip_address": "203.0.113.9",
    "device_id": "dev-abc",
}


def claims(*changes: dict[str, Any]) -> pd.DataFrame:
    """Lake-form claims: one row per dict of changes to :data:`BASE_CLAIM` (claim ids C1, C2, ...)."""
    rows = [{**BASE_CLAIM, "claim_id": f"C{i + 1}", **change} for i, change in enumerate(changes)]
    frame = pd.DataFrame(rows)
    frame["filed_at"] = pd.to_datetime(frame["filed_at"], utc=True)
    return frame


def signals(
    window: pd.DataFrame, references: dict[str, pd.DataFrame] | None = None, **kw: Any
) -> pd.DataFrame:
    return compute_identity_signals(window, NIGHT, references or {}, **kw)


# --- SSN structure ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "flagged"),
    [
        ("000123456", {"ssn_invalid_area"}),
        ("666123456", {"ssn_invalid_area"}),
        ("900123456", {"ssn_invalid_area"}),
        ("987654321", {"ssn_invalid_area"}),
        ("123004567", {"ssn_invalid_group"}),
        ("123450000", {"ssn_invalid_serial"}),
        ("000000000", {"ssn_invalid_area", "ssn_invalid_group", "ssn_invalid_serial"}),
        ("078051120", set()),
        ("123456789", set()),
        ("665123456", set()),
        ("899123456", {"ssn_never_issued"}),
        ("734123456", {"ssn_never_issued"}),
        ("749123456", {"ssn_never_issued"}),
        ("733123456", set()),
        ("772123456", set()),
    ],
)
def test_ssn_structure_flags_by_hand(digits: str, flagged: set[str]) -> None:
    flags = ssn_structure_flags(pd.Series([digits])).iloc[0]
    hard = {"ssn_invalid_area", "ssn_invalid_group", "ssn_invalid_serial"}
    for column in ("ssn_invalid_area", "ssn_invalid_group", "ssn_invalid_serial", "ssn_never_issued"):
        assert flags[column] == (column in flagged), column
    assert flags["ssn_structurally_invalid"] == bool(flagged & hard) or digits == "078051120"


def test_ssn_structure_flags_accept_dashes_and_missing() -> None:
    flags = ssn_structure_flags(pd.Series(["000-12-3456", None, "12"], index=[7, 8, 9]))
    assert list(flags.index) == [7, 8, 9]
    assert list(flags.columns) == list(SSN_FLAG_COLUMNS)
    assert flags["ssn_invalid_area"].tolist() == [True, False, False]
    assert flags.dtypes.eq(bool).all()


def test_ssn_flags_come_from_the_window_else_from_ssn_structure_else_false() -> None:
    window = claims({}, {})
    assert not signals(window)[list(SSN_FLAG_COLUMNS)].to_numpy().any()
    flags = ssn_structure_flags(pd.Series(["000123456", "123456789"], index=pd.Index(["C1", "C2"])))
    from_arg = signals(window, ssn_structure=flags)
    assert from_arg["ssn_invalid_area"].tolist() == [True, False]
    in_window = pd.concat([window, flags.reset_index(drop=True)], axis=1)
    assert signals(in_window)["ssn_structurally_invalid"].tolist() == [True, False]


# --- One SSN, several people ---------------------------------------------------------------


def test_ssn_reuse_counts_names_birth_dates_and_claims_up_to_tonight() -> None:
    window = claims(
        {"batch_date": NIGHT - dt.timedelta(days=3)},
        {"first_name_norm": "JOHN", "last_name_norm": "DOE", "batch_date": NIGHT - dt.timedelta(days=1)},
        {"date_of_birth": dt.date(1981, 4, 12)},
        {"ssn_token": "ssn-b"},
        {"first_name_norm": "ANA", "batch_date": NIGHT + dt.timedelta(days=1)},
    )
    out = signals(window)
    assert list(out.index) == ["C3", "C4"]
    # ssn-a up to tonight: MARIA LOPEZ twice and JOHN DOE; two birth dates; three claims. ANA is tomorrow.
    assert out.loc["C3", ["ssn_distinct_names", "ssn_distinct_dobs", "ssn_claims_window"]].tolist() == [
        2,
        2,
        3,
    ]
    assert out.loc["C4", ["ssn_distinct_names", "ssn_distinct_dobs", "ssn_claims_window"]].tolist() == [
        1,
        1,
        1,
    ]


def test_spellings_of_one_name_on_an_ssn_are_one_name_apart() -> None:
    """KIMBERLY SNYDER, KIMERLY SNYDER and SNYDER KIMBERLY (a typo, the order swapped) are one
    name apart; JOHN DOE on the same SSN is a second. Another SSN with one name: 1."""
    earlier = NIGHT - dt.timedelta(days=4)
    window = claims(
        {"first_name_norm": "KIMBERLY", "last_name_norm": "SNYDER", "batch_date": earlier},
        {"first_name_norm": "KIMERLY", "last_name_norm": "SNYDER"},
        {
            "first_name_norm": "SNYDER",
            "last_name_norm": "KIMBERLY",
            "ssn_token": "ssn-b",
            "batch_date": earlier,
        },
        {"first_name_norm": "KIMBERLY", "last_name_norm": "SNYDER", "ssn_token": "ssn-b"},
        {"first_name_norm": "JOHN", "last_name_norm": "DOE", "ssn_token": "ssn-b"},
        {"ssn_token": "ssn-c"},
        {"first_name_norm": "MARIA", "last_name_norm": "LOPEZ", "ssn_token": "ssn-d", "batch_date": earlier},
        {
            "first_name_norm": "MARIO",
            "last_name_norm": "LOPEZ",
            "ssn_token": "ssn-d",
            "date_of_birth": dt.date(1990, 1, 2),
        },
    )
    out = signals(window)
    assert out.loc["C2", ["ssn_distinct_names", "ssn_names_apart"]].tolist() == [2, 1]
    # A close spelling under another birth date is another person: apart.
    assert out.loc["C8", ["ssn_distinct_names", "ssn_names_apart"]].tolist() == [2, 2]
    assert out.loc["C4", ["ssn_distinct_names", "ssn_names_apart"]].tolist() == [3, 2]
    assert out.loc["C6", ["ssn_distinct_names", "ssn_names_apart"]].tolist() == [1, 1]


def test_ssn_payment_accounts_and_mailboxes_count_changes_not_refilings() -> None:
    """The same person filing again keeps account and mailbox (1 and 1); an identity re-used
    by others changes both each time. Missing values are not counted; tomorrow is not seen."""
    earlier = NIGHT - dt.timedelta(days=5)
    window = claims(
        {"batch_date": earlier},
        {
            "batch_date": earlier,
            "ssn_token": "ssn-b",
            "bank_account_token": "bank-x",
            "email_canonical": "x@a.com",
        },
        {"ssn_token": "ssn-b", "bank_account_token": "bank-y", "email_canonical": "y@a.com"},
        {"ssn_token": "ssn-b", "bank_account_token": None, "email_canonical": None},
        {},
        {"ssn_token": "ssn-b", "bank_account_token": "bank-z", "batch_date": NIGHT + dt.timedelta(days=1)},
    )
    out = signals(window)
    columns = ["ssn_distinct_bank_accounts", "ssn_distinct_emails"]
    assert out.loc["C3", columns].tolist() == [2, 2]
    assert out.loc["C4", columns].tolist() == [2, 2]
    assert out.loc["C5", columns].tolist() == [1, 1]


# --- Age -----------------------------------------------------------------------------------


def test_age_at_filing_uses_the_local_filing_date() -> None:
    window = claims(
        {"date_of_birth": dt.date(2008, 10, 1)},  # 18th birthday today
        {"date_of_birth": dt.date(2008, 10, 2)},  # 18 tomorrow
        # 02:00 UTC on 2 October is 22:00 on 1 October in New York: still 17.
        {"date_of_birth": dt.date(2008, 10, 2), "filed_at": pd.Timestamp("2026-10-02T02:00:00Z")},
        {"date_of_birth": dt.date(1996, 4, 1)},
    )
    out = signals(window)
    assert out["age_under_18"].tolist() == [False, True, True, False]
    assert out.loc["C1", "age_at_filing"] == pytest.approx(6574 / 365.2425)  # 18 years, 5 of them leap
    assert out.loc["C4", "age_at_filing"] == pytest.approx(30.5, abs=0.01)


# --- Email ---------------------------------------------------------------------------------


def test_email_signals_by_hand() -> None:
    window = claims(
        {},
        {"email": "bkwq77@mailinator.com", "email_canonical": "bkwq77@mailinator.com"},
        {"email": None, "email_canonical": None},
        {"email": "m.lopez+ui@agency.gov", "email_canonical": "m.lopez@agency.gov"},
    )
    out = signals(window)
    assert out["name_email_similarity"].iloc[0] == 1.0
    assert out["name_email_similarity"].iloc[1] == 0.0
    assert np.isnan(out["name_email_similarity"].iloc[2])
    assert out["name_email_similarity"].iloc[3] == 1.0  # LOPEZ inside "mlopez"
    assert out["email_free_provider"].tolist() == [True, False, False, False]
    assert out["email_disposable"].tolist() == [False, True, False, False]


def test_name_email_similarity_is_partial() -> None:
    # "lopez" against "lopes": the best window, "lope", shares 4 letters with "lopes": 2 * 4 / (4 + 5).
    window = claims(
        {"email": "lopes@yahoo.com", "email_canonical": "lopes@yahoo.com", "first_name_norm": "ZZ"}
    )
    assert signals(window)["name_email_similarity"].iloc[0] == pytest.approx(8 / 9)


def test_gmail_alias_ring_is_counted_on_the_canonical_mailbox() -> None:
    window = claims(
        {"email": "j.doe@gmail.com", "email_canonical": "jdoe@gmail.com", "batch_date": dt.date(2026, 9, 30)},
        {"email": "jdoe+ui@gmail.com", "email_canonical": "jdoe@gmail.com", "ssn_token": "ssn-b"},
        {"email": "jdoe@gmail.com", "email_canonical": "jdoe@gmail.com", "ssn_token": "ssn-b"},
        {"email": "jdoe@gmail.com", "email_canonical": "jdoe@gmail.com", "ssn_token": "ssn-c",
         "batch_date": NIGHT + dt.timedelta(1)},
        {"email": None, "email_canonical": None},
    )  # fmt: skip
    out = signals(window)
    assert out["email_alias_variants"].tolist() == [3, 3, 0]
    assert out["email_canonical_identities"].tolist() == [2, 2, 0]


# --- Reference lists -----------------------------------------------------------------------


def test_deceased_only_before_the_filing_date() -> None:
    window = claims({}, {"ssn_token": "ssn-b"}, {"ssn_token": "ssn-c"}, {"ssn_token": "ssn-d"})
    deceased = pd.DataFrame(
        {
            "ssn_token": ["ssn-a", "ssn-b", "ssn-c"],
            "date_of_death": [dt.date(2024, 1, 5), dt.date(2026, 10, 1), dt.date(2026, 11, 1)],
        }
    )
    out = signals(window, {"deceased": deceased})
    assert out["deceased_before_filing"].tolist() == [True, False, False, False]


def test_incarcerated_only_while_held() -> None:
    window = claims({}, {"ssn_token": "ssn-b"}, {"ssn_token": "ssn-c"}, {"ssn_token": "ssn-d"})
    inmates = pd.DataFrame(
        {
            "ssn_token": ["ssn-a", "ssn-b", "ssn-c", "ssn-d"],
            "admitted_on": [
                dt.date(2024, 1, 1),
                dt.date(2024, 1, 1),
                dt.date(2024, 1, 1),
                dt.date(2026, 10, 2),
            ],
            "released_on": [None, dt.date(2026, 9, 30), dt.date(2026, 10, 1), None],
        }
    )
    out = signals(window, {"incarcerated": inmates})
    # held; released the day before filing; released on the filing day; admitted after filing.
    assert out["incarcerated_at_filing"].tolist() == [True, False, True, False]


def test_interstate_claims_within_a_year_up_to_tonight() -> None:
    window = claims({}, {"ssn_token": "ssn-b"}, {"ssn_token": "ssn-c"})
    other = pd.DataFrame(
        {
            "ssn_token": ["ssn-a", "ssn-a", "ssn-a", "ssn-b", "ssn-c"],
            "state": ["PA", "MI", "PA", "IN", "KY"],
            "filed_at": pd.to_datetime(
                ["2026-06-01", "2025-10-15", "2026-01-01", "2025-09-01", "2026-10-05"], utc=True
            ),
        }
    )
    out = signals(window, {"interstate_claims": other})
    # ssn-a: PA twice and MI within 365 days -> 2 states; ssn-b: 395 days ago; ssn-c: after tonight.
    assert out["interstate_states"].tolist() == [2, 0, 0]
    assert out["interstate_claim"].tolist() == [True, False, False]


def test_suspicious_actors_by_kind_added_by_tonight() -> None:
    window = claims(
        {}, {"bank_account_token": "bank-b", "device_id": "dev-b"}, {"bank_account_token": "bank-c"}
    )
    actors = pd.DataFrame(
        {
            "kind": ["bank_account", "email", "address", "device_id", "bank_account"],
            "match_key": ["bank-a", "marialopez@gmail.com", "12 OAK ST #4B", "dev-b", "bank-c"],
            "zip5": [None, None, "43004", None, None],
            "added_on": [
                dt.date(2026, 1, 1),
                None,
                dt.date(2026, 10, 1),
                dt.date(2025, 5, 5),
                dt.date(2026, 10, 2),
            ],
        }
    )
    out = signals(window, {"suspicious_actors": actors})
    assert out["suspicious_actor_kinds"].tolist() == [
        "bank_account;email;address",
        "email;device_id;address",
        "email;address",
    ]
    assert out["suspicious_actor_match"].tolist() == [True, True, True]
    other_zip = window.assign(zip5="43005")
    assert (
        "address" not in signals(other_zip, {"suspicious_actors": actors})["suspicious_actor_kinds"].iloc[0]
    )
    no_email = window.assign(email_canonical=None, address_norm="9 ELM ST")
    assert signals(no_email, {"suspicious_actors": actors})["suspicious_actor_kinds"].tolist() == [
        "bank_account",
        "device_id",
        "",
    ]


def test_wage_records_in_the_five_completed_quarters_before_filing() -> None:
    # Filed 2026-10-01, quarter 2026Q4: the lookback is 2025Q3 to 2026Q3.
    window = claims(
        {},
        {"ssn_token": "ssn-b"},
        {"ssn_token": "ssn-c"},
        {"ssn_token": "ssn-d", "program": "PUA", "employer_ein": None},
        {"ssn_token": "ssn-e", "employer_ein": "999999999"},
    )
    wages = pd.DataFrame(
        {
            "ssn_token": ["ssn-a", "ssn-a", "ssn-a", "ssn-b", "ssn-b", "ssn-c"],
            "employer_ein": ["311234567", "311234567", "222222222", "222222222", "311234567", "311234567"],
            "quarter": ["2026Q3", "2025Q3", "2026Q2", "2026Q1", "2025Q2", "2026Q4"],
            "wages": [9000.0, 8000.0, 100.0, 7000.0, 7000.0, 5000.0],
        }
    )
    out = signals(window, {"wage_records": wages})
    assert out["wage_quarters_found"].tolist() == [3, 1, 0, 0, 0]
    # ssn-b's only row with the employer is in 2025Q2 (too old); ssn-c's is in the filing quarter.
    assert out["no_wage_record_with_employer"].tolist() == [False, True, True, False, True]
    assert out["employer_known"].tolist() == [True, True, True, False, False]


def test_employers_are_known_from_any_ssn_and_wage_rows_count_only_when_complete() -> None:
    """Filed 2026-10-01 (2026Q4) unless said: ssn-d also filed on the 30th, local time (2026Q3)."""
    window = claims(
        {"employer_ein": "E1"},
        {"ssn_token": "ssn-b", "employer_ein": "E2"},
        {"ssn_token": "ssn-c", "employer_ein": "E3"},
        {"ssn_token": "ssn-d", "employer_ein": "E4"},
        {"ssn_token": "ssn-d", "employer_ein": "E5", "filed_at": pd.Timestamp("2026-09-30T14:00:00Z")},
        {"ssn_token": None, "employer_ein": "E1"},
    )
    wages = pd.DataFrame(
        {
            "ssn_token": ["ssn-z", None, "ssn-c", "ssn-c", "ssn-d", "ssn-d", "ssn-d", "ssn-z"],
            "employer_ein": ["E1", "E2", None, "E3", "E4", "E5", "E4", "E5"],
            "quarter": ["2026Q1", "2026Q1", "2026Q2", "2026Q9", "2026Q3", "2025Q3", "2025Q2", "2026Q3"],
            "wages": [1.0] * 8,
        }
    )
    out = signals(window, {"wage_records": wages})
    # E1 reported wages only for ssn-z, who files nothing tonight; E2's only row has no SSN and
    # E3's no readable quarter, so neither counts, nor do ssn-c's rows without an EIN or quarter.
    # ssn-d in 2026Q4 sees 2026Q3 and 2025Q3; on the 30th (2026Q3) 2025Q3 and 2025Q2.
    assert out["wage_quarters_found"].tolist() == [0, 0, 0, 2, 2, 0]
    assert out["no_wage_record_with_employer"].tolist() == [True, True, True, False, False, True]
    # E5 first reported in 2025Q3, before both filing quarters; ssn-z's 2026Q3 row is not its first.
    assert out["employer_known"].tolist() == [True, False, False, True, True, True]


def _wages_by_definition(window: pd.DataFrame, wages: pd.DataFrame) -> pd.DataFrame:
    """The wage columns read off the definitions one claim at a time (the night is 2026-10-01)."""
    complete = [
        (ssn, ein, int(q[:4]) * 4 + int(q[5]) - 1)
        for ssn, ein, q in wages[["ssn_token", "employer_ein", "quarter"]].itertuples(index=False)
        if isinstance(ssn, str) and isinstance(ein, str) and re.fullmatch(r"\d{4}Q[1-4]", q)
    ]
    rows = []
    for claim in window.itertuples(index=False):
        local = pd.Timestamp(claim.filed_at).tz_convert("America/New_York")
        filing = local.year * 4 + (local.month - 1) // 3
        paid = [(ein, q) for ssn, ein, q in complete if ssn == claim.ssn_token and 1 <= filing - q <= 5]
        named = isinstance(claim.employer_ein, str) and claim.program != "PUA"
        rows.append(
            {
                "no_wage_record_with_employer": named and claim.employer_ein not in {e for e, _ in paid},
                "wage_quarters_found": len({q for _, q in paid}),
                "employer_known": any(e == claim.employer_ein and q < filing for _, e, q in complete),
            }
        )
    return pd.DataFrame(rows, index=pd.Index(window["claim_id"], name="claim_id"))


wage_claims = st.fixed_dictionaries(
    {
        "ssn_token": st.sampled_from(["s0", "s1", "s2", None]),
        "employer_ein": st.sampled_from(["E0", "E1", "E2", None]),
        "program": st.sampled_from(["UI", "PUA"]),
        "filed_at": st.sampled_from(
            [pd.Timestamp(t) for t in ("2026-10-01T14:00:00Z", "2026-10-01T02:00:00Z", "2026-08-01T12:00Z")]
        ),
    }
)
wage_rows = st.tuples(
    st.sampled_from(["s0", "s1", "s3", None]),
    st.sampled_from(["E0", "E1", "E3", None]),
    st.sampled_from(["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4", "26Q1"]),
)


@settings(max_examples=80, deadline=None)
@given(
    changes=st.lists(wage_claims, min_size=1, max_size=8),
    rows=st.lists(wage_rows, min_size=1, max_size=14),  # an empty list flags nothing (tested apart)
    lake_text=st.booleans(),
)
def test_wage_signals_follow_their_definition(
    changes: list[dict[str, Any]], rows: list[tuple[str | None, ...]], lake_text: bool
) -> None:
    """Repeated SSNs on both sides, other SSNs' employers, incomplete rows, text as the lake holds it."""
    window = claims(*changes)
    wages = pd.DataFrame(rows, columns=["ssn_token", "employer_ein", "quarter"], dtype=object)
    if lake_text:
        window = window.astype({"ssn_token": "str", "employer_ein": "str"})
        wages = wages.astype("str")
    expected = _wages_by_definition(window, wages.assign(wages=1.0))
    got = signals(window, {"wage_records": wages.assign(wages=1.0)})
    pd.testing.assert_frame_equal(got[list(expected.columns)], expected, check_dtype=False)


def test_an_ein_with_a_prefix_no_irs_campus_assigns_is_flagged_without_any_list() -> None:
    """07, 08, 09, 17, 18, 19, 28, 29, 49, 69, 70, 78, 79 and 89 are assigned by no campus."""
    window = claims(
        {"employer_ein": "311234567"},
        {"employer_ein": "071234567"},
        {"employer_ein": "891234567"},
        {"employer_ein": None},
        {"employer_ein": "071234567"},
    )
    out = signals(window)
    assert out["employer_ein_unassigned"].tolist() == [False, True, True, False, True]


def test_missing_or_empty_reference_lists_give_false_and_zero() -> None:
    window = claims({}, {"ssn_token": "ssn-b", "program": "PUA", "employer_ein": None})
    empty = {
        "deceased": pd.DataFrame(columns=["ssn_token", "date_of_death"]),
        "incarcerated": pd.DataFrame(columns=["ssn_token", "admitted_on", "released_on"]),
        "interstate_claims": pd.DataFrame(columns=["ssn_token", "state", "filed_at"]),
        "suspicious_actors": pd.DataFrame(columns=["kind", "match_key", "zip5", "added_on"]),
        "wage_records": pd.DataFrame(columns=["ssn_token", "employer_ein", "quarter", "wages"]),
    }
    columns = [
        "deceased_before_filing", "incarcerated_at_filing", "interstate_claim", "interstate_states",
        "suspicious_actor_match", "no_wage_record_with_employer", "wage_quarters_found", "employer_known",
    ]  # fmt: skip
    for references in ({}, empty):
        out = signals(window, references)
        assert not out[columns].to_numpy().any()
        assert out["suspicious_actor_kinds"].tolist() == ["", ""]


def test_columns_and_dtypes_follow_the_declaration() -> None:
    out = signals(claims({}, {}))
    assert list(out.columns) == [f.name for f in FEATURES]
    assert {f.name: str(out[f.name].dtype) for f in FEATURES} == {f.name: f.dtype for f in FEATURES}
    assert out.index.name == "claim_id"
    assert all(f.group == "identity" for f in FEATURES)


def test_a_night_without_claims_gives_an_empty_frame() -> None:
    out = signals(claims({"batch_date": NIGHT - dt.timedelta(days=1)}))
    assert len(out) == 0
    assert list(out.columns) == [f.name for f in FEATURES]


# --- Point in time -------------------------------------------------------------------------

_REFERENCES = {
    "deceased": pd.DataFrame({"ssn_token": ["s1"], "date_of_death": [dt.date(2026, 9, 1)]}),
    "interstate_claims": pd.DataFrame(
        {
            "ssn_token": ["s2", "s0"],
            "state": ["PA", "MI"],
            "filed_at": pd.to_datetime(["2026-09-30"] * 2, utc=True),
        }
    ),
    "suspicious_actors": pd.DataFrame(
        {"kind": ["device_id", "email"], "match_key": ["d1", "e0@gmail.com"], "added_on": [NIGHT, NIGHT]}
    ),
    "wage_records": pd.DataFrame(
        {
            "ssn_token": ["s0", "s1"],
            "employer_ein": ["E0", "E1"],
            "quarter": ["2026Q2", "2026Q3"],
            "wages": [1.0, 2.0],
        }
    ),
}

claim_rows = st.fixed_dictionaries(
    {
        "night_offset": st.integers(-3, 3),
        "ssn_token": st.sampled_from(["s0", "s1", "s2"]),
        "first_name_norm": st.sampled_from(["ANA", "BO", "CY"]),
        "date_of_birth": st.sampled_from([dt.date(1990, 1, 1), dt.date(2010, 5, 5)]),
        "email_canonical": st.sampled_from(["e0@gmail.com", "e1@yopmail.com", None]),
        "email_variant": st.sampled_from(["", "+x", "."]),
        "device_id": st.sampled_from(["d0", "d1"]),
        "employer_ein": st.sampled_from(["E0", "E1"]),
    }
)


def _window(rows: list[dict[str, Any]]) -> pd.DataFrame:
    changes = []
    for row in rows:
        canonical = row["email_canonical"]
        email = None if canonical is None else canonical.replace("@", row["email_variant"] + "@")
        night = NIGHT + dt.timedelta(days=row["night_offset"])
        filed = pd.Timestamp(night, tz="America/New_York") + pd.Timedelta(hours=10)
        fields = {k: v for k, v in row.items() if k not in ("night_offset", "email_variant")}
        changes.append({**fields, "email": email, "batch_date": night, "filed_at": filed})
    return claims(*changes)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(claim_rows, min_size=1, max_size=10), seed=st.integers(0, 2**32 - 1))
def test_later_nights_and_row_order_do_not_change_a_night(rows: list[dict[str, Any]], seed: int) -> None:
    window = _window(rows)
    known = window.loc[pd.to_datetime(window["batch_date"]) <= pd.Timestamp(NIGHT)]
    expected = compute_identity_signals(known, NIGHT, _REFERENCES).sort_index()
    shuffled = window.sample(frac=1.0, random_state=seed)
    got = compute_identity_signals(shuffled, NIGHT, _REFERENCES).sort_index()
    pd.testing.assert_frame_equal(got, expected)
    assert set(got.index) == set(window.loc[window["batch_date"] == NIGHT, "claim_id"])


# --- With the reference module's lake form -------------------------------------------------


def test_lists_loaded_by_the_reference_module_match_claims(home: Path, tmp_path: Path) -> None:
    deceased_csv = tmp_path / "deceased.csv"
    deceased_csv.write_text("ssn,date_of_death\n123-45-6789,2025-02-03\n987-65-4320,2027-01-01\n")
    actors_csv = tmp_path / "suspicious_actors.csv"
    actors_csv.write_text(
        'kind,value,added_on,source\naddress,"12 Oak Street Apt 4B, Columbus, OH 43004",2026-01-01,test\n'
    )
    load_reference(home, "deceased", deceased_csv)
    load_reference(home, "suspicious_actors", actors_csv)
    deceased = read_reference(home, "deceased")
    token = deceased.loc[deceased["ssn_last4"] == "6789", "ssn_token"].iloc[0]
    references = {"deceased": deceased, "suspicious_actors": read_reference(home, "suspicious_actors")}
    out = signals(claims({"ssn_token": token}, {"zip5": "43005"}), references)
    assert out["deceased_before_filing"].tolist() == [True, False]
    assert out["suspicious_actor_kinds"].tolist() == ["address", ""]
