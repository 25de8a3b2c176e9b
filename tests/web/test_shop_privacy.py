"""What reaches a shop's staff, on every path: the conversation view and its events, the lists, the live
feed, canned responses and suggestions. A chat that began with the platform and moved to a shop shows the
shop only its own part, and no operator ever receives a customer's signed download link."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import websockets
from sqlalchemy import update

from madoguchi.conversations.views import EARLIER_WITH_PLATFORM
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Conversation
from madoguchi.trust.identity import sign_token
from tests.helpers import AGENT_TANAKA, CUSTOMER_SATO, SHOP_AGENT_KOBAYASHI, SHOP_AGENT_YAMADA, ChatClient, Console

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from madoguchi.settings import Settings

# 佐藤さん (c001): a platform order with its tracking number, a platform order with a receipt, and an order of
# 京都ことのは (the shop of SHOP_AGENT_YAMADA) in transit.
PLATFORM_ORDER, PLATFORM_TRACKING = "MD-84499376", "461405323525"
RECEIPT_ORDER = "MD-59500241"
SHOP_ORDER, SHOP_TRACKING = "MD-61422141", "13015925953"
# What the platform part of the chat holds and a shop must never read.
PLATFORM_ONLY = (PLATFORM_ORDER, PLATFORM_TRACKING, RECEIPT_ORDER, "/api/v1/downloads", "signature=")
# Anywhere an operator reads.
SIGNED_LINK_MARKS = ("/api/v1/downloads", "signature=")


def _leaks(value: Any, marks: tuple[str, ...]) -> list[str]:
    text = json.dumps(value, ensure_ascii=False)
    return [mark for mark in marks if mark in text]


async def _ask(chat: ChatClient, text: str, answer_containing: str) -> None:
    ack = await chat.say(text)
    assert ack["type"] == "ack", ack
    await chat.message_from("bot", answer_containing)


async def _platform_then_shop(server: str, settings: Settings) -> ChatClient:
    """A signed-in customer asks the bot about platform orders (tracking, a receipt, the transcripts), then
    about a shop's order: the bot hands the chat to that shop."""
    chat = ChatClient(server, token=sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600), lang="ja")
    await chat.__aenter__()
    await _ask(chat, f"注文した荷物の追跡番号を知りたい {PLATFORM_ORDER}", PLATFORM_TRACKING)
    await _ask(chat, "領収書をダウンロードしたい", "")
    await _ask(chat, RECEIPT_ORDER, f"/api/v1/downloads/receipt/{RECEIPT_ORDER}")
    await _ask(chat, "過去のチャット履歴を見たい", "/api/v1/downloads/transcript/")
    await _ask(chat, "荷物が全然届かないんですけど", "")
    await _ask(chat, SHOP_ORDER, "茶舗ことの葉")
    assert (await chat.status("queued"))["desk"] == "shop"
    return chat


def _feed(console: Console) -> websockets.connect:
    return websockets.connect(console.feed_url(), additional_headers={"Cookie": console.cookie_header()})


async def _frames_until_quiet(feed: ClientConnection, quiet_s: float = 1.0) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while True:
        try:
            frames.append(json.loads(await asyncio.wait_for(feed.recv(), quiet_s)))
        except TimeoutError:
            return frames


async def test_a_shop_reads_only_its_part_of_a_chat_that_began_with_the_platform(
    server: str, settings: Settings
) -> None:
    chat = await _platform_then_shop(server, settings)
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        detail = (await yamada.get(f"/api/v1/console/conversations/{conversation_id}")).json()
        texts = [message["text"] for message in detail["messages"]]
        assert texts[0] == EARLIER_WITH_PLATFORM
        assert detail["messages"][0]["author"] == "system"
        # The shop's part starts with the customer's message that brought the chat to the shop.
        assert texts[1] == SHOP_ORDER
        assert any("茶舗ことの葉" in text for text in texts)
        assert _leaks(detail, PLATFORM_ONLY) == []
        # The events too: the classification of the platform questions, the receipt, the bot's links.
        assert "bot.receipt_link" not in {event["type"] for event in detail["events"]}
        assert "bot.handoff" in {event["type"] for event in detail["events"]}
        queue = (await yamada.lists())["queue"]
        assert _leaks([item for item in queue if item["id"] == conversation_id], PLATFORM_ONLY) == []
        # Taking it answers with the same view.
        assert _leaks(await yamada.take(conversation_id), PLATFORM_ONLY) == []
    await chat.__aexit__()


async def test_platform_staff_read_the_whole_chat_without_the_customers_signed_links(
    server: str, settings: Settings
) -> None:
    chat = await _platform_then_shop(server, settings)
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *AGENT_TANAKA) as tanaka:
        detail = (await tanaka.get(f"/api/v1/console/conversations/{conversation_id}")).json()
        texts = "\n".join(message["text"] for message in detail["messages"])
        assert PLATFORM_TRACKING in texts
        assert RECEIPT_ORDER in texts
        assert EARLIER_WITH_PLATFORM not in texts
        assert _leaks(detail, SIGNED_LINK_MARKS) == []
    # The customer still has every link, in the chat and in the history of a resumed chat.
    assert any("/api/v1/downloads/receipt/" in frame.get("message", {}).get("text", "") for frame in chat.frames)
    await chat.__aexit__()


async def test_the_live_feed_gives_a_shop_only_what_was_said_once_the_chat_was_theirs(
    server: str, settings: Settings
) -> None:
    async with (
        Console(server, *SHOP_AGENT_YAMADA) as yamada,
        Console(server, *AGENT_TANAKA) as tanaka,
        _feed(yamada) as shop_feed,
        _feed(tanaka) as platform_feed,
    ):
        for feed in (shop_feed, platform_feed):
            assert json.loads(await feed.recv())["type"] == "hello"
        chat = await _platform_then_shop(server, settings)
        conversation_id = chat.hello["conversation_id"]
        shop_frames = await _frames_until_quiet(shop_feed)
        platform_frames = await _frames_until_quiet(platform_feed, 0.2)
        mine = [frame["event"] for frame in shop_frames if frame["event"]["conversation"]["id"] == conversation_id]
        assert "conversation.queued" in {event["type"] for event in mine}
        assert _leaks(shop_frames, PLATFORM_ONLY) == []
        platform_messages = [
            event["message"]["text"]
            for frame in platform_frames
            if (event := frame["event"])["type"] == "message.created" and event["conversation"]["id"] == conversation_id
        ]
        assert any(PLATFORM_TRACKING in text for text in platform_messages)
        assert _leaks(platform_frames, SIGNED_LINK_MARKS) == []
        await chat.__aexit__()


async def test_suggestions_and_canned_replies_for_a_shop_speak_only_of_its_order(
    server: str, settings: Settings
) -> None:
    chat = await _platform_then_shop(server, settings)
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        base = f"/api/v1/console/conversations/{conversation_id}"
        canned = (await yamada.get(f"{base}/canned")).json()
        tracking = next(item for item in canned if item["shortcut"] == "tracking")
        assert SHOP_ORDER in tracking["text"]
        assert SHOP_TRACKING in tracking["text"]
        assert _leaks(canned, PLATFORM_ONLY) == []
        context = (await yamada.get(f"{base}/context")).json()
        assert context["suggestions"]
        assert _leaks(context, PLATFORM_ONLY) == []
    await chat.__aexit__()


async def _set_order_number(settings: Settings, conversation_id: str, number: str) -> None:
    """The order a conversation is about, as placement records it from a number the customer typed."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await session.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(order_number=number)
            )
            await session.commit()
    finally:
        await engine.dispose()


async def test_canned_replies_never_fill_in_an_order_typed_in_an_anonymous_chat(
    server: str, settings: Settings
) -> None:
    async with ChatClient(server, lang="ja") as chat:
        await chat.say(f"{PLATFORM_ORDER} の荷物はどこですか")
        await _set_order_number(settings, chat.hello["conversation_id"], PLATFORM_ORDER)
        async with Console(server, *AGENT_TANAKA) as tanaka:
            base = f"/api/v1/console/conversations/{chat.hello['conversation_id']}"
            canned = (await tanaka.get(f"{base}/canned")).json()
            tracking = next(item for item in canned if item["shortcut"] == "tracking")
            assert "{order}" in tracking["text"]
            assert "{tracking}" in tracking["text"]
            assert _leaks(canned, (PLATFORM_TRACKING,)) == []
            context = (await tanaka.get(f"{base}/context")).json()
            assert _leaks(context["suggestions"], (PLATFORM_TRACKING,)) == []


async def test_canned_replies_for_a_shop_never_fill_in_another_sellers_order(server: str, settings: Settings) -> None:
    token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
    async with ChatClient(server, token=token, shop="hikari-denki", lang="ja") as chat:
        await chat.say("注文について質問があります")
        # The conversation names 佐藤さん's platform order: ひかり電機 is told neither it nor its tracking.
        await _set_order_number(settings, chat.hello["conversation_id"], PLATFORM_ORDER)
        async with Console(server, *SHOP_AGENT_KOBAYASHI) as kobayashi:
            canned = (
                await kobayashi.get(f"/api/v1/console/conversations/{chat.hello['conversation_id']}/canned")
            ).json()
            tracking = next(item for item in canned if item["shortcut"] == "tracking")
            assert PLATFORM_ORDER not in tracking["text"]
            assert PLATFORM_TRACKING not in tracking["text"]
            # The shop's own latest order of this customer is what it may speak of.
            assert "MD-80679381" in tracking["text"]
