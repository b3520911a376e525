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

    [schedule]
    inbox = "/srv/claimscreen/inbox"
    nightly_cron = "30 1 * * *"
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from claimscreen.data.errors import ClaimscreenError

__all__ = [
    "DATABASE_URL_ENV",
    "HOME_ENV",
    "SECRET_KEY_ENV",
    "AgencySettings",
    "AlertSettings",
    "InterstateSettings",
    "RingSettings",
    "ScheduleSettings",
    "ScoringSettings",
    "Settings",
    "SettingsError",
    "load_settings",
    "masked_url",
    "resolve_home",
    "review_database_url",
    "use_review_database",
]

HOME_ENV = "CLAIMSCREEN_HOME"
#: The review database's URL (read by claimscreen.review.db); it overrides ``[review] database_url``.
DATABASE_URL_ENV = "CLAIMSCREEN_DATABASE_URL"
SECRET_KEY_ENV = "CLAIMSCREEN_SECRET_KEY"
SETTINGS_FILE = "settings.toml"


class SettingsError(ClaimscreenError):
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
    family_homes: int = Field(
        2,
        ge=1,
        description="a family (people joined by a home or a surname word) at this many homes or fewer, "
        "each a household, with no hard evidence and no fraud decision, is no ring; 1: only one home",
    )
    strangers_days: int = Field(
        3,
        ge=0,
        description="3 to household_identities people with no surname word in common at one unit or PO "
        "box are a ring when 3 of them first gave it within this many days (0: never)",
    )
    shared_computers: bool = Field(
        True,
        description="a few people (at most household_identities) joined only by devices and the one "
        "home network they stay on, at a person's pace, with no hard evidence and no fraud "
        "decision, are no ring: a relative, neighbour or community helper filing for them",
    )
    drop_days: int = Field(
        21,
        ge=1,
        description="a unit (or PO box) given by more people than the address cap is a mail drop when "
        "most of them first gave it within this many days",
    )
    drop_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="share of the unit's people in the window who must fall within drop_days (a unit "
        "that hosts claimants all through the window is not a drop)",
    )
    drop_min_surnames: int = Field(
        4,
        ge=1,
        description="a mail drop holds at least this many different surnames, and at least one per two "
        "people (a large family is not a drop)",
    )
    roam_min_networks: int = Field(
        4,
        ge=2,
        description="a device used by more people than its cap, not in bursts, still links them when its "
        "claims come from at least this many different IP networks (IPv4 /16, IPv6 /32): a farm behind "
        "rotating residential proxies; a library or office computer stays on one network",
    )
    roam_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="... and from at least this many networks per person using the device",
    )

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


class ScoringSettings(BaseModel):
    """How claims are routed (see claimscreen.models.routing) and when a model is promoted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    review_capacity: int = Field(
        500, ge=0, description="claims the investigators can review per night (a ring counts per claim)"
    )
    max_honest_delay_share: float = Field(
        0.03, ge=0, le=1, description="largest estimated share of honest claimants that may be delayed"
    )
    min_verify_score: float = Field(
        0.5, ge=0, le=1, description="no claim scoring below this is delayed, whatever the capacity"
    )
    min_model_only_score: float = Field(
        0.8,
        ge=0,
        le=1,
        description="a claim on which no named signal fires (only the model's pattern) is delayed "
        "only at this score or more; at min_verify_score or lower the gate is off",
    )
    min_review_score: float = Field(
        0.8, ge=0, le=1, description="a claim (or a ring's strongest claim) must score this to go to review"
    )
    audit_share: float = Field(
        0.005, ge=0, le=0.2, description="share of clear claims drawn each night for audit after payment"
    )
    audit_seed: int = Field(0, description="seed of the nightly audit draw (with the night's date)")
    fairness_min_ratio: float = Field(
        0.8, ge=0, le=1, description="a model is promoted only if min/max false-positive rate >= this"
    )
    fairness_max_gap_points: float = Field(
        1.0, ge=0, description="nor if two groups' false-positive rates differ by more (percentage points)"
    )
    evaluation_days: int = Field(
        14, ge=1, description="the most recent labeled nights that champion and challenger are compared on"
    )
    min_training_labels: int = Field(
        200, ge=10, description="fewest labeled claims to train a supervised model on"
    )
    min_training_fraud: int = Field(30, ge=5, description="of which at least this many found to be fraud")
    calibration: Literal["sigmoid", "isotonic"] = Field(
        "sigmoid", description="how the supervised model's scores become probabilities (sigmoid or isotonic)"
    )


class ScheduleSettings(BaseModel):
    """When the scheduled flows run, and what their deployments pass (``claimscreen deploy``;
    each key has an option of the same name that overrides it). Times are in the agency's
    time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inbox: Path | None = Field(None, description="folder the nightly batch files arrive in")
    nightly_cron: str = Field("0 2 * * *", description="when the nightly flow runs (cron)")
    retrain_cron: str = Field("0 4 * * 0", description="when the retraining flow runs (cron)")
    work_pool: str = Field(
        "claimscreen",
        min_length=1,
        description="the Prefect work pool the deployments run on (made if missing)",
    )
    allow_gap: bool = Field(
        False, description="the scheduled night runs even when a night before it is missing from the lake"
    )

    @field_validator("nightly_cron", "retrain_cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        """Five cron fields (minute hour day month weekday); Prefect checks each at deploy."""
        if len(value.split()) != 5:
            raise ValueError(f"{value!r} is not a cron expression of five fields, like '0 2 * * *'")
        return value


class ReviewSettings(BaseModel):
    """The review application's database, for every command and flow that reads or writes it
    (``CLAIMSCREEN_DATABASE_URL`` overrides it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the review database, e.g. "
        "postgresql+psycopg://claimscreen@db.agency.gov/claimscreen; default: the SQLite file HOME/review.db",
    )

    @field_validator("database_url")
    @classmethod
    def _a_database_url(cls, value: str | None) -> str | None:
        """A URL SQLAlchemy can read; the message never repeats it (it may hold a password)."""
        if value is None:
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("not a database URL (like postgresql+psycopg://USER@HOST/DB)") from None
        return value


def masked_url(url: str) -> str:
    """A database URL with its password hidden (``***``), for a log or a message."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(a database URL that cannot be read)"


class AgencySettings(BaseModel):
    """Who the claimant's notice comes from: its letterhead (empty: no letterhead)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        "", max_length=200, description="the agency's name, e.g. Ohio Department of Job and Family Services"
    )
    mailing_address: str = Field(
        "", max_length=300, description="where a claimant mails documents, one line (commas between parts)"
    )
    phone: str = Field("", max_length=40, description="the claimant line, e.g. 1-877-644-6562")
    website: str = Field("", max_length=200, description="the claimant portal, e.g. unemployment.ohio.gov")


class AlertSettings(BaseModel):
    """Who hears of a night that fails, or quarantines too much (docs/state-it.md, "Alerts").

    Scheduled runs alert through the Prefect automation that ``claimscreen deploy`` makes with
    ``notify_block``. A night run by a command (``claimscreen nightly``, ``backfill``) alerts by
    itself: through ``notify_block`` when a Prefect server is set, else through ``command``
    and ``webhook_url``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notify_block: str | None = Field(
        None, description="Prefect notification block TYPE/NAME, e.g. slack-webhook/state-it"
    )
    command: list[str] | None = Field(
        None,
        min_length=1,
        description="a program and its arguments, run with the alert's text on its standard input",
    )
    webhook_url: str | None = Field(
        None, description="an http(s) URL the alert is POSTed to as JSON ({'text': ...} and fields)"
    )
    quarantine_share: float = Field(
        0.2,
        gt=0,
        le=1,
        description="a completed night that quarantines more than this share of its rows alerts",
    )
    timeout_seconds: float = Field(10, gt=0, le=300, description="longest wait for the command or webhook")
    missed_night_hours: int = Field(
        26,
        ge=0,
        le=336,
        description="with notify_block, deploy also makes an alert when no scheduled night completed "
        "within this many hours (0: none)",
    )

    @field_validator("notify_block")
    @classmethod
    def _type_and_name(cls, value: str | None) -> str | None:
        if value is not None:
            kind, _, name = value.partition("/")
            if not kind or not name:
                raise ValueError(f"{value!r}: give the block as TYPE/NAME, e.g. slack-webhook/state-it")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("not an http:// or https:// URL")
        return value


class ScaleOutSettings(BaseModel):
    """When ``--workers`` (or ``--dask-address``) scores a night on Dask (bench/scale_out.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_claims: int = Field(
        3_000_000,
        ge=0,
        description="a night of fewer claims is scored in the command's process whatever --workers says "
        "(measured on 2 cores: scale-out cannot pay below 2.7 to 5.8 million claims; 0 always scales out)",
    )


class ReferenceSettings(BaseModel):
    """How much of a reference list file may be rejected before the load is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_rejected_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="a reference list file with a larger share of rejected rows is refused (the "
        "list stays as it was) unless loaded with --force",
    )


class InterstateSettings(BaseModel):
    """When a claim by the same SSN in another state is evidence (see
    claimscreen.features.identity_signals and the INTERSTATE reason code).

    A claim there that overlaps this one (filed within ``concurrent_days`` of it), or claims
    in two or more other states within ``relevance_days``, are hard evidence (review): the
    national cross-match looks for benefits collected in two states for the same weeks. One
    older claim in one other state is what a person who moved here shows: a weak signal only.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    relevance_days: int = Field(
        365,
        ge=1,
        description="another state's claim filed up to this many days before the filing counts at "
        "all (one benefit year); two or more other states within it are hard evidence (review)",
    )
    concurrent_days: int = Field(
        30,
        ge=0,
        description="another state's claim filed this many days or fewer before or after the filing "
        "overlaps it: hard evidence (review); an older one is a weak signal only",
    )

    @field_validator("concurrent_days")
    @classmethod
    def _within_relevance(cls, value: int, info: ValidationInfo) -> int:
        relevance = info.data.get("relevance_days")
        if relevance is not None and value > relevance:
            raise ValueError(f"concurrent_days ({value}) must not exceed relevance_days ({relevance})")
        return value


class VerificationSettings(BaseModel):
    """The claimant after the night: how long a `verify` claim waits for its checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    no_response_days: int = Field(
        5, ge=1, le=60, description="days after the request without an outcome before a claim goes to review"
    )
    lookback_days: int = Field(
        365,
        ge=1,
        le=730,
        description="claims cleared this many days before a night or fewer (one benefit year) are "
        "checked again that night against what changed since (look-back alerts)",
    )


class Settings(BaseModel):
    """Every tunable value of claimscreen, with its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency_timezone: str = Field(
        "America/New_York", description="time zone of filed_at values written without an offset"
    )
    history_days: int = Field(90, ge=1, description="days of history the features look back over")
    interstate: InterstateSettings = Field(default_factory=InterstateSettings)
    rings: RingSettings = Field(default_factory=RingSettings)
    agency: AgencySettings = Field(default_factory=AgencySettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    reference: ReferenceSettings = Field(default_factory=ReferenceSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    scale_out: ScaleOutSettings = Field(default_factory=ScaleOutSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    verification: VerificationSettings = Field(default_factory=VerificationSettings)

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
        raise SettingsError(f"{path}: {where}: {first['msg']}") from None


def _reason(exc: ValidationError) -> str:
    return exc.errors()[0]["msg"].removeprefix("Value error, ")


def review_database_url(home: Path, url: str | None = None) -> str | None:
    """The review database's URL by one rule for every command, flow and the review app: ``url``
    (a deployment's parameter), else ``CLAIMSCREEN_DATABASE_URL``, else the settings file's
    ``[review] database_url``; None means the default SQLite file. The environment overrides
    the settings file, as every ``CLAIMSCREEN_*`` variable does. A URL SQLAlchemy cannot read,
    or a wrong settings file, raises :class:`SettingsError` naming where it came from (never
    the URL, which may hold a password)."""
    if url is None and os.environ.get(DATABASE_URL_ENV):
        url, source = os.environ[DATABASE_URL_ENV], DATABASE_URL_ENV
    elif url is None:
        return load_settings(home).review.database_url
    else:
        source = "database_url"
    try:
        ReviewSettings(database_url=url)
    except ValidationError as exc:  # its text would repeat the URL: keep only the reason
        raise SettingsError(f"{source}: {_reason(exc)}") from None
    return url


def use_review_database(home: Path, url: str | None = None) -> str | None:
    """The review database's URL (see :func:`review_database_url`), checked. A deployment's
    parameter ``url`` is also put in ``CLAIMSCREEN_DATABASE_URL``, so that every stage of the
    run, in this process or its workers, uses it; the settings file's URL is never copied
    there (the variable would then outrank another home's or a changed settings file)."""
    chosen = review_database_url(home, url)
    if url is not None:
        os.environ[DATABASE_URL_ENV] = url
    return chosen
