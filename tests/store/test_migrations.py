"""One set of migrations for SQLite and PostgreSQL, and a server that refuses a schema it was not written for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from madoguchi.errors import SchemaMismatch
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine
from madoguchi.store.migrate import check_schema, current_revision, head_revision, upgrade
from madoguchi.store.models import Base
from madoguchi.web.app import create_app

MADOGUCHI = str(Path(sys.executable).with_name("madoguchi"))


async def test_migrations_create_every_table_of_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        await upgrade(engine)
        await upgrade(engine)  # a second upgrade is a no-op
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(settings: Settings) -> None:
    """Autogenerate finds nothing to do: models and migrations agree, on SQLite and on PostgreSQL."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
        assert differences == []
    finally:
        await engine.dispose()


async def test_empty_database_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(SchemaMismatch, match=r"run `madoguchi db upgrade`"):
            await check_schema(engine)
    finally:
        await engine.dispose()


async def test_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'newer.db'}")
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(SchemaMismatch, match="newer release") as refused:
            await check_schema(engine)
        assert refused.value.details == {"current": "9999_future", "expected": head_revision()}
    finally:
        await engine.dispose()


async def test_app_does_not_start_on_an_unmigrated_database(tmp_path: Path) -> None:
    settings = Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    app = create_app(settings)
    with pytest.raises(SchemaMismatch, match="madoguchi db upgrade"):
        async with app.router.lifespan_context(app):
            pass


def test_serve_command_refuses_an_unmigrated_database_and_says_what_to_run(tmp_path: Path) -> None:
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"}
    finished = subprocess.run(
        [MADOGUCHI, "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert finished.returncode != 0
    assert "run `madoguchi db upgrade`" in finished.stderr


def test_db_upgrade_then_seed_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}

    def run(*args: str) -> str:
        finished = subprocess.run([MADOGUCHI, *args], env=env, capture_output=True, text=True, timeout=120, check=True)
        return finished.stdout

    assert "upgraded from empty" in run("db", "upgrade")
    assert "already at revision" in run("db", "upgrade")
    assert "demo data loaded" in run("seed", "--if-empty", "--no-history")
    assert "already present" in run("seed", "--if-empty", "--no-history")
    assert head_revision() in run("db", "current")
