"""Scale-out: a night scored in chunks on a local Dask cluster gives the same scores as one process."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from claimscreen.data.lake import Lake
from claimscreen.flows.cli import main

NIGHT = dt.date(2026, 10, 1)


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--home", str(home), *args], prog_name="claimscreen")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def world_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, Path]]]:
    """One generated night of about 1,200 claims and the state's reference lists."""
    from claimscreen.data.generate import generate_world

    world = generate_world(
        tmp_path_factory.mktemp("dask-world"), days=1, claims_per_day=1200, seed=5, fraud_rate=0.05
    )
    return world.batch_files[0], sorted(world.reference_files.items())


def night_in(home: Path, world_night: tuple[Path, list[tuple[str, Path]]], *options: str) -> dict:
    batch, references = world_night
    for kind, path in references:
        assert run(home, "reference", "load", kind, str(path))[0] == 0
    code, _, err = run(home, "nightly", "--batch", str(batch), *options)
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
    code, _, err = run(home, "nightly", "--batch", str(batch), *options)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
