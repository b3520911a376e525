"""Shared fixtures: a home folder per test with a fixed secret key; Prefect kept local and quiet."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from helpers import TEST_KEY

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="claimscreen-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)
    path = tmp_path / "home"
    path.mkdir()
    return path
