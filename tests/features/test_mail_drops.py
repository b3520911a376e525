"""Mail drops: a unit given by many unrelated people within weeks is a ring, whatever their timing;
a household, a unit that hosts claimants all through the window and a listed shelter are not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from claim_rows import START, frame
from claim_rows import claim as network_claim
from helpers import TEST_KEY

from claimscreen.data.reference import load_reference, read_reference
from claimscreen.features.network import find_rings, on_congregate_list

SURNAMES = ("SMITH", "NGUYEN", "GARCIA", "OKAFOR", "KOWALSKI", "PATEL", "BROWN", "IVANOV", "LOPEZ",
            "KIM", "MULLER", "DIALLO", "ROSSI", "COHEN")  # fmt: skip


def claim(claim_id: str, day: float, surname: str, **changes: Any) -> dict[str, Any]:
    """claim_rows.claim, with a surname (the drop rule tells strangers from family by it)."""
    return network_claim(claim_id, day=day, last_name_norm=surname, **changes)


def drop(
    n: int = 12, days: float = 21, as_mailing: bool = False, unit: str = "12 ELM ST #5"
) -> list[dict[str, Any]]:
    """``n`` unrelated people giving one unit over ``days`` days (one every ``days / n`` days)."""
    rows = []
    for i in range(n):
        where = (
            {"mailing_address_norm": unit, "mailing_zip5": "43004"} if as_mailing else {"address_norm": unit}
        )
        rows.append(claim(f"M{i:02d}", day=i * days / n, surname=SURNAMES[i], **where))
    return rows


def test_a_unit_given_by_twelve_strangers_over_three_weeks_is_one_ring() -> None:
    out = find_rings(frame(drop()))
    assert out["ring_id"].nunique() == 1 and out["ring_id"].notna().all()
    assert out["ring_identities"].tolist() == [12] * 12
    assert out["ring_shared_kinds"].iloc[0] == "address"


def test_the_same_drop_as_a_mailing_address_is_one_ring() -> None:
    out = find_rings(frame(drop(as_mailing=True)))
    assert out["ring_id"].notna().all() and out["ring_id"].nunique() == 1


def test_a_po_box_drop_is_one_ring() -> None:
    out = find_rings(frame(drop(unit="PO BOX 77")))
    assert out["ring_id"].notna().all()


def test_a_four_person_household_is_nothing() -> None:
    home = {"address_norm": "7 ELM ST #2", "ip_address": "73.1.2.3"}
    rows = [claim(f"H{i}", day=10 * i, surname="SMITH" if i < 3 else "JONES", **home) for i in range(4)]
    assert find_rings(frame(rows))["ring_id"].isna().all()


def test_a_large_family_at_one_unit_is_not_a_drop() -> None:
    rows = [
        claim(f"F{i}", day=i, surname=("OKAFOR", "ADEYEMI")[i % 2], address_norm="3 PINE ST #1")
        for i in range(8)
    ]
    assert find_rings(frame(rows))["ring_id"].isna().all()


def test_a_building_without_its_unit_is_not_a_drop() -> None:
    assert find_rings(frame(drop(unit="100 MAIN ST")))["ring_id"].isna().all()


def test_a_unit_that_hosts_claimants_all_through_the_window_is_not_a_drop() -> None:
    # A rooming house: twelve strangers spread over 88 days, a few in any three weeks.
    assert find_rings(frame(drop(days=88)))["ring_id"].isna().all()


def test_an_address_on_the_congregate_list_links_no_one_by_itself() -> None:
    listed = pd.DataFrame({"match_key": ["12 ELM ST"], "zip5": ["43004"]})  # the building: every unit
    assert find_rings(frame(drop()), congregate=listed)["ring_id"].isna().all()
    small = drop(n=4)
    assert find_rings(frame(small), congregate=listed)["ring_id"].isna().all()
    # Something else they share still links them.
    shared = [{**row, "bank_account_token": "acct-ONE"} for row in drop()]
    assert find_rings(frame(shared), congregate=listed)["ring_id"].notna().all()


def test_congregate_list_matches_a_unit_or_its_building() -> None:
    listed = pd.DataFrame({"match_key": ["5 OAK ST", "9 ASH AVE #3"], "zip5": ["43004", "43004"]})
    street = pa.array(
        ["5 OAK ST #12", "5 OAK ST", "9 ASH AVE #3", "9 ASH AVE #4", "5 OAK ST"], pa.large_string()
    )
    zips = pa.array(["43004", "43004", "43004", "43004", "43005"], pa.large_string())
    assert on_congregate_list(street, zips, listed).tolist() == [True, True, True, False, False]


def test_a_drop_is_whole_whatever_the_timing_of_its_members() -> None:
    # Two evenings in a burst, the rest a few days apart: one ring, not a burst piece and strays.
    rows = drop(n=10)
    rows[0]["filed_at"] = rows[1]["filed_at"] = START + pd.Timedelta(minutes=5)
    out = find_rings(frame(rows))
    assert out["ring_id"].nunique() == 1 and out["ring_size"].tolist() == [10] * 10


def test_the_congregate_list_loads_as_a_reference_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)
    source = tmp_path / "shelters.csv"
    source.write_text(
        "address,kind,added_on\n"
        '"12 Elm St Apartment 5, Columbus, OH 43004",shelter,2025-01-02\n'
        '"9 Ash Ave, Dayton, OH 45402",group_home,\n'
        "no address here,shelter,\n"
        '"1 Oak St, Akron, OH 44301",castle,\n'
    )
    report = load_reference(tmp_path / "home", "congregate_addresses", source, force=True)
    assert report.rows_loaded == 2 and len(report.rejected) == 2
    listed = read_reference(tmp_path / "home", "congregate_addresses")
    assert listed["match_key"].tolist() == ["12 ELM ST #5", "9 ASH AVE"]
    assert listed["kind"].tolist() == ["shelter", "group_home"]
    rows = frame(drop(unit="12 ELM ST #5"))
    assert find_rings(rows, congregate=listed)["ring_id"].isna().all()
