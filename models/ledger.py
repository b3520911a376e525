"""The claimant ledger: who waited how long, night by night.

The figures are pure functions over the status ledger that ``claimscreen status
export`` writes (:func:`claimscreen.models.verification.status_ledger`: each
claim's status, since when and the hours its claimant has waited), read for the
claims scored on the last :data:`LEDGER_NIGHTS` nights and as of the moment the
night first ran (so a re-run of the night gives the same figures):

* **released within 24 hours**: of the honest-looking claims (``cleared``, on
  their night or later by passing verification, or ``decided_legitimate``), the
  share released 24 hours or less after filing;
* **wait of everyone held** (routed ``verify`` or ``review``): the median and
  95th percentile of the hours waited, from filing to release or decision, or
  until the moment for those still waiting;
* the same **by language** and **by age band** (``<40``, ``40-64``, ``65+``, from
  the age at filing);
* the night's **look-back alerts** (claims and alerts).

:func:`waiting_curves` gives, per route, the share of claims still waiting after
each hour since filing; :func:`write_wait_plot` draws it as a PNG beside the run
report (``HOME/runs/YYYY-MM-DD-waits.png``), written atomically.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from claimscreen.data.lake import Lake, atomic_target
from claimscreen.data.runs import runs_folder
from claimscreen.data.schema import ROUTES
from claimscreen.data.settings import Settings, load_settings
from claimscreen.models.lookback import alerts_path
from claimscreen.models.metrics import age_band
from claimscreen.models.verification import night_run_times, status_ledger

__all__ = [
    "LEDGER_NIGHTS",
    "RELEASED",
    "ledger_figures",
    "ledger_frame",
    "ledger_lines",
    "ledger_markdown",
    "run_ledger",
    "wait_plot_path",
    "waiting_curves",
    "write_wait_plot",
]

#: The nights whose claims a night's ledger follows: tonight's and the six before.
LEDGER_NIGHTS = 7
#: The statuses of a claim released to payment (honest-looking).
RELEASED = ("cleared", "decided_legitimate")
#: Held claims: routed somewhere other than ``clear``.
HELD_ROUTES = ("verify", "review")
#: The hours the waiting-time curves run to: the no-response wait (5 days) and three more.
CURVE_HOURS = 8 * 24


def ledger_frame(
    home: Path, night: dt.date, settings: Settings | None = None, nights: int = LEDGER_NIGHTS
) -> pd.DataFrame:
    """The status ledger of the claims scored on ``night`` and the ``nights - 1`` nights before,
    as of when ``night`` first ran, with ``route``, ``night``, ``language`` and ``age_band``."""
    home = Path(home)
    lake = Lake(home)
    runs = night_run_times(lake)
    as_of = runs.get(night)
    if as_of is None:
        as_of = pd.Timestamp.now(tz="UTC")
    window = [night - dt.timedelta(days=i) for i in range(nights)]
    frame = status_ledger(
        home,
        as_of,
        settings,
        nights=window,
        claim_columns=("language",),
        sort=False,
        feature_columns=("age_at_filing",),
    )
    frame["age_band"] = age_band(frame["age_at_filing"])
    frame["language"] = frame["language"].fillna("unknown").astype(str)
    frame.attrs["as_of"] = as_of
    return frame


def ledger_figures(frame: pd.DataFrame) -> dict[str, Any]:
    """The ledger's figures over ``frame`` (status ledger rows: ``status``, ``route``,
    ``hours_waited``): claims, honest-looking claims and those released within 24 hours of
    filing (count and share), claims held and the median and 95th percentile of their wait in
    hours, and claims still waiting."""
    released = frame["status"].isin(RELEASED)
    within = released & (frame["hours_waited"] <= 24)
    held = frame.loc[frame["route"].isin(HELD_ROUTES), "hours_waited"].dropna()
    return {
        "claims": len(frame),
        "honest_looking": int(released.sum()),
        "released_within_24h": int(within.sum()),
        "released_within_24h_share": _share(int(within.sum()), int(released.sum())),
        "held": len(held),
        "held_wait_median_hours": _percentile(held, 50),
        "held_wait_p95_hours": _percentile(held, 95),
        "still_waiting": int(frame["status"].isin(("verifying", "in_review")).sum()),
    }


def ledger_by(frame: pd.DataFrame, column: str) -> dict[str, dict[str, Any]]:
    """:func:`ledger_figures` for each value of ``column`` (largest group first)."""
    sizes = frame[column].value_counts()
    return {str(value): ledger_figures(frame[frame[column] == value]) for value in sizes.index}


def waiting_curves(frame: pd.DataFrame, hours: np.ndarray | None = None) -> pd.DataFrame:
    """Per route (columns, in :data:`ROUTES` order), the share of its claims still waiting
    ``h`` hours after filing (rows: ``hours``, 0 to :data:`CURVE_HOURS` by default). A claim
    still waiting counts as waiting up to the hours it has waited so far."""
    hours = np.arange(CURVE_HOURS + 1) if hours is None else np.asarray(hours)
    curves = {}
    for route in [r for r in ROUTES if (frame["route"] == r).any()]:
        waits = np.sort(frame.loc[frame["route"] == route, "hours_waited"].dropna().to_numpy())
        if len(waits):
            curves[route] = 1 - np.searchsorted(waits, hours, side="right") / len(waits)
    return pd.DataFrame(curves, index=pd.Index(hours, name="hours"))


def wait_plot_path(home: Path, night: dt.date) -> Path:
    return runs_folder(home) / f"{night.isoformat()}-waits.png"


def write_wait_plot(curves: pd.DataFrame, path: Path, title: str) -> Path:
    """Draw the waiting-time curves (share still waiting against hours since filing, one line
    per route) as a PNG, written atomically."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    for route in curves.columns:
        ax.step(curves.index, curves[route], where="post", label=route)
    for day in range(24, int(curves.index.max()) + 1, 24):
        ax.axvline(day, color="0.85", linewidth=0.6, zorder=0)
    ax.set_xlabel("hours since filing")
    ax.set_ylabel("share still waiting")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    with atomic_target(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return path


def run_ledger(home: Path, night: dt.date, settings: Settings | None = None) -> dict[str, Any]:
    """The ledger of ``night`` for its run report: the figures of each of the last
    :data:`LEDGER_NIGHTS` nights' claims, of all of them, by language and by age band, the
    night's look-back alerts; the waiting-time plot written beside the report."""
    home = Path(home)
    settings = settings or load_settings(home)
    frame = ledger_frame(home, night, settings)
    as_of = pd.Timestamp(frame.attrs["as_of"])
    nights = sorted(set(frame["night"]), reverse=True)
    plot = write_wait_plot(
        waiting_curves(frame), wait_plot_path(home, night), f"Claims of {min(nights, default=night)} "
        f"to {night}, as of {as_of:%Y-%m-%d %H:%M} UTC",
    )  # fmt: skip
    return {
        "as_of": as_of.isoformat(),
        "nights": {n.isoformat(): ledger_figures(frame[frame["night"] == n]) for n in nights},
        "window": ledger_figures(frame),
        "by_language": ledger_by(frame, "language"),
        "by_age_band": ledger_by(frame, "age_band"),
        "lookback_alerts": _lookback_counts(home, night),
        "wait_plot": plot.name,
    }


def _lookback_counts(home: Path, night: dt.date) -> dict[str, int]:
    lake = Lake(home)
    path = alerts_path(lake, night)
    if not path.exists():
        return {"alerts": 0, "claims": 0}
    ids = lake.read_table(path, columns=["claim_id"]).column("claim_id").to_pylist()
    return {"alerts": len(ids), "claims": len(set(ids))}


# --- As people read it ------------------------------------------------------------------------


def ledger_lines(ledger: dict[str, Any]) -> list[str]:
    """The ledger in a few lines (``claimscreen runs show``, the night's log)."""
    window, alerts = ledger["window"], ledger["lookback_alerts"]
    first = min(ledger["nights"], default="")
    lines = [
        f"ledger (claims of {first} on, as of {ledger['as_of'][:16]}): {_headline(window)}",
        f"ledger: look-back alerts tonight: {alerts['alerts']:,} on {alerts['claims']:,} paid claims",
    ]
    for title, key in (("language", "by_language"), ("age band", "by_age_band")):
        parts = [f"{group} {_short(f)}" for group, f in ledger[key].items()]
        lines.append(f"ledger by {title}: " + "; ".join(parts))
    return lines


def ledger_markdown(ledger: dict[str, Any]) -> str:
    """The ledger as Markdown, for the night's Prefect artifact."""
    header = "| {} | claims | honest-looking | released within 24 h | held | median wait (h) | p95 wait (h) |"
    rule = "|---|---:|---:|---:|---:|---:|---:|"
    lines = [
        f"## Claimant ledger (as of {ledger['as_of'][:16]} UTC)",
        "",
        f"Look-back alerts tonight: {ledger['lookback_alerts']['alerts']} on "
        f"{ledger['lookback_alerts']['claims']} paid claims. Waiting-time curves per route: "
        f"`runs/{ledger['wait_plot']}`.",
        "",
        header.format("night scored"),
        rule,
    ]
    lines += [_row(n, f) for n, f in ledger["nights"].items()]
    lines.append(_row("all", ledger["window"]))
    for title, key in (("language", "by_language"), ("age band", "by_age_band")):
        lines += ["", header.format(title), rule]
        lines += [_row(group, f) for group, f in ledger[key].items()]
    return "\n".join(lines)


def _headline(f: dict[str, Any]) -> str:
    return (
        f"{_pct(f['released_within_24h_share'])} of {f['honest_looking']:,} honest-looking claims "
        f"released within 24 h; {f['held']:,} held, wait median {_hours(f['held_wait_median_hours'])} "
        f"p95 {_hours(f['held_wait_p95_hours'])}; {f['still_waiting']:,} still waiting"
    )


def _short(f: dict[str, Any]) -> str:
    return (
        f"{_pct(f['released_within_24h_share'])} within 24 h, p95 {_hours(f['held_wait_p95_hours'])} "
        f"({f['claims']:,})"
    )


def _row(label: str, f: dict[str, Any]) -> str:
    return (
        f"| {label} | {f['claims']} | {f['honest_looking']} | {f['released_within_24h']} "
        f"({_pct(f['released_within_24h_share'])}) | {f['held']} | {_hours(f['held_wait_median_hours'])} "
        f"| {_hours(f['held_wait_p95_hours'])} |"
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: pd.Series, q: float) -> float | None:
    return round(float(np.percentile(values.to_numpy(dtype=float), q)), 1) if len(values) else None


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g} h"
