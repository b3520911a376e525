"""Benchmark: a world the product was not built on, run through the command line as a new
agency would (issue #17's procedure), with the figures of the issue beside simple rules.

The world comes from another generator, ``bench/other_world.py`` (written without reference
to ``data/generate``), or from any folder of the same shape: ``batches/claims_DATE.csv``,
``reference/KIND.csv``, ``labels.csv`` and ``truth.csv`` (``claim_id, night, is_fraud,
pattern, variant, ring, segment, person, language, age_band``). The procedure:

1. ``reference load`` each list;
2. ``backfill`` the labeled nights;
3. ``labels import`` and ``retrain``;
4. ``backfill`` the rest;
5. ``scores export`` the last ``--evaluate`` nights, none of them labeled,

then the figures on those nights from the exported scores and the truth: honest routed clear,
fraud and ring members routed away from clear, review precision, average precision, ring
grouping (pairwise precision and recall among fraud claims), identity grouping (pairwise,
all claims), FPR gaps by language and age band, and caught per pattern and variant and
cleared per honest segment, each beside the simple rules a state runs today (list matches;
a bank account, phone or address shared by several SSNs within 30 days).

    .venv/bin/python bench/heldout.py --world /tmp/otherworld/s1 [--labeled-nights 18] [--evaluate 10]
        [--no-retrain] [--dump FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

ROOT = Path(__file__).resolve().parents[1]
CLI = [str(ROOT / ".venv" / "bin" / "claimscreen")]
REFERENCE_KINDS = (
    "deceased",
    "incarcerated",
    "wage_records",
    "suspicious_actors",
    "ip_ranges",
    "interstate_claims",
)
#: The simple rules' thresholds: distinct SSNs on one identifier within 30 days.
SHARED_BANK, SHARED_PHONE, SHARED_ADDRESS = 3, 3, 5
SHARED_DAYS = 30


def run(home: Path, *args: str) -> float:
    """One ``claimscreen`` command; its seconds. Stops the benchmark with its error."""
    t = time.perf_counter()
    done = subprocess.run([*CLI, "--home", str(home), *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"claimscreen {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return time.perf_counter() - t


def nights_of(world: Path) -> list[str]:
    return sorted(p.stem.removeprefix("claims_") for p in (world / "batches").glob("claims_*.csv"))


def run_procedure(world: Path, home: Path, labeled: int, evaluate: int, retrain: bool) -> pd.DataFrame:
    """The issue's procedure through the command line; the last ``evaluate`` nights' scores."""
    nights = nights_of(world)
    inbox = world / "batches"
    seconds: dict[str, float] = defaultdict(float)
    for kind in REFERENCE_KINDS:
        path = world / "reference" / f"{kind}.csv"
        if path.exists():
            seconds["reference load"] += run(home, "reference", "load", kind, str(path))
    seconds["backfill (labeled nights)"] = run(
        home, "backfill", "--from", nights[0], "--to", nights[labeled - 1], "--inbox", str(inbox)
    )
    if retrain:
        seconds["labels import"] = run(home, "labels", "import", str(world / "labels.csv"))
        seconds["retrain"] = run(home, "retrain")
    seconds["backfill (the rest)"] = run(
        home, "backfill", "--from", nights[labeled], "--to", nights[-1], "--inbox", str(inbox)
    )
    parts = []
    out = home.parent / "scores"
    out.mkdir(exist_ok=True)
    for night in nights[-evaluate:]:
        path = out / f"scores_{night}.csv"
        seconds["scores export"] += run(home, "scores", "export", "--date", night, "--out", str(path))
        parts.append(pd.read_csv(path, dtype={"claim_id": str, "ring_id": str, "identity_id": str}))
    for step, secs in seconds.items():
        print(f"  {step:<28}{secs:8.1f} s")
    return pd.concat(parts, ignore_index=True)


# -- the simple rules ------------------------------------------------------------------------

_UNIT = re.compile(r"\b(apartment|apt|unit|ste|suite|no)\b\.?|#")
_SUFFIX = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "lane": "ln",
    "boulevard": "blvd",
    "court": "ct",
    "place": "pl",
    "circle": "cir",
    "terrace": "ter",
}


def address_key(line1: pd.Series, line2: pd.Series, zip_: pd.Series) -> pd.Series:
    """A plain normalization a state's rule would use: case, punctuation, unit words and
    street suffixes folded, the unit's number kept."""

    def one(a: str, b: str, z: str) -> str:
        text = f"{a} {b}".lower()
        text = _UNIT.sub(" # ", text)
        text = re.sub(r"[.,]", " ", text)
        words = [_SUFFIX.get(w, w) for w in text.split()]
        text = " ".join(words).replace("# ", "#")
        return f"{text}|{str(z)[:5]}"

    return pd.Series(
        [one(a, b, z) for a, b, z in zip(line1.fillna(""), line2.fillna(""), zip_.fillna(""), strict=True)],
        index=line1.index,
    )


def digits(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.replace(r"\D", "", regex=True)


def simple_rules(world: Path, claims: pd.DataFrame) -> pd.Series:
    """True where today's simple rules would hold a claim: a list match (deceased, held in
    prison, a suspicious identifier, a claim in another state within a year), or a bank
    account, phone or address shared by several SSNs within 30 days."""
    ref = world / "reference"
    ssn = digits(claims["ssn"])
    filed = pd.to_datetime(claims["night"])
    flag = pd.Series(False, index=claims.index)
    if (ref / "deceased.csv").exists():
        dead = pd.read_csv(ref / "deceased.csv", dtype=str)
        died = dict(zip(digits(dead["ssn"]), pd.to_datetime(dead["date_of_death"]), strict=True))
        flag |= np.array([s in died and died[s] < f for s, f in zip(ssn, filed, strict=True)], dtype=bool)
    if (ref / "incarcerated.csv").exists():
        held = pd.read_csv(ref / "incarcerated.csv", dtype=str)
        spans = defaultdict(list)
        for s, a, r in zip(digits(held["ssn"]), held["admitted_on"], held["released_on"], strict=True):
            spans[s].append((pd.Timestamp(a), pd.Timestamp(r) if isinstance(r, str) and r else None))
        flag |= np.array(
            [
                any(a <= f and (r is None or f <= r) for a, r in spans.get(s, ()))
                for s, f in zip(ssn, filed, strict=True)
            ],
            dtype=bool,
        )
    if (ref / "interstate_claims.csv").exists():
        other = pd.read_csv(ref / "interstate_claims.csv", dtype=str)
        when = defaultdict(list)
        for s, f in zip(digits(other["ssn"]), pd.to_datetime(other["filed_at"].str[:10]), strict=True):
            when[s].append(f)
        flag |= np.array(
            [
                any(dt.timedelta(0) <= f - w <= dt.timedelta(days=365) for w in when.get(s, ()))
                for s, f in zip(ssn, filed, strict=True)
            ],
            dtype=bool,
        )
    bank = claims["bank_routing"].fillna("").astype(str) + ":" + claims["bank_account"].fillna("").astype(str)
    bank = bank.where(claims["bank_account"].notna(), "")
    phone = digits(claims["phone"]).str[-10:]
    address = address_key(claims["address_line1"], claims["address_line2"], claims["zip"])
    mailing = address_key(
        claims["mailing_address_line1"], claims["mailing_address_line2"], claims["mailing_zip"]
    ).where(claims["mailing_address_line1"].notna(), "")
    if (ref / "suspicious_actors.csv").exists():
        bad = pd.read_csv(ref / "suspicious_actors.csv", dtype=str)
        listed = defaultdict(set)
        for kind, value in zip(bad["kind"], bad["value"].fillna(""), strict=True):
            if kind == "phone":
                value = re.sub(r"\D", "", value)[-10:]
            elif kind == "address":
                parts = [p.strip() for p in value.split(",")]
                zip5 = parts[-1].split()[-1] if parts else ""
                value = address_key(pd.Series([parts[0]]), pd.Series([""]), pd.Series([zip5])).iloc[0]
            else:
                value = value.strip().lower()
            listed[kind].add(value)
        flag |= bank.str.lower().isin(listed["bank_account"])
        flag |= claims["email"].fillna("").str.strip().str.lower().isin(listed["email"])
        flag |= phone.isin(listed["phone"])
        flag |= claims["ip_address"].fillna("").str.strip().str.lower().isin(listed["ip_address"])
        flag |= claims["device_id"].fillna("").str.strip().str.lower().isin(listed["device_id"])
        flag |= address.isin(listed["address"]) | mailing.isin(listed["address"])
    for values, threshold in (
        (bank, SHARED_BANK),
        (phone, SHARED_PHONE),
        (address, SHARED_ADDRESS),
        (mailing, SHARED_ADDRESS),
    ):
        flag |= _shared(values, ssn, filed, threshold)
    return flag


def _shared(values: pd.Series, ssn: pd.Series, filed: pd.Series, threshold: int) -> pd.Series:
    """True where the value was used by ``threshold`` or more SSNs within the 30 days up to
    and including the claim's night (the night's whole batch counts)."""
    frame = pd.DataFrame({"v": values, "ssn": ssn, "day": filed.dt.normalize()})
    frame = frame[frame["v"] != ""]
    out = pd.Series(False, index=values.index)
    for _, group in frame.groupby("v", sort=False):
        if group["ssn"].nunique() < threshold:
            continue
        for idx, day in zip(group.index, group["day"], strict=True):
            near = group[(group["day"] <= day) & (group["day"] > day - pd.Timedelta(days=SHARED_DAYS))]
            out[idx] = near["ssn"].nunique() >= threshold
    return out


# -- the figures ------------------------------------------------------------------------------


def pairwise(groups: pd.Series, truth: pd.Series) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping (empty = alone) against the truth's groups."""

    def pairs(labels: pd.Series) -> set[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        for _, members in labels[labels.fillna("") != ""].groupby(labels, sort=False):
            out.update(itertools.combinations(sorted(members.index), 2))
        return out

    got, want = pairs(groups), pairs(truth)
    both = len(got & want)
    return (both / len(got) if got else float("nan"), both / len(want) if want else float("nan"))


def fpr_gap(honest: pd.DataFrame, column: str, minimum: int) -> tuple[float, str]:
    rates = honest.groupby(column)["held"].agg(["mean", "size"])
    rates = rates[rates["size"] >= minimum]
    text = ", ".join(f"{g} {r['mean']:.2%} of {int(r['size']):,}" for g, r in rates.iterrows())
    return (100 * (rates["mean"].max() - rates["mean"].min()) if len(rates) > 1 else 0.0), text


def figures(frame: pd.DataFrame) -> None:
    honest, fraud = frame[frame["is_fraud"] == 0], frame[frame["is_fraud"] == 1]
    ring_sizes = fraud["ring"].value_counts()
    members = fraud[fraud["ring"].map(ring_sizes).fillna(0) >= 2]
    rows = [
        ("claims (honest / fraud)", f"{len(frame):,} ({len(honest):,} / {len(fraud):,})", "", ""),
        (
            "honest routed clear",
            f"{1 - honest['held'].mean():.1%}",
            f"{1 - honest['rule'].mean():.1%}",
            ">= 97%",
        ),
        (
            "fraud routed away from clear",
            f"{fraud['held'].mean():.1%}",
            f"{fraud['rule'].mean():.1%}",
            ">= 95%",
        ),
        (
            "ring members away from clear",
            f"{members['held'].mean():.1%}",
            f"{members['rule'].mean():.1%}",
            ">= 98%",
        ),
        (
            "review precision",
            f"{frame.loc[frame['route'] == 'review', 'is_fraud'].mean():.1%}",
            f"{frame.loc[frame['rule'], 'is_fraud'].mean():.1%}",
            ">= 70%",
        ),
        (
            "average precision",
            f"{average_precision_score(frame['is_fraud'], frame['risk_score']):.3f}",
            f"{average_precision_score(frame['is_fraud'], frame['rule'].astype(float)):.3f}",
            "",
        ),
    ]
    p, r = pairwise(fraud["ring_id"], fraud["ring"])
    rows.append(("ring pairs among fraud, P / R", f"{p:.2f} / {r:.2f}", "", ">= 0.90 / 0.90"))
    p, r = pairwise(frame["identity_id"], frame["person"].astype(str))
    rows.append(("identity pairs, P / R", f"{p:.3f} / {r:.3f}", "", ""))
    for column, label in (("language", "language"), ("age_band", "age band")):
        gap, _ = fpr_gap(honest, column, 300)
        rule_gap, _ = fpr_gap(honest.assign(held=honest["rule"]), column, 300)
        rows.append((f"FPR gap by {label} (pt)", f"{gap:.2f}", f"{rule_gap:.2f}", "<= 1"))
    print(f"  {'figure':<32}{'claimscreen':>22}{'simple rules':>16}{'goal':>16}")
    for name, ours, rule, goal in rows:
        print(f"  {name:<32}{ours:>22}{rule:>16}{goal:>16}")
    for column in ("language", "age_band"):
        print(f"  honest held by {column}: {fpr_gap(honest, column, 300)[1]}")
    print("\n  caught per pattern / variant (claimscreen, simple rules):")
    for (pattern, variant), group in fraud.groupby(["pattern", "variant"]):
        print(
            f"    {pattern + '/' + variant:<44}{len(group):>6,}{group['held'].mean():>9.1%}"
            f"{group['rule'].mean():>9.1%}"
        )
    for pattern, group in fraud.groupby("pattern"):
        mark = (
            "" if group["held"].mean() >= max(group["rule"].mean(), 0.85) else "   << below max(rules, 85%)"
        )
        print(
            f"    {pattern:<44}{len(group):>6,}{group['held'].mean():>9.1%}{group['rule'].mean():>9.1%}{mark}"
        )
    print("\n  honest cleared per segment (claimscreen, simple rules):")
    for segment, group in honest.groupby("segment"):
        mark = "" if len(group) < 100 or 1 - group["held"].mean() >= 0.90 else "   << below 90%"
        print(
            f"    {segment:<44}{len(group):>6,}{1 - group['held'].mean():>9.1%}"
            f"{1 - group['rule'].mean():>9.1%}{mark}"
        )
    reasons = frame.loc[(frame["is_fraud"] == 0) & frame["held"], "reasons"].fillna("").str.split(";")
    print("\n  reasons on honest claims held (first three):")
    for code, count in reasons.str[:3].explode().value_counts().head(10).items():
        print(f"    {code:<40}{count:>6,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", type=Path, required=True, help="a folder bench/other_world.py wrote")
    parser.add_argument("--labeled-nights", type=int, default=18)
    parser.add_argument("--evaluate", type=int, default=10, help="the last N nights are evaluated")
    parser.add_argument("--no-retrain", action="store_true", help="cold start: no labels, no retraining")
    parser.add_argument("--reuse", action="store_true", help="figures from the last run's scores")
    parser.add_argument(
        "--dump", type=Path, help="write the evaluated claims with scores and truth (Parquet)"
    )
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    run_dir = args.world / ("run-cold" if args.no_retrain else "run")
    if args.reuse:
        scores = pd.concat(
            [
                pd.read_csv(path, dtype={"claim_id": str, "ring_id": str, "identity_id": str})
                for path in sorted((run_dir / "scores").glob("scores_*.csv"))[-args.evaluate :]
            ],
            ignore_index=True,
        )
    else:
        if run_dir.exists():
            shutil.rmtree(run_dir)
        run_dir.mkdir()
        t = time.perf_counter()
        home = run_dir / "home"
        scores = run_procedure(args.world, home, args.labeled_nights, args.evaluate, not args.no_retrain)
        print(f"procedure: {time.perf_counter() - t:.0f} s")
    truth = pd.read_csv(args.world / "truth.csv", dtype={"claim_id": str, "ring": str, "person": str})
    nights = nights_of(args.world)[-args.evaluate :]
    window = nights_of(args.world)[-(args.evaluate + SHARED_DAYS) :]
    claims = pd.concat(
        [pd.read_csv(args.world / "batches" / f"claims_{n}.csv", dtype=str).assign(night=n) for n in window],
        ignore_index=True,
    )
    claims["rule"] = simple_rules(args.world, claims).to_numpy()
    claims = claims[claims["night"].isin(nights)]
    frame = scores.merge(truth, on="claim_id", how="left").merge(
        claims[["claim_id", "rule"]].drop_duplicates("claim_id"), on="claim_id", how="left"
    )
    frame["rule"] = frame["rule"].fillna(False).astype(bool)
    frame["held"] = frame["route"] != "clear"
    frame["is_fraud"] = frame["is_fraud"].fillna(0).astype(int)
    unknown = frame["pattern"].isna().sum()
    print(f"evaluated {len(frame):,} scored claims of {len(nights)} nights ({unknown} not in the truth)")
    figures(frame)
    if args.dump:
        frame.to_parquet(args.dump)


if __name__ == "__main__":
    main()
