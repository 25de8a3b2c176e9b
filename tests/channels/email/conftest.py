"""A running `madoguchi` (HTTP and SMTP in one event loop) with a capturing relay, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import ConversationEvent
from tests.channels.email.mailbox import Relay, free_port
from tests.conftest import running_server

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from madoguchi.settings import Settings


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    capture = Relay()
    await capture.start()
    yield capture
    await capture.stop()


@pytest.fixture
def email_settings(settings: Settings, relay: Relay) -> Settings:
    return settings.model_copy(
        update={
            "smtp_listen": f"127.0.0.1:{free_port()}",
            "smtp_relay": f"127.0.0.1:{relay.port}",
            "email_retry_seconds": 0.2,
        }
    )


@dataclass
class Desk:
    """The running service as a test sees it: its web address, its SMTP port, and its database."""

    base_url: str
    smtp_port: int
    sessions: async_sessionmaker[AsyncSession]

    async def all(self, statement: Any) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.scalars(statement)).all())

    async def one(self, statement: Any) -> Any:
        rows = await self.all(statement)
        assert len(rows) == 1, rows
        return rows[0]

    async def get(self, model: Any, key: Any) -> Any:
        async with self.sessions() as session:
            return await session.get(model, key)

    async def events(self, conversation_id: str, prefix: str = "") -> list[Any]:
        rows = await self.all(
            select(ConversationEvent)
            .where(ConversationEvent.conversation_id == conversation_id)
            .order_by(ConversationEvent.id)
        )
        return [row for row in rows if row.type.startswith(prefix)]


@pytest.fixture
async def desk(email_settings: Settings) -> AsyncIterator[Desk]:
    engine = create_engine(email_settings.database_url)
    try:
        async with running_server(email_settings) as base_url:
            port = int(email_settings.smtp_listen.rpartition(":")[2])
            yield Desk(base_url, port, session_factory(engine))
    finally:
        await engine.dispose()
