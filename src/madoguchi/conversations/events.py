"""The event log of conversations: the catalogue of what can happen, and the one function that records it.

Every `ConversationEvent` row is written by `record` and nothing else; every type is a member of `EventType`
with its payload model below. The console, reports and webhooks read these rows, so a payload is a contract:
add fields, never rename them. A payload is stored as given (fields not passed are left out), so that an
event says only what is known when it happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from madoguchi.conversations import facts, webhook_outbox
from madoguchi.domain.clock import utcnow
from madoguchi.domain.event_types import EventType as EventType
from madoguchi.store.models import ConversationEvent

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.store.tx import Tx


class Personal:
    """Marks a payload field that may hold a person's words or contact details (a customer's text, an address,
    a note about them): erasing a customer's data empties exactly these fields, and keeps the rest of the log,
    which the reports count."""


PERSONAL = Personal()


class Payload(BaseModel):
    """What one event says; `type` names its member of the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: ClassVar[EventType]


# --- the conversation's life ----------------------------------------------------------------------------------


class _StateChange(Payload):
    state: str
    desk: str | None


class ConversationCreated(_StateChange):
    type = EventType.CONVERSATION_CREATED
    channel: str
    shop_id: str | None


class ConversationQueued(_StateChange):
    type = EventType.CONVERSATION_QUEUED


class ConversationAssigned(_StateChange):
    type = EventType.CONVERSATION_ASSIGNED
    assignee_id: int | None = None


class ConversationWaiting(_StateChange):
    type = EventType.CONVERSATION_WAITING


class ConversationResolved(_StateChange):
    type = EventType.CONVERSATION_RESOLVED
    # Who resolved it is the event's actor (`agent:ID`, `customer` ending the chat, `bot` after the customer's
    # silence); a customer's `end` frame is named by its client id, so that a resend of it changes nothing.
    client_id: str | None = None


class ConversationReopened(_StateChange):
    type = EventType.CONVERSATION_REOPENED


class ConversationTransferred(Payload):
    type = EventType.CONVERSATION_TRANSFERRED
    from_desk: str | None
    note: Annotated[str, PERSONAL]
    # To a desk's queue, or to one operator.
    desk: str | None = None
    agent_id: int | None = None


# --- messages -------------------------------------------------------------------------------------------------


class MessageCreatedEvent(Payload):
    type = EventType.MESSAGE_CREATED
    message_id: str
    private: bool
    # The kinds of secret masked before storage (card number, password, ...).
    redacted: list[str] | None = None


class MessageClassified(Payload):
    type = EventType.MESSAGE_CLASSIFIED
    message_id: str
    language: str
    intent: str
    confidence: float
    entities: Annotated[list[dict[str, Any]], PERSONAL]
    urgency: float
    anger: float
    signals: list[str]


# --- the bot --------------------------------------------------------------------------------------------------


class BotReplied(Payload):
    type = EventType.BOT_REPLIED
    message_id: str
    topic: str | None
    resolved: bool
    handoff: bool
    quick_replies: list[str]
    links: list[str]


class BotHandoff(Payload):
    type = EventType.BOT_HANDOFF
    desk: str
    shop_id: str | None
    intent: str | None
    entities: Annotated[list[dict[str, Any]], PERSONAL]
    summary: Annotated[str, PERSONAL]
    reason: str
    priority: str
    language: str


class _BotAction(Payload):
    message_id: str


class BotCited(_BotAction):
    type = EventType.BOT_CITED
    slug: str
    url: str


class BotDeclined(_BotAction):
    type = EventType.BOT_DECLINED
    action: str


class BotOrderCancelled(_BotAction):
    type = EventType.BOT_ORDER_CANCELLED
    order: str


class BotAddressChanged(_BotAction):
    type = EventType.BOT_ADDRESS_CHANGED
    order: str


class BotReturnStarted(_BotAction):
    type = EventType.BOT_RETURN_STARTED
    order: str
    code: str


class BotActionRefused(_BotAction):
    type = EventType.BOT_ACTION_REFUSED
    action: str
    error: str


class BotReceiptLink(_BotAction):
    type = EventType.BOT_RECEIPT_LINK
    order: str


class BotReferral(_BotAction):
    type = EventType.BOT_REFERRAL
    desk: str


class BotScamReported(_BotAction):
    type = EventType.BOT_SCAM_REPORTED
    report_id: int | str
    verdict: str


# --- routing --------------------------------------------------------------------------------------------------


class RoutingDecided(Payload):
    type = EventType.ROUTING_DECIDED
    desk: str
    priority: str
    head_start_s: float
    reasons: list[str]
    open: bool
    opens_at: str | None
    eta_seconds: int | None
    # The outside party (card issuer, carrier) whose official contact the customer was given.
    referral: str | None = None
    # The shop whose inbox the conversation landed in (the seller of the order it is about).
    shop_id: str | None = None


class RoutingOffered(Payload):
    type = EventType.ROUTING_OFFERED
    agent_id: int
    reasons: list[str]
    agent_idle_s: int
    agent_load: int
    timeout_s: float


class RoutingAccepted(Payload):
    type = EventType.ROUTING_ACCEPTED
    offer_id: int


class RoutingDeclined(Payload):
    type = EventType.ROUTING_DECLINED
    offer_id: int


class RoutingOfferExpired(Payload):
    type = EventType.ROUTING_OFFER_EXPIRED
    agent_id: int
    reasons: list[str]


class RoutingOfferWithdrawn(Payload):
    type = EventType.ROUTING_OFFER_WITHDRAWN
    reasons: list[str]
    agent_id: int | None = None


class RoutingEscalated(Payload):
    type = EventType.ROUTING_ESCALATED
    desk: str | None
    reasons: list[str]


class SlaBreached(Payload):
    type = EventType.SLA_BREACHED
    kind: str
    desk: str
    priority: str
    due_at: str


class SlaMet(Payload):
    type = EventType.SLA_MET
    kind: str
    desk: str
    priority: str
    due_at: str


class CallbackRequested(Payload):
    type = EventType.CALLBACK_REQUESTED
    callback_id: str
    window_start: str
    window_end: str


class CallbackAttempted(Payload):
    type = EventType.CALLBACK_ATTEMPTED
    callback_id: str
    outcome: str
    attempts: int
    state: str


# --- the customer's rating ------------------------------------------------------------------------------------


class CsatSubmitted(Payload):
    type = EventType.CSAT_SUBMITTED
    score: int
    comment: Annotated[str | None, PERSONAL] = None
    # Where it was given: `chat` (the chat page) or `email` (the signed link in the resolution mail).
    via: str
    # The resolution rated (its time, ISO 8601): one rating per resolution.
    resolved_at: str
    # The chat's `csat` frame that gave it, so that a resend of that frame is answered the same way.
    client_id: str | None = None
    # The kinds of secret masked in the comment before storage (card number, password, ...).
    redacted: list[str] | None = None


# --- e-mail ---------------------------------------------------------------------------------------------------


class TicketOpened(Payload):
    type = EventType.TICKET_OPENED
    ticket: int
    customer_address: Annotated[str, PERSONAL]
    # The sender's address matches a member's, which a mail alone does not prove: the operator verifies.
    unverified_member_id: str | None = None


class EmailReceived(Payload):
    type = EventType.EMAIL_RECEIVED
    ticket: int
    inbound_id: str
    message_id: str | None
    from_address: Annotated[str | None, PERSONAL]
    subject: Annotated[str, PERSONAL]
    size: int
    attachments: Annotated[list[dict[str, Any]], PERSONAL]
    warnings: list[str]
    # A bounce or other delivery report, kept on the ticket whose mail it returns (why it was read as one); it is
    # no message of the customer's and moves the ticket nowhere.
    delivery_report: str | None = None
    # How a follow-up found its ticket: `message_id` (it cites one of the ticket's mails) or `ticket_number`.
    threaded_by: str | None = None
    # Joined by the `[#N]` in its subject, from the ticket's address as the mail itself claims it: the site MTA's
    # SPF/DKIM/DMARC results did not confirm that sender, so the operator should not take it for the customer.
    sender_unverified: bool | None = None


class EmailSuspiciousReport(Payload):
    type = EventType.EMAIL_SUSPICIOUS_REPORT
    ticket: int
    reason: str
    report_id: int | str | None = None
    verdict: str | None = None
    brand: str | None = None
    case_refused: str | None = None


class EmailAutoReplySuppressed(Payload):
    type = EventType.EMAIL_AUTO_REPLY_SUPPRESSED
    ticket: int
    reason: str | None


class _Outbound(Payload):
    outbound_id: str
    kind: str
    to: Annotated[str, PERSONAL]


class EmailQueued(_Outbound):
    type = EventType.EMAIL_QUEUED
    message_id: str
    # Why it cannot leave yet (no relay configured).
    waiting: str | None = None


class EmailSent(_Outbound):
    type = EventType.EMAIL_SENT
    attempts: int
    relay_answer: str


class EmailDeferred(_Outbound):
    type = EventType.EMAIL_DEFERRED
    attempts: int
    code: int | None
    error: str
    next_attempt_at: str


class EmailFailed(Payload):
    type = EventType.EMAIL_FAILED
    reason: str
    outbound_id: str | None = None
    kind: str | None = None
    to: Annotated[str | None, PERSONAL] = None
    attempts: int | None = None
    code: int | None = None
    error: str | None = None


def _catalogue() -> dict[EventType, type[Payload]]:
    found: dict[EventType, type[Payload]] = {}
    pending: list[type[Payload]] = [Payload]
    while pending:
        for model in pending.pop().__subclasses__():
            pending.append(model)
            if "type" in model.__dict__:
                found[model.type] = model
    return found


# Every event type with its payload model: the catalogue the console, reports and webhooks read.
CATALOGUE: dict[EventType, type[Payload]] = _catalogue()


def record(tx: Tx, conversation_id: str, actor: str, payload: Payload) -> ConversationEvent:
    """Append one event to the conversation's log, in the caller's transaction.

    `actor` is who did it: `customer`, `bot`, `nlu`, `routing`, `sla`, `email`, `outbox` or `agent:ID`.
    """
    row = ConversationEvent(
        conversation_id=conversation_id,
        type=payload.type.value,
        actor=actor,
        data=payload.model_dump(mode="json", exclude_unset=True),
        created_at=utcnow(),
    )
    tx.session.add(row)
    facts.note(tx, row)
    webhook_outbox.note(tx, row)
    return row


def payload_of(event: ConversationEvent) -> Payload:
    """A stored event read back as its typed payload (for reports and webhooks)."""
    return CATALOGUE[EventType(event.type)].model_validate(event.data)


def _personal_fields(model: type[Payload]) -> frozenset[str]:
    return frozenset(
        name for name, field in model.model_fields.items() if any(isinstance(m, Personal) for m in field.metadata)
    )


# Per event type, the fields an erasure empties.
PERSONAL_FIELDS: dict[EventType, frozenset[str]] = {
    event_type: fields for event_type, model in CATALOGUE.items() if (fields := _personal_fields(model))
}
ERASED = "[erased]"


async def erase_personal(session: AsyncSession, conversation_ids: Sequence[str]) -> int:
    """Empty the personal fields of these conversations' events (a customer's erasure); how many changed.

    The events stay, with their types, times and actors, so the reports' numbers and the facts folded from
    the log are the same afterwards."""
    if not conversation_ids:
        return 0
    rows = await session.scalars(
        select(ConversationEvent).where(
            ConversationEvent.conversation_id.in_(conversation_ids),
            ConversationEvent.type.in_([event_type.value for event_type in PERSONAL_FIELDS]),
        )
    )
    changed = 0
    for row in rows:
        data = dict(row.data)
        for name in PERSONAL_FIELDS[EventType(row.type)] & data.keys():
            value = data[name]
            data[name] = ERASED if isinstance(value, str) else [] if isinstance(value, list) else None
        if data != row.data:
            row.data = data
            changed += 1
    return changed
