"""The routing policy: in what order conversations wait, who may answer one, and who is offered it.

Pure: no I/O, no clock of its own. Times are seconds on any one epoch (the live router passes POSIX timestamps,
the simulation its own clock). The live router (`routing/assignment.py`) loads the rows of one pass and asks
`OfferRules.match`, which asks `first_agent` for each waiting conversation in turn; the in-memory engine
(`routing/engine.py`, which the simulation drives) keeps its queues as heaps and asks `first_agent` when a
conversation arrives and `first_conversation` when an agent's slot frees. Both choose by the same rules from
the same situation.

Order. A conversation's queue key is the time it was queued less the head start its priority earns
(`PriorityPolicy`); the queue is served in key order. Every conversation ages at the same rate, so one that
arrived later passes an earlier one only by its head start: nobody starves.

Who may take it. The agent must be eligible (`eligible`: desk and language; a shop's staff only their own
shop's), have a free slot on the conversation's channel (open conversations and held offers, on every channel,
below the channel's capacity), and not have declined or missed this conversation within the cool-down.

Who is offered it. Among those, the agent with the fewest open conversations and held offers (a second chat
only when nobody has a free hand), then the one idle longest (since becoming available or last accepting an
offer), then the lowest id.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple, Protocol, TypeVar

from madoguchi.errors import InvalidInput

AgentId = int | str
OFFER_TIMEOUT_S = 30.0
REOFFER_COOLDOWN_S = 120.0
NOBODY: Mapping[AgentId, float] = MappingProxyType({})


class Skilled(Protocol):
    """What eligibility looks at on the agent's side."""

    @property
    def desks(self) -> Collection[str]: ...

    @property
    def languages(self) -> Collection[str]: ...

    @property
    def shop_id(self) -> str | None: ...


class Candidate(Skilled, Protocol):
    """An available agent as the policy sees them."""

    @property
    def id(self) -> AgentId: ...

    # Slots per channel; a channel missing here is one the agent does not answer.
    @property
    def capacity(self) -> Mapping[str, int]: ...

    # Open conversations and held offers, on every channel.
    @property
    def load(self) -> int: ...

    @property
    def idle_since(self) -> float: ...


class Waiting(Protocol):
    """A queued conversation without an open offer, as the policy sees it."""

    @property
    def id(self) -> str: ...

    @property
    def desk(self) -> str | None: ...

    @property
    def language(self) -> str: ...

    @property
    def shop_id(self) -> str | None: ...

    @property
    def channel(self) -> str: ...

    @property
    def queue_key(self) -> float: ...

    # Agents who declined or missed it, and when.
    @property
    def turned_down(self) -> Mapping[AgentId, float]: ...


A = TypeVar("A", bound=Candidate)
W = TypeVar("W", bound=Waiting)


def eligible(agent: Skilled, desk: str, language: str, shop_id: str | None) -> bool:
    """Whether the agent may answer a conversation of this desk, language and shop."""
    if agent.shop_id is not None:
        # A shop's staff answer their own shop's conversations and nothing else, whatever the desk.
        return shop_id == agent.shop_id and desk in agent.desks
    return desk in agent.desks and language in agent.languages


def agent_rank(agent: Candidate) -> tuple[int, float, AgentId]:
    """Sort key of agents: the first is offered the conversation."""
    return agent.load, agent.idle_since, agent.id


def queue_rank(conversation: Waiting) -> tuple[float, str]:
    """Sort key of waiting conversations: the first is served first."""
    return conversation.queue_key, conversation.id


def _default_head_starts() -> dict[str, float]:
    return {"urgent": 600.0, "high": 180.0, "normal": 0.0, "low": -120.0}


def _default_tiers() -> dict[str, float]:
    return {"premium": 60.0}


@dataclass(frozen=True)
class PriorityPolicy:
    """Head starts in seconds of waiting: an urgent conversation is served as if it had waited 10 minutes.

    Seconds make the trade-off readable: a normal conversation that has waited 10 minutes goes before an
    urgent one that just arrived, which is the guarantee against starvation.
    """

    priority_s: Mapping[str, float] = field(default_factory=_default_head_starts)
    money_or_identity_s: float = 60.0
    tier_s: Mapping[str, float] = field(default_factory=_default_tiers)
    repeat_contact_s: float = 60.0

    def head_start(
        self, priority: str, money_or_identity: bool, tier: str, repeat_contact: bool
    ) -> tuple[float, tuple[str, ...]]:
        if priority not in self.priority_s:
            raise InvalidInput(f"Unknown priority {priority!r}: use one of {', '.join(self.priority_s)}.")
        seconds = self.priority_s[priority]
        reasons = [f"priority:{priority}"]
        if money_or_identity:
            seconds += self.money_or_identity_s
            reasons.append("money_or_identity")
        if tier in self.tier_s:
            seconds += self.tier_s[tier]
            reasons.append(f"tier:{tier}")
        if repeat_contact:
            seconds += self.repeat_contact_s
            reasons.append("repeat_contact")
        return seconds, tuple(reasons)


@dataclass(frozen=True, slots=True)
class OnDuty:
    """An available agent, for `OfferRules.match`."""

    id: AgentId
    desks: Collection[str]
    languages: Collection[str]
    shop_id: str | None
    capacity: Mapping[str, int]
    load: int
    idle_since: float


@dataclass(frozen=True, slots=True)
class Queued:
    """A waiting conversation, for `OfferRules.match`."""

    id: str
    desk: str | None
    language: str
    shop_id: str | None
    channel: str
    queue_key: float
    turned_down: Mapping[AgentId, float] = field(default_factory=dict)


class Offer(NamedTuple):
    conversation: Queued
    # As the agent was before this offer: `agent.load` is the load the offer adds to.
    agent: OnDuty


@dataclass(frozen=True)
class OfferRules:
    """How long an offer is held, how long an agent who turned a conversation down is passed over for it, and
    whether missing an offer sets the agent away (a missed offer usually means nobody is at the desk)."""

    offer_timeout_s: float = OFFER_TIMEOUT_S
    reoffer_cooldown_s: float = REOFFER_COOLDOWN_S
    away_after_missed_offer: bool = True

    def __post_init__(self) -> None:
        if self.offer_timeout_s <= 0 or self.reoffer_cooldown_s < 0:
            raise InvalidInput("The offer timeout must be longer than 0 seconds and the cool-down not negative.")

    def deadline(self, offered_at: float) -> float:
        return offered_at + self.offer_timeout_s

    def cooling_down(self, conversation: Waiting, agent_id: AgentId, now: float) -> bool:
        """Whether the agent turned this conversation down too recently to be offered it again.

        A desk with one agent on duty must not strand a conversation, so the agent is passed over only for the
        cool-down.
        """
        turned_down_at = conversation.turned_down.get(agent_id)
        return turned_down_at is not None and now < turned_down_at + self.reoffer_cooldown_s

    def may_take(self, agent: Candidate, conversation: Waiting, now: float) -> bool:
        desk = conversation.desk
        return (
            desk is not None
            and eligible(agent, desk, conversation.language, conversation.shop_id)
            and agent.load < agent.capacity.get(conversation.channel, 0)
            and not self.cooling_down(conversation, agent.id, now)
        )

    def first_agent(self, conversation: Waiting, agents_in_rank_order: Iterable[A], now: float) -> A | None:
        """Whom to offer the conversation: the first agent, in `agent_rank` order, who may take it."""
        for agent in agents_in_rank_order:
            if self.may_take(agent, conversation, now):
                return agent
        return None

    def first_conversation(self, agent: Candidate, waiting_in_queue_order: Iterable[W], now: float) -> W | None:
        """What to offer an agent with a free slot: the first conversation, in `queue_rank` order, they may take.

        When no other agent could take any of these, `match` would give this agent the same one.
        """
        for conversation in waiting_in_queue_order:
            if self.may_take(agent, conversation, now):
                return conversation
        return None

    def match(self, waiting: Iterable[Queued], agents: Iterable[OnDuty], now: float) -> list[Offer]:
        """The offers of one pass: in queue order, each conversation to the first agent who may take it; each
        offer holds one of that agent's slots for the rest of the pass."""
        ranked = sorted(agents, key=agent_rank)
        offers: list[Offer] = []
        for conversation in sorted(waiting, key=queue_rank):
            chosen = self.first_agent(conversation, ranked, now)
            if chosen is None:
                continue
            offers.append(Offer(conversation, chosen))
            del ranked[bisect.bisect_left(ranked, agent_rank(chosen), key=agent_rank)]
            busier = replace(chosen, load=chosen.load + 1)
            bisect.insort(ranked, busier, key=agent_rank)
        return offers
