"""The later feature steps read only the rows tonight reaches, and give the same night as over the
whole window (features/scope.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from claim_rows import claim, frame
from helpers import TEST_KEY

from claimscreen.data.generate import generate_world
from claimscreen.data.ingest import batch_date_for, ingest_batch
from claimscreen.data.labels import import_labels, read_decisions
from claimscreen.data.lake import Lake
from claimscreen.data.reference import load_reference, to_frame
from claimscreen.data.schema import DISPOSITIONS_SCHEMA
from claimscreen.data.settings import Settings, load_settings
from claimscreen.data.ssn import SSN_FLAG_COLUMNS
from claimscreen.features import network, scope
from claimscreen.features.build import (
    NARROW_AT_MOST,
    WINDOW_COLUMNS,
    build_features,
    load_known_ids,
    load_references,
    pinned_versions,
    read_window,
    run_features,
    window_start,
)
from claimscreen.features.codes import encode_column


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)


@pytest.fixture(scope="module")
def lake_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dt.date]]:
    """A lake of seven generated nights with fraud rings of every pattern, featured night by night."""
    world = generate_world(
        tmp_path_factory.mktemp("world"), days=7, claims_per_day=900, seed=21, fraud_rate=0.06
    )
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)
        for kind, path in world.reference_files.items():
            load_reference(home, kind, path)
        import_labels(home, world.dispositions_file)
        nights = []
        for batch in sorted(world.batch_files):
            night = batch_date_for(batch, None)
            ingest_batch(home, batch, night)
            run_features(home, night)
            nights.append(night)
    return home, nights


def _night_both_ways(home: Path, night: dt.date) -> tuple[pd.DataFrame, ...]:
    """The night's features and ring members, over the reach and over the whole window."""
    settings, lake = load_settings(home), Lake(home)
    first = window_start(night, settings.history_days)
    results: list[pd.DataFrame] = []
    for narrow in (True, False):
        window = read_window(lake, first, night)
        window[list(SSN_FLAG_COLUMNS)] = window[list(SSN_FLAG_COLUMNS)].fillna(False).astype(bool)
        members: list[pd.DataFrame] = []
        frame = build_features(
            window,
            night,
            load_references(home, pinned_versions(lake, night, home)),
            read_decisions(home),
            load_known_ids(lake, first, night),
            settings,
            ring_members=members,
            narrow=narrow,
        )
        ring_members = pd.concat(members).sort_values(["ring_id", "claim_id"]).reset_index(drop=True)
        results += [frame, ring_members]
    return tuple(results)


def test_each_night_is_the_same_over_the_reach_as_over_the_whole_window(
    lake_home: tuple[Path, list[dt.date]], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, nights = lake_home
    reached: list[tuple[int, int]] = []
    original = scope.tonight_reach

    def recording(*args: Any) -> Any:
        keep = original(*args)
        reached.append((int(keep.rows.sum()), len(keep.rows)))
        return keep

    monkeypatch.setattr(scope, "tonight_reach", recording)
    in_rings = 0
    for night in nights[2:]:
        narrow, members, whole, whole_members = _night_both_ways(home, night)
        pd.testing.assert_frame_equal(narrow, whole)
        pd.testing.assert_frame_equal(members, whole_members)
        in_rings += int(narrow["ring_id"].notna().sum())
    assert in_rings > 50  # the world's rings are there to be kept whole
    # The reach is a part of the window, not all of it: the later steps read less.
    assert reached and all(kept < window for kept, window in reached)
    assert all(kept <= NARROW_AT_MOST * window for kept, window in reached)  # each night narrowed


def test_the_reach_follows_ring_links_from_claim_to_claim_and_every_claim_of_a_person() -> None:
    # Rows: 0 tonight; 1 shares its phone; 2 shares 1's bank account (two links away);
    # 3 shares tonight's SSN only; 4 is the same person as 1 on another claim; 5 shares an SSN
    # with 1 (not with tonight: not read); 6 shares nothing.
    frame = pd.DataFrame(
        {
            "phone_e164": ["+1555", "+1555", None, None, None, None, "+1999"],
            "bank_account_token": [None, "b1", "b1", None, None, None, "b9"],
            "ssn_token": ["s0", "s1", "s2", "s0", "s1", "s1", "s6"],
        }
    )
    encoded = {column: encode_column(frame[column]) for column in frame.columns}
    identity = np.array([0, 1, 2, 3, 1, 5, 6])
    tonight = np.array([True, False, False, False, False, False, False])
    keep = scope.tonight_reach(encoded, identity, tonight)
    assert keep.rows.tolist() == [True, True, True, True, True, False, False]


def test_a_ring_id_from_an_earlier_night_brings_every_claim_carrying_it() -> None:
    frame = pd.DataFrame({"phone_e164": ["+1555", "+1555", None, None]})
    encoded = {"phone_e164": encode_column(frame["phone_e164"])}
    ring_codes = np.array([-1, 0, 0, -1])
    keep = scope.tonight_reach(encoded, np.arange(4), np.array([True, False, False, False]), ring_codes)
    assert keep.rows.tolist() == [True, True, True, False]


def test_a_narrowed_column_keeps_its_values_and_their_order() -> None:
    column = encode_column(pd.Series(["b", "a", None, "c", "a", "b"]))
    keep = np.array([False, True, True, True, True, False])
    narrowed = scope.narrow_encoded(column, keep)
    assert narrowed.values.to_pylist() == ["a", "c"]
    assert narrowed.codes.tolist() == [0, -1, 1, 0]


def test_a_value_too_widely_shared_to_link_anyone_is_followed_no_further_and_hidden_from_the_rings() -> None:
    # Row 0 tonight shares a device with row 1; row 1 filed from a library's IP address that
    # rows 2-8 (seven other people) used too: more people than an ordinary IP address links.
    frame = pd.DataFrame(
        {
            "device_id": ["d1", "d1", None, None, None, None, None, None, None],
            "ip_address": ["10.0.0.1", "192.0.2.7", *["192.0.2.7"] * 7],
        }
    )
    encoded = {column: encode_column(frame[column]) for column in frame.columns}
    tonight = np.array([True] + [False] * 8)
    reach = scope.tonight_reach(encoded, np.arange(9), tonight)
    assert reach.rows.tolist() == [True, True] + [False] * 7
    narrowed = scope.narrow_encoded(encoded["ip_address"], reach.rows, reach.unlinked["ip_address"])
    assert narrowed.codes.tolist() == [0, -1]  # the library's address links no one here
    # The same address given by tonight's claim is read whole (its sharing counts) and kept.
    tonight_at_library = np.array([False, True] + [False] * 7)
    reach = scope.tonight_reach(encoded, np.arange(9), tonight_at_library)
    assert reach.rows.all()
    assert "ip_address" not in reach.unlinked


def test_a_mailing_address_links_the_claims_living_at_it() -> None:
    frame = pd.DataFrame(
        {
            "address_norm": ["1 OAK ST #5", "9 ELM ST", "1 OAK ST #5", "3 FIR ST"],
            "zip5": ["02139", "02140", "02139", "02139"],
            "mailing_address_norm": [None, "1 OAK ST #5", None, None],
            "mailing_zip5": [None, "02139", None, None],
        }
    )
    encoded = {column: encode_column(frame[column]) for column in frame.columns}
    reach = scope.tonight_reach(encoded, np.arange(4), np.array([False, True, False, False]))
    assert reach.rows.tolist() == [True, True, True, False]


def test_the_reach_follows_the_names_a_new_ring_would_take_after_a_claim_it_reaches() -> None:
    # Row 0 tonight shares a phone with row 1 (claim C). Rows 2 and 3 carry an earlier ring named
    # after C; that name taken, a new ring after C would try the next, which row 4 carries. Row 5
    # carries a ring named after row 6 (H), which nothing of tonight's reaches.
    frame = pd.DataFrame({"phone_e164": ["+1555", "+1555", None, None, None, None, None]})
    encoded = {"phone_e164": encode_column(frame["phone_e164"])}
    claim_ids = pd.Series(["T", "C", "D", "E", "F", "G", "H"], dtype="str")
    ring_ids = [_ring_name("C"), _ring_name("C#1"), _ring_name("H")]
    ring_codes = np.array([-1, -1, 0, 0, 1, 2, -1])
    tonight = np.array([True] + [False] * 6)
    reach = scope.tonight_reach(
        encoded, np.arange(7), tonight, ring_codes, claim_ids=claim_ids, ring_ids=ring_ids
    )
    assert reach.rows.tolist() == [True] * 5 + [False] * 2
    # Without the names, only the claims linked to tonight's.
    assert (
        scope.tonight_reach(encoded, np.arange(7), tonight, ring_codes).rows.tolist()
        == [True] * 2 + [False] * 5
    )


def _ring_name(text: str) -> str:
    """A new ring's id after the claim_id ``text`` (and ``#1``... when taken)."""
    return "R-" + hashlib.sha1(text.encode()).hexdigest()[:12]


def _window(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Hand-made claims as the features stage reads a window: every column, names and birth dates
    far apart (no two claims one person)."""
    window = frame(rows).reindex(columns=list(WINDOW_COLUMNS))
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    draw = np.random.default_rng(5)
    window["first_name_norm"] = ["".join(draw.choice(letters, 8)) for _ in range(len(window))]
    window["last_name_norm"] = ["".join(draw.choice(letters, 9)) for _ in range(len(window))]
    window["date_of_birth"] = [
        str(dt.date(1950, 1, 1) + dt.timedelta(days=97 * i)) for i in range(len(window))
    ]
    window[list(SSN_FLAG_COLUMNS)] = False
    return window


def test_a_new_ring_named_after_its_earliest_claim_yields_that_name_to_the_earlier_ring_holding_it() -> None:
    # C and D filed from one home IP address, D and E were paid into one account: on E's night, a
    # ring of three, named after its earliest claim, C; E and then F (the same account) carried
    # its id. Since, four library users filed from that IP address: six people, more than an
    # ordinary address links, so C is apart from D, E and F, in a ring with G and tonight's T (one
    # account). A new ring takes its earliest claim's name unless a ring keeps it: D, E and F do,
    # and tonight's ring takes the next. Nothing of tonight's reaches D, E or F but that name.
    ip = "203.0.113.7"
    rows = [
        claim("C", 0, ip_address=ip, bank_account_token="acct-A"),
        claim("D", 1, ip_address=ip, bank_account_token="acct-B"),
        claim("E", 2, bank_account_token="acct-B"),
        claim("F", 3, bank_account_token="acct-B"),
        claim("G", 4, bank_account_token="acct-A"),
        *(claim(f"L{k}", 5, ip_address=ip) for k in range(4)),
        claim("T", 6, bank_account_token="acct-A"),
    ]
    earlier_ring = network.find_rings(_window(rows[:3]))["ring_id"]
    assert earlier_ring.nunique() == 1 and earlier_ring.notna().all()  # C, D and E
    named = str(earlier_ring.iloc[0])
    known = pd.DataFrame(
        {"claim_id": ["E", "F"], "identity_id": pd.Series([None] * 2, dtype="str"), "ring_id": [named] * 2}
    ).assign(red_flag=False)
    window = _window(rows)
    night = window["batch_date"].iloc[-1]
    decisions = to_frame(DISPOSITIONS_SCHEMA.empty_table())
    results = []
    for narrow in (True, False):
        members: list[pd.DataFrame] = []
        features = build_features(
            window, night, {}, decisions, known, Settings(), ring_members=members, narrow=narrow
        )
        results.append((features, pd.concat(members).sort_values("claim_id").reset_index(drop=True)))
    (narrowed, narrowed_members), (whole, whole_members) = results
    assert whole_members["claim_id"].tolist() == ["C", "G", "T"]
    assert whole["ring_id"].iloc[0] != named  # D, E and F keep the name
    pd.testing.assert_frame_equal(narrowed, whole)
    pd.testing.assert_frame_equal(narrowed_members, whole_members)
