"""Ending a chat over the customer's socket: the `end` frame, its acknowledgement and resends, and who resolved
the conversation."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import websockets
from sqlalchemy import select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Conversation, ConversationEvent
from tests.helpers import AGENT_TANAKA, ChatClient, Console

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from madoguchi.settings import Settings

SUPERVISOR_NAKAMURA = ("nakamura@madoguchi.localhost", "demo-supervisor")
# A greeting the bot answers itself: the chat stays with the bot.
STAYS_WITH_THE_BOT = "こんにちは"
# A first message the bot hands to the platform's queue.
QUEUES = "オペレーターと話したい"


async def _events(settings: Settings, conversation_id: str, type_: str) -> list[ConversationEvent]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(
                select(ConversationEvent)
                .where(ConversationEvent.conversation_id == conversation_id, ConversationEvent.type == type_)
                .order_by(ConversationEvent.id)
            )
            return list(rows)
    finally:
        await engine.dispose()


async def _conversation(settings: Settings, conversation_id: str) -> Conversation:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            row = await session.get(Conversation, conversation_id)
            assert row is not None
            return row
    finally:
        await engine.dispose()


async def _send(chat: ChatClient, frame: dict[str, Any]) -> dict[str, Any]:
    """Send a frame with a client id; its `ack` or `error`."""
    await chat.send_raw(json.dumps(frame))
    return await chat.wait_for(
        lambda answer: answer["type"] in ("ack", "error") and answer.get("client_id") == frame["client_id"]
    )


async def end(chat: ChatClient, client_id: str | None = None) -> dict[str, Any]:
    return await _send(chat, {"type": "end", "client_id": client_id or str(uuid.uuid4())})


async def bot_chat(server: str) -> ChatClient:
    chat = ChatClient(server, lang="ja")
    await chat.__aenter__()
    assert (await chat.say(STAYS_WITH_THE_BOT))["type"] == "ack"
    await chat.message_from("bot")
    return chat


def _feed(console: Console) -> websockets.connect:
    return websockets.connect(console.feed_url(), additional_headers={"Cookie": console.cookie_header()})


async def _live(feed: ClientConnection) -> None:
    """Wait for the feed's hello: from then on it hears every event."""
    hello = json.loads(await asyncio.wait_for(feed.recv(), 10))
    assert hello["type"] == "hello", hello


async def _event_on_feed(feed: ClientConnection, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise TimeoutError("no such event on the console feed")
        frame = json.loads(await asyncio.wait_for(feed.recv(), remaining))
        if frame.get("type") == "event" and predicate(frame["event"]):
            event: dict[str, Any] = frame["event"]
            return event


async def _quiet_feed(feed: ClientConnection, quiet_s: float = 1.0) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        try:
            frame = json.loads(await asyncio.wait_for(feed.recv(), quiet_s))
        except TimeoutError:
            return events
        if frame.get("type") == "event":
            events.append(frame["event"])


async def test_a_customer_ends_a_chat_with_the_bot_once_whatever_the_resends(server: str, settings: Settings) -> None:
    chat = await bot_chat(server)
    conversation_id = chat.hello["conversation_id"]
    client_id = str(uuid.uuid4())
    ack = await end(chat, client_id)
    assert ack == {"type": "ack", "client_id": client_id, "state": "resolved", "duplicate": False}
    await chat.status("resolved")
    notice = await chat.message_from("system", "チャットを終了しました")
    assert "24時間以内" in notice["text"]
    # The same frame again (its ack was lost), and another end of a chat already over: acknowledged, nothing more.
    assert (await end(chat, client_id))["duplicate"] is True
    assert (await end(chat))["duplicate"] is True
    (resolved,) = await _events(settings, conversation_id, "conversation.resolved")
    assert resolved.actor == "customer"
    assert resolved.data == {"state": "resolved", "desk": None, "client_id": client_id}
    assert (await _conversation(settings, conversation_id)).queued_at is None  # the bot's resolution
    await chat.__aexit__()


async def test_a_resend_of_an_end_after_the_chat_reopened_does_not_end_it_again(
    server: str, settings: Settings
) -> None:
    chat = await bot_chat(server)
    client_id = str(uuid.uuid4())
    await end(chat, client_id)
    await chat.status("resolved")
    await chat.say(STAYS_WITH_THE_BOT)
    # It never left the bot: the bot takes it up again, not an operator's queue.
    await chat.status("bot")
    await chat.message_from("bot")
    again = await end(chat, client_id)
    assert again["duplicate"] is True
    assert again["state"] == "bot"
    assert len(await _events(settings, chat.hello["conversation_id"], "conversation.resolved")) == 1
    await chat.__aexit__()


async def test_an_operator_is_told_when_the_customer_ends_their_conversation(server: str, settings: Settings) -> None:
    async with ChatClient(server, lang="ja") as chat, Console(server, *AGENT_TANAKA) as tanaka:
        await chat.say(QUEUES)
        await chat.status("queued")
        conversation_id = chat.hello["conversation_id"]
        await tanaka.take(conversation_id)
        await chat.status("assigned")
        async with _feed(tanaka) as feed:
            await _live(feed)
            ack = await end(chat)
            assert ack["state"] == "resolved"
            told = await _event_on_feed(
                feed,
                lambda event: (
                    event["type"] == "conversation.resolved" and event["conversation"]["id"] == conversation_id
                ),
            )
        assert told["actor"] == "customer"
        assert told["conversation"]["assignee_id"] == tanaka.agent["id"]
        detail = (await tanaka.get(f"/api/v1/console/conversations/{conversation_id}")).json()
        assert detail["state"] == "resolved"
        assert "チャットを終了しました" in detail["messages"][-1]["text"]
        assert not any(item["id"] == conversation_id for item in (await tanaka.lists())["mine"])


async def test_an_operator_resolution_names_the_operator(server: str, settings: Settings) -> None:
    async with ChatClient(server, lang="ja") as chat, Console(server, *AGENT_TANAKA) as tanaka:
        await chat.say(QUEUES)
        await chat.status("queued")
        conversation_id = chat.hello["conversation_id"]
        answer = await tanaka.post(f"/api/v1/console/conversations/{conversation_id}/resolve")
        assert answer.status_code == 200
        await chat.status("resolved")
        await chat.message_from("system", "お問い合わせを完了しました")
        (resolved,) = await _events(settings, conversation_id, "conversation.resolved")
        assert resolved.actor == f"agent:{tanaka.agent['id']}"
        assert "client_id" not in resolved.data


async def test_the_end_of_a_queued_chat_takes_it_out_of_the_queue(server: str, settings: Settings) -> None:
    async with ChatClient(server, lang="ja") as chat, Console(server, *AGENT_TANAKA) as tanaka:
        await chat.say(QUEUES)
        await chat.status("queued")
        conversation_id = chat.hello["conversation_id"]
        assert any(item["id"] == conversation_id for item in (await tanaka.lists())["queue"])
        await end(chat)
        await chat.status("resolved")
        assert not any(item["id"] == conversation_id for item in (await tanaka.lists())["queue"])
        (resolved,) = await _events(settings, conversation_id, "conversation.resolved")
        assert resolved.actor == "customer"
        assert (await _conversation(settings, conversation_id)).queued_at is not None  # handed over, not the bot's


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        ({"type": "end"}, "client_id"),
        ({"type": "end", "client_id": ""}, "client_id"),
        ({"type": "end", "client_id": "x" * 65}, "client_id"),
        ({"type": "rate", "client_id": "x", "score": 5}, "Unknown frame type"),
    ],
)
async def test_bad_end_frames_get_a_clear_error(server: str, frame: dict[str, Any], words: str) -> None:
    async with ChatClient(server) as chat:
        await chat.send_raw(json.dumps(frame))
        error = await chat.wait_for(lambda answer: answer["type"] == "error")
        assert error["code"] == "invalid_input"
        assert words in error["message"]
        assert (await chat.say("まだつながっていますか"))["type"] == "ack"
