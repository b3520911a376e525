"""Scale-out: a night scored in chunks on a local Dask cluster gives the same scores as one process;
below [scale_out] min_claims, --workers declines and says so."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import make_row, run_cli, write_csv

from claimscreen.data.lake import Lake
from claimscreen.flows.nightly import ScaleOut
from claimscreen.flows.scale_out import batch_claims, choose_scale_out

NIGHT = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def world_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, Path]]]:
    """One generated night of about 1,200 claims and the state's reference lists."""
    from claimscreen.data.generate import generate_world

    world = generate_world(
        tmp_path_factory.mktemp("dask-world"), days=1, claims_per_day=1200, seed=5, fraud_rate=0.05
    )
    return world.batch_files[0], sorted(world.reference_files.items())


def night_in(home: Path, world_night: tuple[Path, list[tuple[str, Path]]], *options: str) -> dict:
    """The night run in ``home``; with scale-out options, on Dask whatever its size (the test
    nights are far below the break-even)."""
    batch, references = world_night
    if "--workers" in options or "--dask-address" in options:
        home.mkdir(parents=True, exist_ok=True)
        (home / "settings.toml").write_text("[scale_out]\nmin_claims = 0\n")
    for kind, path in references:
        assert run_cli(home, "reference", "load", kind, str(path))[0] == 0
    code, _, err = run_cli(home, "nightly", "--batch", str(batch), *options)
    assert code == 0, err
    report: dict = json.loads((home / "runs" / f"{NIGHT}.json").read_text())
    return report


@pytest.mark.slow
def test_a_night_on_a_local_dask_cluster_scores_exactly_as_one_process(
    tmp_path: Path, world_night: tuple[Path, list[tuple[str, Path]]], prefect_harness: None, home: Path
) -> None:
    single, chunked = home, tmp_path / "chunked"
    night_in(single, world_night)
    report = night_in(chunked, world_night, "--workers", "2", "--chunk-rows", "300")
    score = next(s for s in report["stages"] if s["name"] == "score")["details"]
    assert score["chunks"] >= 4 and score["scored"] >= 1000
    for path in (Lake(single).scores_path(NIGHT), Lake(single).queue_path(NIGHT)):
        other = Lake(chunked).root / path.relative_to(Lake(single).root)
        assert path.read_bytes() == other.read_bytes(), path.name
    assert pq.read_table(Lake(chunked).scores_path(NIGHT)).num_rows == score["scored"]
    assert not Lake(chunked).partition("work", NIGHT).exists()  # the chunks' work files are gone


def test_a_night_run_again_on_dask_rescores_nothing_and_rebuilds_a_missing_queue(
    tmp_path: Path, world_night: tuple[Path, list[tuple[str, Path]]], prefect_harness: None, home: Path
) -> None:
    night_in(home, world_night)
    lake = Lake(home)
    scores = lake.scores_path(NIGHT).read_bytes()
    queue = lake.queue_path(NIGHT).read_bytes()
    lake.queue_path(NIGHT).unlink()
    shutil.rmtree(home / "runs")
    report = night_in(home, world_night, "--workers", "1")
    score = next(s for s in report["stages"] if s["name"] == "score")["details"]
    assert (score["newly_scored"], score["chunks"]) == (0, 0)
    assert lake.scores_path(NIGHT).read_bytes() == scores
    # The report counts the claims paid anyway from the record, so a re-run reports them too.
    held = pq.read_table(lake.scores_path(NIGHT)).column("held_back").to_pylist()
    assert score["held_back"] == {r: held.count(r) for r in ("model_only", "honest_delay_budget")}
    assert lake.queue_path(NIGHT).read_bytes() == queue


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--workers", "2", "--dask-address", "tcp://127.0.0.1:8786"], "exclude each other"),
        (["--chunk-rows", "10"], "--chunk-rows needs --workers or --dask-address"),
        (["--dask-address", "127.0.0.1:8786"], "is not a Dask scheduler address"),
    ],
)
def test_wrong_scale_out_options_are_one_line(
    home: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    batch = tmp_path / "claims_2026-10-01.csv"
    batch.write_text("claim_id\n")
    code, _, err = run_cli(home, "nightly", "--batch", str(batch), *options)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_workers_decline_below_the_break_even_and_say_so(
    home: Path, world_night: tuple[Path, list[tuple[str, Path]]]
) -> None:
    batch, _ = world_night
    claims = batch_claims(batch)
    (home / "settings.toml").write_text(f"[scale_out]\nmin_claims = {claims + 1}\n")
    code, _, err = run_cli(home, "nightly", "--batch", str(batch), "--workers", "2")
    assert code == 0, err
    assert err.splitlines()[0] == (
        f"claimscreen: note: --workers 2 declined: {claims:,} claims is below the scale-out break-even "
        f"([scale_out] min_claims {claims + 1:,}); the night is scored in this process"
    )
    report = json.loads((home / "runs" / f"{NIGHT}.json").read_text())
    score = next(s for s in report["stages"] if s["name"] == "score")["details"]
    assert report["status"] == "completed" and "chunks" not in score


def test_the_decision_is_the_size_against_the_setting() -> None:
    asked = ScaleOut(workers=2)
    assert choose_scale_out(asked, 999, 1000)[0] is None
    chosen, note = choose_scale_out(asked, 1000, 1000)
    assert chosen == asked
    assert note == "--workers 2: 1,000 claims, at or above [scale_out] min_claims 1,000; scoring on Dask"
    remote = ScaleOut(dask_address="tcp://dask:8786")
    assert choose_scale_out(remote, 5, 10)[1].startswith("--dask-address tcp://dask:8786 declined: 5 claims")


def test_a_batch_is_counted_without_parsing_it(tmp_path: Path) -> None:
    import pandas as pd

    rows = [make_row(claim_id=f"C{i}") for i in range(3)]
    assert batch_claims(write_csv(tmp_path / "claims_2026-10-01.csv", rows)) == 3
    header_only = tmp_path / "claims_2026-10-02.csv"
    header_only.write_text("claim_id,ssn")  # no newline at the end
    assert batch_claims(header_only) == 0
    pd.DataFrame(rows).to_parquet(tmp_path / "claims_2026-10-03.parquet")
    assert batch_claims(tmp_path / "claims_2026-10-03.parquet") == 3
    (tmp_path / "claims_2026-10-04.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    assert batch_claims(tmp_path / "claims_2026-10-04.jsonl") == 3
