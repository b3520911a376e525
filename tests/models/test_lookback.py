"""Look-back: claims cleared on earlier nights, raised again by what changed since (models/lookback.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from claimant_world import score_row
from helpers import make_row, write_csv

from claimscreen.data.ingest import ingest_batch
from claimscreen.data.labels import import_labels
from claimscreen.data.lake import Lake
from claimscreen.data.reference import load_reference
from claimscreen.data.schema import LOOKBACK_QUEUE_LABEL, SCORES_SCHEMA
from claimscreen.features.build import pinned_versions
from claimscreen.models.lookback import LOOKBACK_REASONS, export_alerts, read_alerts, run_lookback

DAY1, DAY2, DAY3 = dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)
SSN_A = "123-45-6781"


def night(
    home: Path,
    tmp_path: Path,
    day: dt.date,
    claims: dict[str, dict[str, Any]],
    scored: dict[str, dict[str, Any]],
) -> None:
    """Ingest ``claims`` (claim id -> make_row changes) as night ``day``, pin the lists loaded now,
    and write its scores: each claim clear, identity ``I-<claim id>``, unless ``scored`` says otherwise."""
    rows = [make_row(claim_id=c, filed_at=f"{day}T10:00:00", **changes) for c, changes in claims.items()]
    ingest_batch(home, write_csv(tmp_path / f"claims_{day}.csv", rows), day)
    lake = Lake(home)
    pinned_versions(lake, day, home)
    scores = [score_row(claim_id, day, **scored.get(claim_id, {})) for claim_id in claims]
    lake.write_table(lake.scores_path(day), pa.Table.from_pylist(scores, schema=SCORES_SCHEMA))


def apart(i: int, **shared: str) -> dict[str, str]:
    """A claimant of their own: SSN, email, phone, home, bank account, device and IP address of
    claimant ``i`` (0-89), with ``shared`` values instead where given."""
    own = {
        "ssn": f"123-45-{6700 + i}", "email": f"person{i}@example.com", "phone": f"(614) 555-{1000 + i}",
        "address_line1": f"{10 + i} Elm Street", "address_line2": "", "zip": "43215",
        "bank_account": f"{900000000 + i}", "device_id": f"dev-{i}", "ip_address": f"198.51.100.{i + 1}",
    }  # fmt: skip
    return {**own, **shared}


def network_features(
    home: Path, day: dt.date, crowded: dict[str, int], hosting: tuple[str, ...] = ()
) -> None:
    """Night ``day``'s features as look-back reads a claim's network: claim id -> the identities
    its IP address had in 30 days (``hosting``: claims from a hosting provider's range)."""
    lake = Lake(home)
    table = pa.table(
        {
            "claim_id": list(crowded),
            "ip_identities_30d": [float(n) for n in crowded.values()],
            "ip_hosting": [c in hosting for c in crowded],
            "ip_vpn": [False] * len(crowded),
            "ip_tor": [False] * len(crowded),
        }
    )
    lake.write_table(lake.features_path(day), table)


def load(home: Path, tmp_path: Path, kind: str, text: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    load_reference(home, kind, path)


def raised(home: Path, day: dt.date) -> dict[str, set[str]]:
    """claim id -> the reasons raised on ``day``, after running its look-back."""
    run_lookback(home, day)
    alerts = read_alerts(home, day)
    out: dict[str, set[str]] = {}
    for claim_id, reason in zip(alerts["claim_id"], alerts["reason"], strict=True):
        out.setdefault(claim_id, set()).add(reason)
    return out


def test_a_death_record_loaded_after_the_claims_night_raises_it(home: Path, tmp_path: Path) -> None:
    night(home, tmp_path, DAY1, {"A": {"ssn": SSN_A}, "B": {"ssn": "123-45-6782"}}, {})
    # Loaded after night 1: A's owner died before filing; B's owner after it (alive when filed).
    load(home, tmp_path, "deceased", f"ssn,date_of_death\n{SSN_A},2026-06-01\n123-45-6782,2026-10-02\n")
    night(home, tmp_path, DAY2, {"N": {"ssn": "123-45-6799"}}, {})
    assert raised(home, DAY2) == {"A": {"LOOKBACK_DECEASED"}}
    alert = read_alerts(home, DAY2).iloc[0]
    assert alert["first_scored"] == DAY1 and alert["flagged_on"] == DAY2
    assert alert["reason_text"] == LOOKBACK_REASONS["LOOKBACK_DECEASED"]
    assert alert["queue_label"] == LOOKBACK_QUEUE_LABEL and alert["case_id"] == "lookback:A"


def test_a_list_the_claims_own_night_already_used_raises_nothing(home: Path, tmp_path: Path) -> None:
    load(home, tmp_path, "deceased", f"ssn,date_of_death\n{SSN_A},2026-06-01\n")
    # Cleared although the list named it (say, released by an investigator): not a change.
    night(home, tmp_path, DAY1, {"A": {"ssn": SSN_A}}, {})
    night(home, tmp_path, DAY2, {"N": {"ssn": "123-45-6799"}}, {})
    assert raised(home, DAY2) == {}


def test_incarcerated_suspicious_actor_and_interstate_lists(home: Path, tmp_path: Path) -> None:
    night(
        home,
        tmp_path,
        DAY1,
        {
            "HELD": {"ssn": "123-45-6781", "device_id": "dev-1"},
            "ACTOR": {"ssn": "123-45-6782", "device_id": "dev-bad"},
            "TWO": {"ssn": "123-45-6783", "device_id": "dev-3"},
            "MOVED": {"ssn": "123-45-6784", "device_id": "dev-4"},
            "REVIEWED": {"ssn": "123-45-6785", "device_id": "dev-5"},
        },
        {"REVIEWED": {"route": "review"}},
    )
    load(
        home,
        tmp_path,
        "incarcerated",
        "ssn,last_name,date_of_birth,admitted_on,released_on\n123-45-6781,Lopez,1980-04-12,2026-09-01,\n"
        "123-45-6785,Lopez,1980-04-12,2026-09-01,\n",
    )
    load(
        home, tmp_path, "suspicious_actors", "kind,value,added_on,source\ndevice_id,dev-bad,2026-10-02,tip\n"
    )
    # TWO filed in Kentucky the same week (overlap); MOVED in Indiana months before (a move).
    load(
        home,
        tmp_path,
        "interstate_claims",
        "ssn,state,filed_at\n123-45-6783,KY,2026-09-28\n123-45-6784,IN,2026-03-01\n",
    )
    night(home, tmp_path, DAY2, {"N": {"ssn": "123-45-6799", "device_id": "dev-n"}}, {})
    assert raised(home, DAY2) == {
        "HELD": {"LOOKBACK_INCARCERATED"},
        "ACTOR": {"LOOKBACK_SUSPICIOUS_ACTOR"},
        "TWO": {"LOOKBACK_INTERSTATE"},
    }


def test_a_second_other_state_makes_an_old_interstate_entry_evidence(home: Path, tmp_path: Path) -> None:
    load(home, tmp_path, "interstate_claims", "ssn,state,filed_at\n123-45-6784,IN,2026-03-01\n")
    night(home, tmp_path, DAY1, {"MOVED": {"ssn": "123-45-6784"}}, {})
    load(
        home,
        tmp_path,
        "interstate_claims",
        "ssn,state,filed_at\n123-45-6784,IN,2026-03-01\n123-45-6784,MI,2026-05-01\n",
    )
    night(home, tmp_path, DAY2, {"N": {"ssn": "123-45-6799"}}, {})
    assert raised(home, DAY2) == {"MOVED": {"LOOKBACK_INTERSTATE"}}


def test_a_ring_flagged_tonight_raises_its_earlier_cleared_claims(home: Path, tmp_path: Path) -> None:
    # ring-7: three people at homes of their own, on a night featured before ring members were
    # written (no features tonight): the ring a claim was in when paid is raised as it stands.
    night(
        home,
        tmp_path,
        DAY1,
        {"R1": apart(1), "R2": apart(2), "Q": apart(3)},
        {"R1": {"ring_id": "ring-7"}, "R2": {"ring_id": "ring-7"}, "Q": {"ring_id": "ring-8"}},
    )
    ring = {"ring_id": "ring-7", "route": "review", "case_id": "ring:ring-7:2026-10-02"}
    # ring-8 has a claim tonight too, but is not flagged.
    quiet = {"ring_id": "ring-8"}
    night(
        home,
        tmp_path,
        DAY2,
        {"R3": apart(4), "Q2": apart(5)},
        {"R3": ring, "Q2": quiet},
    )
    assert raised(home, DAY2) == {"R1": {"LOOKBACK_RING"}, "R2": {"LOOKBACK_RING"}}
    assert set(read_alerts(home, DAY2)["ring_id"]) == {"ring-7"}


def test_fraud_decided_on_the_same_person_bank_account_email_phone_or_device(
    home: Path, tmp_path: Path
) -> None:
    f = apart(0)
    night(
        home,
        tmp_path,
        DAY1,
        {
            "F": f,
            "SAME_PERSON": apart(1),
            "SAME_BANK": apart(2, bank_account=f["bank_account"]),
            "SAME_DEVICE": apart(3, device_id=f["device_id"]),
            "SAME_EMAIL": apart(4, email=f["email"]),
            "SAME_PHONE": apart(5, phone=f["phone"]),
            "OTHER": apart(6),
        },
        {"F": {"identity_id": "I-F"}, "SAME_PERSON": {"identity_id": "I-F"}},
    )
    labels = tmp_path / "labels.csv"
    labels.write_text("claim_id,outcome,decided_at,source\nF,fraud,2026-10-02T15:00:00,investigation\n")
    import_labels(home, labels)
    night(home, tmp_path, DAY2, {"N": apart(9)}, {})
    # F itself is decided: nothing to raise on it.
    assert raised(home, DAY2) == {
        claim: {"LOOKBACK_DECISION"}
        for claim in ("SAME_PERSON", "SAME_BANK", "SAME_DEVICE", "SAME_EMAIL", "SAME_PHONE")
    }
    # Each alert says what the two claims share and the day of the decision, never the other
    # claim or its values (the sentence may reach the claimant's notice).
    texts = read_alerts(home, DAY2).set_index("claim_id")["reason_text"]
    assert texts["SAME_BANK"] == (
        "After this claim was paid, investigators decided on 2026-10-02 that another claim paid into "
        "the same bank account was fraud."
    )
    assert "by the same person" in texts["SAME_PERSON"] and "same email address" in texts["SAME_EMAIL"]
    sentence = (
        r"After this claim was paid, investigators decided on 2026-10-02 that another claim [a-z ]+ was "
    )
    sentence += r"fraud\."
    assert all(re.fullmatch(sentence, t) for t in texts)


def test_a_decision_at_a_mail_drop_raises_the_claims_mailed_there_not_a_housemate(
    home: Path, tmp_path: Path
) -> None:
    drop = {"mailing_address_line1": "PO Box 417", "mailing_city": "Columbus", "mailing_state": "OH"}
    drop |= {"mailing_zip": "43216"}
    home_of_g = {"address_line1": "7 Birch Road", "zip": "43215"}
    night(
        home,
        tmp_path,
        DAY1,
        {
            "F": apart(0, **drop),
            "M1": apart(1, **drop),
            "M2": apart(2, **drop),
            "G": apart(3, **home_of_g),
            "SPOUSE": apart(4, **home_of_g),  # lives with G, who is decided fraud: two identities
        },
        {},
    )
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "claim_id,outcome,decided_at,source\nF,fraud,2026-10-02T15:00:00,investigation\n"
        "G,fraud,2026-10-02T15:00:00,investigation\n"
    )
    import_labels(home, labels)
    night(home, tmp_path, DAY2, {"N": apart(9)}, {})
    assert raised(home, DAY2) == {"M1": {"LOOKBACK_DECISION"}, "M2": {"LOOKBACK_DECISION"}}
    assert "the same address" in read_alerts(home, DAY2)["reason_text"].iloc[0]


def test_a_decision_the_claims_own_night_saw_raises_nothing(home: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("claim_id,outcome,decided_at,source\nF,fraud,2026-10-01T08:00:00,investigation\n")
    night(home, tmp_path, DAY1, {"F": {"ssn": "123-45-6781"}, "S": {"ssn": "123-45-6782"}}, {})
    import_labels(home, labels)
    night(home, tmp_path, DAY2, {"N": {"ssn": "123-45-6799"}}, {"S": {"identity_id": "I-F"}})
    assert raised(home, DAY2) == {}


def test_the_same_ssn_tonight_under_another_identity(home: Path, tmp_path: Path) -> None:
    night(home, tmp_path, DAY1, {"A": {"ssn": SSN_A}, "B": {"ssn": "123-45-6782"}}, {})
    night(
        home,
        tmp_path,
        DAY2,
        {"A2": {"ssn": SSN_A, "first_name": "Jon"}, "B2": {"ssn": "123-45-6782"}},
        {"A2": {"identity_id": "I-other"}, "B2": {"identity_id": "I-B"}},  # B2 is B again
    )
    assert raised(home, DAY2) == {"A": {"LOOKBACK_SSN_REUSE"}}


def test_an_alert_is_raised_once_and_a_re_run_gives_the_same(home: Path, tmp_path: Path) -> None:
    night(home, tmp_path, DAY1, {"A": {"ssn": SSN_A}}, {})
    load(home, tmp_path, "deceased", f"ssn,date_of_death\n{SSN_A},2026-06-01\n")
    night(home, tmp_path, DAY2, {"N": {"ssn": "123-45-6799"}}, {})
    first = run_lookback(home, DAY2)
    assert (first.alerts, first.by_reason) == (1, {"LOOKBACK_DECEASED": 1})
    # The run report's step timings (data/timing.py lap): each step once, in seconds.
    assert list(first.timings) == ["changes", "claims", "scores", "match", "write"]
    assert all(s >= 0 for s in first.timings.values()) and first.seconds >= sum(first.timings.values()) - 0.01
    stored = read_alerts(home, DAY2)
    again = run_lookback(home, DAY2)
    assert again.alerts == 1
    pd.testing.assert_frame_equal(read_alerts(home, DAY2), stored)
    # Night 3 sees the same death against the same claim: not raised again. A new reason is.
    night(home, tmp_path, DAY3, {"A3": {"ssn": SSN_A}}, {"A3": {"identity_id": "I-other"}})
    assert raised(home, DAY3) == {"A": {"LOOKBACK_SSN_REUSE"}}


def test_the_export_lists_each_claim_once(home: Path, tmp_path: Path) -> None:
    night(home, tmp_path, DAY1, {"A": {"ssn": SSN_A}}, {"A": {"ring_id": "ring-1"}})
    load(home, tmp_path, "deceased", f"ssn,date_of_death\n{SSN_A},2026-06-01\n")
    ring = {"ring_id": "ring-1", "route": "review", "case_id": "ring:ring-1:2026-10-02"}
    night(home, tmp_path, DAY2, {"R": {"ssn": "123-45-6799"}}, {"R": ring})
    run_lookback(home, DAY2)
    export = export_alerts(home, DAY2)
    assert export.to_dict("records") == [
        {
            "claim_id": "A",
            "first_scored": DAY1,
            "flagged_on": DAY2,
            "reasons": "LOOKBACK_DECEASED;LOOKBACK_RING",
            "ring_id": "ring-1",
        }
    ]


def test_claims_outside_the_benefit_year_are_not_checked(home: Path, tmp_path: Path) -> None:
    (home / "settings.toml").write_text("[verification]\nlookback_days = 1\n")
    night(home, tmp_path, DAY1, {"A": {"ssn": SSN_A}}, {})
    night(home, tmp_path, DAY2, {"B": {"ssn": "123-45-6782"}}, {})
    load(home, tmp_path, "deceased", f"ssn,date_of_death\n{SSN_A},2026-06-01\n123-45-6782,2026-06-01\n")
    night(home, tmp_path, DAY3, {"N": {"ssn": "123-45-6799"}}, {})
    assert raised(home, DAY3) == {"B": {"LOOKBACK_DECEASED"}}


def test_a_night_without_scores_is_refused(home: Path) -> None:
    from claimscreen.data.errors import InputError

    with pytest.raises(InputError, match="has no scores"):
        run_lookback(home, DAY1)
    with pytest.raises(InputError, match="no look-back run"):
        export_alerts(home, DAY1)


def ring_features(
    home: Path, day: dt.date, rings: dict[str, tuple[str, str]], crowded: dict[str, int] | None = None
) -> None:
    """The night's features partition as the look-back reads it: claim id -> (ring_id, shared kinds),
    and (``crowded``) the identities its IP address had in 30 days (1 when not given)."""
    lake = Lake(home)
    table = pa.table(
        {
            "claim_id": list(rings),
            "ring_id": [r for r, _ in rings.values()],
            "ring_shared_kinds": [k for _, k in rings.values()],
            "ip_identities_30d": [float((crowded or {}).get(c, 1)) for c in rings],
            **{column: [False] * len(rings) for column in ("ip_hosting", "ip_vpn", "ip_tor")},
        }
    )
    lake.write_table(lake.features_path(day), table)


def test_a_ring_that_grows_to_include_a_cleared_claim_raises_it(home: Path, tmp_path: Path) -> None:
    # Night 1: X and W are paid, in no ring. Night 2: two new claims share X's bank account
    # and W's phone; the bank account makes a ring of X and them, flagged tonight.
    account = apart(0)["bank_account"]
    phone = apart(1)["phone"]
    night(home, tmp_path, DAY1, {"X": apart(0), "W": apart(1)}, {})
    flagged = {"ring_id": "ring-9", "route": "review", "case_id": "ring:ring-9:2026-10-02"}
    night(
        home,
        tmp_path,
        DAY2,
        {"Y": apart(2, bank_account=account, phone=phone), "Z": apart(3, bank_account=account)},
        {"Y": flagged, "Z": flagged},
    )
    ring_features(home, DAY2, {"Y": ("ring-9", "bank_account"), "Z": ("ring-9", "bank_account")})
    # W shares only a phone, which is not what links the ring: not raised.
    assert raised(home, DAY2) == {"X": {"LOOKBACK_RING"}}
    alert = read_alerts(home, DAY2).iloc[0]
    assert (alert["ring_id"], alert["first_scored"]) == ("ring-9", DAY1)
    assert alert["reason_text"] == (
        "Claims linked to this one by its bank account were flagged for review as a group on "
        "2026-10-02, after it was paid."
    )
    assert raised(home, DAY2) == {"X": {"LOOKBACK_RING"}}  # a re-run raises it once


def test_a_ring_does_not_grow_by_what_a_housemate_shares(home: Path, tmp_path: Path) -> None:
    # X's spouse Y (same home) is in a ring flagged tonight by the bank account they share, with
    # Z living elsewhere: X holds the account of a claim of the ring, but only its housemate's.
    together = {"address_line1": "7 Birch Road", "zip": "43215"}
    night(home, tmp_path, DAY1, {"X": apart(0, **together)}, {})
    flagged = {"ring_id": "ring-9", "route": "review", "case_id": "ring:ring-9:2026-10-02"}
    account = apart(0)["bank_account"]
    night(
        home,
        tmp_path,
        DAY2,
        {"Y": apart(2, bank_account=account, **together), "Z": apart(3, device_id="dev-2")},
        {"Y": flagged, "Z": flagged},
    )
    ring_features(
        home, DAY2, {"Y": ("ring-9", "bank_account;device"), "Z": ("ring-9", "bank_account;device")}
    )
    assert raised(home, DAY2) == {}


def test_a_device_many_paid_claimants_share_does_not_grow_a_ring(home: Path, tmp_path: Path) -> None:
    # Six paid claimants used one public computer (more identities than the device cap of 5).
    library = {f"P{i}": {"ssn": f"123-45-67{90 + i}", "device_id": "library-pc-1"} for i in range(6)}
    night(home, tmp_path, DAY1, library, {})
    flagged = {"ring_id": "ring-5", "route": "review", "case_id": "ring:ring-5:2026-10-02"}
    night(home, tmp_path, DAY2, {"N": {"ssn": "123-45-6781", "device_id": "library-pc-1"}}, {"N": flagged})
    ring_features(home, DAY2, {"N": ("ring-5", "device")})
    assert raised(home, DAY2) == {}


def test_a_mail_drop_ring_grows_by_a_paid_claims_mailing_address(home: Path, tmp_path: Path) -> None:
    drop = {"address_line1": "296 Jones St", "address_line2": "#3D", "city": "Cleveland", "zip": "44115"}
    mailed = {f"mailing_{k}": v for k, v in {**drop, "state": "OH"}.items()}
    night(
        home,
        tmp_path,
        DAY1,
        {
            "X": apart(0, **mailed),
            "W": apart(1, **{**drop, "zip": "43004"}),  # the same street in another ZIP
        },
        {},
    )
    flagged = {"ring_id": "ring-4", "route": "review", "case_id": "ring:ring-4:2026-10-02"}
    night(
        home,
        tmp_path,
        DAY2,
        {"Y": apart(3, **drop), "Y2": apart(4, **drop)},
        {"Y": flagged, "Y2": flagged},
    )
    ring_features(home, DAY2, {"Y": ("ring-4", "address"), "Y2": ("ring-4", "address")})
    assert raised(home, DAY2) == {"X": {"LOOKBACK_RING"}}
    assert "by its mailing address" in read_alerts(home, DAY2)["reason_text"].iloc[0]


def test_a_claim_the_features_put_in_a_flagged_ring_is_raised_with_evidence(
    home: Path, tmp_path: Path
) -> None:
    # Night 1, all paid and in no ring: V (its bank account is Q's, and Q lives elsewhere);
    # P (a public computer Q used too, on a library's network of 15 identities); S (the same
    # device, from a hosting provider's range: a farm, not a library); H (P's housemate: only
    # their address, and P is tied to the ring by nothing but the library's computer); C (V's
    # housemate: V is tied to the ring by the bank account, a stealth chain's link); U (a ring
    # not flagged tonight). Night 2's features put them all in rings (the night's ring
    # members): ring-7 holds Q tonight and is flagged.
    q = apart(9, device_id="dev-shared")
    v, p = apart(0, bank_account=q["bank_account"]), apart(1, device_id="dev-shared")
    claims = {
        "V": v,
        "P": p,
        "S": apart(2, device_id="dev-shared"),
        "H": apart(3, address_line1=p["address_line1"], zip=p["zip"]),
        "C": apart(5, address_line1=v["address_line1"], zip=v["zip"]),
        "U": apart(4, bank_account=q["bank_account"]),
    }
    night(home, tmp_path, DAY1, claims, {})
    network_features(home, DAY1, {"V": 1, "P": 15, "S": 15, "H": 1, "C": 1, "U": 1}, hosting=("S",))
    flagged = {"ring_id": "ring-7", "route": "review", "case_id": "ring:ring-7:2026-10-02"}
    night(home, tmp_path, DAY2, {"Q": q}, {"Q": flagged})
    ring_features(home, DAY2, {"Q": ("ring-7", "ip")})
    lake = Lake(home)
    ring = ["Q", "V", "P", "S", "H", "C"]
    members = pa.table({"claim_id": [*ring, "U"], "ring_id": ["ring-7"] * len(ring) + ["ring-8"]})
    lake.write_table(lake.ring_members_path(DAY2), members)
    assert raised(home, DAY2) == {"V": {"LOOKBACK_RING"}, "S": {"LOOKBACK_RING"}, "C": {"LOOKBACK_RING"}}
    alerts = read_alerts(home, DAY2).set_index("claim_id")
    assert (alerts.loc["V", "ring_id"], alerts.loc["V", "first_scored"]) == ("ring-7", DAY1)
    assert "by its bank account" in alerts.loc["V", "reason_text"]
    assert "by its device" in alerts.loc["S", "reason_text"]
    assert "by its address" in alerts.loc["C", "reason_text"]
    # The run report counts the earlier claims the flagged ring reached.
    assert run_lookback(home, DAY2).changes["ring_members_earlier"] == 5


def test_a_ring_does_not_grow_by_a_computer_on_a_public_network(home: Path, tmp_path: Path) -> None:
    # L used a library's computer (its network: 15 identities in 30 days); F a farm's device from
    # a home connection. Tonight a flagged ring links by both devices (the farm's used by two
    # more claimants, at homes of their own).
    night(home, tmp_path, DAY1, {"L": apart(0, device_id="library-7"), "F": apart(1, device_id="farm-2")}, {})
    network_features(home, DAY1, {"L": 15, "F": 1})
    flagged = {"ring_id": "ring-3", "route": "review", "case_id": "ring:ring-3:2026-10-02"}
    tonight = {
        "Y": apart(2, device_id="library-7"),
        "Z": apart(3, device_id="farm-2"),
        "Z2": apart(4, device_id="farm-2"),
    }
    night(home, tmp_path, DAY2, tonight, {c: flagged for c in tonight})
    ring_features(home, DAY2, {c: ("ring-3", "device") for c in tonight})
    assert raised(home, DAY2) == {"F": {"LOOKBACK_RING"}}
    assert "by its device" in read_alerts(home, DAY2)["reason_text"].iloc[0]


def test_a_library_computer_is_known_by_a_later_users_network(home: Path, tmp_path: Path) -> None:
    # On the lake's first night the library's network had been seen with only 3 identities; by
    # tonight, when Y used the same computer there, with 15: it is a public computer.
    night(home, tmp_path, DAY1, {"L": apart(0, device_id="library-7")}, {})
    network_features(home, DAY1, {"L": 3})
    flagged = {"ring_id": "ring-3", "route": "review", "case_id": "ring:ring-3:2026-10-02"}
    night(
        home,
        tmp_path,
        DAY2,
        {"Y": apart(2, device_id="library-7"), "Z": apart(3)},
        {"Y": flagged, "Z": flagged},
    )
    ring_features(home, DAY2, {"Y": ("ring-3", "device"), "Z": ("ring-3", "device")}, crowded={"Y": 15})
    assert raised(home, DAY2) == {}


def test_a_family_split_between_two_homes_raises_nothing_until_a_third_home_shares_it(
    home: Path, tmp_path: Path
) -> None:
    # Night 1, paid: X at home A, and S at home D, a stranger on the same phone carrier's IP
    # address as Y. Night 2: Y and Y2, housemates at home B, and Y gives X's bank account (a spouse
    # who moved out, still on the joint account, whatever the surnames); the features put X and
    # S in the flagged ring too. One household and one home elsewhere: nothing is raised (S,
    # linked by the IP address alone, lives nowhere in the ring).
    x = apart(0)
    at_b = {"address_line1": "5 Cedar Court", "zip": "43220"}
    y = apart(2, bank_account=x["bank_account"], ip_address="198.51.100.200", **at_b)
    night(home, tmp_path, DAY1, {"X": x, "S": apart(1, ip_address="198.51.100.200")}, {})
    network_features(home, DAY1, {"X": 1, "S": 1})
    flagged = {"ring_id": "ring-6", "route": "review"}
    tonight = {"Y": y, "Y2": apart(3, phone=y["phone"], **at_b)}
    night(
        home, tmp_path, DAY2, tonight, {c: {**flagged, "case_id": "ring:ring-6:2026-10-02"} for c in tonight}
    )
    ring_features(home, DAY2, {"Y": ("ring-6", "bank_account;phone"), "Y2": ("ring-6", "phone")})
    lake = Lake(home)
    members = pa.table({"claim_id": ["X", "S", "Y", "Y2"], "ring_id": ["ring-6"] * 4})
    lake.write_table(lake.ring_members_path(DAY2), members)
    assert raised(home, DAY2) == {}
    # Night 3: Z, at a third home, gives the same account: three homes share it, X is raised.
    night(home, tmp_path, DAY3, {"Z": apart(4, bank_account=x["bank_account"])},
          {"Z": {**flagged, "case_id": "ring:ring-6:2026-10-03"}})  # fmt: skip
    ring_features(home, DAY3, {"Z": ("ring-6", "bank_account")})
    members = pa.table({"claim_id": ["X", "S", "Y", "Y2", "Z"], "ring_id": ["ring-6"] * 5})
    lake.write_table(lake.ring_members_path(DAY3), members)
    assert raised(home, DAY3) == {"X": {"LOOKBACK_RING"}}
    assert "by its bank account" in read_alerts(home, DAY3)["reason_text"].iloc[0]


def test_a_drop_of_more_people_than_a_household_is_no_family_at_two_homes(home: Path, tmp_path: Path) -> None:
    # X, paid at its own home, gives the bank account one of six strangers at one unit gives:
    # two homes, but six identities at one is no household (the cap: 5): X is raised.
    x = apart(0)
    drop = {"address_line1": "40 Quarry Lane", "address_line2": "Apt 2", "zip": "43220"}
    night(home, tmp_path, DAY1, {"X": x}, {})
    network_features(home, DAY1, {"X": 1})
    tonight = {f"D{i}": apart(10 + i, **drop) for i in range(6)}
    tonight["D0"]["bank_account"] = x["bank_account"]
    flagged = {"ring_id": "ring-2", "route": "review", "case_id": "ring:ring-2:2026-10-02"}
    night(home, tmp_path, DAY2, tonight, {c: flagged for c in tonight})
    ring_features(home, DAY2, {c: ("ring-2", "address;bank_account") for c in tonight})
    members = pa.table({"claim_id": ["X", *tonight], "ring_id": ["ring-2"] * 7})
    Lake(home).write_table(Lake(home).ring_members_path(DAY2), members)
    assert raised(home, DAY2) == {"X": {"LOOKBACK_RING"}}
    assert "by its bank account" in read_alerts(home, DAY2)["reason_text"].iloc[0]


def one_unit_ring(home: Path, tmp_path: Path, tonight: int, **paid: str) -> dict[str, set[str]]:
    """Night 1: X paid at a unit (``paid``: changes to X). Night 2: ``tonight`` strangers flagged as a
    ring by that unit alone (the features' strangers rule), X a member. What night 2 raises."""
    unit = {"address_line1": "12 Mill Street", "address_line2": "Apt 4", "zip": "43215"}
    night(home, tmp_path, DAY1, {"X": apart(0, **unit, **paid)}, {})
    network_features(home, DAY1, {"X": 1})
    roommates = {f"R{i}": apart(10 + i, **unit) for i in range(tonight)}
    flagged = {"ring_id": "ring-1", "route": "review", "case_id": "ring:ring-1:2026-10-02"}
    night(home, tmp_path, DAY2, roommates, {c: flagged for c in roommates})
    ring_features(home, DAY2, {c: ("ring-1", "address") for c in roommates})
    members = pa.table({"claim_id": ["X", *roommates], "ring_id": ["ring-1"] * (tonight + 1)})
    Lake(home).write_table(Lake(home).ring_members_path(DAY2), members)
    return raised(home, DAY2)


@pytest.mark.parametrize("tonight", [2, 4])
def test_a_ring_of_one_household_at_one_home_raises_nothing(home: Path, tmp_path: Path, tonight: int) -> None:
    # X and 2 or 4 roommates at one unit: 3 or 5 identities (the household cap: 5), all living
    # there, mailed nowhere else. The unit alone is what X shares with them: nothing is raised.
    assert one_unit_ring(home, tmp_path, tonight) == {}


def test_a_one_home_ring_of_more_people_than_a_household_raises_its_paid_housemate(
    home: Path, tmp_path: Path
) -> None:
    # X and 5 more at one unit: 6 identities are no household, but a mail drop grown past one.
    assert one_unit_ring(home, tmp_path, 5) == {"X": {"LOOKBACK_RING"}}
    assert "by its address" in read_alerts(home, DAY2)["reason_text"].iloc[0]


def test_a_one_home_ring_whose_mail_goes_elsewhere_raises_its_paid_housemate(
    home: Path, tmp_path: Path
) -> None:
    # X lives at the unit with 3 roommates but has its mail sent to a PO box: not one home's shape.
    box = {"mailing_address_line1": "PO Box 88", "mailing_city": "Columbus", "mailing_state": "OH",
           "mailing_zip": "43216"}  # fmt: skip
    assert one_unit_ring(home, tmp_path, 3, **box) == {"X": {"LOOKBACK_RING"}}
