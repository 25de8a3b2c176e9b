"""How long a queued customer will wait: Erlang C on the desk's live arrival rate, handle time and the agents
available now.

The customer's own place in the line is known, so it is used: with people ahead, every agent is busy and the
line moves one place per `handle / agents` seconds on average; first in line, Erlang C's average speed of
answer (probability that all agents are busy times the mean wait of those who wait) is the estimate.

`estimate` is what the customer is told, at placement and in every status frame: a closed desk gives its
opening and no figure (whoever happens to be available at night says nothing of when the line moves), an open
desk with nobody on duty who could answer gives no figure either, and a shop's inbox answers within the shop's
promise, not in a computed number of seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from madoguchi.conversations.queries import queue_position, same_queue
from madoguchi.domain.conversation import State
from madoguchi.domain.routing_map import PLATFORM_CS
from madoguchi.routing import erlang
from madoguchi.routing.desks import TOKYO, Hours
from madoguchi.routing.policy import eligible
from madoguchi.store.models import Agent, Conversation, ConversationEvent, Desk, Shop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ARRIVAL_WINDOW = timedelta(hours=1)
HANDLE_WINDOW = timedelta(days=7)
# Below this many resolved conversations in the window, the desk's handle time is the default.
MIN_HANDLE_SAMPLES = 10
DEFAULT_HANDLE_S = 420.0
_CACHE_S = 5.0
# Per database (one process may serve several in tests), desk, language and shop.
_cache: dict[tuple[str, str, str, str | None], tuple[float, DeskLoad]] = {}


@dataclass(frozen=True)
class DeskLoad:
    desk: str
    language: str
    arrivals_per_s: float
    handle_s: float
    agents: int

    @property
    def load(self) -> float:
        return erlang.traffic(self.arrivals_per_s, self.handle_s)

    def eta_seconds(self, position: int) -> int | None:
        """Expected seconds until an agent answers the customer at `position` (1 = next); None when nobody
        who could answer is on duty."""
        if self.agents == 0:
            return None
        drain = position * self.handle_s / self.agents
        if position > 1 or self.load >= self.agents:
            return round(drain)
        return round(min(drain, erlang.average_speed_of_answer(self.agents, self.load, self.handle_s)))


@dataclass(frozen=True)
class WaitEstimate:
    """What a queued customer is told about the wait."""

    position: int | None
    open_now: bool
    # The next opening of a closed desk (its own hours, or the shop's for a shop's inbox).
    opens_at: datetime | None
    timezone: str
    # Who could answer now; None where nobody is counted (a closed desk, a shop's inbox).
    agents: int | None
    eta_seconds: int | None

    @property
    def nobody_on_duty(self) -> bool:
        return self.open_now and self.agents == 0


async def estimate(
    session: AsyncSession, conversation: Conversation, now: datetime, *, cached: bool = True
) -> WaitEstimate:
    """The wait of a queued conversation at its desk as it stands now (`queue_position`, hours, agents)."""
    position = await queue_position(session, conversation)
    desk = await session.get(Desk, conversation.desk or PLATFORM_CS)
    if desk is None:
        return WaitEstimate(position, True, None, TOKYO, None, None)
    shop = await session.get(Shop, conversation.shop_id) if conversation.shop_id and desk.kind == "shop" else None
    hours = Hours.of(shop) if shop is not None else Hours.of(desk)
    if not hours.is_open(now):
        return WaitEstimate(position, False, hours.next_opening(now), hours.timezone, None, None)
    if desk.kind == "shop":
        return WaitEstimate(position, True, None, hours.timezone, None, None)
    load = await desk_load(session, desk.id, conversation.language, conversation.shop_id, now, cached=cached)
    return WaitEstimate(position, True, None, hours.timezone, load.agents, load.eta_seconds(position or 1))


async def desk_load(
    session: AsyncSession, desk: str, language: str, shop_id: str | None, now: datetime, *, cached: bool = True
) -> DeskLoad:
    key = (str(id(session.bind)), desk, language, shop_id)
    hit = _cache.get(key)
    if cached and hit is not None and time.monotonic() - hit[0] < _CACHE_S:
        return hit[1]
    arrivals = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(same_queue(desk, language, shop_id), Conversation.queued_at >= now - ARRIVAL_WINDOW)
    )
    handle_s = await _handle_seconds(session, desk, now)
    available = await session.scalars(select(Agent).where(Agent.presence == "available"))
    agents = sum(1 for agent in available if eligible(agent, desk, language, shop_id))
    result = DeskLoad(desk, language, int(arrivals or 0) / ARRIVAL_WINDOW.total_seconds(), handle_s, agents)
    _cache[key] = (time.monotonic(), result)
    return result


async def _handle_seconds(session: AsyncSession, desk: str, now: datetime) -> float:
    """Mean time from an agent's taking a conversation to its resolution, over the desk's last week."""
    # Each resolved conversation's last assignment, read from its own events (an index look-up per conversation):
    # grouping every assignment ever recorded would cost a scan of the whole log at every placement.
    taken_at = (
        select(func.max(ConversationEvent.created_at))
        .where(
            ConversationEvent.conversation_id == Conversation.id,
            ConversationEvent.type == "conversation.assigned",
        )
        .correlate(Conversation)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(Conversation.resolved_at, taken_at)
            .where(
                Conversation.desk == desk,
                Conversation.state == State.RESOLVED,
                Conversation.resolved_at >= now - HANDLE_WINDOW,
            )
            .limit(2000)
        )
    ).all()
    durations = [
        (resolved - taken_at).total_seconds()
        for resolved, taken_at in rows
        if resolved is not None and taken_at is not None and resolved > taken_at
    ]
    if len(durations) < MIN_HANDLE_SAMPLES:
        return DEFAULT_HANDLE_S
    return float(sum(durations) / len(durations))
