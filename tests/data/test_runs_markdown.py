"""The night report's Markdown: honest claimants delayed and why, the largest rings, drift warnings."""

from __future__ import annotations

from claimscreen.data.runs import markdown_report


def report_with(score: dict[str, object]) -> dict[str, object]:
    totals = {"rows_read": 10, "rows_ingested": 10, "rows_quarantined": 0, "quarantined_by_reason": {}}
    stages = [{"name": "score", "status": "completed", "seconds": 1.0, "details": score}]
    return {"batch_date": "2026-10-02", "status": "completed", "totals": totals, "stages": stages}


def test_the_report_says_who_waits_why_and_what_moved() -> None:
    text = markdown_report(
        report_with(
            {
                "honest_delayed_estimate": 3.5,
                "honest_delayed_share": 0.0035,
                "delayed_by_reason": {"RING": 4, "DECEASED": 1},
                "held_back": {"model_only": 7, "honest_delay_budget": 0},
                "largest_rings": [
                    {"ring_id": "R-1", "size": 12, "claims_tonight": 5, "route": "review", "new": True}
                ],
                "drift_warnings": ["session_seconds: PSI 0.31 (above 0.2)"],
            }
        )
    )
    assert (
        "Estimated honest claimants delayed: 3.5 (0.35%); first reasons of the delayed: RING 4, DECEASED 1"
        in text
    )
    assert (
        "Paid although scoring min_verify_score or more: 7 (only the model's pattern, below "
        "min_model_only_score), 0 (honest-delay budget spent)." in text
    )
    assert "| R-1 | 12 | 5 | review | yes |" in text
    assert "**Drift warning**: session_seconds: PSI 0.31 (above 0.2)" in text


def test_a_night_without_scores_has_no_scoring_lines() -> None:
    text = markdown_report(report_with({}))
    assert "honest claimants" not in text and "Drift" not in text and "Paid although" not in text
