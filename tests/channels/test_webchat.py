"""The customer chat over a real WebSocket: commit before acknowledgement, idempotent resends, history,
the 24-hour resume, identities, and clear errors for bad frames."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import jwt
import pytest
from sqlalchemy import func, select, update

from madoguchi.conversations import actions
from madoguchi.domain.clock import utcnow
from madoguchi.routing import queueing
from madoguchi.routing.decision import decide_understood
from madoguchi.runtime import start_runtime, stop_runtime
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Conversation, Message
from madoguchi.trust.identity import sign_token
from tests.helpers import CUSTOMER_SATO, ChatClient
from tests.routing.test_live_routing import SHOP_ORDER, understood

if TYPE_CHECKING:
    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings


async def _count_messages(settings: Settings, client_id: str) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).where(Message.client_id == client_id)) or 0)
    finally:
        await engine.dispose()


async def _age_conversation(settings: Settings, conversation_id: str, hours: float) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(last_activity_at=utcnow() - timedelta(hours=hours))
            )
            await session.commit()
    finally:
        await engine.dispose()


async def test_hello_opens_a_conversation_for_a_guest(server: str) -> None:
    async with ChatClient(server, lang="ja") as chat:
        assert chat.hello["type"] == "hello"
        assert chat.hello["state"] == "bot"
        assert chat.hello["history"] == []
        assert chat.hello["customer"]["anonymous"] is True
        assert chat.hello["visitor_token"]
        uuid.UUID(chat.hello["conversation_id"])


async def test_message_is_committed_before_it_is_acknowledged(server: str, settings: Settings) -> None:
    async with ChatClient(server) as chat:
        client_id = str(uuid.uuid4())
        ack = await chat.say("注文した荷物がまだ届きません", client_id)
        assert ack["type"] == "ack"
        # Read through another connection: the acknowledged message is already durable.
        assert await _count_messages(settings, client_id) == 1


async def test_first_message_queues_the_conversation_for_an_operator(server: str) -> None:
    async with ChatClient(server, lang="ja") as chat:
        await chat.say("オペレーターと話したい")
        status = await chat.wait_for(lambda frame: frame["type"] == "status")
        assert status["state"] == "queued"
        assert status["desk"] == "platform_cs"
        assert status["queue_position"] >= 1
        assert "eta_seconds" in status
        notice = await chat.message_from("system")
        assert "担当者" in notice["text"]


async def test_resend_with_the_same_client_id_returns_the_same_message(server: str, settings: Settings) -> None:
    async with ChatClient(server) as chat:
        client_id = str(uuid.uuid4())
        first = await chat.say("返品したいです", client_id)
        second = await chat.say("返品したいです", client_id)
        assert first["message_id"] == second["message_id"]
        assert first["duplicate"] is False
        assert second["duplicate"] is True
    # A resend after a reconnect (the ack was lost with the connection) is also answered, not stored twice.
    async with ChatClient(server, visitor=chat.hello["visitor_token"]) as again:
        third = await again.say("返品したいです", client_id)
        assert third["message_id"] == first["message_id"]
    assert await _count_messages(settings, client_id) == 1


async def test_reconnect_loads_the_history(server: str) -> None:
    async with ChatClient(server) as chat:
        await chat.say("一つ目の質問です")
        await chat.say("二つ目の質問です")
    async with ChatClient(server, visitor=chat.hello["visitor_token"]) as again:
        assert again.hello["conversation_id"] == chat.hello["conversation_id"]
        texts = [message["text"] for message in again.hello["history"] if message["author"] == "customer"]
        assert texts == ["一つ目の質問です", "二つ目の質問です"]
        assert again.hello["state"] == "queued"


@pytest.mark.parametrize(("hours_ago", "resumed"), [(23.5, True), (24.5, False)])
async def test_a_conversation_resumes_within_24_hours_only(
    server: str, settings: Settings, hours_ago: float, resumed: bool
) -> None:
    token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
    async with ChatClient(server, token=token) as chat:
        await chat.say("先日の注文について")
    await _age_conversation(settings, chat.hello["conversation_id"], hours_ago)
    async with ChatClient(server, token=token) as later:
        assert (later.hello["conversation_id"] == chat.hello["conversation_id"]) is resumed
        assert bool(later.hello["history"]) is resumed


async def test_signed_in_customer_is_known_by_name(server: str, settings: Settings) -> None:
    token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
    async with ChatClient(server, token=token) as chat:
        assert chat.hello["customer"] == {"id": CUSTOMER_SATO, "name": "佐藤 美咲", "anonymous": False}
        assert "visitor_token" not in chat.hello


async def test_a_customer_signed_in_with_a_standard_jwt_is_known_by_name(server: str, settings: Settings) -> None:
    # What a PHP, Ruby or Node backend makes with its usual JWT library.
    expiry = int(utcnow().timestamp()) + 600
    token = jwt.encode({"sub": CUSTOMER_SATO, "exp": expiry}, settings.identity_key, algorithm="HS256")
    async with ChatClient(server, token=token) as chat:
        assert chat.hello["customer"] == {"id": CUSTOMER_SATO, "name": "佐藤 美咲", "anonymous": False}


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "e30.AAAA", "expired"],
)
async def test_invalid_identity_token_is_refused_with_a_reason(server: str, settings: Settings, token: str) -> None:
    if token == "expired":
        token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", -10)
    chat = ChatClient(server, token=token)
    import websockets

    async with websockets.connect(chat.url) as socket:
        frame = json.loads(await socket.recv())
        assert frame["type"] == "error"
        assert frame["code"] == "not_authenticated"
        assert "sign in" in frame["message"]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401


async def test_a_token_signed_with_another_key_is_refused(server: str) -> None:
    forged = sign_token("some-other-key", CUSTOMER_SATO, "customer", 3600)
    import websockets

    async with websockets.connect(ChatClient(server, token=forged).url) as socket:
        frame = json.loads(await socket.recv())
        assert frame["code"] == "not_authenticated"


async def test_unknown_shop_is_refused(server: str) -> None:
    import websockets

    async with websockets.connect(ChatClient(server, shop="no-such-shop").url) as socket:
        frame = json.loads(await socket.recv())
        assert frame["code"] == "not_found"
        assert "no-such-shop" in frame["message"]


async def test_a_chat_opened_from_a_shop_goes_to_that_shops_inbox(server: str) -> None:
    async with ChatClient(server, shop="kyoto-kotonoha") as chat:
        assert chat.hello["shop_id"] == "kyoto-kotonoha"
        await chat.say("抹茶の賞味期限を教えてください")
        status = await chat.wait_for(lambda frame: frame["type"] == "status")
        assert status["desk"] == "shop"
        notice = await chat.message_from("system")
        assert "48時間" in notice["text"]


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("this is not json", "invalid_input", "not JSON"),
        ("[1, 2]", "invalid_input", "JSON object"),
        ('{"type": "shout"}', "invalid_input", "Unknown frame type"),
        ('{"type": "message", "text": "hi"}', "invalid_input", "client_id"),
        ('{"type": "message", "client_id": "x", "text": "   "}', "invalid_input", "empty"),
        ('{"type": "message", "client_id": "x", "text": 42}', "invalid_input", "must be text"),
        (json.dumps({"type": "message", "client_id": "x", "text": "あ" * 4001}), "invalid_input", "limit is 4000"),
    ],
)
async def test_bad_frames_get_a_clear_error_and_the_chat_goes_on(server: str, raw: str, code: str, words: str) -> None:
    async with ChatClient(server) as chat:
        await chat.send_raw(raw)
        error = await chat.wait_for(lambda frame: frame["type"] == "error")
        assert error["code"] == code
        assert words in error["message"]
        ack = await chat.say("まだつながっていますか")
        assert ack["type"] == "ack"


async def test_html_in_a_message_is_kept_as_text(server: str) -> None:
    async with ChatClient(server) as chat:
        ack = await chat.say("<script>alert(1)</script> <b>太字</b>")
        assert ack["type"] == "ack"
        echoed = await chat.message_from("customer")
        assert echoed["text"] == "<script>alert(1)</script> <b>太字</b>"


async def test_invisible_control_characters_are_removed(server: str) -> None:
    async with ChatClient(server) as chat:
        await chat.say("注文\u202e番号\x00です")
        echoed = await chat.message_from("customer")
        assert echoed["text"] == "注文番号です"


async def test_oversized_frame_closes_only_that_connection(server: str) -> None:
    import websockets

    async with ChatClient(server) as chat:
        await chat.send_raw(json.dumps({"type": "message", "client_id": "big", "text": "x" * 200_000}))
        with pytest.raises(websockets.ConnectionClosed):
            await chat.next_frame()
    async with ChatClient(server) as other:
        assert (await other.say("大丈夫ですか"))["type"] == "ack"


async def test_card_numbers_and_passwords_are_masked_before_they_are_stored(server: str, settings: Settings) -> None:
    async with ChatClient(server) as chat:
        client_id = str(uuid.uuid4())
        await chat.say("カード番号は4111 1111 1111 1111、パスワードは hunter22 です", client_id)
        echoed = await chat.message_from("customer")
        assert echoed["text"] == "カード番号は［カード番号・非表示］、パスワードは ［パスワード・非表示］ です"
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            stored = await session.scalar(select(Message.text).where(Message.client_id == client_id))
    finally:
        await engine.dispose()
    assert stored is not None
    assert "4111" not in stored
    assert "hunter22" not in stored


async def _place_with_the_seller(settings: Settings, conversation_id: str) -> None:
    """What placement does with a platform chat about a shop's order: the shop's inbox gets it."""
    runtime = await start_runtime(settings.model_copy(update={"routing_tick_seconds": 3600.0}))
    try:
        async with runtime.transaction() as tx:
            row = await tx.session.get(Conversation, conversation_id)
            assert row is not None
            await actions.do_receive_customer_message(tx, row, text="注文をキャンセルしたい", client_id="moved")
            decision = await decide_understood(tx.session, understood("cancel_order", order=SHOP_ORDER))
            await queueing.do_place(tx, row, decision, utcnow())
            await tx.commit()
    finally:
        await stop_runtime(runtime)


async def test_a_platform_chat_moved_to_a_shop_is_resumed_from_the_platform_page(
    server: str, settings: Settings, clock: Clock
) -> None:
    token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 24 * 3600)
    async with ChatClient(server, token=token) as chat:
        moved = chat.hello["conversation_id"]
    await _place_with_the_seller(settings, moved)
    clock.advance(timedelta(minutes=5))
    # Later, the customer writes to another shop from its own page: that chat stays with that page.
    async with ChatClient(server, token=token, shop="kyoto-kotonoha") as other:
        await other.say("抹茶の賞味期限を教えてください")
        await other.wait_for(lambda frame: frame["type"] == "status")
        kotonoha = other.hello["conversation_id"]
    assert kotonoha != moved
    clock.advance(timedelta(hours=3))
    async with ChatClient(server, token=token) as reloaded:
        assert reloaded.hello["conversation_id"] == moved
        assert reloaded.hello["shop_id"] == "hikari-denki"
        assert reloaded.hello["state"] == "queued"
        assert "注文をキャンセルしたい" in [message["text"] for message in reloaded.hello["history"]]
    async with ChatClient(server, token=token, shop="hikari-denki") as seller_page:
        assert seller_page.hello["conversation_id"] == moved
    async with ChatClient(server, token=token, shop="kyoto-kotonoha") as own_page:
        assert own_page.hello["conversation_id"] == kotonoha
