"""Settings: defaults, a partial file, and a wrong value named in one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claimscreen.data.settings import (
    DATABASE_URL_ENV,
    Settings,
    SettingsError,
    load_settings,
    masked_url,
    resolve_home,
    review_database_url,
    use_review_database,
)
from claimscreen.features.network import RingRules


def test_no_file_means_every_default(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings == Settings()
    assert settings.agency_timezone == "America/New_York"
    assert settings.rings.kinds["bank_account"].cap == 100


def test_a_file_changes_only_what_it_names(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'agency_timezone = "America/Chicago"\n\n[rings]\nmin_ring_identities = 4\n'
        "family_homes = 1\nstrangers_days = 0\n\n"
        "[rings.kinds.device]\ncap = 8\n"
    )
    settings = load_settings(tmp_path)
    assert settings.agency_timezone == "America/Chicago"
    assert settings.history_days == 90
    rules = RingRules.from_settings(settings.rings)
    assert rules.min_ring_identities == 4
    assert rules.family_homes == 1 and rules.household_identities == 5
    assert rules.strangers_days == 0
    assert rules.kinds["device"].cap == 8
    assert rules.kinds["device"].burst_gap_seconds == 300  # kept from the default
    assert rules.kinds["bank_account"].cap == 100


def test_default_ring_rules_are_the_settings_defaults() -> None:
    assert RingRules() == RingRules.from_settings(Settings().rings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'agency_timezone = "Mars/Olympus"',
            "agency_timezone: Value error, unknown time zone 'Mars/Olympus'",
        ),
        ("history_days = 0", "history_days: Input should be greater than or equal to 1"),
        ("colour = 3", "colour: Extra inputs are not permitted"),
        ("[rings.kinds.fax]\ncap = 3", "unknown identifier kind(s): fax"),
        ("history_days = ", "not valid TOML"),
        ('[scoring]\ncalibration = "platt"', "scoring.calibration: Input should be 'sigmoid' or 'isotonic'"),
    ],
)
def test_a_wrong_value_is_named_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "settings.toml").write_text(text + "\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_home_comes_from_the_argument_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMSCREEN_HOME", str(tmp_path / "env"))
    assert resolve_home(tmp_path / "arg") == (tmp_path / "arg").resolve()
    assert resolve_home(None) == (tmp_path / "env").resolve()
    monkeypatch.delenv("CLAIMSCREEN_HOME")
    assert resolve_home(None) == (Path.home() / ".claimscreen").resolve()


def test_the_operating_keys_have_defaults() -> None:
    settings = Settings()
    assert (settings.schedule.work_pool, settings.schedule.allow_gap) == ("claimscreen", False)
    assert settings.review.database_url is None
    assert (settings.alerts.notify_block, settings.alerts.command, settings.alerts.webhook_url) == (None,) * 3
    assert (settings.alerts.quarantine_share, settings.alerts.timeout_seconds) == (0.2, 10)
    assert settings.scale_out.min_claims > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[schedule]\nwork_pool = ""', "schedule.work_pool: String should have at least 1 character"),
        ('[schedule]\nallow_gap = "sometimes"', "schedule.allow_gap: Input should be a valid boolean"),
        (
            '[alerts]\nnotify_block = "state-it"',
            "alerts.notify_block: Value error, 'state-it': give the block",
        ),
        (
            '[alerts]\nwebhook_url = "ftp://x"',
            "alerts.webhook_url: Value error, not an http:// or https:// URL",
        ),
        ("[alerts]\ncommand = []", "alerts.command: List should have at least 1 item"),
        ("[alerts]\nquarantine_share = 0", "alerts.quarantine_share: Input should be greater than 0"),
        ("[alerts]\nwebhok_url = 3", "alerts.webhok_url: Extra inputs are not permitted"),
        ("[scale_out]\nmin_claims = -1", "scale_out.min_claims: Input should be greater than or equal to 0"),
        (
            '[review]\ndatabase_url = "db:secret@nowhere"',
            "review.database_url: Value error, not a database URL",
        ),
    ],
)
def test_a_wrong_operating_key_is_named_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "settings.toml").write_text(text + "\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "secret" not in str(caught.value)


def test_a_database_url_is_masked_wherever_it_is_told() -> None:
    assert masked_url("postgresql+psycopg://claimscreen:s3cret@db.agency.gov/cs") == (
        "postgresql+psycopg://claimscreen:***@db.agency.gov/cs"
    )
    assert masked_url("sqlite:////srv/review.db") == "sqlite:////srv/review.db"
    assert "s3cret" not in masked_url("not a url s3cret")


def test_the_review_database_comes_from_the_parameter_then_the_environment_then_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "placeholder")
    monkeypatch.delenv(DATABASE_URL_ENV)  # restored to unset after the test
    assert use_review_database(tmp_path) is None and DATABASE_URL_ENV not in os.environ
    (tmp_path / "settings.toml").write_text(
        '[review]\ndatabase_url = "postgresql+psycopg://cs@db/settings"\n'
    )
    assert use_review_database(tmp_path) == "postgresql+psycopg://cs@db/settings"
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://cs@db/environment")
    assert use_review_database(tmp_path) == "postgresql+psycopg://cs@db/environment"
    assert use_review_database(tmp_path, "sqlite:////srv/parameter.db") == "sqlite:////srv/parameter.db"
    assert os.environ[DATABASE_URL_ENV] == "sqlite:////srv/parameter.db"
    with pytest.raises(SettingsError, match=r"^database_url: not a database URL") as caught:
        use_review_database(tmp_path, "user:s3cret@nowhere")
    assert "s3cret" not in str(caught.value)


def test_the_environment_overrides_the_settings_file_at_every_call_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimscreen.review.db import database_url, has_database

    monkeypatch.setenv(DATABASE_URL_ENV, "placeholder")
    monkeypatch.delenv(DATABASE_URL_ENV)  # restored to unset after the test
    first, second = tmp_path / "first", tmp_path / "second"
    for home in (first, second):
        home.mkdir()
        (home / "settings.toml").write_text(f'[review]\ndatabase_url = "sqlite:///{home / "s.db"}"\n')
    # The settings' URL, read where the database is opened, with no earlier call to copy it.
    assert database_url(first) == review_database_url(first) == f"sqlite:///{first / 's.db'}"
    assert has_database(first) and not (first / "review.db").exists()
    # Choosing one home's database never makes it outrank another home's settings.
    assert use_review_database(first) == f"sqlite:///{first / 's.db'}" and DATABASE_URL_ENV not in os.environ
    assert database_url(second) == f"sqlite:///{second / 's.db'}"
    # The variable wins over either file, everywhere.
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://cs@db/environment")
    for home in (first, second):
        assert database_url(home) == review_database_url(home) == use_review_database(home)
        assert database_url(home) == "postgresql+psycopg://cs@db/environment"
    # A wrong variable is named in one line, without its value (it may hold a password).
    monkeypatch.setenv(DATABASE_URL_ENV, "cs:s3cret@nowhere")
    with pytest.raises(SettingsError, match=rf"^{DATABASE_URL_ENV}: not a database URL") as caught:
        database_url(first)
    assert "s3cret" not in str(caught.value)


def test_the_review_application_reads_the_same_variable() -> None:
    from claimscreen.review.db import DATABASE_URL_ENV as REVIEW_ENV

    assert REVIEW_ENV == DATABASE_URL_ENV
