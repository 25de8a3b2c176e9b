"""Every write to conversations and messages. Each `do_*` runs inside the caller's transaction and
queues its events to be published after the caller commits."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from madoguchi.bus import ConversationChanged, MessageCreated, MessageView
from madoguchi.conversations.phrases import phrase
from madoguchi.conversations.views import message_view, snapshot
from madoguchi.domain.conversation import OPEN_STATES, Author, State, can_move, state_after_customer_message
from madoguchi.errors import Conflict
from madoguchi.nlu.pii import Redaction, redact
from madoguchi.store.models import Agent, Conversation, ConversationEvent, Message
from madoguchi.store.types import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.bus.events import AttachmentView, ConversationChangeType
    from madoguchi.nlu.pipeline import Understanding
    from madoguchi.store.tx import Tx

PLATFORM_DESK = "platform_cs"
SHOP_DESK = "shop"


def _record(tx: Tx, conversation: Conversation, type_: str, actor: str, **data: Any) -> None:
    tx.session.add(ConversationEvent(conversation_id=conversation.id, type=type_, actor=actor, data=data))


def _changed(tx: Tx, conversation: Conversation, type_: ConversationChangeType, actor: str, **data: Any) -> None:
    _record(tx, conversation, type_, actor, state=conversation.state, desk=conversation.desk, **data)
    tx.publish_on_commit(ConversationChanged(type=type_, conversation=snapshot(conversation), actor=actor))


def _move(conversation: Conversation, target: State) -> None:
    current = State(conversation.state)
    if not can_move(current, target):
        raise Conflict(
            f"The conversation is {current.value} and cannot become {target.value}.",
            state=current.value,
        )
    conversation.state = target


async def _add_message(
    tx: Tx,
    conversation: Conversation,
    author: Author,
    text: str,
    *,
    now: datetime,
    client_id: str | None = None,
    agent: Agent | None = None,
    private: bool = False,
    mask: bool = True,
    attachment: AttachmentView | None = None,
) -> MessageView:
    # Card numbers, passwords, My Number and security codes never reach the database or the logs. The bot's
    # own text is built from already masked text, and its advice ("change your password now") is no secret.
    redaction = redact(text) if mask else Redaction(text, ())
    message = Message(
        id=str(uuid.uuid4()),
        conversation_id=conversation.id,
        author=author.value,
        agent_id=agent.id if agent else None,
        client_id=client_id,
        text=redaction.text,
        private=private,
        created_at=now,
    )
    tx.session.add(message)
    conversation.last_activity_at = now
    _record(
        tx,
        conversation,
        "message.created",
        _actor(author, agent),
        message_id=message.id,
        private=private,
        **({"redacted": list(redaction.removed)} if redaction.removed else {}),
    )
    view = message_view(message, agent.name if agent else None, attachment)
    tx.publish_on_commit(MessageCreated(conversation=snapshot(conversation), message=view))
    return view


def _actor(author: Author, agent: Agent | None) -> str:
    return f"agent:{agent.id}" if agent else author.value


def _queue(tx: Tx, conversation: Conversation, now: datetime) -> None:
    conversation.desk = SHOP_DESK if conversation.shop_id else (conversation.desk or PLATFORM_DESK)
    conversation.queued_at = now
    # Routing moves the key earlier by the conversation's head start once it knows the priority.
    conversation.queue_key = now
    conversation.assignee_id = None
    conversation.resolved_at = None


async def do_open_chat(
    tx: Tx,
    *,
    customer_id: str,
    shop_id: str | None,
    language: str,
    order_number: str | None = None,
    channel: str = "chat",
) -> Conversation:
    now = utcnow()
    conversation = Conversation(
        id=str(uuid.uuid4()),
        customer_id=customer_id,
        channel=channel,
        state=State.BOT.value,
        desk=SHOP_DESK if shop_id else None,
        shop_id=shop_id,
        order_number=order_number,
        language=language,
        priority=0,
        created_at=now,
        last_activity_at=now,
    )
    tx.session.add(conversation)
    _changed(tx, conversation, "conversation.created", "customer", channel=channel, shop_id=shop_id)
    return conversation


async def find_by_client_id(tx: Tx, conversation_id: str, client_id: str) -> Message | None:
    return await tx.session.scalar(
        select(Message).where(Message.conversation_id == conversation_id, Message.client_id == client_id)
    )


async def do_receive_customer_message(
    tx: Tx,
    conversation: Conversation,
    *,
    text: str,
    client_id: str,
    bot_answers: bool = False,
    attachment: AttachmentView | None = None,
) -> tuple[MessageView, bool]:
    """Store a customer's message once per `client_id`; returns the message and whether it is new.

    A resend of an already stored `client_id` returns the stored message and changes nothing, so the client
    can resend freely until it receives the acknowledgement. With `bot_answers`, a conversation with the bot
    stays with it: the bot replies, and queues it itself when it hands over.
    """
    existing = await find_by_client_id(tx, conversation.id, client_id)
    if existing is not None:
        return message_view(existing), False
    now = utcnow()
    view = await _add_message(
        tx, conversation, Author.CUSTOMER, text, now=now, client_id=client_id, attachment=attachment
    )
    try:
        await tx.session.flush()
    except IntegrityError:
        # The same resend raced this one on another connection and won: answer with its message.
        await tx.rollback()
        stored = await find_by_client_id(tx, conversation.id, client_id)
        if stored is None:
            raise
        return message_view(stored), False

    current = State(conversation.state)
    target = current if bot_answers and current is State.BOT else state_after_customer_message(current)
    if target is not current:
        reopened = current is State.RESOLVED
        if target is State.QUEUED:
            _queue(tx, conversation, now)
        conversation.state = target.value
        kind: ConversationChangeType = (
            "conversation.reopened"
            if reopened
            else "conversation.queued"
            if target is State.QUEUED
            else "conversation.assigned"
        )
        _changed(tx, conversation, kind, "customer")
        if target is State.QUEUED:
            key = "queued_shop" if conversation.shop_id else "queued"
            # A microsecond later, so that the notice sorts after the message that caused it.
            later = now + timedelta(microseconds=1)
            await _add_message(tx, conversation, Author.SYSTEM, phrase(key, conversation.language), now=later)
    return view, True


def do_record_understanding(tx: Tx, conversation: Conversation, message_id: str, understanding: Understanding) -> None:
    """What the customer's message means, for the operator's view, routing and analytics."""
    understood = understanding.contract()
    _record(
        tx,
        conversation,
        "message.classified",
        "nlu",
        message_id=message_id,
        language=understood["language"],
        intent=understood["intent"],
        confidence=understood["confidence"],
        entities=understood["entities"],
        urgency=understanding.urgency.urgency,
        anger=understanding.urgency.anger,
        signals=list(understanding.urgency.signals),
    )


async def do_take(tx: Tx, agent: Agent, conversation: Conversation) -> None:
    """Assign the conversation to the agent taking it from the queue."""
    if conversation.assignee_id == agent.id and conversation.state in (State.ASSIGNED, State.WAITING):
        return
    if conversation.assignee_id is not None and conversation.state in (State.ASSIGNED, State.WAITING):
        raise Conflict("Another operator has already taken this conversation.", assignee_id=conversation.assignee_id)
    if conversation.state not in OPEN_STATES:
        raise Conflict("This conversation is resolved; it reopens when the customer writes again.")
    _move(conversation, State.ASSIGNED)
    conversation.assignee_id = agent.id
    now = utcnow()
    conversation.last_activity_at = now
    _changed(tx, conversation, "conversation.assigned", f"agent:{agent.id}", assignee_id=agent.id)
    await _add_message(
        tx, conversation, Author.SYSTEM, phrase("assigned", conversation.language, agent=agent.name), now=now
    )


async def do_send_agent_message(
    tx: Tx,
    agent: Agent,
    conversation: Conversation,
    *,
    text: str,
    client_id: str | None = None,
    attachment: AttachmentView | None = None,
) -> MessageView:
    """An operator's reply. Replying to an unassigned conversation takes it first."""
    if client_id is not None:
        existing = await find_by_client_id(tx, conversation.id, client_id)
        if existing is not None:
            return message_view(existing, agent.name)
    if conversation.state == State.RESOLVED:
        raise Conflict("This conversation is resolved; it reopens when the customer writes again.")
    if conversation.assignee_id != agent.id:
        await do_take(tx, agent, conversation)
    view = await _add_message(
        tx, conversation, Author.AGENT, text, now=utcnow(), client_id=client_id, agent=agent, attachment=attachment
    )
    if conversation.state == State.ASSIGNED:
        conversation.state = State.WAITING.value
        _changed(tx, conversation, "conversation.waiting", f"agent:{agent.id}")
    return view


async def do_add_note(tx: Tx, agent: Agent, conversation: Conversation, *, text: str) -> MessageView:
    """A private note for other operators; the customer never receives it."""
    return await _add_message(tx, conversation, Author.AGENT, text, now=utcnow(), agent=agent, private=True)


async def do_resolve(tx: Tx, agent: Agent, conversation: Conversation) -> None:
    _move(conversation, State.RESOLVED)
    now = utcnow()
    conversation.resolved_at = now
    conversation.last_activity_at = now
    _changed(tx, conversation, "conversation.resolved", f"agent:{agent.id}")
    await _add_message(tx, conversation, Author.SYSTEM, phrase("resolved", conversation.language), now=now)


async def do_system_message(tx: Tx, conversation: Conversation, text: str, now: datetime) -> MessageView:
    """A notice from the platform itself (waits, hours, hand-overs), in the customer's language."""
    return await _add_message(tx, conversation, Author.SYSTEM, text, now=now)


async def do_send_bot_message(tx: Tx, conversation: Conversation, text: str, *, now: datetime) -> MessageView:
    """A reply of the bot, stored and delivered like any other message."""
    return await _add_message(tx, conversation, Author.BOT, text, now=now, mask=False)


def do_record_bot_event(tx: Tx, conversation: Conversation, type_: str, **data: Any) -> None:
    """Something the bot did or learned (an action on an order, a cited article, a callback request)."""
    _record(tx, conversation, type_, "bot", **data)


async def do_hand_over(
    tx: Tx,
    conversation: Conversation,
    *,
    desk: str,
    shop_id: str | None,
    order_number: str | None,
    now: datetime,
    **handoff: Any,
) -> None:
    """The bot passes the conversation to a desk's queue; `handoff` (intent, entities, summary, reason) is
    recorded as `bot.handoff` so the operator starts from what the customer already said."""
    if shop_id is not None and desk == SHOP_DESK:
        # A shop's order: the conversation moves to that shop's inbox, where only its staff see it.
        conversation.shop_id = shop_id
    if order_number is not None:
        conversation.order_number = order_number
    conversation.desk = desk
    _record(tx, conversation, "bot.handoff", "bot", desk=desk, shop_id=conversation.shop_id, **handoff)
    _move(conversation, State.QUEUED)
    _queue(tx, conversation, now)
    _changed(tx, conversation, "conversation.queued", "bot")
    key = "queued_shop" if conversation.shop_id else "queued"
    await _add_message(tx, conversation, Author.SYSTEM, phrase(key, conversation.language), now=now)
