"""An operator resolves an e-mail ticket: the customer gets a mail in the ticket's language, threaded on the ticket,
with a signed link to a small page where the resolution is rated once (`csat.submitted`, via e-mail)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import select

from madoguchi.store.models import Conversation, InboundEmail, OutboundEmail, Ticket
from tests.channels.email.mailbox import CUSTOMER, SUPPORT, Captured, Relay, send_mail, text_mail
from tests.conftest import running_server
from tests.helpers import AGENT_TANAKA, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings
    from tests.channels.email.conftest import Desk

_LINK = re.compile(r"(https?://\S+/rate/\S+)")


async def _open_ticket(desk: Desk, subject: str, body: str) -> Ticket:
    answer = await send_mail(desk.smtp_port, text_mail(subject, body))
    assert answer.code == 250, answer
    number = int(answer.text.decode().split("[#", 1)[1].split("]", 1)[0])
    ticket: Ticket = await desk.get(Ticket, number)
    return ticket


async def _resolve(base_url: str, conversation_id: str) -> None:
    async with Console(base_url, *AGENT_TANAKA) as console:
        answer = await console.post(f"/api/v1/console/conversations/{conversation_id}/resolve")
        assert answer.status_code == 200, answer.text


def _resolution(received: list[Captured], number: int) -> Captured:
    (mail,) = [
        mail for mail in received if "Auto-Submitted" not in mail.message and f"[#{number}]" in mail.message["Subject"]
    ]
    return mail


def _link(mail: Captured) -> str:
    found = _LINK.search(mail.message.get_content())
    assert found is not None, mail.message.get_content()
    return found.group(1)


async def test_a_resolved_ticket_mails_a_link_to_rate_it_once(desk: Desk, relay: Relay) -> None:
    ticket = await _open_ticket(desk, "荷物が届きません", "注文した荷物がまだ届きません。")
    await relay.wait_for(1)  # the acknowledgement
    await _resolve(desk.base_url, ticket.conversation_id)
    mail = _resolution(await relay.wait_for(2), ticket.number)
    inbound = await desk.one(select(InboundEmail).where(InboundEmail.ticket_number == ticket.number))
    message = mail.message
    assert mail.recipients == [CUSTOMER]
    assert mail.mail_from == SUPPORT
    assert message["Subject"] == f"[#{ticket.number}] お問い合わせは完了しました: 荷物が届きません"
    assert message["In-Reply-To"] == f"<{inbound.message_id}>"
    text = message.get_content()
    assert "14日間有効" in text
    link = _link(mail)
    assert link.startswith(f"{desk.base_url}/rate/")
    stored = await desk.one(select(OutboundEmail).where(OutboundEmail.kind == "resolution"))
    assert stored.ticket_number == ticket.number

    async with httpx.AsyncClient() as http:
        page = await http.get(link)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        assert '<html lang="ja">' in page.text
        assert f"[#{ticket.number}]" in page.text
        assert page.text.count('type="radio"') == 5
        assert "今回の対応はいかがでしたか" in page.text

        rated = await http.post(link, data={"score": "2", "comment": "カード 4111 1111 1111 1111 の件、遅かったです"})
        assert rated.status_code == 200
        assert "ご評価ありがとうございました" in rated.text

        again = await http.post(link, data={"score": "5"})
        assert again.status_code == 409
        assert "すでにご評価" in again.text
        used = await http.get(link)
        assert used.status_code == 409

    (rating,) = await desk.events(ticket.conversation_id, "csat.submitted")
    conversation = await desk.get(Conversation, ticket.conversation_id)
    assert rating.actor == "customer"
    assert rating.data["score"] == 2
    assert rating.data["via"] == "email"
    assert rating.data["comment"] == "カード ［カード番号・非表示］ の件、遅かったです"
    assert datetime.fromisoformat(rating.data["resolved_at"]) == conversation.resolved_at


async def test_an_english_ticket_gets_the_mail_and_the_page_in_english_at_the_public_address(
    email_settings: Settings, relay: Relay
) -> None:
    settings = email_settings.model_copy(update={"public_url": "https://support.example.jp"})
    async with running_server(settings) as base_url:
        port = int(settings.smtp_listen.rpartition(":")[2])
        answer = await send_mail(
            port, text_mail("Parcel not arrived", "Hello, my parcel has not arrived yet. Could you check it please?")
        )
        number = int(answer.text.decode().split("[#", 1)[1].split("]", 1)[0])
        async with httpx.AsyncClient(base_url=base_url) as http:
            await relay.wait_for(1)
            async with Console(base_url, *AGENT_TANAKA) as console:
                detail = (await console.get("/api/v1/console/conversations")).json()
                conversation_id = next(item["id"] for item in detail["queue"] if item["channel"] == "email")
                assert (await console.post(f"/api/v1/console/conversations/{conversation_id}/resolve")).is_success
            mail = _resolution(await relay.wait_for(2), number)
            assert mail.message["Subject"] == f"[#{number}] Your inquiry has been resolved: Parcel not arrived"
            assert "valid for 14 days" in mail.message.get_content()
            link = _link(mail)
            assert link.startswith("https://support.example.jp/rate/")
            path = link.removeprefix("https://support.example.jp")
            page = await http.get(path)
            assert page.status_code == 200
            assert '<html lang="en">' in page.text
            assert "How did we do?" in page.text
            missing = await http.post(path, data={"comment": "no score"})
            assert missing.status_code == 422
            assert "Please choose a score from 1 to 5." in missing.text
            assert "no score" in missing.text  # the comment is kept in the form
            assert (await http.post(path, data={"score": "5"})).status_code == 200


async def test_each_resolution_of_a_reopened_ticket_has_its_own_link(desk: Desk, relay: Relay) -> None:
    ticket = await _open_ticket(desk, "返品について", "返品の方法を教えてください。")
    await relay.wait_for(1)
    await _resolve(desk.base_url, ticket.conversation_id)
    first = _link(_resolution(await relay.wait_for(2), ticket.number))
    # The customer answers the resolution mail: the ticket reopens; an operator resolves it again.
    reply = text_mail(f"Re: [#{ticket.number}] 返品について", "まだ返品できていません。")
    assert (await send_mail(desk.smtp_port, reply)).code == 250
    conversation = await desk.get(Conversation, ticket.conversation_id)
    assert conversation.state == "queued"
    await _resolve(desk.base_url, ticket.conversation_id)
    received = await relay.wait_for(3)
    second = _link(next(mail for mail in received[2:] if "お問い合わせは完了しました" in mail.message["Subject"]))
    assert second != first
    async with httpx.AsyncClient() as http:
        assert (await http.post(second, data={"score": "4"})).status_code == 200
        assert (await http.post(first, data={"score": "1"})).status_code == 200
        assert (await http.post(first, data={"score": "1"})).status_code == 409
    ratings = await desk.events(ticket.conversation_id, "csat.submitted")
    assert sorted(rating.data["score"] for rating in ratings) == [1, 4]
    assert len({rating.data["resolved_at"] for rating in ratings}) == 2
