"""The features stage: one features partition per night, as of that night.

:func:`build_features` is pure: from the window of claims (the night and the
``history_days`` before it), the reference lists, the dispositions known that
night and the identity and ring ids given on earlier nights, it returns one row
per claim of the night with ``identity_id``, ``ring_id``, ``ring_size`` and every
registered feature. :func:`run_features` is its I/O shell: it reads those inputs
from the lake and writes ``features/batch_date=D/features.parquet`` atomically.

Point in time: the window ends at the night (later batches are never read),
dispositions count only if decided by the end of the night, and ids given on
earlier nights keep identities and rings stable. Re-running a night gives the
same partition, whatever nights were ingested and whatever lists were loaded
after it: the night records the reference-list versions it used
(``features/batch_date=D/inputs.json``) and a re-run reads those, and
dispositions come from the full decision history, taken as they stood at
the end of the night (a decision reversed later does not change it).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.errors import InputError
from claimscreen.data.labels import decisions_as_of, read_decisions
from claimscreen.data.lake import Lake
from claimscreen.data.reference import current_version, read_reference
from claimscreen.data.schema import REFERENCE_LISTS
from claimscreen.data.settings import Settings, load_settings
from claimscreen.data.ssn import SSN_FLAG_COLUMNS
from claimscreen.data.timing import lap, since
from claimscreen.features import browser, codes, contact, device, identity_signals, network, scope, sharing
from claimscreen.features.catalog import Feature, check_unique
from claimscreen.features.identity import (
    CONTACT_COLUMNS,
    REQUIRED_COLUMNS,
    KnownIds,
    lookup_known_ids,
    resolve_identities,
)

#: Every feature models train on, in one list (names unique across groups).
ALL_FEATURES: tuple[Feature, ...] = check_unique(
    identity_signals.FEATURES
    + contact.FEATURES
    + device.FEATURES
    + browser.FEATURES
    + network.FEATURES
    + sharing.FEATURES
)
KEY_COLUMNS: tuple[str, ...] = ("claim_id", "batch_date", "identity_id", "ring_id")

#: Hard evidence on a claim by itself; a ring's share of members with one is ``ring_red_flag_share``.
#: (``interstate_claim`` is an overlapping claim in another state, not one a mover left behind.)
RED_FLAG_FEATURES: tuple[str, ...] = (
    "deceased_before_filing",
    "incarcerated_at_filing",
    "suspicious_actor_match",
    "ssn_structurally_invalid",
    "interstate_claim",
)

#: The claims-lake columns the feature groups read: the window loads only these.
WINDOW_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            "claim_id", "batch_date", "filed_at", "program", "channel", "user_agent", "session_seconds",
            *identity_signals.WINDOW_COLUMNS, *SSN_FLAG_COLUMNS,
            *REQUIRED_COLUMNS, *CONTACT_COLUMNS,
            "bank_account_token", "device_id", "ip_address", "email_canonical", "phone_e164",
            "address_norm", "zip5", "mailing_address_norm", "mailing_zip5", *contact.WINDOW_COLUMNS,
        )
    )
)  # fmt: skip


#: Columns only tonight's claims are read for (the session, channel, program and employer
#: features, the home state of the interstate signals, the SSN's structure flags: an earlier
#: claim's flags reach the rings as its own night's features recorded them).
TONIGHT_ONLY_COLUMNS: tuple[str, ...] = (
    "program",
    "channel",
    "user_agent",
    "session_seconds",
    "employer_ein",
    "phone_non_geographic",
    "mailing_abroad",
    "state",
    *SSN_FLAG_COLUMNS,
)

#: The later steps read the part of the window tonight reaches when it is at most this share of
#: the window: copying most of the window costs more than reading it whole (the result is the same).
NARROW_AT_MOST = 0.5

_KNOWN_IDENTITY = "known identity_id"  # the encoding job of the ids given on earlier nights

#: Identifier columns coded once per window and shared by identity, rings, device and IP categories.
SHARED_COLUMNS: tuple[str, ...] = (
    "ssn_token", "email_canonical", "phone_e164", "address_norm", "zip5", "bank_account_token",
    "ssn_last4", "device_id", "ip_address", "mailing_address_norm", "mailing_zip5",
)  # fmt: skip


@dataclass(frozen=True)
class FeaturesResult:
    """What one run of the features stage wrote."""

    batch_date: str
    claims: int
    in_rings: int
    rings: int
    identities: int
    window_claims: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def window_start(night: dt.date, history_days: int) -> dt.date:
    """The first night of the window that ends at ``night`` (inclusive)."""
    return night - dt.timedelta(days=history_days - 1)


def end_of_night_utc(night: dt.date, timezone: str) -> pd.Timestamp:
    """The instant the night ends in the agency's time zone, in UTC."""
    local = dt.datetime.combine(night + dt.timedelta(days=1), dt.time(0), tzinfo=ZoneInfo(timezone))
    return pd.Timestamp(local).tz_convert("UTC")


def build_features(
    window: pd.DataFrame,
    night: dt.date,
    references: dict[str, pd.DataFrame],
    decisions: pd.DataFrame,
    known: pd.DataFrame,
    settings: Settings,
    timings: dict[str, float] | None = None,
    ring_members: list[pd.DataFrame] | None = None,
    narrow: bool = True,
) -> pd.DataFrame:
    """One row per claim of ``night``: keys, identity, ring and every feature of :data:`ALL_FEATURES`.

    ``decisions`` is the decision history (several per claim when revised); the night
    counts those made before it ended. The steps run in order (each a function below):
    encode the shared columns, resolve identities, the device features; then, on the rows
    tonight reaches (:mod:`~claimscreen.features.scope`; the whole window with ``narrow``
    False, the same result), the identity signals and the sharing features, the rings, the
    contact and browser features, and the rows of the night; each step's seconds go to
    ``timings``.
    Memory: each step lets go of what no later step reads (the known ids before identity
    resolution, the stage's peak; each coded column after its last reader).
    ``ring_members``: a list that receives the window's members of tonight's rings
    (:func:`claimscreen.features.network.find_rings`).
    """
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    window = window.reset_index(drop=True)
    tonight = (window["batch_date"] == night).to_numpy(dtype=bool)
    earlier = _from_earlier_nights(window, known, tonight)
    del known  # the earlier nights' ids are let go before identity resolution
    encoded = earlier.encoded
    clock = lap(timings, "encode", clock)
    identity, identity_names = resolve_identities(window, encoded=encoded, known_ids=earlier.known_ids)
    earlier.known_ids = None
    encoded.pop("ssn_last4", None)  # each column is let go once no later step reads it
    lap(timings, "identity", clock)
    devices, reach = _devices_and_reach(
        window, night, references, settings, encoded, identity, tonight, earlier, narrow, timings
    )
    if reach is not None and reach.rows.mean() <= NARROW_AT_MOST:
        clock = time.perf_counter()
        window, tonight, identity = _narrowed(window, tonight, identity, encoded, earlier, reach)
        lap(timings, "narrow", clock)
    signals, shares = _signals_and_sharing(window, night, references, settings, encoded, identity, timings)
    encoded.pop("ssn_token", None)
    shared = network.SharedCodes(encoded, identity, identity_names)
    rings = _find_rings(
        window,
        night,
        references,
        decisions,
        settings,
        signals,
        earlier,
        shared,
        tonight,
        timings,
        ring_members,
    )
    encoded.clear()
    clock = time.perf_counter()
    contacts = _tonight_features(window, tonight, contact.compute_contact_features, contact.WINDOW_COLUMNS)
    browsers = _tonight_features(window, tonight, browser.compute_browser_features, ("user_agent", "channel"))
    lap(timings, "contact_browser", clock)
    groups = [signals, devices, contacts, browsers, shares]
    return _night_rows(window, tonight, identity, identity_names, rings, groups)


def _devices_and_reach(
    window: pd.DataFrame,
    night: dt.date,
    references: dict[str, pd.DataFrame],
    settings: Settings,
    encoded: dict[str, codes.Encoded],
    identity: np.ndarray,
    tonight: np.ndarray,
    earlier: _Earlier,
    narrow: bool,
    timings: dict[str, float],
) -> tuple[pd.DataFrame, scope.Reach | None]:
    """The device features (whole window) on a second thread while the part of the window
    tonight reaches is found (None without ``narrow``): both read ``encoded`` and change nothing."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="device") as pool:
        pending = pool.submit(
            _device_features, window, night, references, settings, encoded, identity, timings
        )
        reach = None
        if narrow:
            clock = time.perf_counter()
            rules = network.RingRules.from_settings(settings.rings)
            risky = _RiskyIps(references.get("ip_ranges"), rules.risky_ip_categories)
            reach = scope.tonight_reach(
                encoded,
                identity,
                tonight,
                earlier.ring_codes,
                rules,
                risky,
                window["claim_id"],
                earlier.ring_ids,
            )
            lap(timings, "reach", clock)
        devices = pending.result()
    lap(timings, "device_and_reach", started)
    return devices, reach


def _narrowed(
    window: pd.DataFrame,
    tonight: np.ndarray,
    identity: np.ndarray,
    encoded: dict[str, codes.Encoded],
    earlier: _Earlier,
    reach: scope.Reach,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The window's rows ``reach`` found (:func:`~claimscreen.features.scope.tonight_reach`): the
    window, tonight's mask and the identity codes returned; ``encoded`` and ``earlier``'s per-row
    columns narrowed in place."""
    keep = reach.rows
    for column in list(encoded):
        encoded[column] = scope.narrow_encoded(encoded[column], keep, reach.unlinked.get(column))
    earlier.red_flags = earlier.red_flags[keep].reset_index(drop=True)
    earlier.ring_codes = earlier.ring_ids = None
    rows = np.flatnonzero(keep)
    with ThreadPoolExecutor(max_workers=2) as pool:  # Arrow's take lets go of the GIL
        columns = dict(
            zip(window.columns, pool.map(lambda c: window[c].take(rows), window.columns), strict=True)
        )
    narrowed = pd.DataFrame(columns).reset_index(drop=True)
    return narrowed, tonight[keep], identity[keep]


@dataclass
class _Earlier:
    """What the features take from earlier nights, and the window's coded columns."""

    encoded: dict[str, codes.Encoded]
    known_ids: KnownIds | None
    known_rings: pd.DataFrame
    red_flags: pd.Series
    #: Per window row, a code of the ring id an earlier night gave it (-1: none).
    ring_codes: np.ndarray | None = None
    #: The ring id of each code of ``ring_codes``.
    ring_ids: list[str] | None = None


def _from_earlier_nights(window: pd.DataFrame, known: pd.DataFrame, tonight: np.ndarray) -> _Earlier:
    """Code the window's shared columns and take what later steps need of the ids given on
    earlier nights (``known``: ten million rows, the longest job, let go after this step)."""
    known_position = codes.known_positions(window["claim_id"], known["claim_id"])
    # The longest jobs first: the ten million known ids, then the window's columns.
    jobs: dict[str, Callable[[], codes.Encoded]] = {
        _KNOWN_IDENTITY: partial(codes.encode_column, known["identity_id"])
    }
    jobs.update(
        (c, partial(codes.encode_column, window[c]))
        for c in SHARED_COLUMNS
        if c != "ssn_token" and c in window.columns
    )
    # SSNs are looked up only among new claims' (identity) and tonight's (signals).
    jobs["ssn_token"] = partial(
        codes.encode_among, window["ssn_token"], unresolved(known, known_position) | tonight
    )
    encoded = codes.run_encodings(jobs)
    del jobs  # they hold the columns they read (the known ids would outlive ``known``)
    known_identity = encoded.pop(_KNOWN_IDENTITY)
    known_ids = lookup_known_ids(
        window, known[["claim_id", "identity_id"]], known_position, encoded=known_identity
    )
    del known_identity
    known_rings = known[["claim_id", "ring_id"]].dropna()
    has_ring = known["ring_id"].notna().to_numpy(dtype=bool)
    ring_codes = np.full(len(known), -1, dtype=np.int64)
    ring_codes[has_ring], ring_ids = pd.factorize(known["ring_id"][has_ring])
    return _Earlier(
        encoded,
        known_ids,
        known_rings,
        red_flags_of(window, known, None, known_position),
        codes.lookup(ring_codes, known_position),
        [str(ring_id) for ring_id in ring_ids],
    )


def _find_rings(
    window: pd.DataFrame,
    night: dt.date,
    references: dict[str, pd.DataFrame],
    decisions: pd.DataFrame,
    settings: Settings,
    signals: pd.DataFrame,
    earlier: _Earlier,
    shared: network.SharedCodes,
    tonight: np.ndarray,
    timings: dict[str, float],
    ring_members: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The window's rings (``network.find_rings``): its inputs (the IP categories, each claim's
    hard evidence, the claims decided fraud by the end of the night), then the rings."""
    clock = time.perf_counter()
    decided = decisions_as_of(decisions, end_of_night_utc(night, settings.agency_timezone))
    fraud_ids = decided.loc[decided["outcome"] == "fraud", "claim_id"]
    categories = device.categorize_ips(
        window["ip_address"], references.get("ip_ranges"), earlier.encoded.get("ip_address")
    )
    red_flags = red_flags_of(window, None, signals, start=earlier.red_flags)
    clock = lap(timings, "ring_inputs", clock)
    rings = network.find_rings(
        window,
        earlier.known_rings,
        categories,
        fraud_claim_ids=fraud_ids,
        red_flags=red_flags,
        rules=network.RingRules.from_settings(settings.rings),
        shared=shared,
        report=tonight,
        congregate=references.get("congregate_addresses"),
        ring_members=ring_members,
    )
    lap(timings, "network", clock)
    return rings


def _signals_and_sharing(
    window: pd.DataFrame,
    night: dt.date,
    references: dict[str, pd.DataFrame],
    settings: Settings,
    encoded: dict[str, codes.Encoded],
    identity: np.ndarray,
    timings: dict[str, float],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The identity signals and the sharing features of tonight's claims, side by side: the
    signals on a second thread (NumPy, pandas and Arrow let go of the GIL in their loops), the
    sharing features here. Neither reads the other's result nor changes ``encoded`` (the sharing
    features code what they lack in a copy of it). Each one's seconds go to ``timings``, and the
    pair's wall time to ``signals_and_sharing``."""
    started = time.perf_counter()

    def signals_timed() -> pd.DataFrame:
        clock = time.perf_counter()
        found = identity_signals.compute_identity_signals(
            window,
            night,
            references,
            timezone=settings.agency_timezone,
            encoded=encoded,
            interstate=settings.interstate,
        )
        lap(timings, "identity_signals", clock)
        return found

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="identity-signals") as pool:
        pending = pool.submit(signals_timed)
        clock = time.perf_counter()
        try:
            shares = sharing.compute_sharing_features(
                window,
                night,
                identity=identity,
                encoded=encoded,
                congregate=references.get("congregate_addresses"),
            )
        finally:
            lap(timings, "sharing", clock)
            signals = pending.result()  # waits, and raises the signals' error if they failed
    lap(timings, "signals_and_sharing", started)
    return signals, shares


class _RiskyIps:
    """Per IP address (text): is its ip_ranges category one of ``categories``."""

    def __init__(self, ip_ranges: pd.DataFrame | None, categories: tuple[str, ...]) -> None:
        self.ranges, self.categories = device.IpRanges(ip_ranges), list(categories)

    def __call__(self, addresses: pa.Array) -> np.ndarray:
        found = self.ranges.categories(pd.Index(addresses.to_pandas(), dtype="str"))
        return pd.Series(found, dtype=object).isin(self.categories).to_numpy(dtype=bool)


def _device_features(
    window: pd.DataFrame,
    night: dt.date,
    references: dict[str, pd.DataFrame],
    settings: Settings,
    encoded: dict[str, codes.Encoded],
    identity: np.ndarray,
    timings: dict[str, float],
) -> pd.DataFrame:
    """The device and velocity features of tonight's claims, over the whole window: they count
    claims by IP network (a /24) too, which reaches far beyond :mod:`~claimscreen.features.scope`'s
    rows. ``encoded`` is read, not changed."""
    clock = time.perf_counter()
    devices = device.compute_device_features(
        window,
        night,
        references.get("ip_ranges"),
        timezone=settings.agency_timezone,
        encoded={c: encoded[c] for c in ("device_id", "ip_address") if c in encoded},
        identity=identity,
    )
    lap(timings, "device", clock)
    return devices


def _night_rows(
    window: pd.DataFrame,
    tonight: np.ndarray,
    identity: np.ndarray,
    identity_names: pa.Array,
    rings: pd.DataFrame,
    groups: list[pd.DataFrame],
) -> pd.DataFrame:
    """The night's rows: claim_id, batch_date, identity_id and the ring's columns, then each
    group's features (indexed by claim_id), in :data:`KEY_COLUMNS` and :data:`ALL_FEATURES` order."""
    keys = codes.select_rows(window[["claim_id", "batch_date"]], tonight).set_index("claim_id")
    # Only tonight's identity ids are written out as text.
    keys["identity_id"] = pd.array(identity_names.take(pa.array(identity[tonight])), dtype="str")
    ring_columns = ["ring_id", *(f.name for f in network.FEATURES)]
    out = keys.join(rings[ring_columns].set_axis(keys.index))
    for group in groups:
        out = out.join(group)
    out = out.reset_index()
    return out[[*KEY_COLUMNS, *(f.name for f in ALL_FEATURES)]]


def _tonight_features(
    window: pd.DataFrame,
    tonight: np.ndarray,
    compute: Callable[[pd.DataFrame], pd.DataFrame],
    columns: tuple[str, ...],
) -> pd.DataFrame:
    """``compute`` of tonight's rows, given claim_id and those of ``columns`` the window holds."""
    present = ["claim_id", *(c for c in columns if c in window.columns)]
    return compute(codes.select_rows(window[present], tonight))


def unresolved(known: pd.DataFrame, known_position: np.ndarray) -> np.ndarray:
    """The claims without an identity from an earlier night (not in ``known``, or without an id there)."""
    if not len(known):
        return np.ones(len(known_position), dtype=bool)
    has_id = known["identity_id"].notna().to_numpy(dtype=bool)
    return ~codes.lookup(has_id, known_position, False)


def red_flags_of(
    window: pd.DataFrame,
    known: pd.DataFrame | None,
    signals: pd.DataFrame | None,
    known_position: np.ndarray | None = None,
    start: pd.Series | None = None,
) -> pd.Series:
    """Whether each window claim carries hard evidence: tonight's from ``signals``, earlier
    claims' as their own night's features recorded them (a claim never seen there has none).

    The lookups are hash joins in Arrow: the window holds millions of claim ids.
    ``known_position`` (each claim's row in ``known``, -1 if none) spares the first one.
    Either source may be None: ``start`` then holds the flags already taken from the other.
    """
    ids = pa.array(window["claim_id"].array)
    flags = np.zeros(len(window), dtype=bool) if start is None else start.to_numpy(dtype=bool, copy=True)
    sources = []
    if known is not None:
        sources.append((known_position, known["claim_id"], known.get("red_flag")))
    if signals is not None:
        sources.append((None, pd.Series(signals.index), signals[list(RED_FLAG_FEATURES)].any(axis=1)))
    for positions, claim_ids, values in sources:
        if values is None or not len(claim_ids):
            continue
        if positions is not None:
            at = positions
        else:
            found = pc.index_in(ids, value_set=pa.array(claim_ids.astype("str").array))
            at = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
        hit = at >= 0
        flags[hit] = np.asarray(values, dtype=bool)[at[hit]]
    return pd.Series(flags, index=window.index)


def load_known_ids(lake: Lake, first: dt.date, night: dt.date) -> pd.DataFrame:
    """claim_id, identity_id, ring_id and red_flag as given on the nights of the window before ``night``."""
    frames = []
    day = first
    columns = ["claim_id", "identity_id", "ring_id", *RED_FLAG_FEATURES]
    while day < night:
        path = lake.features_path(day)
        if path.exists():
            part = lake.read_table(path, columns=columns, large_text=True).to_pandas()
            part["red_flag"] = part[list(RED_FLAG_FEATURES)].any(axis=1)
            frames.append(part.drop(columns=list(RED_FLAG_FEATURES)))
        day += dt.timedelta(days=1)
    if not frames:
        empty = pd.DataFrame({"claim_id": [], "identity_id": [], "ring_id": []}, dtype="str")
        return empty.assign(red_flag=pd.Series([], dtype=bool))
    return pd.concat(frames, ignore_index=True)


def pinned_versions(lake: Lake, night: dt.date, home: Path) -> dict[str, str | None]:
    """The reference-list versions the night uses: those it used when it first ran, so a
    re-run reads the same lists; the current ones on a first run (recorded for next time)."""
    pins = lake.partition("features", night) / "inputs.json"
    if pins.exists():
        recorded: dict[str, str | None] = json.loads(pins.read_text(encoding="utf-8"))["reference_versions"]
        return recorded
    versions = {kind: current_version(home, kind) for kind in REFERENCE_LISTS}
    lake.write_json(pins, {"reference_versions": versions})
    return versions


def load_references(home: Path, versions: dict[str, str | None] | None = None) -> dict[str, pd.DataFrame]:
    """Every reference list (at the given versions; an empty frame for a list never loaded)."""
    versions = versions or {}
    return {kind: read_reference(home, kind, versions.get(kind)) for kind in REFERENCE_LISTS}


RING_MEMBERS_SCHEMA = pa.schema([pa.field("claim_id", pa.string()), pa.field("ring_id", pa.string())])


def _members_table(members: list[pd.DataFrame]) -> pa.Table:
    """The night's ring members (one frame from find_rings, or none) as a table, sorted."""
    if not members:
        return RING_MEMBERS_SCHEMA.empty_table()
    frame = pd.concat(members).sort_values(["ring_id", "claim_id"])
    return pa.Table.from_pandas(frame, schema=RING_MEMBERS_SCHEMA, preserve_index=False)


def run_features(
    home: Path, night: dt.date, settings: Settings | None = None, lake: Lake | None = None
) -> FeaturesResult:
    """Compute and write the features partition of ``night``; the night must be ingested.
    ``settings`` and ``lake`` are the night's (:class:`~claimscreen.data.context.NightContext`),
    read and opened here when not given."""
    started = time.perf_counter()
    home = Path(home)
    settings = settings or load_settings(home)
    lake = lake or Lake(home)
    if not lake.manifests(night):
        raise InputError(f"night {night} has no ingested batch; run the nightly flow on its file first")
    first = window_start(night, settings.history_days)
    window = read_window(lake, first, night)
    # Claims ingested before a release stored SSN structure have no flags: none raised.
    window[list(SSN_FLAG_COLUMNS)] = window[list(SSN_FLAG_COLUMNS)].fillna(False).astype(bool)
    timings: dict[str, float] = {"read": since(started)}
    members: list[pd.DataFrame] = []
    frame = build_features(
        window,
        night,
        load_references(home, pinned_versions(lake, night, home)),
        read_decisions(home),
        load_known_ids(lake, first, night),
        settings,
        timings,
        members,
    )
    clock = time.perf_counter()
    lake.write_table(lake.ring_members_path(night), _members_table(members))
    lake.write_table(lake.features_path(night), pa.Table.from_pandas(frame, preserve_index=False))
    timings["write"] = since(clock)
    return FeaturesResult(
        batch_date=night.isoformat(),
        claims=len(frame),
        in_rings=int(frame["ring_id"].notna().sum()),
        rings=int(frame["ring_id"].nunique()),
        identities=int(frame["identity_id"].nunique()),
        window_claims=len(window),
        seconds=since(started),
        timings=timings,
    )


def read_window(lake: Lake, first: dt.date, night: dt.date) -> pd.DataFrame:
    """The :data:`WINDOW_COLUMNS` of the claims of nights ``first`` to ``night``, as the lake's
    ``read_window`` gives them, except that earlier nights' :data:`TONIGHT_ONLY_COLUMNS` are left
    missing: no feature reads them there, and ten million user agents need not be read."""
    tonight_parts = set(lake.committed_parts("claims", night, night))
    earlier_columns = [c for c in WINDOW_COLUMNS if c not in TONIGHT_ONLY_COLUMNS]
    tables = []
    for part in lake.committed_parts("claims", first, night):
        wanted = WINDOW_COLUMNS if part in tonight_parts else earlier_columns
        tables.append(lake.read_table(part, columns=list(wanted), large_text=True, present=True))
    if not tables:
        return lake.read_window("claims", first, night, columns=list(WINDOW_COLUMNS))
    table = pa.concat_tables(tables, promote_options="default")
    for column in SSN_FLAG_COLUMNS:  # earlier nights' are not read: no flag raised (in Arrow, not
        if column in table.column_names:  # on ten million pandas objects)
            flags = pc.fill_null(table[column].cast(pa.bool_()), False)
            table = table.set_column(table.schema.get_field_index(column), column, flags)
    return table.to_pandas().reindex(columns=list(WINDOW_COLUMNS))


def read_features(home: Path, night: dt.date) -> pd.DataFrame:
    """The features partition of one night (empty if not computed)."""
    lake = Lake(Path(home))
    path = lake.features_path(night)
    if not path.exists():
        return pd.DataFrame(columns=[*KEY_COLUMNS, *(f.name for f in ALL_FEATURES)])
    return lake.read_table(path).to_pandas()


__all__ = [
    "ALL_FEATURES",
    "KEY_COLUMNS",
    "NARROW_AT_MOST",
    "RED_FLAG_FEATURES",
    "SHARED_COLUMNS",
    "TONIGHT_ONLY_COLUMNS",
    "WINDOW_COLUMNS",
    "FeaturesResult",
    "build_features",
    "end_of_night_utc",
    "load_known_ids",
    "load_references",
    "pinned_versions",
    "read_features",
    "read_window",
    "red_flags_of",
    "run_features",
    "unresolved",
    "window_start",
]
