"""Alembic environment: migrations always run on a connection handed over by `madoguchi.store.migrate`."""

from __future__ import annotations

from alembic import context

from madoguchi.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `madoguchi db upgrade`, which supplies the database connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds tables so one migration serves both.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
