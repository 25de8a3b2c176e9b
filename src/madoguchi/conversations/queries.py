"""Reads, and the one rule of who may see a conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from madoguchi.bus.events import AttachmentView
from madoguchi.conversations.views import message_view
from madoguchi.domain.conversation import State
from madoguchi.errors import NotFound
from madoguchi.store.models import Agent, Conversation, ConversationEvent, Customer, Message, MessageAttachment

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime, timedelta

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.bus import ConversationSnapshot, MessageView


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


async def recently_resolved(session: AsyncSession, agent: Agent, limit: int = 50) -> list[Conversation]:
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.state == State.RESOLVED, visible_to(agent))
        .order_by(Conversation.resolved_at.desc())
        .limit(limit)
    )
    return list(rows)


async def queue_position(session: AsyncSession, conversation: Conversation) -> int | None:
    """1 for the next conversation its desk's operators will take; None when it is not queued."""
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
            Conversation.desk == conversation.desk,
            Conversation.language == conversation.language,
            or_(key < mine, and_(key == mine, Conversation.id < conversation.id)),
        )
    )
    return int(ahead or 0) + 1


async def history(
    session: AsyncSession,
    conversation_id: str,
    *,
    include_private: bool,
    limit: int = 500,
    photo_url: Callable[[str], str] | None = None,
) -> list[MessageView]:
    """The latest messages of a conversation, oldest first, with the operator's display name and the photo
    each carries; `photo_url` gives a photo's link for the customer (the console builds its own)."""
    query = (
        select(Message, Agent.name)
        .outerjoin(Agent, Agent.id == Message.agent_id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    if not include_private:
        query = query.where(Message.private.is_(False))
    rows = (await session.execute(query)).all()
    attachments = await _attachments_of(session, [message.id for message, _ in rows], photo_url)
    return [message_view(message, name, attachments.get(message.id)) for message, name in reversed(rows)]


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


async def resumable_chat(
    session: AsyncSession, customer_id: str, shop_id: str | None, now: datetime, window: timedelta
) -> Conversation | None:
    """The customer's latest chat with this inbox that was active within the resume window."""
    shop_clause = Conversation.shop_id.is_(None) if shop_id is None else Conversation.shop_id == shop_id
    return await session.scalar(
        select(Conversation)
        .where(
            Conversation.customer_id == customer_id,
            Conversation.channel == "chat",
            shop_clause,
            Conversation.last_activity_at >= now - window,
        )
        .order_by(Conversation.last_activity_at.desc())
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
