"""Score and route one night: the night's features in, its scores and review queue out.

:func:`score_night` reads ``features/batch_date=D`` and writes
``scores/batch_date=D/scores.parquet`` (:data:`SCORES_SCHEMA`: the contract's
columns and what the queue needs) and ``queue/batch_date=D/queue.parquet``
(:data:`QUEUE_SCHEMA`: the claims an investigator must see).

* **The model**: the registry's champion. On a new state's first night there is
  none: a cold-start scorer (rules, ring and other evidence, and an anomaly
  model fitted on the claims of the window, no labels) is saved and promoted as
  the first champion, so every night is scored by a registered, hashed model.
* **A record**: a night's scores are what was decided that night. A re-run (or a
  retrained champion) never rescores a claim already scored; a second batch
  for the same night scores only its new claims. The queue is derived from the
  scores and rewritten when missing, so a run killed between the two writes
  completes on the next.
* **Two pieces** (for scale-out): scoring a claim needs only its own features,
  so :func:`score_chunk` scores any row range of the night on any machine that
  sees the lake, writing the scorer's parts (:func:`score_parts`) to
  ``work/batch_date=D/score-<start>.parquet``; :func:`finish_night` then routes
  the whole night on one machine (capacity, rings and the honest-delay budget
  need every claim), explains the delayed claims and writes the scores and the
  queue. :func:`score_night` is the same two pieces in one process, so a
  chunked night and a single one write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.errors import InputError, safe_message
from claimscreen.data.lake import Lake
from claimscreen.data.schema import QUEUE_SCHEMA, SCORES_SCHEMA
from claimscreen.data.settings import ScoringSettings, Settings, load_settings
from claimscreen.data.timing import since
from claimscreen.features.build import read_features, window_start
from claimscreen.features.codes import to_arrow
from claimscreen.models import drift, registry
from claimscreen.models.evidence import EVIDENCE, rule_hits
from claimscreen.models.reasons import reasons_for
from claimscreen.models.routing import HELD_BACK_REASONS, Routing, route_scores
from claimscreen.models.scorer import ClaimScorer, Scores


@dataclass
class ScoreResult:
    batch_date: str
    scored: int
    routes: dict[str, int]
    model_version: str
    queued: int
    audit_sampled: int
    newly_scored: int = 0
    flagged_rings: int = 0
    honest_delayed_estimate: float = 0.0
    honest_delayed_share: float = 0.0
    delayed_by_reason: dict[str, int] = field(default_factory=dict)
    #: Claims scoring min_verify_score or more that were paid anyway, by why (routing's
    #: HELD_BACK_REASONS): only the model's pattern spoke, or the honest-delay budget was spent.
    held_back: dict[str, int] = field(default_factory=dict)
    #: Largest rings with claims tonight: id, size, claims tonight, route, new (not seen before).
    largest_rings: list[dict[str, Any]] = field(default_factory=list)
    #: Population stability index of each input of tonight's new claims against the fitting
    #: window (models/drift.py), and one warning per input above 0.2.
    drift: dict[str, float] = field(default_factory=dict)
    drift_warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    #: The shadow model's night (models/promotion.py): version, claims, the routes it would
    #: have given, the share routed as the champion did, its seconds; empty without a shadow.
    shadow: dict[str, Any] = field(default_factory=dict)


#: Rows of the night each scale-out chunk scores (``claimscreen nightly --chunk-rows``).
CHUNK_ROWS = 250_000
#: The scorer's parts of each claim, as :func:`score_parts` returns them (plus one yes/no
#: column per evidence code), in the order the work files store them.
PART_COLUMNS: tuple[str, ...] = ("claim_id", "anomaly", "cold", "model", "risk")


@dataclass(frozen=True)
class NightPlan:
    """What the scale-out chunks of a night score: the model, and row ranges of the night's
    features file (claims already scored inside a range are skipped by its chunk)."""

    batch_date: str
    model_version: str
    fresh: int
    chunks: list[tuple[int, int]]


def score_night(
    home: Path, night: dt.date, settings: Settings | None = None, lake: Lake | None = None
) -> ScoreResult:
    """Score, route and queue the claims of ``night`` not scored yet; the features must exist.
    ``settings`` and ``lake`` are the night's (:class:`~claimscreen.data.context.NightContext`),
    read and opened here when not given."""
    started = time.perf_counter()
    home = Path(home)
    settings = settings or load_settings(home)
    lake = lake or Lake(home)
    previous, fresh = _night_claims(lake, night)
    timings: dict[str, float] = {"read": since(started)}
    version = registry.champion(home) or bootstrap_champion(home, night, settings, lake)
    scorer, parts = None, None
    if len(fresh):
        clock = time.perf_counter()
        scorer = registry.load(home, version)
        parts = score_parts(scorer, fresh)
        timings["score"] = since(clock)
    return _finish(lake, night, version, previous, fresh, parts, settings, started, timings, scorer)


def plan_night(
    home: Path,
    night: dt.date,
    chunk_rows: int = CHUNK_ROWS,
    settings: Settings | None = None,
    lake: Lake | None = None,
) -> NightPlan:
    """The model (the champion, or a cold-start one registered now) and the row ranges of the
    night's features that :func:`score_chunk` scores; no range when every claim is scored."""
    if chunk_rows < 1:
        raise InputError(f"chunk rows must be at least 1, not {chunk_rows}")
    home = Path(home)
    settings = settings or load_settings(home)
    lake = lake or Lake(home)
    _require_features(lake, night)
    ids = lake.read_table(lake.features_path(night), columns=["claim_id"]).column("claim_id")
    scored = _read_scores(lake, night)["claim_id"]
    fresh = len(ids) - int(pc.sum(pc.is_in(ids, pa.array(scored.astype(str)))).as_py() or 0)
    version = registry.champion(home) or bootstrap_champion(home, night, settings, lake)
    chunks = [(a, min(a + chunk_rows, len(ids))) for a in range(0, len(ids), chunk_rows)] if fresh else []
    return NightPlan(night.isoformat(), version, fresh, chunks)


def score_chunk(home: Path, night: dt.date, version: str, start: int, stop: int) -> Path:
    """Score rows ``start`` to ``stop`` of the night's features (those not scored yet) with
    model ``version``; write their parts to the night's work folder and return its path."""
    home = Path(home)
    lake = Lake(home)
    _require_features(lake, night)
    rows = lake.read_table(lake.features_path(night)).slice(start, stop - start).to_pandas()
    scored = _read_scores(lake, night)["claim_id"]
    rows = rows[~rows["claim_id"].isin(scored)].reset_index(drop=True)
    parts = score_parts(registry.load(home, version), rows)
    path = work_path(lake, night, start)
    lake.write_table(path, pa.Table.from_pandas(parts, preserve_index=False))
    return path


def finish_night(
    home: Path,
    night: dt.date,
    version: str,
    part_paths: list[Path],
    settings: Settings | None = None,
    lake: Lake | None = None,
) -> ScoreResult:
    """Route the whole night from the chunks' parts (in row order), explain the delayed claims,
    write the night's scores and queue, and remove the work files."""
    started = time.perf_counter()
    home = Path(home)
    settings = settings or load_settings(home)
    lake = lake or Lake(home)
    previous, fresh = _night_claims(lake, night)
    timings: dict[str, float] = {"read": since(started)}
    parts = None
    if part_paths:
        tables = [lake.read_table(Path(p)) for p in sorted(part_paths, key=_chunk_start)]
        parts = pa.concat_tables(tables).to_pandas()
    elif len(fresh):
        raise InputError(f"night {night}: {len(fresh)} claims not scored and no chunk scored them")
    result = _finish(lake, night, version, previous, fresh, parts, settings, started, timings)
    shutil.rmtree(lake.partition("work", night), ignore_errors=True)
    return result


def work_path(lake: Lake, night: dt.date, start: int) -> Path:
    """Where the chunk that starts at row ``start`` keeps its parts until the night is finished."""
    return lake.partition("work", night) / f"score-{start:012d}.parquet"


def _chunk_start(path: Path) -> int:
    return int(Path(path).stem.removeprefix("score-"))


def _require_features(lake: Lake, night: dt.date) -> None:
    if not lake.features_path(night).exists():
        raise InputError(f"night {night} has no features; run the nightly flow on its batch first")


def _night_claims(lake: Lake, night: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The night's scores so far, and the features of its claims not scored yet."""
    _require_features(lake, night)
    features = lake.read_table(lake.features_path(night)).to_pandas()
    previous = _read_scores(lake, night)
    fresh = features[~features["claim_id"].isin(previous["claim_id"])].reset_index(drop=True)
    return previous, fresh


def _finish(
    lake: Lake,
    night: dt.date,
    version: str,
    previous: pd.DataFrame,
    fresh: pd.DataFrame,
    parts: pd.DataFrame | None,
    settings: Settings,
    started: float,
    timings: dict[str, float],
    scorer: ClaimScorer | None = None,
) -> ScoreResult:
    """Route and explain ``fresh`` from its ``parts``; write the scores (the record so far plus
    them) and the queue (also when it is missing)."""
    home = lake.home
    if parts is not None and len(fresh):
        if not _same_ids(parts["claim_id"], fresh["claim_id"]):
            raise ValueError(f"night {night}: the scored parts do not match its unscored claims")
        scorer = scorer or registry.load(home, version)
        table = route_and_explain(scorer, fresh, parts, night, settings, version, timings)
        table = pa.concat_tables([pa.Table.from_pandas(previous, schema=SCORES_SCHEMA), table])
        clock = time.perf_counter()
        lake.write_table(lake.scores_path(night), table)
        timings["write"] = since(clock)
        scores = table.to_pandas()
    else:
        scores = previous
        if not lake.scores_path(night).exists():  # a night without claims: its record is empty
            lake.write_table(lake.scores_path(night), SCORES_SCHEMA.empty_table())
    queue_path = lake.queue_path(night)
    if len(fresh) or not queue_path.exists():
        lake.write_table(queue_path, queue_of(scores))
    result = _result(scores, night, len(fresh), settings, started, timings)
    if scorer is not None and len(fresh):
        result.drift = scorer.drift(fresh)
        result.drift_warnings = drift.warnings(result.drift)
    result.largest_rings = largest_rings(scores)
    result.shadow = shadow_score(home, night, version, fresh, scores, settings, timings, lake)
    return result


def shadow_path(lake: Lake, night: dt.date, version: str) -> Path:
    """Where the shadow model ``version`` keeps what it would have given on ``night``."""
    return lake.partition("shadow", night) / f"{version}.parquet"


def shadow_score(
    home: Path,
    night: dt.date,
    champion: str,
    fresh: pd.DataFrame,
    record: pd.DataFrame,
    settings: Settings,
    timings: dict[str, float] | None = None,
    lake: Lake | None = None,
) -> dict[str, Any]:
    """Score and route ``fresh`` with the registry's shadow model, if one is set, into
    ``shadow/batch_date=D/<version>.parquet`` (claim_id, risk_score, model_score, route).

    Routes, reasons and the night's record are the champion's and stay untouched; no reasons
    are computed (the costly part of a delayed claim). A shadow that fails to load or score
    never stops a night: the error is returned instead."""
    candidate = registry.shadow(home)
    if candidate is None or candidate == champion or not len(fresh):
        return {}
    clock = time.perf_counter()
    rows, scoring = _shadow_sample(fresh.reset_index(drop=True), settings.scoring)
    try:
        scores = registry.load(home, candidate).score(rows)
        route = route_scores(rows, scores, night, scoring).route.astype(str)
    except Exception as error:  # the shadow is an experiment: the night goes on without it
        return {"version": candidate, "error": safe_message(error)}
    table = pd.DataFrame(
        {
            "claim_id": rows["claim_id"].astype(str).to_numpy(),
            "risk_score": np.round(scores.risk, 6),
            "model_score": np.round(scores.model, 6),
            "route": route,
        }
    )
    lake = lake or Lake(home)
    path = shadow_path(lake, night, candidate)
    if path.exists():  # a second batch of the night: keep the first one's rows
        before = lake.read_table(path).to_pandas()
        table = pd.concat([before[~before["claim_id"].isin(table["claim_id"])], table], ignore_index=True)
    lake.write_table(path, pa.Table.from_pandas(table, preserve_index=False))
    champion_route = record.set_index("claim_id")["route"].reindex(rows["claim_id"].astype(str)).to_numpy()
    seconds = since(clock)
    if timings is not None:
        timings["shadow"] = seconds
    return {
        "version": candidate,
        "claims": len(rows),
        "of_claims": len(fresh),
        "routes": {r: int((route == r).sum()) for r in ("clear", "verify", "review")},
        "same_route": round(float((route == champion_route).mean()), 4),
        "seconds": seconds,
    }


#: A larger night is shadow-scored on a fixed sample of this many claims: the comparison needs
#: a large sample, not every claim, and a second scoring of a 1,000,000-claim night would
#: double the score stage.
SHADOW_MAX_CLAIMS = 200_000


def _shadow_sample(rows: pd.DataFrame, scoring: ScoringSettings) -> tuple[pd.DataFrame, ScoringSettings]:
    """At most :data:`SHADOW_MAX_CLAIMS` of the night's claims, chosen by a hash of their claim id
    (the same claims on a re-run), with the review capacity scaled to the sample's share."""
    if len(rows) <= SHADOW_MAX_CLAIMS:
        return rows, scoring
    hashed = pd.util.hash_pandas_object(rows["claim_id"].astype(str), index=False).to_numpy()
    keep = np.sort(np.argsort(hashed, kind="stable")[:SHADOW_MAX_CLAIMS])
    share = SHADOW_MAX_CLAIMS / len(rows)
    capacity = max(1, round(scoring.review_capacity * share))
    return rows.iloc[keep].reset_index(drop=True), scoring.model_copy(update={"review_capacity": capacity})


def _same_ids(left: pd.Series, right: pd.Series) -> bool:
    """Whether two claim id columns hold the same ids in the same order (as text; compared in
    Arrow, not as a million numpy strings each)."""
    if len(left) != len(right):
        return False
    a, b = (to_arrow(ids.astype(str)).combine_chunks() for ids in (left, right))
    return bool(a.equals(b.cast(a.type)))


def largest_rings(scores: pd.DataFrame, top: int = 5) -> list[dict[str, Any]]:
    """The largest rings with claims tonight. A ring is new when all of its claims in the window
    were filed tonight (``ring_size`` counts the window's claims)."""
    ringed = scores.dropna(subset=["ring_id"])
    if not len(ringed):
        return []
    ringed = ringed.assign(_review=(ringed["route"] == "review").to_numpy(dtype=bool))
    summary = (
        ringed.groupby("ring_id")
        .agg(size=("ring_size", "max"), tonight=("claim_id", "size"), review=("_review", "max"))
        .sort_values(["size", "tonight"], ascending=False, kind="stable")
        .head(top)
    )
    return [
        {
            "ring_id": str(ring),
            "size": int(row["size"]),
            "claims_tonight": int(row["tonight"]),
            "route": "review" if row["review"] else "verify or clear",
            "new": int(row["tonight"]) >= int(row["size"]),
        }
        for ring, row in summary.iterrows()
    ]


def score_parts(scorer: ClaimScorer, features: pd.DataFrame) -> pd.DataFrame:
    """The scorer's parts of each claim (claim_id, anomaly, cold, model, risk and one yes/no
    column per evidence code), rows as ``features``. Each row depends on its claim only,
    so any split of the night's rows gives the same values."""
    scores = scorer.score(features.reset_index(drop=True))
    columns: dict[str, Any] = {"claim_id": features["claim_id"].astype(str).to_numpy()}
    for name in PART_COLUMNS[1:]:
        columns[name] = np.asarray(getattr(scores, name), dtype="float64")
    frame = pd.DataFrame(columns)
    evidence = scores.evidence.reset_index(drop=True).astype(bool)
    return pd.concat([frame, evidence], axis=1)


def score_claims(
    scorer: ClaimScorer,
    features: pd.DataFrame,
    night: dt.date,
    settings: Settings,
    version: str,
    timings: dict[str, float] | None = None,
) -> pa.Table:
    """Score, route and explain ``features`` (one night's claims) into a SCORES_SCHEMA table."""
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    features = features.reset_index(drop=True)
    parts = score_parts(scorer, features)
    timings["score"] = since(clock)
    return route_and_explain(scorer, features, parts, night, settings, version, timings)


def route_and_explain(
    scorer: ClaimScorer,
    features: pd.DataFrame,
    parts: pd.DataFrame,
    night: dt.date,
    settings: Settings,
    version: str,
    timings: dict[str, float] | None = None,
) -> pa.Table:
    """Route the whole night's claims from their scored ``parts`` (rows as ``features``),
    find the reasons of the delayed ones, into a SCORES_SCHEMA table."""
    timings = {} if timings is None else timings
    features = features.reset_index(drop=True)
    scores = _scores_of(parts)
    rule = rule_hits(scores.evidence)
    clock = time.perf_counter()
    routing = route_scores(features, scores, night, settings.scoring)
    timings["route"] = since(clock)
    clock = time.perf_counter()
    codes = np.full(len(features), "", dtype=object)
    delayed = np.flatnonzero(routing.route != "clear")
    sentences: list[list[str]] = []
    if len(delayed):
        part = features.iloc[delayed].reset_index(drop=True)
        sub = _subset(scores, delayed)
        contributions = scorer.contributions(part, sub)
        model_added = scorer.model_beyond_signals(part, sub)
        found, sentences = reasons_for(part, sub.evidence, contributions, model_added, np.arange(len(part)))
        codes[delayed] = found
    texts = _reason_texts(len(features), delayed, sentences)
    timings["reasons"] = since(clock)
    return _scores_table(
        features, scores.risk, scores.model, scores.anomaly, rule, routing, codes, texts, night, version
    )


def _scores_of(parts: pd.DataFrame) -> Scores:
    """The scorer's :class:`Scores` back from :func:`score_parts`' frame."""
    parts = parts.reset_index(drop=True)
    codes = [e.code for e in EVIDENCE]
    values = {name: parts[name].to_numpy(dtype="float64") for name in PART_COLUMNS[1:]}
    return Scores(evidence=parts[codes].astype(bool), **values)


def _subset(scores: Scores, rows: np.ndarray) -> Scores:
    return Scores(
        evidence=scores.evidence.iloc[rows].reset_index(drop=True),
        anomaly=scores.anomaly[rows],
        cold=scores.cold[rows],
        model=scores.model[rows],
        risk=scores.risk[rows],
    )


def _reason_texts(n: int, delayed: np.ndarray, sentences: list[list[str]]) -> pa.ListArray:
    """The reason sentences of each of ``n`` claims: ``sentences`` for the rows ``delayed``
    (in order), none for the others; built from offsets, not one Python list per claim."""
    lengths = np.zeros(n, dtype=np.int32)
    lengths[delayed] = [len(text) for text in sentences]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    values = pa.array([line for text in sentences for line in text], pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _texts(values: np.ndarray) -> pa.Array:
    """A column of text from an array of Python strings, converted by Arrow as they are (through
    numpy's fixed-width text, ``astype(str)``, 5 to 10 times slower for a million claims)."""
    return pa.array(values.astype(object, copy=False), pa.string())


def _scores_table(
    features: pd.DataFrame,
    risk: np.ndarray,
    model: np.ndarray,
    anomaly: np.ndarray,
    rule: np.ndarray,
    routing: Routing,
    codes: np.ndarray,
    texts: pa.ListArray,
    night: dt.date,
    version: str,
) -> pa.Table:
    n = len(features)
    ring_size = pd.to_numeric(features["ring_size"], errors="coerce").fillna(0).astype("int64")
    columns: dict[str, Any] = {
        "claim_id": to_arrow(features["claim_id"]).combine_chunks(),
        "batch_date": pa.repeat(pa.scalar(night, pa.date32()), n),
        "risk_score": np.round(risk, 6),
        "route": _texts(routing.route),
        "reasons": pa.array(codes, pa.string()),
        "ring_id": pa.array(features["ring_id"].astype("string"), pa.string(), from_pandas=True),
        "ring_size": ring_size.to_numpy(),
        "identity_id": to_arrow(features["identity_id"]).combine_chunks(),
        "model_version": pa.repeat(pa.scalar(version, pa.string()), n),
        "reason_text": texts,
        "case_id": _texts(routing.case_id),
        "audit_sample": routing.audit_sample,
        "rule_hit": np.asarray(rule, dtype=bool),
        "model_score": np.round(model, 6),
        "anomaly_score": np.round(anomaly, 6),
        "held_back": _texts(routing.held_back),
    }
    return pa.table({k: pa.array(v) if not isinstance(v, pa.Array) else v for k, v in columns.items()}).cast(
        SCORES_SCHEMA
    )


def queue_of(scores: pd.DataFrame) -> pa.Table:
    """The review queue of a night: delayed or audit-drawn claims, highest priority first."""
    wanted = scores[(scores["route"] != "clear") | scores["audit_sample"]].copy()
    wanted["priority"] = priority(wanted)
    wanted = wanted.sort_values(["priority", "claim_id"], ascending=[False, True], kind="stable")
    return pa.Table.from_pandas(wanted[list(QUEUE_SCHEMA.names)], schema=QUEUE_SCHEMA, preserve_index=False)


def priority(scores: pd.DataFrame) -> np.ndarray:
    """Risk first; hard evidence and a larger ring raise it; an audit draw comes last.

    The review application adds the claim's age against the 21-day first-payment
    standard, which grows every day a case waits."""
    ring = np.log10(1.0 + scores["ring_size"].to_numpy(dtype="float64"))
    value = scores["risk_score"].to_numpy() + 0.2 * scores["rule_hit"].to_numpy() + 0.05 * ring
    value = np.where(scores["route"].to_numpy() == "clear", value - 1.0, value)
    return np.round(value, 6)


def bootstrap_champion(home: Path, night: dt.date, settings: Settings, lake: Lake | None = None) -> str:
    """Register and promote a cold-start scorer fitted on the window's claims (no labels)."""
    window = window_features(home, window_start(night, settings.history_days), night, lake)
    scorer = ClaimScorer().fit_anomaly(window)
    card = cold_start_card(window, night)
    version = registry.save(home, scorer, card)
    registry.promote(home, version, reason="cold start: no model yet, first night scored")
    return version


def cold_start_card(window: pd.DataFrame, night: dt.date) -> dict[str, Any]:
    from claimscreen.models.inputs import MODEL_INPUTS

    nights = sorted(pd.to_datetime(window["batch_date"]).dt.date.unique()) if len(window) else [night]
    return {
        "kind": "cold-start",
        "training_window": {"first": str(nights[0]), "last": str(nights[-1]), "claims": len(window)},
        "labels": {"total": 0},
        "features": list(MODEL_INPUTS),
        "metrics": {},
        "note": "rules, evidence weights and an anomaly model fitted on the window's claims; no labels",
    }


def window_features(home: Path, first: dt.date, last: dt.date, lake: Lake | None = None) -> pd.DataFrame:
    """The features partitions of the nights ``first`` to ``last`` that exist."""
    lake = lake or Lake(Path(home))
    frames = []
    day = first
    while day <= last:
        if lake.features_path(day).exists():
            frames.append(lake.read_table(lake.features_path(day)).to_pandas())
        day += dt.timedelta(days=1)
    return pd.concat(frames, ignore_index=True) if frames else read_features(home, last)


def read_scores(home: Path, night: dt.date) -> pd.DataFrame:
    """One night's scores (empty with the scores columns if the night is not scored)."""
    return _read_scores(Lake(Path(home)), night)


def _read_scores(lake: Lake, night: dt.date) -> pd.DataFrame:
    path = lake.scores_path(night)
    table = lake.read_table(path) if path.exists() else SCORES_SCHEMA.empty_table()
    if "held_back" not in table.column_names:  # scored before the column existed
        table = table.append_column("held_back", pa.array([""] * len(table), pa.string()))
    return table.to_pandas()


def export_table(home: Path, night: dt.date) -> pa.Table:
    """The contract's scores table of one night, plus the reasons in words (``reason_text``)."""
    from claimscreen.data.schema import SCORES_EXPORT_COLUMNS

    lake = Lake(Path(home))
    path = lake.scores_path(night)
    if not path.exists():
        raise InputError(f"night {night} has no scores; run the nightly flow on its batch first")
    table = lake.read_table(path)
    text = pc.binary_join(table["reason_text"], " | ")
    return table.select(list(SCORES_EXPORT_COLUMNS)).append_column("reason_text", text)


def _result(
    scores: pd.DataFrame,
    night: dt.date,
    fresh: int,
    settings: Settings,
    started: float,
    timings: dict[str, float],
) -> ScoreResult:
    routes = {r: int((scores["route"] == r).sum()) for r in ("clear", "verify", "review")}
    delayed = scores[scores["route"] != "clear"]
    honest = 1.0 - scores["risk_score"].to_numpy()
    honest_delayed = float((1.0 - delayed["risk_score"]).sum())
    first = Counter(r.split(";")[0] for r in delayed["reasons"] if r)
    versions = sorted(scores["model_version"].unique()) if len(scores) else []
    return ScoreResult(
        batch_date=night.isoformat(),
        scored=len(scores),
        routes=routes,
        model_version=",".join(versions),
        queued=int(((scores["route"] != "clear") | scores["audit_sample"]).sum()),
        audit_sampled=int(scores["audit_sample"].sum()),
        newly_scored=fresh,
        flagged_rings=int(scores.loc[scores["case_id"].str.startswith("ring:"), "case_id"].nunique()),
        honest_delayed_estimate=round(honest_delayed, 1),
        honest_delayed_share=round(honest_delayed / honest.sum(), 5) if honest.sum() > 0 else 0.0,
        delayed_by_reason=dict(first.most_common(10)),
        held_back={r: int((scores["held_back"] == r).sum()) for r in HELD_BACK_REASONS},
        seconds=since(started),
        timings=timings,
    )


__all__ = [
    "CHUNK_ROWS",
    "NightPlan",
    "ScoreResult",
    "export_table",
    "finish_night",
    "plan_night",
    "queue_of",
    "read_scores",
    "score_chunk",
    "score_night",
    "score_parts",
    "shadow_path",
    "shadow_score",
    "window_features",
]
