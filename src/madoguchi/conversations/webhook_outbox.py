"""The webhooks' outbox: each event a subscription asked for becomes a delivery row in the event's own
transaction, so that an event and its deliveries commit (or roll back) together and a restart loses none.

`events.record` notes each event it writes, as it does for the facts; just before the transaction commits the
noted events are matched against the subscriptions and their bodies written, fixed once: a retry sends the same
bytes. What a body holds follows the rule of who sees what: a shop-bound subscription gets only the events of
its shop's conversations (the conversation's shop when the transaction commits, which is where the shop's part
of the log begins), and every body is shaped as an operator of that scope reads the event (no customer's signed
links; for a shop, not the other sellers' orders). The deliverer (`madoguchi.integrations.delivery`) sends them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from madoguchi.conversations.views import event_data_for_operator, without_signed_links
from madoguchi.domain.event_types import EventType
from madoguchi.store.models import Agent, Conversation, ConversationEvent, Message, WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.store.tx import Tx


def event_body(event: ConversationEvent, conversation: Conversation, data: dict[str, Any]) -> dict[str, Any]:
    """What a delivery POSTs: `{"id", "type", "created_at", "data"}` (DESIGN.md, "Integrations")."""
    return {
        "id": f"evt_{event.id}",
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": {"conversation_id": conversation.id, "shop_id": conversation.shop_id, **data},
    }


async def _message_of(session: AsyncSession, message_id: object) -> dict[str, Any] | None:
    """The message a `message.created` event is about, as an operator reads it."""
    if not isinstance(message_id, str):
        return None
    row = (
        await session.execute(
            select(Message, Agent.name).outerjoin(Agent, Agent.id == Message.agent_id).where(Message.id == message_id)
        )
    ).first()
    if row is None:
        return None
    message, agent_name = row
    return {
        "id": message.id,
        "author": message.author,
        "text": without_signed_links(message.text),
        "private": message.private,
        "agent_name": agent_name,
        "created_at": message.created_at.isoformat(),
    }


@dataclass
class _Noted:
    events: list[ConversationEvent] = field(default_factory=list)

    async def run(self, tx: Tx) -> None:
        session = tx.session
        types = {event.type for event in self.events}
        subscriptions = [
            subscription
            for subscription in await session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
            if types.intersection(subscription.events)
        ]
        if not subscriptions:
            return
        # The events' ids are the bodies' ids and the deliveries' order.
        await session.flush()
        messages: dict[str, dict[str, Any] | None] = {}
        for event in sorted(self.events, key=lambda noted: noted.id):
            conversation = await session.get(Conversation, event.conversation_id)
            if conversation is None:
                continue
            for subscription in subscriptions:
                if event.type not in subscription.events:
                    continue
                shop_bound = subscription.shop_id is not None
                if shop_bound and conversation.shop_id != subscription.shop_id:
                    continue
                data = dict(event_data_for_operator(event.type, event.data, shop_staff=shop_bound))
                if event.type == EventType.MESSAGE_CREATED:
                    key = str(event.data.get("message_id"))
                    if key not in messages:
                        messages[key] = await _message_of(session, event.data.get("message_id"))
                    data["message"] = messages[key]
                session.add(
                    WebhookDelivery(
                        subscription_id=subscription.id,
                        event_id=event.id,
                        conversation_id=conversation.id,
                        type=event.type,
                        body=event_body(event, conversation, data),
                        next_attempt_at=event.created_at,
                        created_at=event.created_at,
                    )
                )
        await session.flush()


def note(tx: Tx, event: ConversationEvent) -> None:
    """Called by `record` for each event it writes: its deliveries are written before the transaction commits."""
    tx.before_commit("webhook_outbox", _Noted).events.append(event)
