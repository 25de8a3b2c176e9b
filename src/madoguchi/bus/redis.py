"""Redis pub/sub backend: every process publishes to one channel and delivers what it reads to its listeners.

Pub/sub is fire-and-forget: a process that is disconnected misses live events, but never messages, because
every message is committed to the database before it is published and clients load history on reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib

import redis.asyncio as aioredis

from madoguchi.bus.base import Bus
from madoguchi.bus.events import ConversationChanged, MessageCreated, event_adapter
from madoguchi.logs import get_logger

log = get_logger(__name__)


class RedisBus(Bus):
    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        self._channel = channel
        self._client: aioredis.Redis = aioredis.Redis.from_url(url)
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        await self._client.ping()
        await super().start()
        self._reader = asyncio.create_task(self._read_forever(), name="redis-bus-reader")
        # Publishing before the subscription is live would drop this process's own first events.
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await super().stop()
        await self._client.aclose()

    async def publish(self, event: MessageCreated | ConversationChanged) -> None:
        await self._client.publish(self._channel, event.model_dump_json())

    async def _read_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._subscribed.set()
                    backoff = 0.1
                    async for raw in pubsub.listen():
                        if raw.get("type") != "message":
                            continue
                        try:
                            event = event_adapter.validate_json(raw["data"])
                        except ValueError:
                            log.warning("bus.malformed_event", size=len(raw["data"]))
                            continue
                        self._received(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bus.redis_disconnected", retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
