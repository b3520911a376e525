"""Benchmark: routing quality against the generator's truth, with a time split (issue #4 goals).

A generated state of ``--days`` nights of ``--claims-per-day`` claims runs
through ingest and features (bench/world.py, cached under ``--root``). The
supervised model trains on the dispositions decided by the end of night
``--train-days`` (the first weeks) and is evaluated on the later nights, none of
whose labels it saw; the generator's emerging typologies (email-alias rings,
synthetic identities) start after 60% of the days, so they never appear in the
training labels. Four systems route the same later nights with the same
routing settings:

* the rules-only baseline (shared-identifier counts and hard-evidence lists),
* cold start (no labels: rules, evidence, anomaly model),
* the supervised champion that ``retrain`` produced at the cut-off,

and their figures are printed against the goals, with fairness by age band and
language (group sizes included), and caught per fraud pattern and per variant of it
(the truth's ``variant``). The HTML report is written beside the world.

``--holdout-variants`` asks whether the model catches what it never saw: for each fraud
family with two or more variants in the world, about half of them (at least one, drawn
with ``--seed``) are held out. The world is built again under ``--root``/holdout-variants
without the dispositions of any held-out-variant claim (no feature, such as a ring's known
fraud, and no retraining sees them; they are also withheld while ``retrain`` runs, should
a lake hold them), so the supervised model learns only the seen variants; the per-variant
table marks the held-out ones.

    .venv/bin/python bench/quality.py [--root /tmp/cs-quality] [--days 42] [--claims-per-day 20000]
        [--seed 11] [--calibration sigmoid|isotonic] [--no-cold-start] [--holdout-variants]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from world import build_world


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def fired(evidence: pd.DataFrame, route: pd.Series | object) -> list[str]:
    """The signals firing on each delayed claim, ``;``-joined ("" for a cleared one)."""
    delayed = pd.Series(route).to_numpy() != "clear"
    names = list(evidence.columns)
    flags = evidence.to_numpy(dtype=bool)
    return [
        ";".join(n for n, f in zip(names, row, strict=True) if f) if d else ""
        for d, row in zip(delayed, flags, strict=True)
    ]


def why_delayed(frame: pd.DataFrame) -> str:
    """A table: for each signal, how many delayed honest claimants carried it, and per 1,000
    honest claimants of each age band and of the two largest languages."""
    from claimscreen.models.evaluation import AGE_BANDS, age_band

    honest = frame[~frame["is_fraud"]].assign(band=lambda f: age_band(f["age"]))
    delayed = honest[honest["route"] != "clear"]
    signals = delayed["signals"].replace("", "(none: the model alone)").str.split(";").explode()
    languages = honest["language"].value_counts().index[:2].tolist()
    groups = [("band", b) for b in AGE_BANDS] + [("language", lang) for lang in languages]
    sizes = {g: int((honest[g[0]] == g[1]).sum()) for g in groups}
    rows = []
    for code, count in signals.value_counts().head(12).items():
        mask = signals == code
        carriers = delayed.loc[mask[mask].index]
        cells = [
            f"{1000 * (carriers[col] == value).sum() / max(sizes[(col, value)], 1):6.2f}"
            for col, value in groups
        ]
        rows.append(f"  {code:<28}{count:>8,}  " + " ".join(cells))
    head = "  " + "signal".ljust(28) + "delayed".rjust(8) + "  " + " ".join(f"{v:>6}" for _, v in groups)
    return "\n".join([head, *rows])


def segment_table(frames: dict[str, pd.DataFrame], min_claims: int = 100) -> str:
    """Per honest segment (the truth's ``honest_case``) and per fraud typology: claims, and the
    share cleared (honest) or caught (fraud) by each system; segments under `min_claims` are marked."""
    names = list(frames)
    lines = ["  " + "segment".ljust(34) + "claims".rjust(9) + "".join(f"{n[:18]:>20}" for n in names)]
    for fraud, column, verb in ((False, "honest_case", "cleared"), (True, "typology", "caught")):
        first = frames[names[0]]
        counts = first.loc[first["is_fraud"] == fraud, column].fillna("none").value_counts()
        for segment, claims in counts.items():
            cells = []
            for name in names:
                rows = frames[name][(frames[name]["is_fraud"] == fraud)]
                rows = rows[rows[column].fillna("none") == segment]
                away = (rows["route"] != "clear").mean()
                cells.append(f"{(away if fraud else 1 - away):>20.2%}")
            label = f"{'fraud' if fraud else 'honest'} {segment} {verb}" + (
                "" if claims >= min_claims else " *"
            )
            lines.append(f"  {label:<34}{claims:>9,}" + "".join(cells))
    lines.append(f"  * fewer than {min_claims} claims: the goal (honest >= 90% cleared) is not judged on it")
    return "\n".join(lines)


@contextlib.contextmanager
def labels_withheld(home: Path, claim_ids: set[str]) -> Iterator[int]:
    """The lake's dispositions (and their history) without ``claim_ids`` while the block runs;
    the files are put back as they were afterwards, even on an error. Yields how many
    decisions were withheld."""
    from claimscreen.data.labels import history_path
    from claimscreen.data.lake import Lake

    lake = Lake(home)
    paths = [p for p in (lake.dispositions_path, history_path(lake)) if p.exists()]
    kept = {p: p.with_name(p.name + ".withheld") for p in paths}
    withheld = 0
    try:
        for path, copy in kept.items():
            shutil.copy2(path, copy)
            table = lake.read_table(path)
            keep = ~table.column("claim_id").to_pandas().astype(str).isin(claim_ids).to_numpy()
            withheld = max(withheld, int((~keep).sum()))
            lake.write_table(path, table.filter(keep))
        yield withheld
    finally:
        for path, copy in kept.items():
            if copy.exists():
                os.replace(copy, path)


def variant_table(frames: dict[str, pd.DataFrame], held: set[str]) -> str:
    """Per fraud pattern (the truth's ``typology``) and per variant of it: claims, and the share
    caught (routed away from clear) by each system; held-out variants are marked."""
    names = list(frames)
    lines = [
        "  " + "pattern / variant".ljust(50) + "claims".rjust(8) + "".join(f"{n[:18]:>20}" for n in names)
    ]
    first = frames[names[0]]
    fraud = first[first["is_fraud"]]
    for typology in sorted(fraud["typology"].unique()):
        keys = [(typology, None)] + [
            (typology, v)
            for v in sorted(fraud.loc[fraud["typology"] == typology, "variant"].dropna().unique())
        ]
        for pattern, variant in keys:
            cells = []
            for name in names:
                rows = frames[name][frames[name]["is_fraud"] & (frames[name]["typology"] == pattern)]
                if variant is not None:
                    rows = rows[rows["variant"] == variant]
                cells.append(f"{(rows['route'] != 'clear').mean():>20.2%}")
                claims = len(rows)
            label = (
                pattern
                if variant is None
                else "    " + variant.split("/", 1)[-1] + (" (held out)" if variant in held else "")
            )
            lines.append(f"  {label:<50}{claims:>8,}" + "".join(cells))
    if held:
        for group, mask_of in (("held-out variants", True), ("seen variants", False)):
            cells = []
            for name in names:
                rows = frames[name][frames[name]["is_fraud"]]
                rows = rows[rows["variant"].isin(held) == mask_of]
                cells.append(f"{(rows['route'] != 'clear').mean():>20.2%}")
            lines.append(f"  {'all ' + group:<50}{len(rows):>8,}" + "".join(cells))
    return "\n".join(lines)


def dump_frame(features: pd.DataFrame, scores: object, route: object) -> pd.DataFrame:
    """Tonight's features with the scores' parts, the evidence that fired and the route."""
    evidence = scores.evidence  # type: ignore[attr-defined]
    every = pd.Series(fired(evidence, ["delayed"] * len(evidence)), index=features.index)
    return features.assign(
        risk=scores.risk,  # type: ignore[attr-defined]
        model=scores.model,  # type: ignore[attr-defined]
        cold=scores.cold,  # type: ignore[attr-defined]
        route=pd.Series(route).to_numpy(),
        fired=every.to_numpy(),
    )


def write_dump(path: Path, parts: list[pd.DataFrame], truth: pd.DataFrame) -> None:
    """The dumped nights joined to the truth; the fraud routed clear listed by pattern and variant."""
    frame = pd.concat(parts, ignore_index=True)
    keep = [
        c for c in ("claim_id", "is_fraud", "typology", "variant", "ring_key", "honest_case") if c in truth
    ]
    frame = frame.merge(truth[keep], on="claim_id", how="left")
    frame.to_parquet(path, index=False)
    missed = frame[frame["is_fraud"].fillna(False).astype(bool) & (frame["route"] == "clear")]
    print(f"dump: {path} ({len(frame):,} claims); fraud routed clear: {len(missed):,}")
    for (typology, variant), group in missed.groupby(["typology", "variant"], dropna=False):
        print(f"  {variant or typology}: {len(group)}")
        for _, row in group.iterrows():
            fired_codes = row["fired"] or "-"
            print(f"    {row['claim_id']} risk {row['risk']:.3f} ring {row['ring_id']} fired: {fired_codes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/cs-quality"))
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--claims-per-day", type=int, default=20_000)
    parser.add_argument("--train-days", type=int, default=21)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--no-cold-start",
        action="store_true",
        help="skip the cold-start system (halves the scoring time of a large world)",
    )
    parser.add_argument(
        "--calibration", choices=("sigmoid", "isotonic"), help="override [scoring] calibration"
    )
    parser.add_argument(
        "--holdout-variants",
        action="store_true",
        help="hold out some variants of each fraud family: the model never sees their labels",
    )
    parser.add_argument(
        "--dump",
        type=Path,
        help="write the supervised system's later nights (features, evidence, risk parts, route, truth) "
        "to this Parquet file, and list the fraud it routed clear",
    )
    parser.add_argument(
        "--no-ledger",
        action="store_true",
        help="skip the claimant ledger's figures (bench/ledger_figures.py)",
    )
    args = parser.parse_args()

    from claimscreen.data.lake import Lake
    from claimscreen.data.settings import load_settings
    from claimscreen.models.baseline import BASELINE_COLUMNS, baseline_flags, baseline_routes
    from claimscreen.models.evaluation import compare, evaluate, write_report
    from claimscreen.models.routing import route_scores
    from claimscreen.models.score_stage import window_features
    from claimscreen.models.scorer import ClaimScorer
    from claimscreen.models.training import retrain

    clock = time.perf_counter()
    root = args.root / "holdout-variants" if args.holdout_variants else args.root
    world = build_world(root, args.days, args.claims_per_day, args.seed, holdout=args.holdout_variants)
    ready = time.perf_counter() - clock
    print(f"world: {args.days} nights x {args.claims_per_day:,} claims ready in {ready:.0f} s")
    home = world.home
    settings = load_settings(home)
    if args.calibration:
        scoring = settings.scoring.model_copy(update={"calibration": args.calibration})
        settings = settings.model_copy(update={"scoring": scoring})
    print(f"calibration: {settings.scoring.calibration}")
    lake = Lake(home)
    nights = [dt.date.fromisoformat(n) for n in world.nights]
    cutoff = nights[args.train_days]
    later = [n for n in nights if n >= cutoff]
    truth = pd.read_parquet(world.truth_file)
    truth["in_ring"] = truth["is_fraud"] & truth["ring_key"].notna()
    if "variant" not in truth:  # a world generated before the generator had variants
        truth["variant"] = truth["typology"].where(truth["is_fraud"])
    held = set(world.held)
    if held:
        print(f"held-out variants (no label of theirs reaches the model): {', '.join(sorted(held))}")
    withheld_ids = set(truth.loc[truth["variant"].isin(held), "claim_id"].astype(str))

    clock = time.perf_counter()
    cold = ClaimScorer().fit_anomaly(window_features(home, nights[0], cutoff - dt.timedelta(days=1)))
    print(f"cold-start scorer fitted in {time.perf_counter() - clock:.1f} s")
    clock = time.perf_counter()
    moment = dt.datetime.combine(cutoff, dt.time(0), tzinfo=dt.UTC)
    with labels_withheld(home, withheld_ids) as withheld:
        report = retrain(home, settings=settings, now=moment)
    if held:
        print(f"  decisions withheld from retrain: {withheld:,}")
    print(f"retrain at {cutoff}: {report.status} ({report.reason}) in {time.perf_counter() - clock:.1f} s")
    print(f"  labels used: {report.labels}")
    from claimscreen.models import registry

    supervised = registry.load(home, report.challenger) if report.challenger else cold
    used = pd.read_parquet(lake.dispositions_path)
    used = used[pd.to_datetime(used["decided_at"], utc=True) < pd.Timestamp(moment)]
    used = used[~used["claim_id"].astype(str).isin(withheld_ids)]
    seen = set(truth.loc[truth["claim_id"].isin(used["claim_id"]) & truth["is_fraud"], "typology"])
    unseen = sorted(set(truth.loc[truth["is_fraud"], "typology"]) - seen)
    print(f"  fraud typologies absent from all labels: {unseen}")

    systems = {"cold start": cold, "supervised": supervised}
    if args.no_cold_start:
        del systems["cold start"]
    frames: dict[str, list[pd.DataFrame]] = {"rules-only baseline": [], **{name: [] for name in systems}}
    window = lake.read_window("claims", nights[0], nights[-1], columns=list(BASELINE_COLUMNS))
    language = lake.read_window("claims", cutoff, nights[-1], columns=["claim_id", "language"])
    clock = time.perf_counter()
    scored = 0
    dumped: list[pd.DataFrame] = []
    for night in later:
        features = lake.read_table(lake.features_path(night)).to_pandas()
        scored += len(features) * len(systems)
        base = features[["claim_id", "age_at_filing"]].rename(columns={"age_at_filing": "age"})
        flags = baseline_flags(window, features, night)
        frames["rules-only baseline"].append(
            base.assign(risk_score=flags["held"].astype(float), route=baseline_routes(flags))
        )
        for name, scorer in systems.items():
            scores = scorer.score(features)
            routing = route_scores(features, scores, night, settings.scoring)
            frames[name].append(
                base.assign(
                    risk_score=scores.risk, route=routing.route, signals=fired(scores.evidence, routing.route)
                )
            )
            if args.dump and name == "supervised":
                dumped.append(dump_frame(features, scores, routing.route))
    seconds = time.perf_counter() - clock
    print(f"scored and routed {scored:,} claims ({len(systems)} scorer(s)) in {seconds:.1f} s")

    evaluations = {}
    joined = {}
    for name, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True).merge(truth, on="claim_id", suffixes=("", "_truth"))
        frame = frame.drop(columns=["language"], errors="ignore").merge(language, on="claim_id", how="left")
        frame["age"] = frame["age"].fillna(frame["age_truth"])
        joined[name] = frame
        evaluations[name] = evaluate(frame)
    print()
    print(
        f"evaluated on {len(later)} later nights, {len(joined['supervised']):,} claims "
        f"({int(joined['supervised']['is_fraud'].sum()):,} fraud)"
    )
    print(compare(evaluations))
    for name, ev in evaluations.items():
        print()
        print(f"== {name}")
        for line in ev.summary_lines():
            print("  " + line)
    print()
    print(
        "false-positive rate by group with 95% Wilson intervals, "
        "and what equal treatment gives (is a low ratio chance?):"
    )
    for name in systems:
        for fair in evaluations[name].fairness.values():
            cells = []
            for _, row in fair.table.iterrows():
                delayed = round(row["fpr"] * row["honest"])
                low, high = wilson(delayed, int(row["honest"]))
                cells.append(
                    f"{row['group']} {row['fpr']:.2%} [{low:.2%}, {high:.2%}] n={int(row['honest']):,}"
                )
            print(f"  {name}, {fair.grouping}: " + "; ".join(cells))
            chance = fair.chance()
            if chance is not None:
                print(
                    f"    ratio {fair.ratio:.2f}; equal treatment at these group sizes gives "
                    f"{chance.median:.2f} (90% of {chance.draws:,} random spreads between "
                    f"{chance.low:.2f} and {chance.high:.2f}); as low or lower in {chance.p_value:.1%}"
                )
    print()
    print("honest cleared per segment and fraud caught per typology (truth's honest_case and typology):")
    print(segment_table(joined))
    print()
    print(
        "fraud caught per pattern and per variant (truth's typology and variant)"
        + (": held-out variants were never in the training labels" if held else "")
    )
    print(variant_table(joined, held))
    print()
    print("why honest claimants were delayed (supervised): each signal on the delayed, per 1,000 honest")
    print(why_delayed(joined["supervised"]))
    base, best = evaluations["rules-only baseline"], evaluations["supervised"]
    print()
    print(
        "supervised strictly better than the baseline on honest clear rate: "
        f"{best.honest_clear_rate > base.honest_clear_rate} "
        f"({best.honest_clear_rate:.4f} vs {base.honest_clear_rate:.4f}); "
        f"on fraud catch rate: {best.fraud_caught_rate > base.fraud_caught_rate} "
        f"({best.fraud_caught_rate:.4f} vs {base.fraud_caught_rate:.4f})"
    )
    if "cold start" in evaluations:
        cold_ev = evaluations["cold start"]
        print(
            f"cold start: fraud caught {cold_ev.fraud_caught_rate:.4f} (goal >= 0.85), "
            f"honest clear {cold_ev.honest_clear_rate:.4f} (goal >= 0.95)"
        )
    out = write_report(
        evaluations,
        joined,
        root / "quality.html",
        title="claimscreen quality benchmark",
        notes=[
            f"trained on labels decided by {cutoff}; evaluated on {later[0]} to {later[-1]}",
            f"fraud typologies absent from all labels: {', '.join(unseen) or 'none'}",
            f"held-out variants: {', '.join(sorted(held)) or 'none'}",
        ],
    )
    print(f"report: {out}")
    if args.dump:
        write_dump(args.dump, dumped, truth)
    if args.no_ledger:
        return
    # The claimant after the night (#20): honest claimants' waits and paid fraud found by
    # look-back, night by night through the whole flow (bench/ledger_figures.py), two seeds.
    from ledger_figures import run_and_print

    seeds = [args.seed, args.seed + 1]
    run_and_print(args.root / "ledger", min(args.days, 21), min(args.claims_per_day, 2_000), seeds)


if __name__ == "__main__":
    main()
