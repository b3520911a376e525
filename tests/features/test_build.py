"""The features stage on a small generated world: point in time, stable ids, every feature present."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from helpers import TEST_KEY

from claimscreen.data.errors import InputError
from claimscreen.data.generate import generate_world
from claimscreen.data.ingest import batch_date_for, ingest_batch
from claimscreen.data.labels import import_labels
from claimscreen.data.reference import load_reference
from claimscreen.features.build import ALL_FEATURES, KEY_COLUMNS, read_features, run_features


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return generate_world(
        tmp_path_factory.mktemp("world"), days=4, claims_per_day=1200, seed=9, fraud_rate=0.04
    )


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)


def features_of_nights(home: Path, world, nights: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Load the lists and labels, run the first ``nights`` nights, and return their features."""
    frames = []
    for night in prepare(home, world, nights):
        run_features(home, night)
        frames.append(read_features(home, night))
    return pd.concat(frames, ignore_index=True)


def prepare(home: Path, world, nights: int) -> list[dt.date]:  # type: ignore[no-untyped-def]
    for kind, path in world.reference_files.items():
        load_reference(home, kind, path)
    import_labels(home, world.dispositions_file)
    dates = []
    for batch in sorted(world.batch_files)[:nights]:
        night = batch_date_for(batch, None)
        ingest_batch(home, batch, night)
        dates.append(night)
    return dates


def test_later_nights_change_no_earlier_night(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    first, second = prepare(home, world, 2)
    run_features(home, first)
    run_features(home, second)
    before = {night: read_features(home, night) for night in (first, second)}
    for batch in sorted(world.batch_files)[2:]:
        night = batch_date_for(batch, None)
        ingest_batch(home, batch, night)
        run_features(home, night)
    for night in (first, second):
        run_features(home, night)
        pd.testing.assert_frame_equal(read_features(home, night), before[night])


def test_partition_has_every_feature_and_one_row_per_claim(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    nights = prepare(home, world, 2)
    result = run_features(home, nights[1])
    frame = read_features(home, nights[1])
    assert list(frame.columns) == [*KEY_COLUMNS, *(f.name for f in ALL_FEATURES)]
    assert frame["claim_id"].is_unique
    assert len(frame) == result.claims
    assert frame["identity_id"].notna().all()
    assert (frame["batch_date"] == nights[1]).all()
    for feature in ALL_FEATURES:
        if feature.dtype == "bool":
            assert frame[feature.name].isin([True, False]).all(), feature.name


def test_identities_and_rings_keep_their_ids_from_night_to_night(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    everything = features_of_nights(tmp_path / "home", world, 4)
    truth = pd.read_parquet(world.truth_file).set_index("claim_id")
    everything = everything.join(truth[["person_key", "ring_key", "is_fraud"]], on="claim_id")
    # A person who files on two nights keeps one identity_id.
    per_person = everything.groupby("person_key")["identity_id"].nunique()
    assert (per_person == 1).mean() >= 0.99
    # Most members of fraud rings are in a ring; few honest claimants are.
    ring_members = everything["ring_key"].notna()
    assert everything.loc[ring_members, "ring_id"].notna().mean() >= 0.6
    assert everything.loc[~everything["is_fraud"], "ring_id"].notna().mean() <= 0.05


def test_a_night_must_be_ingested_first(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="night 2026-10-01 has no ingested batch"):
        run_features(tmp_path, dt.date(2026, 10, 1))


def test_the_feature_page_lists_every_registered_feature() -> None:
    from claimscreen.features.catalog import features_markdown

    page = Path(__file__).parents[2] / "docs" / "features.md"
    assert page.read_text() == features_markdown(ALL_FEATURES), (
        "run `make docs` to regenerate docs/features.md"
    )


def test_rings_carry_the_share_of_members_with_hard_evidence(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    everything = features_of_nights(tmp_path / "home", world, 4)
    in_ring = everything["ring_id"].notna()
    share = everything.loc[in_ring, "ring_red_flag_share"]
    assert share.between(0, 1).all()
    # A ring whose members file on dead people's SSNs shows it in its share.
    flagged = everything.loc[in_ring & everything["deceased_before_filing"], "ring_red_flag_share"]
    if len(flagged):
        assert (flagged > 0).all()
    assert everything.loc[~in_ring, "ring_red_flag_share"].isna().all()


def test_a_night_whose_rows_were_all_quarantined_gets_an_empty_partition(
    tmp_path: Path,
) -> None:
    from helpers import make_row, write_csv

    night = dt.date(2026, 10, 1)
    batch = write_csv(
        tmp_path / "claims_2026-10-01.csv", [make_row(ssn=""), make_row(claim_id="C2", zip="x")]
    )
    ingest_batch(tmp_path / "home", batch, night)
    result = run_features(tmp_path / "home", night)
    assert (result.claims, result.rings) == (0, 0)
    assert list(read_features(tmp_path / "home", night).columns) == [
        *KEY_COLUMNS,
        *(f.name for f in ALL_FEATURES),
    ]


def test_a_rerun_reads_the_lists_and_decisions_of_its_first_run(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    nights = prepare(home, world, 4)
    for night in nights:
        run_features(home, night)
    last = nights[-1]
    before = read_features(home, last)
    # The night saw death records and past fraud decisions, so both matter below.
    assert before["deceased_before_filing"].any()
    assert before["ring_known_fraud"].sum() > 0
    # Later: the deceased list is replaced by an empty-ish one and every decision is reversed.
    (tmp_path / "deceased.csv").write_text("ssn,date_of_death\n111223333,2020-01-01\n")
    load_reference(home, "deceased", tmp_path / "deceased.csv")
    decisions = pd.read_csv(world.dispositions_file, dtype=str)
    decisions["outcome"] = decisions["outcome"].map({"fraud": "legitimate", "legitimate": "fraud"})
    decisions["decided_at"] = "2030-01-01T00:00:00"
    decisions.to_csv(tmp_path / "reversed.csv", index=False)
    import_labels(home, tmp_path / "reversed.csv")
    run_features(home, last)
    pd.testing.assert_frame_equal(read_features(home, last), before)


def test_ring_members_name_every_claim_tonights_rings_reach(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The night's ring members hold each of tonight's rings whole: tonight's members, as the
    features say, and earlier nights' claims in the same ring, whatever ring id they had then."""
    from claimscreen.data.lake import Lake

    home = tmp_path / "home"
    features = features_of_nights(home, world, 4)
    last = max(features["batch_date"])
    members = Lake(home).read_table(Lake(home).ring_members_path(last)).to_pandas()
    tonight = features[(features["batch_date"] == last) & features["ring_id"].notna()]
    assert len(tonight) > 0
    assert set(members["ring_id"]) == set(tonight["ring_id"])
    assert set(tonight["claim_id"]) <= set(members["claim_id"])
    earlier = members[~members["claim_id"].isin(tonight["claim_id"])]
    assert len(earlier) > 0 and set(earlier["claim_id"]) <= set(features["claim_id"])
    assert not members.duplicated("claim_id").any()
