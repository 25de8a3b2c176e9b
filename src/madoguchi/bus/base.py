"""The bus interface: publish typed events, every listener in every process receives them."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable

from madoguchi.bus.events import ConversationChanged, MessageCreated
from madoguchi.logs import get_logger

Listener = Callable[[MessageCreated | ConversationChanged], Awaitable[None]]
log = get_logger(__name__)


class Bus(abc.ABC):
    """Fan-out of events to the listeners of every process sharing the bus."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect; called once when the process starts."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Disconnect; called once when the process stops."""

    @abc.abstractmethod
    async def publish(self, event: MessageCreated | ConversationChanged) -> None:
        """Deliver to every listener, in this process and, for shared backends, in the others."""

    async def _deliver(self, event: MessageCreated | ConversationChanged) -> None:
        for listener in self._listeners:
            try:
                await listener(event)
            except Exception:
                # One broken listener (a socket closing mid-send) must not keep others from the event.
                log.exception("bus.listener_failed", event_type=event.type)


class MemoryBus(Bus):
    """Single-process bus: listeners run in the publisher's event loop, in order."""

    async def publish(self, event: MessageCreated | ConversationChanged) -> None:
        await self._deliver(event)


def create_bus(redis_url: str | None, channel: str) -> Bus:
    if redis_url:
        from madoguchi.bus.redis import RedisBus

        return RedisBus(redis_url, channel)
    return MemoryBus()
