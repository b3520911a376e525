"""Look-back alerts in the review queue and verification outcomes on the case page (issue #20):
a case's look-back mark, the alerts published, an overpayment on a decision, the outcomes.

Revision ID: 0006_lookback_verification
Revises: 0005_oidc_sign_in
Create Date: 2026-12-07

Every case there is stays an ordinary one (``lookback`` false); every decision there is
records no overpayment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from claimscreen.review.db import UTCDateTime

revision = "0006_lookback_verification"
down_revision = "0005_oidc_sign_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("lookback", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("cases", sa.Column("lookback_on", sa.Date, nullable=True))
    op.create_index(
        "ix_cases_lookback_queue", "cases", ["lookback", "status", sa.text("sort_key DESC"), "id"]
    )
    op.add_column("decisions", sa.Column("overpayment_cents", sa.BigInteger, nullable=True))
    op.create_table(
        "lookback_alerts",
        sa.Column("claim_id", sa.String(64), sa.ForeignKey("claims.claim_id"), primary_key=True),
        sa.Column("reason", sa.String(64), primary_key=True),
        sa.Column("reason_text", sa.Text, nullable=False),
        sa.Column("first_scored", sa.Date, nullable=False),
        sa.Column("flagged_on", sa.Date, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "verification_outcomes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("check", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
        sa.Column("provider", sa.String(128), nullable=False),
    )
    op.create_index(
        "ux_verification_outcomes",
        "verification_outcomes",
        ["claim_id", "check", "decided_at", "outcome", "provider"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("verification_outcomes")
    op.drop_table("lookback_alerts")
    op.drop_index("ix_cases_lookback_queue", table_name="cases")
    # Not a batch operation: on SQLite that copies the table, which the foreign keys refuse.
    op.execute("ALTER TABLE decisions DROP COLUMN overpayment_cents")
    for column in ("lookback_on", "lookback"):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
