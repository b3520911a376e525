"""The ring's size a case shows agrees with the count its reasons quote (issue #19: "15 claims by
15 people" for an 11-claim ring): the night's ring members link every claim a ring reached; the
model's count still wins when it is larger (a night featured before ring members were written),
with a line saying why some are not listed."""

from __future__ import annotations

import pandas as pd
from review_support import World, signed_in
from sqlalchemy import Engine, func, select, update

from claimscreen.data.lake import Lake
from claimscreen.review.app import create_app
from claimscreen.review.db import case_claims, cases, claims


def test_a_ring_case_counts_at_least_what_the_model_counted(world: World, published: Engine) -> None:
    queued = pd.concat(
        [Lake(world.home).read_table(Lake(world.home).queue_path(n)).to_pandas() for n in world.nights]
    )
    counted = queued.groupby("claim_id")["ring_size"].max()
    with published.connect() as conn:
        rows = conn.execute(
            select(cases.c.id, cases.c.ring_id, cases.c.ring_size, case_claims.c.claim_id)
            .join(case_claims, case_claims.c.case_id == cases.c.id)
            .where(cases.c.ring_id.is_not(None))
        ).all()
        linked = dict(
            conn.execute(
                select(claims.c.ring_id, func.count())
                .where(claims.c.ring_id.is_not(None))
                .group_by(claims.c.ring_id)
            ).all()
        )
    assert rows
    by_case: dict[int, tuple[int, int, str]] = {}
    for case_id, ring_id, size, claim_id in rows:
        model = max(by_case.get(case_id, (0, 0, ""))[1], int(counted[claim_id]))
        by_case[case_id] = (size, model, ring_id)
    # Each night's ring members link the earlier claims a ring reached (6 of the test world's
    # 22 ring cases quoted more claims than were linked before they were written): every ring
    # now lists at least what its reasons count.
    for size, model, ring_id in by_case.values():
        assert linked[ring_id] >= model
        assert size == max(model, linked[ring_id])


def test_the_ring_section_says_when_claims_are_not_linked(world: World, published: Engine) -> None:
    with published.begin() as conn:
        case_id, ring_id, size = conn.execute(
            select(cases.c.id, cases.c.ring_id, cases.c.ring_size)
            .where(cases.c.ring_id.is_not(None), cases.c.claims > 2)
            .order_by(cases.c.id)
            .limit(1)
        ).one()
        member = (
            conn.execute(
                select(case_claims.c.claim_id)
                .where(case_claims.c.case_id == case_id)
                .order_by(case_claims.c.claim_id)
            )
            .scalars()
            .first()
        )
        # As a claim scored before the ring took it in: no ring id here.
        conn.execute(update(claims).where(claims.c.claim_id == member).values(ring_id=None))
        listed = conn.execute(select(func.count()).where(claims.c.ring_id == ring_id)).scalar_one()
    page = signed_in(create_app(world.home, engine=published), "alice").get(f"/cases/{case_id}").text
    assert f"Ring {ring_id}: {size} claims</h2>" in page
    assert f"The reasons count {size} claims in this ring; {listed} of them are listed here." in page
