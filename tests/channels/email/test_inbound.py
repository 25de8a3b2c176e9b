"""Mail in over real SMTP (smtplib → the running aiosmtpd listener): tickets, Japanese charsets, HTML,
attachments, threading, acknowledgements, refusals — on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import select

from madoguchi.store.models import (
    Conversation,
    EmailAttachment,
    InboundEmail,
    Message,
    OutboundEmail,
    Ticket,
    TrustReport,
)
from tests.channels.email.mailbox import (
    CUSTOMER,
    PHOTO,
    SUPPORT,
    mail_with_attachment,
    message_id,
    send_mail,
    text_mail,
)
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_YAMADA, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings
    from tests.channels.email.conftest import Desk
    from tests.channels.email.mailbox import Relay


async def _ticket_of(desk: Desk, number: int) -> tuple[Ticket, Conversation]:
    ticket = await desk.get(Ticket, number)
    assert ticket is not None
    conversation = await desk.get(Conversation, ticket.conversation_id)
    return ticket, conversation


def _number(answer_text: bytes) -> int:
    return int(answer_text.decode().split("[#", 1)[1].split("]", 1)[0])


async def test_iso2022jp_mail_with_a_photo_becomes_an_acknowledged_ticket(desk: Desk, relay: Relay) -> None:
    original_id = message_id()
    raw = mail_with_attachment(
        "商品が壊れていました",
        "昨日届いた湯呑みが割れていました①。\n写真を添付します。",
        charset="ISO-2022-JP",
        codec="windows-iso2022jp",
        filename="photo.jpg",
        content_type="image/jpeg",
        content=PHOTO,
        message_id=original_id,
    )
    answer = await send_mail(desk.smtp_port, raw)
    assert answer.code == 250, answer
    number = _number(answer.text)

    ticket, conversation = await _ticket_of(desk, number)
    assert (conversation.channel, conversation.state, conversation.desk) == ("email", "queued", "platform_cs")
    assert ticket.customer_address == CUSTOMER
    assert ticket.subject == "商品が壊れていました"
    inbound = await desk.one(select(InboundEmail).where(InboundEmail.ticket_number == number))
    assert inbound.message_id == original_id
    assert inbound.from_name == "佐藤 花子"
    assert inbound.sha256 == hashlib.sha256(raw).hexdigest()
    async with desk.sessions() as session:
        stored_raw = await session.scalar(select(InboundEmail.raw).where(InboundEmail.id == inbound.id))
        attachment = await session.scalar(select(EmailAttachment).where(EmailAttachment.inbound_email_id == inbound.id))
        assert attachment is not None
        content = await session.scalar(select(EmailAttachment.content).where(EmailAttachment.id == attachment.id))
    assert stored_raw == raw
    assert (attachment.filename, attachment.declared_type, attachment.detected_type) == (
        "photo.jpg",
        "image/jpeg",
        "image/jpeg",
    )
    assert (attachment.size, attachment.sha256, content) == (len(PHOTO), hashlib.sha256(PHOTO).hexdigest(), PHOTO)
    message = await desk.one(
        select(Message).where(Message.conversation_id == conversation.id, Message.author == "customer")
    )
    assert message.text == "商品が壊れていました\n\n昨日届いた湯呑みが割れていました①。\n写真を添付します。"
    received = (await desk.events(conversation.id, "email.received"))[0].data
    assert received["attachments"][0]["type"] == "image/jpeg"
    assert received["warnings"] == []

    (ack,) = await relay.wait_for(1)
    assert ack.mail_from == "<>"  # a null return path: a bounce of the acknowledgement goes nowhere
    assert ack.recipients == [CUSTOMER]
    mail = ack.message
    assert f"[#{number}]" in mail["Subject"]
    assert "受け付けました" in mail["Subject"]
    assert "received" in mail["Subject"]
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] == f"<{original_id}>"
    assert mail["From"].addresses[0].addr_spec == SUPPORT
    body = mail.get_content()
    assert f"受付番号は [#{number}]" in body
    # The desk's e-mail clock (platform CS answers mail within 4 hours; its chats within 5 minutes).
    assert "4時間以内" in body
    assert f"Your ticket number is [#{number}]" in body
    assert "within 4 hours" in body
    sent = await desk.one(select(OutboundEmail).where(OutboundEmail.ticket_number == number))
    assert (sent.kind, sent.status, sent.automatic) == ("acknowledgement", "sent", True)
    assert [event.type for event in await desk.events(conversation.id, "email.")] == [
        "email.received",
        "email.queued",
        "email.sent",
    ]


async def test_shift_jis_mail_is_read_as_windows_japanese(desk: Desk) -> None:
    body = "注文番号 250-1234 の件です。①～③の商品が届きません。髙橋ですが、お返事ください。"
    answer = await send_mail(desk.smtp_port, text_mail("配送について", body, charset="Shift_JIS", codec="cp932"))
    assert answer.code == 250, answer
    _, conversation = await _ticket_of(desk, _number(answer.text))
    message = await desk.one(
        select(Message).where(Message.conversation_id == conversation.id, Message.author == "customer")
    )
    assert message.text == f"配送について\n\n{body}"


async def test_euc_jp_and_encoded_word_headers_are_read(desk: Desk) -> None:
    answer = await send_mail(
        desk.smtp_port, text_mail("返品の相談", "返品できますか。", charset="euc-jp", codec="euc_jp")
    )
    assert answer.code == 250, answer
    inbound = await desk.one(select(InboundEmail).where(InboundEmail.ticket_number == _number(answer.text)))
    assert (inbound.subject, inbound.body_text, inbound.from_name) == ("返品の相談", "返品できますか。", "佐藤 花子")


async def test_html_only_mail_becomes_safe_text(desk: Desk) -> None:
    html = (
        "<html><head><style>p { color: red }</style><script>alert('x')</script></head><body>"
        "<p>いつもお世話になっております。</p><div>注文番号: <b>250-1234</b><br>まだ届きません。</div>"
        "<img src=x onerror=alert(1)><p>よろしくお願いします。</p></body></html>"
    )
    raw = text_mail("届かない", html, charset="utf-8").replace(b"text/plain", b"text/html")
    answer = await send_mail(desk.smtp_port, raw)
    assert answer.code == 250, answer
    _, conversation = await _ticket_of(desk, _number(answer.text))
    message = await desk.one(
        select(Message).where(Message.conversation_id == conversation.id, Message.author == "customer")
    )
    assert message.text == (
        "届かない\n\nいつもお世話になっております。\n\n注文番号: 250-1234\nまだ届きません。\n\nよろしくお願いします。"
    )
    assert "<" not in message.text
    assert "alert" not in message.text
    assert "color" not in message.text


async def test_replies_land_on_their_ticket_by_message_id_and_by_ticket_number(desk: Desk, relay: Relay) -> None:
    first = await send_mail(desk.smtp_port, text_mail("荷物が届きません", "注文した荷物がまだ届きません。"))
    number = _number(first.text)
    (ack,) = await relay.wait_for(1)

    # A reply to the acknowledgement: threaded by In-Reply-To, with the quote trimmed from the message.
    reply = text_mail(
        f"Re: {ack.message['Subject']}",
        "追跡番号は 1234-5678-9012 です。\n\n"
        "2026年11月23日(月) 10:00 まどぐち <support@madoguchi.localhost>:\n"
        "> お問い合わせありがとうございます。",
        In_Reply_To=ack.message["Message-ID"],
    )
    by_id = await send_mail(desk.smtp_port, reply)
    assert _number(by_id.text) == number

    # A new mail from the same customer quoting only the number in its subject.
    by_tag = await send_mail(desk.smtp_port, text_mail(f"[#{number}] 追加の写真", "もう一枚あります。"))
    assert _number(by_tag.text) == number

    # The same number typed by someone else opens a ticket of their own.
    stranger = await send_mail(
        desk.smtp_port,
        text_mail(f"[#{number}] 私の荷物", "届きません。", sender="other@example.com"),
        mail_from="other@example.com",
    )
    assert _number(stranger.text) != number

    _ticket, conversation = await _ticket_of(desk, number)
    texts = [
        row.text
        for row in await desk.all(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.author == "customer")
            .order_by(Message.created_at)
        )
    ]
    assert texts == [
        "荷物が届きません\n\n注文した荷物がまだ届きません。",
        "追跡番号は 1234-5678-9012 です。",
        "もう一枚あります。",
    ]
    inbound = await desk.all(select(InboundEmail).where(InboundEmail.ticket_number == number))
    assert len(inbound) == 3
    assert any("お問い合わせありがとうございます" in row.body_text for row in inbound)  # the full body is kept
    # One acknowledgement per ticket: the follow-ups were not answered automatically.
    await relay.wait_for(2)
    assert sorted(mail.recipients[0] for mail in relay.received) == ["other@example.com", CUSTOMER]


async def test_mail_for_other_addresses_is_refused_at_rcpt(desk: Desk) -> None:
    answer = await send_mail(desk.smtp_port, text_mail("hello", "hi"), recipients=("sales@madoguchi.localhost",))
    assert answer.code == 550
    assert b"no such mailbox" in answer.text
    assert await desk.all(select(InboundEmail)) == []


async def test_oversize_mail_is_refused_at_data_with_the_limit(desk: Desk, email_settings: Settings) -> None:
    limit = email_settings.email_max_bytes
    raw = text_mail("大きな添付", "x" * 10) + b"y" * 76 + b"\r\n"
    # Over the limit by the end of DATA: refused then, with the limit in the answer.
    padded = raw + (b"z" * 998 + b"\r\n") * (limit // 1000 + 1)
    answer = await send_mail(desk.smtp_port, padded)
    assert answer.code == 552
    assert b"larger than this desk accepts" in answer.text
    assert str(limit).encode() in answer.text
    assert await desk.all(select(InboundEmail)) == []


async def test_malformed_mime_is_stored_raw_with_a_warning(desk: Desk) -> None:
    raw = (
        b"From: broken@example.jp\r\nTo: support@madoguchi.localhost\r\nSubject: \x83e\x83X\x83g\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-used"\r\n\r\n'
        b"\x92\x8d\x95\xb6\x82\xcc\x8c\x8f\r\n--wrong-boundary\r\nContent-Type: text/plain\r\n\r\nend\r\n"
    )
    answer = await send_mail(desk.smtp_port, raw, mail_from="broken@example.jp")
    assert answer.code == 250, answer
    inbound = await desk.one(select(InboundEmail).where(InboundEmail.ticket_number == _number(answer.text)))
    async with desk.sessions() as session:
        assert await session.scalar(select(InboundEmail.raw).where(InboundEmail.id == inbound.id)) == raw
    assert inbound.subject == "テスト"
    assert any("malformed MIME" in warning for warning in inbound.warnings)
    assert "注文の件" in inbound.body_text
    _, conversation = await _ticket_of(desk, inbound.ticket_number)
    assert (await desk.events(conversation.id, "email.received"))[0].data["warnings"] == inbound.warnings


async def test_a_resent_mail_is_stored_once(desk: Desk, relay: Relay) -> None:
    raw = text_mail("二重送信", "同じメールです。")
    first = await send_mail(desk.smtp_port, raw)
    again = await send_mail(desk.smtp_port, raw)
    assert (first.code, again.code) == (250, 250)
    assert b"Already stored" in again.text
    assert _number(again.text) == _number(first.text)
    assert len(await desk.all(select(InboundEmail))) == 1
    await relay.wait_for(1)
    assert len(await desk.all(select(OutboundEmail))) == 1


async def test_a_forwarded_suspicious_mail_goes_to_trust_and_safety_with_the_original(desk: Desk) -> None:
    phishing = (
        b"From: =?utf-8?b?44G+44Gp44GQ44Gh44Oi44O844Or?= <security@madoguchi-login.example>\r\n"
        b"To: sato.hanako@example.jp\r\nSubject: =?utf-8?b?44Ki44Kr44Km44Oz44OI56K66KqN?=\r\n"
        b"Message-ID: <phish-1@madoguchi-login.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"https://madoguchi-login.example/verify\r\n"
    )
    boundary = "fwd-boundary"
    raw = (
        "\r\n".join(
            [
                f"From: 佐藤 花子 <{CUSTOMER}>".replace("佐藤 花子", "=?utf-8?b?5L2Q6JekIOiKseWtkA==?="),
                f"To: {SUPPORT}",
                "Subject: Fwd: =?utf-8?b?44GT44KM44Gv5pys54mp44Gn44GZ44GL?=",
                f"Message-ID: <{message_id()}>",
                "MIME-Version: 1.0",
                f'Content-Type: multipart/mixed; boundary="{boundary}"',
                "",
                f"--{boundary}",
                "Content-Type: text/plain; charset=utf-8",
                "",
                "このメールは本物ですか？",
                f"--{boundary}",
                "Content-Type: message/rfc822",
                'Content-Disposition: attachment; filename="suspicious.eml"',
                "",
            ]
        ).encode()
        + b"\r\n"
        + phishing
        + f"\r\n--{boundary}--\r\n".encode()
    )
    answer = await send_mail(desk.smtp_port, raw)
    assert answer.code == 250, answer
    ticket, conversation = await _ticket_of(desk, _number(answer.text))
    assert conversation.desk == "trust_safety"
    report = (await desk.events(conversation.id, "email.suspicious_report"))[0].data
    assert report["reason"] == "forwarded_mail_attached"
    case = await desk.get(TrustReport, report["report_id"])
    assert (case.kind, case.state, case.conversation_id) == ("mail", "open", conversation.id)
    assert report["verdict"] == case.verdict
    assert b"phish-1@madoguchi-login.example" in case.raw_mail
    inbound = await desk.one(select(InboundEmail).where(InboundEmail.ticket_number == ticket.number))
    attachment = await desk.one(select(EmailAttachment).where(EmailAttachment.inbound_email_id == inbound.id))
    assert (attachment.filename, attachment.detected_type) == ("suspicious.eml", "message/rfc822")
    async with desk.sessions() as session:
        content = await session.scalar(select(EmailAttachment.content).where(EmailAttachment.id == attachment.id))
    assert b"Message-ID: <phish-1@madoguchi-login.example>" in content
    assert b"https://madoguchi-login.example/verify" in content


async def test_a_mail_the_intent_model_reads_as_a_scam_report_goes_to_trust_and_safety(desk: Desk) -> None:
    raw = text_mail("確認のお願い", "不審なメールが届きました。フィッシング詐欺ではないでしょうか。")
    answer = await send_mail(desk.smtp_port, raw)
    ticket, conversation = await _ticket_of(desk, _number(answer.text))
    assert conversation.desk == "trust_safety"
    report = (await desk.events(conversation.id, "email.suspicious_report"))[0].data
    assert report["reason"] == "intent:report_scam"
    classified = (await desk.events(conversation.id, "message.classified"))[0].data
    assert classified["intent"] == "report_scam"
    inbound = await desk.one(select(InboundEmail).where(InboundEmail.ticket_number == ticket.number))
    original = await desk.one(select(EmailAttachment).where(EmailAttachment.inbound_email_id == inbound.id))
    assert (original.filename, original.detected_type, original.sha256) == (
        "original.eml",
        "message/rfc822",
        hashlib.sha256(raw).hexdigest(),
    )


async def test_an_operator_downloads_a_received_photo_and_a_shop_cannot(desk: Desk) -> None:
    raw = mail_with_attachment(
        "写真です", "添付をご確認ください。", charset="utf-8", codec="utf-8", filename="破損.jpg",
        content_type="image/jpeg", content=PHOTO,
    )  # fmt: skip
    answer = await send_mail(desk.smtp_port, raw)
    _, conversation = await _ticket_of(desk, _number(answer.text))
    (listed,) = (await desk.events(conversation.id, "email.received"))[0].data["attachments"]
    path = f"/api/v1/console/conversations/{conversation.id}/attachments/{listed['id']}"
    async with Console(desk.base_url, *AGENT_TANAKA) as console:
        download = await console.get(path)
        assert download.status_code == 200
        assert download.content == PHOTO
        assert download.headers["content-type"] == "image/jpeg"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert "%E7%A0%B4%E6%90%8D.jpg" in download.headers["content-disposition"]
        missing = await console.get(f"/api/v1/console/conversations/{conversation.id}/attachments/nothing")
        assert missing.status_code == 404
    async with Console(desk.base_url, *SHOP_AGENT_YAMADA) as shop:
        assert (await shop.get(path)).status_code == 404
