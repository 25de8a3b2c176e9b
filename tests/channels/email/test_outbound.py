"""Mail out through the relay: operators' replies threaded on the ticket, retries with back-off, permanent
failures on the ticket, no relay at all, and a loop with another auto-responder that stops."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import InboundEmail, OutboundEmail, Ticket
from tests.channels.email.conftest import Desk
from tests.channels.email.mailbox import CUSTOMER, SUPPORT, Captured, Relay, free_port, send_mail, text_mail
from tests.conftest import running_server
from tests.helpers import AGENT_TANAKA, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings


async def _open_ticket(desk: Desk, subject: str = "荷物が届きません", **extra: str) -> Ticket:
    answer = await send_mail(desk.smtp_port, text_mail(subject, "注文した荷物がまだ届きません。", **extra))
    assert answer.code == 250, answer
    number = int(answer.text.decode().split("[#", 1)[1].split("]", 1)[0])
    ticket: Ticket = await desk.get(Ticket, number)
    return ticket


async def _wait_for_event(desk: Desk, conversation_id: str, type_: str, timeout: float = 15.0) -> dict[str, object]:
    for _ in range(int(timeout / 0.05)):
        events = await desk.events(conversation_id, type_)
        if events:
            data: dict[str, object] = events[-1].data
            return data
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {type_} event; events: {[event.type for event in await desk.events(conversation_id)]}")


async def test_an_operators_reply_is_sent_as_mail_threaded_on_the_ticket(desk: Desk, relay: Relay) -> None:
    ticket = await _open_ticket(desk)
    await relay.wait_for(1)  # the acknowledgement
    inbound = await desk.one(select(InboundEmail).where(InboundEmail.ticket_number == ticket.number))
    async with Console(desk.base_url, *AGENT_TANAKA) as console:
        sent = await console.reply(ticket.conversation_id, "ご不便をおかけしております。配送業者に確認いたします。")
        again = await console.post(
            f"/api/v1/console/conversations/{ticket.conversation_id}/messages",
            {"text": "重複送信", "client_id": "resend-1"},
        )
        resent = await console.post(
            f"/api/v1/console/conversations/{ticket.conversation_id}/messages",
            {"text": "重複送信", "client_id": "resend-1"},
        )
        assert again.json()["id"] == resent.json()["id"]
        detail = (await console.get(f"/api/v1/console/conversations/{ticket.conversation_id}")).json()
    received = await relay.wait_for(3)
    reply = next(mail for mail in received if "配送業者" in mail.message.get_content())
    assert reply.mail_from == SUPPORT
    assert reply.recipients == [CUSTOMER]
    mail = reply.message
    assert mail["Subject"] == f"[#{ticket.number}] Re: 荷物が届きません"
    assert mail["In-Reply-To"] == f"<{inbound.message_id}>"
    assert f"<{inbound.message_id}>" in mail["References"]
    assert "Auto-Submitted" not in mail
    assert f"[#{ticket.number}]" in mail.get_content()
    assert detail["channel"] == "email"
    assert sent["author"] == "agent"
    # The resent reply (same client_id) left once.
    await asyncio.sleep(0.3)
    assert sum("重複送信" in mail.message.get_content() for mail in relay.received) == 1
    assert len(await desk.all(select(OutboundEmail).where(OutboundEmail.kind == "reply"))) == 2
    await _wait_for_event(desk, ticket.conversation_id, "email.sent")


async def test_a_deferred_mail_is_retried_until_the_relay_takes_it(desk: Desk, relay: Relay) -> None:
    relay.answers = ["451 4.3.2 Try again later", "421 4.4.5 Busy"]
    ticket = await _open_ticket(desk)
    (ack,) = await relay.wait_for(1)
    assert f"[#{ticket.number}]" in ack.message["Subject"]
    await _wait_for_event(desk, ticket.conversation_id, "email.sent")
    deferred = await desk.events(ticket.conversation_id, "email.deferred")
    assert [event.data["code"] for event in deferred] == [451, 421]
    row = await desk.one(select(OutboundEmail).where(OutboundEmail.ticket_number == ticket.number))
    assert (row.status, row.attempts) == ("sent", 3)


async def test_a_permanent_failure_is_recorded_on_the_ticket(desk: Desk, relay: Relay) -> None:
    relay.answers = ["550 5.1.1 <sato.hanako@example.jp>: user unknown"]
    ticket = await _open_ticket(desk)
    failed = await _wait_for_event(desk, ticket.conversation_id, "email.failed")
    assert failed["code"] == 550
    assert "user unknown" in str(failed["error"])
    row = await desk.one(select(OutboundEmail).where(OutboundEmail.ticket_number == ticket.number))
    assert (row.status, row.attempts) == ("failed", 1)
    async with Console(desk.base_url, *AGENT_TANAKA) as console:
        detail = (await console.get(f"/api/v1/console/conversations/{ticket.conversation_id}")).json()
    shown = [event for event in detail["events"] if event["type"] == "email.failed"]
    assert shown[0]["data"]["reason"] == "refused by the relay"
    assert relay.received == []


async def test_without_a_relay_mail_waits_in_the_outbox_and_the_ticket_says_so(settings: Settings) -> None:
    port = free_port()
    quiet = settings.model_copy(update={"smtp_listen": f"127.0.0.1:{port}", "smtp_relay": None})
    async with running_server(quiet) as base_url:
        engine = create_engine(quiet.database_url)
        try:
            desk = Desk(base_url, port, session_factory(engine))
            ticket = await _open_ticket(desk)
            queued = (await desk.events(ticket.conversation_id, "email.queued"))[0].data
            assert "MADOGUCHI_SMTP_RELAY is not set" in queued["waiting"]
            row = await desk.one(select(OutboundEmail).where(OutboundEmail.ticket_number == ticket.number))
            assert (row.status, row.attempts) == ("queued", 0)
        finally:
            await engine.dispose()


@pytest.mark.parametrize("cap", [3])
async def test_a_loop_with_another_auto_responder_stops_at_the_hourly_cap(
    settings: Settings, relay: Relay, cap: int
) -> None:
    """The other side answers every mail it gets, with no loop headers and a fresh subject: only the cap stops it."""
    port = free_port()
    capped = settings.model_copy(
        update={
            "smtp_listen": f"127.0.0.1:{port}",
            "smtp_relay": f"127.0.0.1:{relay.port}",
            "email_auto_replies_per_hour": cap,
        }
    )
    responder = "autoresponder@partner.example"
    answered: list[int] = []

    async def answer_back(mail: Captured) -> None:
        reply = text_mail("自動応答: 受信しました", "このメールは自動応答です。", sender=responder, from_name="Partner")
        result = await send_mail(port, reply, mail_from=responder)
        answered.append(result.code)

    relay.on_mail = answer_back
    async with running_server(capped):
        engine = create_engine(capped.database_url)
        try:
            desk = Desk("", port, session_factory(engine))
            await send_mail(port, text_mail("こんにちは", "はじめまして。", sender=responder), mail_from=responder)
            await relay.wait_for(cap)
            # Quiet for a while: the loop has stopped by itself.
            for _ in range(40):
                before = len(relay.received), len(answered)
                await asyncio.sleep(0.25)
                if (len(relay.received), len(answered)) == before and len(answered) == cap:
                    break
            assert len(relay.received) == cap
            assert answered == [250] * cap
            inbound = await desk.all(select(InboundEmail).order_by(InboundEmail.received_at))
            assert len(inbound) == cap + 1  # every mail of the loop was kept
            assert [row.auto_reply_suppressed for row in inbound] == [None] * cap + ["hourly_cap"]
        finally:
            await engine.dispose()
