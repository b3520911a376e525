"""Sharing signals: people per identifier over 7, 30 days and the window, first seen; point in time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from claim_rows import START, frame
from claim_rows import claim as network_claim

from claimscreen.features.build import ALL_FEATURES
from claimscreen.features.sharing import FEATURE_NAMES, FEATURES, compute_sharing_features
from claimscreen.models.evidence import evidence_matrix, named_hits

NIGHT = (START + pd.Timedelta(days=60)).date()


def claim(claim_id: str, days_before: int, **changes: Any) -> dict[str, Any]:
    """claim_rows.claim, filed ``days_before`` nights before :data:`NIGHT`."""
    return network_claim(claim_id, day=60 - days_before, **changes)


def sharing(rows: list[dict[str, Any]], night: dt.date = NIGHT, **kwargs: Any) -> pd.DataFrame:
    window = frame(rows)
    identity = pd.factorize(window["ssn_token"])[0]
    return compute_sharing_features(window, night, identity=identity, **kwargs)


def mail_drop() -> list[dict[str, Any]]:
    """Twelve strangers giving one unit over three weeks (as home, or as mailing address for some)."""
    rows = []
    for i in range(12):
        at = {"address_norm": "12 ELM ST #5"} if i % 3 else {"mailing_address_norm": "12 ELM ST #5"}
        rows.append(claim(f"M{i:02d}", days_before=20 - 20 * i // 11, **at, mailing_zip5="43004"))
    return rows


def test_columns_are_registered_and_few() -> None:
    names = {f.name for f in ALL_FEATURES}
    assert set(FEATURE_NAMES) <= names
    assert len(FEATURES) <= 32  # 8 bytes a claim each: 8 MB a column on a million-claim night
    out = sharing([claim("A", 0)])
    assert list(out.columns) == list(FEATURE_NAMES) and out.index.tolist() == ["A"]


def test_a_mail_drop_is_counted_on_the_unit_whatever_the_slot() -> None:
    out = sharing(mail_drop())
    last = out.loc["M11"]  # tonight: gave the unit as home
    assert last["residence_identities_30d"] == 12 and last["residence_identities_window"] == 12
    assert last["residence_identities_7d"] == 4
    assert last["residence_first_seen_days"] == 20
    tonight_mailing = sharing(
        [*mail_drop(), claim("X", 0, mailing_address_norm="12 ELM ST #5", mailing_zip5="43004")]
    )
    assert tonight_mailing.loc["X", "mailing_identities_30d"] == 13
    assert tonight_mailing["mailing_identities_30d"].isna()["M11"]  # no mailing address
    fired = evidence_matrix(out)
    assert fired.loc["M11", "ADDRESS_MANY_PEOPLE"]


def test_a_household_is_counted_but_fires_nothing() -> None:
    home = {"address_norm": "7 ELM ST #2", "bank_account_token": "acct-FAMILY"}
    rows = [claim("P1", 40, **home), claim("P2", 10, **home), claim("P3", 0, **home)]
    out = sharing(rows)
    assert out.loc["P3", "residence_identities_window"] == 3
    assert out.loc["P3", "residence_identities_7d"] == 1
    assert out.loc["P3", "bank_account_identities_30d"] == 2
    assert out.loc["P3", "bank_account_first_seen_days"] == 40
    assert out.loc["P3", "bank_account_addresses_30d"] == 1  # P1 is older than 30 days; one home
    fired = evidence_matrix(out)
    assert not fired.loc["P3", ["ADDRESS_MANY_PEOPLE", "PHONE_MANY_PEOPLE", "BANK_ACCOUNT_OTHER_HOMES"]].any()


def test_an_account_shared_by_people_who_live_apart_counts_their_homes() -> None:
    """Two strangers' benefits into one account are two homes; a claim without an account is NaN;
    an address given without an account, or with another, is not counted."""
    drop = {"bank_account_token": "acct-DROP"}
    rows = [
        claim("S1", 12, address_norm="4 OAK ST", **drop),
        claim("S2", 3, address_norm="90 PINE AVE #3", **drop),
        claim("S3", 0, address_norm="4 OAK ST", **drop),  # lives with S1: still two homes
        claim("S4", 0, address_norm="18 ASH RD", bank_account_token=None),
        claim("S5", 40, address_norm="77 BIRCH LN", **drop),  # older than 30 days
    ]
    out = sharing(rows)
    assert out.loc["S3", "bank_account_addresses_30d"] == 2
    assert pd.isna(out.loc["S4", "bank_account_addresses_30d"])
    assert evidence_matrix(out).loc["S3", "BANK_ACCOUNT_OTHER_HOMES"]


def test_one_person_who_moved_is_two_homes_but_no_other_homes_evidence() -> None:
    """The same claimant (one SSN) filing again from a new home with the same account: the
    account has two homes in 30 days, but one person: no strangers, BANK_ACCOUNT_OTHER_HOMES
    (whose sentence speaks of people and strangers) does not fire. A second person does."""
    mover = {"bank_account_token": "acct-MOVER", "ssn_token": "ssn-MOVER"}
    rows = [
        claim("R1", 20, address_norm="4 OAK ST", **mover),
        claim("R2", 0, address_norm="90 PINE AVE", **mover),
    ]
    out = sharing(rows)
    assert out.loc["R2", "bank_account_addresses_30d"] == 2
    assert out.loc["R2", "bank_account_identities_30d"] == 1
    assert not evidence_matrix(out).loc["R2", "BANK_ACCOUNT_OTHER_HOMES"]
    other = claim("R3", 0, address_norm="18 ASH RD", bank_account_token="acct-MOVER")
    assert evidence_matrix(sharing([*rows, other])).loc["R3", "BANK_ACCOUNT_OTHER_HOMES"]


def test_a_home_is_its_house_number_and_zip_so_a_street_typo_or_a_unit_is_no_second_home() -> None:
    """A couple sharing an account, one writing the street with a typo, the other with the unit:
    one home. Another house number, or the same one in another ZIP code, is another home."""
    family = {"bank_account_token": "acct-COUPLE"}
    rows = [
        claim("H1", 5, address_norm="120 MAIN ST", **family),
        claim("H2", 0, address_norm="120 MIAN ST #2", **family),
    ]
    out = sharing(rows)
    assert out.loc["H2", "bank_account_addresses_30d"] == 1
    assert not evidence_matrix(out).loc["H2", "BANK_ACCOUNT_OTHER_HOMES"]
    apart = [*rows, claim("H3", 0, address_norm="120 MAIN ST", zip5="43210", **family)]
    assert sharing(apart).loc["H3", "bank_account_addresses_30d"] == 2
    boxes = [
        claim("B1", 3, address_norm="PO BOX 12", **family),
        claim("B2", 0, address_norm="PO BOX 14", **family),
    ]
    assert sharing(boxes).loc["B2", "bank_account_addresses_30d"] == 2  # no house number: the line


def test_a_phone_and_a_mailbox_shared_by_people_who_live_apart_fire_other_homes() -> None:
    """Two strangers, one phone and one mailbox, two homes: a lone pair, which a relative who helps
    from their own home shows too, fires the weak pair codes (weight, but no delay alone); a third
    stranger at a third home (a stealth chain growing) fires the evidence itself. A household
    sharing both at one home fires nothing; six people or more on one number is a public number."""
    pair = {"phone_e164": "+16145550123", "email_canonical": "pair@example.com"}
    rows = [claim("C1", 9, address_norm="4 OAK ST", **pair), claim("C2", 0, address_norm="18 ASH RD", **pair)]
    out = sharing(rows).assign(email_canonical_identities=2.0)  # identity_signals' window count
    assert out.loc["C2", ["phone_addresses_30d", "email_addresses_30d"]].tolist() == [2, 2]
    fired = evidence_matrix(out)
    assert fired.loc["C2", ["PHONE_PAIR_OTHER_HOMES", "EMAIL_PAIR_OTHER_HOMES"]].all()
    assert not fired.loc["C2", ["PHONE_OTHER_HOMES", "EMAIL_OTHER_HOMES"]].any()
    assert not named_hits(fired.loc[["C2"]])[0]
    chain = evidence_matrix(
        sharing([claim("C0", 20, address_norm="90 PINE AVE", **pair), *rows]).assign(
            email_canonical_identities=3.0
        )
    )
    assert chain.loc["C2", ["PHONE_OTHER_HOMES", "EMAIL_OTHER_HOMES"]].all()
    assert not chain.loc["C2", ["PHONE_PAIR_OTHER_HOMES", "EMAIL_PAIR_OTHER_HOMES"]].any()
    older = evidence_matrix(sharing([claim("C0", 50, address_norm="4 OAK ST", **pair), *rows]))
    assert older.loc["C2", "PHONE_OTHER_HOMES"]  # a third person on the phone earlier in the window
    aliased = evidence_matrix(out.assign(email_alias_variants=2.0)).loc["C2"]
    assert aliased["EMAIL_OTHER_HOMES"] and not aliased["EMAIL_PAIR_OTHER_HOMES"]
    home = {**pair, "address_norm": "7 ELM ST #2"}
    household = sharing([claim("F1", 9, **home), claim("F2", 0, **home)])
    assert not evidence_matrix(household).loc["F2", ["PHONE_OTHER_HOMES", "EMAIL_OTHER_HOMES"]].any()
    public = [claim(f"P{i}", i, address_norm=f"{i + 1} OAK ST", phone_e164="+16145550100") for i in range(6)]
    out = sharing(public)
    assert out.loc["P0", "phone_identities_30d"] == 6 and out.loc["P0", "phone_addresses_30d"] == 6
    assert not evidence_matrix(out).loc["P0", "PHONE_OTHER_HOMES"]


def test_a_device_of_people_who_live_apart_on_other_networks_fires_other_homes() -> None:
    """A farm behind residential proxies: one device, two people, two homes, two networks. A
    library's computer (one network) and a family's laptop (one home) fire nothing."""

    def fired(rows: list[dict[str, Any]]) -> pd.Series:
        out = sharing(rows)
        return evidence_matrix(out.assign(device_identities_30d=len({r["ssn_token"] for r in rows})))[
            "DEVICE_OTHER_HOMES"
        ]

    farm = [
        claim("D1", 2, address_norm="4 OAK ST", device_id="farm-1", ip_address="73.25.208.145"),
        claim("D2", 0, address_norm="18 ASH RD", device_id="farm-1", ip_address="2603:6a90:9f76::5"),
    ]
    out = sharing(farm)
    assert out.loc["D2", ["device_addresses_30d", "device_networks_30d"]].tolist() == [2, 2]
    assert fired(farm)["D2"]
    library = [{**r, "ip_address": f"198.51.100.{i}"} for i, r in enumerate(farm)]
    assert sharing(library).loc["D2", "device_networks_30d"] == 1 and not fired(library)["D2"]
    family = [{**r, "address_norm": "4 OAK ST"} for r in farm]
    assert sharing(family).loc["D2", "device_addresses_30d"] == 1 and not fired(family)["D2"]
    alone = sharing([claim("A1", 0, ip_address="73.1.2.3"), claim("A2", 0, ip_address=None)])
    assert alone["device_networks_30d"].tolist() == [1, 0] and alone["device_addresses_30d"].tolist() == [
        1,
        1,
    ]


def test_a_congregate_address_is_flagged_and_fires_no_address_evidence() -> None:
    listed = pd.DataFrame({"match_key": ["12 ELM ST"], "zip5": ["43004"]})
    out = sharing(mail_drop(), congregate=listed)
    assert out.loc["M11", "address_congregate"]
    assert not evidence_matrix(out).loc["M11", "ADDRESS_MANY_PEOPLE"]


def test_missing_and_blank_identifiers_are_nan_and_a_mailing_equal_to_home_is_no_mailing() -> None:
    rows = [
        claim("A", 0, phone_e164=None, device_id="  ", mailing_address_norm="A OAK ST", mailing_zip5="43004"),
        claim("B", 0, phone_e164=None, device_id="  "),
    ]
    out = sharing(rows)
    assert out["phone_identities_30d"].isna().all() and out["device_first_seen_days"].isna().all()
    assert out.loc["A", "residence_identities_30d"] == 1 and out["mailing_identities_30d"].isna()["A"]
    assert out.loc["A", "employer_identities_1d"] == 2


def test_point_in_time_a_later_claim_changes_no_earlier_night() -> None:
    earlier = mail_drop()[:8]
    night = earlier[-1]["batch_date"]
    before = sharing(earlier, night=night)
    later = [*earlier, *mail_drop()[8:], claim("Z", -3, address_norm="12 ELM ST #5")]
    pd.testing.assert_frame_equal(sharing(later, night=night), before)
    assert before.loc["M07", "residence_identities_30d"] == 8


def other_homes(out: pd.DataFrame, claim_id: str) -> pd.Series:
    codes = ["BANK_ACCOUNT_OTHER_HOMES", "PHONE_OTHER_HOMES", "EMAIL_OTHER_HOMES", "DEVICE_OTHER_HOMES"]
    return evidence_matrix(out).loc[claim_id, codes]


def test_a_relative_who_lives_elsewhere_is_family_by_a_surname_word() -> None:
    """A grown daughter helps her father file and gives her own phone and mailbox, and files a
    claim of her own: two people at two homes, one family (GARCIA and GARCIA LOPEZ share a word).
    Strangers whose names share only a particle (DE LA CRUZ, DE LEON; LE, LE BLANC) or a
    placeholder (UNKNOWN) are two families, and the evidence fires."""
    helper = {"phone_e164": "+16145550188", "email_canonical": "ana.garcia@example.com"}
    rows = [
        claim("K1", 6, address_norm="4 OAK ST", last_name_norm="GARCIA LOPEZ", **helper),
        claim("K2", 0, address_norm="18 ASH RD", last_name_norm="GARCIA", **helper),
    ]
    out = sharing(rows)
    assert out.loc["K2", ["phone_addresses_30d", "phone_families_30d", "email_families_30d"]].tolist() == [
        2,
        1,
        1,
    ]
    assert not other_homes(out, "K2").any()
    for first, second in (("DE LA CRUZ", "DE LEON"), ("LE", "LE BLANC"), ("UNKNOWN", "UNKNOWN")):
        apart = sharing([{**rows[0], "last_name_norm": first}, {**rows[1], "last_name_norm": second}])
        assert apart.loc["K2", "phone_families_30d"] == 2, (first, second)
        fired = evidence_matrix(apart.assign(email_canonical_identities=2.0)).loc["K2"]
        assert fired[["PHONE_PAIR_OTHER_HOMES", "EMAIL_PAIR_OTHER_HOMES"]].all(), (first, second)


def test_a_spouse_who_moved_out_is_family_by_the_home_they_shared() -> None:
    """Separated spouses under two surnames on their joint account: the one who moved out filed
    from the shared home seven weeks ago, so they are one family (the window's history); without
    that earlier claim they are two families and a lone pair on an account in use nine days: the
    weak pair code fires. On an account new tonight (a drop's) the evidence itself fires."""
    joint = {"bank_account_token": "acct-JOINT"}
    rows = [
        claim("J0", 50, address_norm="7 ELM ST", last_name_norm="PARKER", ssn_token="ssn-MOVED", **joint),
        claim("J1", 9, address_norm="7 ELM ST", last_name_norm="WILKINS", **joint),
        claim("J2", 0, address_norm="246 VINE AVE", last_name_norm="PARKER", ssn_token="ssn-MOVED", **joint),
    ]
    out = sharing(rows)
    assert out.loc["J2", ["bank_account_addresses_30d", "bank_account_families_30d"]].tolist() == [2, 1]
    assert not other_homes(out, "J2").any()
    later = sharing(rows[1:])
    assert later.loc["J2", "bank_account_families_30d"] == 2
    fired = evidence_matrix(later).loc["J2"]
    assert fired["BANK_ACCOUNT_PAIR_OTHER_HOMES"] and not fired["BANK_ACCOUNT_OTHER_HOMES"]
    new = sharing([{**rows[1], "batch_date": rows[2]["batch_date"]}, rows[2]])
    assert new.loc["J2", "bank_account_first_seen_days"] == 0
    fired = evidence_matrix(new).loc["J2"]
    assert fired["BANK_ACCOUNT_OTHER_HOMES"] and not fired["BANK_ACCOUNT_PAIR_OTHER_HOMES"]


def test_a_drop_address_and_a_third_stranger_make_no_family() -> None:
    """Six strangers who once gave one unit (a drop) and now share an account from homes of their
    own are six families: a unit given by more than five of them is no family's home. A family
    pair with a stranger on the same phone is two families."""
    drop = [claim(f"D{i}", 40 + i, address_norm="12 ELM ST #5", ssn_token=f"ssn-D{i}") for i in range(6)]
    now = [
        claim(
            f"N{i}", i, address_norm=f"{i + 1} PINE AVE", ssn_token=f"ssn-D{i}", bank_account_token="acct-X"
        )
        for i in range(6)
    ]
    out = sharing([*drop, *now])
    assert out.loc["N0", "bank_account_families_30d"] == 6
    assert other_homes(out, "N0")["BANK_ACCOUNT_OTHER_HOMES"]
    phone = {"phone_e164": "+16145550177"}
    trio = [
        claim("T1", 5, address_norm="4 OAK ST", last_name_norm="NGUYEN", **phone),
        claim("T2", 3, address_norm="18 ASH RD", last_name_norm="NGUYEN", **phone),
        claim("T3", 0, address_norm="90 PINE AVE", last_name_norm="SMITH", **phone),
    ]
    out = sharing(trio)
    assert out.loc["T3", "phone_families_30d"] == 2 and other_homes(out, "T3")["PHONE_OTHER_HOMES"]
    assert sharing(trio[:2], night=trio[1]["batch_date"]).loc["T2", "phone_families_30d"] == 1
