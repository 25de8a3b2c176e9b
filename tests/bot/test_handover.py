"""Every trigger of a hand-over: the customer's request for a person (in four languages), two turns the bot
did not understand, strong anger, money or identity the bot cannot settle, and a question asked twice. The
operator receives the intent, the entities and a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Conversation, ConversationEvent
from tests.bot.conftest import guest, signed_in

if TYPE_CHECKING:
    from madoguchi.settings import Settings


async def _handoff(settings: Settings, conversation_id: str) -> tuple[dict[str, Any], Conversation]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            event = await session.scalar(
                select(ConversationEvent).where(
                    ConversationEvent.conversation_id == conversation_id, ConversationEvent.type == "bot.handoff"
                )
            )
            conversation = await session.get(Conversation, conversation_id)
            assert event is not None
            assert conversation is not None
            return event.data, conversation
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ja", "オペレーターと話したい"),
        ("ja", "人と話したい"),
        ("en", "I want to talk to a human"),
        ("en", "agent"),
        ("zh", "转人工客服"),
        ("ko", "상담원과 통화하고 싶어요"),
    ],
)
async def test_asking_for_a_person_hands_over(server: str, settings: Settings, lang: str, text: str) -> None:
    async with guest(server, lang) as chat:
        await chat.ask(text)
        status = await chat.status("queued")
        assert status["desk"] == "platform_cs"
        await chat.message_from("system")
        data, conversation = await _handoff(settings, chat.hello["conversation_id"])
    assert data["reason"] == "asked_for_person"
    assert conversation.state == "queued"


async def test_two_turns_not_understood_hand_over(server: str, settings: Settings) -> None:
    async with guest(server) as chat:
        await chat.ask("あの")
        await chat.bot("別の言葉で")
        await chat.ask("えっと…その…")
        await chat.status("queued")
        data, _ = await _handoff(settings, chat.hello["conversation_id"])
    assert data["reason"] == "low_confidence"


async def test_strong_anger_hands_over_with_a_higher_priority(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c002") as chat:
        await chat.ask("荷物が届かない")
        await chat.bot("どのご注文")
        await chat.ask("何度問い合わせたら気が済むんだ！いい加減にしろ！！")
        await chat.status("queued")
        data, _ = await _handoff(settings, chat.hello["conversation_id"])
    assert data["reason"] == "anger"
    assert data["intent"] == "delivery_problem"
    assert data["priority"] in ("high", "urgent")


async def test_money_the_bot_cannot_settle_goes_to_payments(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c011", "en") as chat:
        await chat.ask("I was charged twice for my order MD-59945722")
        status = await chat.status("queued")
        data, conversation = await _handoff(settings, chat.hello["conversation_id"])
    assert status["desk"] == "payments"
    assert data["intent"] == "payment_issue"
    assert {"type": "order_number", "value": "MD-59945722"}.items() <= data["entities"][0].items()
    assert data["summary"].startswith("payment_issue")
    assert conversation.state == "queued"


async def test_a_taken_over_account_goes_to_member_support_urgently(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c004") as chat:
        await chat.ask("アカウントが乗っ取られたかもしれない")
        assert "/help/password-reset" in await chat.bot("パスワード")
        status = await chat.status("queued")
        data, _ = await _handoff(settings, chat.hello["conversation_id"])
    assert status["desk"] == "member_support"
    assert data["priority"] == "urgent"


async def test_membership_cancellation_waits_for_a_yes_then_goes_to_the_membership_desk(
    server: str, settings: Settings
) -> None:
    async with signed_in(server, settings, "c003") as chat:
        await chat.ask("プレミアム会員を解約したい")
        await chat.bot("解約の手続きに進みますか")
        await chat.ask("はい")
        status = await chat.status("queued")
    assert status["desk"] == "membership"


async def test_a_question_is_never_asked_a_third_time(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c018") as chat:
        await chat.ask("返品したい")
        await chat.ask("MD-28403327")
        await chat.bot("返送方法")
        await chat.ask("わからない")
        await chat.bot("ボタンから")
        await chat.ask("どっちでもない")
        await chat.status("queued")
        data, _ = await _handoff(settings, chat.hello["conversation_id"])
    assert data["reason"] == "repeated_question"
    assert "order MD-28403327" in data["summary"]


async def test_a_failing_bot_keeps_the_message_changes_nothing_and_hands_over(
    server: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from madoguchi.bot.engine import Bot
    from madoguchi.commerce.demo import DemoStore

    async def cancel_then_fail(self: Bot, state: Any, text: str, understood: Any, ctx: Any) -> Any:
        await DemoStore(ctx.session).cancel("c001", "MD-14192372")
        raise RuntimeError("a bug in a flow")

    monkeypatch.setattr(Bot, "respond", cancel_then_fail)
    async with signed_in(server, settings, "c001") as chat:
        ack = await chat.ask("MD-14192372をキャンセルして")
        assert ack["duplicate"] is False
        status = await chat.status("queued")
        data, _ = await _handoff(settings, chat.hello["conversation_id"])
    assert status["desk"] == "platform_cs"
    assert data["reason"] == "bot_error"
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            from madoguchi.store.models import Order

            order = await session.get(Order, "MD-14192372")
            assert order is not None
            assert order.status == "preparing"  # the half-done cancellation was rolled back
    finally:
        await engine.dispose()
