"""The night context: what every stage of one night runs on, built once per run.

``flows/nightly.py`` builds one :class:`NightContext` when a night starts (the home
folder's lake, its settings read once, the night) and hands it to each stage,
instead of each stage opening the lake and reading ``settings.toml`` again. A
stage's own function still takes the home folder and optional ``settings`` and
``lake`` (bench scripts and tests call them so); the context is how the flow
passes the same ones to all of them.

The secret key is read on first use (``key``), and never appears in the context's
``repr``; the context is not sent to Dask workers (the score chunks open the lake
where they run).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from claimscreen.data.lake import Lake
from claimscreen.data.settings import Settings, load_settings
from claimscreen.data.tokenize import load_secret_key

__all__ = ["NightContext"]


@dataclass(frozen=True)
class NightContext:
    """One night's lake, settings and date (and the secret key, read when first asked for)."""

    lake: Lake
    settings: Settings
    night: dt.date

    @classmethod
    def open(cls, home: Path | str, night: dt.date, settings: Settings | None = None) -> NightContext:
        """The context of ``night`` under ``home``; the settings read now unless given."""
        home = Path(home)
        return cls(Lake(home), settings if settings is not None else load_settings(home), night)

    @property
    def home(self) -> Path:
        return self.lake.home

    @property
    def timezone(self) -> str:
        """The agency's time zone, in which a night begins and ends."""
        return self.settings.agency_timezone

    @cached_property
    def key(self) -> bytes:
        """The tokenization key (``CLAIMSCREEN_SECRET_KEY`` or ``HOME/secret.key``), read once."""
        return load_secret_key(self.home)
