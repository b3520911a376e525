"""``claimscreen backfill``: run the nights of a date range from an inbox folder, in order.

The plan (which nights have files, which are done, which are missing) comes from
:func:`claimscreen.data.nights.plan_backfill`; this module runs it: one night per
file (:func:`claimscreen.flows.nightly.run_nightly`: a nightly flow run with a Prefect
server, else in this process without one, so the command's start is paid once), oldest
night first, a rich progress bar, and a stop at the first night that fails, naming the
night and the stage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from claimscreen.data.errors import safe_message
from claimscreen.data.nights import InboxNight
from claimscreen.data.runs import read_report


class NightFailed(Exception):
    """A night of a backfill failed; the nights before it are done."""

    def __init__(self, night: dt.date, stage: str, error: BaseException) -> None:
        self.night, self.stage, self.error = night, stage, error
        super().__init__(f"night {night} failed in stage {stage}: {safe_message(error)}")


def run_backfill(
    home: Path,
    plan: list[InboxNight],
    echo: Callable[[str], None],
    allow_gap: bool = False,
    console: Console | None = None,
) -> list[dict[str, Any]]:
    """Run every night of ``plan`` that is not done; the reports of the nights run."""
    from claimscreen.flows.nightly import run_nightly

    reports = []
    to_run = [n for n in plan if n.files and not n.completed]
    for planned in plan:
        if planned.completed:
            echo(f"night {planned.night}: already completed, skipped")
        elif not planned.files:
            echo(f"night {planned.night}: no batch file in the inbox, skipped (--allow-gap)")
    with progress_bar(console or Console()) as progress:
        bar = progress.add_task("Backfilling nights", total=len(to_run))
        for planned in to_run:
            progress.update(bar, description=f"Night {planned.night}")
            for batch in planned.files:
                try:
                    report = run_nightly(
                        str(home), str(batch), planned.night.isoformat(), allow_gap=allow_gap
                    )
                except Exception as exc:
                    raise NightFailed(planned.night, failed_stage(home, planned.night), exc) from None
            reports.append(report)
            progress.advance(bar)
    return reports


def failed_stage(home: Path, night: dt.date) -> str:
    """The stage a night's report says failed; ``start`` when none did (refused before its stages)."""
    report = read_report(home, night)
    if report is None or report["status"] != "failed" or not report.get("failed_stage"):
        return "start"
    return str(report["failed_stage"])


def progress_bar(console: Console) -> Progress:
    """The progress bar of the commands that run several nights (backfill, demo)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


__all__ = [
    "NightFailed",
    "failed_stage",
    "progress_bar",
    "run_backfill",
]
