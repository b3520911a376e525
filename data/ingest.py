"""Ingest: the first stage of the nightly flow.

``ingest_batch`` reads one batch file, validates and normalizes it against the
declared schema, tokenizes SSNs and bank accounts, and writes three parts and a
manifest into the lake (see :mod:`claimscreen.data.lake`):

* ``raw``: every row as received (unknown extra columns included), with the
  sensitive columns replaced by their token and last four digits;
* ``claims``: the rows that passed, normalized: what features read;
* ``quarantine``: the rows that did not, each with its reason.

Every row read ends in exactly one of ``claims`` and ``quarantine``. A claim_id
seen before (earlier in the same file, or in an earlier batch's claims) is
quarantined as a duplicate. A row quarantined for bad data is *not* counted as
seen: a state fixes it by sending the corrected row in a later batch.

Re-ingesting a file already committed for the same night changes nothing
(idempotent); the same file offered for another night is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen import __version__
from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.data.read import RawBatch, file_sha256, read_batch
from claimscreen.data.schema import (
    CLAIM_COLUMN_NAMES,
    CLAIMS_LAKE_SCHEMA,
    QUARANTINE_SCHEMA,
    REQUIRED_COLUMN_NAMES,
    SENSITIVE_COLUMN_NAMES,
)
from claimscreen.data.settings import Settings, load_settings
from claimscreen.data.ssn import ssn_structure_flags
from claimscreen.data.tokenize import last4, load_secret_key, tokenize
from claimscreen.data.validate import Problems, validate_claims

DUPLICATE_IN_BATCH = "duplicate claim_id within the batch"
DUPLICATE_SEEN = "duplicate claim_id (already received in an earlier batch)"
BAD_ROW = "malformed row"
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did: the night's counts, for the run report and the manifest."""

    batch_date: str
    batch_key: str
    source_file: str
    source_sha256: str
    rows_read: int
    rows_ingested: int
    rows_quarantined: int
    quarantined_by_reason: dict[str, int]
    extra_columns: list[str]
    seconds: float
    ingested_at: str
    claimscreen_version: str = __version__
    already_ingested: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    parts: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        note = " (already ingested; nothing changed)" if self.already_ingested else ""
        return (
            f"{self.source_file} as night {self.batch_date}: {self.rows_read} rows read, "
            f"{self.rows_ingested} ingested, {self.rows_quarantined} quarantined{note}"
        )


def batch_date_for(path: Path, given: str | dt.date | None) -> dt.date:
    """The night a batch belongs to: ``--date``, else the date in the file's name."""
    if isinstance(given, dt.date):
        return given
    text = given
    if text is None:
        match = _DATE_IN_NAME.search(Path(path).name)
        if match is None:
            raise InputError(f"{Path(path).name}: no date in the file name; give --date YYYY-MM-DD")
        text = match.group(1)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"not a date: {text!r} (expected YYYY-MM-DD)") from exc


def ingest_batch(
    home: Path,
    source: Path,
    batch_date: dt.date,
    settings: Settings | None = None,
    force: bool = False,
) -> IngestResult:
    """Ingest one batch file as the claims of ``batch_date``; see the module docstring.

    Runs under the lake's write lock, so concurrent ingests see each other's claims.
    """
    with Lake(Path(home)).lock():
        return _ingest_locked(Path(home), Path(source), batch_date, settings, force)


def _ingest_locked(
    home: Path, source: Path, batch_date: dt.date, settings: Settings | None, force: bool
) -> IngestResult:
    started = time.perf_counter()
    home, source = Path(home), Path(source)
    settings = settings or load_settings(home)
    lake = Lake(home)
    sha = file_sha256(source) if source.is_file() else ""
    committed = lake.manifests()
    existing = _committed_elsewhere(committed, sha, batch_date)
    if existing is not None and not force:
        return existing
    clock = _Clock()
    stamp = _file_stamp(source)
    raw = read_batch(source)
    if _file_stamp(source) != stamp:
        raise InputError(f"{source.name}: the file changed while it was read; run again once it is complete")
    _check_header(source, raw.frame)
    key = load_secret_key(home)
    clock.lap("read")
    # Tokenizing needs only the raw text: it runs beside validation on the second core
    # (the Arrow kernels of validation release the GIL).
    with ThreadPoolExecutor(max_workers=1) as side:
        tokens = side.submit(_tokenize_sensitive, raw.frame, key)
        frame, problems = validate_claims(raw.frame, settings.agency_timezone, batch_date)
        clock.lap("validate")
        _mark_duplicates(frame, problems, _seen_claim_ids(lake, committed, sha))
        clock.lap("duplicates")
        sensitive = tokens.result()
    clock.lap("tokenize (beyond validation)")
    batch_key = sha[:12]
    tables = {
        "raw": _raw_table(raw, sensitive, source, batch_date),
        "claims": _claims_table(frame, problems, raw, sensitive, source, sha, batch_date),
        "quarantine": _quarantine_table(frame, problems, raw, source, sha, batch_date),
    }
    clock.lap("tables")
    parts = {zone: lake.batch_part(zone, batch_date, batch_key) for zone in tables}
    _remove_unfinished_writes(lake, batch_date)
    # Parquet encoding releases the GIL: the three parts are written side by side.
    with ThreadPoolExecutor(max_workers=len(tables)) as pool:
        list(pool.map(lambda zone: lake.write_table(parts[zone], tables[zone]), tables))
    claims, quarantine = tables["claims"], tables["quarantine"]
    clock.lap("write")
    reasons = pd.Series(quarantine.column("reason").to_pylist(), dtype="str").value_counts()
    result = IngestResult(
        batch_date=batch_date.isoformat(),
        batch_key=batch_key,
        source_file=source.name,
        source_sha256=sha,
        rows_read=raw.rows_read,
        rows_ingested=claims.num_rows,
        rows_quarantined=quarantine.num_rows,
        quarantined_by_reason={str(k): int(v) for k, v in reasons.sort_index().items()},
        extra_columns=sorted(set(raw.frame.columns) - set(CLAIM_COLUMN_NAMES)),
        seconds=round(time.perf_counter() - started, 3),
        timings=clock.laps,
        ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        parts={zone: str(path.relative_to(lake.root)) for zone, path in parts.items()},
    )
    # The manifest is the commit: written last, after every part is in place.
    lake.write_json(lake.batch_part("manifests", batch_date, batch_key), result.to_dict())
    return result


def _remove_unfinished_writes(lake: Lake, batch_date: dt.date) -> None:
    """Delete the temporary files a killed ingest of this night left half-written.

    Only ingest writes these zones, and it holds the lake's lock: no other write is
    under way in them.
    """
    for zone in ("raw", "claims", "quarantine", "manifests"):
        for leftover in lake.partition(zone, batch_date).glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


def _file_stamp(path: Path) -> tuple[int, int]:
    """Size and modification time: a file still being copied in changes them."""
    status = path.stat()
    return status.st_size, status.st_mtime_ns


class _Clock:
    """Seconds spent in each step of an ingest, for the manifest and the run report."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _committed_elsewhere(
    committed: list[dict[str, Any]], sha: str, batch_date: dt.date
) -> IngestResult | None:
    """The earlier ingest of the same file, if any; refuse it for a different night."""
    for manifest in committed:
        if manifest["source_sha256"] != sha:
            continue
        if manifest["batch_date"] != batch_date.isoformat():
            raise InputError(
                f"{manifest['source_file']} was already ingested as the batch of {manifest['batch_date']}"
            )
        return IngestResult(**{**manifest, "already_ingested": True})
    return None


def _check_header(source: Path, frame: pd.DataFrame) -> None:
    missing = [name for name in REQUIRED_COLUMN_NAMES if name not in frame.columns]
    if missing:
        raise InputError(f"{source.name}: missing required column(s): {', '.join(missing)}")


def _seen_claim_ids(lake: Lake, committed: list[dict[str, Any]], sha: str) -> pa.Array:
    """claim_ids already in the claims of other committed batches."""
    seen: list[pa.Array] = []
    for manifest in committed:
        if manifest["source_sha256"] == sha:
            continue
        night = dt.date.fromisoformat(manifest["batch_date"])
        path = lake.batch_part("claims", night, manifest["batch_key"])
        if path.exists():
            seen.extend(lake.read_table(path, columns=["claim_id"]).column("claim_id").chunks)
    return pa.concat_arrays(seen) if seen else pa.array([], pa.string())


def _mark_duplicates(frame: pd.DataFrame, problems: Problems, seen: pa.Array) -> None:
    ids = frame["claim_id"]
    problems.add(DUPLICATE_IN_BATCH, ids.notna() & ids.duplicated(keep="first"))
    if len(seen):
        ids_arrow = pa.array(ids.to_numpy(dtype=object), pa.string(), from_pandas=True)
        problems.add(
            DUPLICATE_SEEN,
            pc.fill_null(pc.is_in(ids_arrow, value_set=seen), False).to_numpy(zero_copy_only=False),
        )


def _tokenize_sensitive(raw: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Tokens and last four digits of every row's SSN and bank account, valid or not.

    A token is computed from the value's digits, so for a valid row it equals the
    token of the normalized value, and a malformed value can still be matched to
    its correction. A bank account's token covers ``routing:account``.
    """
    ssn = _digits(raw, "ssn")
    account = _digits(raw, "bank_account")
    routing = _digits(raw, "bank_routing").fillna("")
    return pd.DataFrame(
        {
            "ssn_digits_raw": ssn,
            "account_digits_raw": account,
            "ssn_token": tokenize(ssn, key, "ssn"),
            "ssn_last4": last4(ssn),
            "bank_account_token": tokenize(routing + ":" + account, key, "bank_account"),
            "bank_account_last4": last4(account),
        },
        index=raw.index,
    )


def _digits(raw: pd.DataFrame, name: str) -> pd.Series:
    if name not in raw.columns:
        return pd.Series(pd.NA, index=raw.index, dtype="str")
    stripped = raw[name].str.replace(r"\D", "", regex=True)
    return stripped.where(stripped != "")


def _claims_table(
    frame: pd.DataFrame,
    problems: Problems,
    raw: RawBatch,
    sensitive: pd.DataFrame,
    source: Path,
    sha: str,
    batch_date: dt.date,
) -> pa.Table:
    keep = ~problems.any()
    # Built over every row and filtered once in Arrow: cheaper than a pandas row selection
    # of ~50 text columns, since almost every row is kept.
    full = frame.assign(
        source_file=source.name,
        source_sha256=sha,
        row_number=raw.row_numbers.to_numpy(),
        batch_date=np.datetime64(batch_date, "D"),
        **{name: sensitive[name] for name in ("ssn_token", "ssn_last4")},
        bank_account_token=sensitive["bank_account_token"].where(frame["account_digits"].notna()),
        bank_account_last4=sensitive["bank_account_last4"].where(frame["account_digits"].notna()),
        **ssn_structure_flags(frame["ssn_digits"]),
        **{
            name: frame[name].to_numpy().astype("datetime64[D]")
            for name in ("date_of_birth", "separation_date")
        },
    )
    table = pa.Table.from_pandas(
        full[CLAIMS_LAKE_SCHEMA.names], schema=_NULLABLE_CLAIMS, preserve_index=False
    )
    table = table.filter(pa.array(keep))
    for schema_field, column in zip(CLAIMS_LAKE_SCHEMA, table.columns, strict=True):
        if not schema_field.nullable and column.null_count:
            raise AssertionError(f"kept claims with no {schema_field.name}: a validation rule is missing")
    return table.cast(CLAIMS_LAKE_SCHEMA)


#: The claims schema with every field nullable, for the rows before quarantined ones are dropped.
_NULLABLE_CLAIMS = pa.schema([f.with_nullable(True) for f in CLAIMS_LAKE_SCHEMA])


def _quarantine_table(
    frame: pd.DataFrame,
    problems: Problems,
    raw: RawBatch,
    source: Path,
    sha: str,
    batch_date: dt.date,
) -> pa.Table:
    bad_mask = problems.any()
    rows = pd.DataFrame(
        {
            "row_number": raw.row_numbers.to_numpy()[bad_mask],
            "claim_id": frame["claim_id"].to_numpy()[bad_mask],
            "reason": problems.first_reason().to_numpy()[bad_mask],
            "details": problems.all_reasons().to_numpy()[bad_mask],
        }
    )
    unparsed = pd.DataFrame(
        {
            "row_number": [n for n, _ in raw.bad_rows],
            "claim_id": [None] * len(raw.bad_rows),
            "reason": [BAD_ROW] * len(raw.bad_rows),
            "details": [why for _, why in raw.bad_rows],
        }
    )
    rows = pd.concat([rows, unparsed], ignore_index=True) if len(unparsed) else rows
    rows = rows.sort_values("row_number", kind="stable").reset_index(drop=True)
    rows.insert(0, "source_sha256", sha)
    rows.insert(0, "source_file", source.name)
    rows.insert(0, "batch_date", batch_date)
    return pa.Table.from_pandas(rows[QUARANTINE_SCHEMA.names], schema=QUARANTINE_SCHEMA, preserve_index=False)


def _raw_table(raw: RawBatch, sensitive: pd.DataFrame, source: Path, batch_date: dt.date) -> pa.Table:
    """The batch as received, every column as text, sensitive values tokenized.

    Built from the Arrow table as read, without a round trip through pandas. An
    unknown extra column whose digits equal the row's SSN or account number is
    redacted: the raw zone never holds them.
    """
    table = raw.table
    for extra in sorted(set(table.column_names) - set(CLAIM_COLUMN_NAMES)):
        table = table.set_column(
            table.column_names.index(extra), extra, _redact(table.column(extra), sensitive)
        )
    for name in (n for n in SENSITIVE_COLUMN_NAMES if n in table.column_names):
        at = table.column_names.index(name)
        table = table.remove_column(at)
        table = table.add_column(at, f"{name}_token", _arrow_text(sensitive[f"{name}_token"]))
        table = table.add_column(at + 1, f"{name}_last4", _arrow_text(sensitive[f"{name}_last4"]))
    table = table.add_column(0, "row_number", pa.array(raw.row_numbers.to_numpy(), pa.int64()))
    table = table.add_column(0, "source_file", pa.array([source.name] * table.num_rows, pa.string()))
    return table.add_column(0, "batch_date", pa.array([batch_date] * table.num_rows, pa.date32()))


#: In an unknown column, a run of six or more digits (spaces or dashes between them
#: allowed) could be an SSN or an account number of anyone: it is redacted.
_DIGIT_RUN = r"\d(?:[ -]?\d){5,}"


def _redact(column: pa.ChunkedArray, sensitive: pd.DataFrame) -> pa.Array:
    """An unknown column's text with every long digit run redacted, and a value equal to
    the row's own SSN or account digits (however written) redacted whole."""
    values = pd.Series(column.to_pandas(), dtype="str")
    digits = values.str.replace(r"\D", "", regex=True)
    leaks = (digits == sensitive["ssn_digits_raw"]).fillna(False) | (
        digits == sensitive["account_digits_raw"]
    ).fillna(False)
    scrubbed = values.str.replace(_DIGIT_RUN, "[redacted]", regex=True)
    return _arrow_text(scrubbed.mask(leaks.to_numpy(), "[redacted]"))


def _arrow_text(values: pd.Series) -> pa.Array:
    return pa.array(values.to_numpy(dtype=object), pa.string(), from_pandas=True)
