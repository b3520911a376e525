"""Alembic environment: run against the connection :func:`claimscreen.review.db.migrate` passes."""

from __future__ import annotations

from alembic import context

from claimscreen.review.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via claimscreen.review.db.migrate
    raise RuntimeError("run migrations with `claimscreen review migrate`")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
