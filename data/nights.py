"""Nights in order: which nights the lake holds, which are missing, and what an inbox offers.

Features read the ``history_days`` before a night, so a night run before the
one ahead of it would be scored without that night's claims. The nightly flow
therefore refuses a night whose previous night is missing (no committed batch
for the day before, when the lake holds an earlier night), unless the operator
says the gap is expected (``--allow-gap``). A night already ingested may always
run again: a re-run is idempotent.

An inbox is a folder of batch files named ``claims_YYYY-MM-DD.csv`` (or
``.parquet``, ``.pq``, ``.jsonl``, ``.ndjson``); a second file for the same night
adds a suffix: ``claims_2026-10-01_pua.csv``. A file whose name does not match
(``claims_2026-10-01.csv.part`` while it is copied in) is not offered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.data.read import file_sha256
from claimscreen.data.runs import read_report

__all__ = [
    "InboxNight",
    "check_night_order",
    "describe_nights",
    "inbox_files",
    "ingested_nights",
    "missing_nights",
    "newest_unprocessed",
    "night_completed",
    "plan_backfill",
]

BATCH_FILE_NAME = re.compile(
    r"^claims_(?P<night>\d{4}-\d{2}-\d{2})(?:_[A-Za-z0-9-]+)?\.(?:csv|parquet|pq|jsonl|ndjson)$"
)
#: The stages a night must have completed to count as done (publish may be skipped).
DONE_STAGES: tuple[str, ...] = ("ingest", "features", "score")
_LISTED = 5


@dataclass(frozen=True)
class InboxNight:
    """One night of an inbox: its files, and whether the lake already holds it complete."""

    night: dt.date
    files: tuple[Path, ...]
    completed: bool


def ingested_nights(lake: Lake) -> list[dt.date]:
    """The nights with at least one committed batch, oldest first."""
    return sorted({dt.date.fromisoformat(m["batch_date"]) for m in lake.manifests()})


def missing_nights(lake: Lake, night: dt.date) -> list[dt.date]:
    """The nights between the latest night ingested before ``night`` and ``night`` itself
    that have no committed batch.

    Empty when the previous night is in the lake, when ``night`` is already ingested
    (a re-run), or when the lake holds no earlier night (the first night).
    """
    nights = ingested_nights(lake)
    earlier = [d for d in nights if d < night]
    if night in nights or not earlier:
        return []
    return list(days(earlier[-1] + dt.timedelta(days=1), night - dt.timedelta(days=1)))


def check_night_order(lake: Lake, night: dt.date, allow_gap: bool = False) -> None:
    """Refuse ``night`` when a night before it is missing, unless the gap is allowed."""
    missing = missing_nights(lake, night)
    if missing and not allow_gap:
        raise InputError(
            f"night {night} would leave a gap: no batch for {describe_nights(missing)}; "
            "run the missing night(s) first (claimscreen backfill) or pass --allow-gap"
        )


def days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    """Every date from ``first`` to ``last``, inclusive."""
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def describe_nights(nights: list[dt.date]) -> str:
    """A short list of nights for a message: all of a few, or the first and last of many."""
    if len(nights) <= _LISTED:
        return ", ".join(d.isoformat() for d in nights)
    return f"{len(nights)} nights from {nights[0]} to {nights[-1]}"


def inbox_files(inbox: Path) -> dict[dt.date, tuple[Path, ...]]:
    """The batch files of an inbox by night, each night's files in name order."""
    if not Path(inbox).is_dir():
        raise InputError(f"{inbox}: no such folder")
    found: dict[dt.date, list[Path]] = {}
    for path in sorted(Path(inbox).iterdir()):
        match = BATCH_FILE_NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        try:
            night = dt.date.fromisoformat(match["night"])
        except ValueError:
            continue
        found.setdefault(night, []).append(path)
    return {night: tuple(files) for night, files in sorted(found.items())}


def night_completed(home: Path, night: dt.date, files: Iterable[Path] = ()) -> bool:
    """Whether the night's latest run completed every scoring stage and every file given
    is one of its committed batches (a file added to the night later is not done)."""
    report = read_report(home, night)
    if report is None or report["status"] != "completed":
        return False
    done = {s["name"] for s in report["stages"] if s["status"] == "completed"}
    if not set(DONE_STAGES) <= done:
        return False
    committed = {m["source_sha256"] for m in Lake(home).manifests(night)}
    return all(file_sha256(path) in committed for path in files)


def plan_backfill(
    home: Path, inbox: Path, first: dt.date, last: dt.date, allow_gap: bool = False
) -> list[InboxNight]:
    """The nights ``first`` to ``last`` with their inbox files and whether each is done.

    Refuses, before anything runs, a range with a night that is neither done nor in the
    inbox, and a range whose first night to run would leave a gap behind it in the
    lake; ``allow_gap`` accepts both (a night without a file is then skipped).
    """
    if last < first:
        raise InputError(f"--to {last} is before --from {first}")
    found = inbox_files(inbox)
    plan = [
        InboxNight(d, found.get(d, ()), night_completed(home, d, found.get(d, ()))) for d in days(first, last)
    ]
    absent = [n.night for n in plan if not n.files and not n.completed]
    if absent and not allow_gap:
        raise InputError(
            f"no batch file in {inbox} for {describe_nights(absent)} (named claims_YYYY-MM-DD.csv, "
            ".parquet or .jsonl); add it or pass --allow-gap to skip it"
        )
    to_run = [n for n in plan if n.files and not n.completed]
    if to_run:
        check_night_order(Lake(home), to_run[0].night, allow_gap)
    return plan


def newest_unprocessed(home: Path, inbox: Path) -> InboxNight | None:
    """The inbox's newest night, unless it is done already (then there is nothing new)."""
    found = inbox_files(inbox)
    if not found:
        return None
    night, files = max(found.items())
    return None if night_completed(home, night, files) else InboxNight(night, files, completed=False)
