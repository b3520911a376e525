"""Rings: tiny hand-made windows with answers worked out by hand, properties, and a small synthetic world."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimscreen.features.device import categorize_ips
from claimscreen.features.network import FEATURES, RING_COLUMNS, find_rings, ring_components, ring_statistics
from claimscreen.features.ring_graph import RingRules, ip_networks, surname_words

START = pd.Timestamp("2026-10-01T12:00:00Z")
IDENTIFIERS = (
    "bank_account_token",
    "device_id",
    "ip_address",
    "email_canonical",
    "phone_e164",
    "address_norm",
)


def claim(claim_id: str, day: float = 0, minute: float = 0, **changes: Any) -> dict[str, Any]:
    """One claim in lake form whose identifiers are its own, unless ``changes`` says otherwise."""
    filed_at = START + pd.Timedelta(days=day) + pd.Timedelta(minutes=minute)
    row: dict[str, Any] = {
        "claim_id": claim_id,
        "batch_date": filed_at.date(),
        "filed_at": filed_at,
        "ssn_token": f"ssn-{claim_id}",
        "bank_account_token": f"acct-{claim_id}",
        "device_id": f"dev-{claim_id}",
        "ip_address": f"ip-{claim_id}",
        "email_canonical": f"{claim_id.lower()}@example.com",
        "phone_e164": f"+1614{claim_id}",
        "address_norm": f"{claim_id} OAK ST",
        "zip5": "43004",
        "mailing_address_norm": None,
        "mailing_zip5": None,
        "employer_ein": "311234567",
    }
    row.update(changes)
    return row


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    claims = pd.DataFrame(rows)
    for column in claims.columns.drop(["batch_date", "filed_at"]):
        claims[column] = claims[column].astype("str")
    claims["filed_at"] = pd.to_datetime(claims["filed_at"], utc=True)
    return claims


def rings_by_claim(claims: pd.DataFrame, **kwargs: Any) -> pd.Series:
    out = find_rings(claims, **kwargs)
    return pd.Series(out["ring_id"].to_numpy(), index=claims["claim_id"].to_numpy())


def expected_id(claim_id: str) -> str:
    return "R-" + hashlib.sha1(claim_id.encode()).hexdigest()[:12]


def bank_drop(n: int = 6, day: float = 3) -> list[dict[str, Any]]:
    return [claim(f"B{i}", day=day + i % 2, minute=7 * i, bank_account_token="acct-DROP") for i in range(n)]


# --- Output shape ------------------------------------------------------------------------------


def test_output_has_one_row_per_claim_with_the_declared_columns() -> None:
    claims = frame([claim("A"), *bank_drop(3)]).set_axis([10, 11, 12, 13])
    out = find_rings(claims)
    assert list(out.columns) == list(RING_COLUMNS)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert {f.name: f.dtype for f in FEATURES} == {
        c: str(out[c].dtype) for c in out.columns if c != "ring_id"
    }
    assert pd.isna(out.loc[10, "ring_id"]) and out.loc[10, "ring_size"] == 0
    assert out.loc[10, "ring_shared_kinds"] == "" and np.isnan(out.loc[10, "ring_span_days"])
    assert out.loc[11:, "ring_size"].tolist() == [3, 3, 3]


def test_empty_window() -> None:
    out = find_rings(frame([claim("A")]).iloc[:0])
    assert out.empty and list(out.columns) == list(RING_COLUMNS)


# --- Hubs and rings ----------------------------------------------------------------------------


def test_public_ip_with_500_honest_claimants_forms_no_ring_but_a_bank_drop_does() -> None:
    honest = [claim(f"H{i:03d}", day=i % 60, minute=i % 480, ip_address="66.61.0.1") for i in range(500)]
    drop = [{**row, "ip_address": "66.61.0.1"} if i < 2 else row for i, row in enumerate(bank_drop(6))]
    out = find_rings(frame(honest + drop))
    in_ring = out["ring_id"].notna().to_numpy()
    assert in_ring.sum() == 6 and not in_ring[:500].any()
    ring = out.iloc[500:]
    assert ring["ring_id"].nunique() == 1 and ring["ring_id"].iloc[0] == expected_id("B0")
    assert ring["ring_size"].tolist() == [6] * 6
    assert ring["ring_identities"].tolist() == [6] * 6
    assert ring["ring_ssns_per_bank_account"].tolist() == [6] * 6
    assert ring["ring_shared_kinds"].tolist() == ["bank_account;ip"] * 6
    assert ring["ring_span_days"].iloc[0] == pytest.approx(1 + 35 / 1440)


def test_mass_layoff_employer_and_apartment_building_without_unit_are_not_edges() -> None:
    rows = [
        claim(f"L{i:02d}", day=i, address_norm="100 MAIN ST", employer_ein="341111111") for i in range(40)
    ]
    assert find_rings(frame(rows))["ring_id"].isna().all()


def test_a_household_forms_no_ring_until_a_stranger_shares_its_account() -> None:
    home = {"address_norm": "7 ELM ST", "ip_address": "73.1.2.3", "bank_account_token": "acct-FAMILY"}
    family = [claim("P1", **home), claim("P2", day=2, **home), claim("P3", day=5, **home)]
    assert find_rings(frame(family[:2]))["ring_id"].isna().all()
    assert find_rings(frame(family))["ring_id"].isna().all()
    out = find_rings(frame([*family, claim("S1", day=6, bank_account_token="acct-FAMILY")]))
    assert out["ring_size"].tolist() == [4, 4, 4, 4]
    assert out["ring_shared_kinds"].iloc[0] == "bank_account;ip;address"
    assert out["ring_ssns_per_bank_account"].iloc[0] == 4


def helped_family(helper_surname: str, **helper: Any) -> list[dict[str, Any]]:
    """Two people at one home (an account and the home IP shared); a relative at another home
    helps the first file and gives their own phone, and claims too with it."""
    home = {"address_norm": "7 ELM ST", "ip_address": "73.1.2.3", "bank_account_token": "acct-HOME"}
    return [
        claim("P1", last_name_norm="GARCIA LOPEZ", phone_e164="+16145550101", **home),
        claim("P2", day=1, last_name_norm="SMITH", **home),
        claim("H1", day=3, phone_e164="+16145550101", last_name_norm=helper_surname, **helper),
    ]


def test_a_family_at_two_homes_is_no_ring_but_strangers_are() -> None:
    """A relative at another home shares a word of a surname (GARCIA, GARCIA LOPEZ): one family.
    A particle (DE LA CRUZ, DE LEON), a placeholder or no surname in common: three strangers."""
    assert find_rings(frame(helped_family("GARCIA")))["ring_id"].isna().all()
    for stranger in ("NGUYEN", "DE LA CRUZ", "UNKNOWN"):
        rows = helped_family(stranger)
        rows[0]["last_name_norm"] = "DE LEON" if stranger == "DE LA CRUZ" else rows[0]["last_name_norm"]
        rows[0]["last_name_norm"] = "UNKNOWN" if stranger == "UNKNOWN" else rows[0]["last_name_norm"]
        assert find_rings(frame(rows))["ring_size"].tolist() == [3, 3, 3], stranger
    without_names = frame(helped_family("GARCIA")).drop(columns="last_name_norm")
    assert find_rings(without_names)["ring_size"].tolist() == [3, 3, 3]  # strangers are not told apart
    assert (
        find_rings(frame(helped_family("GARCIA")), rules=RingRules(family_homes=1))["ring_id"].notna().all()
    )


def test_a_spouse_who_moved_out_is_family_by_the_home_they_shared() -> None:
    """No surname in common, but the one who moved filed from the shared home before (the same
    person at both homes), on the joint account: one family at two homes. A third home is not."""
    joint = {"bank_account_token": "acct-JOINT"}
    rows = [
        claim("S1", last_name_norm="PATEL", address_norm="7 ELM ST", ssn_token="ssn-A", **joint),
        claim("S2", day=1, last_name_norm="BROWN", address_norm="7 ELM ST", ssn_token="ssn-B", **joint),
        claim("S3", day=2, last_name_norm="KIM", address_norm="7 ELM ST", ssn_token="ssn-C"),
        claim("S4", day=20, last_name_norm="BROWN", address_norm="40 OAK AVE #2", ssn_token="ssn-B", **joint),
    ]
    rows[2]["ip_address"] = rows[0]["ip_address"] = "73.1.2.3"
    assert find_rings(frame(rows))["ring_id"].isna().all()
    third = claim("S5", day=21, last_name_norm="KIM", address_norm="12 PINE RD", **joint)
    assert find_rings(frame([*rows, third]))["ring_size"].tolist() == [5] * 5


def test_a_family_with_hard_evidence_or_a_fraud_decision_is_a_ring() -> None:
    claims = frame(helped_family("GARCIA"))
    flags = pd.Series([False, False, True], index=claims.index)
    assert find_rings(claims, red_flags=flags)["ring_size"].tolist() == [3, 3, 3]
    assert find_rings(claims, red_flags=~flags.astype(bool) & False)["ring_id"].isna().all()
    assert find_rings(claims, fraud_claim_ids=["P2"])["ring_known_fraud"].tolist() == [1, 1, 1]


def test_a_home_of_more_people_than_a_household_is_no_family() -> None:
    """Six people at one unit tied to a seventh elsewhere by a surname: not a family at two homes."""
    unit = {"address_norm": "12 DROP RD #1", "bank_account_token": "acct-DROP"}
    rows = [claim(f"D{i}", day=3 * i, last_name_norm=f"NAME{i}", **unit) for i in range(6)]
    rows.append(claim("D6", day=20, last_name_norm="NAME0", bank_account_token="acct-DROP"))
    assert find_rings(frame(rows))["ring_size"].tolist() == [7] * 7
    assert find_rings(frame([*rows[:5], rows[6]]))["ring_id"].isna().all()  # five at the unit, a relative


def test_surname_words_drop_particles_and_placeholders() -> None:
    names = pd.Series(["GARCIA LOPEZ", "DE LA CRUZ", "LE", "UNKNOWN", None, "GARCIA"], dtype="str")
    position, code = surname_words(names)
    words: dict[int, set[int]] = {}
    for p, c in zip(position.tolist(), code.tolist(), strict=True):
        words.setdefault(p, set()).add(c)
    assert sorted(words) == [0, 1, 2, 5]
    assert len(words[0]) == 3 and words[5] <= words[0]  # GARCIA, LOPEZ, GARCIALOPEZ; GARCIA
    assert len(words[1]) == 2 and len(words[2]) == 1  # CRUZ and DELACRUZ; LE (the whole name)
    assert not words[1] & words[0]


def test_a_drop_address_filled_in_one_evening_is_a_ring_but_five_people_are_a_household() -> None:
    rows = [claim(f"D{i}", minute=20 * i, address_norm="12 DROP RD #1") for i in range(6)]
    assert find_rings(frame(rows[:5]))["ring_id"].isna().all()
    out = find_rings(frame(rows))
    assert out["ring_size"].tolist() == [6] * 6 and out["ring_shared_kinds"].iloc[0] == "address"
    spread = [{**row, "filed_at": START + pd.Timedelta(days=5 * i)} for i, row in enumerate(rows)]
    assert find_rings(frame(spread))["ring_id"].isna().all()


def test_three_strangers_taking_one_unit_within_days_are_a_ring_but_roommates_and_relatives_not() -> None:
    names = ["GROSS", "HOANG", "ROGERS", "VACA"]
    unit = {"address_norm": "209 SUNSET AVE #4A"}
    drop = [claim(f"M{i}", day=0.7 * i, last_name_norm=names[i], **unit) for i in range(3)]
    out = find_rings(frame(drop))
    assert out["ring_id"].nunique() == 1 and out["ring_identities"].tolist() == [3] * 3
    assert find_rings(frame(drop[:2]))["ring_id"].isna().all()  # two people: no ring on their nights
    roommates = [{**row, "filed_at": START + pd.Timedelta(days=10 * i)} for i, row in enumerate(drop)]
    assert find_rings(frame(roommates))["ring_id"].isna().all()
    relatives = [
        {**row, "last_name_norm": ["GARCIA", "GARCIA LOPEZ", "NGUYEN"][i]} for i, row in enumerate(drop)
    ]
    assert find_rings(frame(relatives))["ring_id"].isna().all()
    house = [{**row, "address_norm": "209 SUNSET AVE"} for row in drop]
    assert find_rings(frame(house))["ring_id"].isna().all()  # a house, not a unit: a household
    shelter = pd.DataFrame({"match_key": ["209 SUNSET AVE"], "zip5": ["43004"]})
    assert find_rings(frame(drop), congregate=shelter)["ring_id"].isna().all()
    off = RingRules(strangers_days=0)
    assert find_rings(frame(drop), rules=off)["ring_id"].isna().all()
    four = [*drop, claim("M3", day=12, last_name_norm=names[3], **unit)]
    assert find_rings(frame(four))["ring_id"].notna().all()


def test_device_farm_in_bursts_is_a_ring_but_a_library_computer_is_not() -> None:
    farm = [claim(f"F{i:02d}", day=i // 20, minute=2 * (i % 20), device_id="farm-1") for i in range(40)]
    library = [claim(f"L{i:02d}", day=i, minute=60 * (i % 8), device_id="lib-pc-3") for i in range(40)]
    out = find_rings(frame(farm + library))
    assert out["ring_id"].iloc[:40].nunique() == 1 and out["ring_size"].iloc[0] == 40
    assert out["ring_id"].iloc[40:].isna().all()


def test_a_device_behind_rotating_residential_proxies_is_a_ring_an_office_computer_is_not() -> None:
    """Neither is bursty (one claim a day); the farm's device comes from another home network
    each time, the office computer and a phone on its carrier's NAT stay on one or two."""
    farm = [
        claim(
            f"F{i:02d}", day=i, minute=45, device_id="farm-7", ip_address=f"{24 + 7 * i}.{i * 13 % 250}.8.{i}"
        )
        for i in range(12)
    ]
    office = [
        claim(f"O{i:02d}", day=i, minute=30, device_id="office-pc", ip_address="198.51.100.7")
        for i in range(12)
    ]
    phone = [
        claim(
            f"P{i:02d}", day=i, minute=50, device_id="navigator-phone", ip_address=f"172.{56 + i % 2}.3.{i}"
        )
        for i in range(12)
    ]
    v6 = [
        claim(f"V{i:02d}", day=i, minute=55, device_id="farm-8", ip_address=f"2600:{i:x}00::{i}")
        for i in range(12)
    ]
    out = rings_by_claim(frame(farm + office + phone + v6))
    assert (
        out[[c["claim_id"] for c in farm]].nunique() == 1 and out[[c["claim_id"] for c in farm]].notna().all()
    )
    assert out[[c["claim_id"] for c in v6]].notna().all()
    assert out[[c["claim_id"] for c in office + phone]].isna().all()


def test_an_office_on_one_ipv6_network_written_many_ways_does_not_roam() -> None:
    """One office /32 whose addresses are written compressed, with leading zeros or in capitals
    is one network, so its shared computer is no ring; a device hopping across /32s still is."""
    spellings = ("2001:db8::{}", "2001:0db8::{}", "2001:DB8:0:0::{}", "2001:0DB8:0:1::{}", "2001:db8:ff::{}")
    office = [
        claim(f"O{i:02d}", day=i, minute=30, device_id="office-pc", ip_address=spellings[i % 5].format(i + 1))
        for i in range(10)
    ]
    farm = [
        claim(f"F{i:02d}", day=i, minute=40, device_id="farm-9", ip_address=f"2001:{0xDC0 + i:x}::{i + 1}")
        for i in range(10)
    ]
    out = rings_by_claim(frame(office + farm))
    assert out[[c["claim_id"] for c in office]].isna().all()
    assert (
        out[[c["claim_id"] for c in farm]].nunique() == 1 and out[[c["claim_id"] for c in farm]].notna().all()
    )


def test_ip_networks_read_every_spelling_of_an_address_alike() -> None:
    addresses = pd.Series(
        [
            "2001:db8::1",
            "2001:0DB8:0:0::1",
            "2001:db8:0:0:0:0:0:1",
            "2001:db9::1",
            "2001::5:1",
            "2001:0:0:0::1",
            "::ffff:203.0.113.9",
            "203.0.55.1",
            "203.1.0.1",
            None,
            "not an address",
        ]
    )
    codes = ip_networks(addresses)
    assert codes[0] == codes[1] == codes[2] != codes[3]  # one /32 however written; the next /32 is another
    assert codes[4] == codes[5] != codes[0]  # 2001:0000::/32 compressed two ways
    assert codes[6] == codes[7] != codes[8]  # an IPv4-mapped address is its IPv4 /16
    assert codes[9] == codes[10] == -1
    assert (
        ip_networks(pd.Series(["10.1.2.3", "10.1.9.9"]), v4_prefix=24).tolist()[0]
        != ip_networks(pd.Series(["10.1.2.3", "10.1.9.9"]), v4_prefix=24).tolist()[1]
    )


def test_members_name_the_earlier_claims_a_ring_reaches_tonight() -> None:
    """Tonight's claim joins three earlier claims sharing its account: all four are members;
    an earlier ring tonight does not reach is not listed."""
    earlier = [claim(f"B{i}", day=i, bank_account_token="acct-DROP") for i in range(3)]
    other = [claim(f"D{i}", day=0, minute=i, device_id="farm", ip_address="203.0.113.5") for i in range(4)]
    tonight = claim("T", day=5, bank_account_token="acct-DROP")
    claims = frame([*earlier, *other, tonight])
    report = (claims["claim_id"] == "T").to_numpy()
    found: list[pd.DataFrame] = []
    out = find_rings(claims, report=report, ring_members=found)
    (members,) = found
    assert sorted(members["claim_id"]) == ["B0", "B1", "B2", "T"]
    assert set(members["ring_id"]) == {out["ring_id"].iloc[0]}


def test_hosting_ip_in_a_burst_is_a_ring_only_when_categorized() -> None:
    burst = [claim(f"V{i}", minute=i, ip_address="34.64.0.9") for i in range(8)]
    vpn = [claim(f"W{i}", day=3 * i, ip_address="146.70.0.1") for i in range(10)]
    categories = pd.Series({"34.64.0.9": "hosting", "146.70.0.1": "vpn"})
    out = find_rings(frame(burst + vpn), ip_categories=categories)
    assert out["ring_size"].tolist() == [8] * 8 + [0] * 10
    assert find_rings(frame(burst + vpn))["ring_id"].isna().all()


def test_a_small_vpn_exit_is_not_a_household() -> None:
    rows = [claim(f"W{i}", day=4 * i, ip_address="146.70.0.1") for i in range(3)]
    categories = pd.Series({"146.70.0.1": "vpn"})
    assert find_rings(frame(rows), ip_categories=categories)["ring_id"].isna().all()
    assert find_rings(frame(rows))["ring_size"].tolist() == [3, 3, 3]


def test_a_chain_over_several_nights_is_one_ring() -> None:
    rows = [
        claim("A", day=1, bank_account_token="acct-1"),
        claim("B", day=1, minute=30, bank_account_token="acct-1", device_id="dev-9"),
        claim("C", day=10, device_id="dev-9", phone_e164="+16145550100"),
        claim("D", day=20, phone_e164="+16145550100"),
        claim("E", day=20),
    ]
    out = find_rings(frame(rows))
    assert out["ring_id"].tolist()[:4] == [expected_id("A")] * 4 and pd.isna(out["ring_id"].iloc[4])
    assert out["ring_size"].iloc[0] == 4
    assert out["ring_shared_kinds"].iloc[0] == "bank_account;device;phone"
    assert out["ring_span_days"].iloc[0] == 19


def test_residence_and_mailing_address_are_one_namespace_and_the_unit_counts() -> None:
    drop = {"mailing_address_norm": "9 PINE ST #2", "mailing_zip5": "43004"}
    rows = [
        claim("M1", address_norm="9 PINE ST #2"),
        claim("M2", **drop),
        claim("M3", **drop),
        claim("M4", address_norm="9 PINE ST #3"),
    ]
    out = find_rings(frame(rows))
    assert out["ring_size"].tolist() == [3, 3, 3, 0]
    assert out["ring_shared_kinds"].iloc[0] == "address"


def test_identity_id_groups_refilings_of_one_person() -> None:
    rows = [claim(f"R{i}", day=i, bank_account_token="acct-7") for i in range(4)]
    claims = frame(rows).assign(identity_id=["I1", "I1", "I1", "I2"])
    assert find_rings(claims)["ring_id"].isna().all()
    assert find_rings(claims.drop(columns="identity_id"))["ring_identities"].tolist() == [4] * 4


def test_known_fraud_and_red_flag_share() -> None:
    claims = frame(bank_drop(4))
    flags = pd.Series([True, False, False, False], index=claims.index)
    out = find_rings(claims, fraud_claim_ids={"B1", "B2", "X"}, red_flags=flags)
    assert out["ring_known_fraud"].tolist() == [2] * 4
    assert out["ring_red_flag_share"].tolist() == [0.25] * 4


def test_ring_statistics_of_given_ring_ids() -> None:
    rows = [
        claim("A", day=0, bank_account_token="acct-1"),
        claim("B", day=0.5, bank_account_token="acct-1", ssn_token="ssn-A"),
        claim("C", day=2, bank_account_token="acct-1", device_id="dev-C"),
        claim("D", day=3, device_id="dev-C"),
        claim("E"),
    ]
    claims = frame(rows).set_axis(list("vwxyz"))
    stats = ring_statistics(claims, pd.Series(["R-1", "R-1", "R-1", "R-1", None], index=claims.index))
    assert stats.index.tolist() == list("vwxyz")
    assert stats["ring_size"].tolist() == [4, 4, 4, 4, 0]
    assert stats["ring_identities"].tolist() == [3, 3, 3, 3, 0]
    assert stats["ring_ssns_per_bank_account"].tolist() == [2, 2, 2, 2, 0]
    assert stats["ring_shared_kinds"].tolist() == ["bank_account;device"] * 4 + [""]
    assert stats["ring_span_days"].tolist()[:4] == [3.0] * 4 and np.isnan(stats["ring_span_days"].iloc[4])


# --- Stable ids --------------------------------------------------------------------------------


def test_known_ring_id_is_kept_when_a_member_joins() -> None:
    known = pd.DataFrame({"claim_id": ["B0", "B1", "B2"], "ring_id": ["R-old", "R-old", "R-old"]})
    out = find_rings(frame(bank_drop(4)), known=known)
    assert out["ring_id"].tolist() == ["R-old"] * 4


def test_when_two_rings_merge_the_older_id_survives() -> None:
    first = [claim(f"A{i}", day=1, bank_account_token="acct-A") for i in range(3)]
    second = [claim(f"Z{i}", day=5, bank_account_token="acct-Z") for i in range(3)]
    bridge = claim("Q", day=9, bank_account_token="acct-Z", device_id="dev-A0")
    first[0]["device_id"] = "dev-A0"
    known = pd.DataFrame(
        {"claim_id": ["A0", "A1", "A2", "Z0", "Z1", "Z2"], "ring_id": ["R-a"] * 3 + ["R-z"] * 3}
    )
    out = find_rings(frame([*second, bridge, *first]), known=known)
    assert out["ring_id"].tolist() == ["R-a"] * 7
    by_first_seen = known.assign(first_seen=pd.to_datetime(["2026-10-09"] * 3 + ["2026-09-01"] * 3, utc=True))
    assert (
        find_rings(frame([*second, bridge, *first]), known=by_first_seen)["ring_id"].tolist() == ["R-z"] * 7
    )


def test_when_a_ring_splits_the_bigger_piece_keeps_the_id() -> None:
    big = [claim(f"A{i}", day=1, bank_account_token="acct-A") for i in range(4)]
    small = [claim(f"Z{i}", day=0, bank_account_token="acct-Z") for i in range(3)]
    known = pd.DataFrame({"claim_id": ["A0", "A1", "A2", "A3", "Z0", "Z1", "Z2"], "ring_id": ["R-old"] * 7})
    out = find_rings(frame(small + big), known=known)
    assert out["ring_id"].tolist() == [expected_id("Z0")] * 3 + ["R-old"] * 4


def test_new_ids_come_from_the_earliest_claim_and_never_collide() -> None:
    rows = [claim(f"A{i}", day=3 - i, bank_account_token="acct-A") for i in range(3)]
    rows += [claim(f"Z{i}", day=5, bank_account_token="acct-Z") for i in range(3)]
    known = pd.DataFrame({"claim_id": ["Z0", "Z1"], "ring_id": [expected_id("A2")] * 2})
    out = find_rings(frame(rows), known=known)
    assert out["ring_id"].iloc[3] == expected_id("A2")
    alternative = "R-" + hashlib.sha1(b"A2#1").hexdigest()[:12]
    assert out["ring_id"].iloc[:3].tolist() == [alternative] * 3


# --- Properties --------------------------------------------------------------------------------


def world_rows(
    draws: list[tuple[int, int, int, int, int, int]], spread: bool = False
) -> list[dict[str, Any]]:
    """Claims with identifiers from small pools, so that they share often (``spread``: never in bursts)."""
    rows = []
    for i, (person, acct, device, ip, address, day) in enumerate(draws):
        rows.append(
            claim(
                f"C{i:03d}",
                day=0 if spread else day,
                minute=45 * i if spread else i,
                ssn_token=f"ssn-{person}",
                bank_account_token=f"acct-{acct}",
                device_id=f"dev-{device}",
                ip_address=f"ip-{ip}",
                address_norm=f"{address} OAK ST",
            )
        )
    return rows


DRAWS = st.lists(
    st.tuples(*(st.integers(0, n) for n in (25, 30, 30, 6, 30, 20))),
    min_size=1,
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(draws=DRAWS, seed=st.integers(0, 2**32 - 1))
def test_shuffling_rows_changes_nothing(draws: list[tuple[int, int, int, int, int, int]], seed: int) -> None:
    claims = frame(world_rows(draws))
    shuffled = claims.sample(frac=1, random_state=np.random.RandomState(seed))
    pd.testing.assert_series_equal(
        rings_by_claim(claims), rings_by_claim(shuffled).reindex(claims["claim_id"].to_numpy())
    )


@settings(max_examples=40, deadline=None)
@given(draws=DRAWS, extra=st.integers(1, 30))
def test_unrelated_claims_change_no_ring(
    draws: list[tuple[int, int, int, int, int, int]], extra: int
) -> None:
    claims = frame(world_rows(draws))
    unrelated = frame([claim(f"U{i:03d}", day=i % 20) for i in range(extra)])
    before = rings_by_claim(claims)
    after = rings_by_claim(pd.concat([unrelated, claims], ignore_index=True))
    pd.testing.assert_series_equal(before, after.reindex(before.index))
    assert after.reindex(unrelated["claim_id"]).isna().all()


@settings(max_examples=25, deadline=None)
@given(draws=DRAWS)
def test_ring_size_counts_the_claims_sharing_the_id(draws: list[tuple[int, int, int, int, int, int]]) -> None:
    out = find_rings(frame(world_rows(draws)))
    sizes = out.groupby("ring_id")["ring_size"].agg(["first", "size"])
    assert (sizes["first"] == sizes["size"]).all()
    assert (out["ring_identities"] <= out["ring_size"]).all()
    assert (out.loc[out["ring_id"].notna(), "ring_identities"] >= 3).all()


def test_components_partition_matches_a_plain_union_find() -> None:
    rng = np.random.default_rng(1)
    draws = [tuple(int(x) for x in rng.integers(0, [25, 30, 30, 6, 30, 20])) for _ in range(200)]
    claims = frame(world_rows(draws, spread=True))  # type: ignore[arg-type]
    labels, _ = ring_components(claims)
    parent = list(range(len(claims)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for column in ("bank_account_token", "device_id", "address_norm"):  # ip pool of 7 is a hub: no edge
        for members in claims.groupby(column).indices.values():
            people = claims["ssn_token"].iloc[members].nunique()
            if 2 <= people <= (100 if column == "bank_account_token" else 5):
                for m in members[1:]:
                    parent[root(int(m))] = root(int(members[0]))
    roots = np.array([root(i) for i in range(len(claims))])
    assert (pd.factorize(roots)[0] == pd.factorize(labels)[0]).all()


# --- A synthetic world -------------------------------------------------------------------------


@pytest.mark.slow
def test_synthetic_world_rings(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimscreen.data.generate import generate_world
    from claimscreen.data.ingest import ingest_batch
    from claimscreen.data.lake import Lake

    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", "test-key-0123456789abcdef")
    generate_world(tmp_path / "world", days=20, claims_per_day=800, seed=3)
    home = tmp_path / "home"
    for batch in sorted((tmp_path / "world" / "batches").glob("claims_*.csv")):
        ingest_batch(home, batch, dt.date.fromisoformat(batch.stem.split("_")[1]))
    claims = Lake(home).read_zone("claims")
    truth = pd.read_parquet(tmp_path / "world" / "truth.parquet").set_index("claim_id")
    ranges = pd.read_csv(tmp_path / "world" / "reference" / "ip_ranges.csv")
    out = find_rings(claims, ip_categories=categorize_ips(claims["ip_address"], ranges))
    truth = truth.reindex(claims["claim_id"])
    in_ring = out["ring_id"].notna().to_numpy()
    fraud_ring = truth["ring_key"].notna().to_numpy()
    assert in_ring[fraud_ring].mean() > 0.5
    assert in_ring[~truth["is_fraud"].to_numpy(dtype=bool)].mean() < 0.05
    assert out["ring_size"].max() < 200


def test_a_mailing_street_takes_the_code_of_the_same_residence_street_and_a_new_one_follows() -> None:
    from claimscreen.features.codes import encode_column
    from claimscreen.features.ring_graph import address_parts

    def parts(residence: list[str | None], mailing: list[str | None]) -> list[list[int]]:
        frame = pd.DataFrame({"address_norm": residence, "mailing_address_norm": mailing})
        frame["zip5"] = frame["mailing_zip5"] = "02139"
        encoded = {c: encode_column(frame[c]) for c in frame.columns}
        return [p.tolist() for p in address_parts(encoded)[0]]

    # Mostly distinct residences: the residence rows are probed against the mailing streets.
    assert parts(["A", "B", "C", "D"], [None, "C", "E", None]) == [[0, 1, 2, 3], [-1, 2, 4, -1]]
    # Few distinct residences: the residence values are taken and probed.
    assert parts(
        ["A", "A", "A", "B", "B", "B", "A", "B", "A"], [None, "B", "E", None, "E", None, None, None, None]
    ) == [
        [0, 0, 0, 1, 1, 1, 0, 1, 0],
        [-1, 1, 2, -1, 2, -1, -1, -1, -1],
    ]


def helped_strangers(n: int = 4, **changes: Any) -> list[dict[str, Any]]:
    """A helper files for ``n`` unrelated people at their own homes, a day apart, from one
    laptop on the helper's home connection (one /16), nothing else in common."""
    return [
        claim(
            f"H{i}", day=i, last_name_norm=name, device_id="dev-HELPER", ip_address=f"73.1.{i}.9", **changes
        )
        for i, name in zip(range(n), ["NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "VU"], strict=False)
    ]


def test_a_helper_filing_for_a_few_people_from_one_home_computer_is_no_ring() -> None:
    """A relative or community helper (elderly, limited-English claimants): a few strangers
    joined only by one computer on one home network, at a person's pace, are no ring."""
    assert find_rings(frame(helped_strangers(4)))["ring_id"].isna().all()
    assert (
        find_rings(frame(helped_strangers(4)), rules=RingRules(shared_computers=False))["ring_size"].tolist()
        == [4] * 4
    )


def test_a_helper_who_gives_their_own_mailbox_or_phone_is_still_no_ring() -> None:
    """The helper types their own email for two claimants and their phone for two others:
    one laptop still links all four, so it is the helper's. A chain is not: a device joins
    two people, a mailbox the second and a third, a phone the third and a fourth."""
    helped = helped_strangers(4)
    helped[0]["email_canonical"] = helped[1]["email_canonical"] = "helper@example.com"
    helped[2]["phone_e164"] = helped[3]["phone_e164"] = "+16145552368"
    assert find_rings(frame(helped))["ring_id"].isna().all()
    chain = helped_strangers(4)
    chain[2]["device_id"], chain[3]["device_id"] = "dev-C", "dev-D"
    chain[1]["email_canonical"] = chain[2]["email_canonical"] = "link@example.com"
    chain[2]["phone_e164"] = chain[3]["phone_e164"] = "+16145552368"
    assert find_rings(frame(chain))["ring_size"].tolist() == [4] * 4


def test_a_computer_that_roams_rushes_shares_more_or_carries_evidence_is_still_a_ring() -> None:
    roaming = helped_strangers(4)
    roaming[2]["ip_address"] = "98.20.0.1"  # another network: a farm behind rotating addresses
    rushed = helped_strangers(4)
    rushed[1]["filed_at"] = START + pd.Timedelta(minutes=3)  # the next person 3 minutes on: a script
    account = helped_strangers(4)
    account[1]["bank_account_token"] = account[3]["bank_account_token"] = "acct-SHARED"
    for rows in (roaming, rushed, account):
        assert find_rings(frame(rows))["ring_id"].notna().all()
    claims = frame(helped_strangers(4))
    flags = pd.Series([False, True, False, False], index=claims.index)
    assert find_rings(claims, red_flags=flags)["ring_size"].tolist() == [4] * 4
    assert find_rings(claims, fraud_claim_ids=["H0"])["ring_size"].tolist() == [4] * 4
