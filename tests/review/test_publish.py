"""Publishing a night's queue: no duplicate, rings join their open case, display fields copied."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from review_support import World
from sqlalchemy import Engine, func, select, update

from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.review.db import case_claims, cases, claims, ring_links
from claimscreen.review.publish import publish_night


def count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_publishing_twice_changes_nothing(world: World, engine: Engine) -> None:
    first = publish_night(world.home, world.nights[0], engine)
    assert first["published"] == len(world.queued[world.nights[0]]) and first["skipped"] == 0
    before = (
        count(engine, cases),
        count(engine, case_claims),
        count(engine, claims),
        count(engine, ring_links),
    )
    again = publish_night(world.home, world.nights[0], engine)
    assert again["published"] == 0 and again["skipped"] == first["published"] and again["cases_opened"] == 0
    after = (
        count(engine, cases),
        count(engine, case_claims),
        count(engine, claims),
        count(engine, ring_links),
    )
    assert after == before


def test_one_case_per_ring_and_later_claims_join_it(world: World, engine: Engine) -> None:
    for night in world.nights:
        publish_night(world.home, night, engine)
    with engine.connect() as conn:
        per_ring = conn.execute(
            select(cases.c.ring_id, func.count())
            .where(cases.c.ring_id.is_not(None))
            .group_by(cases.c.ring_id)
        ).all()
        assert per_ring and all(n == 1 for _, n in per_ring)
        queued = [c for night in world.nights for c in world.queued[night]]
        assert count(engine, case_claims) == len(queued)


def test_claims_joining_a_case_make_a_form_rendered_before_stale(world: World, engine: Engine) -> None:
    """A decision covers the case's claims: when a later night's claims join an open ring case,
    its version moves on, so a decide form rendered before gets a 409 instead of deciding
    claims its investigator never saw."""
    first, second = world.nights
    publish_night(world.home, first, engine)
    with engine.connect() as conn:
        before = dict(
            conn.execute(select(cases.c.id, cases.c.version).where(cases.c.ring_id.is_not(None))).all()
        )
    counts = publish_night(world.home, second, engine)
    assert counts["claims_joined"] > 0
    with engine.connect() as conn:
        joined = set(
            conn.execute(
                select(case_claims.c.case_id)
                .where(case_claims.c.case_id.in_(list(before)))
                .where(case_claims.c.batch_date == second)
            ).scalars()
        )
        after = dict(
            conn.execute(select(cases.c.id, cases.c.version).where(cases.c.id.in_(list(before)))).all()
        )
    assert joined
    assert all(after[c] == before[c] + 1 for c in joined)
    assert all(after[c] == before[c] for c in set(before) - joined)


def test_a_ring_whose_case_is_closed_opens_a_new_one(world: World, engine: Engine) -> None:
    first, second = world.nights
    publish_night(world.home, first, engine)
    with engine.begin() as conn:
        conn.execute(update(cases).values(status="closed"))
    counts = publish_night(world.home, second, engine)
    assert counts["claims_joined"] == 0
    with engine.connect() as conn:
        open_rings = conn.execute(
            select(cases.c.ring_id, func.count())
            .where(cases.c.status == "open", cases.c.ring_id.is_not(None))
            .group_by(cases.c.ring_id)
        ).all()  # fmt: skip
    assert all(n == 1 for _, n in open_rings)


def test_ring_joining_counts(world: World, engine: Engine) -> None:
    first, second = world.nights
    publish_night(world.home, first, engine)
    with engine.connect() as conn:
        rings_open = set(conn.execute(select(cases.c.ring_id).where(cases.c.ring_id.is_not(None))).scalars())
    counts = publish_night(world.home, second, engine)
    with engine.connect() as conn:
        second_night = conn.execute(
            select(case_claims.c.claim_id, claims.c.ring_id)
            .join(claims, claims.c.claim_id == case_claims.c.claim_id)
            .where(case_claims.c.batch_date == second)
        ).all()
    expected = sum(1 for _, ring in second_night if ring in rings_open)
    assert counts["claims_joined"] == expected


def test_case_summaries_follow_their_claims_after_joining(world: World, engine: Engine) -> None:
    """Each case's summary is recomputed from all its claims, earlier nights' too, and its reason
    rows carry its status: a ring case put in verification keeps that status as claims join."""
    from claimscreen.review.db import case_reasons
    from claimscreen.review.publish import sort_key

    first, second = world.nights
    publish_night(world.home, first, engine)
    with engine.begin() as conn:
        conn.execute(update(cases).where(cases.c.ring_id.is_not(None)).values(status="verification"))
        ringed = select(cases.c.id).where(cases.c.ring_id.is_not(None))
        conn.execute(
            update(case_reasons).where(case_reasons.c.case_id.in_(ringed)).values(status="verification")
        )
    counts = publish_night(world.home, second, engine)
    assert counts["claims_joined"] > 0, "the test world should have ring claims on both nights"
    with engine.connect() as conn:
        rows = (
            conn.execute(
                select(case_claims, claims.c.filed_at, claims.c.ring_id).join(
                    claims, claims.c.claim_id == case_claims.c.claim_id
                )
            )
            .mappings()
            .all()
        )
        summary = {r.id: r for r in conn.execute(select(cases)).all()}
        reasons = conn.execute(select(case_reasons)).mappings().all()
        ring_sizes = dict(
            conn.execute(select(claims.c.ring_id, func.count()).group_by(claims.c.ring_id)).all()
        )
    lake = Lake(world.home)
    queues = [lake.read_table(lake.queue_path(n)).to_pandas() for n in (first, second)]
    model_sizes = pd.concat(queues).groupby("claim_id")["ring_size"].max()
    by_case: dict[int, list] = {}  # type: ignore[type-arg]
    for r in rows:
        by_case.setdefault(r["case_id"], []).append(r)
    assert set(by_case) == set(summary)
    joined = 0
    for case_id, members in by_case.items():
        case = summary[case_id]
        members.sort(key=lambda r: (-r["risk_score"], r["claim_id"]))
        nights = {r["batch_date"] for r in members}
        joined += nights == {first, second}
        first_filed = min(r["filed_at"] for r in members)
        routes = {r["route"] for r in members}
        codes = list(dict.fromkeys(c for r in members for c in r["reasons"].split(";") if c))
        assert case.claims == len(members)
        assert case.risk_score == max(r["risk_score"] for r in members)
        assert case.priority == max(r["priority"] for r in members)
        assert case.first_filed_at == first_filed
        assert case.sort_key == sort_key(case.priority, first_filed.date())
        assert case.route == ("review" if "review" in routes else "verify" if "verify" in routes else "clear")
        assert case.audit_sample == all(r["audit_sample"] for r in members)
        assert case.reason_codes == ";" + "".join(f"{c};" for c in codes)
        texts = [t for r in members for t in r["reason_text"]]
        assert case.first_reason == (texts[0] if texts else "Drawn at random for a post-payment audit")
        # The claims linked here, or the model's count when larger (tests/review/test_ring_counts.py).
        counted = max(int(model_sizes[r["claim_id"]]) for r in members)
        assert case.ring_size == (max(ring_sizes[case.ring_id], counted) if case.ring_id else 1)
        assert case.status == ("verification" if case.ring_id and first in nights else "open")
        mine = [r for r in reasons if r["case_id"] == case_id]
        assert [r["code"] for r in sorted(mine, key=lambda r: codes.index(r["code"]))] == codes
        assert all(r["status"] == case.status and r["sort_key"] == case.sort_key for r in mine)
    assert joined > 0, "some ring case should hold claims of both nights"


def test_display_fields_are_copied_and_masked(world: World, engine: Engine) -> None:
    publish_night(world.home, world.nights[0], engine)
    with engine.connect() as conn:
        row = conn.execute(select(claims).limit(1)).mappings().one()
        displays = conn.execute(select(ring_links.c.kind, ring_links.c.display)).all()
    assert row["first_name"] and row["filed_at"].tzinfo is not None
    assert row["ssn_last4"] is None or len(row["ssn_last4"]) == 4
    for kind, display in displays:
        if kind == "bank_account":
            assert display.startswith("account ending ") and len(display) == len("account ending 1234")


def test_a_night_without_a_queue_is_an_input_error(world: World, engine: Engine) -> None:
    with pytest.raises(InputError, match="has no review queue"):
        publish_night(world.home, dt.date(1999, 1, 1), engine)


def test_publish_reads_the_same_rows_as_the_whole_window(world: World) -> None:
    """The filtered lake reads (three feature columns, wanted claims' row groups) give what
    reading every column of the whole window and filtering after gave."""
    import pandas as pd

    from claimscreen.data.lake import Lake
    from claimscreen.data.settings import load_settings
    from claimscreen.features.build import read_features, window_start
    from claimscreen.review import publish

    night = world.nights[-1]
    lake = Lake(world.home)
    queue = lake.read_table(lake.queue_path(night)).to_pandas()
    history = load_settings(world.home).history_days
    first = window_start(night, history)
    frames = [
        read_features(world.home, first + dt.timedelta(days=d)) for d in range((night - first).days + 1)
    ]
    whole = pd.concat(
        [f[["claim_id", "identity_id", "ring_id"]] for f in frames if len(f)], ignore_index=True
    )
    whole = whole.drop_duplicates("claim_id", keep="last").astype({"claim_id": str, "identity_id": str})
    # The night's ring members put the earlier claims tonight's rings reached in those rings.
    import pyarrow as pa

    rings = pa.array(sorted({str(r) for r in queue["ring_id"].dropna()}), pa.string())
    reached = whole["claim_id"].map(publish._ring_members(lake, night, rings))
    whole["ring_id"] = reached.where(reached.notna(), whole["ring_id"])
    members = publish._window_keys(lake, night, history, queue)
    wanted = publish._related_claims(queue, members)
    assert wanted == publish._related_claims(queue, whole)
    shown = publish._display_rows(lake, night, history, wanted, members)
    columns = sorted(set(shown.columns) - {"identity_id", "ring_id"})
    window = lake.read_window("claims", first, night, columns=columns)
    window = window[window["claim_id"].isin(wanted)].drop_duplicates("claim_id", keep="last")
    got = shown[columns].sort_values("claim_id").reset_index(drop=True)
    expected = window[columns].sort_values("claim_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_publish_reads_each_claim_in_its_own_nights_parts(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A wanted claim is looked for in the claims parts of the night whose features hold it:
    tonight's queue in tonight's parts only. Members without nights, or a claim given a night
    that does not hold it, make every part of the window read, and the rows are the same."""
    from pathlib import Path

    from claimscreen.data.settings import load_settings
    from claimscreen.features.build import window_start
    from claimscreen.review import publish

    night = world.nights[-1]
    lake = Lake(world.home)
    history = load_settings(world.home).history_days
    queue = lake.read_table(lake.queue_path(night)).to_pandas()
    members = publish._window_keys(lake, night, history, queue)
    wanted = publish._related_claims(queue, members)
    read: list[Path] = []

    def recording(path: Path, claim_ids: set[str], columns: list[str]):  # type: ignore[no-untyped-def]
        read.append(path)
        return Lake.read_rows_of(path, "claim_id", claim_ids, columns)

    monkeypatch.setattr(publish, "_wanted_rows", recording)
    tonight = lake.committed_parts("claims", night, night)
    queued = publish._display_rows(lake, night, history, set(queue["claim_id"].astype(str)), members)
    assert read == tonight and sorted(queued["claim_id"]) == sorted(queue["claim_id"].astype(str))

    nights = members.set_index("claim_id")["batch_date"]
    earlier = sorted(c for c in wanted if nights[c] < night)
    assert earlier, "tonight's rings or identities should reach a claim of an earlier night"
    read.clear()
    shown = publish._display_rows(lake, night, history, wanted, members)
    assert read == [
        p for d in sorted(set(nights[list(wanted)])) for p in lake.committed_parts("claims", d, d)
    ]
    window = lake.committed_parts("claims", window_start(night, history), night)
    for odd in (members.drop(columns="batch_date"), members.assign(batch_date=night)):
        read.clear()
        pd.testing.assert_frame_equal(publish._display_rows(lake, night, history, wanted, odd), shown)
        assert read[-len(window) :] == window


def test_wanted_rows_reads_only_the_row_groups_holding_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.parquet as pq

    from claimscreen.review.publish import _wanted_rows

    path = tmp_path / "part.parquet"
    ids = [f"C{i:04d}" for i in range(100)]
    pq.write_table(pa.table({"claim_id": ids, "n": list(range(100))}), path, row_group_size=10)
    got = _wanted_rows(path, {"C0003", "C0057", "C0058", "nope"}, ["claim_id", "n", "missing"])
    assert got is not None and got.to_pydict() == {"claim_id": ["C0003", "C0057", "C0058"], "n": [3, 57, 58]}
    assert _wanted_rows(path, {"nope"}, ["claim_id"]) is None


def test_a_part_read_for_the_queue_gives_look_back_its_claims_without_reading_again(  # type: ignore[no-untyped-def]
    tmp_path, monkeypatch
) -> None:
    """The night's look-back claims are searched for with the queue's; look-back then gets from
    the rows kept what reading the part would give, and a claim or column the part was not read
    for is read from the part."""
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.parquet as pq

    from claimscreen.review import publish

    path = tmp_path / "part.parquet"
    ids = [f"C{i:04d}" for i in range(100)]
    pq.write_table(pa.table({"claim_id": ids, "n": list(range(100)), "x": ids}), path, row_group_size=10)
    reads = publish._PartReads({"C0057", "C0090", "gone"})
    got = reads.read(path, {"C0003", "C0090"}, ["claim_id", "n"])
    assert got is not None and got.to_pydict() == {"claim_id": ["C0003", "C0090"], "n": [3, 90]}
    read: list[Path] = []

    def recording(part: Path, claim_ids: set[str], columns: list[str]):  # type: ignore[no-untyped-def]
        read.append(part)
        return Lake.read_rows_of(part, "claim_id", claim_ids, columns)

    monkeypatch.setattr(publish, "_wanted_rows", recording)
    kept = reads.rows(path, {"C0057", "C0090"}, ["n", "claim_id"])
    assert kept is not None and kept.to_pydict() == {"n": [57, 90], "claim_id": ["C0057", "C0090"]}
    assert reads.rows(path, {"gone"}, ["claim_id"]) is None and not read
    again = reads.rows(path, {"C0057", "C0091"}, ["claim_id"])
    assert again is not None and again.to_pydict() == {"claim_id": ["C0057", "C0091"]} and read == [path]
    columns = reads.rows(path, {"C0057"}, ["claim_id", "x"])
    assert columns is not None and columns.to_pydict() == {"claim_id": ["C0057"], "x": ["C0057"]}
    assert read == [path, path]


def test_a_claim_moved_into_another_ring_takes_its_links_along(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A claim linked in one ring that a later ring reaches (the night's ring members) keeps
    one row per identifier it shares, now naming the later ring: no duplicate, no failure."""
    from claimscreen.review.db import open_database, writing
    from claimscreen.review.publish_cases import insert_links

    def members(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"ring_id": r, "claim_id": c, "bank_account_token": t, "bank_account_last4": "1234"}
                for r, c, t in rows
            ]
        )

    engine = open_database(tmp_path)
    with writing(engine) as conn:
        assert insert_links(conn, members([("R1", "X", "tok-a"), ("R1", "Y", "tok-a")])) == 2
    with writing(engine) as conn:  # a later night: ring R2 reached X, which shares tok-a with Z too
        assert insert_links(conn, members([("R2", "X", "tok-a"), ("R2", "Z", "tok-a")])) == 2
    with engine.connect() as conn:
        got = sorted(tuple(r) for r in conn.execute(select(ring_links.c.claim_id, ring_links.c.ring_id)))
    assert got == [("X", "R2"), ("Y", "R1"), ("Z", "R2")]
    engine.dispose()
