"""Test helpers: a tiny valid claim row, CSV writing, file scanning."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from claimscreen.data.schema import CLAIM_COLUMN_NAMES

TEST_KEY = "test-key-0123456789abcdef"

#: One honest claim, every field valid. Tests copy it and change what they test.
VALID_ROW: dict[str, str] = {
    "claim_id": "C1",
    "filed_at": "2026-10-01T09:30:00",
    "program": "UI",
    "ssn": "123-45-6789",
    "first_name": "Maria",
    "last_name": "Lopez",
    "middle_name": "",
    "date_of_birth": "1980-04-12",
    "email": "maria.lopez@gmail.com",
    "phone": "(614) 555-0134",
    "address_line1": "12 Oak Street",
    "address_line2": "Apt 4B",
    "city": "Columbus",
    "state": "OH",
    "zip": "43004",
    "mailing_address_line1": "",
    "mailing_address_line2": "",
    "mailing_city": "",
    "mailing_state": "",
    "mailing_zip": "",
    "payment_method": "direct_deposit",
    "bank_routing": "044000037",
    "bank_account": "000123456789",
    "employer_ein": "31-1234567",
    "employer_name": "Acme Tools",
    "separation_date": "2026-09-20",
    "separation_reason": "lack_of_work",
    "channel": "web",
    "ip_address": "203.0.113.9",
    "device_id": "dev-abc",
    "user_agent": "Mozilla/5.0",
    "session_seconds": "612",
    "language": "en",
}


def make_row(**changes: Any) -> dict[str, str]:
    row = dict(VALID_ROW)
    row.update({k: "" if v is None else str(v) for k, v in changes.items()})
    return row


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(CLAIM_COLUMN_NAMES)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def all_bytes_under(folder: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()]


def ordinary_features(**changes: object) -> dict[str, object]:
    """One ordinary claim's features (no evidence fires on it), with ``changes``."""
    from claimscreen.features.build import ALL_FEATURES

    row: dict[str, object] = {}
    for feature in ALL_FEATURES:
        row[feature.name] = {"bool": False, "int64": 0, "float64": 0.0, "str": ""}[feature.dtype]
    row.update(
        ssn_distinct_names=1,
        ssn_names_apart=1,
        ssn_distinct_dobs=1,
        ssn_claims_window=1,
        session_seconds=600.0,
    )
    row.update(device_identities_30d=1.0, email_canonical_identities=1, email_alias_variants=1)
    row.update(changes)
    return row


def feature_frame(*rows: dict[str, object]) -> pd.DataFrame:
    """A features DataFrame of ``rows``."""
    return pd.DataFrame(list(rows))


def run_cli(home: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """``claimscreen --home HOME ARGS...`` through click's test runner (``stdin``: its input):
    the exit code, standard output and standard error."""
    from click.testing import CliRunner

    from claimscreen.flows.cli import main

    result = CliRunner().invoke(main, ["--home", str(home), *args], input=stdin, prog_name="claimscreen")
    return result.exit_code, result.stdout, result.stderr
