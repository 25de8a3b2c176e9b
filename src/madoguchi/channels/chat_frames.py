"""What the open sockets of this process are told about each bus event, as frames handed to the hub.

Customers (the /ws/chat protocol, DESIGN.md) get a `message` frame for every message that is not a private
note and a `status` frame when their conversation changes state; operators' consoles get every event (a
customer's rating included) of
the conversations they may see, as the conversation was when it happened: a message written before the
conversation became a shop's never reaches that shop's staff, and no operator receives a customer's signed
download link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from madoguchi.bus import AdminNotice, BusEvent, ConversationChanged, MessageCreated
from madoguchi.channels.hub import dumps
from madoguchi.conversations.queries import can_see
from madoguchi.conversations.views import for_operator, without_signed_links
from madoguchi.routing.callbacks import alternatives
from madoguchi.routing.wait import estimate
from madoguchi.store.models import Conversation

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from madoguchi.bus import ConversationSnapshot
    from madoguchi.channels.hub import Hub
    from madoguchi.routing.wait import WaitEstimate

# The customer learnt the new conversation's state from `hello`; through Redis the creation event can reach
# this process after the socket is registered, and would only repeat that state late. An offer to an
# operator changes nothing the customer sees, and neither does the customer's own rating.
_NO_STATUS_FOR = frozenset({"conversation.created", "conversation.offered", "csat.submitted"})


class ChatFrames:
    """The bus listener that turns events into frames for this process's hub."""

    def __init__(
        self,
        hub: Hub,
        sessions: async_sessionmaker[AsyncSession],
        now: Callable[[], datetime],
        offer_after_s: int = 600,
    ) -> None:
        self._hub = hub
        self._sessions = sessions
        self._now = now
        self._offer_after_s = offer_after_s

    async def on_event(self, event: BusEvent) -> None:
        if isinstance(event, AdminNotice):
            if self._hub.has_operators():
                await self._hub.deliver_to_admins(dumps({"type": "notice", "notice": event.model_dump(mode="json")}))
            return
        conversation = event.conversation
        if self._hub.has_customers(conversation.id):
            if isinstance(event, MessageCreated):
                if not event.message.private:
                    frame = dumps({"type": "message", "message": customer_message(event)})
                    await self._hub.deliver(conversation.id, frame)
            elif event.type not in _NO_STATUS_FOR:
                await self._hub.deliver(conversation.id, dumps(await self.status_frame(conversation)))
        if self._hub.has_operators():
            # The snapshot is the conversation when the event happened, so `can_see` keeps a shop's staff to
            # what was said once the conversation was their shop's (the history follows the same line).
            await self._hub.deliver_to_operators(
                dumps({"type": "event", "event": operator_event(event).model_dump(mode="json")}),
                lambda agent_shop_id: can_see(agent_shop_id, conversation),
            )

    async def status_frame(self, conversation: ConversationSnapshot) -> dict[str, Any]:
        """The customer's `status` frame: the state, and while queued the place in the queue and the wait as
        placement told it (`routing.wait.estimate`): a closed desk's opening instead of a figure, no figure
        when nobody who could answer is on duty."""
        wait: WaitEstimate | None = None
        offered: dict[str, Any] = {"offers": [], "callback_windows": []}
        if conversation.state == "queued":
            async with self._sessions() as session:
                row = await session.get(Conversation, conversation.id)
                if row is not None and row.state == "queued":
                    now = self._now()
                    wait = await estimate(session, row, now)
                    offered = await alternatives(session, row, wait, now, self._offer_after_s)
        return {
            **offered,
            "type": "status",
            "state": conversation.state,
            "desk": conversation.desk,
            "queue_position": wait.position if wait else None,
            "eta_seconds": wait.eta_seconds if wait else None,
            "desk_open": wait.open_now if wait else None,
            "opens_at": wait.opens_at.isoformat() if wait and wait.opens_at else None,
            "nobody_on_duty": wait.nobody_on_duty if wait else False,
        }


def operator_event(event: MessageCreated | ConversationChanged) -> MessageCreated | ConversationChanged:
    """The event as operators' consoles receive it: a message or a rating's comment without the customer's signed
    links."""
    if isinstance(event, MessageCreated):
        return event.model_copy(update={"message": for_operator(event.message)})
    if event.csat is not None and event.csat.comment is not None:
        comment = without_signed_links(event.csat.comment)
        if comment != event.csat.comment:
            return event.model_copy(update={"csat": event.csat.model_copy(update={"comment": comment})})
    return event


def customer_message(event: MessageCreated) -> dict[str, Any]:
    return event.message.model_dump(mode="json", exclude={"private"})
