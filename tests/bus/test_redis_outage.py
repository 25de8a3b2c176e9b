"""Chat goes on without Redis: events still reach this process's sockets, limits are counted in the process,
the bus is back through Redis right after a restart, and a burst of writers waits for a connection."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import uuid
from typing import TYPE_CHECKING, cast

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from madoguchi.bus import ConversationChanged, ConversationSnapshot, MessageCreated
from madoguchi.bus.base import MemoryBus
from madoguchi.bus.redis import RedisBus
from madoguchi.domain.clock import utcnow
from madoguchi.errors import RateLimited
from madoguchi.ratelimits import RateLimits
from madoguchi.settings import Settings
from madoguchi.store.tx import Tx
from tests.conftest import REDIS_URL, _reset_postgres, running_server
from tests.helpers import ChatClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalRedis:
    """A Redis server of the test's own on a free port, which the test may stop and start again (the
    machine's Redis on 6379 serves other tests and is never stopped)."""

    def __init__(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail("redis-server is not installed: `apt-get install redis-server` (or run `make test`).")
        self.executable = executable
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self._process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)
        try:
            for _ in range(200):
                try:
                    await client.ping()
                    return
                except (RedisError, OSError):
                    await asyncio.sleep(0.025)
        finally:
            await client.aclose()
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    async def subscribers(self, channel: str) -> int:
        client = Redis.from_url(self.url)
        try:
            counts = await client.pubsub_numsub(channel)
            return int(counts[0][1])
        finally:
            await client.aclose()


@pytest.fixture
async def local_redis() -> AsyncIterator[LocalRedis]:
    server = LocalRedis()
    await server.start()
    try:
        yield server
    finally:
        server.stop()


def _event(conversation_id: str = "c-1") -> ConversationChanged:
    now = utcnow()
    snapshot = ConversationSnapshot(
        id=conversation_id,
        customer_id="c001",
        channel="chat",
        state="queued",
        desk="platform_cs",
        shop_id=None,
        assignee_id=None,
        priority=0,
        language="ja",
        queued_at=now,
        last_activity_at=now,
    )
    return ConversationChanged(type="conversation.queued", conversation=snapshot, actor="customer")


class Inbox:
    def __init__(self) -> None:
        self.events: list[MessageCreated | ConversationChanged] = []
        self._arrived = asyncio.Event()

    async def __call__(self, event: MessageCreated | ConversationChanged) -> None:
        self.events.append(event)
        self._arrived.set()

    async def next(self, timeout: float = 5) -> MessageCreated | ConversationChanged:
        await asyncio.wait_for(self._arrived.wait(), timeout)
        self._arrived.clear()
        return self.events[-1]


async def _wait_for_subscribers(server: LocalRedis, channel: str, count: int) -> None:
    for _ in range(400):
        if await server.subscribers(channel) >= count:
            return
        await asyncio.sleep(0.025)
    pytest.fail(f"the buses did not subscribe again to {channel} after Redis restarted")


async def test_a_publish_while_redis_is_down_reaches_this_processes_listeners(local_redis: LocalRedis) -> None:
    bus = RedisBus(local_redis.url, f"test:{uuid.uuid4()}")
    inbox = Inbox()
    bus.subscribe(inbox)
    await bus.start()
    try:
        local_redis.stop()
        sent = _event()
        # Does not raise: the committed change still reaches this process's sockets.
        await bus.publish(sent)
        assert await inbox.next() == sent
        assert bus.outage.down
        # Within the outage the next publish does not wait on Redis again.
        started = asyncio.get_running_loop().time()
        await bus.publish(_event("c-2"))
        assert (await inbox.next()).conversation.id == "c-2"
        assert asyncio.get_running_loop().time() - started < 0.5
    finally:
        await bus.stop()


async def test_a_publish_right_after_a_redis_restart_goes_through_redis(local_redis: LocalRedis) -> None:
    channel = f"test:{uuid.uuid4()}"
    first, second = RedisBus(local_redis.url, channel), RedisBus(local_redis.url, channel)
    inbox = Inbox()
    second.subscribe(inbox)
    await first.start()
    await second.start()
    try:
        # Warm the publishing connection so that it is pooled, then restart Redis under it.
        await first.publish(_event("before"))
        assert (await inbox.next()).conversation.id == "before"
        local_redis.stop()
        await local_redis.start()
        await _wait_for_subscribers(local_redis, channel, 2)
        # The pooled connection is stale: the client retries on a fresh one instead of failing.
        await first.publish(_event("after"))
        assert (await inbox.next()).conversation.id == "after"
        assert not first.outage.down
    finally:
        await first.stop()
        await second.stop()


def _settings(redis_url: str | None, anonymous_messages: str = "20/minute") -> Settings:
    return Settings(
        environment="test",
        database_url="sqlite+aiosqlite:///:memory:",
        redis_url=redis_url,
        bus_channel=f"madoguchi:test:{uuid.uuid4()}",
        smtp_listen="",
        rate_limit_anonymous_messages=anonymous_messages,
    )


async def test_anonymous_limits_are_counted_in_the_process_while_redis_is_down() -> None:
    closed = f"redis://127.0.0.1:{_free_port()}/0"
    limits = RateLimits(_settings(closed, "3/minute"))
    for _ in range(3):
        await limits.anonymous_message("guest-1")
    with pytest.raises(RateLimited):
        await limits.anonymous_message("guest-1")
    # Another customer has an allowance of their own.
    await limits.anonymous_message("guest-2")


async def test_limits_move_back_to_redis_when_it_returns(local_redis: LocalRedis) -> None:
    settings = _settings(local_redis.url, "2/minute")
    limits, other_process = RateLimits(settings), RateLimits(settings)
    local_redis.stop()
    await limits.anonymous_message("guest-1")
    await local_redis.start()
    await asyncio.sleep(5.1)  # past the moment limits skip Redis after a failure
    await limits.anonymous_message("guest-1")
    await other_process.anonymous_message("guest-1")
    # Shared again: the second process counted on top of the first one's hit in Redis.
    with pytest.raises(RateLimited):
        await other_process.anonymous_message("guest-1")


@pytest.mark.postgres  # the machine's Redis
async def test_a_burst_of_anonymous_writers_waits_for_a_redis_connection_instead_of_failing() -> None:
    settings = _settings(REDIS_URL)
    limits = RateLimits(settings)
    try:
        await asyncio.gather(*(limits.anonymous_message(f"guest-{number}") for number in range(400)))
        assert not limits._outage.down
    finally:
        client = Redis.from_url(REDIS_URL)
        try:
            keys = [key async for key in client.scan_iter(match=f"{settings.bus_channel}:limits*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


@pytest.mark.postgres
async def test_chat_goes_on_while_redis_is_down(local_redis: LocalRedis, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_database")
    await _reset_postgres(url)
    settings = Settings(
        environment="test",
        database_url=url,
        redis_url=local_redis.url,
        bus_channel=f"madoguchi:test:{uuid.uuid4()}",
        smtp_listen="",
    )
    async with running_server(settings) as server, ChatClient(server) as chat:
        assert (await chat.say("こんにちは"))["type"] == "ack"
        await chat.message_from("bot")
        local_redis.stop()
        # Anonymous (rate-limited) and published after commit: both without Redis.
        ack = await chat.say("ありがとう")
        assert ack["type"] == "ack"
        # The events of the stored message still reach this process's socket: the bot's answer is shown.
        await chat.message_from("bot")
        await local_redis.start()
        after = await chat.say("よろしくお願いします")
        assert after["type"] == "ack", after


class _BrokenBus(MemoryBus):
    async def publish(self, event: MessageCreated | ConversationChanged) -> None:
        raise RuntimeError("the bus backend failed")


class _Session:
    committed = False

    async def commit(self) -> None:
        self.committed = True


async def test_a_commit_succeeds_and_reaches_local_listeners_when_the_publish_fails() -> None:
    bus = _BrokenBus()
    inbox = Inbox()
    bus.subscribe(inbox)
    await bus.start()
    session = _Session()
    try:
        tx = Tx(cast("AsyncSession", session), bus)
        sent = _event()
        tx.publish_on_commit(sent)
        # Does not raise: the caller goes on to acknowledge what the database now holds.
        await tx.commit()
        assert session.committed
        assert await inbox.next() == sent
    finally:
        await bus.stop()
