"""Redis pub/sub backend: every process publishes to one channel and delivers what it reads to its listeners.

Pub/sub is fire-and-forget: a process that is disconnected misses live events, but never messages, because
every message is committed to the database before it is published and clients load history on reconnect.
Redis is never required for chat to go on: a publish that fails is delivered to this process's own listeners
instead, and the reader reconnects with back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError

from madoguchi.bus.base import Bus
from madoguchi.bus.events import BusEvent, event_adapter
from madoguchi.logs import get_logger

log = get_logger(__name__)

# What a Redis call raises when the server is away, restarting or saturated (the client maps socket and
# timeout errors to RedisError, but a few paths let the OSError itself through).
REDIS_FAILURES: tuple[type[Exception], ...] = (RedisError, OSError)

# Enough connections for a burst of hundreds of customers writing at once: each command holds one for
# about a millisecond, so a burst past this waits briefly for a free one instead of failing.
POOL_SIZE = 100
POOL_WAIT_S = 2.0
# A pooled connection idle this long is pinged before use, so one left stale by a Redis restart is
# replaced before a command fails on it.
HEALTH_CHECK_S = 10
# Every command and connect is tried once more on a fresh connection: a restarted Redis costs one retry,
# not one failure per stale pooled connection. Once only, because a caller (a customer's acknowledgement)
# waits through every attempt when Redis is really away; the callers' fallbacks cover that case.
RETRIES = 1


def redis_pool(url: str) -> aioredis.BlockingConnectionPool:
    """Connections to Redis that survive its restarts and wait for each other under load."""
    pool: aioredis.BlockingConnectionPool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=POOL_WAIT_S,
        retry=Retry(ExponentialWithJitterBackoff(cap=0.2, base=0.02), RETRIES),
        health_check_interval=HEALTH_CHECK_S,
        # Redis answers in a millisecond when it is there; a caller should not wait long to learn it is not.
        socket_connect_timeout=0.5,
        socket_timeout=2.0,
    )
    return pool


class Outage:
    """What a caller with a local fallback remembers of a Redis failure.

    For a moment after a failure the caller uses its fallback at once, instead of every request waiting
    through the connection timeouts and retries again; the warning is written once when the outage starts
    and again each minute while it lasts, not once per request.
    """

    def __init__(self, component: str, fallback: str, *, skip_s: float = 5.0, warn_every_s: float = 60.0) -> None:
        self._component = component
        self._fallback = fallback
        self._skip_s = skip_s
        self._warn_every_s = warn_every_s
        self._skip_until = 0.0
        self._warned_at: float | None = None
        self.down = False

    def skipping(self) -> bool:
        return time.monotonic() < self._skip_until

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self._skip_until = now + self._skip_s
        if not self.down or self._warned_at is None or now - self._warned_at >= self._warn_every_s:
            self._warned_at = now
            log.warning(
                "redis.unavailable",
                component=self._component,
                fallback=self._fallback,
                error=f"{type(exc).__name__}: {exc}",
            )
        self.down = True

    def recovered(self) -> None:
        self._skip_until = 0.0
        if self.down:
            self.down = False
            self._warned_at = None
            log.info("redis.restored", component=self._component)


class RedisBus(Bus):
    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        self._channel = channel
        self._client: aioredis.Redis = aioredis.Redis.from_pool(redis_pool(url))
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self.outage = Outage("bus", "events reach this process's sockets only")

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

    async def publish(self, event: BusEvent) -> None:
        """Publish through Redis; when Redis cannot take it, deliver it to this process's listeners.

        The change is committed before this is called: other processes that miss the event meanwhile show it
        from the history when their clients reconnect, so losing the fan-out is degraded, not lost.
        """
        if not self.outage.skipping():
            try:
                await self._client.publish(self._channel, event.model_dump_json())
            except REDIS_FAILURES as exc:
                self.outage.failed(exc)
            else:
                self.outage.recovered()
                return
        self._received(event)

    async def _read_forever(self) -> None:
        backoff = 0.1
        failures = 0
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._subscribed.set()
                    # Subscribed again after an outage: publishing through Redis works again too.
                    self.outage.recovered()
                    backoff = 0.1
                    failures = 0
                    async for raw in pubsub.listen():
                        self._deliver(raw)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                # The stack once per outage; the attempts after it say only that Redis is still away.
                log.warning(
                    "bus.redis_disconnected",
                    retry_in_s=backoff,
                    attempt=failures,
                    error=f"{type(exc).__name__}: {exc}",
                    exc_info=failures == 1,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _deliver(self, raw: dict[str, Any]) -> None:
        if raw.get("type") != "message":
            return
        try:
            event = event_adapter.validate_json(raw["data"])
        except ValueError:
            log.warning("bus.malformed_event", size=len(raw["data"]))
            return
        self._received(event)
