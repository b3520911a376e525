"""The stages' one timing helper (data/timing.py)."""

from __future__ import annotations

import pytest

from claimscreen.data import timing


def test_lap_records_each_step_and_starts_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter([10.0, 12.5, 12.5004])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(readings))
    timings: dict[str, float] = {}
    clock = timing.lap(timings, "read", 8.0)
    assert clock == 10.0
    clock = timing.lap(timings, "score", clock)
    assert timings == {"read": 2.0, "score": 2.5}
    assert timing.since(12.0) == 0.5  # to the millisecond
