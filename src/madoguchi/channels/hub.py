"""The open sockets of this process, and the bus listener that tells each of them what it may see."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from madoguchi.bus import ConversationChanged, ConversationSnapshot, MessageCreated
from madoguchi.conversations.queries import can_see
from madoguchi.logs import get_logger

log = get_logger(__name__)
SEND_TIMEOUT_S = 5.0

Sender = Callable[[str], Awaitable[None]]
StatusFrame = Callable[[ConversationSnapshot], Awaitable[dict[str, Any]]]


@dataclass(eq=False)
class Peer:
    """One open socket: a customer's (bound to one conversation) or an operator's console."""

    send_text: Sender
    conversation_id: str | None = None
    agent_id: int | None = None
    agent_shop_id: str | None = None
    closed: bool = field(default=False)

    async def send(self, payload: str) -> None:
        if self.closed:
            return
        try:
            await asyncio.wait_for(self.send_text(payload), SEND_TIMEOUT_S)
        except Exception:
            # A socket that cannot take a frame within the timeout is gone or stuck; its client reconnects
            # and reloads the history, so nothing is lost by dropping it here.
            self.closed = True
            log.info("hub.peer_dropped", conversation_id=self.conversation_id, agent_id=self.agent_id)


def dumps(payload: dict[str, Any]) -> str:
    return orjson.dumps(payload).decode()


class Hub:
    def __init__(self, status_frame: StatusFrame) -> None:
        self._customers: defaultdict[str, set[Peer]] = defaultdict(set)
        self._agents: set[Peer] = set()
        self._status_frame = status_frame

    def add(self, peer: Peer) -> None:
        if peer.conversation_id is not None:
            self._customers[peer.conversation_id].add(peer)
        else:
            self._agents.add(peer)

    def remove(self, peer: Peer) -> None:
        peer.closed = True
        if peer.conversation_id is not None:
            peers = self._customers.get(peer.conversation_id)
            if peers is not None:
                peers.discard(peer)
                if not peers:
                    del self._customers[peer.conversation_id]
        else:
            self._agents.discard(peer)

    async def on_event(self, event: MessageCreated | ConversationChanged) -> None:
        customers = self._customers.get(event.conversation.id, set())
        if isinstance(event, MessageCreated):
            if customers and not event.message.private:
                frame = dumps({"type": "message", "message": customer_message(event)})
                await _send_all(customers, frame)
        elif customers and event.type not in ("conversation.created", "conversation.offered"):
            # The customer learnt the new conversation's state from `hello`; through Redis the creation event
            # can reach this process after the socket is registered, and would only repeat that state late. An
            # offer to an operator changes nothing the customer sees.
            frame = dumps(await self._status_frame(event.conversation))
            await _send_all(customers, frame)
        watchers = [peer for peer in self._agents if can_see(peer.agent_shop_id, event.conversation)]
        if watchers:
            await _send_all(watchers, dumps({"type": "event", "event": event.model_dump(mode="json")}))


def customer_message(event: MessageCreated) -> dict[str, Any]:
    return event.message.model_dump(mode="json", exclude={"private"})


async def _send_all(peers: set[Peer] | list[Peer], frame: str) -> None:
    targets = list(peers)
    if len(targets) == 1:
        await targets[0].send(frame)
    else:
        await asyncio.gather(*(peer.send(frame) for peer in targets))
