"""The routing engine: the routing policy (`routing/policy.py`) kept in memory, event by event.

The live router works on database rows in periodic passes (`routing/assignment.py`); the simulation needs the
same decisions hundreds of thousands of times a day, so this engine keeps the state in memory and decides at
each event. Which agent is offered which conversation is not decided here: the engine only finds the
candidates in the policy's order and asks the policy (`OfferRules.first_agent`, `OfferRules.first_conversation`).
No I/O, no clock of its own: every call takes `now` in seconds (any epoch, never going backwards) and returns
the decisions it made, each with machine-readable reasons and values.

Why asking only at events is enough. After every call no waiting conversation has an agent who may take it.
An event changes that for one side only: a conversation arrives or comes back (a decline, a missed offer),
and only it can find an agent (`first_agent`); an agent frees a slot, becomes available or comes out of a
cool-down, and only that agent can find work (`first_conversation`). That is the choice a pass of
`OfferRules.match` over everything would make, without looking at everything. (The live router passes once a
tick, so events within one tick are decided together there: two agents freed in the same second share the
queue by rank, where the engine gives the head of the queue to whoever was freed first.)

Queues. One queue per desk, language, shop and channel: all that eligibility looks at on the conversation's
side, so whether an agent belongs to a queue is decided once per queue by `policy.eligible`, and a channel the
agent has no capacity for is not theirs.

Cost. Waiting conversations are a heap per queue on the policy's `queue_rank`; available agents with a free
slot are a heap per queue on its `agent_rank` (entries are invalidated by a version number, not searched
for). A decision costs O(log n) in the queue's length and O(q) in the number of queues an agent belongs to,
never a scan over everything that waits.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Literal, NamedTuple

from madoguchi.errors import Conflict, InvalidInput, NotFound
from madoguchi.routing.policy import (
    NOBODY,
    OFFER_TIMEOUT_S,
    REOFFER_COOLDOWN_S,
    AgentId,
    OfferRules,
    OnDuty,
    PriorityPolicy,
    Queued,
    agent_rank,
    eligible,
    queue_rank,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

__all__ = ["PRESENCES", "Decision", "Presence", "PriorityPolicy", "RoutingEngine"]

Presence = Literal["available", "away", "offline"]
PRESENCES: tuple[Presence, ...] = ("available", "away", "offline")
Value = float | int | str

QUEUED = "queued"
OFFERED = "offered"
ASSIGNED = "assigned"
# Released or withdrawn: no longer routing's business.
GONE = "gone"


class Decision(NamedTuple):
    """One thing the engine decided, ready to be recorded as an event.

    kind: `queued`, `offered`, `assigned`, `declined`, `offer_expired`, `offer_withdrawn`, `released`,
    `withdrawn` or `presence`. `reasons` are short codes (`priority:urgent`, `longest_idle_agent`, ...);
    `values` the figures behind them (`waited_s`, `effective_priority`, `agent_idle_s`, `queue`, ...).
    """

    kind: str
    conversation_id: str | None
    agent_id: str | None
    offer_id: int | None
    reasons: tuple[str, ...]
    values: dict[str, Value]


# Heap entries: the policy's rank spelled out (flat tuples compare faster), a sequence or version number
# that says whether the entry is still live, and the object.
_ConversationEntry = tuple[float, str, int, "_Conversation"]
_AgentEntry = tuple[int, float, AgentId, int, "_Agent"]


class _Queue:
    """Waiting conversations of one desk, language, shop and channel, and the free agents who can take them."""

    __slots__ = ("agents", "channel", "desk", "heap", "language", "members", "name", "shop_id", "waiting")

    def __init__(self, desk: str, language: str, shop_id: str | None, channel: str) -> None:
        self.desk = desk
        self.language = language
        self.shop_id = shop_id
        self.channel = channel
        where = desk if shop_id is None else f"{desk}:{shop_id}"
        self.name = f"{where}/{language}/{channel}"
        # An entry is live while the conversation's `entry` is its sequence number.
        self.heap: list[_ConversationEntry] = []
        self.waiting = 0
        # An entry is live while the agent's version is the entry's.
        self.agents: list[_AgentEntry] = []
        self.members = 0


class _Conversation:
    """A conversation routing knows of; while waiting, it is the policy's `Waiting`."""

    __slots__ = (
        "agent",
        "channel",
        "desk",
        "enqueued_at",
        "entry",
        "head_start",
        "id",
        "language",
        "offer",
        "offers",
        "queue",
        "queue_key",
        "shop_id",
        "state",
        "turned_down",
    )

    def __init__(self, conversation_id: str, queue: _Queue, now: float, head_start: float) -> None:
        self.id = conversation_id
        self.queue = queue
        self.desk = queue.desk
        self.language = queue.language
        self.shop_id = queue.shop_id
        self.channel = queue.channel
        self.enqueued_at = now
        self.head_start = head_start
        self.queue_key = now - head_start
        self.state = QUEUED
        self.entry = -1
        self.turned_down: Mapping[AgentId, float] = NOBODY
        self.offer: _Offer | None = None
        self.offers = 0
        self.agent: _Agent | None = None


class _Agent:
    """An agent routing knows of; while available, the policy's `Candidate`."""

    __slots__ = (
        "capacity",
        "desks",
        "id",
        "idle_since",
        "languages",
        "load",
        "offers",
        "presence",
        "queues",
        "shop_id",
        "version",
    )

    def __init__(self, agent_id: str, now: float) -> None:
        self.id = agent_id
        self.desks: tuple[str, ...] = ()
        self.languages: tuple[str, ...] = ()
        self.shop_id: str | None = None
        self.capacity: dict[str, int] = {}
        # Open conversations and held offers on every channel, as the policy counts them.
        self.load = 0
        self.queues: list[_Queue] = []
        self.presence: Presence = "offline"
        self.idle_since = now
        self.version = 0
        self.offers: dict[int, _Offer] = {}


class _Offer:
    __slots__ = ("agent", "conversation", "deadline", "id", "made_at")

    def __init__(self, offer_id: int, conversation: _Conversation, agent: _Agent, now: float, deadline: float) -> None:
        self.id = offer_id
        self.conversation = conversation
        self.agent = agent
        self.made_at = now
        self.deadline = deadline


def _free_in_rank_order(heap: list[_AgentEntry], passed: list[_AgentEntry]) -> Iterator[_Agent]:
    """The heap's live agents, best first. An agent is popped only once the caller has passed them over (into
    `passed`, to be pushed back), so asking for the first costs nothing."""
    while heap:
        entry = heap[0]
        if entry[4].version != entry[3]:
            heapq.heappop(heap)
            continue
        yield entry[4]
        passed.append(heapq.heappop(heap))


def _waiting_in_queue_order(queue: _Queue, passed: list[tuple[_Queue, _ConversationEntry]]) -> Iterator[_Conversation]:
    """The queue's live conversations, first first; popped only once passed over, as above."""
    heap = queue.heap
    while heap:
        entry = heap[0]
        if entry[3].entry != entry[2]:
            heapq.heappop(heap)
            continue
        yield entry[3]
        passed.append((queue, heapq.heappop(heap)))


class RoutingEngine:
    """Queues, agents and offers of one deployment (or one simulation)."""

    def __init__(
        self,
        policy: PriorityPolicy | None = None,
        offer_timeout_s: float = OFFER_TIMEOUT_S,
        reoffer_cooldown_s: float = REOFFER_COOLDOWN_S,
        away_after_missed_offer: bool = True,
    ) -> None:
        self.policy = policy or PriorityPolicy()
        self.rules = OfferRules(offer_timeout_s, reoffer_cooldown_s, away_after_missed_offer)
        self._queues: dict[tuple[str, str, str | None, str], _Queue] = {}
        self._agents: dict[str, _Agent] = {}
        self._conversations: dict[str, _Conversation] = {}
        self._offers: dict[int, _Offer] = {}
        self._deadlines: list[tuple[float, int]] = []
        self._cooldowns: list[tuple[float, int, _Conversation, str]] = []
        self._head_starts: dict[tuple[str, bool, str, bool], tuple[float, tuple[str, ...]]] = {}
        self._sequence = 0
        self._next_offer = 0

    # --- what callers may look at -------------------------------------------------------------------

    def queue_length(self, desk: str, language: str, channel: str = "chat", shop_id: str | None = None) -> int:
        queue = self._queues.get((desk, language, shop_id, channel))
        return queue.waiting if queue is not None else 0

    def state(self, conversation_id: str) -> str | None:
        """`queued`, `offered` or `assigned`; None once released or withdrawn (or never seen)."""
        conversation = self._conversations.get(conversation_id)
        return conversation.state if conversation is not None else None

    def assigned_agent(self, conversation_id: str) -> str | None:
        conversation = self._conversations.get(conversation_id)
        return conversation.agent.id if conversation is not None and conversation.agent is not None else None

    def agent_load(self, agent_id: str) -> int:
        """Open conversations and held offers of the agent, on every channel."""
        return self._agent(agent_id).load

    def situation(self) -> tuple[list[Queued], list[OnDuty]]:
        """What a pass of the live router would load now: the conversations waiting without an offer, and the
        available agents."""
        waiting = [
            Queued(c.id, c.desk, c.language, c.shop_id, c.channel, c.queue_key, dict(c.turned_down))
            for c in self._conversations.values()
            if c.state == QUEUED
        ]
        agents = [
            OnDuty(a.id, a.desks, a.languages, a.shop_id, dict(a.capacity), a.load, a.idle_since)
            for a in self._agents.values()
            if a.presence == "available"
        ]
        return waiting, agents

    def next_deadline(self) -> float | None:
        """When the next offer times out or cool-down ends: the caller's timer calls `expire` then."""
        deadlines, cooldowns = self._deadlines, self._cooldowns
        while deadlines and deadlines[0][1] not in self._offers:
            heapq.heappop(deadlines)
        while cooldowns and cooldowns[0][2].state != QUEUED:
            heapq.heappop(cooldowns)
        return min((heap[0][0] for heap in (deadlines, cooldowns) if heap), default=None)

    # --- agents -------------------------------------------------------------------------------------

    def add_agent(
        self,
        agent_id: str,
        desks: Iterable[str],
        languages: Iterable[str],
        capacity: Mapping[str, int],
        now: float,
        presence: Presence = "offline",
        shop_id: str | None = None,
    ) -> list[Decision]:
        """Register an agent, or change an agent's skills and capacity; open conversations stay theirs.

        `shop_id`: a shop's staff, who answer that shop's conversations only."""
        if presence not in PRESENCES:
            raise InvalidInput(f"Unknown presence {presence!r}: use one of {', '.join(PRESENCES)}.")
        if any(slots < 0 for slots in capacity.values()):
            raise InvalidInput(f"Capacity per channel must be 0 or more, not {dict(capacity)}.")
        agent = self._agents.get(agent_id)
        if agent is None:
            agent = self._agents[agent_id] = _Agent(agent_id, now)
        for queue in agent.queues:
            queue.members -= 1
        agent.desks = tuple(dict.fromkeys(desks))
        agent.languages = tuple(dict.fromkeys(languages))
        agent.shop_id = shop_id
        agent.capacity = {channel: slots for channel, slots in capacity.items() if slots > 0}
        agent.queues = [queue for queue in self._queues.values() if self._belongs(agent, queue)]
        for queue in agent.queues:
            queue.members += 1
        out: list[Decision] = []
        if presence != agent.presence:
            self._set_presence(agent, presence, now, (f"presence:{presence}",), out)
        else:
            self._changed(agent)
            self._fill(agent, now, out)
        return out

    def set_presence(self, agent_id: str, presence: Presence, now: float) -> list[Decision]:
        """Available agents get offers; away and offline agents keep their conversations but get no new ones,
        and an offer they still hold goes to someone else."""
        if presence not in PRESENCES:
            raise InvalidInput(f"Unknown presence {presence!r}: use one of {', '.join(PRESENCES)}.")
        out: list[Decision] = []
        self._set_presence(self._agent(agent_id), presence, now, (f"presence:{presence}",), out)
        return out

    # --- conversations ------------------------------------------------------------------------------

    def enqueue(
        self,
        conversation_id: str,
        desk: str,
        language: str,
        now: float,
        *,
        channel: str = "chat",
        shop_id: str | None = None,
        priority: str = "normal",
        money_or_identity: bool = False,
        tier: str = "regular",
        repeat_contact: bool = False,
    ) -> list[Decision]:
        """Queue a conversation for a desk, and offer it at once when an agent who may take it is free.

        `priority` is the triage decision's (`urgent`, `high`, `normal`, `low`); `tier` the customer's
        membership tier; `shop_id` the shop whose inbox it is in.
        """
        if conversation_id in self._conversations:
            raise Conflict(f"Conversation {conversation_id} is already queued or with an agent.")
        cache_key = (priority, money_or_identity, tier, repeat_contact)
        known = self._head_starts.get(cache_key)
        if known is None:
            known = self._head_starts[cache_key] = self.policy.head_start(*cache_key)
        head_start, reasons = known
        queue = self._queue(desk, language, shop_id, channel)
        conversation = _Conversation(conversation_id, queue, now, head_start)
        self._conversations[conversation_id] = conversation
        out = [
            Decision(
                QUEUED,
                conversation_id,
                None,
                None,
                reasons,
                {"queue": queue.name, "head_start_s": head_start, "queue_length": queue.waiting},
            )
        ]
        agent = self._free_agent(queue, conversation, now)
        if agent is not None:
            self._offer(conversation, agent, now, "longest_idle_agent", out)
        else:
            self._push(conversation)
        return out

    def accept(self, offer_id: int, now: float) -> list[Decision]:
        """The agent takes the conversation; an offer accepted after its deadline has timed out instead."""
        offer = self._open_offer(offer_id)
        if now >= offer.deadline:
            out: list[Decision] = []
            self._expire(offer, now, out)
            return out
        del self._offers[offer_id]
        agent, conversation = offer.agent, offer.conversation
        del agent.offers[offer_id]
        conversation.state = ASSIGNED
        conversation.offer = None
        conversation.agent = agent
        agent.idle_since = now
        self._changed(agent)
        values: dict[str, Value] = {
            "queue": conversation.queue.name,
            "waited_s": now - conversation.enqueued_at,
            "offer_s": now - offer.made_at,
        }
        return [Decision(ASSIGNED, conversation.id, agent.id, offer_id, ("accepted",), values)]

    def decline(self, offer_id: int, now: float) -> list[Decision]:
        """The agent passes: the conversation keeps its place and is offered to someone else."""
        out: list[Decision] = []
        offer = self._open_offer(offer_id)
        self._take_back(offer, now, "declined", "agent_declined", out, cool_down=True)
        self._fill(offer.agent, now, out)
        return out

    def expire(self, now: float) -> list[Decision]:
        """Time out the offers whose deadline has passed; end the cool-downs that have run out, so that an agent
        who turned a conversation down may now be offered it."""
        out: list[Decision] = []
        deadlines, cooldowns = self._deadlines, self._cooldowns
        while deadlines and deadlines[0][0] <= now:
            _, offer_id = heapq.heappop(deadlines)
            offer = self._offers.get(offer_id)
            if offer is not None:
                self._expire(offer, now, out)
        while cooldowns and cooldowns[0][0] <= now:
            _, _, conversation, agent_id = heapq.heappop(cooldowns)
            agent = self._agents.get(agent_id)
            if conversation.state == QUEUED and agent is not None:
                self._fill(agent, now, out)
        return out

    def release(self, conversation_id: str, now: float) -> list[Decision]:
        """The agent is done with the conversation (resolved or moved on); the freed slot takes the next one."""
        conversation = self._conversations.get(conversation_id)
        if conversation is None or conversation.agent is None:
            raise Conflict(f"Conversation {conversation_id} is not with an agent: withdraw it from its queue instead.")
        del self._conversations[conversation_id]
        conversation.state = GONE
        agent = conversation.agent
        agent.load -= 1
        self._changed(agent)
        out = [
            Decision(
                "released",
                conversation_id,
                agent.id,
                None,
                ("released",),
                {"queue": conversation.queue.name, "agent_load": agent.load},
            )
        ]
        self._fill(agent, now, out)
        return out

    def withdraw(self, conversation_id: str, now: float, reason: str = "customer_left") -> list[Decision]:
        """Take a conversation that no agent has yet out of its queue (the customer left, or it moves desk)."""
        conversation = self._conversations.get(conversation_id)
        if conversation is None or conversation.state == ASSIGNED:
            raise Conflict(f"Conversation {conversation_id} is not waiting: release it from its agent instead.")
        out: list[Decision] = []
        offer = conversation.offer
        if offer is not None:
            self._close_offer(offer)
        else:
            self._unqueue(conversation)
        del self._conversations[conversation_id]
        conversation.state = GONE
        out.append(
            Decision(
                "withdrawn",
                conversation_id,
                None,
                None,
                (reason,),
                {"queue": conversation.queue.name, "waited_s": now - conversation.enqueued_at},
            )
        )
        if offer is not None:
            self._fill(offer.agent, now, out)
        return out

    # --- the machinery ------------------------------------------------------------------------------

    def _agent(self, agent_id: str) -> _Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise NotFound(f"No agent {agent_id} is known to routing: add the agent first.")
        return agent

    @staticmethod
    def _belongs(agent: _Agent, queue: _Queue) -> bool:
        return queue.channel in agent.capacity and eligible(agent, queue.desk, queue.language, queue.shop_id)

    def _queue(self, desk: str, language: str, shop_id: str | None, channel: str) -> _Queue:
        key = (desk, language, shop_id, channel)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue(desk, language, shop_id, channel)
            for agent in self._agents.values():
                if self._belongs(agent, queue):
                    agent.queues.append(queue)
                    queue.members += 1
                    if agent.presence == "available" and agent.load < agent.capacity[channel]:
                        queue.agents.append((*agent_rank(agent), agent.version, agent))
            heapq.heapify(queue.agents)
        return queue

    def _open_offer(self, offer_id: int) -> _Offer:
        offer = self._offers.get(offer_id)
        if offer is None:
            raise Conflict(f"Offer {offer_id} is no longer open: it was accepted, declined, withdrawn or timed out.")
        return offer

    def _push(self, conversation: _Conversation) -> None:
        self._sequence += 1
        conversation.entry = self._sequence
        conversation.state = QUEUED
        queue = conversation.queue
        heapq.heappush(queue.heap, (*queue_rank(conversation), self._sequence, conversation))
        queue.waiting += 1

    def _unqueue(self, conversation: _Conversation) -> None:
        # The heap entry stays behind and is dropped when it reaches the top; an empty queue drops them all.
        conversation.entry = -1
        queue = conversation.queue
        queue.waiting -= 1
        if queue.waiting == 0:
            queue.heap.clear()

    def _changed(self, agent: _Agent) -> None:
        """Invalidate the agent's entries in every queue, and enter the agent again where a slot is free."""
        agent.version += 1
        if agent.presence != "available":
            return
        entry: _AgentEntry | None = None
        load, capacity = agent.load, agent.capacity
        for queue in agent.queues:
            if load >= capacity[queue.channel]:
                continue
            if entry is None:
                entry = (*agent_rank(agent), agent.version, agent)
            free = queue.agents
            heapq.heappush(free, entry)
            # Stale entries pile up when an agent's state changes more often than the queue offers work;
            # dropping them once they outnumber the members keeps each heap within twice its size.
            if len(free) > 2 * queue.members + 16:
                queue.agents = [item for item in free if item[4].version == item[3]]
                heapq.heapify(queue.agents)

    def _free_agent(self, queue: _Queue, conversation: _Conversation, now: float) -> _Agent | None:
        """Whom the policy offers the conversation, among the queue's free agents."""
        passed: list[_AgentEntry] = []
        chosen = self.rules.first_agent(conversation, _free_in_rank_order(queue.agents, passed), now)
        for entry in passed:
            heapq.heappush(queue.agents, entry)
        return chosen

    def _fill(self, agent: _Agent, now: float, out: list[Decision]) -> None:
        """Offer the agent what the policy gives them from their queues until their free slots are taken."""
        if agent.presence != "available":
            return
        capacity = agent.capacity
        while True:
            passed: list[tuple[_Queue, _ConversationEntry]] = []
            sources = [
                _waiting_in_queue_order(queue, passed)
                for queue in agent.queues
                if queue.waiting and agent.load < capacity[queue.channel]
            ]
            if not sources:
                return
            waiting = sources[0] if len(sources) == 1 else heapq.merge(*sources, key=queue_rank)
            conversation = self.rules.first_conversation(agent, waiting, now)
            for queue, entry in passed:
                heapq.heappush(queue.heap, entry)
            if conversation is None:
                return
            self._unqueue(conversation)
            self._offer(conversation, agent, now, "first_in_agent_queues", out)

    def _offer(self, conversation: _Conversation, agent: _Agent, now: float, why: str, out: list[Decision]) -> None:
        self._next_offer += 1
        offer_id = self._next_offer
        offer = _Offer(offer_id, conversation, agent, now, self.rules.deadline(now))
        self._offers[offer_id] = offer
        agent.offers[offer_id] = offer
        heapq.heappush(self._deadlines, (offer.deadline, offer_id))
        conversation.state = OFFERED
        conversation.offer = offer
        conversation.offers += 1
        load = agent.load
        agent.load = load + 1
        self._changed(agent)
        waited = now - conversation.enqueued_at
        values: dict[str, Value] = {
            "queue": conversation.queue.name,
            "waited_s": waited,
            "effective_priority": conversation.head_start + waited,
            "agent_idle_s": now - agent.idle_since,
            "agent_load": load,
            "timeout_s": self.rules.offer_timeout_s,
        }
        reasons = (why,) if conversation.offers == 1 else (why, "reoffer")
        out.append(Decision(OFFERED, conversation.id, agent.id, offer_id, reasons, values))

    def _close_offer(self, offer: _Offer) -> None:
        """Free the slot an offer held; the conversation is no longer offered."""
        del self._offers[offer.id]
        agent = offer.agent
        del agent.offers[offer.id]
        agent.load -= 1
        offer.conversation.offer = None
        self._changed(agent)

    def _take_back(
        self, offer: _Offer, now: float, kind: str, why: str, out: list[Decision], cool_down: bool = False
    ) -> None:
        """The offered agent will not take the conversation: back to its place, and on to another agent.

        With `cool_down` (declined or missed, not merely withdrawn because the agent left) the policy passes
        the agent over for this conversation until the cool-down ends.
        """
        self._close_offer(offer)
        conversation = offer.conversation
        if cool_down:
            turned_down = dict(conversation.turned_down)
            turned_down[offer.agent.id] = now
            conversation.turned_down = turned_down
            self._sequence += 1
            until = now + self.rules.reoffer_cooldown_s
            heapq.heappush(self._cooldowns, (until, self._sequence, conversation, offer.agent.id))
        out.append(
            Decision(
                kind,
                conversation.id,
                offer.agent.id,
                offer.id,
                (why,),
                {"queue": conversation.queue.name, "offer_s": now - offer.made_at},
            )
        )
        agent = self._free_agent(conversation.queue, conversation, now)
        if agent is not None:
            self._offer(conversation, agent, now, "longest_idle_agent", out)
        else:
            self._push(conversation)

    def _set_presence(
        self, agent: _Agent, presence: Presence, now: float, reasons: tuple[str, ...], out: list[Decision]
    ) -> None:
        if presence == agent.presence:
            return
        out.append(Decision("presence", None, agent.id, None, reasons, {"was": agent.presence}))
        agent.presence = presence
        if presence == "available":
            agent.idle_since = now
        self._changed(agent)
        if presence == "available":
            self._fill(agent, now, out)
        else:
            for offer in list(agent.offers.values()):
                self._take_back(offer, now, "offer_withdrawn", "agent_unavailable", out)

    def _expire(self, offer: _Offer, now: float, out: list[Decision]) -> None:
        agent = offer.agent
        self._take_back(offer, now, "offer_expired", "offer_timeout", out, cool_down=True)
        if self.rules.away_after_missed_offer:
            self._set_presence(agent, "away", now, ("presence:away", "missed_offer"), out)
        else:
            self._fill(agent, now, out)
