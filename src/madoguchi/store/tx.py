"""A transaction that publishes its events only after it commits (nobody hears of a rolled-back message)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.bus import Bus, ConversationChanged, MessageCreated


class Tx:
    def __init__(self, session: AsyncSession, bus: Bus) -> None:
        self.session = session
        self._bus = bus
        self._pending: list[MessageCreated | ConversationChanged] = []

    def publish_on_commit(self, event: MessageCreated | ConversationChanged) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        await self.session.commit()
        pending, self._pending = self._pending, []
        for event in pending:
            await self._bus.publish_committed(event)

    async def rollback(self) -> None:
        self._pending.clear()
        await self.session.rollback()

    async def __aenter__(self) -> Tx:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            await self.rollback()
