"""The bus interface: publish typed events, every listener in every process receives them."""

from __future__ import annotations

import abc
import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from madoguchi.bus.events import BusEvent
from madoguchi.logs import get_logger

Listener = Callable[[BusEvent], Awaitable[None]]
log = get_logger(__name__)


class Bus(abc.ABC):
    """Fan-out of events to the listeners of every process sharing the bus.

    Received events wait in this process's queue and one dispatcher hands them to the listeners in order, so
    a publisher (a customer's message being acknowledged) never waits for slow sockets, and the order of
    events is the order of publication.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._inbox: asyncio.Queue[BusEvent] = asyncio.Queue()
        self._dispatcher: asyncio.Task[None] | None = None

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        """Connect; called once when the process starts."""
        self._dispatcher = asyncio.create_task(self._dispatch_forever(), name="bus-dispatcher")

    async def stop(self) -> None:
        """Deliver what is queued, then disconnect; called once when the process stops."""
        if self._dispatcher is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._inbox.join(), timeout=5)
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None

    async def drained(self) -> None:
        """Wait until every event received so far has reached the listeners."""
        await self._inbox.join()

    @abc.abstractmethod
    async def publish(self, event: BusEvent) -> None:
        """Deliver to every listener, in this process and, for shared backends, in the others."""

    async def publish_committed(self, event: BusEvent) -> None:
        """Publish the event of a change already committed; never raises.

        Whoever committed answers the client next (a customer's message is acknowledged): a failing bus must
        not turn a stored message into an unacknowledged one. When publishing fails, this process's own
        listeners still get the event; other processes show the change from the history on reconnect.
        """
        try:
            await self.publish(event)
        except Exception:
            log.exception("bus.publish_failed", event_type=event.type)
            self._received(event)

    def _received(self, event: BusEvent) -> None:
        self._inbox.put_nowait(event)

    async def _dispatch_forever(self) -> None:
        while True:
            event = await self._inbox.get()
            try:
                for listener in self._listeners:
                    try:
                        await listener(event)
                    except Exception:
                        # One broken listener (a socket closing mid-send) must not keep others from the event.
                        log.exception("bus.listener_failed", event_type=event.type)
            finally:
                self._inbox.task_done()


class MemoryBus(Bus):
    """Single-process bus."""

    async def publish(self, event: BusEvent) -> None:
        self._received(event)


def create_bus(redis_url: str | None, channel: str) -> Bus:
    if redis_url:
        from madoguchi.bus.redis import RedisBus

        return RedisBus(redis_url, channel)
    return MemoryBus()
