"""Publish a night's review queue into the database: ``publish_night(home, night)``.

Reads ``Lake(home).queue_path(night)`` (QUEUE_SCHEMA), and from the lake the
display fields of the queued claims, of their rings' members and of their
identities' other claims, and the identifiers that link ring members. Pages then
read only the database. Each claim is read from the claims parts of its own night (which the
features partitions name), and the night's look-back claims in the same pass, so no part is
decoded twice and a night none of them belongs to is not opened.

Never duplicates: a claim already under review is skipped, and a claim of a ring
that already has an open (not closed) case joins that case.

**Look-back** (issue #20): the night's ``lake/lookback/batch_date=D/alerts.parquet``
(:mod:`claimscreen.models.lookback`, one row per claim and reason) puts each newly implicated
paid claim in the queue as a case of its own marked "paid: possible overpayment"
(``cases.lookback``), with the evidence (its reasons and their sentences) and the night it
arrived (``lookback_alerts.flagged_on``). A claim already in a case (an audit sample) gets the
evidence in that case instead, which is reopened if it was closed. Only the claim and reason
pairs the database lacks are published: publishing a night again changes nothing. A
look-back case ages in the queue from the night its evidence arrived, not from the claim's
filing months ago: the claimant was paid, nobody waits on it, and it does not jump ahead of
the claims that hold someone's first payment.

**Verification** (issue #20): the outcomes imported so far (``claimscreen verify import``) of
the claims under review are copied into ``verification_outcomes`` for the case page.

This module reads the lake; the database writes are :mod:`claimscreen.review.publish_cases`
(the queue) and :mod:`claimscreen.review.publish_alerts` (look-back, verification), whose
public names are importable from here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, insert, text

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.data.settings import Settings, load_settings
from claimscreen.features.build import window_start
from claimscreen.models.lookback import alerts_path
from claimscreen.review.db import (
    audit_events,
    case_claims,
    is_postgres,
    now,
    open_database,
    writing,
)
from claimscreen.review.publish_alerts import LOOKBACK_VERSION, publish_lookback, publish_outcomes
from claimscreen.review.publish_cases import (
    AGE_WEIGHT,
    DISPLAY_COLUMNS,
    FIRST_PAYMENT_DAYS,
    LINK_SOURCES,
    SEARCH_FIELDS,
    case_claim_rows,
    existing_values,
    insert_case_claims,
    insert_claims,
    insert_links,
    insert_new_cases,
    move_to_rings,
    plan_cases,
    refresh_joined,
    ring_link_rows,
    sort_key,
)

_KEYS = ("claim_id", "identity_id", "ring_id")


def publish_night(
    home: Path,
    night: dt.date,
    engine: Engine | None = None,
    settings: Settings | None = None,
    lake: Lake | None = None,
) -> dict[str, int]:
    """Import one night's queue; returns counts (claims added, skipped, cases opened, joined).
    ``settings`` and ``lake`` are the night's (the nightly flow's night context), read and
    opened here when not given."""
    home = Path(home)
    lake = lake or Lake(home)
    history_days = (settings or load_settings(home)).history_days
    path = lake.queue_path(night)
    if not path.exists():
        raise InputError(f"night {night} has no review queue ({path}); run the nightly flow first")
    queue = lake.read_table(path).to_pandas()
    members = _window_keys(lake, night, history_days, queue)
    wanted = _related_claims(queue, members)
    reads = _PartReads(_lookback_claims(lake, night) - wanted)
    shown = _display_rows(lake, night, history_days, wanted, members, reads)
    owned = engine is None  # an engine opened here is closed here, so no connection outlives the call
    engine = engine or open_database(home)
    try:
        with writing(engine) as conn:
            if is_postgres(conn):  # one publish at a time, so two cannot open a ring's case twice
                conn.execute(text("SELECT pg_advisory_xact_lock(7420061)"))
            return _publish(conn, night, queue, shown, lake, reads)
    finally:
        if owned:
            engine.dispose()


def _window_keys(lake: Lake, night: dt.date, history_days: int, queue: pd.DataFrame) -> pd.DataFrame:
    """claim_id, identity_id, ring_id of the claims in the features window ending at ``night``
    that can concern tonight's queue: each row read whose claim is queued, or shares a ring or
    an identity with a queued claim, and every row of those claims (the last one of a claim
    wins, as for the whole window); and ``batch_date``, the night of the features partition the
    row came from, which is the night of the claims part holding the claim. Only those three
    columns are read, and they are filtered in Arrow before anything becomes a DataFrame."""
    first = window_start(night, history_days)
    rings = _strings(queue["ring_id"].dropna())
    identities = _strings(queue["identity_id"])
    tables, nights = [], []
    for offset in range((night - first).days + 1):
        path = lake.features_path(first + dt.timedelta(days=offset))
        if path.exists():
            table = lake.read_table(path, columns=list(_KEYS))
            if table.num_rows:
                tables.append(table.cast(pa.schema([(k, pa.string()) for k in _KEYS])))
                nights.append(first + dt.timedelta(days=offset))
    if not tables:
        return pd.DataFrame(columns=[*_KEYS, "batch_date"], dtype=object)
    keys = pa.concat_tables(tables).append_column("batch_date", _nights_of(nights, tables))
    reached = _ring_members(lake, night, rings)
    touches = pc.or_(
        pc.or_(
            pc.is_in(keys["ring_id"], value_set=rings), pc.is_in(keys["identity_id"], value_set=identities)
        ),
        pc.is_in(keys["claim_id"], value_set=_strings([*queue["claim_id"], *reached.index])),
    )
    candidates = pc.unique(keys["claim_id"].filter(pc.fill_null(touches, False)))
    frame = keys.filter(pc.is_in(keys["claim_id"], value_set=candidates)).to_pandas()
    frame = frame.drop_duplicates("claim_id", keep="last")
    # A ring flagged tonight that reached earlier claims (the night's ring members) holds them
    # now, whatever ring id their own night gave them.
    now = frame["claim_id"].astype(str).map(reached)
    frame["ring_id"] = now.where(now.notna(), frame["ring_id"])
    return frame.astype({"claim_id": str, "identity_id": str})


def _strings(values: Iterable[object]) -> pa.Array:
    """The distinct ``values`` as text, sorted: a value set for ``pc.is_in``."""
    return pa.array(sorted({str(v) for v in values}), type=pa.string())


def _nights_of(nights: list[dt.date], tables: list[pa.Table]) -> pa.Array:
    """A date column: each of ``nights`` once per row of the table beside it in ``tables``."""
    ordinals = np.array([(d - dt.date(1970, 1, 1)).days for d in nights], dtype=np.int32)
    return pa.array(np.repeat(ordinals, [t.num_rows for t in tables])).cast(pa.date32())


def _ring_members(lake: Lake, night: dt.date, rings: pa.Array) -> pd.Series:
    """ring_id by claim_id of the night's ring members in ``rings`` (:meth:`Lake.ring_members`)."""
    table = lake.ring_members(night, rings)
    return pd.Series(
        table["ring_id"].to_pylist(), index=pd.Index(table["claim_id"].to_pylist(), dtype=object)
    )


def _related_claims(queue: pd.DataFrame, members: pd.DataFrame) -> set[str]:
    """The queued claims, their rings' members and their identities' other claims."""
    rings = set(queue["ring_id"].dropna())
    identities = set(queue["identity_id"])
    related = members[members["ring_id"].isin(rings) | members["identity_id"].isin(identities)]
    return set(queue["claim_id"].astype(str)) | set(related["claim_id"])


def _display_rows(
    lake: Lake,
    night: dt.date,
    history_days: int,
    wanted: set[str],
    members: pd.DataFrame,
    reads: _PartReads | None = None,
) -> pd.DataFrame:
    """The lake's display and link columns of the ``wanted`` claims, with their keys from
    ``members`` (:func:`_window_keys`). A claim is looked for in the claims parts of its night
    (``members``' ``batch_date``): tonight's queue in tonight's parts, an earlier claim in its
    own night's, and a night no wanted claim belongs to is not read. Should a claim not be found
    there (or have no night), every part of the window is searched, as before nights were known.
    ``reads`` keeps the parts read (for look-back's claims, :class:`_PartReads`)."""
    lake_columns = sorted(
        {c for c in DISPLAY_COLUMNS if c != "batch_date"} | set(LINK_SOURCES.values()) | {"batch_date"}
    )
    first = window_start(night, history_days)
    reads = reads or _PartReads(set())
    by_night = _wanted_by_night(wanted, members)
    tables = _rows_of_nights(lake, by_night, lake_columns, reads)
    found = {str(c) for t in tables for c in t["claim_id"].to_pylist()}
    if not wanted <= found:  # the rows and their order are those of reading every part
        parts = lake.committed_parts("claims", first, night)
        tables = [t for t in (reads.read(p, wanted, lake_columns) for p in parts) if t is not None]
    if tables:
        window = pa.concat_tables(tables, promote_options="default").to_pandas()
        window = window.reindex(columns=lake_columns)  # a column missing from older parts is NA
    else:
        window = pd.DataFrame(columns=lake_columns)
    window = window.drop_duplicates("claim_id", keep="last")
    shown = window.merge(members[list(_KEYS)], on="claim_id", how="left")
    shown["identity_id"] = shown["identity_id"].fillna("unknown")
    return shown


def _wanted_by_night(wanted: set[str], members: pd.DataFrame) -> dict[dt.date, set[str]]:
    """The ``wanted`` claims by the night ``members`` gives them (those it lacks are left out)."""
    if "batch_date" not in members:
        return {}
    known = members[members["claim_id"].isin(wanted)]
    nights: dict[dt.date, set[str]] = {}
    for claim_id, day in zip(known["claim_id"], known["batch_date"], strict=True):
        nights.setdefault(day, set()).add(str(claim_id))
    return nights


def _rows_of_nights(
    lake: Lake, by_night: dict[dt.date, set[str]], columns: list[str], reads: _PartReads
) -> list[pa.Table]:
    """The rows of the claims parts of each night of ``by_night`` whose claim is wanted that night,
    night by night and, within a night, part by part in the order the lake commits them."""
    tables = []
    for day, claim_ids in sorted(by_night.items()):
        for part in lake.committed_parts("claims", day, day):
            if (table := reads.read(part, claim_ids, columns)) is not None:
                tables.append(table)
    return tables


def _wanted_rows(path: Path, wanted: set[str], columns: list[str]) -> pa.Table | None:
    """The rows of one claims part whose claim_id is wanted (None if none): :meth:`Lake.read_rows_of`."""
    return Lake.read_rows_of(path, "claim_id", wanted, columns)


def _lookback_claims(lake: Lake, night: dt.date) -> set[str]:
    """The claims of the night's look-back alerts (none when its look-back did not run)."""
    path = alerts_path(lake, night)
    if not path.exists():
        return set()
    return {str(c) for c in pc.unique(lake.read_table(path, columns=["claim_id"])["claim_id"]).to_pylist()}


class _PartReads:
    """Claims parts read once. Each part read for the queue's claims is searched for ``also``
    (the night's look-back claims, which lie in the same parts) at the same time, and kept:
    look-back then takes its claims from those rows (:meth:`rows`) instead of decoding the
    part's row groups a second time."""

    def __init__(self, also: set[str]) -> None:
        self.also = also
        self._kept: dict[Path, tuple[set[str], list[str], pa.Table | None]] = {}

    def read(self, path: Path, wanted: set[str], columns: list[str]) -> pa.Table | None:
        """The rows of the part ``path`` whose claim is wanted (as :func:`_wanted_rows`)."""
        asked = wanted | self.also
        table = _wanted_rows(path, asked, columns)
        self._kept[path] = (asked, columns, table)
        return _only(table, wanted, columns)

    def rows(self, path: Path, wanted: set[str], columns: list[str]) -> pa.Table | None:
        """:func:`_wanted_rows` of a part, from the rows kept when it was read for all of
        ``wanted`` and ``columns``; read now otherwise."""
        asked, read_columns, table = self._kept.get(path, (set(), [], None))
        if path in self._kept and wanted <= asked and set(columns) <= set(read_columns):
            return _only(table, wanted, columns)
        return _wanted_rows(path, wanted, columns)


def _only(table: pa.Table | None, wanted: set[str], columns: list[str]) -> pa.Table | None:
    """The rows of ``table`` whose claim is wanted, in those of ``columns`` it has (None if none)."""
    if table is None:
        return None
    kept = table.filter(
        pc.is_in(table["claim_id"], value_set=pa.array(sorted(wanted), table["claim_id"].type))
    )
    return kept.select([c for c in columns if c in kept.column_names]) if kept.num_rows else None


def _publish(
    conn: Connection, night: dt.date, queue: pd.DataFrame, shown: pd.DataFrame, lake: Lake, reads: _PartReads
) -> dict[str, int]:
    """Write the night in a fixed number of bulk statements, whatever the number of cases: the
    claims, the cases opened tonight with their summaries, the claims under review, the
    refreshed summaries of the open ring cases that claims joined, their reason rows, the links;
    then the night's look-back alerts and the verification outcomes."""

    stamp = now()
    queued_ids = queue["claim_id"].astype(str).tolist()
    already = existing_values(conn, case_claims.c.claim_id, queued_ids)
    fresh = queue[~queue["claim_id"].isin(already) & queue["claim_id"].isin(set(shown["claim_id"]))]
    missing = int((~queue["claim_id"].isin(set(shown["claim_id"]))).sum())
    added_claims, present = insert_claims(conn, shown)
    moved = move_to_rings(conn, shown, present)
    counts = {"queued": len(queue), "skipped": len(already), "missing_in_lake": missing}
    plan, opened, joined = plan_cases(conn, fresh)
    rows = case_claim_rows(conn, fresh, plan, shown, present)
    earlier = rows["_case_id"].notna()
    new_ids = insert_new_cases(conn, night, rows[~earlier], plan, stamp)
    rows["_case_id"] = rows["_case_id"].fillna(rows["_open_key"].map(new_ids)).astype("int64")
    insert_case_claims(conn, rows, stamp)
    joined_rows = rows.loc[earlier]
    grouped = joined_rows.groupby(joined_rows["_case_id"].astype(int))["ring_size"].max()
    tonight_sizes = {int(case_id): size for case_id, size in grouped.items()}  # type: ignore[call-overload]
    refresh_joined(conn, sorted(tonight_sizes), stamp, tonight_sizes)
    links = insert_links(conn, shown[shown["ring_id"].notna()])
    counts |= {
        "published": len(fresh),
        "cases_opened": opened,
        "claims_joined": joined,
        "claims_copied": added_claims,
        "claims_moved_to_rings": moved,
        "ring_links": links,
    }
    counts |= publish_lookback(conn, lake, night, stamp, reads.rows)
    counts["verification_outcomes"] = publish_outcomes(conn, lake.home)
    conn.execute(
        insert(audit_events).values(
            at=stamp, username=None, action="published", after={"night": night.isoformat(), **counts}
        )
    )
    return counts


__all__ = [
    "AGE_WEIGHT",
    "DISPLAY_COLUMNS",
    "FIRST_PAYMENT_DAYS",
    "LINK_SOURCES",
    "LOOKBACK_VERSION",
    "SEARCH_FIELDS",
    "publish_lookback",
    "publish_night",
    "publish_outcomes",
    "ring_link_rows",
    "sort_key",
]
