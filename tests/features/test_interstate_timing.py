"""Interstate claims by timing: an overlapping claim in another state is hard evidence, one
older claim in the state a person left is not (issue #17, item 3)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from claimscreen.data.settings import InterstateSettings, Settings
from claimscreen.features.identity_signals import WINDOW_COLUMNS, compute_identity_signals

NIGHT = dt.date(2026, 10, 1)
FILED = pd.Timestamp("2026-10-01T14:00:00Z")


def window(*ssns: str, state: str | None = "OH") -> pd.DataFrame:
    """Tonight's claims in lake form, one per SSN token, filed on the night, living in ``state``."""
    frame = pd.DataFrame(
        {
            "claim_id": [f"C{i + 1}" for i in range(len(ssns))],
            "batch_date": NIGHT,
            "filed_at": FILED,
            "program": "UI",
            "ssn_token": list(ssns),
            "first_name_norm": "MARIA",
            "last_name_norm": "LOPEZ",
            "date_of_birth": dt.date(1980, 4, 12),
            "email": [f"{s}@gmail.com" for s in ssns],
            "email_canonical": [f"{s}@gmail.com" for s in ssns],
            "state": state,
        }
    )
    for column in WINDOW_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame if state is not None else frame.drop(columns="state")


def elsewhere(*rows: tuple[str, str, int]) -> pd.DataFrame:
    """The interstate_claims list (ssn_token, state, filed_at): (token, state, days before the night)."""
    return pd.DataFrame(
        {
            "ssn_token": [r[0] for r in rows],
            "state": [r[1] for r in rows],
            "filed_at": [pd.Timestamp("2026-10-01T15:00:00Z") - pd.Timedelta(days=r[2]) for r in rows],
        }
    )


def signals(frame: pd.DataFrame, other: pd.DataFrame, **windows: int) -> pd.DataFrame:
    interstate = InterstateSettings(**windows)  # type: ignore[arg-type]
    return compute_identity_signals(frame, NIGHT, {"interstate_claims": other}, interstate=interstate)


def test_one_older_claim_where_a_person_lived_is_not_hard_evidence() -> None:
    out = signals(window("mover"), elsewhere(("mover", "PA", 200)))
    row = out.iloc[0]
    assert row["interstate_states"] == 1 and row["interstate_days_since_latest"] == 200
    assert not row["interstate_concurrent"] and not row["interstate_claim"]


def test_a_claim_in_another_state_days_apart_is_concurrent() -> None:
    out = signals(window("double"), elsewhere(("double", "PA", 3)))
    row = out.iloc[0]
    assert row["interstate_concurrent"] and row["interstate_claim"]
    assert row["interstate_days_since_latest"] == 3 and row["interstate_states"] == 1


def test_claims_in_two_other_states_within_the_year_are_hard_evidence() -> None:
    out = signals(window("multi"), elsewhere(("multi", "PA", 250), ("multi", "MI", 100)))
    row = out.iloc[0]
    assert row["interstate_states"] == 2 and not row["interstate_concurrent"]
    assert row["interstate_claim"] and row["interstate_days_since_latest"] == 100


def test_the_same_state_twice_is_one_state() -> None:
    out = signals(window("twice"), elsewhere(("twice", "PA", 300), ("twice", "PA", 90)))
    row = out.iloc[0]
    assert row["interstate_states"] == 1 and not row["interstate_claim"]
    assert row["interstate_days_since_latest"] == 90


def test_the_window_edges_and_the_night() -> None:
    frame = window("edge30", "edge31", "old", "later", "after")
    other = elsewhere(
        ("edge30", "PA", 30),
        ("edge31", "PA", 31),
        ("old", "PA", 366),
        ("later", "PA", 0),  # filed there after this claim, still by the night: concurrent
        ("after", "PA", -2),  # filed after the night: not known yet
    )
    out = signals(frame, other)
    assert out["interstate_concurrent"].tolist() == [True, False, False, True, False]
    assert out["interstate_claim"].tolist() == [True, False, False, True, False]
    assert out["interstate_states"].tolist() == [1, 1, 0, 1, 0]
    days = out["interstate_days_since_latest"].to_numpy()
    assert days[:2].tolist() == [30, 31] and days[3] == 0
    assert np.isnan(days[2]) and np.isnan(days[4])


def test_the_windows_are_settings() -> None:
    frame = window("a", "b")
    other = elsewhere(("a", "PA", 10), ("b", "PA", 200))
    narrow = signals(frame, other, concurrent_days=5, relevance_days=150)
    assert narrow["interstate_concurrent"].tolist() == [False, False]
    assert narrow["interstate_states"].tolist() == [1, 0]
    wide = signals(frame, other, concurrent_days=200)
    assert wide["interstate_claim"].tolist() == [True, True]
    assert Settings().interstate == InterstateSettings(relevance_days=365, concurrent_days=30)


def test_a_claim_in_the_claimants_own_home_state_is_marked() -> None:
    other = elsewhere(("home", "pa", 200), ("away", "MI", 200))
    lives_in_pa = signals(window("home", "away", state="PA"), other)
    assert lives_in_pa["interstate_residence_state"].tolist() == [True, False]
    # It still counts as another state's claim: the list says another state took it.
    assert lives_in_pa["interstate_states"].tolist() == [1, 1]
    assert not signals(window("home", state=None), other)["interstate_residence_state"].any()
    unknown = window("home").assign(state=pd.Series([None], dtype="object"))
    assert not signals(unknown, elsewhere(("home", "", 200)))["interstate_residence_state"].any()


def test_no_list_gives_no_interstate_signal() -> None:
    out = compute_identity_signals(window("a"), NIGHT, {})
    assert not out["interstate_claim"].any() and not out["interstate_concurrent"].any()
    assert out["interstate_days_since_latest"].isna().all()
