"""One typed settings object, loaded from ``HOME/settings.toml`` with defaults.

The home folder (``--home`` or ``CLAIMSCREEN_HOME``, default ``~/.claimscreen``)
holds everything claimscreen keeps between runs: the lake, the model registry,
the run reports, the secret key and the embedded review database. Nothing is
ever written into the source tree.

A settings file holds any subset of the fields below, e.g.::

    agency_timezone = "America/Chicago"
    history_days = 120
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

HOME_ENV = "CLAIMSCREEN_HOME"
SECRET_KEY_ENV = "CLAIMSCREEN_SECRET_KEY"
SETTINGS_FILE = "settings.toml"


class SettingsError(ValueError):
    """The settings file is unreadable or holds a wrong value."""


class Settings(BaseModel):
    """Every tunable value of claimscreen, with its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency_timezone: str = Field(
        "America/New_York", description="time zone of filed_at values written without an offset"
    )
    history_days: int = Field(90, ge=1, description="days of history the features look back over")

    @field_validator("agency_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The home folder: the argument, else ``CLAIMSCREEN_HOME``, else ``~/.claimscreen``."""
    chosen = home or os.environ.get(HOME_ENV) or Path.home() / ".claimscreen"
    return Path(chosen).expanduser().resolve()


def load_settings(home: Path) -> Settings:
    """Read ``home/settings.toml`` (absent means all defaults)."""
    path = home / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return Settings(**raw)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettingsError(f"{path}: {where}: {first['msg']}") from exc
