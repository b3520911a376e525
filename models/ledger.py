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
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.lake import Lake, atomic_target
from claimscreen.data.runs import runs_folder
from claimscreen.data.schema import ROUTES
from claimscreen.data.settings import Settings, load_settings
from claimscreen.models.lookback import alerts_path
from claimscreen.models.metrics import age_band
from claimscreen.models.verification import (
    checks_for,
    claims_among,
    decisions_as_of,
    night_run_times,
    outcomes_as_of,
    route_status,
    settle_statuses,
)

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
    home: Path,
    night: dt.date,
    settings: Settings | None = None,
    nights: int = LEDGER_NIGHTS,
    lake: Lake | None = None,
) -> pd.DataFrame:
    """The status ledger of the claims scored on ``night`` and the ``nights - 1`` nights before,
    as of when ``night`` first ran: ``claim_id``, ``route``, ``night``, ``status``,
    ``hours_waited``, ``language`` and ``age_band``, the rows and values that
    :func:`~claimscreen.models.verification.status_ledger` gives (tests/models/test_ledger.py
    compares them).

    Most claims were cleared on their night and never decided: their status is ``cleared``
    since their night ran, and their wait that run time less their filing time, computed
    column-wise from the lake's tables without a Python object per claim. Only the others
    (routed ``verify`` or ``review``, or decided) go through the status rules claim by claim.
    A week of a million claims a night costs seconds, not half a minute."""
    home = Path(home)
    settings = settings or load_settings(home)
    lake = lake or Lake(home)
    runs = night_run_times(lake)
    as_of = runs.get(night)
    if as_of is None:
        as_of = pd.Timestamp.now(tz="UTC")
    moment = pd.Timestamp(as_of).tz_convert("UTC")
    window = {night - dt.timedelta(days=i) for i in range(nights)}
    scored = [n for n, at in sorted(runs.items()) if at <= moment and n in window]
    scored = [n for n in scored if lake.scores_path(n).exists()]
    decided = decisions_as_of(home, moment)
    decided_ids = pa.array(decided.index.astype(str), pa.string())
    parts, others = [], []
    for code, day in enumerate(scored):
        week = _night_claims(lake, day, code)
        # Cleared on its night and never decided: nothing can have changed since the night ran.
        settled = pc.and_(
            pc.equal(week["route"], "clear"), pc.invert(pc.is_in(week["claim_id"], decided_ids))
        )
        settled = pc.fill_null(settled, False)
        parts.append(_cleared_on_their_night(week.filter(settled), runs[day]))
        others.append(week.filter(pc.invert(settled)))
    rest = pa.concat_tables(others) if others else None
    if rest is not None and rest.num_rows:
        outcomes = outcomes_as_of(home, moment)
        parts.append(_one_by_one(rest, [runs[n] for n in scored], outcomes, decided, settings, moment))
    frame = _ledger_columns(pa.concat_tables(parts) if parts else _LEDGER_SCHEMA.empty_table(), scored)
    frame.attrs["as_of"] = as_of
    return frame


_FILED = pa.timestamp("us", tz="UTC")
#: The columns :func:`ledger_frame` builds a night's rows in (``night``: its position in the week).
_LEDGER_SCHEMA = pa.schema(
    [
        ("claim_id", pa.string()),
        ("route", pa.string()),
        ("night", pa.int32()),
        ("status", pa.string()),
        ("hours_waited", pa.float64()),
        ("language", pa.string()),
        ("age_at_filing", pa.float64()),
    ]
)


def _night_claims(lake: Lake, night: dt.date, code: int) -> pa.Table:
    """The night's scored claims (``claim_id, route, reasons``) with their claims' ``filed_at``
    and ``language`` and their features' ``age_at_filing`` (null where the claim or the
    partition is missing, as the status ledger's left joins give), and ``night``: ``code``."""
    scores = lake.read_table(lake.scores_path(night), columns=["claim_id", "route", "reasons"])
    week = pa.table(
        {
            "claim_id": scores["claim_id"].cast(pa.string()),
            "route": scores["route"].cast(pa.string()),
            "reasons": scores["reasons"].cast(pa.string()),
        }
    )
    parts = [  # a part written before a column existed lacks it: read as unknown below
        lake.read_table(p, columns=["claim_id", "filed_at", "language"], present=True)
        for p in lake.committed_parts("claims", night, night)
    ]
    if parts:
        week = _beside(week, pa.concat_tables(parts, promote_options="default"))
    if lake.features_path(night).exists():
        features = lake.read_table(
            lake.features_path(night), columns=["claim_id", "age_at_filing"], present=True
        )
        week = _beside(week, features)
    rows = week.num_rows
    for name, kind in (("filed_at", _FILED), ("language", pa.string()), ("age_at_filing", pa.float64())):
        if name not in week.column_names:
            column = pa.nulls(rows, kind)
        elif name == "filed_at":  # as the status ledger reads it (e.g. from nanoseconds, text)
            filed = pd.to_datetime(week[name].to_pandas(), utc=True).astype("datetime64[us, UTC]")
            column = pa.array(filed, _FILED)
        else:
            column = week[name].cast(kind)
        week = week.drop_columns([name]) if name in week.column_names else week
        week = week.append_column(name, column)
    return week.append_column("night", pa.array(np.full(rows, code, dtype=np.int32)))


def _beside(left: pa.Table, right: pa.Table) -> pa.Table:
    """``left`` with ``right``'s other columns by claim id: side by side when both list the same
    claims in the same order (a night's scores, claims and features do), else a left join."""
    right = right.set_column(0, "claim_id", right["claim_id"].cast(pa.string()))
    if left.num_rows == right.num_rows and left["claim_id"].equals(right["claim_id"]):
        for name in right.column_names[1:]:
            left = left.append_column(name, right[name])
        return left
    return left.join(right, "claim_id", join_type="left outer")


def _cleared_on_their_night(week: pa.Table, ran: pd.Timestamp) -> pa.Table:
    """Claims routed ``clear`` and never decided: ``cleared`` since their night ``ran``, having
    waited from filing until then (the status ledger's hours: rounded to 0.1, never below 0)."""
    filed = pd.to_datetime(week["filed_at"].to_pandas(), utc=True).astype("datetime64[us, UTC]")
    ran = pd.Timestamp(ran).tz_convert("UTC").as_unit("us")
    hours = ((ran - filed).dt.total_seconds() / 3600).clip(lower=0).round(1)
    return pa.table(
        {
            "claim_id": week["claim_id"],
            "route": week["route"],
            "night": week["night"],
            "status": pa.repeat("cleared", week.num_rows),
            "hours_waited": pa.array(hours.to_numpy(dtype=float), pa.float64()),
            "language": week["language"],
            "age_at_filing": week["age_at_filing"],
        },
        schema=_LEDGER_SCHEMA,
    )


def _one_by_one(
    rest: pa.Table,
    ran: list[pd.Timestamp],
    outcomes: pd.DataFrame,
    decided: pd.DataFrame,
    settings: Settings,
    moment: pd.Timestamp,
) -> pa.Table:
    """The other claims' statuses by the status ledger's rules (:func:`route_status` asked
    about fewer claims, then :func:`settle_statuses`); ``ran``: when each night of the week ran,
    by its position."""
    scored = rest.to_pandas()
    night = scored["night"].to_numpy()
    frame = pd.DataFrame(
        {
            "claim_id": scored["claim_id"].astype(str),
            "route": scored["route"].astype(str),
            "checks": _checks(scored["reasons"].where(scored["route"] == "verify")),
            "scored_at": pd.DatetimeIndex(ran, tz="UTC").as_unit("us").take(night),
            "filed_at": pd.to_datetime(scored["filed_at"], utc=True).astype("datetime64[us, UTC]"),
        }
    )
    status, since = _route_statuses(frame, night, outcomes, settings, moment)
    status, _, hours = settle_statuses(frame, status, since, decided, moment)
    return pa.table(
        {
            "claim_id": rest["claim_id"],
            "route": rest["route"],
            "night": rest["night"],
            "status": pa.array(status.astype(str), pa.string()),
            "hours_waited": pa.array(hours.to_numpy(dtype=float), pa.float64()),
            "language": rest["language"],
            "age_at_filing": rest["age_at_filing"],
        },
        schema=_LEDGER_SCHEMA,
    )


def _route_statuses(
    frame: pd.DataFrame, night: np.ndarray, outcomes: pd.DataFrame, settings: Settings, moment: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """The status each route gives and since when (verification's rules), asking them about
    fewer claims: a ``verify`` claim without any answer has its night's status (still
    verifying, or in review once the no-response wait is over: both only from when the night
    ran), so the rules see one such claim a night and the others take its status."""
    verify = (frame["route"] == "verify").to_numpy()
    unanswered = verify & ~claims_among(frame["claim_id"], outcomes["claim_id"])
    alone = np.flatnonzero(unanswered)
    nights, first = np.unique(night[alone], return_index=True)
    asked = ~unanswered
    asked[alone[first]] = True
    rows = frame[asked]
    answers = outcomes[claims_among(outcomes["claim_id"], rows["claim_id"])]
    status = np.empty(len(frame), dtype=object)
    since = np.empty(len(frame), dtype="datetime64[us]")
    status[asked], since[asked] = route_status(rows, answers, settings, moment)
    of_night = np.zeros(int(night.max(initial=0)) + 1, dtype=np.int64)
    of_night[nights] = alone[first]
    status[alone], since[alone] = status[of_night[night[alone]]], since[of_night[night[alone]]]
    return status, since


def _checks(reasons: pd.Series) -> pd.Series:
    """:func:`~claimscreen.models.verification.checks_for` of each reason list (none where
    missing), worked out once per distinct list."""
    codes, distinct = pd.factorize(reasons)
    checks = np.array([checks_for(r) for r in distinct] + [None], dtype=object)
    return pd.Series(checks[codes], index=reasons.index, dtype=object)


def _ledger_columns(rows: pa.Table, nights: list[dt.date]) -> pd.DataFrame:
    """The ledger's rows as pandas: claim ids kept in Arrow, route, status and language as
    categories, ``night`` as the night's date (a category), ``age_band`` from the age (banded
    once per distinct age)."""
    rows = rows.combine_chunks()
    frame = pd.DataFrame(
        {
            "claim_id": rows["claim_id"].to_pandas(
                types_mapper={pa.string(): pd.ArrowDtype(pa.string())}.get
            ),
            "route": rows["route"].dictionary_encode().to_pandas(),
            "night": pd.Categorical.from_codes(
                rows["night"].to_numpy(), categories=pd.Index(nights, dtype=object)
            ),
            "status": rows["status"].dictionary_encode().to_pandas(),
            "hours_waited": rows["hours_waited"].to_numpy(zero_copy_only=False),
            "language": pc.fill_null(rows["language"], "unknown").dictionary_encode().to_pandas(),
        }
    )
    codes, ages = pd.factorize(rows["age_at_filing"].to_numpy(zero_copy_only=False), use_na_sentinel=False)
    bands, names = pd.factorize(age_band(pd.Series(ages)))
    frame["age_band"] = pd.Categorical.from_codes(bands[codes], categories=names)
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
    sizes = sizes[sizes > 0]  # a category without claims is no group
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


def run_ledger(
    home: Path, night: dt.date, settings: Settings | None = None, lake: Lake | None = None
) -> dict[str, Any]:
    """The ledger of ``night`` for its run report: the figures of each of the last
    :data:`LEDGER_NIGHTS` nights' claims, of all of them, by language and by age band, the
    night's look-back alerts; the waiting-time plot written beside the report. ``settings`` and
    ``lake`` are the night's, read and opened here when not given."""
    home = Path(home)
    settings = settings or load_settings(home)
    lake = lake or Lake(home)
    frame = ledger_frame(home, night, settings, lake=lake).drop(columns="claim_id")  # the figures need no ids
    as_of = pd.Timestamp(frame.attrs["as_of"])
    nights = sorted(frame["night"].unique(), reverse=True)
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
        "lookback_alerts": _lookback_counts(lake, night),
        "wait_plot": plot.name,
    }


def _lookback_counts(lake: Lake, night: dt.date) -> dict[str, int]:
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
