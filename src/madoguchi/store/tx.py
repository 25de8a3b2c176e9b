"""A transaction that publishes its events only after it commits (nobody hears of a rolled-back message)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.bus import Bus, BusEvent


class BeforeCommit(Protocol):
    """Work gathered during a transaction and done once, just before it commits (in it)."""

    async def run(self, tx: Tx) -> None: ...


W = TypeVar("W", bound=BeforeCommit)


class Tx:
    def __init__(self, session: AsyncSession, bus: Bus) -> None:
        self.session = session
        self._bus = bus
        self._pending: list[BusEvent] = []
        self._before_commit: dict[str, BeforeCommit] = {}

    def publish_on_commit(self, event: BusEvent) -> None:
        self._pending.append(event)

    def before_commit(self, key: str, start: Callable[[], W]) -> W:
        """The transaction's pending work of this kind, started by `start` on first use."""
        work = self._before_commit.get(key)
        if work is None:
            work = self._before_commit[key] = start()
        return work  # type: ignore[return-value]

    async def commit(self) -> None:
        while self._before_commit:
            key = next(iter(self._before_commit))
            await self._before_commit.pop(key).run(self)
        await self.session.commit()
        pending, self._pending = self._pending, []
        for event in pending:
            await self._bus.publish_committed(event)

    async def rollback(self) -> None:
        self._pending.clear()
        self._before_commit.clear()
        await self.session.rollback()

    async def __aenter__(self) -> Tx:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            await self.rollback()
