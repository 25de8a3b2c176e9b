"""Reads, and the one rule of who may see a conversation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true

from madoguchi.bus.events import AttachmentView
from madoguchi.conversations.events import EventType
from madoguchi.conversations.views import earlier_with_platform, for_operator, message_view
from madoguchi.domain.conversation import State
from madoguchi.domain.routing_map import SHOP
from madoguchi.errors import NotFound
from madoguchi.store.models import (
    Agent,
    Conversation,
    ConversationEvent,
    Customer,
    Message,
    MessageAttachment,
    Order,
    Shop,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import timedelta

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.bus import ConversationSnapshot, MessageView

# The events that say who a conversation belongs to, and the customer's messages among which a move falls.
_OWNERSHIP_EVENTS = (
    EventType.CONVERSATION_CREATED.value,
    EventType.BOT_HANDOFF.value,
    EventType.ROUTING_DECIDED.value,
    EventType.MESSAGE_CREATED.value,
)


def visible_to(agent: Agent) -> ColumnElement[bool]:
    """Platform staff see every conversation; a shop's staff only that shop's."""
    if agent.shop_id is None:
        return true()
    return Conversation.shop_id == agent.shop_id


def can_see(agent_shop_id: str | None, conversation: ConversationSnapshot) -> bool:
    """The same rule as `visible_to`, for events that are already in memory."""
    return agent_shop_id is None or conversation.shop_id == agent_shop_id


async def access_conversation(
    session: AsyncSession, agent: Agent, conversation_id: str, *, for_update: bool = False
) -> Conversation:
    """Fetch a conversation the agent may see; anything else is "not found", not "forbidden"."""
    query = select(Conversation).where(Conversation.id == conversation_id, visible_to(agent))
    # Locking the row serialises an operator's action with the customer's message on the same conversation.
    conversation = await session.scalar(query.with_for_update() if for_update else query)
    if conversation is None:
        raise NotFound(f"There is no conversation {conversation_id} that you can open.")
    return conversation


async def queue_for(session: AsyncSession, agent: Agent, limit: int = 200) -> list[Conversation]:
    """Waiting conversations the agent may take, by priority then age."""
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.state == State.QUEUED, visible_to(agent))
        .order_by(func.coalesce(Conversation.queue_key, Conversation.queued_at), Conversation.id)
        .limit(limit)
    )
    return list(rows)


async def assigned_to(session: AsyncSession, agent: Agent) -> list[Conversation]:
    rows = await session.scalars(
        select(Conversation)
        .where(
            Conversation.assignee_id == agent.id,
            Conversation.state.in_([State.ASSIGNED, State.WAITING]),
            visible_to(agent),
        )
        .order_by(Conversation.last_activity_at.desc())
    )
    return list(rows)


async def conversations_of_customer(
    session: AsyncSession, agent: Agent, customer_id: str, limit: int = 100
) -> list[Conversation]:
    """A customer's conversations the agent may see, the latest first."""
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.customer_id == customer_id, visible_to(agent))
        .order_by(Conversation.created_at.desc(), Conversation.id)
        .limit(limit)
    )
    return list(rows)


async def recently_resolved(session: AsyncSession, agent: Agent, limit: int = 50) -> list[Conversation]:
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.state == State.RESOLVED, visible_to(agent))
        .order_by(Conversation.resolved_at.desc())
        .limit(limit)
    )
    return list(rows)


def same_queue(desk: str | None, language: str, shop_id: str | None) -> ColumnElement[bool]:
    """The conversations that wait in one line with a conversation of this desk, language and shop.

    Lines follow who may answer (`routing.policy.eligible`): a shop's inbox is answered by that shop's staff
    in every language, a platform desk by its operators who speak the customer's language, whatever shop the
    conversation came from (an escalated one)."""
    if desk == SHOP:
        shop = Conversation.shop_id.is_(None) if shop_id is None else Conversation.shop_id == shop_id
        return and_(Conversation.desk == SHOP, shop)
    return and_(Conversation.desk == desk, Conversation.language == language)


async def queue_position(session: AsyncSession, conversation: Conversation) -> int | None:
    """1 for the next conversation of its line (`same_queue`) that operators will take; None when it is not
    queued."""
    if conversation.state != State.QUEUED or conversation.queued_at is None:
        return None
    # The queue's order: the time queued less the head start of the priority (see madoguchi.routing).
    key = func.coalesce(Conversation.queue_key, Conversation.queued_at)
    mine = conversation.queue_key or conversation.queued_at
    ahead = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.state == State.QUEUED,
            same_queue(conversation.desk, conversation.language, conversation.shop_id),
            or_(key < mine, and_(key == mine, Conversation.id < conversation.id)),
        )
    )
    return int(ahead or 0) + 1


async def shop_part_start(session: AsyncSession, conversation: Conversation) -> int:
    """Where the part of a shop's conversation that its staff may read begins, as an event id: 0 when the
    conversation was the shop's from the start.

    A chat that began with the platform (the bot, platform staff) and moved to a shop later holds what the
    customer said about other sellers' orders: tracking numbers, receipts, transcripts. The shop's part begins
    with the customer's message that moved it there (what the shop is asked to answer); the log says when
    that was: `conversation.created` names the inbox it opened in, `bot.handoff` the shop the bot handed it
    to, and a `routing.decided` for the shop desk is the placement giving a platform chat to the seller.
    """
    if conversation.shop_id is None:
        return 0
    rows = await session.execute(
        select(ConversationEvent.id, ConversationEvent.type, ConversationEvent.actor, ConversationEvent.data)
        .where(ConversationEvent.conversation_id == conversation.id, ConversationEvent.type.in_(_OWNERSHIP_EVENTS))
        .order_by(ConversationEvent.id)
    )
    owner: str | None = None
    start = 0
    last_customer_message = 0
    last_event = 0
    for event_id, type_, actor, data in rows.all():
        last_event = event_id
        if type_ == EventType.MESSAGE_CREATED:
            if actor == "customer":
                last_customer_message = event_id
            continue
        moved_to: str | None = None
        if type_ == EventType.CONVERSATION_CREATED:
            owner = data.get("shop_id")
            start = 0
        elif type_ == EventType.BOT_HANDOFF and data.get("shop_id") and data.get("shop_id") != owner:
            moved_to = data["shop_id"]
        elif type_ == EventType.ROUTING_DECIDED and data.get("desk") == SHOP and owner is None:
            # Placement names the desk, not the shop: the shop is the one the conversation belongs to now
            # (placement never moves a conversation that already belongs to a shop).
            moved_to = conversation.shop_id
        if moved_to is not None:
            owner = moved_to
            start = last_customer_message or event_id
    if owner != conversation.shop_id:
        # The log does not say when the conversation became this shop's: the shop reads from the latest
        # customer message on, as if it had moved just now.
        return last_customer_message or last_event + 1
    return start


async def reading_start(session: AsyncSession, agent: Agent, conversation: Conversation) -> int:
    """From which event on the agent may read the conversation: platform staff all of it (0)."""
    if agent.shop_id is None:
        return 0
    return await shop_part_start(session, conversation)


def _messages_since(conversation_id: str, start: int) -> Select[tuple[str]]:
    """The ids of the conversation's messages created at or after the event `start`."""
    message_id = ConversationEvent.data["message_id"].as_string()
    return select(message_id).where(
        ConversationEvent.conversation_id == conversation_id,
        ConversationEvent.type == EventType.MESSAGE_CREATED.value,
        ConversationEvent.id >= start,
        message_id.is_not(None),
    )


async def history(
    session: AsyncSession,
    conversation_id: str,
    *,
    include_private: bool,
    limit: int = 500,
    photo_url: Callable[[str], str] | None = None,
    since_event: int = 0,
) -> list[MessageView]:
    """The latest messages of a conversation, oldest first, with the operator's display name and the photo
    each carries; `photo_url` gives a photo's link for the customer (the console builds its own).

    With `since_event` (a shop's part, `reading_start`), only messages from that event on, after one
    neutral line standing for the earlier ones."""
    query = (
        select(Message, Agent.name)
        .outerjoin(Agent, Agent.id == Message.agent_id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    if not include_private:
        query = query.where(Message.private.is_(False))
    earlier: datetime | None = None
    if since_event > 0:
        # A message with no event of its own is left out: what is not known to be the shop's is not shown.
        shown = _messages_since(conversation_id, since_event)
        query = query.where(Message.id.in_(shown))
        earlier = await session.scalar(
            select(func.max(Message.created_at)).where(
                Message.conversation_id == conversation_id, Message.id.not_in(shown)
            )
        )
    rows = (await session.execute(query)).all()
    attachments = await _attachments_of(session, [message.id for message, _ in rows], photo_url)
    views = [message_view(message, name, attachments.get(message.id)) for message, name in reversed(rows)]
    if earlier is not None:
        views.insert(0, earlier_with_platform(conversation_id, earlier))
    return views


async def operator_history(
    session: AsyncSession, agent: Agent, conversation: Conversation, limit: int = 500
) -> list[MessageView]:
    """The conversation as the agent may read it: notes included, a shop's staff only the shop's part, and
    no customer's signed download link."""
    start = await reading_start(session, agent, conversation)
    views = await history(session, conversation.id, include_private=True, limit=limit, since_event=start)
    return [for_operator(view) for view in views]


async def operator_events(session: AsyncSession, agent: Agent, conversation: Conversation) -> list[ConversationEvent]:
    """The conversation's event log as far as the agent may read it (a shop's staff: the shop's part)."""
    start = await reading_start(session, agent, conversation)
    rows = await session.scalars(
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id == conversation.id, ConversationEvent.id >= start)
        .order_by(ConversationEvent.id)
    )
    return list(rows)


async def recent_texts(session: AsyncSession, conversation: Conversation, author: str, limit: int) -> list[str]:
    """The latest `limit` public messages of one author, newest first, in the part of the conversation its
    shop may read: what suggestions are built from (the customer's) and kept apart from (the bot's)."""
    query = (
        select(Message.text)
        .where(Message.conversation_id == conversation.id, Message.author == author, Message.private.is_(False))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    start = await shop_part_start(session, conversation)
    if start > 0:
        query = query.where(Message.id.in_(_messages_since(conversation.id, start)))
    return list(await session.scalars(query))


async def order_for_operators(
    session: AsyncSession, conversation: Conversation, number: str | None, shop_id: str | None
) -> Order | None:
    """The order `number` if an operator of the conversation may be told about it: an order of the
    conversation's signed-in customer and, for a shop (`shop_id`), one that shop sold. A number typed in an
    anonymous chat proves nothing: it may be anyone's."""
    if number is None:
        return None
    order = await session.get(Order, number)
    if order is None or order.customer_id != conversation.customer_id:
        return None
    if shop_id is not None and order.shop_id != shop_id:
        return None
    customer = await session.get(Customer, conversation.customer_id)
    if customer is None or customer.is_anonymous:
        return None
    return order


async def latest_order_for_operators(
    session: AsyncSession, conversation: Conversation, shop_id: str | None
) -> Order | None:
    """The signed-in customer's latest order (of the shop `shop_id`, for a shop)."""
    customer = await session.get(Customer, conversation.customer_id)
    if customer is None or customer.is_anonymous:
        return None
    query = select(Order).where(Order.customer_id == customer.id)
    if shop_id is not None:
        query = query.where(Order.shop_id == shop_id)
    return await session.scalar(query.order_by(Order.ordered_at.desc()).limit(1))


async def _attachments_of(
    session: AsyncSession, message_ids: list[str], photo_url: Callable[[str], str] | None
) -> dict[str, AttachmentView]:
    if not message_ids:
        return {}
    # Only the columns of the view: the photo's bytes stay in the database.
    rows = await session.execute(
        select(
            MessageAttachment.id,
            MessageAttachment.message_id,
            MessageAttachment.filename,
            MessageAttachment.content_type,
            MessageAttachment.size,
        ).where(MessageAttachment.message_id.in_(message_ids))
    )
    return {
        message_id: AttachmentView(
            id=attachment_id,
            filename=filename,
            content_type=content_type,
            size=size,
            url=photo_url(attachment_id) if photo_url else None,
        )
        for attachment_id, message_id, filename, content_type, size in rows.all()
    }


async def events_of(session: AsyncSession, conversation_id: str) -> list[ConversationEvent]:
    rows = await session.scalars(
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id == conversation_id)
        .order_by(ConversationEvent.id)
    )
    return list(rows)


# Which of several resumable chats comes back: one a person has or is about to have (it holds the customer's
# place in a queue or an operator's work), then one with the bot, then a resolved one; each newest first.
_RESUME_ORDER = case(
    (Conversation.state.in_([State.QUEUED, State.ASSIGNED, State.WAITING]), 0),
    (Conversation.state == State.BOT, 1),
    else_=2,
)


async def resumable_chat(
    session: AsyncSession, customer_id: str, shop_id: str | None, now: datetime, window: timedelta
) -> Conversation | None:
    """The customer's chat to resume on a page of this inbox, active within the resume window.

    A shop's page resumes that shop's chats. The platform's page resumes the chats opened on it wherever they
    are now: placement gives a shop's order to the shop (its `shop_id` set), and the customer who reloads the
    page they wrote on must find that conversation, not an empty one. A chat opened on a shop's page stays
    with that page."""
    if shop_id is not None:
        inbox = Conversation.shop_id == shop_id
    else:
        opened_on_platform = (
            select(ConversationEvent.id)
            .where(
                ConversationEvent.conversation_id == Conversation.id,
                ConversationEvent.type == EventType.CONVERSATION_CREATED.value,
                ConversationEvent.data["shop_id"].as_string().is_(None),
            )
            .correlate(Conversation)
            .exists()
        )
        inbox = or_(Conversation.shop_id.is_(None), opened_on_platform)
    return await session.scalar(
        select(Conversation)
        .where(
            Conversation.customer_id == customer_id,
            Conversation.channel == "chat",
            inbox,
            Conversation.last_activity_at >= now - window,
        )
        .order_by(_RESUME_ORDER, Conversation.last_activity_at.desc(), Conversation.id)
        .limit(1)
    )


async def customers_of(session: AsyncSession, conversations: list[Conversation]) -> dict[str, Customer]:
    ids = {conversation.customer_id for conversation in conversations}
    if not ids:
        return {}
    return {customer.id: customer for customer in await session.scalars(select(Customer).where(Customer.id.in_(ids)))}


async def last_customer_texts(session: AsyncSession, conversations: list[Conversation]) -> dict[str, str]:
    """The latest customer message of each conversation, for the queue's preview line."""
    ids = [conversation.id for conversation in conversations]
    if not ids:
        return {}
    ranked = (
        select(
            Message.conversation_id,
            Message.text,
            func.row_number()
            .over(partition_by=Message.conversation_id, order_by=(Message.created_at.desc(), Message.id.desc()))
            .label("rank"),
        )
        .where(Message.conversation_id.in_(ids), Message.author == "customer")
        .subquery()
    )
    rows = await session.execute(select(ranked.c.conversation_id, ranked.c.text).where(ranked.c.rank == 1))
    return {conversation_id: text for conversation_id, text in rows.all()}


def resolution_key(resolved_at: datetime) -> str:
    """A resolution as its rating names it (`csat.submitted`'s `resolved_at`): the instant in ISO 8601, UTC."""
    return resolved_at.astimezone(UTC).isoformat(timespec="microseconds")


def _same_instant(stored: object, instant: datetime) -> bool:
    if not isinstance(stored, str):
        return False
    try:
        parsed = datetime.fromisoformat(stored)
    except ValueError:
        return False
    return parsed.tzinfo is not None and parsed == instant


async def rating_of(session: AsyncSession, conversation_id: str, resolved_at: datetime) -> ConversationEvent | None:
    """The rating (`csat.submitted`) given to the conversation's resolution at `resolved_at`, if any."""
    ratings = await session.scalars(
        select(ConversationEvent)
        .where(
            ConversationEvent.conversation_id == conversation_id,
            ConversationEvent.type == EventType.CSAT_SUBMITTED.value,
        )
        .order_by(ConversationEvent.id)
    )
    return next((row for row in ratings if _same_instant(row.data.get("resolved_at"), resolved_at)), None)


async def rated_by_client_id(session: AsyncSession, conversation_id: str, client_id: str) -> bool:
    """Whether the customer's `csat` frame with this client id already rated one of the conversation's resolutions."""
    ratings = await session.scalars(
        select(ConversationEvent.data).where(
            ConversationEvent.conversation_id == conversation_id,
            ConversationEvent.type == EventType.CSAT_SUBMITTED.value,
        )
    )
    return any(isinstance(data, dict) and data.get("client_id") == client_id for data in ratings)


async def can_rate(session: AsyncSession, conversation: Conversation) -> bool:
    """Whether the customer may rate the conversation now: it is resolved and this resolution is not rated."""
    if conversation.state != State.RESOLVED or conversation.resolved_at is None:
        return False
    return await rating_of(session, conversation.id, conversation.resolved_at) is None


async def resolved_by_client_id(session: AsyncSession, conversation_id: str, client_id: str) -> bool:
    """Whether the customer's `end` frame with this client id already resolved the conversation once."""
    resolutions = await session.scalars(
        select(ConversationEvent.data).where(
            ConversationEvent.conversation_id == conversation_id,
            ConversationEvent.type == EventType.CONVERSATION_RESOLVED.value,
            ConversationEvent.actor == "customer",
        )
    )
    return any(isinstance(data, dict) and data.get("client_id") == client_id for data in resolutions)


async def shop_suspended(session: AsyncSession, shop_id: str) -> bool:
    """Whether the shop is suspended on the marketplace: its inbox takes no conversation, platform CS answers."""
    return bool(await session.scalar(select(Shop.suspended).where(Shop.id == shop_id)))
