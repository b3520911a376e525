"""Seconds spent per step, for the stages' ``timings`` (run reports, bench scripts).

One helper for every stage: ``since`` gives the seconds since a ``time.perf_counter()``
reading and ``lap`` records a step's seconds and starts the next one, both rounded to the
millisecond as the reports show them.
"""

from __future__ import annotations

import time

__all__ = ["lap", "since"]


def since(clock: float) -> float:
    """Seconds since ``clock`` (a ``time.perf_counter()`` reading), to the millisecond."""
    return round(time.perf_counter() - clock, 3)


def lap(timings: dict[str, float], name: str, clock: float) -> float:
    """Record in ``timings[name]`` the seconds since ``clock``; return now, the next step's start."""
    now = time.perf_counter()
    timings[name] = round(now - clock, 3)
    return now
