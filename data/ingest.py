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

import contextlib
import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
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
from claimscreen.data.normalize import as_large_string, clean_text_array, digits_only, keep_where
from claimscreen.data.read import UTF8, RawBatch, file_sha256, read_batch
from claimscreen.data.schema import (
    CLAIM_COLUMN_NAMES,
    CLAIMS_LAKE_SCHEMA,
    QUARANTINE_SCHEMA,
    REQUIRED_COLUMN_NAMES,
    SENSITIVE_COLUMN_NAMES,
)
from claimscreen.data.settings import Settings, load_settings
from claimscreen.data.ssn import ssn_structure_flag_arrays
from claimscreen.data.ssn_keys import ssn_head_tokens
from claimscreen.data.timing import lap, since
from claimscreen.data.tokenize import last4_array, load_secret_key, tokenize_array
from claimscreen.data.validate import FILED_AFTER_THE_NIGHT, Problems, validate_claims

__all__ = ["batch_date_for", "ingest_batch"]

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
    encoding: str = UTF8,
    key: bytes | None = None,
    lake: Lake | None = None,
) -> IngestResult:
    """Ingest one batch file as the claims of ``batch_date``; see the module docstring.
    ``encoding`` is the file's text encoding (CSV and JSON Lines; UTF-8 unless said); ``key``
    the tokenization key and ``lake`` the lake when the caller holds them (the night's
    context), else read and opened from ``home``.

    Runs under the lake's write lock, so concurrent ingests see each other's claims.
    """
    lake = lake or Lake(Path(home))
    with lake.lock(), _arrow_memory_for_ingest():
        return _ingest_locked(lake, Path(source), batch_date, settings, force, encoding, key)


class _IngestPool:
    """How many ingests run in this process, and the pool Arrow had before the first."""

    lock = threading.Lock()
    running = 0
    previous: pa.MemoryPool | None = None


@contextlib.contextmanager
def _arrow_memory_for_ingest() -> Iterator[None]:
    """Arrow allocates from jemalloc while ingests run, and gives its free memory back after.

    jemalloc is the package's pool (claimscreen/__init__.py); this keeps ingest on it whatever
    pool an operator chose. Ingest frees and allocates column after column: with mimalloc told
    to hand freed memory back at once, every new column was fresh pages the kernel must clear,
    18% of a 1,000,000-claim night's CPU in a profile (clear_page); jemalloc keeps them a moment
    and reuses them (system CPU 3.4-5.7 -> 2.2-2.5 s, peak RSS 2.95 -> 2.7 GB). The pool is
    process-wide: the first ingest in sets it, the last one out puts the previous one back.
    """
    try:
        jemalloc = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc: its default pool
        yield
        return
    with _IngestPool.lock:
        if _IngestPool.running == 0:
            _IngestPool.previous = pa.default_memory_pool()
            pa.set_memory_pool(jemalloc)
        _IngestPool.running += 1
    try:
        yield
    finally:
        with _IngestPool.lock:
            _IngestPool.running -= 1
            if _IngestPool.running == 0 and _IngestPool.previous is not None:
                pa.set_memory_pool(_IngestPool.previous)
                _IngestPool.previous = None
                jemalloc.release_unused()


def _ingest_locked(
    lake: Lake,
    source: Path,
    batch_date: dt.date,
    settings: Settings | None,
    force: bool,
    encoding: str,
    key: bytes | None = None,
) -> IngestResult:
    started = time.perf_counter()
    home, source = lake.home, Path(source)
    settings = settings or load_settings(home)
    sha = file_sha256(source) if source.is_file() else ""
    committed = lake.manifests()
    existing = _committed_elsewhere(committed, sha, batch_date)
    if existing is not None and not force:
        return existing
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    stamp = _file_stamp(source)
    # A header-only file is a night without claims: recorded as such, so the next night
    # is not refused as a gap.
    raw = read_batch(source, allow_empty=True, encoding=encoding)
    if _file_stamp(source) != stamp:
        raise InputError(f"{source.name}: the file changed while it was read; run again once it is complete")
    _check_header(source, raw.table)
    key = load_secret_key(home) if key is None else key
    clock = lap(timings, "read", clock)
    # The column work runs in Arrow kernels and numpy, which release the GIL: tokenizing
    # and the validation of independent columns share the two threads.
    with ThreadPoolExecutor(max_workers=2) as pool:
        tokens = pool.submit(_tokenize_sensitive, raw.table, key)
        duplicates = pool.submit(_find_duplicates, raw.table, lambda: _seen_claim_ids(lake, committed, sha))
        columns, problems = validate_claims(raw.table, settings.agency_timezone, batch_date, pool=pool)
        _check_the_night(source, batch_date, columns, problems, settings.agency_timezone)
        clock = lap(timings, "validate", clock)
        for label, mask in duplicates.result():
            problems.add(label, mask)
        clock = lap(timings, "duplicates", clock)
        sensitive = tokens.result()
        clock = lap(timings, "tokenize (beyond validation)", clock)
        tables = {
            "raw": _raw_table(raw, sensitive, source, batch_date),
            "claims": _claims_table(columns, problems, raw, sensitive, source, sha, batch_date, pool),
            "quarantine": _quarantine_table(columns, problems, raw, source, sha, batch_date),
        }
    clock = lap(timings, "tables", clock)
    batch_key = sha[:12]
    parts = {zone: lake.batch_part(zone, batch_date, batch_key) for zone in tables}
    _remove_unfinished_writes(lake, batch_date)
    # Parquet encoding releases the GIL: the three parts are written side by side.
    with ThreadPoolExecutor(max_workers=len(tables)) as pool:
        list(pool.map(lambda zone: lake.write_table(parts[zone], tables[zone]), tables))
    claims, quarantine = tables["claims"], tables["quarantine"]
    lap(timings, "write", clock)
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
        extra_columns=sorted(set(raw.table.column_names) - set(CLAIM_COLUMN_NAMES)),
        seconds=since(started),
        timings=timings,
        ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        parts={zone: str(path.relative_to(lake.root)) for zone, path in parts.items()},
    )
    # The manifest is the commit: written last, after every part is in place.
    lake.write_json(lake.batch_part("manifests", batch_date, batch_key), result.to_dict())
    return result


#: More than this share of a file's claims filed after the night given means a wrong night.
MOST_AFTER_THE_NIGHT = 0.5


def _check_the_night(
    source: Path, batch_date: dt.date, columns: Arrays, problems: Problems, timezone: str
) -> None:
    """Refuse, before anything is written, a file most of whose claims were filed after the
    night it is ingested as (``--date`` one day early): they would all be quarantined, and the
    file could then never run on its own night. A few late-dated rows stay quarantined."""
    after = next((mask for label, mask in problems.found if label == FILED_AFTER_THE_NIGHT), None)
    if after is None or after.sum() <= MOST_AFTER_THE_NIGHT * len(after):
        return
    filed = columns["filed_at"].to_numpy(zero_copy_only=False).astype("datetime64[us]")
    local = pd.DatetimeIndex(filed[after]).tz_localize("UTC").tz_convert(timezone)
    days = pd.Series(local.date).value_counts()
    own, count = days.index[0], int(days.iloc[0])
    raise InputError(
        f"{source.name}: {int(after.sum()):,} of {len(after):,} claims were filed after the night "
        f"{batch_date} ({count:,} on {own}); run it as its own night (--date {own}). Nothing was written."
    )


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


def _check_header(source: Path, table: pa.Table) -> None:
    missing = [name for name in REQUIRED_COLUMN_NAMES if name not in table.column_names]
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


def _find_duplicates(raw: pa.Table, seen: Callable[[], pa.Array]) -> list[tuple[str, np.ndarray]]:
    """The rows whose claim_id repeats an earlier row, or one of ``seen()``, as problems.

    Works on the claim_ids as validation cleans them, beside the validation itself.
    """
    ids = clean_text_array(as_large_string(raw.column("claim_id")))
    # Dictionary codes are numbered in order of first appearance: a value repeats an
    # earlier row exactly when its code is not above every code before it.
    codes = pc.fill_null(pc.dictionary_encode(ids).indices, -1).to_numpy(zero_copy_only=False)
    codes = codes.astype(np.int64)
    highest_before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    found = [(DUPLICATE_IN_BATCH, (codes >= 0) & (codes <= highest_before))]
    earlier = seen()
    if len(earlier):
        known = pc.is_in(ids, value_set=earlier.cast(ids.type))
        found.append((DUPLICATE_SEEN, pc.fill_null(known, False).to_numpy(zero_copy_only=False)))
    return found


#: Arrow arrays by name.
Arrays = dict[str, pa.Array]


def _tokenize_sensitive(raw: pa.Table, key: bytes) -> Arrays:
    """Tokens and last four digits of every row's SSN and bank account, valid or not.

    A token is computed from the value's digits, so for a valid row it equals the
    token of the normalized value, and a malformed value can still be matched to
    its correction. A bank account's token covers ``routing:account``.
    """
    ssn = _digits(raw, "ssn")
    account = _digits(raw, "bank_account")
    routing = pc.fill_null(_digits(raw, "bank_routing"), pa.scalar("", pa.large_string()))
    routed_account = pc.binary_join_element_wise(routing, account, pa.scalar(":", pa.large_string()))
    return {
        "ssn_digits_raw": ssn,
        "account_digits_raw": account,
        "ssn_token": tokenize_array(ssn, key, "ssn"),
        "ssn_head_token": ssn_head_tokens(ssn, key),
        "ssn_last4": last4_array(ssn),
        "bank_account_token": tokenize_array(routed_account, key, "bank_account"),
        "bank_account_last4": last4_array(account),
    }


def _digits(raw: pa.Table, name: str) -> pa.Array:
    """The column's ASCII digits, every other character dropped; null if none."""
    if name not in raw.column_names:
        return pa.nulls(raw.num_rows, pa.large_string())
    return digits_only(as_large_string(raw.column(name)))


def _claims_table(
    columns: Arrays,
    problems: Problems,
    raw: RawBatch,
    sensitive: Arrays,
    source: Path,
    sha: str,
    batch_date: dt.date,
    pool: Executor,
) -> pa.Table:
    flagged = pool.submit(ssn_structure_flag_arrays, columns["ssn_digits"])
    has_account = pc.is_valid(columns["account_digits"])
    full: Arrays = {
        **columns,
        "row_number": pa.array(raw.row_numbers.to_numpy(), pa.int64()),
        "ssn_token": sensitive["ssn_token"],
        "ssn_last4": sensitive["ssn_last4"],
        "ssn_head_token": sensitive["ssn_head_token"],
        "bank_account_token": keep_where(sensitive["bank_account_token"], has_account),
        "bank_account_last4": keep_where(sensitive["bank_account_last4"], has_account),
    }
    # Built over every row, then the quarantined rows are dropped once (almost every row is
    # kept) and each column cast to its lake type, column by column in the pool's threads:
    # Arrow's copies release the GIL.
    dropped = np.flatnonzero(problems.any())
    names = [name for name in CLAIMS_LAKE_SCHEMA.names if name in full]

    def kept_column(name: str) -> pa.Array:
        return _without_rows(full[name], dropped).cast(CLAIMS_LAKE_SCHEMA.field(name).type)

    kept = dict(zip(names, pool.map(kept_column, names), strict=True))
    rows = raw.table.num_rows - len(dropped)
    kept |= {
        "source_file": pa.repeat(pa.scalar(source.name, pa.string()), rows),
        "source_sha256": pa.repeat(pa.scalar(sha, pa.string()), rows),
        "batch_date": pa.repeat(pa.scalar(batch_date, pa.date32()), rows),
    }
    kept |= {name: _without_rows(pa.array(mask), dropped) for name, mask in flagged.result().items()}
    for schema_field in CLAIMS_LAKE_SCHEMA:
        if not schema_field.nullable and kept[schema_field.name].null_count:
            raise AssertionError(f"kept claims with no {schema_field.name}: a validation rule is missing")
    return pa.table([kept[name] for name in CLAIMS_LAKE_SCHEMA.names], schema=CLAIMS_LAKE_SCHEMA)


def _without_rows(array: pa.Array, dropped: np.ndarray) -> pa.Array:
    """``array`` without the rows at the sorted positions ``dropped``, in one chunk.

    When few rows go (a night quarantines about 0.2%), the runs of rows between them are
    copied whole and joined: a 1,000,000-claim night's columns in a fifth of the CPU of a
    boolean filter, which tests every row. Many rows dropped make many short runs: filtered.
    """
    if len(dropped) == 0:
        return array
    if len(dropped) > max(_FEW_DROPPED, len(array) // 100):
        keep = np.ones(len(array), dtype=bool)
        keep[dropped] = False
        return array.filter(pa.array(keep))
    starts = np.concatenate(([0], dropped + 1)).tolist()
    ends = np.concatenate((dropped, [len(array)])).tolist()
    runs = [array.slice(start, end - start) for start, end in zip(starts, ends, strict=True) if end > start]
    return pa.concat_arrays(runs) if runs else array.slice(0, 0)


#: Up to this many rows dropped (or 1% of the rows, if more), the kept runs are joined.
_FEW_DROPPED = 1024


def _quarantine_table(
    columns: Arrays,
    problems: Problems,
    raw: RawBatch,
    source: Path,
    sha: str,
    batch_date: dt.date,
) -> pa.Table:
    bad = np.flatnonzero(problems.any())
    first, every = problems.reasons_of(bad)
    rows = pd.DataFrame(
        {
            "row_number": raw.row_numbers.to_numpy()[bad],
            "claim_id": pd.Series(columns["claim_id"].take(pa.array(bad)), dtype="str").to_numpy(),
            "reason": np.array(first, dtype=object),
            "details": np.array(every, dtype=object),
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


def _raw_table(raw: RawBatch, sensitive: Arrays, source: Path, batch_date: dt.date) -> pa.Table:
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
        table = table.add_column(at, f"{name}_token", sensitive[f"{name}_token"].cast(pa.string()))
        table = table.add_column(at + 1, f"{name}_last4", sensitive[f"{name}_last4"].cast(pa.string()))
    table = table.add_column(0, "row_number", pa.array(raw.row_numbers.to_numpy(), pa.int64()))
    table = table.add_column(0, "source_file", pa.repeat(pa.scalar(source.name, pa.string()), table.num_rows))
    return table.add_column(0, "batch_date", pa.repeat(pa.scalar(batch_date, pa.date32()), table.num_rows))


#: In an unknown column, a run of six or more digits (spaces or dashes between them
#: allowed) could be an SSN or an account number of anyone: it is redacted.
_DIGIT_RUN = r"\d(?:[ -]?\d){5,}"


def _redact(column: pa.ChunkedArray, sensitive: Arrays) -> pa.Array:
    """An unknown column's text with every long digit run redacted, and a value equal to
    the row's own SSN or account digits (however written) redacted whole."""
    values = pd.Series(column.to_pandas(), dtype="str")
    digits = values.str.replace(r"\D", "", regex=True)
    ssn, account = (
        pd.Series(sensitive[name], dtype="str") for name in ("ssn_digits_raw", "account_digits_raw")
    )
    leaks = (digits == ssn).fillna(False) | (digits == account).fillna(False)
    scrubbed = values.str.replace(_DIGIT_RUN, "[redacted]", regex=True)
    return _arrow_text(scrubbed.mask(leaks.to_numpy(), "[redacted]"))


def _arrow_text(values: pd.Series) -> pa.Array:
    return pa.array(values.to_numpy(dtype=object), pa.string(), from_pandas=True)
