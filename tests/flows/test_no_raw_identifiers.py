"""Broken input never carries a claimant's identifiers into a message, a log, a report or a file.

Rows that carry known SSNs, names and account numbers are fed, broken in the ways
real extracts break, through every error path: the command line (a real process,
its own Prefect home and temporary server, Prefect's logs at DEBUG on the console),
the nightly flow, reference lists and dispositions. Then every byte the runs left
behind is searched: standard output and error, every file of the home folder (the
lake's Parquet files read back as text), and Prefect's own database (flow-run
states, task logs).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import TEST_KEY, make_row, write_csv

from claimscreen.data.errors import StageError, safe_message, without_cause

SSN = "529-31-7740"
ACCOUNT = "998877665544"
FIRST, LAST = "Quillonetta", "Brambleworth"
EMAIL = "quillonetta.b@example.org"
#: Every form in which the broken rows' identifiers could leak.
SECRETS = [SSN, SSN.replace("-", ""), ACCOUNT, FIRST, LAST, EMAIL, FIRST.upper(), LAST.upper()]


def secret_row(claim_id: str) -> dict[str, str]:
    return make_row(
        claim_id=claim_id, ssn=SSN, first_name=FIRST, last_name=LAST, email=EMAIL, bank_account=ACCOUNT
    )


def csv_line(row: dict[str, str]) -> str:
    return ",".join(f'"{v}"' for v in row.values())


def leaks_in(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def parquet_text(path: Path) -> str:
    try:
        return str(pq.read_table(path).to_pylist())
    except Exception:
        return path.read_bytes().decode("utf-8", errors="replace")


def files_text(folder: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            yield path, parquet_text(path)
        else:
            yield path, path.read_bytes().decode("utf-8", errors="replace")


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CLAIMSCREEN_SECRET_KEY=TEST_KEY,
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_LOGGING_LEVEL="DEBUG",
        PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL="DEBUG",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    return env


def claimscreen(env: dict[str, str], home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "claimscreen", "--home", str(home), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_broken_batches_lists_and_labels_leak_no_identifier(tmp_path: Path, cli_env: dict[str, str]) -> None:
    home = tmp_path / "home"
    good = [make_row(claim_id=f"G{i}") for i in range(3)]
    header = ",".join(good[0])

    # A batch cut short mid-row, with random bytes (not UTF-8) appended: the flow refuses it.
    cut = tmp_path / "claims_2026-10-01.csv"
    cut.write_bytes(
        "\n".join([header, *map(csv_line, good), csv_line(secret_row("S1"))[:120]]).encode()
        + b"\x91\xfe\xff garbage \x00\x81"
        + f",{SSN},{FIRST}\n".encode()
    )
    # A row with too few fields (quarantined) and one whose quote never closes (refused).
    short = tmp_path / "claims_2026-10-02.csv"
    short.write_text("\n".join([header, *map(csv_line, good), csv_line(secret_row("S2"))[:150]]) + "\n")
    unclosed = tmp_path / "claims_2026-10-03.csv"
    plain = [",".join(row.values()) for row in good]
    broken_quote = ",".join(secret_row("S3").values()).replace(FIRST, f'"{FIRST}')
    unclosed.write_text("\n".join([header, broken_quote, *plain]) + "\n")
    # A Parquet file cut in half.
    parquet = tmp_path / "claims_2026-10-04.parquet"
    write_csv(tmp_path / "p.csv", [secret_row("S4")])
    import pyarrow.csv as pacsv

    pq.write_table(pacsv.read_csv(tmp_path / "p.csv"), parquet)
    parquet.write_bytes(parquet.read_bytes()[: parquet.stat().st_size // 2])
    # Broken reference-list and disposition rows that carry the same identifiers.
    deceased = tmp_path / "deceased.csv"
    deceased.write_text(f"ssn,date_of_death\n{SSN},not-a-date\n{SSN}{FIRST},2026-01-01\n1{SSN},2026-01-02\n")
    labels = tmp_path / "labels.csv"
    labels.write_text(f"claim_id,outcome,decided_at,source\n{SSN},{FIRST},{LAST},{EMAIL}\n")

    results = [
        ("cut short", claimscreen(cli_env, home, "nightly", "--batch", str(cut))),
        ("short row", claimscreen(cli_env, home, "nightly", "--batch", str(short), "--allow-gap")),
        ("unclosed", claimscreen(cli_env, home, "nightly", "--batch", str(unclosed), "--allow-gap")),
        ("parquet", claimscreen(cli_env, home, "nightly", "--batch", str(parquet), "--allow-gap")),
        ("deceased", claimscreen(cli_env, home, "reference", "load", "deceased", str(deceased))),
        ("labels", claimscreen(cli_env, home, "labels", "import", str(labels))),
        (
            "quarantine",
            claimscreen(
                cli_env, home, "quarantine", "export", "--date", "2026-10-02", "--out", str(home / "q.csv")
            ),
        ),
        ("runs", claimscreen(cli_env, home, "runs", "show", "--date", "2026-10-01")),
    ]
    outcomes = {name: (r.returncode, r.stderr.strip().splitlines()[-1:]) for name, r in results}
    # The paths ran as intended: the cut-short file failed in the flow, with its line named.
    assert outcomes["cut short"][0] == 2, outcomes
    assert "line 5 is not UTF-8 text" in results[0][1].stderr
    assert results[1][1].returncode == 0, outcomes
    assert "1 quarantined" in results[1][1].stdout
    assert "the record that starts on line 2 is unreadable CSV" in results[2][1].stderr, outcomes
    assert results[2][1].returncode == 2, outcomes
    assert "not a readable Parquet file" in results[3][1].stderr, outcomes

    for name, result in results:
        assert leaks_in(result.stdout + result.stderr) == [], (name, result.stdout, result.stderr)
    for folder in (home, tmp_path / "prefect"):
        for path, text in files_text(folder):
            assert leaks_in(text) == [], path
    # Without a Prefect server the nights run without Prefect: no database of its own to leak into
    # (the flow's logs and states are checked by test_an_unexpected_error_inside_the_flow_leaks_nothing).
    assert not any((tmp_path / "prefect").rglob("*.db")), "a night without a server started one"


def test_an_unexpected_error_inside_the_flow_leaks_nothing(
    home: Path, tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library that fails quoting a row (as pandas or Arrow do) reaches the flow's state, its
    task logs and the report without the row."""
    from claimscreen.data import ingest
    from claimscreen.data.runs import read_report
    from claimscreen.flows.nightly import nightly_flow

    def quoting_failure(*args: object, **kwargs: object) -> None:
        raise ValueError(f"Unknown string format: '{SSN}' for {FIRST},{LAST},{EMAIL},{ACCOUNT}")

    monkeypatch.setattr(ingest, "validate_claims", quoting_failure)
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.setLevel(logging.DEBUG)
    prefect_logger = logging.getLogger("prefect")
    prefect_logger.addHandler(handler)
    try:
        batch = write_csv(tmp_path / "claims_2026-10-01.csv", [secret_row("S1")])
        with pytest.raises(StageError) as raised:
            nightly_flow(str(home), str(batch), "2026-10-01")
    finally:
        prefect_logger.removeHandler(handler)

    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert str(raised.value).startswith("ValueError at test_no_raw_identifiers.py:")
    assert leaks_in(str(raised.value)) == []
    report = read_report(home, __import__("datetime").date(2026, 10, 1))
    assert report is not None and report["failed_stage"] == "ingest"
    assert leaks_in(str(report)) == []
    assert records, "no Prefect log record was seen"
    assert leaks_in("\n".join(records)) == []


@pytest.mark.parametrize(
    "message",
    [
        f'CSV parse error: Expected 33 columns, got 6: "C00004361","2026-10-03","UI","{SSN}","{FIRST}"',
        f"Unknown string format: {FIRST} {LAST} present at position 0",
        f"invalid literal for int() with base 10: '{ACCOUNT}'",
        f"bad email {EMAIL!r}",
    ],
)
def test_a_foreign_error_keeps_its_type_and_place_but_not_its_words(message: str) -> None:
    try:
        raise ValueError(message)
    except ValueError as exc:
        line = safe_message(exc)
    assert line.startswith("ValueError at test_no_raw_identifiers.py:")
    assert leaks_in(line) == []


def test_safe_message_keeps_what_an_operator_needs() -> None:
    error = OSError(28, "No space left on device", "/var/claimscreen/lake/claims/part-1.parquet")
    assert (
        safe_message(error)
        == "OSError: No space left on device (/var/claimscreen/lake/claims/part-1.parquet)"
    )
    assert safe_message(StageError("ingest: the lake is locked")) == "ingest: the lake is locked"
    chained = StageError("x")
    chained.__cause__ = ValueError(SSN)
    assert without_cause(chained).__cause__ is None
    assert isinstance(without_cause(KeyError(SSN)), StageError)
    assert SSN not in str(without_cause(KeyError(SSN)))
