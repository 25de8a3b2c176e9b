"""What a queued customer is told about the line: the place in it and the wait, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from madoguchi.channels.chat_frames import ChatFrames
from madoguchi.channels.hub import Hub
from madoguchi.conversations.queries import queue_position
from madoguchi.conversations.views import snapshot
from madoguchi.store.models import Conversation
from tests.routing.test_live_routing import SATURDAY_10, _available, queued_chat, system_texts

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


async def _status(runtime: Runtime, conversation_id: str, at: datetime) -> dict[str, Any]:
    async with runtime.sessions() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None
        view = snapshot(row)
    return await ChatFrames(Hub(), runtime.sessions, lambda: at).status_frame(view)


async def test_a_closed_desk_gives_its_opening_and_no_wait_even_with_an_agent_available(
    runtime: Runtime, clock: Clock
) -> None:
    clock.set(SATURDAY_10)
    # Someone of the business desk is signed in on Saturday: the desk is still closed to customers.
    await _available(runtime, ("park@madoguchi.localhost", SATURDAY_10 - timedelta(minutes=5)))
    conversation_id, placement = await queued_chat(runtime, intent="business_account", now=SATURDAY_10)
    monday_9 = datetime(2026, 11, 30, 0, tzinfo=UTC)
    assert (placement.open_now, placement.opens_at, placement.eta_seconds) == (False, monday_9, None)
    status = await _status(runtime, conversation_id, SATURDAY_10)
    assert status["queue_position"] == 1
    assert status["eta_seconds"] is None
    assert status["desk_open"] is False
    assert status["opens_at"] == monday_9.isoformat()
    assert status["nobody_on_duty"] is False


async def test_an_open_desk_with_nobody_on_duty_gives_no_wait_and_offers_a_callback_or_mail(
    runtime: Runtime, clock: Clock
) -> None:
    now = clock.now()
    conversation_id, placement = await queued_chat(runtime, intent="digital_services", now=now)
    assert placement.open_now
    assert placement.eta_seconds is None
    assert "nobody_on_duty" in placement.reasons
    (notice,) = [text for text in await system_texts(runtime, conversation_id) if "担当者がおりません" in text]
    assert "折り返し" in notice
    assert "メール" in notice
    status = await _status(runtime, conversation_id, now)
    assert (status["eta_seconds"], status["desk_open"], status["nobody_on_duty"]) == (None, True, True)
