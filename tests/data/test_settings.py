"""Settings: defaults, a partial file, and a wrong value named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimscreen.data.settings import Settings, SettingsError, load_settings, resolve_home
from claimscreen.features.network import RingRules


def test_no_file_means_every_default(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings == Settings()
    assert settings.agency_timezone == "America/New_York"
    assert settings.rings.kinds["bank_account"].cap == 100


def test_a_file_changes_only_what_it_names(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'agency_timezone = "America/Chicago"\n\n[rings]\nmin_ring_identities = 4\n\n'
        "[rings.kinds.device]\ncap = 8\n"
    )
    settings = load_settings(tmp_path)
    assert settings.agency_timezone == "America/Chicago"
    assert settings.history_days == 90
    rules = RingRules.from_settings(settings.rings)
    assert rules.min_ring_identities == 4
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
