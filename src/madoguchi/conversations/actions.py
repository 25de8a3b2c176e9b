"""Every write to conversations and messages, and every move of a conversation's state. Each `do_*` runs
inside the caller's transaction, records its events on the conversation's log (`events.record`) and queues
the bus events to be published after the caller commits. Routing, SLA clocks, callbacks, the e-mail channel
and the bot ask these functions to queue, assign, transfer, escalate or resolve; none of them sets a state.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from madoguchi.bus import ConversationChanged, MessageCreated, MessageView
from madoguchi.bus.events import CsatView
from madoguchi.conversations import events
from madoguchi.conversations.phrases import phrase
from madoguchi.conversations.queries import rated_by_client_id, rating_of, resolution_key, shop_suspended
from madoguchi.conversations.views import message_view, snapshot
from madoguchi.domain.clock import utcnow
from madoguchi.domain.conversation import OPEN_STATES, Author, State, can_move, state_after_customer_message
from madoguchi.domain.routing_map import PLATFORM_CS, SHOP
from madoguchi.domain.text import clean_message_text
from madoguchi.errors import Conflict, InvalidInput
from madoguchi.nlu.pii import Redaction, redact
from madoguchi.store.models import Agent, Conversation, Message

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.bus.events import AttachmentView, ConversationChangeType
    from madoguchi.nlu.pipeline import Understanding
    from madoguchi.store.tx import Tx


def announce(tx: Tx, conversation: Conversation, type_: ConversationChangeType, actor: str) -> None:
    """Tell the other processes (consoles, the customer's socket) once the transaction commits."""
    tx.publish_on_commit(ConversationChanged(type=type_, conversation=snapshot(conversation), actor=actor))


def _changed(tx: Tx, conversation: Conversation, payload: events.Payload, actor: str) -> None:
    events.record(tx, conversation.id, actor, payload)
    announce(tx, conversation, cast("ConversationChangeType", payload.type.value), actor)


def _state(conversation: Conversation) -> dict[str, Any]:
    return {"state": conversation.state, "desk": conversation.desk}


def _move(conversation: Conversation, target: State) -> None:
    """The one place a conversation's state changes: only the moves of the state machine are allowed."""
    current = State(conversation.state)
    if not can_move(current, target):
        raise Conflict(
            f"The conversation is {current.value} and cannot become {target.value}.",
            state=current.value,
        )
    conversation.state = target.value


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
    redaction: Redaction | None = None,
) -> MessageView:
    # Card numbers, passwords, My Number and security codes never reach the database or the logs. The bot's
    # own text is built from already masked text, and its advice ("change your password now") is no secret.
    if redaction is None:
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
    events.record(
        tx,
        conversation.id,
        _actor(author, agent),
        events.MessageCreatedEvent(
            message_id=message.id,
            private=private,
            **({"redacted": list(redaction.removed)} if redaction.removed else {}),
        ),
    )
    view = message_view(message, agent.name if agent else None, attachment)
    tx.publish_on_commit(MessageCreated(conversation=snapshot(conversation), message=view))
    return view


def _actor(author: Author, agent: Agent | None) -> str:
    return f"agent:{agent.id}" if agent else author.value


def _queue(tx: Tx, conversation: Conversation, now: datetime) -> None:
    conversation.desk = SHOP if conversation.shop_id else (conversation.desk or PLATFORM_CS)
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
        desk=SHOP if shop_id else None,
        shop_id=shop_id,
        order_number=order_number,
        language=language,
        priority=0,
        created_at=now,
        last_activity_at=now,
    )
    tx.session.add(conversation)
    _changed(
        tx,
        conversation,
        events.ConversationCreated(**_state(conversation), channel=channel, shop_id=shop_id),
        "customer",
    )
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
    redaction: Redaction | None = None,
) -> tuple[MessageView, bool]:
    """Store a customer's message once per `client_id`; returns the message and whether it is new.

    A resend of an already stored `client_id` returns the stored message and changes nothing, so the client
    can resend freely until it receives the acknowledgement. With `bot_answers`, a conversation with the bot
    stays with it: the bot replies, and queues it itself when it hands over. `redaction` is the text already
    masked (by the intake, which understands the masked text): it is stored as it is.
    """
    existing = await find_by_client_id(tx, conversation.id, client_id)
    if existing is not None:
        return message_view(existing), False
    now = utcnow()
    view = await _add_message(
        tx,
        conversation,
        Author.CUSTOMER,
        text,
        now=now,
        client_id=client_id,
        attachment=attachment,
        redaction=redaction,
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
    target: State
    if bot_answers and current is State.BOT:
        target = current
    elif bot_answers and current is State.RESOLVED and conversation.queued_at is None:
        # It never left the bot (the customer ended it, or went quiet): the bot takes it up again.
        target = State.BOT
    else:
        target = state_after_customer_message(current)
    if target is not current:
        if current is State.RESOLVED:
            # Writing again after the resolution is a new need: routing decides its desk from this message,
            # not from the desk the last need ended at (a transfer's desk would stand as chosen).
            conversation.desk = None
            conversation.resolved_at = None
        if target is State.QUEUED:
            _queue(tx, conversation, now)
        _move(conversation, target)
        payload: events.Payload = (
            events.ConversationReopened(**_state(conversation))
            if current is State.RESOLVED
            else events.ConversationQueued(**_state(conversation))
            if target is State.QUEUED
            else events.ConversationAssigned(**_state(conversation))
        )
        _changed(tx, conversation, payload, "customer")
        if target is State.QUEUED:
            key = "queued_shop" if conversation.shop_id else "queued"
            # A microsecond later, so that the notice sorts after the message that caused it.
            later = now + timedelta(microseconds=1)
            await _add_message(tx, conversation, Author.SYSTEM, phrase(key, conversation.language), now=later)
    return view, True


def do_record_understanding(tx: Tx, conversation: Conversation, message_id: str, understanding: Understanding) -> None:
    """What the customer's message means, for the operator's view, routing and analytics."""
    understood = understanding.contract()
    events.record(
        tx,
        conversation.id,
        "nlu",
        events.MessageClassified(
            message_id=message_id,
            language=understood["language"],
            intent=understood["intent"],
            confidence=understood["confidence"],
            entities=understood["entities"],
            urgency=understanding.urgency.urgency,
            anger=understanding.urgency.anger,
            signals=list(understanding.urgency.signals),
        ),
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
    _changed(
        tx, conversation, events.ConversationAssigned(**_state(conversation), assignee_id=agent.id), f"agent:{agent.id}"
    )
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
        _move(conversation, State.WAITING)
        _changed(tx, conversation, events.ConversationWaiting(**_state(conversation)), f"agent:{agent.id}")
    return view


async def do_add_note(tx: Tx, agent: Agent, conversation: Conversation, *, text: str) -> MessageView:
    """A private note for other operators; the customer never receives it."""
    return await _add_message(tx, conversation, Author.AGENT, text, now=utcnow(), agent=agent, private=True)


# Who resolves a conversation besides an operator: the customer ending the chat, or the bot once the customer
# has gone quiet (only while the conversation is still with it).
Resolver = Literal["customer", "bot"]
_RESOLVED_PHRASE: dict[str, str] = {"customer": "resolved_by_customer", "bot": "resolved_idle"}


async def do_resolve(
    tx: Tx,
    by: Agent | Resolver,
    conversation: Conversation,
    *,
    now: datetime | None = None,
    client_id: str | None = None,
) -> None:
    """Resolve the conversation: by an operator, by the customer (`end`; `client_id` names that frame), or by the
    bot. `conversation.resolved` records who (`agent:ID`, `customer`, `bot`), the customer is told in their
    language, and the consoles hear of it, so an operator whose conversation the customer ended knows at once.
    A conversation never queued is the bot's resolution, whoever closed it."""
    _move(conversation, State.RESOLVED)
    now = now or utcnow()
    conversation.resolved_at = now
    conversation.last_activity_at = now
    agent = by if isinstance(by, Agent) else None
    actor = f"agent:{agent.id}" if agent is not None else str(by)
    extra = {"client_id": client_id} if client_id is not None else {}
    _changed(tx, conversation, events.ConversationResolved(**_state(conversation), **extra), actor)
    key = "resolved" if agent is not None else _RESOLVED_PHRASE[str(by)]
    await _add_message(tx, conversation, Author.SYSTEM, phrase(key, conversation.language), now=now)


MAX_COMMENT_CHARS = 1000


def _rating_comment(comment: object) -> tuple[str | None, list[str]]:
    """The comment as it is stored (cleaned, card numbers and passwords masked) and what was masked."""
    if comment is None:
        return None, []
    if not isinstance(comment, str):
        raise InvalidInput("The comment must be text. / コメントは文字で入力してください。")
    if not comment.strip():
        return None, []
    try:
        cleaned = clean_message_text(comment, MAX_COMMENT_CHARS)
    except InvalidInput as exc:
        raise InvalidInput(
            f"The comment may be up to {MAX_COMMENT_CHARS} characters. "
            f"/ コメントは{MAX_COMMENT_CHARS}文字以内で入力してください。",
            limit=MAX_COMMENT_CHARS,
        ) from exc
    redaction = redact(cleaned)
    return redaction.text, list(redaction.removed)


def _rating_score(score: object) -> int:
    # A JSON `true` is an int to Python; `4.0` or "4" is not a score of the scale.
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(
            "The score must be a whole number from 1 to 5. / 評価は1から5の整数で選んでください。",
            field="score",
        )
    return score


async def do_rate(
    tx: Tx,
    conversation: Conversation,
    *,
    score: object,
    comment: object = None,
    via: Literal["chat", "email"],
    resolved_at: datetime | None = None,
    client_id: str | None = None,
) -> bool:
    """Record the customer's rating of a resolution (`csat.submitted`) and tell the consoles; one rating per
    resolution. `resolved_at` names the resolution (a mail's rating link); without it, the conversation's current
    one, which it must have. Returns False for a resend of the frame (`client_id`) that already rated it."""
    valid_score = _rating_score(score)
    text, masked = _rating_comment(comment)
    if client_id is not None and await rated_by_client_id(tx.session, conversation.id, client_id):
        # A resend of a frame that rated a resolution (even one since reopened): answered the same way again.
        return False
    if resolved_at is None:
        if conversation.state != State.RESOLVED or conversation.resolved_at is None:
            raise Conflict(
                "This conversation is not resolved yet: it can be rated once it is closed. "
                "/ このお問い合わせはまだ完了していません。完了後に評価できます。",
                reason="not_resolved",
            )
        resolved_at = conversation.resolved_at
    if await rating_of(tx.session, conversation.id, resolved_at) is not None:
        raise Conflict(
            "This resolution has already been rated: thank you. / このお問い合わせはすでに評価をいただいています。",
            reason="already_rated",
        )
    key = resolution_key(resolved_at)
    payload = events.CsatSubmitted(
        score=valid_score,
        via=via,
        resolved_at=key,
        **({"comment": text} if text is not None else {}),
        **({"client_id": client_id} if client_id is not None else {}),
        **({"redacted": masked} if masked else {}),
    )
    events.record(tx, conversation.id, "customer", payload)
    tx.publish_on_commit(
        ConversationChanged(
            type="csat.submitted",
            conversation=snapshot(conversation),
            actor="customer",
            csat=CsatView(score=valid_score, comment=text, via=via, resolved_at=key),
        )
    )
    return True


async def do_system_message(tx: Tx, conversation: Conversation, text: str, now: datetime) -> MessageView:
    """A notice from the platform itself (waits, hours, hand-overs), in the customer's language."""
    return await _add_message(tx, conversation, Author.SYSTEM, text, now=now)


async def do_send_bot_message(tx: Tx, conversation: Conversation, text: str, *, now: datetime) -> MessageView:
    """A reply of the bot, stored and delivered like any other message."""
    return await _add_message(tx, conversation, Author.BOT, text, now=now, mask=False)


def do_record_bot_event(tx: Tx, conversation: Conversation, payload: events.Payload) -> None:
    """Something the bot did or learned (an action on an order, a cited article, its reply)."""
    events.record(tx, conversation.id, "bot", payload)


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
    if shop_id is not None and desk == SHOP:
        if await shop_suspended(tx.session, shop_id):
            # A suspended shop answers nobody: platform CS does, and the shop's staff never see it.
            desk = PLATFORM_CS
        else:
            # A shop's order: the conversation moves to that shop's inbox, where only its staff see it.
            conversation.shop_id = shop_id
    if order_number is not None:
        conversation.order_number = order_number
    conversation.desk = desk
    events.record(tx, conversation.id, "bot", events.BotHandoff(desk=desk, shop_id=conversation.shop_id, **handoff))
    _move(conversation, State.QUEUED)
    _queue(tx, conversation, now)
    _changed(tx, conversation, events.ConversationQueued(**_state(conversation)), "bot")
    key = "queued_shop" if conversation.shop_id else "queued"
    await _add_message(tx, conversation, Author.SYSTEM, phrase(key, conversation.language), now=now)


def _requeue(conversation: Conversation, desk: str, now: datetime, queue_key: datetime) -> None:
    """Into `desk`'s queue at `queue_key`: from an operator (a move of the state machine) or from another queue."""
    if conversation.state != State.QUEUED:
        _move(conversation, State.QUEUED)
    conversation.desk = desk
    conversation.assignee_id = None
    conversation.queued_at = now
    conversation.queue_key = queue_key


def do_transfer_to_desk(tx: Tx, actor: Agent, conversation: Conversation, desk: str, now: datetime, note: str) -> None:
    """An operator hands the conversation to another desk's queue, where it keeps the place it has earned by
    waiting: the transfer does not send it to the back."""
    from_desk = conversation.desk
    _requeue(conversation, desk, now, min(conversation.queue_key or now, now))
    actor_id = f"agent:{actor.id}"
    events.record(
        tx, conversation.id, actor_id, events.ConversationTransferred(desk=desk, from_desk=from_desk, note=note)
    )
    announce(tx, conversation, "conversation.transferred", actor_id)


async def do_transfer_to_agent(tx: Tx, actor: Agent, conversation: Conversation, target: Agent, note: str) -> None:
    """An operator hands the conversation to one colleague: theirs at once."""
    from_desk = conversation.desk
    if conversation.state in (State.ASSIGNED, State.WAITING):
        # Released first, so that taking it is an ordinary assignment.
        _move(conversation, State.QUEUED)
        conversation.assignee_id = None
    await do_take(tx, target, conversation)
    events.record(
        tx,
        conversation.id,
        f"agent:{actor.id}",
        events.ConversationTransferred(agent_id=target.id, from_desk=from_desk, note=note),
    )


def do_escalate(
    tx: Tx,
    conversation: Conversation,
    now: datetime,
    *,
    reasons: list[str],
    priority: int,
    head_start: timedelta,
    desk: str | None = None,
    actor: str = "sla",
) -> None:
    """Raise a conversation a deadline was missed on: to at least `priority`, ahead of those waiting by
    `head_start`; with `desk`, into that desk's queue (a shop that missed its promise goes to platform CS)."""
    conversation.priority = max(conversation.priority, priority)
    if desk is not None and desk != conversation.desk:
        _requeue(conversation, desk, now, now - head_start)
    elif conversation.state == State.QUEUED and conversation.queue_key is not None:
        conversation.queue_key = min(conversation.queue_key, now - head_start)
    events.record(tx, conversation.id, actor, events.RoutingEscalated(desk=conversation.desk, reasons=reasons))
    announce(tx, conversation, "conversation.escalated", actor)
