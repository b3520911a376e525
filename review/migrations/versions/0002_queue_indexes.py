"""Queue speed: indexes in queue order for each filter; reason codes in their own indexed table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    op.drop_index("ix_cases_status_sort", table_name="cases")
    op.drop_index("ix_cases_assignee_status", table_name="cases")
    op.drop_index("ix_cases_night", table_name="cases")
    order = [sa.text("sort_key DESC")]
    op.create_index("ix_cases_queue", "cases", ["status", *order, "id"])
    op.create_index("ix_cases_assignee_queue", "cases", ["assignee_id", "status", *order, "id"])
    op.create_index("ix_cases_night_queue", "cases", ["night", "status", *order, "id"])
    reasons = op.create_table(
        "case_reasons",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sort_key", sa.Float, nullable=False),
    )
    op.create_index("ix_case_reasons_queue", "case_reasons", ["code", "status", *order, "case_id"])
    conn = op.get_bind()
    rows: list[dict[str, object]] = []
    query = sa.text("SELECT id, reason_codes, status, sort_key FROM cases ORDER BY id")
    for case_id, codes, status, key in conn.execute(query):
        rows.extend(
            {"case_id": case_id, "code": c, "status": status, "sort_key": key}
            for c in dict.fromkeys(codes.split(";"))
            if c
        )
        if len(rows) >= _BATCH:
            op.bulk_insert(reasons, rows)
            rows = []
    if rows:
        op.bulk_insert(reasons, rows)


def downgrade() -> None:
    op.drop_index("ix_case_reasons_queue", table_name="case_reasons")
    op.drop_table("case_reasons")
    op.drop_index("ix_cases_night_queue", table_name="cases")
    op.drop_index("ix_cases_assignee_queue", table_name="cases")
    op.drop_index("ix_cases_queue", table_name="cases")
    op.create_index("ix_cases_status_sort", "cases", ["status", "sort_key"])
    op.create_index("ix_cases_assignee_status", "cases", ["assignee_id", "status"])
    op.create_index("ix_cases_night", "cases", ["night"])
