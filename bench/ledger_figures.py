"""Benchmark: the claimant after the night, against the generator's truth (issue #20 goals).

A generated state runs night by night through the whole nightly flow, as the demo runs it
(``claimscreen.flows.demo``): each batch received 15 minutes after its night ends, the
night's ``verify`` claims answered by the simulated verification services and loaded
through ``verify import``'s function, one retraining after two thirds of the nights. Then,
against the truth:

* **honest claimants' waits**: of the honest claimants filed on the nights whose 24 hours
  (and verification answers) are over by the last night's run, the share released within
  24 hours of filing (a claim still waiting counts as not released), and the 50th and 95th
  percentile of the hours waited (to release or decision, else to that moment); also of the
  honest claimants held (routed verify or review);
* **paid fraud found by look-back within 7 days**: fraud claims routed ``clear`` on their
  night (paid) that became detectable on one of the 7 nights after it, and the share of
  them a look-back alert of those nights raised. Detectable later: a claim of its true ring
  (the truth's ``ring_key``) was in a ring case (``ring:``) of a later night, or fraud was
  decided on another claim of the same person (the truth's ``person_key``) after the claim's
  night ended. The reference lists are loaded before the first night, so no list entry
  arrives later in this world; the look-back's list checks are tested in tests/models.
  Beside that figure (the issue's), two narrower ones, printed apart: of those claims, the
  ones *not decided fraud themselves by the time they became detectable* (the simulated
  legacy investigations decide some paid fraud first; look-back rightly leaves a claim
  already decided fraud alone, and it is no longer paid and undetected), and the ones
  *observably detectable* (``linked``): sharing an identifier (an IP address included) with a
  later flagged claim through their ring's own claims (``bench/rings.py``'s
  ``linkable_groups``), or implicated by a decision on their person, the only ones any
  identifier linker can reach; and the others, *not observably detectable*, with how many of
  them look-back found anyway. The truth's figure stays the headline: the issue's "a ring that
  grows to include them" is read as the generated ring, which holds claims no observable value
  connects to its flagged part. ``--misses`` lists each miss with the identifier kinds it
  shares with the flagged claims of its ring and with its ring's other claims, and why.
* **alert precision**: look-back alerts (claim and reason pairs) on fraud claims, of all.

    .venv/bin/python bench/ledger_figures.py [--root /tmp/cs-ledger] [--days 21]
        [--claims-per-day 2000] [--seeds 11 12] [--misses]

Goals: >= 99% of honest claimants released within 24 hours; look-back finds >= 90% of the
paid fraud that becomes detectable later.

Measured at commit e357e62 with a flagged ring of one household at one home raising nothing in
look-back (all its claims at hand living there, none mailed elsewhere, at most ``[rings]
household_identities`` identities: models/lookback_rings.py), against e357e62 itself, each
simulating the same worlds (the change touches no score), old -> new, 21 nights x 2,000 claims,
seeds 11 and 12: honest claimants released within 24 hours 99.65% and 99.69% both; paid fraud
detectable by the truth within 7 nights 46 and 29, found 35 (76.1%) and 22 (75.9%) both, the same
claims, the same misses; alert precision 49/53 (92.5%) -> 49/49 (100%) and 43/55 (78.2%) ->
42/42 (100%). Gone: 4 and 12 alerts on honest claims. Delayed, on seed 12: a residence mail drop
flagged at 4 people had its 2 paid members raised by ``LOOKBACK_RING`` that night; now one is raised
by it when the drop holds 6 people, 8 nights after its own (outside the 7), and the other not at
all (decided fraud in between). A fraud decision at the unit had raised both the night before
(``LOOKBACK_DECISION``), so found is unchanged; without it, both would be misses.

Measured at commit 1067f08 (the end of the session: its features also make 3 to 5 strangers
who first give one unit within 3 days a ring, 268a118, and let a lone pair of relatives share one
value as weak evidence, 3946499), 21 nights x 2,000 claims, seeds 11 and 12, load 2-4: honest
claimants released within 24 hours 99.65% and 99.69%; paid fraud detectable by the truth within 7
nights 46 and 29, found 35 (76.1%) and 22 (75.9%); observably detectable 34 and 27, found 32 and
22, of those not decided first 100%; alert precision 49/53 (92.5%) and 43/55 (78.2%). Every
honest alert is a member of a flagged ring of 3 or 4 honest housemates with as many surnames at
one unit (checked claim by claim on seed 12), which look-back does not exempt (a ring at one home
is the start of a mail drop), and one relative helping to file.

Measured at commit 210ed37 (its features no longer flag a family at two homes joined by a
surname or a home as a ring) with this session's look-back change (a flagged ring living at
exactly two homes of a household each raises nothing: models/lookback_rings.py), against the
look-back of 210ed37 re-run night by night on the same simulated lakes, old -> new (load 5-7):

* 21 nights x 2,000 claims, seeds 11 and 12: honest claimants released within 24 hours 99.67%
  and 99.69%. Paid fraud detectable by the truth within 7 nights: 47 and 31; found 35 (74.5%)
  and 25 (80.6%), old and new alike. Observably detectable: 34 and 29, found 32 and 25; of
  those not decided first (32 and 25), 100%. Not observably detectable: 13 (found 3) and 2
  (found 0). Decided fraud first: 2 and 4. Alert precision 49/61 (80.3%) -> 49/49 (100%) and
  51/77 (66.2%) -> 51/51 (100%). On the lakes of 443d70e (before 210ed37's features; the world
  of bda0652's honest relatives), 49/80 (61.3%) -> 49/49 and 51/96 (53.1%) -> 51/51, found 35
  of 50 and 25 of 31 old and new: every honest alert was of a flagged ring of one household and
  one home elsewhere (separated spouses on a joint account, relatives sharing a phone or a
  mailbox, and their housemates), none of a fraud ring (the fraud rings at hand: one drop home
  of 6 or more identities, or 3 homes or more; one bank drop of seed 12 at two homes, whose
  paid claim was raised 3 nights later, when the ring reached a third home).
* The misses (``--misses``), seed 11: 13 share no identifier, even through their ring's claims,
  with the part of their ring flagged within 7 nights (residential-proxy device farms whose
  devices never reach the flagged ones, a drop address's second unit and a mail drop's second
  box that nothing ties to the first, a bank drop's other account). Looked at by hand, no
  value a person would accept ties them either: other devices, user agents and home internet
  addresses, the units written alike (normalization is not the gap); only the hour of filing
  is common. Seed 12: 2 such (bank drops' other accounts). The others missed were decided fraud
  by investigators before they became detectable.

Measured at commit 9820e38 plus the previous session's last look-back change (a shared 2-core
machine, load 5-9), with the look-back of e2631db (before this session) re-run night by night
on the same simulated lakes (look-back changes no score), old -> new:

* 21 nights x 2,000 claims, seeds 11 and 12: honest claimants released within 24 hours 99.73%
  and 99.78%, hours waited p95 16.6 and 16.7; the 83 and 77 held waited a median 393 and 372
  hours (nobody works the review queue here). Paid fraud detectable within 7 nights: 50 and
  31; found 34 -> 35 (68.0% -> 70.0%) and 25 -> 25 (80.6%). Decided fraud first: 2 and 4; of
  the others, 70.8% -> 72.9% and 92.6%. Linked: 33 and 29, found 32 and 25; of the linked not
  decided first (32 and 25), 100% before and after. Alert precision 37/59 (62.7%) -> 49/49
  (100%) and 37/54 (68.5%) -> 51/51 (100%).
* 28 nights x 3,000 claims, seeds 11 to 15: honest claimants released within 24 hours
  99.63%, 99.82%, 99.63%, 99.73%, 99.66%. Detectable 53, 45, 58, 56, 46; found 49 -> 49
  (92.5%), 38 -> 39 (86.7%), 49 -> 50 (86.2%), 43 -> 44 (78.6%), 35 -> 35 (76.1%); of those
  not decided fraud first, 96.1%, 100%, 96.1%, 89.6%, 89.7%; of the linked not decided first,
  100% on every seed. Alert precision 59/146 (40.4%) -> 82/82, 51/56 (91.1%) -> 64/64,
  77/151 (51.0%) -> 98/98, 58/111 (52.3%) -> 85/85, 46/118 (39.0%) -> 66/66: the honest
  alerts removed were library patrons whom a public computer linked to a ring early in its
  window, their housemates, and mass-layoff and household claimants.

So the goal of 90% of *all* the paid fraud that became detectable is met on one world of
seven (seed 11, 28 x 3,000, before 210ed37); it is met on every world only for the paid fraud a linker could
reach (sharing an identifier with the later flagged claims through its ring's claims, or by a
decision) and not already decided fraud by investigators. The other misses are members of a
device farm (rotating proxies, mixed IPs), a drop-address, mail-drop, bank-drop or
synthetic-identity ring whose claims share nothing with the part flagged later (``--misses``).

``--cost ROWS`` times the ledger stage alone over 7 synthetic nights of ROWS claims: at
1,000,000 a night (7,000,000 claims) 8.0 to 9.2 s at a load average of 5.5 to 6 on the 2
cores (19.6 to 35.0 s and 2.5 GB before commit 9c42b4e); at 100,000 a night 3.7 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Nights after a claim's own in which a look-back alert counts as found.
WITHIN_NIGHTS = 7
#: Nights at the end whose honest claimants are not counted: their answers may still come.
SETTLING_NIGHTS = 2


def simulate(root: Path, days: int, claims_per_day: int, seed: int) -> tuple[Path, pd.DataFrame]:
    """Run a generated state night by night as the demo does; its home and its truth."""
    from claimscreen.data.generate import generate_world
    from claimscreen.data.labels import import_labels
    from claimscreen.data.reference import load_reference
    from claimscreen.flows.demo import Verifier, receive_batch
    from claimscreen.flows.nightly import run_nightly
    from claimscreen.flows.retrain import run_retrain

    shutil.rmtree(root, ignore_errors=True)
    home = root / "home"
    summary = generate_world(root / "world", days=days, claims_per_day=claims_per_day, seed=seed)
    for kind, path in sorted(summary.reference_files.items()):
        load_reference(home, kind, path)
    import_labels(home, summary.dispositions_file)
    truth = pd.read_parquet(summary.truth_file)
    truth["claim_id"] = truth["claim_id"].astype(str)
    answers = Verifier(truth, np.random.default_rng(seed), root / "world")
    batches = sorted(summary.batch_files)
    retrain_after = max(1, (2 * len(batches)) // 3)
    for i, batch in enumerate(batches):
        night = dt.date.fromisoformat(batch.stem.removeprefix("claims_"))
        receive_batch(home, batch, night)
        run_nightly(str(home), str(batch), night.isoformat())
        answers.answer(home, night)
        if i + 1 == retrain_after:
            morning = dt.datetime.combine(night + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
            run_retrain(str(home), morning.isoformat())
    return home, truth


def honest_waits(home: Path, truth: pd.DataFrame) -> dict[str, Any]:
    """The honest claimants' waits as of the last night's run (see the module's docstring)."""
    from claimscreen.data.lake import Lake
    from claimscreen.models.ledger import RELEASED
    from claimscreen.models.verification import night_run_times, status_ledger

    runs = night_run_times(Lake(home))
    nights = sorted(runs)
    counted = nights[: max(1, len(nights) - SETTLING_NIGHTS)]
    frame = status_ledger(home, runs[nights[-1]], nights=counted)
    honest = frame.merge(truth.loc[~truth["is_fraud"], ["claim_id"]], on="claim_id")
    within = honest["status"].isin(RELEASED) & (honest["hours_waited"] <= 24)
    held = honest[honest["route"] != "clear"]
    return {
        "nights": f"{counted[0]} to {counted[-1]}",
        "honest": len(honest),
        "released_within_24h": int(within.sum()),
        "released_within_24h_share": float(within.mean()) if len(honest) else float("nan"),
        "p50_hours": _pct(honest["hours_waited"], 50),
        "p95_hours": _pct(honest["hours_waited"], 95),
        "held": len(held),
        "held_p50_hours": _pct(held["hours_waited"], 50),
        "held_p95_hours": _pct(held["hours_waited"], 95),
        "held_within_24h": int((held["status"].isin(RELEASED) & (held["hours_waited"] <= 24)).sum()),
    }


def lookback_recall(home: Path, truth: pd.DataFrame, within: int = WITHIN_NIGHTS) -> dict[str, Any]:
    """Paid fraud that became detectable within ``within`` nights, and the share look-back found."""
    from claimscreen.data.lake import Lake
    from claimscreen.data.settings import load_settings
    from claimscreen.features.build import end_of_night_utc

    lake = Lake(home)
    nights = sorted({dt.date.fromisoformat(m["batch_date"]) for m in lake.manifests()})
    columns = ["claim_id", "route", "case_id"]
    scores = pd.concat(
        [lake.read_table(lake.scores_path(n), columns=columns).to_pandas().assign(night=n) for n in nights],
        ignore_index=True,
    )
    scores = scores.merge(truth[["claim_id", "is_fraud", "ring_key", "person_key"]], on="claim_id")
    paid = scores[scores["is_fraud"] & (scores["route"] == "clear")]
    flagged = scores[scores["case_id"].astype(str).str.startswith("ring:") & (scores["ring_key"] != "")]
    raised = _raised(lake, nights)
    rows = _detectable(home, truth, paid, flagged, raised, within)
    group_of, group_nights = _linkable_ring_nights(lake, truth, flagged)
    timezone = load_settings(home).agency_timezone
    linked_at = []
    for night, person_at, group in zip(
        rows["night"], rows["person_decided_at"], rows["claim_id"].map(group_of), strict=True
    ):
        moments = [
            end_of_night_utc(n, timezone)
            for n in group_nights.get(group, [])
            if night < n <= night + dt.timedelta(days=within)
        ]
        linked_at.append(min(moments + ([person_at] if pd.notna(person_at) else []), default=pd.NaT))
    rows["linked"] = [pd.notna(t) for t in linked_at]
    # Decided fraud itself before it became detectable (through its linked piece, if linked).
    when = pd.Series(linked_at, index=rows.index, dtype="datetime64[ns, UTC]").fillna(rows["detectable_at"])
    rows["decided_first"] = rows["decided_at"].notna() & (rows["decided_at"] <= when)
    open_ = rows[~rows["decided_first"]]
    fraud_ids = truth.loc[truth["is_fraud"], "claim_id"]
    on_fraud = raised["claim_id"].isin(fraud_ids)
    return {
        "paid_fraud": len(paid),
        "detectable_later": len(rows),
        "detectable_by": {"ring": int(rows["by_ring"].sum()), "decision": int(rows["by_decision"].sum())},
        "found_within_7_nights": int(rows["found"].sum()),
        "found_share": _share(rows["found"]),
        "decided_first": int(rows["decided_first"].sum()),
        "undecided": len(open_),
        "found_undecided_share": _share(open_["found"]),
        "detectable_linked": int(rows["linked"].sum()),
        "found_linked": int(rows.loc[rows["linked"], "found"].sum()),
        "found_linked_share": _share(rows.loc[rows["linked"], "found"]),
        "undecided_linked": int(open_["linked"].sum()),
        "unlinked": int((~rows["linked"]).sum()),
        "found_unlinked": int(rows.loc[~rows["linked"], "found"].sum()),
        "found_undecided_linked_share": _share(open_.loc[open_["linked"], "found"]),
        "alerts": len(raised),
        "alerts_on_fraud": int(on_fraud.sum()),
        "alert_precision": _share(on_fraud),
        "alerted_claims": int(raised["claim_id"].nunique()),
        "alerted_fraud": int(raised.loc[on_fraud, "claim_id"].nunique()),
        "missed": rows[~rows["found"]].reset_index(drop=True),
    }


def _raised(lake: Any, nights: list[dt.date]) -> pd.DataFrame:
    """Every look-back alert of the nights (``claim_id, reason, flagged_on``)."""
    from claimscreen.models.lookback import alerts_path

    alerts = [
        lake.read_table(alerts_path(lake, n), columns=["claim_id", "reason"]).to_pandas().assign(flagged_on=n)
        for n in nights
        if alerts_path(lake, n).exists()
    ]
    empty = pd.DataFrame({"claim_id": [], "reason": [], "flagged_on": []})
    return pd.concat(alerts, ignore_index=True) if alerts else empty


def _detectable(
    home: Path,
    truth: pd.DataFrame,
    paid: pd.DataFrame,
    flagged: pd.DataFrame,
    raised: pd.DataFrame,
    within: int,
) -> pd.DataFrame:
    """The paid fraud claims that became detectable within ``within`` nights, one row each:
    how (``by_ring``, ``by_decision``), when it first was (``detectable_at``: the end of the
    night its ring was flagged, or the moment of the decision), whether a look-back alert of
    those nights raised it (``found``), when the claim itself was first decided fraud
    (``decided_at``) and when another claim of its person was, in those nights (``person_decided_at``)."""
    from claimscreen.data.labels import read_decisions
    from claimscreen.data.settings import load_settings
    from claimscreen.features.build import end_of_night_utc

    timezone = load_settings(home).agency_timezone
    decisions = read_decisions(home)
    fraud = decisions[decisions["outcome"] == "fraud"].merge(truth[["claim_id", "person_key"]], on="claim_id")
    fraud["decided_at"] = pd.to_datetime(fraud["decided_at"], utc=True)
    ring_nights = flagged.groupby("ring_key")["night"].apply(sorted).to_dict()
    first_raised = raised.groupby("claim_id")["flagged_on"].min().to_dict()
    rows = []
    for claim_id, night, ring_key, person in paid[["claim_id", "night", "ring_key", "person_key"]].itertuples(
        index=False
    ):
        last = night + dt.timedelta(days=within)
        ring_on = [n for n in ring_nights.get(ring_key, []) if night < n <= last]
        ended, until = end_of_night_utc(night, timezone), end_of_night_utc(last, timezone)
        same = fraud[(fraud["person_key"] == person) & (fraud["claim_id"] != claim_id)]
        decided_on = same.loc[(same["decided_at"] > ended) & (same["decided_at"] <= until), "decided_at"]
        if not ring_on and decided_on.empty:
            continue
        first = min([end_of_night_utc(n, timezone) for n in ring_on] + list(decided_on))
        own = fraud.loc[fraud["claim_id"] == claim_id, "decided_at"]
        raised_on = first_raised.get(claim_id)
        rows.append(
            {
                "claim_id": claim_id, "night": night, "ring_key": ring_key, "by_ring": bool(ring_on),
                "by_decision": not decided_on.empty, "detectable_at": first,
                "found": raised_on is not None and night < raised_on <= last,
                "decided_at": own.min() if len(own) else pd.NaT,
                "person_decided_at": decided_on.min() if len(decided_on) else pd.NaT,
            }
        )  # fmt: skip
    columns = ["claim_id", "night", "ring_key", "by_ring", "by_decision", "detectable_at", "found",
               "decided_at", "person_decided_at"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _share(flags: pd.Series) -> float:
    return float(flags.mean()) if len(flags) else float("nan")


#: The identifiers a missed claim is compared on with the claims of its generated ring.
LINK_KINDS = {
    "ssn": ("ssn_token",), "bank_account": ("bank_account_token",), "device": ("device_id",),
    "ip": ("ip_address",), "email": ("email_canonical",), "phone": ("phone_e164",),
    "address": ("address_norm", "zip5"), "mailing": ("mailing_address_norm", "mailing_zip5"),
}  # fmt: skip


def describe_misses(
    home: Path, truth: pd.DataFrame, missed: pd.DataFrame, within: int = WITHIN_NIGHTS
) -> pd.DataFrame:
    """Each missed claim with what connects it to the later flagged claims of its generated ring
    (``to_flagged``: identifier kinds shared with them directly), to its ring's other claims
    (``to_ring``), and why look-back left it (``why``)."""
    from claimscreen.data.lake import Lake

    lake = Lake(home)
    if missed.empty:
        return missed.assign(typology=[], to_flagged=[], to_ring=[], why=[])
    wanted = ["claim_id", *dict.fromkeys(c for cs in LINK_KINDS.values() for c in cs)]
    claims = lake.read_zone("claims", columns=wanted)
    claims["claim_id"] = claims["claim_id"].astype(str)
    for kind, cs in LINK_KINDS.items():
        value = claims[cs[0]].astype("string")
        for c in cs[1:]:
            value = value + "|" + claims[c].astype("string")
        claims[kind] = value
    nights = sorted({dt.date.fromisoformat(m["batch_date"]) for m in lake.manifests()})
    cases = pd.concat(
        [lake.read_table(lake.scores_path(n), columns=["claim_id", "case_id"]).to_pandas().assign(night=n)
         for n in nights], ignore_index=True,
    )  # fmt: skip
    known = truth.set_index("claim_id")
    frame = claims.merge(cases, on="claim_id").merge(truth[["claim_id", "ring_key"]], on="claim_id")
    frame = frame.set_index("claim_id")
    out = []
    for row in missed.itertuples(index=False):
        mine = frame.loc[row.claim_id]
        ring = frame[(frame["ring_key"] == row.ring_key) & (frame.index != row.claim_id)]
        later = ring[ring["case_id"].astype(str).str.startswith("ring:")]
        later = later[
            (later["night"] > row.night) & (later["night"] <= row.night + dt.timedelta(days=within))
        ]
        shared = [
            [k for k in LINK_KINDS if pd.notna(mine[k]) and (group[k] == mine[k]).any()]
            for group in (later, ring)
        ]
        if row.decided_first:
            why = f"decided fraud {row.decided_at:%Y-%m-%d} before it became detectable"
        elif not row.linked:
            why = "shares no identifier, even through its ring's claims, with the flagged claims"
        else:
            why = "linked: look-back missed it"
        out.append({"typology": known.loc[row.claim_id, "variant"], "to_flagged": ",".join(shared[0]) or "-",
                    "to_ring": ",".join(shared[1]) or "-", "why": why})  # fmt: skip
    return pd.concat([missed.reset_index(drop=True), pd.DataFrame(out)], axis=1)


def _linkable_ring_nights(
    lake: Any, truth: pd.DataFrame, flagged: pd.DataFrame
) -> tuple[dict[str, str], dict[str, list[dt.date]]]:
    """Each ring claim's linkable piece of its true ring (bench/rings.py: the ring's claims joined
    by any identifier they share), and the nights a claim of each piece was in a ring case. A
    paid claim whose piece was flagged later could be reached through shared identifiers; one
    whose ring shares nothing with it could not be, by any linker."""
    from rings import linkable_groups

    claims = lake.read_zone("claims")
    aligned = truth.set_index("claim_id").reindex(claims["claim_id"]).reset_index()
    in_ring = aligned["ring_key"].fillna("").astype(str).ne("").to_numpy()
    groups = pd.Series(linkable_groups(claims, aligned, in_ring), index=claims["claim_id"].astype(str))
    group_of = groups.dropna().to_dict()
    pieces = flagged.assign(group=flagged["claim_id"].astype(str).map(group_of)).dropna(subset=["group"])
    return group_of, pieces.groupby("group")["night"].apply(sorted).to_dict()


def measure(root: Path, days: int, claims_per_day: int, seed: int, misses: bool = False) -> dict[str, Any]:
    clock = time.perf_counter()
    home, truth = simulate(root, days, claims_per_day, seed)
    simulated = time.perf_counter() - clock
    lookback = lookback_recall(home, truth)
    missed = lookback.pop("missed")
    figures = {
        "seed": seed,
        "seconds": round(simulated, 1),
        "waits": honest_waits(home, truth),
        "lookback": lookback,
    }
    if misses:
        figures["missed"] = describe_misses(home, truth, missed)
    return figures


def print_figures(figures: dict[str, Any]) -> None:
    w, lb = figures["waits"], figures["lookback"]
    print(f"seed {figures['seed']} ({figures['seconds']:.0f} s to run the nights):")
    print(
        f"  honest claimants of {w['nights']}: {w['honest']:,}; released within 24 h "
        f"{w['released_within_24h']:,} ({w['released_within_24h_share']:.2%}, goal >= 99%); "
        f"hours waited p50 {w['p50_hours']}, p95 {w['p95_hours']}"
    )
    print(
        f"  honest claimants held: {w['held']:,}; released within 24 h {w['held_within_24h']:,}; "
        f"hours waited p50 {w['held_p50_hours']}, p95 {w['held_p95_hours']}"
    )
    print(
        f"  paid fraud: {lb['paid_fraud']:,}; detectable by the truth on one of the {WITHIN_NIGHTS} nights "
        f"after (a claim of its generated ring in a ring case: {lb['detectable_by']['ring']}; fraud decided "
        f"on its person: {lb['detectable_by']['decision']}): {lb['detectable_later']:,}; found by look-back "
        f"within {WITHIN_NIGHTS} nights {lb['found_within_7_nights']:,} ({_pc(lb['found_share'])}, "
        f"goal >= 90%)"
    )
    print(
        f"    of them observably detectable (an identifier, an IP address included, connects it through "
        f"its ring's claims to a claim flagged later, or a decision on its person): "
        f"{lb['detectable_linked']:,}; found {lb['found_linked']:,} ({_pc(lb['found_linked_share'])}); "
        f"of the {lb['undecided_linked']:,} not decided first, {_pc(lb['found_undecided_linked_share'])}"
    )
    print(
        f"    not observably detectable (no identifier connects it to the part of its ring flagged later): "
        f"{lb['unlinked']:,}; found {lb['found_unlinked']:,}"
    )
    print(
        f"    decided fraud by investigators before it became detectable (nothing left for look-back): "
        f"{lb['decided_first']:,}; of the other {lb['undecided']:,}, found {_pc(lb['found_undecided_share'])}"
    )
    print(
        f"  look-back alerts: {lb['alerts']:,} on {lb['alerted_claims']:,} claims; on fraud "
        f"{lb['alerts_on_fraud']:,} (precision {_pc(lb['alert_precision'])}), "
        f"{lb['alerted_fraud']:,} fraud claims"
    )
    if "missed" in figures:
        columns = ["claim_id", "night", "ring_key", "typology", "to_flagged", "to_ring", "why"]
        print(figures["missed"][columns].to_string(index=False) if len(figures["missed"]) else "  no miss")


def _pc(share: float) -> str:
    return "n/a" if share != share else f"{share:.1%}"


def run_and_print(
    root: Path, days: int, claims_per_day: int, seeds: list[int], misses: bool = False
) -> list[dict[str, Any]]:
    print(f"claimant ledger: {days} nights x {claims_per_day:,} claims, seeds {seeds}")
    results = []
    for seed in seeds:
        figures = measure(root / f"seed-{seed}", days, claims_per_day, seed, misses)
        print_figures(figures)
        results.append(figures)
    return results


def ledger_cost(root: Path, nights: int, rows: int) -> dict[str, float]:
    """Seconds of the nightly ledger stage (:func:`claimscreen.models.ledger.run_ledger`) over
    ``nights`` synthetic nights of ``rows`` scored claims each (2% verify, 1% review, half of
    the verify claims answered), written straight into a lake: the stage's cost at scale."""
    import pyarrow as pa

    from claimscreen.data.lake import Lake
    from claimscreen.data.schema import VERIFICATIONS_SCHEMA
    from claimscreen.models.ledger import run_ledger
    from claimscreen.models.verification import outcomes_path

    shutil.rmtree(root, ignore_errors=True)
    lake = Lake(root)
    rng = np.random.default_rng(5)
    first = dt.date(2026, 10, 1)
    answered = []
    for k in range(nights):
        night = first + dt.timedelta(days=k)
        ids = pa.array([f"C{k:02d}{i:08d}" for i in range(rows)], pa.string())
        route = rng.choice(["clear", "verify", "review"], rows, p=[0.97, 0.02, 0.01])
        filed = pd.Timestamp(night, tz="America/New_York") + pd.to_timedelta(rng.uniform(0, 24, rows), "h")
        ran = pd.Timestamp(night + dt.timedelta(days=1), tz="America/New_York") + pd.Timedelta(minutes=15)
        scores = pa.table(
            {"claim_id": ids, "route": route, "reasons": np.where(route == "clear", "", "SHORT_SESSION"),
             "batch_date": pa.array([night] * rows, pa.date32())}
        )  # fmt: skip
        lake.write_table(lake.scores_path(night), scores)
        claims = pa.table(
            {"claim_id": ids, "filed_at": pa.array(filed.tz_convert("UTC")),
             "language": rng.choice(["en", "es", "zh"], rows, p=[0.8, 0.15, 0.05])}
        )  # fmt: skip
        lake.write_table(lake.batch_part("claims", night, "b1"), claims)
        ages = pa.table({"claim_id": ids, "age_at_filing": rng.integers(18, 80, rows)})
        lake.write_table(lake.features_path(night), ages)
        manifest = {"batch_date": night.isoformat(), "batch_key": "b1", "ingested_at": ran.isoformat()}
        lake.write_json(lake.batch_part("manifests", night, "b1"), manifest)
        verify = np.flatnonzero(route == "verify")[::2]
        answered.append(pd.DataFrame({"claim_id": np.asarray(ids)[verify], "check": "identity",
                                      "outcome": "passed", "decided_at": ran + pd.Timedelta(hours=3),
                                      "provider": "bench", "imported_from": "bench"}))  # fmt: skip
    outcomes = pd.concat(answered, ignore_index=True)
    lake.write_table(outcomes_path(lake), pa.Table.from_pandas(outcomes, schema=VERIFICATIONS_SCHEMA))
    (root / "settings.toml").write_text("")
    clock = time.perf_counter()
    ledger = run_ledger(root, first + dt.timedelta(days=nights - 1))
    seconds = time.perf_counter() - clock
    return {"seconds": round(seconds, 1), "claims": ledger["window"]["claims"]}


def _pct(values: pd.Series, q: float) -> float | None:
    clean = values.dropna().to_numpy(dtype=float)
    return round(float(np.percentile(clean, q)), 1) if len(clean) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/cs-ledger"))
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--claims-per-day", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12])
    parser.add_argument("--misses", action="store_true", help="list the paid fraud look-back missed, and why")
    parser.add_argument(
        "--cost", type=int, metavar="ROWS", help="instead: time the ledger stage over 7 nights of ROWS claims"
    )
    args = parser.parse_args()
    if args.cost:
        cost = ledger_cost(args.root / "cost", 7, args.cost)
        print(
            f"ledger stage over 7 nights x {args.cost:,} claims: {cost['seconds']} s "
            f"({cost['claims']:,} claims)"
        )
        return
    run_and_print(args.root, args.days, args.claims_per_day, args.seeds, args.misses)


if __name__ == "__main__":
    main()
