"""Dispositions (docs/reference.md, "Dispositions"): investigators' decisions imported as labels.

``claimscreen labels import FILE`` calls :func:`import_labels`. The file has the
columns ``claim_id, outcome, decided_at, source`` (``decided_by`` is kept when
present). Whole-file problems raise :class:`InputError` and write nothing; a bad
row is rejected with its reason. Good rows are *merged* into
``lake/dispositions/dispositions.parquet`` (:data:`DISPOSITIONS_SCHEMA`):

* one row per claim: the latest ``decided_at`` wins; at equal times the
  imported row replaces the stored one, and within a file the later row wins;
* ``imported_from`` is the file's name;
* importing the same file again leaves the lake as it was (idempotent).

``decided_at`` without an offset is in the agency time zone; a bare date means
local midnight.

A disposition naming a claim_id that no ingested batch holds is loaded all the
same (its claim may arrive later, or the file may belong to another state): the
report's ``warnings`` count them and name the first.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.lake import Lake
from claimscreen.data.reference import (
    LoadReport,
    declared_text,
    flag_malformed,
    make_report,
    parse_instant,
    read_text_file,
    to_frame,
    to_table,
)
from claimscreen.data.schema import DISPOSITION_COLUMNS, DISPOSITIONS_SCHEMA, Column
from claimscreen.data.settings import load_settings
from claimscreen.data.validate import Problems

KIND = "dispositions"
_OPTIONAL = (Column("decided_by", "string"),)


def import_labels(home: Path, source: Path) -> LoadReport:
    """Validate a dispositions file and merge its rows into the lake (latest decision per claim wins)."""
    home, source = Path(home), Path(source)
    raw = read_text_file(source, DISPOSITION_COLUMNS, allow_empty=True)
    problems = Problems(raw.frame.index)
    text = declared_text(raw.frame, (*DISPOSITION_COLUMNS, *_OPTIONAL), problems)
    decided_at = parse_instant(text["decided_at"], load_settings(home).agency_timezone)
    incoming = pd.DataFrame(
        {
            "claim_id": text["claim_id"],
            "outcome": text["outcome"],
            "decided_at": flag_malformed("decided_at", text["decided_at"], decided_at, problems),
            "source": text["source"],
            "decided_by": text["decided_by"],
            "imported_from": pd.Series(source.name, index=raw.frame.index, dtype="str"),
        }
    )
    report = make_report(KIND, source, raw, problems)
    lake = Lake(home)
    good = incoming[~problems.any()]
    report = replace(report, warnings=tuple(never_received_warning(lake, good["claim_id"])))
    history = add_to_history(read_decisions(home), good)
    lake.write_table(history_path(lake), to_table(history, DISPOSITIONS_SCHEMA))
    merged = merge_dispositions(read_labels(home), good)
    lake.write_table(lake.dispositions_path, to_table(merged, DISPOSITIONS_SCHEMA))
    return report


def never_received_warning(lake: Lake, claim_ids: pd.Series) -> list[str]:
    """One line counting the dispositions whose claim_id no committed batch's claims hold,
    naming the first (withheld when it has the shape of an SSN); none when all are known."""
    if claim_ids.empty:
        return []
    known = [
        lake.read_table(p, columns=["claim_id"]).column("claim_id") for p in lake.committed_parts("claims")
    ]
    ids = pa.array(claim_ids.astype(str).tolist(), pa.string())
    unknown = np.ones(len(ids), dtype=bool)
    for column in known:
        unknown &= ~pc.is_in(ids, value_set=column.combine_chunks().cast(pa.string())).to_numpy(
            zero_copy_only=False
        )
    if not unknown.any():
        return []
    first = str(ids[int(np.argmax(unknown))])
    shown = "withheld: it looks like an SSN" if _SSN_SHAPE.fullmatch(first) else _printable(first)
    return [
        f"{int(unknown.sum()):,} of {len(ids):,} dispositions name claim ids never received (first: {shown})"
    ]


# Nine digits, with or without dashes or spaces: never echoed, whatever column it came in.
_SSN_SHAPE = re.compile(r"\d{3}[- ]?\d{2}[- ]?\d{4}")


def _printable(text: str, most: int = 40) -> str:
    """``text`` fit for one line of a terminal: control characters replaced, at most ``most`` long."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= most else clean[: most - 1] + "…"


def record_decisions(home: Path, decisions: pd.DataFrame, origin: str) -> int:
    """Merge already-validated decisions (e.g. the review application's) into the lake, as
    an import would; returns how many were new. Running it again adds nothing."""
    if not len(decisions):
        return 0
    lake = Lake(Path(home))
    incoming = decisions.assign(
        decided_at=pd.to_datetime(decisions["decided_at"], utc=True).dt.as_unit("us"),
        decided_by=decisions.get("decided_by", pd.Series(None, index=decisions.index, dtype="str")),
        imported_from=origin,
    )[[f.name for f in DISPOSITIONS_SCHEMA]]
    stored = read_decisions(home)
    history = add_to_history(stored, incoming)
    added = len(history) - len(stored)
    if added:
        lake.write_table(history_path(lake), to_table(history, DISPOSITIONS_SCHEMA))
        merged = merge_dispositions(read_labels(home), incoming)
        lake.write_table(lake.dispositions_path, to_table(merged, DISPOSITIONS_SCHEMA))
    return added


def history_path(lake: Lake) -> Path:
    """Every decision ever imported (a reversed one too), for labels as of a past night."""
    return lake.dispositions_path.with_name("history.parquet")


def read_decisions(home: Path) -> pd.DataFrame:
    """Every imported decision, several per claim when a decision was revised."""
    lake = Lake(Path(home))
    path = history_path(lake)
    if path.exists():
        return to_frame(lake.read_table(path))
    return read_labels(home)  # decisions imported before the history was kept


def add_to_history(stored: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """The decisions with ``incoming`` added; the same decision imported twice is kept once."""
    columns = [f.name for f in DISPOSITIONS_SCHEMA]
    both = pd.concat([stored[columns], incoming[columns]], ignore_index=True)
    both["decided_at"] = pd.to_datetime(both["decided_at"], utc=True).dt.as_unit("us")
    unique = both.drop_duplicates(["claim_id", "decided_at", "outcome", "source"], keep="last")
    return unique.sort_values(["claim_id", "decided_at"], kind="stable").reset_index(drop=True)


def decisions_as_of(decisions: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """The latest decision per claim among those made before ``moment``."""
    earlier = decisions.loc[pd.to_datetime(decisions["decided_at"], utc=True) < moment]
    ordered = earlier.assign(_order=np.arange(len(earlier))).sort_values(["claim_id", "decided_at", "_order"])
    return ordered.drop_duplicates("claim_id", keep="last").drop(columns="_order").reset_index(drop=True)


def read_labels(home: Path) -> pd.DataFrame:
    """Every stored disposition, one row per claim; empty with the schema's columns if none."""
    lake = Lake(Path(home))
    path = lake.dispositions_path
    if not path.exists():
        return to_frame(DISPOSITIONS_SCHEMA.empty_table())
    return to_frame(lake.read_table(path))


def merge_dispositions(stored: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: the latest ``decided_at``; ties go to ``incoming``, then to the later row."""
    columns = [f.name for f in DISPOSITIONS_SCHEMA]
    both = pd.concat([stored[columns], incoming[columns]], ignore_index=True)
    both["decided_at"] = pd.to_datetime(both["decided_at"], utc=True).dt.as_unit("us")
    both["_order"] = np.arange(len(both))
    latest = both.sort_values(["claim_id", "decided_at", "_order"]).drop_duplicates("claim_id", keep="last")
    return latest.drop(columns="_order").reset_index(drop=True)


__all__ = [
    "decisions_as_of",
    "import_labels",
    "merge_dispositions",
    "read_decisions",
    "read_labels",
    "record_decisions",
]
