"""A customer's data requests (Japan's APPI, the GDPR): everything held about them, and its erasure.

An export gathers every row that names the customer or belongs to one of their conversations: their profile,
conversations with every message (operators' notes included: they are about the customer), photos, e-mails
as received and as sent, events, callbacks, returns, trust reports and the demo store's orders.

An erasure empties what identifies them or what they wrote, and keeps what the reports count: the
conversations, their states and times, the events' types and actors, the ratings' scores. The marketplace's
own commerce records (orders and returns) are the commerce system's to keep; only the delivery addresses
the customer gave here are emptied. Both are written to the audit log by their caller.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from madoguchi.conversations import events
from madoguchi.domain.conversation import State
from madoguchi.errors import Conflict, NotFound
from madoguchi.store.models import (
    BotState,
    Callback,
    Conversation,
    ConversationEvent,
    Customer,
    EmailAttachment,
    InboundEmail,
    Message,
    MessageAttachment,
    Order,
    OrderAddressChange,
    OutboundEmail,
    ReturnRequest,
    Ticket,
    TrustReport,
    WebhookDelivery,
)

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

# Export format version: a reader of an archive knows what it holds.
EXPORT_FORMAT = 1
ERASED = events.ERASED


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _bytes(content: bytes | None) -> str | None:
    return base64.b64encode(content).decode() if content is not None else None


async def _customer(session: AsyncSession, customer_id: str) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"No customer {customer_id!r}.")
    return customer


async def _conversations(session: AsyncSession, customer_id: str) -> list[Conversation]:
    return list(
        await session.scalars(
            select(Conversation).where(Conversation.customer_id == customer_id).order_by(Conversation.created_at)
        )
    )


async def export_customer(session: AsyncSession, customer_id: str) -> dict[str, Any]:
    """Everything held about the customer, as one JSON-ready document (files as base64)."""
    customer = await _customer(session, customer_id)
    conversations = await _conversations(session, customer_id)
    return {
        "format": EXPORT_FORMAT,
        "customer": {
            "id": customer.id,
            "name": customer.name,
            "name_kana": customer.name_kana,
            "email": customer.email,
            "phone": customer.phone,
            "language": customer.language,
            "member_tier": customer.member_tier,
            "prefecture": customer.prefecture,
            "address": customer.address,
            "anonymous": customer.is_anonymous,
            "created_at": _when(customer.created_at),
        },
        "conversations": [await _export_conversation(session, conversation) for conversation in conversations],
        "callbacks": [
            {
                "id": callback.id,
                "conversation_id": callback.conversation_id,
                "desk": callback.desk,
                "phone": callback.phone_display,
                "window_start": _when(callback.window_start),
                "window_end": _when(callback.window_end),
                "topic": callback.topic,
                "state": callback.state,
                "outcomes": callback.outcomes,
                "created_at": _when(callback.created_at),
            }
            for callback in await session.scalars(
                select(Callback).where(Callback.customer_id == customer_id).order_by(Callback.created_at)
            )
        ],
        "orders": [
            {
                "number": order.number,
                "shop_id": order.shop_id,
                "items": order.items,
                "total_yen": order.total_yen,
                "payment_method": order.payment_method,
                "status": order.status,
                "carrier": order.carrier,
                "tracking_id": order.tracking_id,
                "ordered_at": _when(order.ordered_at),
                "address_changes": [
                    {"address": change.address, "changed_at": _when(change.changed_at)}
                    for change in await session.scalars(
                        select(OrderAddressChange)
                        .where(OrderAddressChange.order_number == order.number)
                        .order_by(OrderAddressChange.id)
                    )
                ],
            }
            for order in await session.scalars(
                select(Order).where(Order.customer_id == customer_id).order_by(Order.ordered_at)
            )
        ],
        "returns": [
            {
                "code": item.code,
                "order_number": item.order_number,
                "kind": item.kind,
                "method": item.method,
                "reason": item.reason,
                "state": item.state,
                "refund_yen": item.refund_yen,
                "created_at": _when(item.created_at),
            }
            for item in await session.scalars(
                select(ReturnRequest).where(ReturnRequest.customer_id == customer_id).order_by(ReturnRequest.created_at)
            )
        ],
        "trust_reports": [
            {
                "id": report.id,
                "conversation_id": report.conversation_id,
                "kind": report.kind,
                "content": report.content,
                "raw_mail": _bytes(report.raw_mail),
                "verdict": report.verdict,
                "state": report.state,
                "created_at": _when(report.created_at),
            }
            for report in await session.scalars(
                select(TrustReport).where(TrustReport.customer_id == customer_id).order_by(TrustReport.created_at)
            )
        ],
    }


async def _export_conversation(session: AsyncSession, conversation: Conversation) -> dict[str, Any]:
    conversation_id = conversation.id
    photos: dict[str, list[dict[str, Any]]] = {}
    for photo in await session.scalars(
        select(MessageAttachment)
        .where(MessageAttachment.conversation_id == conversation_id)
        .order_by(MessageAttachment.created_at)
        .execution_options(populate_existing=True)
    ):
        content = await session.scalar(select(MessageAttachment.content).where(MessageAttachment.id == photo.id))
        photos.setdefault(photo.message_id, []).append(
            {
                "filename": photo.filename,
                "content_type": photo.content_type,
                "size": photo.size,
                "base64": _bytes(content),
            }
        )
    ticket = await session.scalar(select(Ticket).where(Ticket.conversation_id == conversation_id))
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "state": conversation.state,
        "desk": conversation.desk,
        "shop_id": conversation.shop_id,
        "order_number": conversation.order_number,
        "language": conversation.language,
        "created_at": _when(conversation.created_at),
        "resolved_at": _when(conversation.resolved_at),
        "messages": [
            {
                "id": message.id,
                "author": message.author,
                "private": message.private,
                "text": message.text,
                "created_at": _when(message.created_at),
                "photos": photos.get(message.id, []),
            }
            for message in await session.scalars(
                select(Message).where(Message.conversation_id == conversation_id).order_by(Message.created_at)
            )
        ],
        "events": [
            {"type": event.type, "actor": event.actor, "data": event.data, "created_at": _when(event.created_at)}
            for event in await session.scalars(
                select(ConversationEvent)
                .where(ConversationEvent.conversation_id == conversation_id)
                .order_by(ConversationEvent.id)
            )
        ],
        "ticket": await _export_ticket(session, ticket) if ticket is not None else None,
    }


async def _export_ticket(session: AsyncSession, ticket: Ticket) -> dict[str, Any]:
    received = []
    for mail in await session.scalars(
        select(InboundEmail).where(InboundEmail.ticket_number == ticket.number).order_by(InboundEmail.received_at)
    ):
        raw = await session.scalar(select(InboundEmail.raw).where(InboundEmail.id == mail.id))
        attachments = [
            {"filename": name, "content_type": kind, "size": size, "base64": _bytes(content)}
            for name, kind, size, content in await session.execute(
                select(
                    EmailAttachment.filename,
                    EmailAttachment.detected_type,
                    EmailAttachment.size,
                    EmailAttachment.content,
                ).where(EmailAttachment.inbound_email_id == mail.id)
            )
        ]
        received.append(
            {
                "from": mail.from_address,
                "from_name": mail.from_name,
                "subject": mail.subject,
                "body": mail.body_text,
                "received_at": _when(mail.received_at),
                "attachments": attachments,
                "raw_base64": _bytes(raw),
            }
        )
    sent = [
        {
            "to": mail.to_address,
            "subject": mail.subject,
            "kind": mail.kind,
            "status": mail.status,
            "created_at": _when(mail.created_at),
            "sent_at": _when(mail.sent_at),
        }
        for mail in await session.scalars(
            select(OutboundEmail).where(OutboundEmail.ticket_number == ticket.number).order_by(OutboundEmail.created_at)
        )
    ]
    return {
        "number": ticket.number,
        "address": ticket.customer_address,
        "subject": ticket.subject,
        "received": received,
        "sent": sent,
    }


@dataclass(frozen=True)
class Erasure:
    """What an erasure emptied, for the audit log and the person who asked."""

    customer_id: str
    conversations: int
    messages: int
    photos: int
    mails_received: int
    mails_sent: int
    events: int
    callbacks: int
    trust_reports: int
    addresses: int

    def counts(self) -> dict[str, Any]:
        return asdict(self)


async def do_erase_customer(session: AsyncSession, customer_id: str) -> Erasure:
    """Empty what identifies the customer or what they wrote, in the caller's transaction.

    Refused while one of their conversations is open: an operator may be answering it, and the erasure would
    pull the words from under them. Erasing twice changes nothing the second time."""
    customer = await _customer(session, customer_id)
    conversation_ids = [conversation.id for conversation in await _conversations(session, customer_id)]
    open_ones = await session.scalar(
        select(Conversation.id)
        .where(Conversation.id.in_(conversation_ids), Conversation.state != State.RESOLVED.value)
        .limit(1)
    )
    if open_ones is not None:
        raise Conflict(
            f"Conversation {open_ones} of this customer is still open: resolve it before erasing the customer. "
            "このお客様の未解決の会話があります。解決してから削除してください。"
        )
    customer.name = customer.name_kana = customer.email = customer.phone = None
    customer.prefecture = customer.address = None
    ticket_numbers = list(
        await session.scalars(select(Ticket.number).where(Ticket.conversation_id.in_(conversation_ids)))
    )
    inbound_ids = list(
        await session.scalars(select(InboundEmail.id).where(InboundEmail.ticket_number.in_(ticket_numbers)))
    )
    messages = await _count_changed(
        session,
        update(Message)
        .where(Message.conversation_id.in_(conversation_ids), Message.text != ERASED)
        .values(text=ERASED),
    )
    photos = await _count_changed(
        session, delete(MessageAttachment).where(MessageAttachment.conversation_id.in_(conversation_ids))
    )
    await session.execute(delete(EmailAttachment).where(EmailAttachment.inbound_email_id.in_(inbound_ids)))
    mails_received = await _count_changed(
        session,
        update(InboundEmail)
        .where(InboundEmail.id.in_(inbound_ids), InboundEmail.body_text != ERASED)
        .values(
            raw=b"",
            body_text=ERASED,
            subject=ERASED,
            from_address=None,
            from_name=None,
            mail_from=ERASED,
            rcpt_to=[],
            in_reply_to=[],
            reference_ids=[],
        ),
    )
    mails_sent = await _count_changed(
        session,
        update(OutboundEmail)
        .where(OutboundEmail.ticket_number.in_(ticket_numbers), OutboundEmail.to_address != ERASED)
        .values(raw=b"", to_address=ERASED, subject=ERASED),
    )
    # A mail still waiting in the outbox has nobody to go to any more.
    await session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.ticket_number.in_(ticket_numbers), OutboundEmail.status.in_(("queued", "deferred")))
        .values(status="failed", last_error="customer erased", lease_until=None)
    )
    # The ticket keeps its number (never reused); no mail threads to it by address any more.
    await session.execute(
        update(Ticket).where(Ticket.number.in_(ticket_numbers)).values(customer_address=ERASED, subject=ERASED)
    )
    callbacks = await _count_changed(
        session,
        update(Callback)
        .where(Callback.customer_id == customer_id, Callback.phone_e164 != "")
        .values(phone_e164="", phone_display=ERASED, topic=ERASED),
    )
    trust_reports = await _count_changed(
        session,
        update(TrustReport)
        .where(TrustReport.customer_id == customer_id)
        .values(customer_id=None, content=ERASED, raw_mail=None),
    )
    addresses = await _count_changed(
        session,
        update(OrderAddressChange)
        .where(
            OrderAddressChange.order_number.in_(select(Order.number).where(Order.customer_id == customer_id)),
            OrderAddressChange.address != ERASED,
        )
        .values(address=ERASED),
    )
    # What the bot remembered between turns (an address it was asking for, say).
    await session.execute(delete(BotState).where(BotState.conversation_id.in_(conversation_ids)))
    # Webhook bodies hold the customer's words as they were: those not yet sent are never sent, and the log of
    # those sent keeps no copy.
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.conversation_id.in_(conversation_ids)))
    changed_events = await events.erase_personal(session, conversation_ids)
    return Erasure(
        customer_id=customer_id,
        conversations=len(conversation_ids),
        messages=messages,
        photos=photos,
        mails_received=mails_received,
        mails_sent=mails_sent,
        events=changed_events,
        callbacks=callbacks,
        trust_reports=trust_reports,
        addresses=addresses,
    )


async def _count_changed(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
