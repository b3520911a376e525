"""The claimant after the night: verification requests, their outcomes, and every claim's status.

A claim routed ``verify`` waits for checks that can settle the doubt about it
rather than for an investigator:

* ``bank_account``: an account-ownership check, when the evidence is about the
  bank account (a reason code naming a bank account, e.g. ``RING_BANK_ACCOUNT``);
* ``identity``: identity proofing, for every other reason (and for a claim
  delayed by its score alone).

:func:`verify_requests` lists a night's ``verify`` claims with the checks each
needs (``claimscreen verify export``); :func:`import_outcomes` takes the
providers' answers (``claimscreen verify import``): ``passed``, ``failed`` or
``no_response``. :func:`claim_statuses` gives every claim's current status and
how long its claimant has waited (``claimscreen status export``):

* ``clear`` claims are ``cleared`` when their night ran;
* a ``verify`` claim is ``verifying`` until it has passed every check it needs
  (then ``cleared``), or one check failed or went unanswered (then
  ``in_review``, the claim is an investigator's), or no answer came within
  ``[verification] no_response_days`` of the request (then ``in_review``);
* a ``review`` claim is ``in_review``;
* a decision (an investigator's, or imported dispositions) makes any of them
  ``decided_fraud`` or ``decided_legitimate``.

A failed verification is not fraud, and a passed one is not proof of honesty:
outcomes are kept apart from dispositions (``lake/verifications/``) and never
become labels by themselves. The retraining reads them as a separate kind of
evidence, a weight on the labels they bear on (:func:`verification_weights`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.errors import InputError
from claimscreen.data.labels import read_labels
from claimscreen.data.lake import Lake
from claimscreen.data.reference import declared_text, flag_malformed, parse_instant, read_text_file, to_frame
from claimscreen.data.schema import (
    STATUS_EXPORT_COLUMNS,
    VERIFICATION_CHECKS,
    VERIFICATION_COLUMNS,
    VERIFICATIONS_SCHEMA,
    VERIFY_EXPORT_COLUMNS,
)
from claimscreen.data.settings import Settings, load_settings
from claimscreen.data.validate import Problems

__all__ = [
    "OutcomesReport",
    "checks_for",
    "claim_statuses",
    "claims_among",
    "decisions_as_of",
    "import_outcomes",
    "night_run_times",
    "outcomes_as_of",
    "outcomes_path",
    "read_outcomes",
    "route_status",
    "settle_statuses",
    "status_ledger",
    "verification_weights",
    "verify_requests",
]

IDENTITY, BANK_ACCOUNT = VERIFICATION_CHECKS


def checks_for(reasons: str | None) -> str:
    """The checks (``;``-separated, in :data:`VERIFICATION_CHECKS` order) that can settle the
    doubt the reason codes raise: a bank account's ownership for bank evidence, identity
    proofing for any other (or none)."""
    codes = [c for c in (reasons or "").split(";") if c]
    needs = {BANK_ACCOUNT if "BANK" in code else IDENTITY for code in codes} or {IDENTITY}
    return ";".join(c for c in VERIFICATION_CHECKS if c in needs)


def night_run_times(lake: Lake) -> dict[dt.date, pd.Timestamp]:
    """When each night ran: its first batch's ingest (scoring follows within minutes). A re-run
    keeps the first time, so waits do not change when a night is run again."""
    times: dict[dt.date, pd.Timestamp] = {}
    for manifest in lake.manifests():
        night = dt.date.fromisoformat(manifest["batch_date"])
        at = pd.Timestamp(manifest["ingested_at"]).tz_convert("UTC")
        times[night] = min(times.get(night, at), at)
    return times


def _scores(
    lake: Lake, nights: list[dt.date], columns: list[str], only: pa.Array | None = None
) -> pd.DataFrame:
    """The ``columns`` of the nights' scores; with ``only``, just the rows of those claim ids
    (filtered night by night: a year of scores is never held whole)."""
    paths = [lake.scores_path(n) for n in nights if lake.scores_path(n).exists()]
    if not paths:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in columns})
    tables = [lake.read_table(p, columns=columns) for p in paths]
    if only is not None:
        tables = [t.filter(pc.is_in(t["claim_id"].cast(pa.string()), value_set=only)) for t in tables]
    return pa.concat_tables(tables, promote_options="default").to_pandas()


def verify_requests(home: Path, night: dt.date) -> pd.DataFrame:
    """The night's ``verify`` claims: ``claim_id, checks, reasons, requested_at`` (UTC, when the
    night ran). An InputError when the night has not been scored."""
    lake = Lake(Path(home))
    if not lake.scores_path(night).exists():
        raise InputError(f"night {night} has no scores; run the nightly flow on its batch first")
    scores = _scores(lake, [night], ["claim_id", "route", "reasons"])
    waiting = scores[scores["route"] == "verify"]
    requested = night_run_times(lake).get(night)
    return pd.DataFrame(
        {
            "claim_id": waiting["claim_id"].astype(str).to_numpy(),
            "checks": [checks_for(r) for r in waiting["reasons"]],
            "reasons": waiting["reasons"].fillna("").astype(str).to_numpy(),
            "requested_at": pd.Series([requested] * len(waiting), dtype="datetime64[us, UTC]"),
        },
        columns=list(VERIFY_EXPORT_COLUMNS),
    )


def outcomes_path(lake: Lake) -> Path:
    return lake.root / "verifications" / "outcomes.parquet"


def read_outcomes(home: Path) -> pd.DataFrame:
    """Every outcome imported so far (empty, with the schema's columns, before the first)."""
    lake = Lake(Path(home))
    path = outcomes_path(lake)
    return to_frame(lake.read_table(path) if path.exists() else VERIFICATIONS_SCHEMA.empty_table())


@dataclass(frozen=True)
class OutcomesReport:
    """What one ``verify import`` did."""

    source: str
    rows_read: int
    new: int
    by_outcome: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {o}" for o, n in sorted(self.by_outcome.items())) or "none"
        return f"{self.source}: {self.rows_read} outcomes read ({counts}), {self.new} new"


def import_outcomes(home: Path, source: Path) -> OutcomesReport:
    """Validate an outcomes file and add its rows to ``lake/verifications/outcomes.parquet``.

    The file is taken whole or not at all: a row with a missing or unknown value, a claim id
    never scored, or a claim that was not routed ``verify`` stops the import with one line
    naming the row, and nothing changes. Importing the same file again adds nothing.
    """
    home, source = Path(home), Path(source)
    raw = read_text_file(source, VERIFICATION_COLUMNS, allow_empty=True)
    if raw.bad_rows:
        number, reason = raw.bad_rows[0]
        raise InputError(f"{source.name}: row {number}: {reason}; nothing was imported")
    problems = Problems(raw.frame.index)
    text = declared_text(raw.frame, VERIFICATION_COLUMNS, problems)
    decided = parse_instant(text["decided_at"], load_settings(home).agency_timezone)
    incoming = pd.DataFrame(
        {
            "claim_id": text["claim_id"],
            "check": text["check"],
            "outcome": text["outcome"],
            "decided_at": flag_malformed("decided_at", text["decided_at"], decided, problems),
            "provider": text["provider"],
            "imported_from": source.name,
        }
    )
    _refuse_problems(source, raw.row_numbers, problems)
    lake = Lake(home)
    _refuse_claims_not_waiting(source, lake, raw.row_numbers, incoming["claim_id"])
    stored = read_outcomes(home)
    columns = [f.name for f in VERIFICATIONS_SCHEMA]
    both = pd.concat([stored[columns], incoming[columns]], ignore_index=True)
    both["decided_at"] = pd.to_datetime(both["decided_at"], utc=True).dt.as_unit("us")
    unique = both.drop_duplicates(["claim_id", "check", "outcome", "decided_at", "provider"], keep="first")
    unique = unique.sort_values(["claim_id", "decided_at", "check"], kind="stable").reset_index(drop=True)
    new = len(unique) - len(stored)
    if new:
        arrays = [pa.array(unique[f.name], from_pandas=True).cast(f.type) for f in VERIFICATIONS_SCHEMA]
        lake.write_table(outcomes_path(lake), pa.Table.from_arrays(arrays, schema=VERIFICATIONS_SCHEMA))
    counts = incoming["outcome"].value_counts()
    return OutcomesReport(source.name, len(incoming), new, {str(k): int(v) for k, v in counts.items()})


def _refuse_problems(source: Path, row_numbers: pd.Series, problems: Problems) -> None:
    bad = problems.any()
    if bad.any():
        first = int(np.argmax(bad))
        reason = problems.all_reasons().iloc[first]
        raise InputError(
            f"{source.name}: row {int(row_numbers.iloc[first])}: {reason} "
            f"({int(bad.sum())} bad row(s) in all); nothing was imported"
        )


def _refuse_claims_not_waiting(
    source: Path, lake: Lake, row_numbers: pd.Series, claim_ids: pd.Series
) -> None:
    """Every outcome names a claim that some night routed ``verify``."""
    nights = sorted(night_run_times(lake))
    wanted = pa.array(claim_ids.astype(str).unique().tolist(), pa.string())
    scores = _scores(lake, nights, ["claim_id", "route"], only=wanted)
    routes = dict(zip(scores["claim_id"].astype(str), scores["route"].astype(str), strict=True))
    for position, claim_id in enumerate(claim_ids.astype(str)):
        route = routes.get(claim_id)
        if route == "verify":
            continue
        row = int(row_numbers.iloc[position])
        why = (
            "names a claim id never scored" if route is None else f"names a claim routed {route}, not verify"
        )
        raise InputError(f"{source.name}: row {row} {why}; nothing was imported")


def claim_statuses(
    home: Path, as_of: pd.Timestamp | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Every scored claim's status as of ``as_of`` (default now, UTC): ``claim_id, filed_at, status,
    status_since, hours_waited``. A claim's wait runs from filing to its release (``cleared``,
    also when decided later, e.g. by an audit after payment) or decision, else to ``as_of``.
    Outcomes and decisions after ``as_of`` are not seen."""
    statuses = status_ledger(home, as_of, settings)[list(STATUS_EXPORT_COLUMNS)]
    return statuses.astype({"status": str})


def status_ledger(
    home: Path,
    as_of: pd.Timestamp | None = None,
    settings: Settings | None = None,
    nights: list[dt.date] | None = None,
    claim_columns: tuple[str, ...] = (),
    sort: bool = True,
    feature_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """:func:`claim_statuses` with each claim's ``route`` and scoring ``night`` beside, and the
    claims' ``claim_columns`` (e.g. ``language``) and ``feature_columns`` of the night's features
    (e.g. ``age_at_filing``); only the claims of ``nights`` when given
    (the claimant ledger of :mod:`claimscreen.models.ledger` reads a week, not the year);
    sorted by claim id unless ``sort`` is false."""
    home = Path(home)
    settings = settings or load_settings(home)
    moment = pd.Timestamp.now(tz="UTC") if as_of is None else pd.Timestamp(as_of).tz_convert("UTC")
    lake = Lake(home)
    runs = night_run_times(lake)
    wanted = None if nights is None else set(nights)
    nights = [n for n, at in sorted(runs.items()) if at <= moment and (wanted is None or n in wanted)]
    scored = _scored_claims(lake, nights, claim_columns, feature_columns)
    frame = pd.DataFrame(
        {
            "claim_id": scored["claim_id"].astype(str),
            "route": scored["route"].astype(str).astype("category"),
            "night": _dates_of(scored["batch_date"]),
            # Only a verify claim's checks are read: computed for those alone.
            "checks": scored["reasons"]
            .where(scored["route"] == "verify")
            .map(checks_for, na_action="ignore"),
            "scored_at": _run_time_of(scored["batch_date"], runs),
            "filed_at": pd.to_datetime(scored["filed_at"], utc=True).astype("datetime64[us, UTC]"),
            **{column: scored[column] for column in (*claim_columns, *feature_columns)},
        }
    )
    status, since = route_status(frame, outcomes_as_of(home, moment), settings, moment)
    status, status_since, hours = settle_statuses(frame, status, since, decisions_as_of(home, moment), moment)
    frame["status"] = pd.Categorical(status)
    frame["status_since"] = status_since
    frame["hours_waited"] = hours
    columns = [*STATUS_EXPORT_COLUMNS, "route", "night", *claim_columns, *feature_columns]
    out = frame[columns]
    return out.sort_values("claim_id", kind="stable").reset_index(drop=True) if sort else out


def _scored_claims(
    lake: Lake, nights: list[dt.date], claim_columns: tuple[str, ...], feature_columns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Each night's scores (``claim_id, route, reasons, batch_date``) with its claims'
    ``filed_at`` and ``claim_columns`` and its features' ``feature_columns``, joined night by
    night with Arrow's hash join (a claim is in the claims and features partitions of the night
    that scored it; ingest keeps claim ids unique)."""
    wanted = ["claim_id", "filed_at", *claim_columns]
    tables = []
    for night in nights:
        path = lake.scores_path(night)
        if not path.exists():
            continue
        scores = lake.read_table(path, columns=["claim_id", "route", "reasons", "batch_date"])
        scores = scores.set_column(0, "claim_id", scores["claim_id"].cast(pa.string()))
        # Parts written before a column existed lack it: it is read as missing (None) below.
        claims_parts = lake.committed_parts("claims", night, night)
        parts = [lake.read_table(p, columns=wanted, present=True) for p in claims_parts]
        claims = pa.concat_tables(parts, promote_options="default") if parts else None
        if claims is None or claims.num_rows == 0:
            claims = pa.table({"claim_id": pa.array([], pa.string())})
        claims = claims.set_column(0, "claim_id", claims["claim_id"].cast(pa.string()))
        joined = _join_on_claim(scores, claims)
        if feature_columns and lake.features_path(night).exists():
            features = lake.read_table(
                lake.features_path(night), columns=["claim_id", *feature_columns], present=True
            )
            features = features.set_column(0, "claim_id", features["claim_id"].cast(pa.string()))
            joined = _join_on_claim(joined, features)
        tables.append(joined)
    if not tables:
        names = ["claim_id", "route", "reasons", "batch_date", *wanted, *feature_columns]
        empty = {c: pd.Series(dtype="str") for c in names}
        return pd.DataFrame(empty).assign(filed_at=pd.Series(dtype="datetime64[us, UTC]"))
    frame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    for column in (*wanted, *feature_columns):
        if column not in frame.columns:
            frame[column] = None
    return frame


def _join_on_claim(left: pa.Table, right: pa.Table) -> pa.Table:
    """``left`` with ``right``'s other columns by claim id: side by side when both list the same
    claims in the same order (a night's scores and features do), else Arrow's hash join."""
    if left.num_rows == right.num_rows and left["claim_id"].equals(right["claim_id"]):
        for name in right.column_names[1:]:
            left = left.append_column(name, right[name])
        return left
    return left.join(right, "claim_id", join_type="left outer")


def _dates_of(values: pd.Series) -> pd.Series:
    """Dates (``datetime.date``), converted once per distinct value."""
    codes, uniques = pd.factorize(values)
    days = np.array([pd.Timestamp(d).date() for d in uniques] + [None], dtype=object)
    return pd.Series(days[codes], index=values.index)


def _run_time_of(nights: pd.Series, runs: dict[dt.date, pd.Timestamp]) -> pd.Series:
    """When each row's night ran, looked up once per night."""
    codes, days = pd.factorize(pd.to_datetime(nights).dt.date)
    times = pd.DatetimeIndex([runs.get(d, pd.NaT) for d in days], tz="UTC").as_unit("us")
    return pd.Series(times.take(codes), index=nights.index, dtype="datetime64[us, UTC]")


def outcomes_as_of(home: Path, moment: pd.Timestamp) -> pd.DataFrame:
    """The verification outcomes decided at ``moment`` or before (see :func:`read_outcomes`)."""
    outcomes = read_outcomes(home)
    return outcomes[pd.to_datetime(outcomes["decided_at"], utc=True) <= moment]


def decisions_as_of(home: Path, moment: pd.Timestamp) -> pd.DataFrame:
    """Each claim's latest decision made at ``moment`` or before (``outcome, decided_at``...),
    indexed by claim id."""
    decisions = read_labels(home)
    decisions = decisions[pd.to_datetime(decisions["decided_at"], utc=True) <= moment]
    return decisions.drop_duplicates("claim_id", keep="last").set_index("claim_id")


def claims_among(ids: pd.Series | pd.Index, pool: pd.Series | pd.Index) -> np.ndarray:
    """Whether each claim id is one of ``pool``'s, by Arrow's hash lookup (pandas' ``isin`` of
    text makes a Python list of the pool)."""
    found = pc.is_in(
        pa.array(np.asarray(ids, dtype=object), pa.string()),
        value_set=pa.array(np.asarray(pool, dtype=object), pa.string()),
    )
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def route_status(
    frame: pd.DataFrame, outcomes: pd.DataFrame, settings: Settings, moment: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """The status each route gives before any decision, and since when (UTC, ``datetime64[us]``
    without a zone): ``frame`` holds ``claim_id, route, checks, scored_at``. Only the ``verify``
    claims are looked at one by one (against ``outcomes``, see :func:`outcomes_as_of`)."""
    status = np.where(frame["route"] == "review", "in_review", "cleared").astype(object)
    since = (
        frame["scored_at"]
        .dt.tz_convert("UTC")
        .dt.tz_localize(None)
        .to_numpy(dtype="datetime64[us]", copy=True)
    )
    latest = outcomes.sort_values("decided_at", kind="stable").drop_duplicates(
        ["claim_id", "check"], keep="last"
    )
    answers: dict[str, dict[str, tuple[str, pd.Timestamp]]] = {}
    for claim_id, check, outcome, at in latest[["claim_id", "check", "outcome", "decided_at"]].itertuples(
        index=False
    ):
        answers.setdefault(str(claim_id), {})[str(check)] = (str(outcome), pd.Timestamp(at))
    timeout = pd.Timedelta(days=settings.verification.no_response_days)
    waiting = np.flatnonzero((frame["route"] == "verify").to_numpy())
    ids = frame["claim_id"].iloc[waiting].to_numpy()
    checks = frame["checks"].iloc[waiting].to_numpy()
    for k, i in enumerate(waiting.tolist()):
        got = answers.get(str(ids[k]), {})
        needed = str(checks[k]).split(";")
        requested = pd.Timestamp(since[i], tz="UTC")
        bad = [got[c][1] for c in needed if c in got and got[c][0] != "passed"]
        if bad:
            status[i], at = "in_review", min(bad)
        elif all(c in got for c in needed):
            status[i], at = "cleared", max(got[c][1] for c in needed)
        elif moment - requested >= timeout:
            status[i], at = "in_review", requested + timeout
        else:
            status[i], at = "verifying", requested
        since[i] = at.tz_convert("UTC").tz_localize(None).to_datetime64()
    return status, since


def settle_statuses(
    frame: pd.DataFrame, status: np.ndarray, since: np.ndarray, decided: pd.DataFrame, moment: pd.Timestamp
) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """The claims' statuses once ``decided`` (see :func:`decisions_as_of`) is laid over their
    route statuses (``status`` and ``since``, from :func:`route_status`; changed in place), since
    when (UTC), and the hours each claimant waited (``frame``: ``claim_id, filed_at``): from
    filing to release or decision, or until ``moment`` while still waiting; a claim paid before
    a decision (an audit after payment, say) waited until it was paid."""
    released, released_at = status == "cleared", since.copy()
    has = claims_among(frame["claim_id"], decided.index)
    outcome = decided["outcome"].reindex(frame["claim_id"][has]).to_numpy()
    status[has] = np.where(outcome == "fraud", "decided_fraud", "decided_legitimate")
    at = pd.to_datetime(decided["decided_at"], utc=True).reindex(frame["claim_id"][has])
    since[has] = at.to_numpy(dtype="datetime64[us]")
    status_since = pd.Series(since, index=frame.index).dt.tz_localize("UTC")
    end = status_since.where(~np.isin(status, ("verifying", "in_review")), moment)
    paid_at = pd.Series(released_at, index=frame.index).dt.tz_localize("UTC")
    end = end.mask(released & (paid_at < end).to_numpy(), paid_at)
    hours = ((end - frame["filed_at"]).dt.total_seconds() / 3600).clip(lower=0).round(1)
    return status, status_since, hours


#: The weight of a decision its claim's verification contradicts (see :func:`verification_weights`).
CONTRADICTED_WEIGHT = 0.5


def verification_weights(labeled: pd.DataFrame, outcomes: pd.DataFrame) -> pd.Series:
    """Each labeled claim's training weight from its verification outcomes (``labeled``:
    ``claim_id, label``; ``outcomes``: the latest per claim and check counts).

    The label never changes: a failed check is not fraud and a passed one not honesty. A
    decision the claim's checks bear out weighs 1, as does one without outcomes; one they
    contradict (fraud decided although every check answered passed; legitimate decided
    although a check failed or went unanswered) weighs :data:`CONTRADICTED_WEIGHT`: stolen
    documents can pass identity proofing and honest people fail it, so neither kind of
    evidence overrules an investigator, but the model leans less on a label two sources
    disagree on. Claims with outcomes and no decision are not training rows at all."""
    latest = outcomes.sort_values("decided_at", kind="stable").drop_duplicates(
        ["claim_id", "check"], keep="last"
    )
    failed = latest["outcome"] != "passed"
    by_claim = failed.groupby(latest["claim_id"].astype(str)).agg(["any", "size"])
    ids = labeled["claim_id"].astype(str)
    answered = ids.map(by_claim["size"]).fillna(0).to_numpy() > 0
    any_failed = ids.map(by_claim["any"]).eq(True).to_numpy(dtype=bool)  # unanswered: False
    fraud = labeled["label"].to_numpy() == 1
    contradicted = answered & np.where(fraud, ~any_failed, any_failed)
    weights = np.where(contradicted, CONTRADICTED_WEIGHT, 1.0)
    return pd.Series(weights, index=labeled.index, name="verification_weight")
