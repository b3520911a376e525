"""One typed settings object, loaded from ``HOME/settings.toml`` with defaults.

The home folder (``--home`` or ``CLAIMSCREEN_HOME``, default ``~/.claimscreen``)
holds everything claimscreen keeps between runs: the lake, the model registry,
the run reports, the secret key and the embedded review database. Nothing is
ever written into the source tree.

A settings file holds any subset of the fields below, e.g.::

    agency_timezone = "America/Chicago"
    history_days = 120

    [rings]
    min_ring_identities = 4

    [rings.kinds.device]
    cap = 8
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


class KindRuleSettings(BaseModel):
    """When a shared value of one identifier kind links claims into a ring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cap: int = Field(ge=0, description="most distinct people sharing a value that still links them")
    burst_gap_seconds: int | None = Field(
        None, ge=1, description="uses this close together count as a burst, linking past the cap"
    )


def _default_ring_kinds() -> dict[str, KindRuleSettings]:
    return {
        "bank_account": KindRuleSettings(cap=100),
        "email": KindRuleSettings(cap=100),
        "phone": KindRuleSettings(cap=100),
        "device": KindRuleSettings(cap=5, burst_gap_seconds=300),
        "address": KindRuleSettings(cap=5, burst_gap_seconds=1800),
        "ip": KindRuleSettings(cap=5),
        "risky_ip": KindRuleSettings(cap=0, burst_gap_seconds=600),
    }


class RingSettings(BaseModel):
    """The ring rule (see claimscreen.features.network): which shared identifiers link claims."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[str, KindRuleSettings] = Field(default_factory=_default_ring_kinds)
    risky_ip_categories: tuple[str, ...] = ("hosting", "vpn", "tor")
    burst_min_identities: int = Field(2, ge=2)
    burst_share: float = Field(0.5, gt=0, le=1)
    burst_cap: int = Field(500, ge=1)
    min_ring_identities: int = Field(3, ge=2)
    household_identities: int = Field(5, ge=0)

    @field_validator("kinds", mode="before")
    @classmethod
    def _over_defaults(cls, given: dict[str, object]) -> dict[str, object]:
        """A settings file names only the kinds it changes; the others keep their defaults."""
        unknown = sorted(set(given) - set(_default_ring_kinds()))
        if unknown:
            raise ValueError(f"unknown identifier kind(s): {', '.join(unknown)}")
        defaults: dict[str, object] = {k: v.model_dump() for k, v in _default_ring_kinds().items()}
        for kind, rule in given.items():
            base = defaults[kind]
            assert isinstance(base, dict)
            defaults[kind] = {**base, **rule} if isinstance(rule, dict) else rule
        return defaults


class Settings(BaseModel):
    """Every tunable value of claimscreen, with its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency_timezone: str = Field(
        "America/New_York", description="time zone of filed_at values written without an offset"
    )
    history_days: int = Field(90, ge=1, description="days of history the features look back over")
    rings: RingSettings = Field(default_factory=RingSettings)

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
