"""Nights in order: missing nights, the gap check, inbox files, completed nights, backfill plans."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import make_row, write_csv

from claimscreen.data.errors import InputError
from claimscreen.data.ingest import ingest_batch
from claimscreen.data.lake import Lake
from claimscreen.data.nights import (
    check_night_order,
    describe_nights,
    inbox_files,
    ingested_nights,
    missing_nights,
    newest_unprocessed,
    night_completed,
    plan_backfill,
)
from claimscreen.data.runs import RunReport

D = dt.date


def ingest_night(home: Path, folder: Path, night: dt.date) -> Path:
    batch = write_csv(folder / f"claims_{night}.csv", [make_row(claim_id=f"C-{night}")])
    ingest_batch(home, batch, night)
    return batch


def complete_night(
    home: Path, night: dt.date, stages: tuple[str, ...] = ("ingest", "features", "score")
) -> None:
    report = RunReport(home, night)
    for stage in stages:
        report.record_stage(stage, 0.1)
    report.complete()
    report.write()


def test_the_first_night_and_the_next_one_miss_nothing(home: Path, tmp_path: Path) -> None:
    lake = Lake(home)
    assert missing_nights(lake, D(2026, 10, 1)) == []
    ingest_night(home, tmp_path, D(2026, 10, 1))
    assert missing_nights(lake, D(2026, 10, 2)) == []


def test_the_nights_between_the_last_one_and_tonight_are_missing(home: Path, tmp_path: Path) -> None:
    ingest_night(home, tmp_path, D(2026, 10, 1))
    lake = Lake(home)
    assert missing_nights(lake, D(2026, 10, 4)) == [D(2026, 10, 2), D(2026, 10, 3)]
    with pytest.raises(InputError) as caught:
        check_night_order(lake, D(2026, 10, 4))
    assert str(caught.value) == (
        "night 2026-10-04 would leave a gap: no batch for 2026-10-02, 2026-10-03; "
        "run the missing night(s) first (claimscreen backfill) or pass --allow-gap"
    )
    check_night_order(lake, D(2026, 10, 4), allow_gap=True)


def test_a_night_already_ingested_or_filling_an_old_gap_may_run(home: Path, tmp_path: Path) -> None:
    for night in (D(2026, 10, 1), D(2026, 10, 3)):
        ingest_night(home, tmp_path, night)
    lake = Lake(home)
    assert ingested_nights(lake) == [D(2026, 10, 1), D(2026, 10, 3)]
    assert missing_nights(lake, D(2026, 10, 3)) == []  # a re-run
    assert missing_nights(lake, D(2026, 10, 2)) == []  # its previous night is there
    assert missing_nights(lake, D(2026, 10, 4)) == []  # the gap behind 10-03 was allowed before


def test_many_missing_nights_are_summed_up() -> None:
    nights = [D(2026, 10, 1) + dt.timedelta(days=i) for i in range(9)]
    assert describe_nights(nights) == "9 nights from 2026-10-01 to 2026-10-09"


def test_the_inbox_offers_only_batch_files_by_night(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in (
        "claims_2026-10-02.csv",
        "claims_2026-10-01.parquet",
        "claims_2026-10-01_pua.jsonl",
        "claims_2026-10-03.csv.part",
        "claims_2026-13-01.csv",
        "notes.txt",
    ):
        (inbox / name).write_text("x")
    found = inbox_files(inbox)
    assert {night: [p.name for p in files] for night, files in found.items()} == {
        D(2026, 10, 1): ["claims_2026-10-01.parquet", "claims_2026-10-01_pua.jsonl"],
        D(2026, 10, 2): ["claims_2026-10-02.csv"],
    }
    with pytest.raises(InputError, match="no such folder"):
        inbox_files(tmp_path / "nope")


def test_a_night_is_completed_when_scored_and_every_file_is_committed(home: Path, tmp_path: Path) -> None:
    night = D(2026, 10, 1)
    batch = ingest_night(home, tmp_path, night)
    assert not night_completed(home, night, [batch])  # no report yet
    complete_night(home, night, stages=("ingest", "features"))
    assert not night_completed(home, night, [batch])  # a report from before scoring
    complete_night(home, night)
    assert night_completed(home, night, [batch])
    late = write_csv(tmp_path / "claims_2026-10-01_pua.csv", [make_row(claim_id="P1")])
    assert not night_completed(home, night, [batch, late])


def test_a_backfill_plan_skips_done_nights_and_refuses_a_missing_file(home: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    first = ingest_night(home, inbox, D(2026, 10, 1))
    complete_night(home, D(2026, 10, 1))
    write_csv(inbox / "claims_2026-10-02.csv", [make_row(claim_id="B")])
    write_csv(inbox / "claims_2026-10-04.csv", [make_row(claim_id="D")])
    with pytest.raises(InputError) as caught:
        plan_backfill(home, inbox, D(2026, 10, 1), D(2026, 10, 4))
    assert str(caught.value).startswith(
        f"no batch file in {inbox} for 2026-10-03 (named claims_YYYY-MM-DD.csv"
    )
    plan = plan_backfill(home, inbox, D(2026, 10, 1), D(2026, 10, 4), allow_gap=True)
    assert [(n.night.day, len(n.files), n.completed) for n in plan] == [
        (1, 1, True),
        (2, 1, False),
        (3, 0, False),
        (4, 1, False),
    ]
    assert plan[0].files == (first,)


def test_a_backfill_that_would_leave_a_gap_behind_it_is_refused(home: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ingest_night(home, tmp_path, D(2026, 10, 1))
    write_csv(inbox / "claims_2026-10-05.csv", [make_row(claim_id="E")])
    with pytest.raises(InputError, match="no batch for 2026-10-02, 2026-10-03, 2026-10-04"):
        plan_backfill(home, inbox, D(2026, 10, 5), D(2026, 10, 5))
    with pytest.raises(InputError, match="--to 2026-10-04 is before --from 2026-10-05"):
        plan_backfill(home, inbox, D(2026, 10, 5), D(2026, 10, 4))


def test_the_newest_unprocessed_night_is_the_newest_one_not_done(home: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert newest_unprocessed(home, inbox) is None
    ingest_night(home, inbox, D(2026, 10, 1))
    complete_night(home, D(2026, 10, 1))
    assert newest_unprocessed(home, inbox) is None
    batch = write_csv(inbox / "claims_2026-10-02.csv", [make_row(claim_id="B")])
    todo = newest_unprocessed(home, inbox)
    assert todo is not None and (todo.night, todo.files) == (D(2026, 10, 2), (batch,))
