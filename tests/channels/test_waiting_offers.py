"""While a customer waits, the chat offers a callback or an answer by e-mail, and the page takes one up with a
frame on the chat socket (the same rules as the callback endpoint and the mail channel)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Callback, Conversation, OutboundEmail, Ticket
from tests.helpers import AGENT_TANAKA, ChatClient, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings


async def _take_up(chat: ChatClient, frame: dict[str, Any]) -> dict[str, Any]:
    client_id = str(uuid.uuid4())
    await chat.send_raw(json.dumps({**frame, "client_id": client_id}))
    return await chat.wait_for(lambda f: f["type"] in ("ack", "error") and f.get("client_id") == client_id)


async def _queued_with_offers(chat: ChatClient) -> dict[str, Any]:
    await chat.say("オペレーターと話したい")
    # Nobody is logged in to the console: nobody on duty, so the wait is not worth it.
    return await chat.wait_for(lambda frame: frame["type"] == "status" and frame["state"] == "queued")


async def _rows(settings: Settings, conversation_id: str) -> tuple[Conversation, list[Callback], list[Ticket]]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            found = await session.scalars(select(Callback).where(Callback.conversation_id == conversation_id))
            opened = await session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id))
            return conversation, list(found), list(opened)
    finally:
        await engine.dispose()


async def test_a_waiting_customer_is_offered_a_callback_in_the_desks_hours_or_an_answer_by_email(
    server: str, settings: Settings
) -> None:
    async with ChatClient(server, lang="ja") as chat:
        status = await _queued_with_offers(chat)
        assert status["offers"] == ["callback", "email"]
        windows = status["callback_windows"]
        assert len(windows) == 4
        for window in windows:
            start, end = datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])
            assert start.tzinfo is not None
            assert (end - start).total_seconds() >= 30 * 60

        first = windows[0]
        booked = await _take_up(
            chat,
            {"type": "callback", "phone": "090-1234-5678", "window_start": first["start"], "window_end": first["end"]},
        )
        assert booked["type"] == "ack", booked
        assert booked["callback"]["phone_display"] == "090-1234-5678"
        notice = await chat.message_from("system", "折り返しのお電話を承りました")
        assert "090-1234-5678" in notice["text"]
        again = await _take_up(
            chat,
            {"type": "callback", "phone": "090-1234-5678", "window_start": first["start"], "window_end": first["end"]},
        )
        assert again["type"] == "error"
        assert "already booked" in again["message"]
    _, booked_rows, _ = await _rows(settings, chat.hello["conversation_id"])
    assert [row.phone_e164 for row in booked_rows] == ["+819012345678"]
    # Reloaded, the page is offered again what is still open to take up: the e-mail, not a second callback.
    async with ChatClient(server, lang="ja", visitor=chat.hello["visitor_token"]) as reloaded:
        assert reloaded.hello["conversation_id"] == chat.hello["conversation_id"]
        assert reloaded.hello["offers"] == ["email"]
        assert reloaded.hello["callback_windows"] == []


async def test_a_callback_frame_with_a_bad_number_or_time_gets_a_sentence_to_act_on(server: str) -> None:
    async with ChatClient(server, lang="ja") as chat:
        status = await _queued_with_offers(chat)
        window = status["callback_windows"][0]
        wrong_number = await _take_up(
            chat, {"type": "callback", "phone": "12", "window_start": window["start"], "window_end": window["end"]}
        )
        assert wrong_number["type"] == "error"
        assert wrong_number["code"] == "invalid_input"
        naive = await _take_up(
            chat,
            {"type": "callback", "phone": "090-1234-5678", "window_start": "2026-12-09T15:00", "window_end": "x"},
        )
        assert naive["type"] == "error"
        assert "UTC offset" in naive["message"]


async def test_a_guest_gives_a_valid_address_and_the_operators_reply_leaves_by_mail(
    server: str, settings: Settings
) -> None:
    async with ChatClient(server, lang="ja") as chat:
        await _queued_with_offers(chat)
        missing = await _take_up(chat, {"type": "answer_by_email"})
        assert missing["type"] == "error"
        assert "メールアドレスを入力してください" in missing["message"]
        malformed = await _take_up(chat, {"type": "answer_by_email", "email": "hanako@example"})
        assert malformed["type"] == "error"
        assert "This is not an e-mail address" in malformed["message"]
        accepted = await _take_up(chat, {"type": "answer_by_email", "email": " Hanako@Example.jp "})
        assert accepted["type"] == "ack", accepted
        assert accepted["email"]["address"] == "hanako@example.jp"
        await chat.message_from("system", "hanako@example.jp")
        # Taken up twice (a resend), the chat keeps its one ticket.
        resent = await _take_up(chat, {"type": "answer_by_email", "email": "hanako@example.jp"})
        assert resent["email"]["ticket"] == accepted["email"]["ticket"]
    conversation_id = chat.hello["conversation_id"]
    conversation, _, opened = await _rows(settings, conversation_id)
    assert conversation.channel == "email"
    assert [ticket.customer_address for ticket in opened] == ["hanako@example.jp"]
    async with Console(server, *AGENT_TANAKA) as tanaka:
        await tanaka.take(conversation_id)
        await tanaka.reply(conversation_id, "お問い合わせありがとうございます。")
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            mails = list(
                await session.scalars(select(OutboundEmail).where(OutboundEmail.ticket_number == opened[0].number))
            )
    finally:
        await engine.dispose()
    assert [mail.to_address for mail in mails] == ["hanako@example.jp"]
