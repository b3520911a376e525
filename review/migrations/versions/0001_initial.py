"""The review database: users, cases, claims, ring links, decisions, notes, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from claimscreen.review.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("decisions", "audit_events")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_key", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("assigned_at", UTCDateTime, nullable=True),
        sa.Column("ring_id", sa.String(64), nullable=True),
        sa.Column("ring_size", sa.Integer, nullable=False),
        sa.Column("claims", sa.Integer, nullable=False),
        sa.Column("risk_score", sa.Float, nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("sort_key", sa.Float, nullable=False),
        sa.Column("night", sa.Date, nullable=False),
        sa.Column("first_filed_at", UTCDateTime, nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("audit_sample", sa.Boolean, nullable=False),
        sa.Column("reason_codes", sa.Text, nullable=False),
        sa.Column("first_reason", sa.Text, nullable=False),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_cases_status_sort", "cases", ["status", "sort_key"])
    op.create_index("ix_cases_assignee_status", "cases", ["assignee_id", "status"])
    op.create_index("ix_cases_ring_status", "cases", ["ring_id", "status"])
    op.create_index("ix_cases_night", "cases", ["night"])
    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(64), primary_key=True),
        sa.Column("batch_date", sa.Date, nullable=False),
        sa.Column("identity_id", sa.String(64), nullable=False),
        sa.Column("ring_id", sa.String(64), nullable=True),
        sa.Column("filed_at", UTCDateTime, nullable=False),
        sa.Column("first_name", sa.String(128), nullable=False),
        sa.Column("middle_name", sa.String(128), nullable=True),
        sa.Column("last_name", sa.String(128), nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=True),
        sa.Column("address_line1", sa.String(256), nullable=True),
        sa.Column("address_line2", sa.String(256), nullable=True),
        sa.Column("city", sa.String(128), nullable=True),
        sa.Column("state", sa.String(8), nullable=True),
        sa.Column("zip5", sa.String(8), nullable=True),
        sa.Column("email", sa.String(256), nullable=True),
        sa.Column("phone_e164", sa.String(32), nullable=True),
        sa.Column("ssn_last4", sa.String(4), nullable=True),
        sa.Column("bank_account_last4", sa.String(4), nullable=True),
        sa.Column("payment_method", sa.String(32), nullable=True),
        sa.Column("employer_name", sa.String(256), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("ip_address", sa.String(64), nullable=True),
        sa.Column("device_id", sa.String(128), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
    )
    op.create_index("ix_claims_identity", "claims", ["identity_id"])
    op.create_index("ix_claims_ring", "claims", ["ring_id"])
    op.create_table(
        "case_claims",
        sa.Column("claim_id", sa.String(64), sa.ForeignKey("claims.claim_id"), primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("batch_date", sa.Date, nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("audit_sample", sa.Boolean, nullable=False),
        sa.Column("risk_score", sa.Float, nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("reason_text", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_case_claims_case", "case_claims", ["case_id"])
    op.create_table(
        "ring_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ring_id", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("link_key", sa.String(32), nullable=False),
        sa.Column("display", sa.String(256), nullable=False),
    )
    op.create_index("ix_ring_links_ring", "ring_links", ["ring_id"])
    op.create_index("ux_ring_links", "ring_links", ["claim_id", "kind", "link_key"], unique=True)
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("claim_id", sa.String(64), sa.ForeignKey("claims.claim_id"), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
        sa.Column("supersedes", sa.Integer, sa.ForeignKey("decisions.id"), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_decisions_claim", "decisions", ["claim_id", "id"])
    op.create_index("ix_decisions_case", "decisions", ["case_id"])
    op.create_index("ix_decisions_decided_at", "decisions", ["decided_at"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("written_at", UTCDateTime, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_notes_case", "notes", ["case_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer, nullable=True),
        sa.Column("claim_id", sa.String(64), nullable=True),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
    )
    op.create_index("ix_audit_case", "audit_events", ["case_id", "id"])
    op.create_index("ix_audit_at", "audit_events", ["at"])
    _refuse_changes()


def _refuse_changes() -> None:
    """Append-only tables: the database itself refuses UPDATE and DELETE (and TRUNCATE)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION review_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION review_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION review_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS review_append_only()")
    for table in (
        "audit_events",
        "notes",
        "decisions",
        "ring_links",
        "case_claims",
        "claims",
        "cases",
        "users",
    ):
        op.drop_table(table)
