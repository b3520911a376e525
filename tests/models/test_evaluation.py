"""Evaluation figures on hand-made frames, fairness by group, the gate, the comparison and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from claimscreen.models.evaluation import (
    Evaluation,
    age_band,
    compare,
    evaluate,
    fairness_gate,
    write_report,
)


def ten_claims() -> pd.DataFrame:
    """5 honest (one sent to review), 5 fraud (one cleared); 3 fraud in a ring."""
    return pd.DataFrame(
        {
            "risk_score": [0.1, 0.2, 0.3, 0.4, 0.9, 0.8, 0.7, 0.6, 0.35, 0.95],
            "route": ["clear"] * 4 + ["review", "review", "review", "verify", "clear", "review"],
            "is_fraud": [False] * 5 + [True] * 5,
            "typology": ["legitimate"] * 5 + ["device_farm"] * 3 + ["drop_address"] * 2,
            "in_ring": [False] * 5 + [True, True, False, True, False],
            "age": [30.0, 45.0, 70.0, 30.0, 45.0, 30.0, 45.0, 70.0, 30.0, 45.0],
            "language": ["en", "en", "es", "en", "es", "en", "en", "es", "en", "en"],
        }
    )


def honest(n: int, delayed: int, **columns: object) -> pd.DataFrame:
    """``n`` honest claims, the first ``delayed`` of them routed to verify."""
    return pd.DataFrame(
        {
            "risk_score": 0.5,
            "route": ["verify"] * delayed + ["clear"] * (n - delayed),
            "is_fraud": False,
            **columns,
        },
        index=range(n),
    )


def by_language(sizes: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Honest claims per language: ``{language: (honest, delayed)}``, plus two fraud rows."""
    parts = [honest(n, d, language=lang, age=30.0) for lang, (n, d) in sizes.items()]
    fraud = pd.DataFrame(
        {"risk_score": [0.9, 0.8], "route": "review", "is_fraud": True, "language": "en", "age": 30.0}
    )
    return pd.concat([*parts, fraud], ignore_index=True)


# --- The main figures ----------------------------------------------------------------------


def test_rates_worked_by_hand() -> None:
    ev = evaluate(ten_claims())
    assert (ev.n, ev.honest, ev.fraud) == (10, 5, 5)
    assert ev.routes == {"clear": 5, "verify": 1, "review": 4}
    assert ev.honest_clear_rate == 4 / 5
    assert ev.fraud_caught_rate == 4 / 5
    assert ev.ring_members == 3
    assert ev.ring_caught_rate == 2 / 3
    assert ev.review_precision == 3 / 4
    assert (ev.honest_delayed, ev.honest_delayed_rate) == (1, 1 / 5)


def test_score_metrics_worked_by_hand() -> None:
    ev = evaluate(ten_claims())
    # 20 of the 25 (fraud, honest) pairs rank the fraud higher.
    assert ev.roc_auc == pytest.approx(20 / 25)
    # Fraud at ranks 1, 3, 4, 5 and 7 of the scores sorted high to low.
    assert ev.average_precision == pytest.approx((1 + 2 / 3 + 3 / 4 + 4 / 5 + 5 / 7) / 5)
    honest_sq = 0.1**2 + 0.2**2 + 0.3**2 + 0.4**2 + 0.9**2
    fraud_sq = 0.2**2 + 0.3**2 + 0.4**2 + 0.65**2 + 0.05**2
    assert ev.brier == pytest.approx((honest_sq + fraud_sq) / 10)


def test_catch_rate_per_typology() -> None:
    table = evaluate(ten_claims()).typology_catch
    assert table is not None
    assert table.to_dict(orient="records") == [
        {"typology": "device_farm", "claims": 3, "caught": 3, "rate": 1.0},
        {"typology": "drop_address", "claims": 2, "caught": 1, "rate": 0.5},
    ]


def test_age_bands_at_their_edges() -> None:
    ages = pd.Series([18.0, 39.9, 40.0, 64.99, 65.0, None])
    assert age_band(ages).tolist() == ["<40", "<40", "40-64", "40-64", "65+", "unknown"]


# --- Fairness ------------------------------------------------------------------------------


def test_fairness_tables_on_ten_claims() -> None:
    ev = evaluate(ten_claims(), min_group_ratio=1, min_group_gap=1)
    assert ev.fairness_age is not None and ev.fairness_language is not None
    age = ev.fairness_age.table
    assert age["group"].tolist() == ["<40", "40-64", "65+"]
    assert age["honest"].tolist() == [2, 2, 1]
    assert age["fpr"].tolist() == [0.0, 0.5, 0.0]
    assert ev.fairness_age.ratio == 0.0
    assert ev.fairness_age.gap_points == 50.0
    language = ev.fairness_language.table
    assert language[["group", "honest"]].values.tolist() == [["en", 3], ["es", 2]]
    assert language["fpr"].tolist() == [0.0, 0.5]


def test_fairness_passes_at_the_goal_with_default_sizes() -> None:
    # en 1.0%, es 0.8%: ratio exactly 0.8, gap 0.2 points; vi (299 honest) is too small for both.
    frame = by_language({"en": (1000, 10), "es": (1000, 8), "vi": (299, 299)})
    fair = evaluate(frame).fairness_language
    assert fair is not None
    assert fair.ratio == 0.8 and fair.ratio_passes is True
    assert fair.gap_points == pytest.approx(0.2) and fair.gap_passes is True
    assert fair.excluded_from_ratio == ("vi",)
    assert fair.excluded_from_gap == ("vi",)
    assert fair.table["fpr"].tolist() == [0.01, 0.008, 1.0]


def test_a_group_of_300_enters_the_gap_but_not_the_ratio() -> None:
    frame = by_language({"en": (1000, 10), "es": (1000, 8), "vi": (300, 6)})
    fair = evaluate(frame).fairness_language
    assert fair is not None
    assert fair.ratio == 0.8
    assert fair.excluded_from_ratio == ("vi",) and fair.excluded_from_gap == ()
    assert fair.gap_points == pytest.approx(1.2)  # vi 2.0% against es 0.8%
    assert fair.gap_passes is False


def test_fairness_fails_ratio_and_gap() -> None:
    frame = by_language({"en": (20, 2), "es": (10, 0), "ko": (2, 2)})
    fair = evaluate(frame, min_group_ratio=10, min_group_gap=10).fairness_language
    assert fair is not None
    assert fair.ratio == 0.0 and fair.ratio_passes is False
    assert fair.gap_points == 10.0 and fair.gap_passes is False
    assert fair.excluded_from_ratio == ("ko",) == fair.excluded_from_gap


def test_nobody_delayed_is_a_ratio_of_one() -> None:
    fair = evaluate(
        by_language({"en": (10, 0), "es": (10, 0)}), min_group_ratio=5, min_group_gap=5
    ).fairness_language
    assert fair is not None
    assert (fair.ratio, fair.gap_points) == (1.0, 0.0)


def test_too_few_large_groups_leaves_ratio_and_gap_unmeasured() -> None:
    fair = evaluate(by_language({"en": (50, 1), "es": (20, 0)})).fairness_language
    assert fair is not None
    assert fair.ratio is None and fair.gap_points is None
    assert fair.ratio_passes is None and fair.gap_passes is None
    assert fair.excluded_from_ratio == ("en", "es")


def test_equal_treatment_at_small_sizes_gives_low_ratios_by_chance() -> None:
    # Seven groups of 3,000 at 0.5% (15 delayed each): equal rates, so the ratio is 1.0,
    # but a random spread of the same 105 delayed claimants rarely gives a ratio that high.
    frame = by_language({lang: (3000, 15) for lang in ("en", "es", "vi", "zh", "ht", "ru", "ko")})
    fair = evaluate(frame).fairness_language
    assert fair is not None and fair.ratio == 1.0
    chance = fair.chance()
    assert chance is not None
    assert chance.low < chance.median < chance.high < 0.8  # median 0.5: 0.8 is out of reach
    assert chance.p_value == 1.0  # every spread is as low as 1.0 or lower


def test_a_low_ratio_is_chance_in_small_groups_and_real_in_large_ones() -> None:
    small = evaluate(by_language({"en": (3000, 20), "es": (3000, 12)})).fairness_language
    large = evaluate(by_language({"en": (300_000, 2000), "es": (300_000, 1200)})).fairness_language
    assert small is not None and large is not None
    assert small.ratio == large.ratio == 0.6
    small_chance, large_chance = small.chance(), large.chance()
    assert small_chance is not None and large_chance is not None
    assert small_chance.p_value > 0.05  # 20 against 12 delayed: chance does that often
    assert large_chance.p_value == 0.0  # 2,000 against 1,200: never
    assert large_chance.low > 0.85
    lines = evaluate(by_language({"en": (3000, 20), "es": (3000, 12)})).summary_lines()
    assert any("equal treatment at these group sizes gives a ratio of" in line for line in lines)
    assert small.to_dict()["chance"]["p_value"] == small_chance.p_value


def test_chance_is_repeatable_and_unmeasured_without_a_ratio() -> None:
    fair = evaluate(by_language({"en": (3000, 20), "es": (3000, 12)})).fairness_language
    assert fair is not None and fair.chance() == fair.chance()
    unmeasured = evaluate(by_language({"en": (50, 1), "es": (20, 0)})).fairness_language
    assert unmeasured is not None and unmeasured.chance() is None


# --- Edge cases ----------------------------------------------------------------------------


def test_no_fraud() -> None:
    frame = ten_claims()
    frame = frame[~frame["is_fraud"]]
    ev = evaluate(frame)
    assert ev.fraud == 0 and ev.fraud_caught_rate is None
    assert ev.ring_members == 0 and ev.ring_caught_rate is None
    assert ev.average_precision is None and ev.roc_auc is None
    assert ev.review_precision == 0.0  # one honest claim went to review
    assert ev.typology_catch is not None and ev.typology_catch.empty


def test_no_honest_claimant() -> None:
    frame = ten_claims()
    ev = evaluate(frame[frame["is_fraud"]], min_group_ratio=1, min_group_gap=1)
    assert ev.honest == 0 and ev.honest_clear_rate is None
    assert (ev.honest_delayed, ev.honest_delayed_rate) == (0, None)
    assert ev.review_precision == 1.0
    assert ev.fairness_age is not None
    assert ev.fairness_age.table["honest"].tolist() == [0, 0, 0]
    assert ev.fairness_age.table["fpr"].isna().all()
    assert ev.fairness_age.ratio is None


def test_missing_optional_columns_give_none() -> None:
    ev = evaluate(ten_claims()[["risk_score", "route", "is_fraud"]])
    assert ev.honest_clear_rate == 4 / 5
    assert ev.ring_members is None and ev.ring_caught_rate is None
    assert ev.typology_catch is None
    assert ev.fairness_age is None and ev.fairness_language is None and ev.fairness == {}


def test_empty_frame() -> None:
    ev = evaluate(ten_claims().iloc[0:0])
    assert ev.n == 0 and ev.brier is None and ev.honest_clear_rate is None
    json.dumps(ev.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="route"), "evaluation frame lacks column(s): route"),
        (lambda f: f.assign(route="pay"), "unknown route(s) pay: expected clear, verify, review"),
        (lambda f: f.assign(risk_score=1.5), "risk_score must be a number from 0 to 1 on every row"),
        (lambda f: f.assign(is_fraud=None), "is_fraud must be true or false on every row"),
    ],
)
def test_bad_frames_are_refused(change, message: str) -> None:
    with pytest.raises(ValueError) as error:
        evaluate(change(ten_claims()))
    assert str(error.value) == message


# --- Output: dict, lines, gate, comparison --------------------------------------------------


def test_to_dict_is_json_safe() -> None:
    payload = json.loads(json.dumps(evaluate(ten_claims()).to_dict(), allow_nan=False))
    assert payload["honest_clear_rate"] == 0.8
    assert payload["typology_catch"][1] == {"typology": "drop_address", "claims": 2, "caught": 1, "rate": 0.5}
    age = payload["fairness"]["age_band"]
    assert age["groups"][0] == {"group": "<40", "honest": 2, "fpr": 0.0}
    assert age["excluded_from_ratio"] == ["<40", "40-64", "65+"]
    assert age["ratio"] is None and age["ratio_passes"] is None


def test_summary_lines_against_goals() -> None:
    ev = evaluate(ten_claims())
    lines = ev.summary_lines()
    assert lines[0] == "claims evaluated: 10 (5 honest, 5 fraud)"
    assert "honest claimants routed clear: 80.0% (goal >= 97%: MISSED)" in lines
    assert "ring members routed away from clear: 66.7% (goal >= 98%: MISSED)" in lines
    assert "fraud share of review: 75.0% (goal >= 70%: met)" in lines
    assert "FPR ratio by age band: n/a (goal >= 0.8: not measured)" in lines
    relaxed = ev.summary_lines({"honest_clear_rate": 0.8})
    assert "honest claimants routed clear: 80.0% (goal >= 80%: met)" in relaxed


def test_gate_refuses_with_reasons() -> None:
    frame = by_language({"en": (20, 2), "es": (10, 0)})
    ok, reasons = fairness_gate(evaluate(frame, min_group_ratio=10, min_group_gap=10))
    assert not ok
    assert (
        "false-positive rate by language: ratio 0.00 is below 0.8 (lowest es 0.00%, highest en 10.00%)"
        in (reasons)
    )
    assert "false-positive rate by language: gap 10.00 points is above 1 (between es and en)" in reasons
    # Every claim is under 40: one age band is no comparison, and does not fail the gate.
    assert any(r.startswith("false-positive rate by age band: ratio not measured") for r in reasons)


def test_gate_thresholds_are_parameters() -> None:
    frame = by_language({"en": (1000, 10), "es": (1000, 8)})
    ev = evaluate(frame)
    assert fairness_gate(ev)[0] is True
    ok, reasons = fairness_gate(ev, min_ratio=0.9, max_gap_points=0.1)
    assert not ok
    assert "false-positive rate by language: ratio 0.80 is below 0.9 (lowest es 0.80%, highest en 1.00%)" in (
        reasons
    )


def test_gate_without_age_or_language_refuses() -> None:
    ok, reasons = fairness_gate(evaluate(ten_claims()[["risk_score", "route", "is_fraud"]]))
    assert not ok
    assert reasons == ["fairness not measured: the evaluation has neither an age nor a language column"]


def test_compare_lines_up_systems() -> None:
    ev = evaluate(ten_claims())
    cleared = evaluate(ten_claims().assign(route="clear"))
    text = compare({"champion": ev, "rules-only baseline": cleared})
    lines = text.splitlines()
    assert lines[0].split() == ["figure", "champion", "rules-only", "baseline", "goal"]
    assert set(lines[1]) == {"-", " "}
    row = next(line for line in lines if line.startswith("honest routed clear"))
    assert row.split() == ["honest", "routed", "clear", "80.0%", "100.0%", ">=", "97%"]
    assert next(line for line in lines if line.startswith("fraud share of review")).split()[-3] == "n/a"


# --- The report ----------------------------------------------------------------------------


def report_frames() -> dict[str, pd.DataFrame]:
    frame = ten_claims()
    frame.loc[8, "typology"] = "<script>"
    frame.loc[9, "typology"] = r"pay$\nope$"  # not matplotlib math
    return {"champion": frame, "cold start & co": frame.assign(route="verify")}


def test_report_is_one_html_file_with_embedded_plots(tmp_path: Path) -> None:
    frames = report_frames()
    evaluations: dict[str, Evaluation] = {name: evaluate(f, min_group_ratio=1) for name, f in frames.items()}
    out = write_report(evaluations, frames, tmp_path / "reports" / "eval.html", "Night <1>", ["a & b"])
    page = out.read_text(encoding="utf-8")
    for heading in (
        "Main figures",
        "Precision-recall curves",
        "Calibration (reliability) curves",
        "Score distributions: honest vs fraud",
        "Catch rate per fraud typology",
        "Honest claimants delayed",
        "Fairness: false-positive rate by group",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("<img alt=") >= 8 and '<img alt="' not in page
    assert page.count('src="data:image/png;base64,') == page.count("<img ")
    assert "<title>Night &lt;1&gt;</title>" in page and "<li>a &amp; b</li>" in page
    assert "cold start &amp; co" in page
    assert out.stat().st_size < 2_000_000
    assert sorted(p.name for p in out.parent.iterdir()) == ["eval.html"]
    # The typology named <script> is shown, escaped, in the typology table.
    assert "<td>&lt;script&gt;</td>" in page
    assert "<script" not in page


def test_report_without_rows_or_fraud_still_writes(tmp_path: Path) -> None:
    frame = ten_claims()
    frame = frame.loc[~frame["is_fraud"], ["risk_score", "route", "is_fraud", "typology"]]
    evaluations = {"honest only": evaluate(frame), "no rows": evaluate(frame)}
    out = write_report(evaluations, {"honest only": frame}, tmp_path / "eval.html", "t")
    page = out.read_text(encoding="utf-8")
    assert "Not drawn: no system has both honest and fraud claims." in page
    assert "no rows given for no rows: curves not drawn" in page
    assert "No fraud among the evaluated claims." in page
    assert "Not measured: the evaluated rows have neither age nor language." in page
    assert page.count("<img ") == 2  # the score distribution and the delay rates
