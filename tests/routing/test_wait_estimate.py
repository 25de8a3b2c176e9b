"""What a queued customer is told about the line: the place in it and the wait, on both databases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from madoguchi.conversations.queries import queue_position
from madoguchi.store.models import Conversation
from tests.routing.test_live_routing import queued_chat

if TYPE_CHECKING:
    from madoguchi.domain.clock import Clock
    from madoguchi.runtime import Runtime


async def _position(runtime: Runtime, conversation_id: str) -> int | None:
    async with runtime.sessions() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None
        return await queue_position(session, row)


async def test_the_queue_position_counts_only_the_customers_own_line(runtime: Runtime, clock: Clock) -> None:
    now = clock.now()
    first_hikari, _ = await queued_chat(runtime, customer="c001", shop="hikari-denki", now=now)
    second_hikari, _ = await queued_chat(runtime, customer="c003", shop="hikari-denki", now=now)
    english, _ = await queued_chat(runtime, customer="c002", language="en", intent="cancel_order", now=now)
    kotonoha, _ = await queued_chat(runtime, customer="c001", shop="kyoto-kotonoha", now=now)
    japanese, _ = await queued_chat(runtime, customer="c003", intent="cancel_order", now=now)
    # Another shop's inbox is another line, and so are the platform's operators of another language.
    assert await _position(runtime, kotonoha) == 1
    assert await _position(runtime, japanese) == 1
    assert await _position(runtime, english) == 1
    assert await _position(runtime, first_hikari) == 1
    assert await _position(runtime, second_hikari) == 2
