"""`claimscreen review ...`: help, add-user from standard input, publish, export, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from helpers import run_cli
from review_support import World

from claimscreen.flows.cli import main
from claimscreen.review.db import DATABASE_URL_ENV, MIGRATIONS

COMMANDS = [
    ["review"],
    *[["review", c] for c in ("serve", "migrate", "add-user", "publish", "export-dispositions")],
]


@pytest.fixture(autouse=True)
def sqlite_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], prog_name="claimscreen")
    assert result.exit_code == 0 and "Usage: claimscreen review" in result.output


def test_add_user_reads_the_password_from_stdin(tmp_path: Path) -> None:
    code, out, err = run_cli(
        tmp_path, "review", "add-user", "alice", "--role", "investigator", stdin="a-long-password\n"
    )
    assert code == 0, err
    assert "user alice added (investigator)" in out
    assert (tmp_path / "review.db").stat().st_mode & 0o077 == 0
    code, _, err = run_cli(
        tmp_path, "review", "add-user", "alice", "--role", "investigator", stdin="a-long-password\n"
    )
    assert code == 2 and err == "claimscreen: error: user 'alice' already exists\n"


def test_add_user_refuses_a_short_password(tmp_path: Path) -> None:
    code, _, err = run_cli(tmp_path, "review", "add-user", "bob", "--role", "supervisor", stdin="short\n")
    assert code == 2
    assert err == "claimscreen: error: password too short: at least 12 characters\n"


def test_add_user_refuses_an_unknown_role(tmp_path: Path) -> None:
    code, _, err = run_cli(tmp_path, "review", "add-user", "bob", "--role", "boss", stdin="a-long-password\n")
    assert code == 2 and err.count("\n") == 1 and "boss" in err


def test_migrate_publish_export(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'cli.db'}")
    code, out, err = run_cli(world.home, "review", "migrate")
    assert code == 0, err
    assert f"revision {ScriptDirectory(str(MIGRATIONS)).get_current_head()}" in out
    night = world.nights[0].isoformat()
    code, out, err = run_cli(world.home, "review", "publish", "--date", night)
    assert code == 0, err
    assert f"{len(world.queued[world.nights[0]])} claims published, 0 already there" in out
    code, out, _ = run_cli(world.home, "review", "publish", "--date", night)
    assert "0 claims published" in out
    assert "0 look-back alerts (0 cases opened, 0 joined existing cases); 0 verification outcomes" in out
    target = tmp_path / "dispositions.csv"
    code, out, err = run_cli(world.home, "review", "export-dispositions", "--out", str(target))
    assert code == 0, err
    assert pd.read_csv(target).columns.tolist() == [
        "claim_id",
        "outcome",
        "decided_at",
        "source",
        "decided_by",
        "overpayment",
    ]


def test_publish_errors_are_one_line(tmp_path: Path) -> None:
    code, _, err = run_cli(tmp_path, "review", "publish", "--date", "2026-13-01")
    assert code == 2 and err.count("\n") == 1
    code, _, err = run_cli(tmp_path, "review", "publish", "--date", "2026-10-01")
    assert code == 2 and err.startswith("claimscreen: error: night 2026-10-01 has no review queue")


def test_an_unreachable_database_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    code, _, err = run_cli(tmp_path, "review", "migrate")
    assert code == 2 and err.startswith("claimscreen: error: review database:") and err.count("\n") == 1


def test_the_application_closes_the_database_it_opened_when_it_shuts_down(tmp_path: Path) -> None:
    """SQLite removes its WAL and shared-memory files when the last connection closes."""
    from fastapi.testclient import TestClient

    from claimscreen.review.app import create_app

    home = tmp_path / "home"
    home.mkdir()
    with TestClient(create_app(home)) as client:
        assert client.get("/login").status_code == 200
        assert (home / "review.db").exists()
    assert not list(home.glob("review.db-*"))
