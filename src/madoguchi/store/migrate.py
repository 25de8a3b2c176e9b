"""Alembic, driven from code: upgrade the database and check that its schema matches this code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from madoguchi.errors import SchemaMismatch

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found")
    return head


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    def _run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(_run)


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def check_schema(engine: AsyncEngine) -> None:
    """Refuse to run on a database whose schema is behind or ahead of this code."""
    current = await current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaMismatch(
            "The database has no Madoguchi schema yet: run `madoguchi db upgrade` "
            "(and `madoguchi seed` for the demo data), then start the server again.",
            current=None,
            expected=head,
        )
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current in known:
        raise SchemaMismatch(
            f"The database schema is at revision {current}, behind this version of Madoguchi ({head}): "
            "run `madoguchi db upgrade`, then start the server again.",
            current=current,
            expected=head,
        )
    raise SchemaMismatch(
        f"The database schema is at revision {current}, which this version of Madoguchi does not know: "
        "it was migrated by a newer release. Run that release, or restore a backup taken before the upgrade.",
        current=current,
        expected=head,
    )
