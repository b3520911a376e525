"""`claimscreen review serve` on a port already in use: one line, exit status 2, nothing started."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from helpers import run_cli

from claimscreen.review.db import DATABASE_URL_ENV


@pytest.fixture(autouse=True)
def sqlite_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_one_line(tmp_path: Path, workers: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run_cli(tmp_path, "review", "serve", "--port", str(port), "--workers", workers)
    assert code == 2
    assert err == f"claimscreen: error: 127.0.0.1:{port} is already in use; choose another --port\n"
    assert out == ""
    assert not (tmp_path / "review.db").exists()  # refused before the database was touched


def test_a_host_not_of_this_machine_is_one_line(tmp_path: Path) -> None:
    code, _, err = run_cli(tmp_path, "review", "serve", "--host", "192.0.2.1", "--port", "8000")
    assert code == 2
    assert err.startswith("claimscreen: error: cannot listen on 192.0.2.1:8000: ")  # the OS's reason
    assert err.endswith("; choose another --host or --port\n") and err.count("\n") == 1
