"""Tickets: a received mail becomes a customer message on its ticket's conversation, and an operator's answer
on a ticket becomes a mail in the outbox. These are the only writes of the e-mail channel; both run inside
the caller's transaction.

A mail goes through the same steps as a chat message (`do_receive_customer_message`, understanding by the
intent model, the desk's queue). A reply lands on its ticket by Message-ID (In-Reply-To, References) or by
the `[#NUMBER]` in its subject — the number only from the address the ticket belongs to, since anyone can
type a number, while our Message-IDs are random and known only to those who received our mail. Even then a
From line can be forged: unless the site MTA's authentication results vouch for the sender, such a reply is
marked unverified for the operator.

A bounce is no customer writing: it never opens a ticket. It is kept on the ticket whose mail it returns (our
Message-ID in the report) without entering the queue, and a bounce of nothing we sent is only logged.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from madoguchi import intake
from madoguchi.channels.email import compose
from madoguchi.channels.email.autoreply import why_not_auto_reply
from madoguchi.channels.email.mime import Attachment
from madoguchi.channels.email.outbox import Draft, automatic_replies_since, queue_mail
from madoguchi.conversations import actions, events
from madoguchi.domain.clock import utcnow
from madoguchi.domain.routing_map import PLATFORM_CS, DeskId
from madoguchi.domain.signed_links import RATING_LINK_DAYS, rating_token
from madoguchi.domain.text import clean_message_text
from madoguchi.errors import InvalidInput, NotFound
from madoguchi.logs import get_logger
from madoguchi.routing import wording
from madoguchi.store.models import (
    Agent,
    Conversation,
    Customer,
    Desk,
    EmailAttachment,
    InboundEmail,
    OutboundEmail,
    Ticket,
)
from madoguchi.trust.reports import do_report_mail

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.bus import MessageView
    from madoguchi.channels.email.mime import ParsedMail
    from madoguchi.nlu.pipeline import Understanding
    from madoguchi.settings import Settings
    from madoguchi.store.tx import Tx
    from madoguchi.trust.checker import TrustChecker

log = get_logger(__name__)
CHANNEL = "email"
SUSPICIOUS_INTENT = "report_scam"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_TRUNCATED = "\n\n（以下省略：全文はメールとして保存されています / truncated: the whole mail is kept）"
_NO_TEXT = "（本文なし / no text）"
# Senders that only ever write delivery reports.
_REPORTING_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})


@dataclass(frozen=True)
class Envelope:
    """What the sending server said in the SMTP conversation; `mail_from` is "" for a null return path."""

    mail_from: str
    rcpt_to: tuple[str, ...]


@dataclass(frozen=True)
class Receipt:
    # None for a bounce of no mail of ours: it was logged, not stored.
    ticket_number: int | None
    conversation_id: str | None
    new_ticket: bool
    # The same mail (Message-ID and sender) was stored before: nothing was added.
    duplicate: bool = False
    acknowledged: bool = False
    # Why the mail was read as a bounce or another delivery report, when it was.
    delivery_report: str | None = None


def support_addresses(settings: Settings) -> frozenset[str]:
    return frozenset(address.strip().lower() for address in settings.support_addresses.split(",") if address.strip())


async def do_receive_mail(
    tx: Tx, services: intake.Services, envelope: Envelope, raw: bytes, mail: ParsedMail
) -> Receipt:
    """Store one received mail (raw, read, attachments) on its ticket and hand its text to the intake as the
    customer's message; queue the acknowledgement of a new ticket when it may be sent."""
    session = tx.session
    settings = services.settings
    sender = mail.reply_to or mail.from_address or envelope.mail_from.lower() or None
    duplicate = await _already_received(session, mail)
    if duplicate is not None:
        log.info("email.duplicate", message_id=mail.message_id, ticket=duplicate.number)
        return Receipt(duplicate.number, duplicate.conversation_id, new_ticket=False, duplicate=True)
    report = _delivery_report(mail, envelope)
    if report is not None:
        return await _receive_report(tx, envelope, raw, mail, report)

    ticket, threaded_by = await _thread(session, mail, sender)
    new_ticket = ticket is None
    # A follow-up's subject only repeats the ticket's; the first mail's subject often says the most.
    text = _message_text(mail, settings.max_message_chars, with_subject=new_ticket)
    # Understood once, from the text as it will be stored (masked): the language and a reported scam decide how
    # the ticket opens, and the intake records and places with the same understanding.
    understood = intake.understand(services, text)
    understanding = understood.understanding
    suspicious = _suspicion(mail, understanding) if new_ticket else None
    if ticket is None:
        conversation, ticket = await _open_ticket(tx, settings, envelope, mail, sender, understanding, suspicious)
    else:
        locked = await session.scalar(
            select(Conversation).where(Conversation.id == ticket.conversation_id).with_for_update()
        )
        if locked is None:  # pragma: no cover - the ticket's foreign key keeps its conversation
            raise LookupError(f"ticket {ticket.number} has no conversation")
        conversation = locked

    attachments = list(mail.attachments)
    if suspicious is not None and not any(attachment.is_mail for attachment in attachments):
        # Trust & safety analyse the mail as it arrived (headers, links), not only its forwarded text.
        attachments.append(_original_as_attachment(raw))
    inbound, stored = await _store(session, ticket, envelope, raw, mail, attachments)
    if suspicious is not None:
        evidence = next(attachment.content for attachment in attachments if attachment.is_mail)
        await _report_suspicious(tx, conversation, ticket, suspicious, evidence, services.trust)

    threading: dict[str, object] = {}
    if threaded_by is not None:
        threading["threaded_by"] = threaded_by
    if threaded_by == "ticket_number" and not _sender_verified(mail, sender):
        threading["sender_unverified"] = True
        log.info("email.sender_unverified", ticket=ticket.number, inbound_id=inbound.id, sender=sender)
    # Recorded before the message goes through the intake, so that the mail's event precedes the placement's.
    events.record(tx, conversation.id, "customer", _received_event(ticket, inbound, raw, mail, stored, **threading))
    received = await intake.do_receive(
        tx, services, conversation, text=text, client_id=f"mail:{inbound.id}", understood=understood
    )
    inbound.message_row_id = received.message.id
    if mail.warnings:
        log.warning("email.malformed", inbound_id=inbound.id, ticket=ticket.number, warnings=list(mail.warnings))

    acknowledged = False
    if new_ticket:
        acknowledged = await _acknowledge(tx, settings, envelope, mail, ticket, conversation, inbound)
    return Receipt(ticket.number, conversation.id, new_ticket=new_ticket, acknowledged=acknowledged)


async def do_queue_agent_reply(
    tx: Tx, settings: Settings, agent: Agent, conversation: Conversation, message: MessageView
) -> OutboundEmail | None:
    """Send an operator's reply on a ticket as a mail, threaded under the customer's latest mail.

    A resent reply (the same stored message) is not queued twice.
    """
    session = tx.session
    ticket = await session.scalar(select(Ticket).where(Ticket.conversation_id == conversation.id))
    if ticket is None or message.private:
        return None
    existing = await session.scalar(select(OutboundEmail).where(OutboundEmail.message_row_id == message.id))
    if existing is not None:
        return existing
    if not ticket.customer_address:
        events.record(
            tx, conversation.id, f"agent:{agent.id}", events.EmailFailed(reason="the ticket has no address to reply to")
        )
        return None
    latest = await session.scalar(
        select(InboundEmail)
        .where(InboundEmail.ticket_number == ticket.number)
        .order_by(InboundEmail.received_at.desc())
        .limit(1)
    )
    desk = await session.get(Desk, conversation.desk) if conversation.desk else None
    draft = Draft(
        kind="reply",
        automatic=False,
        from_address=ticket.support_address,
        from_name=_desk_name(desk),
        to_address=ticket.customer_address,
        subject=compose.reply_subject(ticket.number, ticket.subject),
        text=compose.reply_text(number=ticket.number, text=message.text),
        in_reply_to=latest.message_id if latest is not None else None,
        references=list(latest.reference_ids) if latest is not None else [],
        message_row_id=message.id,
    )
    return queue_mail(tx, ticket, draft, relay_configured=bool(settings.smtp_relay), actor=f"agent:{agent.id}")


async def do_queue_resolution_mail(
    tx: Tx, settings: Settings, agent: Agent, conversation: Conversation, base_url: str
) -> OutboundEmail | None:
    """Tell the ticket's customer, in the ticket's language, that an operator resolved it, with a signed link to
    rate that resolution (`/rate/TOKEN`, valid RATING_LINK_DAYS days, one rating)."""
    session = tx.session
    ticket = await session.scalar(select(Ticket).where(Ticket.conversation_id == conversation.id))
    if ticket is None or conversation.resolved_at is None:
        return None
    if not ticket.customer_address:
        events.record(
            tx, conversation.id, f"agent:{agent.id}", events.EmailFailed(reason="the ticket has no address to reply to")
        )
        return None
    latest = await session.scalar(
        select(InboundEmail)
        .where(InboundEmail.ticket_number == ticket.number)
        .order_by(InboundEmail.received_at.desc())
        .limit(1)
    )
    token = rating_token(settings.secret_key, conversation.id, conversation.resolved_at, utcnow())
    language = "ja" if conversation.language == "ja" else "en"
    desk = await session.get(Desk, conversation.desk) if conversation.desk else None
    draft = Draft(
        kind="resolution",
        automatic=False,
        from_address=ticket.support_address,
        from_name=_desk_name(desk),
        to_address=ticket.customer_address,
        subject=compose.resolution_subject(ticket.number, ticket.subject, language),
        text=compose.resolution_text(
            number=ticket.number,
            language=language,
            rating_url=f"{base_url.rstrip('/')}/rate/{token}",
            days=RATING_LINK_DAYS,
        ),
        in_reply_to=latest.message_id if latest is not None else None,
        references=list(latest.reference_ids) if latest is not None else [],
    )
    return queue_mail(tx, ticket, draft, relay_configured=bool(settings.smtp_relay), actor=f"agent:{agent.id}")


async def attachment_of(session: AsyncSession, conversation: Conversation, attachment_id: str) -> EmailAttachment:
    """A file received on this conversation's ticket, with its content; anything else is not found."""
    attachment = await session.scalar(
        select(EmailAttachment)
        .join(InboundEmail, InboundEmail.id == EmailAttachment.inbound_email_id)
        .join(Ticket, Ticket.number == InboundEmail.ticket_number)
        .where(EmailAttachment.id == attachment_id, Ticket.conversation_id == conversation.id)
        .options(undefer(EmailAttachment.content))
    )
    if attachment is None:
        raise NotFound(f"There is no attachment {attachment_id} on this conversation.")
    return attachment


async def _already_received(session: AsyncSession, mail: ParsedMail) -> Ticket | None:
    """The ticket of an identical earlier delivery (a server resending after losing our 250)."""
    if mail.message_id is None:
        return None
    number = await session.scalar(
        select(InboundEmail.ticket_number)
        .where(InboundEmail.message_id == mail.message_id, InboundEmail.from_address == mail.from_address)
        .limit(1)
    )
    return await session.get(Ticket, number) if number is not None else None


async def _thread(session: AsyncSession, mail: ParsedMail, sender: str | None) -> tuple[Ticket | None, str | None]:
    """The ticket a mail follows up, and how it was found (`message_id` or `ticket_number`)."""
    ticket = await _cited(session, mail.thread_ids, (OutboundEmail, InboundEmail))
    if ticket is not None:
        return ticket, "message_id"
    if sender:
        for number in mail.ticket_numbers:
            ticket = await session.get(Ticket, number)
            if ticket is not None and ticket.customer_address == sender:
                return ticket, "ticket_number"
    return None, None


async def _cited(
    session: AsyncSession, ids: Sequence[str], tables: Sequence[type[OutboundEmail] | type[InboundEmail]]
) -> Ticket | None:
    """The ticket of the first of `ids` that is a stored mail's Message-ID."""
    if not ids:
        return None
    for table in tables:
        rows = (
            await session.execute(select(table.message_id, table.ticket_number).where(table.message_id.in_(ids)))
        ).all()
        by_id = {message_id: number for message_id, number in rows}
        for message_id in ids:
            if message_id in by_id:
                return await session.get(Ticket, by_id[message_id])
    return None


def _sender_verified(mail: ParsedMail, sender: str | None) -> bool:
    # The authentication results vouch for the From domain only; a Reply-To address is the mail's word alone.
    return mail.sender_authenticated and sender is not None and sender == mail.from_address


def _delivery_report(mail: ParsedMail, envelope: Envelope) -> str | None:
    """Why a mail is a bounce or another delivery report written by a mail server, if it is one."""
    if mail.is_report:
        return "delivery_report"  # multipart/report: delivery status and read notifications
    if not envelope.mail_from:
        return "null_return_path"  # RFC 5321: bounces and other automatic notices are sent with MAIL FROM:<>
    if (mail.from_address or "").partition("@")[0] in _REPORTING_LOCAL_PARTS:
        return "mailer_daemon"
    return None


async def _receive_report(tx: Tx, envelope: Envelope, raw: bytes, mail: ParsedMail, reason: str) -> Receipt:
    """Keep a bounce on the ticket whose mail it returns, outside the queues; one of nothing we sent is logged.

    Only our own Message-IDs place it: they are random, so a report citing one answers a mail we sent.
    """
    ids = tuple(dict.fromkeys([*mail.thread_ids, *mail.returned_ids]))
    ticket = await _cited(tx.session, ids, (OutboundEmail,))
    if ticket is None:
        log.warning(
            "email.report_ignored",
            reason=reason,
            mail_from=envelope.mail_from,
            from_address=mail.from_address,
            subject=mail.subject[:200],
            message_id=mail.message_id,
            returned_ids=list(mail.returned_ids[:5]),
            size=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(),
        )
        return Receipt(None, None, new_ticket=False, delivery_report=reason)
    inbound, stored = await _store(tx.session, ticket, envelope, raw, mail, list(mail.attachments))
    inbound.auto_reply_suppressed = reason
    events.record(
        tx, ticket.conversation_id, "email", _received_event(ticket, inbound, raw, mail, stored, delivery_report=reason)
    )
    log.info("email.report_received", ticket=ticket.number, inbound_id=inbound.id, reason=reason)
    return Receipt(ticket.number, ticket.conversation_id, new_ticket=False, delivery_report=reason)


async def _store(
    session: AsyncSession,
    ticket: Ticket,
    envelope: Envelope,
    raw: bytes,
    mail: ParsedMail,
    attachments: list[Attachment],
) -> tuple[InboundEmail, list[EmailAttachment]]:
    """The received mail as it arrived and as it was read, with its attachments, on its ticket."""
    inbound = InboundEmail(
        id=str(uuid.uuid4()),
        ticket_number=ticket.number,
        message_id=mail.message_id,
        in_reply_to=list(mail.in_reply_to),
        reference_ids=list(mail.references),
        mail_from=envelope.mail_from,
        rcpt_to=list(envelope.rcpt_to),
        from_address=mail.from_address,
        from_name=mail.from_name,
        subject=mail.subject,
        body_text=mail.full_text,
        warnings=list(mail.warnings),
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        raw=raw,
        received_at=utcnow(),
    )
    session.add(inbound)
    # The rows refer to each other by foreign keys only (no relationships): each is flushed before its dependants.
    await session.flush()
    stored = [_attachment_row(inbound.id, attachment) for attachment in attachments]
    session.add_all(stored)
    await session.flush()
    return inbound, stored


def _received_event(
    ticket: Ticket,
    inbound: InboundEmail,
    raw: bytes,
    mail: ParsedMail,
    stored: list[EmailAttachment],
    **extra: Any,
) -> events.EmailReceived:
    return events.EmailReceived(
        ticket=ticket.number,
        inbound_id=inbound.id,
        message_id=mail.message_id,
        from_address=mail.from_address,
        subject=mail.subject,
        size=len(raw),
        attachments=[
            {"id": row.id, "filename": row.filename, "type": row.detected_type or row.declared_type, "size": row.size}
            for row in stored
        ],
        warnings=list(mail.warnings),
        **extra,
    )


def _suspicion(mail: ParsedMail, understanding: Understanding | None) -> str | None:
    """Why a new mail is a customer reporting a suspicious mail, if it is one."""
    if mail.loop_headers or mail.is_report:
        return None  # a program's mail (a bounce carries the original too) is not a customer's report
    if any(attachment.is_mail for attachment in mail.attachments):
        return "forwarded_mail_attached"
    if understanding is not None and understanding.intent == SUSPICIOUS_INTENT:
        return f"intent:{SUSPICIOUS_INTENT}"
    return None


async def _open_ticket(
    tx: Tx,
    settings: Settings,
    envelope: Envelope,
    mail: ParsedMail,
    sender: str | None,
    understanding: Understanding | None,
    suspicious: str | None,
) -> tuple[Conversation, Ticket]:
    session = tx.session
    customer, known = await _customer_for(session, sender, mail.from_name)
    language = understanding.language if understanding is not None else _language_of(mail)
    conversation = await actions.do_open_chat(
        tx, customer_id=customer.id, shop_id=None, language=language, channel=CHANNEL
    )
    await session.flush()
    ours = support_addresses(settings)
    support_address = next((address.lower() for address in envelope.rcpt_to if address.lower() in ours), None)
    ticket = Ticket(
        conversation_id=conversation.id,
        customer_address=sender or "",
        support_address=support_address or sorted(ours)[0],
        subject=compose.base_subject(mail.subject),
        created_at=utcnow(),
    )
    session.add(ticket)
    await session.flush()
    if suspicious is not None:
        conversation.desk = DeskId.TRUST_SAFETY.value
    events.record(
        tx,
        conversation.id,
        "customer",
        events.TicketOpened(
            ticket=ticket.number,
            customer_address=ticket.customer_address,
            **({"unverified_member_id": known} if known else {}),
        ),
    )
    return conversation, ticket


async def _report_suspicious(
    tx: Tx, conversation: Conversation, ticket: Ticket, reason: str, evidence: bytes, trust: TrustChecker | None
) -> None:
    """Open a trust & safety case for the reported mail, with the platform's analysis of it."""
    case: dict[str, object] = {}
    if trust is not None:
        try:
            report = await do_report_mail(
                tx.session, trust, evidence, customer_id=conversation.customer_id, conversation_id=conversation.id
            )
        except InvalidInput as exc:
            # A mail the case cannot take (too large) is still on the ticket, as an attachment.
            case = {"case_refused": exc.message}
        else:
            case = {"report_id": report.id, "verdict": report.verdict, "brand": report.brand}
    events.record(
        tx, conversation.id, "email", events.EmailSuspiciousReport(ticket=ticket.number, reason=reason, **case)
    )


async def _customer_for(session: AsyncSession, address: str | None, name: str | None) -> tuple[Customer, str | None]:
    """The mail customer of an address (not signed in: a From line proves nothing), and a member it matches."""
    key = address or "unknown"
    customer_id = f"mail_{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    customer = await session.get(Customer, customer_id)
    if customer is None:
        customer = Customer(id=customer_id, name=name, email=address, is_anonymous=True, language="ja")
        session.add(customer)
        await session.flush()
    elif name and customer.name != name:
        customer.name = name
    known = None
    if address:
        known = await session.scalar(
            select(Customer.id).where(Customer.email == address, Customer.is_anonymous.is_(False)).limit(1)
        )
    return customer, known


def _language_of(mail: ParsedMail) -> str:
    return "ja" if _JAPANESE.search(f"{mail.subject}\n{mail.text}") else "en"


def _message_text(mail: ParsedMail, max_chars: int, *, with_subject: bool) -> str:
    """What the conversation shows: the subject of a new ticket, then what the customer wrote in this mail."""
    parts = [part for part in (mail.subject.strip() if with_subject else "", mail.text.strip()) if part]
    if not mail.text.strip() and mail.attachments:
        parts.append(", ".join(attachment.filename for attachment in mail.attachments))
    return _fit("\n\n".join(parts), max_chars)


def _fit(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        text = text[: max_chars - len(_TRUNCATED)] + _TRUNCATED
    try:
        return clean_message_text(text, max_chars)
    except InvalidInput:
        return _NO_TEXT


def _original_as_attachment(raw: bytes) -> Attachment:
    return Attachment(
        filename="original.eml",
        declared_type="message/rfc822",
        detected_type="message/rfc822",
        content=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        is_mail=True,
    )


def _attachment_row(inbound_id: str, attachment: Attachment) -> EmailAttachment:
    return EmailAttachment(
        id=str(uuid.uuid4()),
        inbound_email_id=inbound_id,
        filename=attachment.filename,
        declared_type=attachment.declared_type[:127],
        detected_type=attachment.detected_type,
        size=attachment.size,
        sha256=attachment.sha256,
        content=attachment.content,
    )


def _desk_name(desk: Desk | None) -> str | None:
    return desk.name_ja if desk is not None else None


async def _acknowledge(
    tx: Tx,
    settings: Settings,
    envelope: Envelope,
    mail: ParsedMail,
    ticket: Ticket,
    conversation: Conversation,
    inbound: InboundEmail,
) -> bool:
    """Queue the acknowledgement of a new ticket, to the mail's author only.

    Never to Reply-To, which names any address the writer likes; and the writer's own words (subject, name) are
    repeated only when the site MTA authenticated the From address: otherwise the From line may be someone
    else's, and the acknowledgement must not carry a stranger's text to them.
    """
    sender = mail.from_address or envelope.mail_from.lower() or None
    recent = await automatic_replies_since(tx.session, sender, utcnow() - timedelta(hours=1)) if sender else 0
    reason = why_not_auto_reply(
        mail,
        sender=sender,
        null_return_path=not envelope.mail_from,
        support_addresses=support_addresses(settings),
        replies_last_hour=recent,
        cap=settings.email_auto_replies_per_hour,
    )
    if reason is not None or sender is None:
        inbound.auto_reply_suppressed = reason
        events.record(
            tx, conversation.id, "email", events.EmailAutoReplySuppressed(ticket=ticket.number, reason=reason)
        )
        log.info("email.auto_reply_suppressed", ticket=ticket.number, reason=reason, sender=sender)
        return False
    desk = await tx.session.get(Desk, conversation.desk or PLATFORM_CS)
    echo = _sender_verified(mail, sender)
    draft = Draft(
        kind="acknowledgement",
        automatic=True,
        from_address=ticket.support_address,
        from_name=_desk_name(desk),
        to_address=sender,
        subject=compose.acknowledgement_subject(ticket.number, mail.subject if echo else ""),
        text=compose.acknowledgement_text(
            number=ticket.number,
            customer_name=mail.from_name if echo else None,
            desk_ja=desk.name_ja if desk is not None else "カスタマーサービス",
            desk_en=desk.name_en if desk is not None else "Customer service",
            minutes=desk.first_response_for("email") if desk is not None else 24 * 60,
        ),
        in_reply_to=mail.message_id,
        references=list(mail.references),
    )
    queue_mail(tx, ticket, draft, relay_configured=bool(settings.smtp_relay), actor="email")
    return True


# What a person can be written to: one @, a dotted domain, no spaces or angle brackets (a header's syntax).
_CUSTOMER_ADDRESS = re.compile(r"^[^@\s<>\"(),;:]{1,64}@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:.]{2,}$")


def checked_address(raw: object) -> str:
    """A customer's e-mail address as typed, checked and lower-cased; InvalidInput saying what is wrong."""
    address = raw.strip() if isinstance(raw, str) else ""
    if not address:
        raise InvalidInput("メールアドレスを入力してください。 Enter your e-mail address, e.g. hanako@example.jp.")
    if len(address) > 254 or not _CUSTOMER_ADDRESS.match(address) or ".." in address:
        raise InvalidInput(
            "メールアドレスの形式が正しくありません（例：hanako@example.jp）。 "
            "This is not an e-mail address: check it, e.g. hanako@example.jp."
        )
    return address.lower()


async def do_answer_by_email(
    tx: Tx, settings: Settings, conversation: Conversation, customer: Customer, address: object, now: datetime
) -> Ticket:
    """A waiting chat customer takes up the offer of an answer by e-mail: the chat becomes a ticket on the mail
    channel (its queue, SLA and the operator's replies are then those of a mail, `do_queue_agent_reply`), to the
    address given, or a signed-in customer's own when none is. Taking it up again keeps the first ticket."""
    session = tx.session
    existing = await session.scalar(select(Ticket).where(Ticket.conversation_id == conversation.id))
    if existing is not None:
        return existing
    if conversation.state != "queued":
        raise InvalidInput(
            "この回答方法は順番待ちの間だけ選べます。 "
            "An answer by e-mail can be chosen only while you wait in the queue."
        )
    typed = address.strip() if isinstance(address, str) else ""
    if not typed and not customer.is_anonymous and customer.email:
        chosen = customer.email.lower()
    else:
        chosen = checked_address(address)
    ours = support_addresses(settings)
    ticket = Ticket(
        conversation_id=conversation.id,
        customer_address=chosen,
        support_address=sorted(ours)[0],
        subject="チャットでのお問い合わせ / Your chat enquiry",
        created_at=now,
    )
    session.add(ticket)
    await session.flush()
    conversation.channel = CHANNEL
    events.record(tx, conversation.id, "customer", events.TicketOpened(ticket=ticket.number, customer_address=chosen))
    text = wording.say("email_booked", conversation.language, address=chosen, number=str(ticket.number))
    await actions.do_system_message(tx, conversation, text, now)
    return ticket
