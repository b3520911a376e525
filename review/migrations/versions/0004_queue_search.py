"""Queue search and sort (issue #19): the search terms of each case, its claimant's name, and
indexes for sorting by risk and by waiting time.

Revision ID: 0004_queue_search
Revises: 0003
Create Date: 2026-12-08

The terms and names of the cases already published are written here, from their claims.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from claimscreen.review.search import claim_terms, search_rows

revision = "0004_queue_search"
down_revision = "0003"
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    op.add_column("cases", sa.Column("claimant", sa.String(260), nullable=False, server_default=""))
    op.create_index("ix_cases_risk_queue", "cases", ["status", sa.text("risk_score DESC"), "id"])
    op.create_index("ix_cases_waiting_queue", "cases", ["status", "first_filed_at", "id"])
    search = op.create_table(
        "case_search",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("term", sa.String(300), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sort_key", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_case_search_queue", "case_search", ["term", "status", sa.text("sort_key DESC"), "case_id"]
    )
    conn = op.get_bind()
    query = sa.text(
        "SELECT c.id, c.status, c.sort_key, k.claim_id, k.first_name, k.last_name, k.email, "
        "k.phone_e164, k.ssn_last4 FROM cases c JOIN case_claims m ON m.case_id = c.id "
        "JOIN claims k ON k.claim_id = m.claim_id ORDER BY c.id, m.risk_score DESC, k.claim_id"
    )
    rows = [dict(r) for r in conn.execute(query).mappings()]
    for start in range(0, len(rows), _BATCH):
        _write(conn, search, rows[start : start + _BATCH])


def _write(conn: sa.Connection, search: sa.Table, rows: list[dict[str, object]]) -> None:
    terms = claim_terms(rows)
    by_case: dict[object, tuple[str, float, list[set[str]]]] = {}
    for row, found in zip(rows, terms, strict=True):
        if row["id"] not in by_case:
            by_case[row["id"]] = (str(row["status"]), float(row["sort_key"]), [])  # type: ignore[arg-type]
            name = f"{row['first_name'] or ''} {row['last_name'] or ''}".strip()[:260]
            conn.execute(
                sa.text("UPDATE cases SET claimant = :n WHERE id = :i AND claimant = ''"),
                {"n": name, "i": row["id"]},
            )
        by_case[row["id"]][2].append(found)
    # A case split over two batches writes its terms twice: keep the rows not yet there.
    present = {
        (r[0], r[1])
        for r in conn.execute(
            sa.select(search.c.case_id, search.c.term).where(search.c.case_id.in_(list(by_case)))
        )
    }
    values = search_rows((int(c), s, k, t) for c, (s, k, t) in by_case.items())  # type: ignore[call-overload]
    values = [v for v in values if (v["case_id"], v["term"]) not in present]
    if values:
        op.bulk_insert(search, values)


def downgrade() -> None:
    op.drop_index("ix_case_search_queue", table_name="case_search")
    op.drop_table("case_search")
    op.drop_index("ix_cases_waiting_queue", table_name="cases")
    op.drop_index("ix_cases_risk_queue", table_name="cases")
    # Not a batch operation: on SQLite that copies the table, which the foreign keys refuse.
    op.execute("ALTER TABLE cases DROP COLUMN claimant")
