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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

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
    """Ingest one batch file as the claims of ``batch_date``; see the module docstring."""
    started = time.perf_counter()
    home, source = Path(home), Path(source)
    settings = settings or load_settings(home)
    lake = Lake(home)
    sha = file_sha256(source) if source.is_file() else ""
    existing = _committed_elsewhere(lake, sha, batch_date)
    if existing is not None and not force:
        return existing
    raw = read_batch(source)
    _check_header(source, raw.frame)
    key = load_secret_key(home)
    frame, problems = validate_claims(raw.frame, settings.agency_timezone, batch_date)
    _mark_duplicates(frame, problems, _seen_claim_ids(lake, sha))
    claims = _claims_table(frame, problems, raw, key, source, sha, batch_date)
    quarantine = _quarantine_table(frame, problems, raw, source, sha, batch_date)
    raw_table = _raw_table(raw, frame, key, source, sha, batch_date)
    batch_key = sha[:12]
    parts = {
        "raw": lake.batch_part("raw", batch_date, batch_key),
        "claims": lake.batch_part("claims", batch_date, batch_key),
        "quarantine": lake.batch_part("quarantine", batch_date, batch_key),
    }
    lake.write_table(parts["raw"], raw_table)
    lake.write_table(parts["claims"], claims)
    lake.write_table(parts["quarantine"], quarantine)
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
        ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        parts={zone: str(path.relative_to(lake.root)) for zone, path in parts.items()},
    )
    # The manifest is the commit: written last, after every part is in place.
    lake.write_json(lake.batch_part("manifests", batch_date, batch_key), result.to_dict())
    return result


def _committed_elsewhere(lake: Lake, sha: str, batch_date: dt.date) -> IngestResult | None:
    """The earlier ingest of the same file, if any; refuse it for a different night."""
    for manifest in lake.manifests():
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


def _seen_claim_ids(lake: Lake, sha: str) -> set[str]:
    """claim_ids already in the claims of other committed batches."""
    seen: set[str] = set()
    for manifest in lake.manifests():
        if manifest["source_sha256"] == sha:
            continue
        night = dt.date.fromisoformat(manifest["batch_date"])
        path = lake.batch_part("claims", night, manifest["batch_key"])
        if path.exists():
            seen.update(lake.read_table(path, columns=["claim_id"]).column("claim_id").to_pylist())
    return seen


def _mark_duplicates(frame: pd.DataFrame, problems: Problems, seen: set[str]) -> None:
    ids = frame["claim_id"]
    problems.add(DUPLICATE_IN_BATCH, ids.notna() & ids.duplicated(keep="first"))
    if seen:
        problems.add(DUPLICATE_SEEN, ids.isin(seen))


def _provenance(frame: pd.DataFrame, raw: RawBatch, source: Path, sha: str, batch_date: dt.date) -> None:
    frame["batch_date"] = pd.Timestamp(batch_date)
    frame["source_file"] = source.name
    frame["source_sha256"] = sha
    frame["row_number"] = raw.row_numbers.to_numpy()


def _claims_table(
    frame: pd.DataFrame,
    problems: Problems,
    raw: RawBatch,
    key: bytes,
    source: Path,
    sha: str,
    batch_date: dt.date,
) -> pa.Table:
    good = frame.loc[~problems.any()].copy()
    _provenance(good, _subset(raw, ~problems.any()), source, sha, batch_date)
    good["ssn_token"] = tokenize(good["ssn_digits"], key, "ssn")
    good["ssn_last4"] = last4(good["ssn_digits"])
    account = good["bank_routing"] + ":" + good["account_digits"]
    good["bank_account_token"] = tokenize(account, key, "bank_account")
    good["bank_account_last4"] = last4(good["account_digits"])
    for name in ("date_of_birth", "separation_date"):
        good[name] = good[name].dt.date
    good["batch_date"] = batch_date
    return pa.Table.from_pandas(
        good[CLAIMS_LAKE_SCHEMA.names], schema=CLAIMS_LAKE_SCHEMA, preserve_index=False
    )


def _subset(raw: RawBatch, mask: np.ndarray) -> RawBatch:
    return RawBatch(raw.frame.loc[mask], raw.row_numbers[mask].reset_index(drop=True))


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


def _raw_table(
    raw: RawBatch, frame: pd.DataFrame, key: bytes, source: Path, sha: str, batch_date: dt.date
) -> pa.Table:
    """The batch as received, every column as text, sensitive values tokenized.

    A sensitive value is tokenized from its digits even when it is malformed, so
    a fix can be matched to it. An unknown extra column whose digits equal the
    row's SSN or account number is redacted: the raw zone never holds them.
    """
    out = raw.frame.copy()
    digits = {}
    for name in SENSITIVE_COLUMN_NAMES:
        if name not in out.columns:
            continue
        digits[name] = out[name].str.replace(r"\D", "", regex=True).replace("", pd.NA)
        domain = "bank_account" if name == "bank_account" else "ssn"
        out[name] = tokenize(digits[name], key, domain)
        out[f"{name}_last4"] = last4(digits[name])
    for extra in sorted(set(out.columns) - set(CLAIM_COLUMN_NAMES) - {f"{n}_last4" for n in digits}):
        extra_digits = out[extra].str.replace(r"\D", "", regex=True)
        leaks = pd.Series(False, index=out.index)
        for values in digits.values():
            leaks |= extra_digits.notna() & (extra_digits == values).fillna(False)
        out.loc[leaks, extra] = "[redacted]"
    out = out.rename(columns={n: f"{n}_token" for n in digits})
    out.insert(0, "row_number", raw.row_numbers.to_numpy())
    out.insert(0, "source_file", source.name)
    out.insert(0, "batch_date", batch_date.isoformat())
    return pa.Table.from_pandas(
        out.astype({c: "str" for c in out.columns if c != "row_number"}), preserve_index=False
    )
