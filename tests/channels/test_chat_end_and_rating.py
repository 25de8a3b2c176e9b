"""Ending a chat and rating its resolution over the customer's socket: the `end` and `csat` frames, their
acknowledgements and resends, who resolved it, one rating per resolution, and who among the operators hears of
a rating."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import websockets
from sqlalchemy import select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Conversation, ConversationEvent
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_YAMADA, ChatClient, Console

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


async def rate(chat: ChatClient, score: object, comment: object = None, client_id: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "csat", "client_id": client_id or str(uuid.uuid4()), "score": score}
    if comment is not None:
        frame["comment"] = comment
    return await _send(chat, frame)


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


# --- ending ---------------------------------------------------------------------------------------------------


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


async def test_an_operator_resolution_names_the_operator_and_can_be_rated(server: str, settings: Settings) -> None:
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
        assert (await rate(chat, 5))["type"] == "ack"


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
        ({"type": "csat", "score": 5}, "client_id"),
        ({"type": "csat", "client_id": "x" * 65, "score": 5}, "client_id"),
        ({"type": "rate", "client_id": "x", "score": 5}, "Unknown frame type"),
    ],
)
async def test_bad_end_and_rating_frames_get_a_clear_error(server: str, frame: dict[str, Any], words: str) -> None:
    async with ChatClient(server) as chat:
        await chat.send_raw(json.dumps(frame))
        error = await chat.wait_for(lambda answer: answer["type"] == "error")
        assert error["code"] == "invalid_input"
        assert words in error["message"]
        assert (await chat.say("まだつながっていますか"))["type"] == "ack"


# --- rating ---------------------------------------------------------------------------------------------------


async def test_a_chat_is_rated_once_per_resolution(server: str, settings: Settings) -> None:
    chat = await bot_chat(server)
    conversation_id = chat.hello["conversation_id"]
    early = await rate(chat, 5)
    assert early["type"] == "error"
    assert early["code"] == "conflict"
    assert early["reason"] == "not_resolved"
    assert "not resolved" in early["message"]
    assert "完了" in early["message"]

    await end(chat)
    await chat.status("resolved")
    client_id = str(uuid.uuid4())
    ack = await rate(chat, 4, "早く答えてもらえました", client_id)
    assert ack == {"type": "ack", "client_id": client_id, "duplicate": False}
    # The same frame again: the same answer; another rating of this resolution: refused, and says why.
    assert (await rate(chat, 4, "早く答えてもらえました", client_id))["duplicate"] is True
    second = await rate(chat, 1)
    assert second["code"] == "conflict"
    assert second["reason"] == "already_rated"
    assert "already been rated" in second["message"]

    (rating,) = await _events(settings, conversation_id, "csat.submitted")
    conversation = await _conversation(settings, conversation_id)
    assert rating.actor == "customer"
    assert rating.data == {
        "score": 4,
        "comment": "早く答えてもらえました",
        "via": "chat",
        "resolved_at": rating.data["resolved_at"],
        "client_id": client_id,
    }
    assert conversation.resolved_at is not None
    assert datetime.fromisoformat(rating.data["resolved_at"]) == conversation.resolved_at
    await chat.__aexit__()


async def test_a_reopened_conversation_resolved_again_is_rated_again(server: str, settings: Settings) -> None:
    chat = await bot_chat(server)
    conversation_id = chat.hello["conversation_id"]
    await end(chat)
    await chat.status("resolved")
    first = str(uuid.uuid4())
    assert (await rate(chat, 5, client_id=first))["type"] == "ack"
    await chat.say("パスワードを忘れました")
    await chat.status("bot")
    refused = await rate(chat, 3)
    assert refused["reason"] == "not_resolved"
    # The first rating's frame sent again (its ack was lost) is still acknowledged, and rates nothing new.
    assert (await rate(chat, 5, client_id=first))["duplicate"] is True
    await end(chat)
    assert (await rate(chat, 2))["type"] == "ack"
    ratings = await _events(settings, conversation_id, "csat.submitted")
    assert [row.data["score"] for row in ratings] == [5, 2]
    assert ratings[0].data["resolved_at"] != ratings[1].data["resolved_at"]
    await chat.__aexit__()


@pytest.mark.parametrize("score", [0, 6, -1, "5", 3.5, True, None, [4]])
async def test_a_score_outside_one_to_five_is_invalid_input(server: str, settings: Settings, score: object) -> None:
    chat = await bot_chat(server)
    await end(chat)
    refused = await rate(chat, score)
    assert refused["type"] == "error"
    assert refused["code"] == "invalid_input"
    assert "1 to 5" in refused["message"]
    assert refused["field"] == "score"
    # Nothing was stored: a valid rating of the same resolution is still taken.
    assert (await rate(chat, 3))["type"] == "ack"
    await chat.__aexit__()


async def test_the_comment_is_masked_and_bounded(server: str, settings: Settings) -> None:
    chat = await bot_chat(server)
    conversation_id = chat.hello["conversation_id"]
    await end(chat)
    too_long = await rate(chat, 2, "あ" * 1001)
    assert too_long["code"] == "invalid_input"
    assert "1000" in too_long["message"]
    not_text = await rate(chat, 2, {"text": "x"})
    assert not_text["code"] == "invalid_input"
    assert (await rate(chat, 2, "カード番号 4111 1111 1111 1111 を伝えたのに\u202e"))["type"] == "ack"
    (rating,) = await _events(settings, conversation_id, "csat.submitted")
    assert "4111" not in json.dumps(rating.data)
    assert rating.data["comment"] == "カード番号 ［カード番号・非表示］ を伝えたのに"
    assert rating.data["redacted"] == ["card_number"]
    await chat.__aexit__()


async def test_a_blank_comment_is_no_comment(server: str, settings: Settings) -> None:
    chat = await bot_chat(server)
    await end(chat)
    assert (await rate(chat, 5, "   \n "))["type"] == "ack"
    (rating,) = await _events(settings, chat.hello["conversation_id"], "csat.submitted")
    assert "comment" not in rating.data
    await chat.__aexit__()


async def test_hello_says_whether_the_resolution_may_still_be_rated(server: str) -> None:
    chat = await bot_chat(server)
    assert chat.hello["can_rate"] is False
    await end(chat)
    await chat.status("resolved")
    await chat.__aexit__()
    async with ChatClient(server, visitor=chat.hello["visitor_token"]) as again:
        assert again.hello["conversation_id"] == chat.hello["conversation_id"]
        assert again.hello["state"] == "resolved"
        assert again.hello["can_rate"] is True
        assert (await rate(again, 4))["type"] == "ack"
    async with ChatClient(server, visitor=chat.hello["visitor_token"]) as later:
        assert later.hello["can_rate"] is False


async def test_a_low_rating_reaches_supervisors_and_only_the_shop_that_may_see_it(server: str) -> None:
    async with (
        Console(server, *SUPERVISOR_NAKAMURA) as nakamura,
        Console(server, *SHOP_AGENT_YAMADA) as yamada,
        _feed(nakamura) as supervisor_feed,
        _feed(yamada) as shop_feed,
    ):
        await _live(supervisor_feed)
        await _live(shop_feed)
        # A platform chat rated 1: the supervisor hears of it, the shop's staff do not.
        chat = await bot_chat(server)
        await end(chat)
        await rate(chat, 1, "全然解決しませんでした")
        heard = await _event_on_feed(
            supervisor_feed,
            lambda event: (
                event["type"] == "csat.submitted" and event["conversation"]["id"] == chat.hello["conversation_id"]
            ),
        )
        assert heard["csat"] == {
            "score": 1,
            "comment": "全然解決しませんでした",
            "via": "chat",
            "resolved_at": heard["csat"]["resolved_at"],
        }
        assert heard["actor"] == "customer"
        assert not any(event["type"] == "csat.submitted" for event in await _quiet_feed(shop_feed))
        await chat.__aexit__()

        # The shop's own chat rated 2: its staff hear of it.
        async with ChatClient(server, shop="kyoto-kotonoha") as shop_chat:
            await shop_chat.say("抹茶の賞味期限を教えてください")
            await shop_chat.status("queued")
            await end(shop_chat)
            await rate(shop_chat, 2)
            told = await _event_on_feed(
                shop_feed,
                lambda event: (
                    event["type"] == "csat.submitted"
                    and event["conversation"]["id"] == shop_chat.hello["conversation_id"]
                ),
            )
            assert told["csat"]["score"] == 2
            assert told["conversation"]["shop_id"] == "kyoto-kotonoha"
