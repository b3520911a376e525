"""The evaluation report: one self-contained HTML file (plots drawn with matplotlib's ``Figure``,
no pyplot, no display) for the systems of :func:`claimscreen.models.metrics.evaluate`, with
optional sections first (the promotion checks and the unbiased estimate of a retraining).

The only I/O is :func:`write_report` writing its file.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, precision_recall_curve

from claimscreen.data.lake import write_bytes_atomic
from claimscreen.models.metrics import (
    DEFAULT_GOALS,
    Evaluation,
    GroupFairness,
    comparison_rows,
    num,
    pct,
    validated,
    verdict,
)

__all__ = ["checks_html", "estimate_html", "shadow_html", "write_report"]

_DPI = 90
_FIGSIZE = (6.0, 3.2)


def write_report(
    evaluations: Mapping[str, Evaluation],
    frames: Mapping[str, pd.DataFrame],
    out: Path,
    title: str,
    notes: list[str] | None = None,
    headline: str | None = None,
    first: list[tuple[str, str]] | None = None,
) -> Path:
    """One self-contained HTML file (plots embedded as PNG) for the systems in ``evaluations``.

    ``frames`` holds each system's evaluated rows (as given to :func:`evaluate`), for the
    curves and distributions; a system without a frame gets its tables but no curves.
    ``headline`` is printed under the title; ``first`` holds sections (heading, HTML) that come
    before the figures.
    """
    scored = {name: validated(frames[name]) for name in evaluations if name in frames}
    sections = [
        *(_section(heading, content) for heading, content in first or []),
        _section("Main figures", _comparison_html(evaluations)),
        _section("Precision-recall curves", _curve_html(scored, _draw_pr, "precision-recall")),
        _section("Calibration (reliability) curves", _curve_html(scored, _draw_calibration, "calibration")),
        _section("Score distributions: honest vs fraud", _distributions_html(scored)),
        _section("Catch rate per fraud typology", _typology_html(evaluations)),
        _section("Honest claimants delayed", _delay_html(evaluations)),
        _section("Fairness: false-positive rate by group", _fairness_html(evaluations)),
    ]
    note_items = "".join(f"<li>{_esc(n)}</li>" for n in notes or [])
    missing = [name for name in evaluations if name not in frames]
    if missing:
        note_items += f"<li>no rows given for {_esc(', '.join(missing))}: curves not drawn</li>"
    lead = f"<p class='headline'>{_esc(headline)}</p>" if headline else ""
    listed = f"<ul>{note_items}</ul>" if note_items else ""
    body = f"<h1>{_esc(title)}</h1>" + lead + listed + "".join(sections)
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>{body}</body></html>\n"
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(out, page.encode("utf-8"))
    return out


_CSS = (
    "body{font-family:sans-serif;max-width:70em;margin:1em auto;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em}"
    "td.n{text-align:right}.fail{color:#b00;font-weight:bold}.pass{color:#070}"
    "img{display:block;margin:.5em 0}.headline{font-size:1.15em;font-weight:bold}"
)


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _section(heading: str, content: str) -> str:
    return f"<section><h2>{_esc(heading)}</h2>{content}</section>"


def _table(header: list[str], rows: Iterable[list[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i else ''}>{_esc(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _label(text: object) -> str:
    """Text for a plot: a ``$`` would start matplotlib's math mode."""
    return str(text).replace("$", r"\$")


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=_FIGSIZE, dpi=_DPI, layout="tight")
    return fig, fig.subplots()


def _img(fig: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img alt='{_esc(alt)}' src=\"data:image/png;base64,{data}\">"


def _comparison_html(evaluations: Mapping[str, Evaluation]) -> str:
    first = next(iter(evaluations.values()), None)
    header, rows = comparison_rows(evaluations, first.goals if first else DEFAULT_GOALS)
    return _table(header, rows)


def _both_classes(data: pd.DataFrame) -> bool:
    return bool(data["is_fraud"].any() and not data["is_fraud"].all())


_Draw = Callable[[Axes, str, np.ndarray, np.ndarray], None]


def _curve_html(scored: Mapping[str, pd.DataFrame], draw: _Draw, what: str) -> str:
    drawable = {name: data for name, data in scored.items() if _both_classes(data)}
    if not drawable:
        return "<p>Not drawn: no system has both honest and fraud claims.</p>"
    fig, ax = _figure()
    for name, data in drawable.items():
        draw(ax, name, data["is_fraud"].to_numpy(dtype=bool), data["risk_score"].to_numpy(dtype=float))
    ax.legend(fontsize=7)
    return _img(fig, what)


def _draw_pr(ax: Axes, name: str, fraud: np.ndarray, scores: np.ndarray) -> None:
    precision, recall, _ = precision_recall_curve(fraud, scores)
    ap = average_precision_score(fraud, scores)
    ax.plot(recall, precision, drawstyle="steps-post", label=_label(f"{name} (AP {ap:.3f})"))
    ax.set_xlabel("recall (fraud found)")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)


def _draw_calibration(ax: Axes, name: str, fraud: np.ndarray, scores: np.ndarray) -> None:
    observed, predicted = calibration_curve(fraud, scores, n_bins=10, strategy="uniform")
    if not ax.lines:
        ax.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfectly calibrated")
    ax.plot(predicted, observed, marker="o", markersize=3, label=_label(name))
    ax.set_xlabel("mean risk score (bin)")
    ax.set_ylabel("fraud share (bin)")


def _distributions_html(scored: Mapping[str, pd.DataFrame]) -> str:
    parts = []
    bins = [i / 40 for i in range(41)]
    for name, data in scored.items():
        fig, ax = _figure()
        fraud = data["is_fraud"].to_numpy(dtype=bool)
        scores = data["risk_score"].to_numpy(dtype=float)
        ax.hist(scores[~fraud], bins=bins, alpha=0.6, label="honest", log=True, histtype="stepfilled")
        ax.hist(scores[fraud], bins=bins, alpha=0.6, label="fraud", log=True, histtype="stepfilled")
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(_label(name), fontsize=9)
        ax.set_xlabel("risk score")
        ax.set_ylabel("claims (log)")
        ax.legend(fontsize=7)
        parts.append(f"<h3>{_esc(name)}</h3>" + _img(fig, f"score distribution, {name}"))
    return "".join(parts) or "<p>Not drawn: no rows given.</p>"


def _typology_html(evaluations: Mapping[str, Evaluation]) -> str:
    tables = {n: e.typology_catch for n, e in evaluations.items() if e.typology_catch is not None}
    if not tables:
        return "<p>Not measured: the evaluated rows have no typology column.</p>"
    typologies = sorted({t for table in tables.values() for t in table["typology"]})
    if not typologies:
        return "<p>No fraud among the evaluated claims.</p>"
    caught = {
        name: {
            str(t): (int(n), int(c), float(r))
            for t, n, c, r in zip(
                *(table[k].tolist() for k in ("typology", "claims", "caught", "rate")), strict=True
            )
        }
        for name, table in tables.items()
    }
    rows = [[t, *(_caught_cell(caught[name].get(t)) for name in tables)] for t in typologies]
    fig = Figure(figsize=(6.0, 0.6 + 0.3 * len(typologies) * max(1, len(tables)) ** 0.5), dpi=_DPI)
    ax = fig.subplots()
    height = 0.8 / len(tables)
    for i, name in enumerate(tables):
        rates = [caught[name].get(t, (0, 0, 0.0))[2] for t in typologies]
        ax.barh(np.arange(len(typologies)) + i * height, rates, height=height, label=_label(name))
    ax.set_yticks(np.arange(len(typologies)) + 0.4 - height / 2, [_label(t) for t in typologies], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share routed away from clear")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.set_layout_engine("constrained")
    return _table(["typology", *tables], rows) + _img(fig, "catch rate per typology")


def _caught_cell(value: tuple[int, int, float] | None) -> str:
    return "" if value is None else f"{value[1]} / {value[0]} ({pct(value[2])})"


def _delay_html(evaluations: Mapping[str, Evaluation]) -> str:
    rows = [
        [name, str(e.honest), str(e.honest_delayed), pct(e.honest_delayed_rate)]
        for name, e in evaluations.items()
    ]
    table = _table(["system", "honest claimants", "delayed (verify or review)", "share delayed"], rows)
    rated = {n: e.honest_delayed_rate for n, e in evaluations.items() if e.honest_delayed_rate is not None}
    if not rated:
        return table
    fig, ax = _figure()
    ax.bar([_label(n) for n in rated], [100 * r for r in rated.values()])
    first = next(iter(evaluations.values()))
    limit = 100 * (1 - first.goals["honest_clear_rate"])
    ax.axhline(limit, linestyle="--", color="red", label=f"goal: at most {limit:g}% delayed")
    ax.set_ylabel("honest delayed (%)")
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7)
    return table + _img(fig, "honest claimants delayed")


def _fairness_html(evaluations: Mapping[str, Evaluation]) -> str:
    parts = []
    for name, ev in evaluations.items():
        parts.append(f"<h3>{_esc(name)}</h3>")
        if not ev.fairness:
            parts.append("<p>Not measured: the evaluated rows have neither age nor language.</p>")
        for fair in ev.fairness.values():
            parts.append(_group_fairness_html(name, fair))
    return "".join(parts)


def _group_fairness_html(name: str, fair: GroupFairness) -> str:
    rows = [
        [
            str(g),
            str(n),
            pct(r, 2),
            "yes" if n >= max(fair.min_group_ratio, 1) else "no (too few)",
            "yes" if n >= max(fair.min_group_gap, 1) else "no (too few)",
        ]
        for g, n, r in fair.table.itertuples(index=False)
    ]
    header = [fair.grouping, "honest claimants", "false-positive rate", "in the ratio", "in the gap"]
    verdicts = (
        f"<p>ratio {_esc(num(fair.ratio, 2))} (goal &gt;= {fair.ratio_goal:g}: "
        f"{_verdict_html(fair.ratio_passes)}); largest gap {_esc(num(fair.gap_points, 2))} points "
        f"(goal &lt;= {fair.gap_goal_points:g}: {_verdict_html(fair.gap_passes)}). "
        f"Groups under {fair.min_group_ratio} honest claimants (grey bars) stay out of the ratio, "
        f"groups under {fair.min_group_gap} out of the gap.</p>"
    )
    measured = fair.table[fair.table["honest"] > 0]
    if measured.empty:
        return f"<h4>by {_esc(fair.grouping)}</h4>" + _table(header, rows) + verdicts
    fig, ax = _figure()
    labels = [_label(f"{g}\n(n={n})") for g, n in zip(measured["group"], measured["honest"], strict=True)]
    large = (measured["honest"] >= max(fair.min_group_ratio, 1)).to_numpy()
    colors = np.where(large, "tab:blue", "lightgrey")
    ax.bar(labels, 100 * measured["fpr"].to_numpy(dtype=float), color=list(colors))
    extremes = fair.extremes(fair.min_group_ratio)
    if extremes is not None:
        floor = 100 * extremes[3] * fair.ratio_goal
        ax.axhline(floor, linestyle="--", color="red", label=f"{fair.ratio_goal:g} x highest (ratio goal)")
        ax.legend(fontsize=7)
    ax.set_ylabel("honest delayed (%)")
    ax.set_title(_label(f"{name}: by {fair.grouping}"), fontsize=9)
    ax.tick_params(axis="x", labelsize=7)
    image = _img(fig, f"false-positive rate by {fair.grouping}, {name}")
    return f"<h4>by {_esc(fair.grouping)}</h4>" + _table(header, rows) + verdicts + image


def _verdict_html(ok: bool | None) -> str:
    css = "" if ok is None else " class='pass'" if ok else " class='fail'"
    return f"<span{css}>{_esc(verdict(ok))}</span>"


def table_html(header: list[str], rows: Iterable[list[str]]) -> str:
    """An HTML table of text cells (escaped), numbers right-aligned after the first column."""
    return _table(header, rows)


# --- The retraining's sections ---------------------------------------------------------------


def checks_html(checks: list[dict[str, object]]) -> str:
    """The promotion gate's checks (models/promotion.py ``Check`` as dicts), one row each."""
    if not checks:
        return "<p>No check was run.</p>"
    rows = [
        [
            str(c["name"]),
            "passed" if c["passed"] else "not measured" if c["passed"] is None else "FAILED",
            ""
            if c["value"] is None
            else f"{c['value']:.4g}"
            if isinstance(c["value"], float)
            else str(c["value"]),
            "" if c["threshold"] is None else f"{c['threshold']:g}",
            "yes" if c["decisive"] else "no (reported only)",
            str(c["detail"]),
        ]
        for c in checks
    ]
    return _table(["check", "result", "value", "threshold", "decides", "detail"], rows)


def estimate_html(estimate: dict[str, Any]) -> str:
    """The unbiased estimate (models/promotion.py ``Estimate`` as a dict): each model's
    weighted figures, and the challenger's differences with their 95% intervals."""
    low, high = estimate["audit_fraud_share_ci"]
    lead = (
        f"<p>{estimate['audit_claims']} audited claims ({estimate['audit_fraud']} fraud, share 95% interval "
        f"{pct(low)} to {pct(high)}), each standing for {_esc(estimate['audit_weight'])} claims of the "
        f"pool; {estimate['investigated']} investigated claims, each for itself; "
        f"{estimate['population']} claims in the window.</p>"
    )
    figures = ("average_precision", "fraud_caught", "honest_delayed", "audit_average_precision")
    models = estimate["models"]
    rows = []
    for key in figures:
        diff = estimate["differences"].get(key)
        interval = (
            "" if not diff else f"{diff['difference']:+.4f} ({diff['low']:+.4f} to {diff['high']:+.4f})"
        )
        rows.append([key.replace("_", " "), *(num(models[m].get(key), 4) for m in models), interval])
    header = ["figure (estimated on every claim)", *models, "challenger - champion (95% interval)"]
    return lead + _table(header, rows)


def shadow_html(shadow: dict[str, Any]) -> str:
    """The shadow's live nights beside the champion's record of them."""
    comparison = shadow["comparison"]
    lead = (
        f"<p>shadow {_esc(shadow.get('before'))}: {comparison.get('nights', 0)} nights "
        f"({_esc(comparison.get('first'))} to {_esc(comparison.get('last'))}), {comparison.get('claims', 0)} "
        f"claims, same route as the champion on {pct(comparison.get('same_route'))}.</p>"
    )
    keys = (
        "honest_delayed_own_risk",
        "honest_delayed_champion_risk",
        "honest_delayed_shadow_risk",
        "audited",
        "audited_fraud_caught",
        "audited_honest_delayed",
    )
    names = [n for n in ("champion", "shadow") if n in comparison]
    rows = [["routes", *(str(comparison[n]["routes"]) for n in names)]]
    rows += [[key.replace("_", " "), *(str(comparison[n][key]) for n in names)] for key in keys]
    return lead + _table(["figure", *names], rows)
