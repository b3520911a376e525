"""Reading a claim batch file (CSV, Parquet or JSON Lines) into text columns.

Every column comes back as text (pandas ``str`` dtype, empty values as NA), so
that validation sees what the state sent, not what a reader guessed. A file
that cannot be read as a whole raises :class:`InputError` with a one-line
reason; a CSV row with the wrong number of fields is not a whole-file problem:
it is returned in ``bad_rows`` and ends up in the quarantine.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from claimscreen.data.errors import InputError, safe_message
from claimscreen.data.schema import CLAIM_COLUMNS

__all__ = ["UTF8", "RawBatch", "check_batch_file", "detect_format", "file_sha256", "read_batch"]

UTF8 = "utf-8"
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass
class RawBatch:
    """The rows of one file as text columns, with their 1-based record numbers."""

    table: pa.Table
    row_numbers: pd.Series
    bad_rows: list[tuple[int, str]] = field(default_factory=list)

    @cached_property
    def frame(self) -> pd.DataFrame:
        return self.table.to_pandas()

    @property
    def rows_read(self) -> int:
        return self.table.num_rows + len(self.bad_rows)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"{path.name}: unknown file type {suffix or '(none)'!r}; expected one of {known}")
    return FORMATS[suffix]


def check_encoding(encoding: str) -> str:
    """``encoding`` as Python names it; an InputError when Python knows no such encoding or it
    is not a superset of ASCII (a CSV's commas and line breaks must stay single bytes)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (e.g. utf-8, cp1252, latin-1)") from None
    if b",\n".decode(name, errors="replace") != ",\n" or ",\n".encode(name) != b",\n":
        raise InputError(f"encoding {encoding!r} is not ASCII-compatible; convert the extract to UTF-8")
    return name


def check_batch_file(path: Path, encoding: str = UTF8) -> None:
    """Cheap checks before a run starts: the file exists, is not empty, has a known type
    and, for CSV, a header naming every required column. Raises InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: empty file")
    if detect_format(path) == "csv":
        names = [name.strip() for name in _csv_header(path, check_encoding(encoding))]
        missing = [c.name for c in CLAIM_COLUMNS if c.required and c.name not in names]
        if missing:
            raise InputError(f"{path.name}: missing required column(s): {', '.join(missing)}")


def read_batch(path: Path, allow_empty: bool = False, encoding: str = UTF8) -> RawBatch:
    """Read a batch file into text columns; raise InputError for a whole-file problem.

    A header without rows is a whole-file problem unless ``allow_empty`` (a day
    without decisions is normal for a dispositions file). ``encoding`` is that of a
    CSV or JSON Lines file (UTF-8 unless the extract says otherwise); the columns come
    back as UTF-8 text whatever it was.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: empty file")
    kind = detect_format(path)
    encoding = check_encoding(encoding)
    if kind == "csv":
        batch = _read_csv(path, encoding)
    elif kind == "jsonl":
        batch = _read_jsonl(path, encoding)
    else:
        table = _read_parquet(path)
        batch = RawBatch(_to_text_table(table), pd.Series(range(1, table.num_rows + 1), dtype="int64"))
    if batch.rows_read == 0 and not allow_empty:
        raise InputError(f"{path.name}: no data rows (header only)")
    return batch


class _Unparseable(Exception):
    """Arrow stopped parsing a CSV; its own message (which quotes a row) is dropped."""


def _read_csv(path: Path, encoding: str) -> RawBatch:
    names = _csv_header(path, encoding)
    lines = _count_lines(path)
    try:
        plain = _parse_plain_csv(path, names, lines, encoding)
        if plain is not None:
            return RawBatch(_to_text_table(plain), _surviving_row_numbers(plain.num_rows, []))
        table, bad_lines = _parse_csv(path, names, use_threads=True, encoding=encoding)
        if bad_lines and any(line is None for line, _ in bad_lines):
            # Only a single-threaded parse knows the line number of a bad row.
            table, bad_lines = _parse_csv(path, names, use_threads=False, encoding=encoding)
    except _Unparseable:
        raise InputError(f"{path.name}: {_csv_problem(path, len(names), encoding)}") from None
    _check_record_count(path, table.num_rows + len(bad_lines), lines, encoding)
    # Record numbers exclude the header line; a skipped row keeps its number.
    bad_rows = sorted((int(line or 0) - 1, reason) for line, reason in bad_lines)
    rows = _surviving_row_numbers(table.num_rows, [n for n, _ in bad_rows])
    return RawBatch(_to_text_table(table), rows, bad_rows)


def _parse_plain_csv(path: Path, names: list[str], lines: int, encoding: str) -> pa.Table | None:
    """The file parsed on the fast path, which splits blocks at every line break: the
    table when that is sure to equal the careful parse (every line a good record, no
    line break inside a value), else None.

    A line break inside a quoted value cuts its record into lines that are bad rows or
    leave fewer records than lines, and a blank line leaves fewer records than lines:
    either sends the file to the careful parse.
    """
    try:
        table, bad_lines = _parse_csv(path, names, True, newlines_in_values=False, encoding=encoding)
    except _Unparseable:
        return None
    return table if not bad_lines and table.num_rows + 1 == lines else None


def _check_record_count(path: Path, parsed: int, lines: int, encoding: str) -> None:
    """Refuse a file whose rows the parser did not all see (a quote that never closes
    swallows every later line into one field).

    Counting lines is cheap; only when the count differs (a value holding a line
    break, a blank line, or a broken quote) are the records counted exactly.
    """
    if lines == parsed + 1:
        return
    records = sum(1 for _, row in _records(path, encoding) if row) - 1
    if records != parsed:
        raise InputError(
            f"{path.name}: {records} rows in the file but {parsed} could be parsed "
            "(a quote that never closes?); nothing was read"
        )


def _records(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV file with the line it starts on, read strictly by Python's csv
    module; a record it cannot read is an InputError naming that line."""
    with open(path, newline="", encoding=_with_bom(encoding)) as handle:
        reader = csv.reader(handle, strict=True)
        start = 1
        try:
            for row in reader:
                yield start, row
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(
                f"{path.name}: the record that starts on line {start} is unreadable CSV "
                f"({_csv_error(exc)}: a quote that never closes?); nothing was read"
            ) from None


def _with_bom(encoding: str) -> str:
    """UTF-8 read so that a byte-order mark is not part of the first column's name."""
    return "utf-8-sig" if encoding == UTF8 else encoding


def _arrow_encoding(encoding: str) -> str:
    """The encoding Arrow's CSV reader is given. UTF-8 is Arrow's own: it skips a byte-order
    mark and checks every text column is valid UTF-8 in its threads. Any other name makes
    Arrow decode the whole file through Python's codec and encode it back to UTF-8, under
    the GIL (40% of the parse's CPU on a 1,000,000-claim night), so only other encodings go there."""
    return "utf8" if encoding == UTF8 else encoding


def _count_lines(path: Path) -> int:
    """Line breaks in the file, and one more for a last line without one.

    Read in blocks into one reused buffer and counted by numpy (SIMD compares): half the
    CPU of bytes.count over a fresh bytes object per block, on a night's 400 MB file.
    """
    count, last = 0, ord("\n")
    buffer = bytearray(_COUNT_BLOCK)
    data = np.frombuffer(buffer, dtype=np.uint8)
    with open(path, "rb", buffering=0) as handle:
        while got := handle.readinto(buffer):
            count += int(np.count_nonzero(data[:got] == ord("\n")))
            last = buffer[got - 1]
    return count + (last != ord("\n"))


_COUNT_BLOCK = 1 << 22


def _parse_csv(
    path: Path, names: list[str], use_threads: bool, newlines_in_values: bool = True, encoding: str = UTF8
) -> tuple[pa.Table, list[tuple[int | None, str]]]:
    bad_lines: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        reason = f"wrong number of fields ({row.actual_columns}, expected {row.expected_columns})"
        bad_lines.append((row.number, reason))
        return "skip"

    try:
        with _quiet_unraisable():
            table = pacsv.read_csv(
                path,
                # Blocks of 8 MiB keep both cores busy on a night's file without many tiny chunks.
                read_options=pacsv.ReadOptions(
                    block_size=8 << 20, use_threads=use_threads, encoding=_arrow_encoding(encoding)
                ),
                parse_options=pacsv.ParseOptions(
                    invalid_row_handler=on_invalid, newlines_in_values=newlines_in_values
                ),
                convert_options=pacsv.ConvertOptions(
                    # Every column as text, keyed by the header exactly as written (spaces and all).
                    column_types={name: pa.string() for name in names},
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
    except (pa.ArrowInvalid, UnicodeError):
        # Arrow's message quotes the row it stopped at: it is neither passed on nor chained.
        raise _Unparseable from None
    return table, bad_lines


@contextlib.contextmanager
def _quiet_unraisable() -> Iterator[None]:
    """Arrow cannot hand a row that is not valid text to the bad-row handler; Python would
    print the decoding error it ignores. The parse then fails, and :func:`_csv_problem`
    names the line."""
    previous = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _csv_problem(path: Path, columns: int, encoding: str) -> str:
    """Why Arrow could not parse the file, told by line number and counts, never by content:
    the first line that is not text in ``encoding``, else the first record whose number
    of fields is wrong, else a quote that never closes."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as exc:
                byte = line[exc.start : exc.start + 1].hex()
                hint = "convert the extract to UTF-8 or name its encoding with --encoding (e.g. cp1252)"
                if encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
                    hint = f"is the extract really {encoding}?"
                where = f"byte 0x{byte} at position {exc.start + 1}"
                return f"line {number} is not {encoding.upper()} text ({where}); {hint}"
    for start, row in _records(path, encoding):
        if row and len(row) != columns:
            return (
                f"line {start}: {len(row)} fields, expected {columns} "
                "(a row cut short, or a line break or quote inside a value?); nothing was read"
            )
    return "the CSV parser could not read it (no line could be named); nothing was read"


def _csv_error(exc: csv.Error) -> str:
    """Python's csv messages name the problem, not the data; kept short all the same."""
    return str(exc).split(":")[0][:80]


def _csv_header(path: Path, encoding: str = UTF8) -> list[str]:
    """The header's names as written (checked: UTF-8, not empty, no name twice once trimmed)."""
    with open(path, "rb") as handle:
        first = handle.readline()
    try:
        header = first.decode(_with_bom(encoding))
    except UnicodeDecodeError:
        raise InputError(
            f"{path.name}: line 1 (the header) is not {encoding.upper()} text; "
            "convert the extract to UTF-8 or name its encoding with --encoding"
        ) from None
    names = next(csv.reader([header]), [])
    stripped = [n.strip() for n in names]
    if not any(stripped):
        raise InputError(f"{path.name}: no header row")
    dupes = sorted({n for n in stripped if stripped.count(n) > 1})
    if dupes:
        raise InputError(f"{path.name}: repeated column(s) in header: {', '.join(dupes)}")
    return names


def _surviving_row_numbers(kept: int, skipped: list[int]) -> pd.Series:
    if not skipped:
        return pd.Series(np.arange(1, kept + 1, dtype="int64"))
    candidates = np.arange(1, kept + len(skipped) + 1, dtype="int64")
    return pd.Series(np.setdiff1d(candidates, np.asarray(skipped, dtype="int64"))[:kept], dtype="int64")


def _read_parquet(path: Path) -> pa.Table:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path.name}: not a readable Parquet file ({safe_message(exc)})") from None
    text_columns = {c.name for c in CLAIM_COLUMNS if c.kind == "string"}
    numeric = [
        f.name
        for f in table.schema
        if f.name.strip() in text_columns and (pa.types.is_integer(f.type) or pa.types.is_floating(f.type))
    ]
    if numeric:
        raise InputError(
            f"{path.name}: column(s) {', '.join(numeric)} stored as numbers; store them as text "
            "(numbers lose leading zeros)"
        )
    return table


def _read_jsonl(path: Path, encoding: str = UTF8) -> RawBatch:
    """JSON Lines, fast with Arrow; line by line when Arrow cannot (a number where text
    is declared, a line that is not JSON) or when a required key may be absent, so that
    a bad line is quarantined rather than failing the file and absent keys are named."""
    if encoding != UTF8:  # Arrow reads JSON as UTF-8 only
        return _read_jsonl_by_line(path, encoding)
    # Declared text columns are read as text, so "1980-04-12" stays the text the state sent.
    text = pa.schema([(c.name, pa.string()) for c in CLAIM_COLUMNS if c.kind != "number"])
    options = pajson.ParseOptions(explicit_schema=text, unexpected_field_behavior="infer")
    try:
        table = pajson.read_json(path, parse_options=options)
        # Arrow's JSON reader does not check that strings are UTF-8; a full validation does.
        table.validate(full=True)
    except pa.ArrowInvalid:
        return _read_jsonl_by_line(path, encoding)
    required = [c.name for c in CLAIM_COLUMNS if c.required]
    if table.num_rows and any(table.column(name).null_count == table.num_rows for name in required):
        return _read_jsonl_by_line(path, encoding)
    rows = pd.Series(range(1, table.num_rows + 1), dtype="int64")
    return RawBatch(_to_text_table(table), rows)


def _read_jsonl_by_line(path: Path, encoding: str) -> RawBatch:
    """Each line parsed on its own: values become text, a bad line is a bad row (its line
    number), and only the keys that occur become columns."""
    records: list[dict[str, str | None]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str]] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(
                    f"{path.name}: line {number} is not {encoding.upper()} text; "
                    "convert the extract to UTF-8 or name its encoding with --encoding"
                ) from None
            if not line.strip():
                continue
            record = _json_record(line)
            if record is None:
                bad.append((number, "not a JSON object"))
                continue
            records.append(record)
            numbers.append(number)
    keys = dict.fromkeys(key for record in records for key in record)
    table = pa.table({key: pa.array([r.get(key) for r in records], pa.string()) for key in keys})
    return RawBatch(table, pd.Series(numbers, dtype="int64"), bad)


def _json_record(line: str) -> dict[str, str | None] | None:
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    return {str(k): _as_text(v) for k, v in value.items()}


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _to_text_table(table: pa.Table) -> pa.Table:
    """Every column as text (validation treats blank text as missing), in one chunk.

    One contiguous buffer per column: validation works on it without copying the
    column again, and the raw zone is written from the same buffers.
    """
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_nested(column.type):
            raise InputError(f"column {name!r} holds nested values; expected plain text")
        if not pa.types.is_string(column.type):
            column = _cast_to_text(name, column)
        columns[name.strip()] = column
    # Copying the chunks together releases the GIL: two columns at a time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return pa.table(dict(zip(columns, pool.map(_one_chunk, columns.values()), strict=True)))


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _cast_to_text(name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
    try:
        if pa.types.is_date(column.type):
            return pc.strftime(column, format="%Y-%m-%d")
        if pa.types.is_timestamp(column.type):
            fmt = "%Y-%m-%dT%H:%M:%S%z" if column.type.tz else "%Y-%m-%dT%H:%M:%S"
            return pc.strftime(column, format=fmt)
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InputError(f"column {name!r} of type {column.type} cannot be read as text") from None
