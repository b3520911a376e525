"""The night context (data/context.py): built once per night and given to every stage."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import TEST_KEY, make_row, write_csv

from claimscreen.data import context as context_module
from claimscreen.data.context import NightContext
from claimscreen.data.lake import Lake
from claimscreen.flows import nightly

NIGHT = dt.date(2026, 10, 1)


def test_a_night_reads_its_settings_once_and_opens_its_lake_once_for_its_own_stages(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nightly, "prefect_api_url", lambda: None)
    (home / "settings.toml").write_text("history_days = 30\n")
    reads: list[Path] = []
    load = context_module.load_settings

    def counted(where: Path) -> Any:
        reads.append(where)
        return load(where)

    def refused(where: Path) -> Any:
        raise AssertionError("a stage read settings.toml again instead of taking the night's")

    monkeypatch.setattr(context_module, "load_settings", counted)
    stages = (
        "data.ingest",
        "features.build",
        "models.score_stage",
        "models.lookback",
        "models.ledger",
        "review.publish",
    )
    for module in stages:
        monkeypatch.setattr(f"claimscreen.{module}.load_settings", refused)
    opened: list[str] = []  # the module that opened each Lake
    lake_init = Lake.__init__

    def opening(self: Lake, where: Path) -> None:
        opened.append(str(sys._getframe(1).f_globals.get("__name__")))
        lake_init(self, where)

    monkeypatch.setattr(Lake, "__init__", opening)
    seen: list[Lake] = []
    features = nightly.run_features

    def run_features(home: Path, night: dt.date, settings: Any, lake: Lake) -> Any:
        seen.append(lake)
        assert settings.history_days == 30
        return features(home, night, settings, lake=lake)

    monkeypatch.setattr(nightly, "run_features", run_features)
    rows = [make_row(claim_id=f"{NIGHT}-{i}", ssn=f"123-45-{6780 + i}") for i in range(4)]
    report = nightly.run_nightly(
        str(home), str(write_csv(tmp_path / f"claims_{NIGHT}.csv", rows)), str(NIGHT)
    )
    assert report["status"] == "completed"
    assert report["totals"]["rows_scored"] == 4
    assert reads == [home]
    assert len(seen) == 1 and seen[0].home == home
    assert not [m for m in opened if m.removeprefix("claimscreen.") in stages], opened


def test_the_context_reads_the_key_once_and_never_shows_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)
    night = NightContext.open(home, NIGHT)
    assert night.timezone == night.settings.agency_timezone
    assert night.key == night.key and len(night.key) == 32
    monkeypatch.setattr(context_module, "load_secret_key", lambda home: b"other")
    assert night.key != b"other"  # read once
    assert night.key.hex() not in repr(night) and TEST_KEY not in repr(night)
