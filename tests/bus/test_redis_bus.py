"""Events published in one process reach the listeners of another through Redis."""

from __future__ import annotations

import asyncio

import pytest

from madoguchi.bus import ConversationChanged, ConversationSnapshot, MessageCreated
from madoguchi.bus.base import MemoryBus
from madoguchi.bus.redis import RedisBus
from madoguchi.domain.clock import utcnow
from tests.conftest import BUS_CHANNEL, REDIS_URL


def _event() -> ConversationChanged:
    now = utcnow()
    snapshot = ConversationSnapshot(
        id="c-1",
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


@pytest.mark.postgres  # runs with the PostgreSQL + Redis services
async def test_event_crosses_from_one_redis_bus_to_another() -> None:
    first, second = RedisBus(REDIS_URL, BUS_CHANNEL), RedisBus(REDIS_URL, BUS_CHANNEL)
    received: list[MessageCreated | ConversationChanged] = []
    arrived = asyncio.Event()

    async def listener(event: MessageCreated | ConversationChanged) -> None:
        received.append(event)
        arrived.set()

    second.subscribe(listener)
    await first.start()
    await second.start()
    try:
        sent = _event()
        await first.publish(sent)
        await asyncio.wait_for(arrived.wait(), 5)
        assert received == [sent]
    finally:
        await first.stop()
        await second.stop()


async def test_a_failing_listener_does_not_keep_the_event_from_others() -> None:
    bus = MemoryBus()
    delivered: list[str] = []

    async def broken(event: MessageCreated | ConversationChanged) -> None:
        raise RuntimeError("socket closed")

    async def healthy(event: MessageCreated | ConversationChanged) -> None:
        delivered.append(event.type)

    bus.subscribe(broken)
    bus.subscribe(healthy)
    await bus.start()
    try:
        await bus.publish(_event())
        await bus.drained()
        assert delivered == ["conversation.queued"]
    finally:
        await bus.stop()
