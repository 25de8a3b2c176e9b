"""The chat answers in the language the customer writes in, turn by turn, whatever the profile says: every
bot sentence, button and system notice of the main flows (return, cancellation, tracking, hand-over to a closed
desk) in Chinese and Korean has no Japanese kana and is not English, and an English conversation has none
either. Names the shop wrote (its items) are data, not wording, and are left out of the check."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from madoguchi.demo.seed import load_demo_data
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Conversation, Message, Order, ReturnRequest
from tests.bot.conftest import BotChat, guest, signed_in

if TYPE_CHECKING:
    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings

TOKYO = ZoneInfo("Asia/Tokyo")
KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
HANGUL = re.compile("[\uac00-\ud7af]")
HAN = re.compile("[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _item_names() -> tuple[str, ...]:
    names = {item.name for order in load_demo_data().orders for item in order.items}
    # Longest first, so that a name containing another is removed whole.
    return tuple(sorted(names, key=len, reverse=True))


def _wording(text: str) -> str:
    for name in _item_names():
        text = text.replace(name, "")
    return text


async def _conversation(settings: Settings, chat: BotChat) -> tuple[Conversation, list[Message]]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            conversation_id = chat.hello["conversation_id"]
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            rows = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id, Message.author.in_(("bot", "system")))
                .order_by(Message.created_at)
            )
            return conversation, list(rows)
    finally:
        await engine.dispose()


async def _read_status(settings: Settings, number: str) -> str | None:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(select(Order.status).where(Order.number == number))
    finally:
        await engine.dispose()


async def _return_code(settings: Settings, number: str) -> str | None:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(select(ReturnRequest.code).where(ReturnRequest.order_number == number))
    finally:
        await engine.dispose()


def assert_all_in(language: str, messages: list[Message]) -> None:
    """Every reply is in `language`: no kana outside Japanese, the language's own script in Chinese and Korean, and
    no Han or hangul in English."""
    assert messages
    for message in messages:
        text = _wording(message.text)
        if language != "ja":
            assert not KANA.search(text), (language, message.author, message.text)
        if language == "zh":
            assert HAN.search(text), message.text
            assert not HANGUL.search(text), message.text
        elif language == "ko":
            assert HANGUL.search(text), message.text
        elif language == "en":
            assert not HAN.search(text), message.text
            assert not HANGUL.search(text), message.text
        elif language == "ja":
            assert KANA.search(text), message.text


def _labels(ack: dict[str, object]) -> list[str]:
    suggestions = ack.get("suggestions")
    assert isinstance(suggestions, dict)
    return [reply["label"] for reply in suggestions["quick_replies"]]


# --- the language follows what the customer writes -------------------------------------------------------------


async def test_an_english_message_from_a_japanese_profile_is_answered_in_english(
    server: str, settings: Settings
) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("I want to cancel my order")
        await chat.bot("Which order")
        ack = await chat.ask("MD-14192372")
        await chat.bot("Shall I go ahead")
        assert _labels(ack) == ["Yes", "No"]
        await chat.ask("yes please")
        await chat.bot("is cancelled")
        conversation, messages = await _conversation(settings, chat)
    assert conversation.language == "en"
    assert await _read_status(settings, "MD-14192372") == "cancelled"
    assert_all_in("en", messages)


async def test_a_japanese_message_from_an_english_profile_is_answered_in_japanese(
    server: str, settings: Settings
) -> None:
    async with signed_in(server, settings, "c024", "en") as chat:
        await chat.ask("注文した商品をキャンセルしたいです")
        await chat.bot("どのご注文")
        await chat.ask("MD-80569615")
        await chat.bot("よろしいですか")
        # Too short to tell a language: the conversation's stays Japanese.
        await chat.ask("OK")
        await chat.bot("キャンセルしました")
        conversation, messages = await _conversation(settings, chat)
    assert conversation.language == "ja"
    assert_all_in("ja", messages)


async def test_the_language_changes_with_the_customer_mid_conversation(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c027", "zh") as chat:
        await chat.ask("我的订单 MD-85914955 到哪里了")
        await chat.bot("MD-85914955")
        await chat.ask("Where is my order MD-94346805?")
        await chat.bot("Order MD-94346805")
        conversation, messages = await _conversation(settings, chat)
    assert conversation.language == "en"
    assert_all_in("zh", messages[: len(messages) // 2])
    assert_all_in("en", [message for message in messages if "MD-94346805" in message.text])


# --- Chinese ----------------------------------------------------------------------------------------------------


async def test_a_return_in_chinese_is_chinese_to_the_return_code(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c028", "zh") as chat:
        await chat.ask("我想退货")
        await chat.bot("哪一笔订单")
        ack = await chat.ask("MD-87927479")
        await chat.bot("寄回方式")
        assert _labels(ack) == ["便利店寄回", "上门取件"]
        ack = await chat.ask("便利店寄回")
        await chat.bot("确定吗")
        assert _labels(ack) == ["是", "否"]
        await chat.ask("好的")
        text = await chat.bot("退货码")
        _, messages = await _conversation(settings, chat)
    code = await _return_code(settings, "MD-87927479")
    assert code is not None
    assert code in text
    assert_all_in("zh", messages)


async def test_a_cancellation_in_chinese_is_chinese_to_the_result(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c027", "zh") as chat:
        await chat.ask("我想取消订单 MD-90659914")
        assert "日元" in await chat.bot("确定吗")
        await chat.ask("可以")
        assert "尚未付款" in await chat.bot("已取消")
        _, messages = await _conversation(settings, chat)
    assert await _read_status(settings, "MD-90659914") == "cancelled"
    assert_all_in("zh", messages)


async def test_tracking_in_chinese_names_the_carrier_and_its_hours_in_chinese(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c027", "zh") as chat:
        await chat.ask("我的包裹 MD-85914955 到哪里了")
        text = await chat.bot("承运商")
        _, messages = await _conversation(settings, chat)
    assert "佐川急便（Sagawa Express）咨询服务中心" in text
    assert "0570-01-0082" in text
    assert_all_in("zh", messages)


async def test_a_hand_over_to_a_closed_desk_in_chinese(server: str, settings: Settings, clock: Clock) -> None:
    # A Wednesday, 23:00 in Tokyo: the payments desk opens at 9:00 on Thursday.
    clock.set(datetime(2026, 12, 9, 23, 0, tzinfo=TOKYO))
    async with signed_in(server, settings, "c027", "zh") as chat:
        await chat.ask("付款失败了")
        await chat.status("queued")
        closed = await chat.message_from("system", "不在服务时间")
        _, messages = await _conversation(settings, chat)
    assert "付款咨询窗口" in closed["text"]
    assert "12月10日（周四）9:00" in closed["text"]
    assert_all_in("zh", messages)


# --- Korean -----------------------------------------------------------------------------------------------------


async def test_a_return_in_korean_from_a_japanese_profile_is_korean(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("반품하고 싶어요")
        await chat.ask("MD-59500241")
        await chat.bot("반송 방법")
        await chat.ask("방문 수거")
        await chat.bot("진행할까요")
        await chat.ask("네, 진행해 주세요")
        text = await chat.bot("반품 코드")
        conversation, messages = await _conversation(settings, chat)
    assert conversation.language == "ko"
    code = await _return_code(settings, "MD-59500241")
    assert code is not None
    assert code in text
    assert_all_in("ko", messages)


async def test_a_cancellation_in_korean_is_declined_with_a_natural_no(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c001") as chat:
        await chat.ask("주문 MD-14192372 취소하고 싶어요")
        await chat.bot("진행할까요")
        await chat.ask("아니요, 괜찮아요")
        await chat.bot("변경하지 않았습니다")
        _, messages = await _conversation(settings, chat)
    assert await _read_status(settings, "MD-14192372") == "preparing"
    assert_all_in("ko", messages)


async def test_tracking_in_korean_names_the_carrier_in_korean(server: str, settings: Settings) -> None:
    async with signed_in(server, settings, "c029", "ko") as chat:
        await chat.ask("주문 MD-49369511 배송 조회")
        text = await chat.bot("배송업체")
        _, messages = await _conversation(settings, chat)
    assert "야마토 운수(Yamato Transport)" in text
    assert "매일 8:00~21:00" in text
    assert_all_in("ko", messages)


async def test_a_hand_over_to_a_closed_desk_in_korean(server: str, settings: Settings, clock: Clock) -> None:
    clock.set(datetime(2026, 12, 9, 23, 0, tzinfo=TOKYO))
    async with signed_in(server, settings, "c029", "ko") as chat:
        await chat.ask("카드 결제가 안 돼요. 결제 오류가 나요")
        await chat.status("queued")
        closed = await chat.message_from("system", "접수 시간이 아닙니다")
        _, messages = await _conversation(settings, chat)
    assert "결제 창구" in closed["text"]
    assert "12월 10일(목) 9:00" in closed["text"]
    assert_all_in("ko", messages)


async def test_a_guest_writing_chinese_on_a_japanese_page_is_answered_in_chinese(
    server: str, settings: Settings
) -> None:
    async with guest(server, "ja") as chat:
        await chat.ask("转人工客服")
        await chat.status("queued")
        await chat.message_from("system")
        conversation, messages = await _conversation(settings, chat)
    assert conversation.language == "zh"
    assert_all_in("zh", messages)
