"""Reference lists (docs/reference.md, "Reference lists"): validated, tokenized, one lake file per list.

``claimscreen reference load KIND FILE`` calls :func:`load_reference`. The file
is read as text and checked against :data:`claimscreen.data.schema.REFERENCE_LISTS`.
A whole-file problem (unknown kind, unreadable or empty file, not UTF-8, a
required column absent, not one good row) raises :class:`InputError` and writes
nothing. A bad row is rejected with its reason, never quoting a value, and the
good rows are loaded. Each load *replaces* the list atomically and writes a JSON
sidecar (source name, SHA-256, counts, time) beside it.

The rejected rows' numbers and reasons (never a value) go to a CSV under
``HOME/rejects/`` that the load's message names. A file with a larger share of
rejected rows than ``[reference] max_rejected_share`` (default 5%) is refused
(:class:`InputError`) and the list stays as it was, unless ``force``: a file
that is half wrong is more likely a wrong file than a list with a few typos.

Identifiers are canonicalized exactly as ingest canonicalizes claims, so a list
entry and a claim match on equal columns:

================== ==========================================================
list               lake columns (the match keys first)
================== ==========================================================
deceased           ssn_token, ssn_last4, date_of_death
incarcerated       ssn_token, ssn_last4, last_name, last_name_norm,
                   date_of_birth, admitted_on, released_on (NA while held)
wage_records       ssn_token, ssn_last4, employer_ein, quarter (``2026Q2``),
                   quarter_start, wages
suspicious_actors  kind, match_key, zip5, display, added_on, source
ip_ranges          cidr, category, ip_version, prefix_length
interstate_claims  ssn_token, ssn_last4, state, filed_at (UTC)
congregate_        match_key, zip5, kind, display, added_on
addresses
================== ==========================================================

``suspicious_actors.match_key`` per ``kind``: ``bank_account`` the token of
``"<routing>:<account digits>"`` (claims' ``bank_account_token``), ``email``
the canonical email (``email_canonical``), ``phone`` E.164 (``phone_e164``),
``ip_address`` the canonical address (``ip_address``), ``device_id`` the cleaned
text (``device_id``), ``address`` the normalized street line (``address_norm``)
together with ``zip5``. ``display`` is what the review page may show: the value
itself, except a bank account (routing number and last four digits only).
``congregate_addresses.match_key`` is the same normalized street line (with its
unit when the entry names one; without, it covers every unit of the building).

Dates are ``date32``; ``interstate_claims.filed_at`` is a UTC timestamp, read
in the agency time zone when it has no offset, and a bare date means local
midnight. How long an entry stays relevant is the features' judgement: the
lists keep every row they are given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from claimscreen.data import normalize as nz
from claimscreen.data.errors import InputError
from claimscreen.data.exports import write_csv
from claimscreen.data.lake import Lake
from claimscreen.data.read import RawBatch, file_sha256, read_batch
from claimscreen.data.schema import REFERENCE_LISTS, Column
from claimscreen.data.settings import load_settings
from claimscreen.data.tokenize import last4, load_secret_key, tokenize
from claimscreen.data.validate import Problems

_TS = pa.timestamp("us", tz="UTC")

#: The lake form of each reference list, declared once.
REFERENCE_SCHEMAS: dict[str, pa.Schema] = {
    "deceased": pa.schema(
        [
            pa.field("ssn_token", pa.string(), nullable=False),
            pa.field("ssn_last4", pa.string(), nullable=False),
            pa.field("date_of_death", pa.date32(), nullable=False),
        ]
    ),
    "incarcerated": pa.schema(
        [
            pa.field("ssn_token", pa.string(), nullable=False),
            pa.field("ssn_last4", pa.string(), nullable=False),
            pa.field("last_name", pa.string()),
            pa.field("last_name_norm", pa.string()),
            pa.field("date_of_birth", pa.date32()),
            pa.field("admitted_on", pa.date32(), nullable=False),
            pa.field("released_on", pa.date32()),
        ]
    ),
    "wage_records": pa.schema(
        [
            pa.field("ssn_token", pa.string(), nullable=False),
            pa.field("ssn_last4", pa.string(), nullable=False),
            pa.field("employer_ein", pa.string(), nullable=False),
            pa.field("quarter", pa.string(), nullable=False),
            pa.field("quarter_start", pa.date32(), nullable=False),
            pa.field("wages", pa.float64(), nullable=False),
        ]
    ),
    "suspicious_actors": pa.schema(
        [
            pa.field("kind", pa.string(), nullable=False),
            pa.field("match_key", pa.string(), nullable=False),
            pa.field("zip5", pa.string()),
            pa.field("display", pa.string(), nullable=False),
            pa.field("added_on", pa.date32()),
            pa.field("source", pa.string()),
        ]
    ),
    "ip_ranges": pa.schema(
        [
            pa.field("cidr", pa.string(), nullable=False),
            pa.field("category", pa.string(), nullable=False),
            pa.field("ip_version", pa.int8(), nullable=False),
            pa.field("prefix_length", pa.int16(), nullable=False),
        ]
    ),
    "interstate_claims": pa.schema(
        [
            pa.field("ssn_token", pa.string(), nullable=False),
            pa.field("ssn_last4", pa.string(), nullable=False),
            pa.field("state", pa.string(), nullable=False),
            pa.field("filed_at", _TS, nullable=False),
        ]
    ),
    "congregate_addresses": pa.schema(
        [
            pa.field("match_key", pa.string(), nullable=False),
            pa.field("zip5", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("display", pa.string(), nullable=False),
            pa.field("added_on", pa.date32()),
        ]
    ),
}


@dataclass(frozen=True)
class LoadReport:
    """What one load did: rows read, loaded and rejected (row number and reason, no values)."""

    kind: str
    source: str
    rows_read: int
    rows_loaded: int
    rejected: list[tuple[int, str]] = field(default_factory=list)
    #: The CSV of the rejected rows' numbers and reasons, when one was written.
    rejects_file: Path | None = None
    #: Lines worth an operator's look that did not stop the load (without the ``warning:``).
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line, e.g. ``deceased: 98 of 100 rows loaded from d.csv; 2 rejected (malformed ssn x2)``,
        and ``; rejected rows in PATH`` when they were written to a file."""
        line = f"{self.kind}: {self.rows_loaded:,} of {self.rows_read:,} rows loaded from {self.source}"
        if not self.rejected:
            return line
        line = f"{line}; {len(self.rejected):,} rejected ({self.top_reasons()})"
        return f"{line}; rejected rows in {self.rejects_file}" if self.rejects_file else line

    def top_reasons(self) -> str:
        """The three most frequent reasons with their counts: ``malformed ssn x2, missing ssn x1``."""
        counts = Counter(reason for _, reason in self.rejected).most_common(3)
        return ", ".join(f"{reason} x{count}" for reason, count in counts)


@dataclass(frozen=True)
class _Context:
    """What the row builders need besides the text: the token key and the agency time zone."""

    key: bytes
    timezone: str


Text = dict[str, pd.Series]
Builder = Callable[[Text, Problems, _Context], pd.DataFrame]


# --- public surface -------------------------------------------------------------


def load_reference(home: Path, kind: str, source: Path, force: bool = False) -> LoadReport:
    """Validate ``source`` as reference list ``kind`` and replace that list in the lake.

    Refused (InputError, nothing loaded) when more than ``[reference] max_rejected_share`` of
    its rows are rejected, unless ``force``; the rejected rows are written to a CSV either way.
    """
    home, source = Path(home), Path(source)
    columns = _declared_columns(kind)
    raw = read_text_file(source, columns)
    settings = load_settings(home)
    context = _Context(load_secret_key(home), settings.agency_timezone)
    problems = Problems(raw.frame.index)
    text = declared_text(raw.frame, columns, problems)
    frame = _BUILDERS[kind](text, problems, context)
    report = build_report(kind, source, raw, problems)
    if report.rejected:
        report = replace(report, rejects_file=write_rejects(home, report))
    require_rows(report)
    if not force:
        check_rejected_share(report, settings.reference.max_rejected_share)
    table = to_table(frame[~problems.any()], REFERENCE_SCHEMAS[kind])
    lake = Lake(home)
    # Every load is also kept as a version, so a night re-run later can read the lists it used.
    # The version travels in the file's own metadata, so it always names the content beside it.
    version = table_version(table)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), VERSION_KEY: version.encode()})
    lake.write_table(version_path(lake, kind, version), table)
    lake.write_table(lake.reference_path(kind), table)
    lake.write_json(sidecar_path(lake, kind), _sidecar(report, source) | {"version": version})
    return report


def read_reference(home: Path, kind: str, version: str | None = None) -> pd.DataFrame:
    """The lake form of list ``kind`` (dates as ``datetime64``); empty with its columns if never loaded.

    ``version`` (see :func:`current_version`) reads the list as it was at that load.
    """
    _declared_columns(kind)
    lake = Lake(Path(home))
    path = version_path(lake, kind, version) if version else lake.reference_path(kind)
    table = lake.read_table(path) if path.exists() else REFERENCE_SCHEMAS[kind].empty_table()
    return to_frame(table)


#: Key of the list file's metadata holding its version (see :func:`current_version`).
VERSION_KEY = b"claimscreen.version"


def table_version(table: pa.Table) -> str:
    """A list version's name: the SHA-256 of its content (the same content, the same version)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:16]


def version_path(lake: Lake, kind: str, version: str) -> Path:
    return lake.root / "reference" / "versions" / kind / f"{version}.parquet"


def current_version(home: Path, kind: str) -> str | None:
    """The version of the list as loaded now (None if never loaded).

    A load writes the version into the list file's metadata; reading it there costs the file's
    footer only (hashing the wage records every night took seconds). A list loaded by an
    earlier release has none: its content is hashed, as then.
    """
    lake = Lake(Path(home))
    path = lake.reference_path(kind)
    if not path.exists():
        return None
    recorded = (lake.read_schema(path).metadata or {}).get(VERSION_KEY)
    if recorded is not None and version_path(lake, kind, recorded.decode()).exists():
        return recorded.decode()
    table = lake.read_table(path)
    version = table_version(table)
    if not version_path(lake, kind, version).exists():
        # A list loaded before versions were kept becomes a version when first used.
        lake.write_table(version_path(lake, kind, version), table)
    return version


def sidecar_path(lake: Lake, kind: str) -> Path:
    """Where the JSON description of the last load of ``kind`` lives."""
    return lake.reference_path(kind).with_suffix(".json")


# --- shared with labels -----------------------------------------------------------


def read_text_file(source: Path, columns: Sequence[Column], allow_empty: bool = False) -> RawBatch:
    """Read a list file as text; raise InputError if unreadable or a required column is absent."""
    raw = read_batch(source, allow_empty=allow_empty)
    missing = [c.name for c in columns if c.required and c.name not in raw.frame.columns]
    if missing:
        expected = ", ".join(c.name for c in columns)
        raise InputError(f"{source.name}: missing column(s) {', '.join(missing)}; expected {expected}")
    return raw


def declared_text(frame: pd.DataFrame, columns: Sequence[Column], problems: Problems) -> Text:
    """Each declared column cleaned (NA if absent or blank); flag missing required and unknown values."""
    text: Text = {}
    for column in columns:
        values = frame[column.name] if column.name in frame.columns else None
        cleaned = (
            nz.clean_text(values.astype("str"))
            if values is not None
            else pd.Series(pd.NA, index=frame.index, dtype="str")
        )
        if column.required:
            problems.add(f"missing {column.name}", cleaned.isna())
        if column.allowed is not None:
            cleaned = cleaned.str.lower()
            problems.add(f"unknown {column.name}", cleaned.notna() & ~cleaned.isin(column.allowed))
        text[column.name] = cleaned
    return text


def flag_malformed(name: str, given: pd.Series, parsed: pd.Series, problems: Problems) -> pd.Series:
    """Present in, missing out: the value could not be read."""
    problems.add(f"malformed {name}", given.notna() & parsed.isna())
    return parsed


def make_report(kind: str, source: Path, raw: RawBatch, problems: Problems) -> LoadReport:
    """The load report; raise InputError when not one row is good (the lake is left as it was)."""
    return require_rows(build_report(kind, source, raw, problems))


def build_report(kind: str, source: Path, raw: RawBatch, problems: Problems) -> LoadReport:
    """The load report: rows read and loaded, and each rejected row's number and first reason."""
    reasons = problems.all_reasons()
    bad = problems.any()
    rejected = list(raw.bad_rows)
    rejected += [(int(n), str(r)) for n, r in zip(raw.row_numbers[bad], reasons[bad], strict=True)]
    rejected.sort()
    return LoadReport(kind, source.name, raw.rows_read, int((~bad).sum()), rejected)


def require_rows(report: LoadReport) -> LoadReport:
    """``report``; InputError when not one row of a non-empty file is good."""
    if report.rows_loaded == 0 and report.rows_read > 0:
        raise InputError(f"{report.source}: no valid rows, nothing loaded ({report.summary()})")
    return report


def check_rejected_share(report: LoadReport, most: float) -> None:
    """InputError, naming the rejects file, when more than ``most`` of the rows were rejected."""
    if not report.rows_read or len(report.rejected) / report.rows_read <= most:
        return
    raise InputError(
        f"{report.source}: {len(report.rejected):,} of {report.rows_read:,} rows rejected "
        f"({report.top_reasons()}), more than the {most * 100:g}% allowed by [reference] "
        f"max_rejected_share; the {report.kind} list is unchanged; rejected rows in "
        f"{report.rejects_file}; correct the file, or load it anyway with --force"
    )


def write_rejects(home: Path, report: LoadReport) -> Path:
    """Write the rejected rows (source file, row number, reason) to a new CSV under
    ``HOME/rejects/``, named by the list and the time; return its path."""
    folder = Path(home) / "rejects"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{report.kind}-{stamp}.csv"
    tries = 1
    while path.exists():  # two loads in one second keep both files
        tries += 1
        path = folder / f"{report.kind}-{stamp}-{tries}.csv"
    rows = pa.table(
        {
            "source_file": pa.array([report.source] * len(report.rejected), pa.string()),
            "row_number": pa.array([n for n, _ in report.rejected], pa.int64()),
            "reason": pa.array([r for _, r in report.rejected], pa.string()),
        }
    )
    write_csv(rows, path)
    return path


def to_table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """The frame's columns cast to the declared schema (datetime64 to date32, str to string)."""
    arrays = [pa.array(frame[f.name], from_pandas=True).cast(f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A lake table as a DataFrame, dates as ``datetime64[us]`` like the normalizers give them."""
    frame = table.to_pandas(date_as_object=False)
    for f in table.schema:
        if pa.types.is_date(f.type):
            frame[f.name] = frame[f.name].astype("datetime64[us]")
    return frame


def parse_instant(text: pd.Series, timezone: str) -> pd.Series:
    """A timestamp (agency time if no offset) or a bare date (local midnight), as UTC."""
    instants = nz.parse_timestamp(text, timezone)
    bare = instants.isna() & text.notna()
    if bare.any():
        midnight = nz.parse_date(text[bare]).dt.tz_localize(timezone, nonexistent="shift_forward")
        instants[bare] = midnight.dt.tz_convert("UTC")
    return instants


# --- one builder per list ---------------------------------------------------------------


def _ssn_columns(text: Text, problems: Problems, context: _Context) -> pd.DataFrame:
    digits = flag_malformed("ssn", text["ssn"], nz.ssn_digits(text["ssn"]), problems)
    return pd.DataFrame({"ssn_token": tokenize(digits, context.key, "ssn"), "ssn_last4": last4(digits)})


def _build_deceased(text: Text, problems: Problems, context: _Context) -> pd.DataFrame:
    frame = _ssn_columns(text, problems, context)
    frame["date_of_death"] = flag_malformed(
        "date_of_death", text["date_of_death"], nz.parse_date(text["date_of_death"]), problems
    )
    return frame


def _build_incarcerated(text: Text, problems: Problems, context: _Context) -> pd.DataFrame:
    frame = _ssn_columns(text, problems, context)
    frame["last_name"] = text["last_name"]
    frame["last_name_norm"] = flag_malformed(
        "last_name", text["last_name"], nz.normalize_name(text["last_name"]), problems
    )
    for name in ("date_of_birth", "admitted_on", "released_on"):
        frame[name] = flag_malformed(name, text[name], nz.parse_date(text[name]), problems)
    problems.add("released_on before admitted_on", frame["released_on"] < frame["admitted_on"])
    return frame


def _build_wage_records(text: Text, problems: Problems, context: _Context) -> pd.DataFrame:
    frame = _ssn_columns(text, problems, context)
    frame["employer_ein"] = flag_malformed(
        "employer_ein", text["employer_ein"], nz.ein_digits(text["employer_ein"]), problems
    )
    quarter = text["quarter"].str.upper().str.replace(r"^(\d{4})[- ]?(Q[1-4])$", r"\1\2", regex=True)
    quarter = quarter.where(quarter.str.fullmatch(r"\d{4}Q[1-4]", na=False))
    frame["quarter"] = flag_malformed("quarter", text["quarter"], quarter, problems)
    frame["quarter_start"] = _quarter_start(frame["quarter"])
    frame["wages"] = flag_malformed("wages", text["wages"], nz.parse_number(text["wages"]), problems)
    return frame


def _quarter_start(quarter: pd.Series) -> pd.Series:
    """The first day of ``2026Q2``-style quarters (2026-04-01) as datetime64; NA stays NA."""
    year = pd.to_numeric(quarter.str.slice(0, 4)).astype("Int64")
    month = (pd.to_numeric(quarter.str.slice(5, 6)).astype("Int64") - 1) * 3 + 1
    parts = pd.DataFrame({"year": year, "month": month, "day": 1})
    return pd.to_datetime(parts.astype("float64"), errors="coerce").astype("datetime64[us]")


def _build_suspicious_actors(text: Text, problems: Problems, context: _Context) -> pd.DataFrame:
    kind, value = text["kind"], text["value"]
    frame = pd.DataFrame(
        {"kind": kind, "match_key": pd.Series(pd.NA, index=kind.index, dtype="str")}, index=kind.index
    )
    frame["zip5"] = pd.Series(pd.NA, index=kind.index, dtype="str")
    frame["display"] = frame["match_key"]
    for actor_kind, canonicalize in _ACTOR_KEYS.items():
        rows = kind == actor_kind
        if rows.any():
            keys = canonicalize(value[rows], context)
            for name in keys.columns:
                frame.loc[rows, name] = keys[name]
    known = kind.isin(list(_ACTOR_KEYS))
    problems.add("malformed value", value.notna() & known & frame["match_key"].isna())
    frame["added_on"] = flag_malformed(
        "added_on", text["added_on"], nz.parse_date(text["added_on"]), problems
    )
    frame["source"] = text["source"]
    return frame


def _bank_account_key(values: pd.Series, context: _Context) -> pd.DataFrame:
    """``routing:account``: the token of the canonical pair, displayed as routing and last four digits."""
    parts = values.str.extract(r"^([^:]+):([^:]+)$")
    routing = nz.routing_number(parts[0].astype("str"))
    account = nz.account_number(parts[1].astype("str"))
    pair = (routing + ":" + account).where(routing.notna() & account.notna())
    display = (routing + ":..." + last4(account)).where(pair.notna())
    return pd.DataFrame({"match_key": tokenize(pair, context.key, "bank_account"), "display": display})


def _address_key(values: pd.Series, context: _Context) -> pd.DataFrame:
    """``line1, city, ST zip``: the normalized street line and the ZIP code, like a claim's residence."""
    pattern = r"^(?P<line1>.+),\s*(?P<city>[^,]+?)\s*,?\s+(?P<state>[A-Za-z]{2})\s+(?P<zip>[\d-]+)$"
    parts = values.str.extract(pattern)
    line1 = parts["line1"].astype("str")
    norm = nz.normalize_address(line1, pd.Series(pd.NA, index=values.index, dtype="str"))
    zip5, _ = nz.split_zip(parts["zip"].astype("str"))
    state = nz.normalize_state(parts["state"].astype("str"))
    ok = norm.notna() & zip5.notna() & state.notna()
    return pd.DataFrame({"match_key": norm.where(ok), "zip5": zip5.where(ok), "display": values.where(ok)})


def _plain_key(
    canonicalize: Callable[[pd.Series], pd.Series],
) -> Callable[[pd.Series, _Context], pd.DataFrame]:
    def key(values: pd.Series, context: _Context) -> pd.DataFrame:
        canonical = canonicalize(values)
        return pd.DataFrame({"match_key": canonical, "display": canonical})

    return key


_ACTOR_KEYS: dict[str, Callable[[pd.Series, _Context], pd.DataFrame]] = {
    "bank_account": _bank_account_key,
    "email": _plain_key(nz.canonical_email),
    "phone": _plain_key(nz.phone_e164),
    "ip_address": _plain_key(nz.normalize_ip),
    "device_id": _plain_key(nz.clean_text),
    "address": _address_key,
}


def _build_ip_ranges(text: Text, problems: Problems, context: _Context) -> pd.DataFrame:
    networks = _networks(text["cidr"])
    frame = pd.DataFrame(
        {
            "cidr": flag_malformed("cidr", text["cidr"], networks["cidr"], problems),
            "category": text["category"],
            "ip_version": networks["ip_version"],
            "prefix_length": networks["prefix_length"],
        }
    )
    return frame


def _networks(values: pd.Series) -> pd.DataFrame:
    """Canonical CIDR text, IP version and prefix length of each distinct value (host bits cleared)."""
    parsed = {v: _network(str(v)) for v in values.dropna().unique()}
    rows = [parsed.get(v) if isinstance(v, str) else None for v in values]
    cidr, version, prefix = ([row[i] if row else None for row in rows] for i in range(3))
    return pd.DataFrame(
        {
            "cidr": pd.Series(cidr, index=values.index, dtype="str"),
            "ip_version": pd.Series(version, index=values.index, dtype="Int8"),
            "prefix_length": pd.Series(prefix, index=values.index, dtype="Int16"),
        }
    )


def _network(text: str) -> tuple[str, int, int] | None:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return str(network), network.version, network.prefixlen


def _build_interstate_claims(text: Text, problems: Problems, context: _Context) -> pd.DataFrame:
    frame = _ssn_columns(text, problems, context)
    frame["state"] = flag_malformed("state", text["state"], nz.normalize_state(text["state"]), problems)
    instants = parse_instant(text["filed_at"], context.timezone)
    frame["filed_at"] = flag_malformed("filed_at", text["filed_at"], instants, problems)
    return frame


def _build_congregate_addresses(text: Text, problems: Problems, context: _Context) -> pd.DataFrame:
    keys = _address_key(text["address"], context)
    problems.add("malformed address", text["address"].notna() & keys["match_key"].isna())
    frame = keys[["match_key", "zip5"]].assign(kind=text["kind"], display=keys["display"])
    frame["added_on"] = flag_malformed(
        "added_on", text["added_on"], nz.parse_date(text["added_on"]), problems
    )
    return frame


_BUILDERS: dict[str, Builder] = {
    "deceased": _build_deceased,
    "incarcerated": _build_incarcerated,
    "wage_records": _build_wage_records,
    "suspicious_actors": _build_suspicious_actors,
    "ip_ranges": _build_ip_ranges,
    "interstate_claims": _build_interstate_claims,
    "congregate_addresses": _build_congregate_addresses,
}


# --- helpers ---------------------------------------------------------------------------


def _declared_columns(kind: str) -> tuple[Column, ...]:
    if kind not in REFERENCE_LISTS:
        raise InputError(f"unknown reference list {kind!r}; expected one of {', '.join(REFERENCE_LISTS)}")
    return REFERENCE_LISTS[kind].columns


def _sidecar(report: LoadReport, source: Path) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "source_file": source.name,
        "source_sha256": file_sha256(source),
        "rows_read": report.rows_read,
        "rows_loaded": report.rows_loaded,
        "rows_rejected": len(report.rejected),
        "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "schema": [f.name for f in REFERENCE_SCHEMAS[report.kind]],
    }


__all__ = [
    "REFERENCE_SCHEMAS",
    "LoadReport",
    "current_version",
    "declared_text",
    "flag_malformed",
    "load_reference",
    "make_report",
    "parse_instant",
    "read_reference",
    "read_text_file",
    "to_frame",
    "to_table",
    "write_rejects",
]
