"""The routing worker resolves the chats their customers left with the bot: after MADOGUCHI_BOT_IDLE_MINUTES of
the customer's silence, as the bot, a bounded number per pass, each once however many processes run the pass.
Time is the test's clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from madoguchi.conversations import actions
from madoguchi.routing import idle, worker
from madoguchi.runtime import Runtime, start_runtime, stop_runtime
from madoguchi.settings import Settings
from madoguchi.store.models import Conversation, ConversationEvent, Message
from tests.routing.test_live_routing import agent

if TYPE_CHECKING:
    from madoguchi.domain.clock import Clock


async def chat_with_the_bot(runtime: Runtime, *, customer: str = "c002", words: int = 1) -> str:
    """A chat the bot is answering, in which the customer has written `words` messages (0: none yet)."""
    async with runtime.transaction() as tx:
        conversation = await actions.do_open_chat(tx, customer_id=customer, shop_id=None, language="ja")
        for number in range(words):
            await actions.do_receive_customer_message(
                tx, conversation, text="こんにちは", client_id=f"c{number}", bot_answers=True
            )
        await tx.commit()
        return conversation.id


async def write(runtime: Runtime, conversation_id: str, client_id: str) -> None:
    async with runtime.transaction() as tx:
        conversation = await tx.session.get(Conversation, conversation_id)
        assert conversation is not None
        await actions.do_receive_customer_message(
            tx, conversation, text="まだいます", client_id=client_id, bot_answers=True
        )
        await tx.commit()


async def state_of(runtime: Runtime, conversation_id: str) -> str:
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.state


async def resolutions(runtime: Runtime, conversation_id: str) -> list[ConversationEvent]:
    async with runtime.sessions() as session:
        return list(
            await session.scalars(
                select(ConversationEvent).where(
                    ConversationEvent.conversation_id == conversation_id,
                    ConversationEvent.type == "conversation.resolved",
                )
            )
        )


async def test_a_chat_left_with_the_bot_is_resolved_by_the_bot(runtime: Runtime, clock: Clock) -> None:
    left = await chat_with_the_bot(runtime)
    clock.advance(timedelta(minutes=29))
    assert (await worker.tick(runtime))["idle_resolved"] == 0
    assert await state_of(runtime, left) == "bot"

    clock.advance(timedelta(minutes=2))
    assert (await worker.tick(runtime))["idle_resolved"] == 1
    assert await state_of(runtime, left) == "resolved"
    (resolved,) = await resolutions(runtime, left)
    assert resolved.actor == "bot"
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, left)
        assert conversation is not None
        # At the pass's time on the test's clock, not the machine's.
        assert conversation.resolved_at is not None
        assert clock.now() - timedelta(seconds=10) <= conversation.resolved_at <= clock.now()
        assert conversation.queued_at is None  # never handed over: the bot's resolution
        notice = await session.scalar(
            select(Message.text)
            .where(Message.conversation_id == left, Message.author == "system")
            .order_by(Message.created_at.desc())
            .limit(1)
        )
    assert notice is not None
    assert notice.startswith("しばらくご入力がなかったため")
    # Later passes leave it be.
    clock.advance(timedelta(hours=1))
    assert (await worker.tick(runtime))["idle_resolved"] == 0
    assert len(await resolutions(runtime, left)) == 1


async def test_silence_counts_from_the_customers_last_message(runtime: Runtime, clock: Clock) -> None:
    talking = await chat_with_the_bot(runtime)
    clock.advance(timedelta(minutes=20))
    await write(runtime, talking, "later")
    clock.advance(timedelta(minutes=20))
    await worker.tick(runtime)
    assert await state_of(runtime, talking) == "bot"
    clock.advance(timedelta(minutes=11))
    await worker.tick(runtime)
    assert await state_of(runtime, talking) == "resolved"


async def test_one_process_looks_for_left_chats_at_most_once_a_minute(runtime: Runtime, clock: Clock) -> None:
    first = await chat_with_the_bot(runtime, customer="c002")
    clock.advance(timedelta(seconds=30))
    second = await chat_with_the_bot(runtime, customer="c003")
    clock.advance(timedelta(minutes=29, seconds=40))
    assert (await worker.tick(runtime))["idle_resolved"] == 1
    assert await state_of(runtime, first) == "resolved"
    clock.advance(timedelta(seconds=30))  # the second chat is now quiet for 30 minutes too
    assert (await worker.tick(runtime))["idle_resolved"] == 0
    assert await state_of(runtime, second) == "bot"
    clock.advance(timedelta(seconds=31))
    assert (await worker.tick(runtime))["idle_resolved"] == 1
    assert await state_of(runtime, second) == "resolved"


async def test_chats_without_a_word_and_chats_with_people_are_left_alone(runtime: Runtime, clock: Clock) -> None:
    unopened = await chat_with_the_bot(runtime, words=0)
    async with runtime.transaction() as tx:
        # Without the bot answering, the first message queues the conversation for an operator.
        queued = await actions.do_open_chat(tx, customer_id="c003", shop_id=None, language="ja")
        await actions.do_receive_customer_message(tx, queued, text="至急お願いします", client_id="q1")
        taken = await actions.do_open_chat(tx, customer_id="c004", shop_id=None, language="ja")
        await actions.do_receive_customer_message(tx, taken, text="返金について", client_id="t1")
        await actions.do_take(tx, await agent(runtime, "tanaka@madoguchi.localhost"), taken)
        await tx.commit()
    clock.advance(timedelta(hours=3))
    assert (await worker.tick(runtime))["idle_resolved"] == 0
    assert await state_of(runtime, unopened) == "bot"
    assert await state_of(runtime, queued.id) == "queued"
    assert await state_of(runtime, taken.id) == "assigned"


async def test_the_idle_time_is_a_setting(settings: Settings, clock: Clock) -> None:
    quick = await start_runtime(settings.model_copy(update={"routing_tick_seconds": 3600.0, "bot_idle_minutes": 5}))
    try:
        left = await chat_with_the_bot(quick)
        clock.advance(timedelta(minutes=4))
        await worker.tick(quick)
        assert await state_of(quick, left) == "bot"
        clock.advance(timedelta(minutes=2))
        await worker.tick(quick)
        assert await state_of(quick, left) == "resolved"
    finally:
        await stop_runtime(quick)


@pytest.mark.parametrize("minutes", ["0", "-5", "10081", "half an hour"])
def test_the_idle_time_must_be_minutes_from_one_to_a_week(minutes: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MADOGUCHI_BOT_IDLE_MINUTES", minutes)
    with pytest.raises(ValidationError, match="bot_idle_minutes"):
        Settings()


def test_the_idle_time_is_half_an_hour_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MADOGUCHI_BOT_IDLE_MINUTES", raising=False)
    assert Settings().bot_idle_minutes == 30
    monkeypatch.setenv("MADOGUCHI_BOT_IDLE_MINUTES", "90")
    assert Settings().bot_idle_minutes == 90


async def test_a_pass_resolves_a_bounded_number(runtime: Runtime, clock: Clock) -> None:
    left = [await chat_with_the_bot(runtime, customer=customer) for customer in ("c002", "c003", "c004")]
    clock.advance(timedelta(hours=1))
    now = clock.now()
    async with runtime.transaction() as tx:
        first = await idle.do_resolve_idle_bot_chats(tx, now, timedelta(minutes=30), limit=2)
        await tx.commit()
    async with runtime.transaction() as tx:
        rest = await idle.do_resolve_idle_bot_chats(tx, now, timedelta(minutes=30), limit=2)
        await tx.commit()
    assert len(first) == 2
    assert len(rest) == 1
    assert sorted(first + rest) == sorted(left)


async def test_a_chat_another_process_holds_is_skipped_not_waited_for(settings: Settings, clock: Clock) -> None:
    """SKIP LOCKED: a pass does not wait for a row another process has locked (it takes it next time)."""
    if settings.is_sqlite:
        pytest.skip("several server processes share PostgreSQL; SQLite serves one process (DESIGN.md)")
    quiet = settings.model_copy(update={"routing_tick_seconds": 3600.0})
    first, second = await start_runtime(quiet), await start_runtime(quiet)
    try:
        held, free = await chat_with_the_bot(first, customer="c002"), await chat_with_the_bot(first, customer="c003")
        clock.advance(timedelta(hours=1))
        async with second.transaction() as holder:
            await holder.session.scalar(select(Conversation).where(Conversation.id == held).with_for_update())
            async with first.transaction() as tx:
                taken = await asyncio.wait_for(
                    idle.do_resolve_idle_bot_chats(tx, clock.now(), timedelta(minutes=30)), timeout=5
                )
                await tx.commit()
            assert taken == [free]
        assert (await worker.tick(first))["idle_resolved"] == 1
        assert await state_of(first, held) == "resolved"
    finally:
        await stop_runtime(second)
        await stop_runtime(first)


async def test_two_processes_resolve_each_idle_chat_once(settings: Settings, clock: Clock) -> None:
    if settings.is_sqlite:
        pytest.skip("several server processes share PostgreSQL; SQLite serves one process (DESIGN.md)")
    quiet = settings.model_copy(update={"routing_tick_seconds": 3600.0})
    first, second = await start_runtime(quiet), await start_runtime(quiet)
    try:
        left = [await chat_with_the_bot(first, customer=customer) for customer in ("c002", "c003", "c004", "c005")]
        clock.advance(timedelta(hours=1))
        passes = await asyncio.gather(worker.tick(first), worker.tick(second))
        assert sum(result["idle_resolved"] for result in passes) == len(left)
        for conversation_id in left:
            assert len(await resolutions(first, conversation_id)) == 1
    finally:
        await stop_runtime(second)
        await stop_runtime(first)
