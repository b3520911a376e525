"""Verification requests, their outcomes, and every claim's status and wait."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from claimant_world import NIGHT, scored_night

from claimscreen.data.errors import InputError
from claimscreen.data.labels import import_labels
from claimscreen.models.verification import (
    checks_for,
    claim_statuses,
    import_outcomes,
    read_outcomes,
    verify_requests,
)


def outcomes_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "outcomes.csv"
    path.write_text("claim_id,check,outcome,decided_at,provider\n" + "".join(r + "\n" for r in rows))
    return path


def test_checks_follow_the_evidence() -> None:
    assert checks_for("SHORT_SESSION") == "identity"
    assert checks_for("RING_BANK_ACCOUNT") == "bank_account"
    assert checks_for("RING_BANK_ACCOUNT;DEVICE_MANY_PEOPLE") == "identity;bank_account"
    assert checks_for("") == "identity"


def test_the_nights_verify_claims_and_their_checks(home: Path, tmp_path: Path) -> None:
    ran = scored_night(home, tmp_path)
    requests = verify_requests(home, NIGHT)
    assert requests.columns.tolist() == ["claim_id", "checks", "reasons", "requested_at"]
    assert requests["claim_id"].tolist() == ["C-id", "C-bank", "C-quiet"]
    assert requests["checks"].tolist() == ["identity", "identity;bank_account", "identity"]
    assert (requests["requested_at"] == ran).all()
    with pytest.raises(InputError, match="night 2026-10-02 has no scores"):
        verify_requests(home, dt.date(2026, 10, 2))


def test_statuses_follow_outcomes_decisions_and_the_no_response_wait(home: Path, tmp_path: Path) -> None:
    scored_night(home, tmp_path)
    report = import_outcomes(
        home,
        outcomes_file(
            tmp_path,
            "C-id,identity,passed,2026-10-02T08:00:00Z,login.gov",
            "C-bank,identity,passed,2026-10-02T09:00:00Z,login.gov",
            "C-bank,bank_account,failed,2026-10-02T10:00:00Z,bankcheck",
        ),
    )
    assert (report.rows_read, report.new) == (3, 3)
    as_of = pd.Timestamp("2026-10-03T02:00:00Z")
    status = claim_statuses(home, as_of).set_index("claim_id")
    assert status["status"].to_dict() == {
        "C-bank": "in_review",  # a failed check: an investigator's now
        "C-clear": "cleared",
        "C-id": "cleared",  # passed every check it needed: released
        "C-quiet": "verifying",  # no answer yet, within the wait
        "C-review": "in_review",
    }
    # Filed 2026-10-01 09:30 New York (13:30 UTC): cleared at the night's run, 12.5 hours later.
    assert status.loc["C-clear", "hours_waited"] == 12.5
    assert status.loc["C-id", "status_since"] == pd.Timestamp("2026-10-02T08:00:00Z")
    assert status.loc["C-id", "hours_waited"] == 18.5
    assert status.loc["C-quiet", "hours_waited"] == 36.5  # still waiting: up to as_of

    # Five days after the request without an answer, the claim goes to review.
    later = claim_statuses(home, pd.Timestamp("2026-10-08T00:00:00Z")).set_index("claim_id")
    assert later.loc["C-quiet", "status"] == "in_review"
    assert later.loc["C-quiet", "status_since"] == pd.Timestamp("2026-10-07T02:00:00Z")

    labels = tmp_path / "labels.csv"
    labels.write_text(
        "claim_id,outcome,decided_at,source\n"
        "C-bank,fraud,2026-10-04T15:00:00Z,investigation\n"
        "C-review,legitimate,2026-10-05T15:00:00Z,investigation\n"
        "C-clear,legitimate,2026-10-05T15:00:00Z,audit\n"
    )
    import_labels(home, labels)
    decided = claim_statuses(home, pd.Timestamp("2026-10-06T00:00:00Z")).set_index("claim_id")
    assert decided.loc["C-bank", "status"] == "decided_fraud"
    assert decided.loc["C-review", "status"] == "decided_legitimate"
    assert decided.loc["C-review", "hours_waited"] == pytest.approx(24 * 4 + 1.5)
    # Audited after payment: decided now, but its claimant waited only until the night paid it.
    assert decided.loc["C-clear", "status"] == "decided_legitimate"
    assert decided.loc["C-clear", "hours_waited"] == 12.5
    # Before the decisions were made, they are not seen.
    assert claim_statuses(home, as_of).set_index("claim_id").loc["C-review", "status"] == "in_review"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("C-nope,identity,passed,2026-10-02,login.gov", "outcomes.csv: row 1 names a claim id never scored"),
        (
            "C-clear,identity,passed,2026-10-02,login.gov",
            "outcomes.csv: row 1 names a claim routed clear, not verify",
        ),
        (
            "C-id,identity,maybe,2026-10-02,login.gov",
            "outcomes.csv: row 1: unknown outcome (1 bad row(s) in all)",
        ),
        ("C-id,retina,passed,2026-10-02,login.gov", "outcomes.csv: row 1: unknown check"),
        ("C-id,identity,passed,yesterday,login.gov", "outcomes.csv: row 1: malformed decided_at"),
        ("C-id,identity,passed,2026-10-02,", "outcomes.csv: row 1: missing provider"),
    ],
)
def test_a_wrong_outcome_file_is_one_line_and_changes_nothing(
    home: Path, tmp_path: Path, row: str, message: str
) -> None:
    scored_night(home, tmp_path)
    import_outcomes(home, outcomes_file(tmp_path, "C-id,identity,passed,2026-10-02T08:00:00Z,login.gov"))
    before = read_outcomes(home)
    with pytest.raises(InputError) as raised:
        import_outcomes(home, outcomes_file(tmp_path, "C-bank,identity,passed,2026-10-02,x", row))
    assert str(raised.value).startswith(message.replace("row 1", "row 2"))
    assert "nothing was imported" in str(raised.value)
    pd.testing.assert_frame_equal(read_outcomes(home), before)


def test_importing_the_same_outcomes_again_adds_nothing(home: Path, tmp_path: Path) -> None:
    scored_night(home, tmp_path)
    source = outcomes_file(tmp_path, "C-id,identity,passed,2026-10-02T08:00:00Z,login.gov")
    assert import_outcomes(home, source).new == 1
    assert import_outcomes(home, source).new == 0
    assert len(read_outcomes(home)) == 1
