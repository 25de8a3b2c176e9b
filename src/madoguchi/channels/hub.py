"""The open sockets of this process: a fan-out of frames that are already built.

What each socket may be told about an event (customers never see private notes, operators only the
conversations they may see) is decided where the frames are built, in `madoguchi.channels.chat_frames`.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from madoguchi.logs import get_logger

log = get_logger(__name__)
SEND_TIMEOUT_S = 5.0

Sender = Callable[[str], Awaitable[None]]
# Whether an operator of the given shop (None: platform staff) may receive a frame.
ShopFilter = Callable[[str | None], bool]


@dataclass(eq=False)
class Peer:
    """One open socket: a customer's (bound to one conversation) or an operator's console."""

    send_text: Sender
    conversation_id: str | None = None
    agent_id: int | None = None
    agent_shop_id: str | None = None
    agent_role: str | None = None
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
    def __init__(self) -> None:
        self._customers: defaultdict[str, set[Peer]] = defaultdict(set)
        self._agents: set[Peer] = set()

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

    def has_customers(self, conversation_id: str) -> bool:
        """Whether the conversation's customer has a socket open in this process (most events are for
        conversations whose customer is connected elsewhere or not at all, and need no frame built)."""
        return conversation_id in self._customers

    def has_operators(self) -> bool:
        return bool(self._agents)

    async def deliver(self, conversation_id: str, frame: str) -> None:
        """Send a frame to every socket of the conversation's customer in this process."""
        peers = self._customers.get(conversation_id)
        if peers:
            await _send_all(peers, frame)

    async def deliver_to_operators(self, frame: str, may_see: ShopFilter) -> None:
        """Send a frame to every operator console in this process whose shop `may_see` allows."""
        watchers = [peer for peer in self._agents if may_see(peer.agent_shop_id)]
        if watchers:
            await _send_all(watchers, frame)

    async def deliver_to_admins(self, frame: str) -> None:
        """Send a frame to every administrator's console in this process."""
        admins = [peer for peer in self._agents if peer.agent_role == "admin"]
        if admins:
            await _send_all(admins, frame)


async def _send_all(peers: set[Peer] | list[Peer], frame: str) -> None:
    targets = list(peers)
    if len(targets) == 1:
        await targets[0].send(frame)
    else:
        await asyncio.gather(*(peer.send(frame) for peer in targets))
