"""Sign-in through the agency's identity provider (issue #19): external accounts and the
sign-ins under way.

Revision ID: 0005_oidc_sign_in
Revises: 0004_queue_search
Create Date: 2026-12-08

Every account there is stays a local one (``auth_source`` "local").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from claimscreen.review.db import UTCDateTime

revision = "0005_oidc_sign_in"
down_revision = "0004_queue_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("auth_source", sa.String(16), nullable=False, server_default="local"))
    op.add_column("users", sa.Column("external_issuer", sa.String(255), nullable=True))
    op.add_column("users", sa.Column("external_subject", sa.String(255), nullable=True))
    op.create_index("ux_users_external", "users", ["external_issuer", "external_subject"], unique=True)
    op.create_table(
        "oidc_logins",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("next", sa.String(2048), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("oidc_logins")
    op.drop_index("ux_users_external", table_name="users")
    # Not a batch operation: on SQLite that copies the table, which the foreign keys refuse.
    for column in ("external_subject", "external_issuer", "auth_source"):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
