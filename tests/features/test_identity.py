"""Identity resolution: tiny frames with the answer worked out by hand, then the synthetic world."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from claimscreen.features import identity
from claimscreen.features.identity import (
    LinkageSettings,
    compare_claims,
    link_identities,
    new_identity_id,
    pairwise_precision_recall,
    soundex,
)


def claim(claim_id: str, first: str, last: str, dob: str, ssn: str, **extra: Any) -> dict[str, Any]:
    """One lake-form claim; contacts are unique to the claim unless given."""
    day = int(claim_id.strip("C")) if claim_id.strip("C").isdigit() else 1
    row = {
        "claim_id": claim_id,
        "batch_date": dt.date(2026, 10, 1),
        "filed_at": pd.Timestamp("2026-10-01T08:00", tz="UTC") + pd.Timedelta(hours=day),
        "ssn_token": ssn,
        "first_name_norm": first,
        "last_name_norm": last,
        "middle_name_norm": None,
        "date_of_birth": dt.date.fromisoformat(dob),
        "email_canonical": f"{claim_id.lower()}@mail.com",
        "phone_e164": f"+1614555{day:04d}",
        "address_norm": f"{day} ELM ST",
        "zip5": f"43{day:03d}",
    }
    row.update(extra)
    return row


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def partition(claims: pd.DataFrame, ids: pd.Series) -> set[frozenset[str]]:
    return {frozenset(g) for g in claims["claim_id"].groupby(ids.to_numpy()).agg(list)}


def linked(claims: pd.DataFrame, known: pd.DataFrame | None = None) -> set[frozenset[str]]:
    return partition(claims, link_identities(claims, known))


def test_typo_in_first_name_with_same_ssn_and_dob_merges() -> None:
    claims = frame(
        claim("C1", "JOHN", "SMITH", "1980-04-12", "S1"), claim("C2", "JON", "SMITH", "1980-04-12", "S1")
    )
    assert linked(claims) == {frozenset({"C1", "C2"})}


def test_nickname_merges_with_same_ssn_and_with_shared_email() -> None:
    claims = frame(
        claim("C1", "WILLIAM", "JOHNSON", "1975-01-30", "S1"),
        claim("C2", "BILL", "JOHNSON", "1975-01-30", "S1"),
        # a different SSN token (an SSN typo): the same email supplies the evidence (rule R3)
        claim("C3", "BILLY", "JOHNSON", "1975-01-30", "S9", email_canonical="c1@mail.com"),
    )
    assert linked(claims) == {frozenset({"C1", "C2", "C3"})}
    assert compare_claims(claims, [0, 0], [1, 2])["rule"].tolist() == [1, 3]


def test_day_month_swap_merges() -> None:
    claims = frame(
        claim("C1", "MARIA", "LOPEZ", "1980-04-12", "S1"),
        claim("C2", "MARIA", "LOPEZ", "1980-12-04", "S1"),
        claim("C3", "MARIA", "LOPEZ", "1980-12-04", "S7", phone_e164="+16145550001"),
    )
    assert linked(claims) == {frozenset({"C1", "C2", "C3"})}


def test_first_and_last_name_swapped_merges() -> None:
    claims = frame(
        claim("C1", "NGUYEN", "THANH", "1990-02-03", "S1"), claim("C2", "THANH", "NGUYEN", "1990-02-03", "S1")
    )
    assert linked(claims) == {frozenset({"C1", "C2"})}


def test_spouses_sharing_address_phone_and_bank_do_not_merge() -> None:
    shared = {"address_norm": "12 OAK ST #4B", "phone_e164": "+16145550134", "bank_account_token": "B1"}
    claims = frame(
        claim("C1", "MARIA", "LOPEZ", "1980-04-12", "S1", **shared),
        claim("C2", "JOSE", "LOPEZ", "1978-09-30", "S2", **shared),
    )
    assert linked(claims) == {frozenset({"C1"}), frozenset({"C2"})}


def test_junior_and_senior_with_the_same_name_do_not_merge() -> None:
    shared = {"address_norm": "9 MAPLE AVE", "phone_e164": "+16145550199", "zip5": "43004"}
    claims = frame(
        claim("C1", "ROBERT", "BROWN", "1961-06-15", "S1", **shared),
        claim("C2", "ROBERT", "BROWN JR", "1989-06-15", "S2", **shared),
    )
    assert linked(claims) == {frozenset({"C1"}), frozenset({"C2"})}


def test_same_ssn_with_a_different_name_and_dob_does_not_merge() -> None:
    claims = frame(
        claim("C1", "MARIA", "LOPEZ", "1980-04-12", "S1"), claim("C2", "KEVIN", "WALSH", "1991-11-02", "S1")
    )
    assert linked(claims) == {frozenset({"C1"}), frozenset({"C2"})}
    assert compare_claims(claims, [0], [1])["rule"].tolist() == [0]


def test_same_name_and_dob_without_shared_evidence_does_not_merge() -> None:
    claims = frame(
        claim("C1", "JAMES", "SMITH", "1985-03-03", "S1"), claim("C2", "JAMES", "SMITH", "1985-03-03", "S2")
    )
    assert linked(claims) == {frozenset({"C1"}), frozenset({"C2"})}


def test_year_typo_with_same_ssn_merges_by_rule_r2() -> None:
    claims = frame(
        claim("C1", "ANNA", "KOWALSKI", "1985-03-03", "S1"),
        claim("C2", "ANNA", "KOWALSKI", "1958-03-03", "S1"),
    )
    assert compare_claims(claims, [0], [1])["rule"].tolist() == [2]


def test_new_ids_are_the_hash_of_the_earliest_claim() -> None:
    claims = frame(
        claim("C2", "JOHN", "SMITH", "1980-04-12", "S1"), claim("C1", "JON", "SMITH", "1980-04-12", "S1")
    )
    ids = link_identities(claims)
    assert ids.tolist() == [new_identity_id("C1")] * 2
    assert new_identity_id("C1").startswith("ID-") and len(new_identity_id("C1")) == 15
    assert ids.name == "identity_id" and ids.index.equals(claims.index)


def test_known_ids_are_kept_and_a_new_claim_joins_its_identity() -> None:
    history = frame(
        claim("C1", "JOHN", "SMITH", "1980-04-12", "S1"), claim("C2", "ANA", "RUIZ", "1990-01-01", "S2")
    )
    known = pd.DataFrame({"claim_id": ["C1", "C2"], "identity_id": ["ID-john", "ID-ana"]})
    tonight = pd.concat(
        [history, frame(claim("C3", "JOHNNY", "SMITH", "1980-04-12", "S1"))], ignore_index=True
    )
    assert link_identities(tonight, known).tolist() == ["ID-john", "ID-ana", "ID-john"]


def test_when_two_known_identities_merge_the_older_id_survives() -> None:
    claims = frame(
        claim("C1", "ROBERT", "JONES", "1980-03-04", "S1"),
        claim("C2", "ROBERT", "JONES", "1980-03-04", "S2", phone_e164="+16145559999"),
        # tonight: the SSN of C1 (rule R1) and the phone of C2 (rule R3) bridge the two identities
        claim("C3", "BOB", "JONES", "1980-03-04", "S1", phone_e164="+16145559999"),
    )
    known = pd.DataFrame({"claim_id": ["C2", "C1"], "identity_id": ["ID-newer", "ID-older"]})
    assert link_identities(claims, known).tolist() == ["ID-older"] * 3


def test_a_tie_in_filing_time_goes_to_the_smaller_claim_id() -> None:
    same_time = pd.Timestamp("2026-10-01T08:00", tz="UTC")
    claims = frame(
        claim("C2", "JOHN", "SMITH", "1980-04-12", "S1", filed_at=same_time),
        claim("C1", "JON", "SMITH", "1980-04-12", "S1", filed_at=same_time),
        # tonight: bridges the two known identities, filed earlier than neither
        claim("C3", "JOHNNY", "SMITH", "1980-04-12", "S1", filed_at=same_time),
    )
    known = pd.DataFrame({"claim_id": ["C2", "C1"], "identity_id": ["ID-two", "ID-one"]})
    assert link_identities(claims, known).tolist() == ["ID-one"] * 3
    assert link_identities(claims).tolist() == [new_identity_id("C1")] * 3


def test_known_ids_of_claims_outside_the_window_are_ignored() -> None:
    claims = frame(
        claim("C1", "JOHN", "SMITH", "1980-04-12", "S1"), claim("C2", "JON", "SMITH", "1980-04-12", "S1")
    )
    known = pd.DataFrame({"claim_id": ["C0", "C1"], "identity_id": ["ID-gone", "ID-john"]})
    assert link_identities(claims, known).tolist() == ["ID-john", "ID-john"]


def test_known_identities_never_split() -> None:
    claims = frame(
        claim("C1", "MARIA", "LOPEZ", "1980-04-12", "S1"), claim("C2", "KEVIN", "WALSH", "1991-11-02", "S9")
    )
    known = pd.DataFrame({"claim_id": ["C1", "C2"], "identity_id": ["ID-x", "ID-x"]})
    assert link_identities(claims, known).tolist() == ["ID-x", "ID-x"]


def small_world() -> pd.DataFrame:
    return frame(
        claim("C1", "WILLIAM", "JOHNSON", "1975-01-30", "S1"),
        claim("C2", "BILL", "JOHNSON", "1975-01-30", "S1"),
        claim("C3", "MARIA", "LOPEZ", "1980-04-12", "S3"),
        claim("C4", "MARIA", "LOPEZ", "1980-12-04", "S3"),
        claim("C5", "JOSE", "LOPEZ", "1978-09-30", "S5", address_norm="3 ELM ST"),
        claim("C6", "KEVIN", "WALSH", "1991-11-02", "S3"),
        claim("C7", "MARIA", "LOPES", "1980-04-12", "S8", email_canonical="c3@mail.com"),
    )


def test_rerun_gives_identical_ids() -> None:
    claims = small_world()
    first = link_identities(claims)
    assert first.equals(link_identities(claims))
    assert partition(claims, first) == {
        frozenset({"C1", "C2"}),
        frozenset({"C3", "C4", "C7"}),
        frozenset({"C5"}),
        frozenset({"C6"}),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shuffled_input_gives_the_same_ids(seed: int) -> None:
    claims = small_world()
    ids = link_identities(claims)
    shuffled = claims.sample(frac=1, random_state=seed)
    assert link_identities(shuffled).sort_index().equals(ids)


def test_oversized_blocks_are_skipped_but_ssn_blocks_are_split() -> None:
    hub = [
        claim(f"C{i}", f"NAME{i}", "DOE", "1990-01-01", f"S{i}", phone_e164="+16145550000")
        for i in range(1, 6)
    ]
    claims = frame(*hub, claim("C9", "NAME1", "DOE", "1990-01-01", "S1"))
    ids = link_identities(claims, settings=LinkageSettings(max_block_size=3))
    assert ids.iloc[0] == ids.iloc[5] and ids.nunique() == 5


def test_empty_claims_give_an_empty_series() -> None:
    empty = frame(claim("C1", "A", "B", "1990-01-01", "S1")).iloc[:0]
    assert link_identities(empty).empty


def test_missing_columns_are_named() -> None:
    claims = frame(claim("C1", "JOHN", "SMITH", "1980-04-12", "S1")).drop(columns=["ssn_token"])
    with pytest.raises(ValueError, match="claims lack columns: ssn_token"):
        link_identities(claims)


def test_soundex_codes() -> None:
    import numpy as np

    codes = soundex(np.array(["ROBERT", "RUPERT", "ASHCRAFT", "TYMCZAK", "PFISTER", ""], dtype=object))
    assert codes.tolist() == [18163, 18163, 1261, 20522, 16236, -1]


def test_pairwise_precision_recall_by_hand() -> None:
    predicted = pd.Series(["a", "a", "a", "b"])
    truth = pd.Series([1, 1, 2, 2])
    # predicted pairs: (0,1) (0,2) (1,2); true pairs: (0,1) (2,3); both: (0,1)
    assert pairwise_precision_recall(predicted, truth) == (1 / 3, 1 / 2)


# --- The synthetic world ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def world_claims(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    from claimscreen.data.generate import generate_world
    from claimscreen.data.ingest import ingest_batch
    from claimscreen.data.lake import Lake

    root = tmp_path_factory.mktemp("world")
    generate_world(root / "world", days=6, claims_per_day=1500, seed=7, fraud_rate=0.08)
    home = root / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLAIMSCREEN_SECRET_KEY", "test-key-0123456789abcdef")
        for batch in sorted((root / "world" / "batches").glob("claims_*")):
            ingest_batch(home, batch, dt.date.fromisoformat(batch.stem.split("_")[1]))
    claims = Lake(home).read_zone("claims")
    truth = pd.read_parquet(Path(root / "world" / "truth.parquet"))
    return claims.merge(truth[["claim_id", "person_key", "typology"]], on="claim_id", validate="1:1")


def test_precision_and_recall_on_the_synthetic_world(world_claims: pd.DataFrame) -> None:
    ids = link_identities(world_claims)
    refiled = world_claims["typology"].eq("refiled_identity")
    assert refiled.sum() > 20
    precision, recall = pairwise_precision_recall(ids, world_claims["person_key"])
    assert precision >= 0.95 and recall >= 0.95
    precision, recall = pairwise_precision_recall(ids, world_claims["person_key"], refiled)
    assert precision >= 0.95 and recall >= 0.95


def test_night_by_night_ids_are_stable_and_match_a_full_run(world_claims: pd.DataFrame) -> None:
    nights = sorted(world_claims["batch_date"].unique())
    known = pd.DataFrame({"claim_id": pd.Series(dtype="str"), "identity_id": pd.Series(dtype="str")})
    for night in nights:
        window = world_claims[world_claims["batch_date"] <= night]
        ids = link_identities(window, known)
        previous = window["claim_id"].map(known.set_index("claim_id")["identity_id"])
        changed = previous.notna() & previous.ne(ids)
        assert not changed.any()
        known = pd.DataFrame({"claim_id": window["claim_id"], "identity_id": ids})
    assert partition(world_claims, ids) == partition(world_claims, link_identities(world_claims))


def test_missing_contacts_never_count_as_shared_and_dates_may_be_text() -> None:
    blank = {"email_canonical": None, "phone_e164": None, "address_norm": "", "zip5": None}
    claims = frame(
        claim("C1", "JAMES", "SMITH", "1985-03-03", "S1", **blank),
        claim("C2", "JAMES", "SMITH", "1985-03-03", "S2", **blank),
    ).assign(date_of_birth=["1985-03-03", "1985-03-03"])
    assert linked(claims) == {frozenset({"C1"}), frozenset({"C2"})}


@pytest.mark.parametrize("slots", [1 << 26, 2])
def test_touched_blocks_keep_every_block_with_a_new_claim(
    slots: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys are flagged in ``_FILTER_SLOTS`` slots: with a slot for every key, just the blocks
    with a new claim; with fewer (keys hashed to them), perhaps others too (whole), never fewer."""
    monkeypatch.setattr(identity, "_FILTER_SLOTS", slots)
    rows = np.arange(8, dtype=np.int64)
    keys = np.array([5, -1, 7, 5, 9, 7, -1, 3], dtype=np.int64)
    is_new = np.array([True, True, False, False, False, True, False, False])
    kept_rows, kept_keys, kept_new = identity.keep_touched_blocks(rows, keys, is_new)
    assert kept_keys.tolist() == keys[kept_rows].tolist() and kept_new.tolist() == is_new[kept_rows].tolist()
    assert {0, 2, 3, 5} <= set(kept_rows.tolist())  # blocks 5 and 7 have a new claim
    assert {1, 6}.isdisjoint(kept_rows.tolist())  # no key
    if slots == 1 << 26:
        assert kept_rows.tolist() == [0, 2, 3, 5]  # 9 and 3 have none
    else:  # a block kept is kept whole
        assert all(set(np.flatnonzero(keys == k)) <= set(kept_rows.tolist()) for k in kept_keys)


def test_blocks_kept_by_a_shared_flag_make_no_pairs(
    world_claims: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last night against the nights before (their claims known, so not every claim is
    new), every key sharing one of 16 flags: the same ids as with a flag per key."""
    last = world_claims["batch_date"].max()
    earlier = world_claims[world_claims["batch_date"] < last]
    known = pd.DataFrame({"claim_id": earlier["claim_id"], "identity_id": link_identities(earlier)})
    exact = link_identities(world_claims, known)
    monkeypatch.setattr(identity, "_FILTER_SLOTS", 16)
    assert link_identities(world_claims, known).tolist() == exact.tolist()
