"""The routing engine: who waits for which desk, in what order, and which agent is offered what.

Pure and in memory: no I/O, no database, no clock of its own. Every call takes `now` in seconds (any epoch,
never going backwards) and returns the decisions it made, each with machine-readable reasons and values,
so that the caller can record them as events on the conversation and the console can show why.

Queues. One queue per desk, language and channel: an agent who speaks Japanese and English and works
platform CS by chat draws from two queues, and a chat slot never takes an e-mail.

Order. A conversation's effective priority is its head start plus the seconds it has waited. Head starts
come from the triage decision's priority, money or identity at stake, the customer's membership tier and a
repeat contact (see `PriorityPolicy`). Because every conversation ages at the same rate, the order of two
waiting conversations never changes while they wait: the queue is a heap on `enqueued_at - head_start`,
and ageing costs nothing per decision. A conversation waits at most the largest difference in head starts
longer than one that arrives after it, so nobody starves.

Offers. A conversation goes to the eligible agent who has been idle longest, among those with the fewest
open conversations on its channel (an agent with capacity 3 takes a second chat only when nobody has a
free hand). The agent's slot is held until they accept or decline or the offer times out; a declined or
missed conversation keeps its place and is offered to someone else, and to the same agent again only after
a cool-down (a desk with one agent on duty must not strand it). An agent who misses an offer is set away,
because a missed offer usually means nobody is at the desk.

Cost. Free agents wait in a heap per queue too (entries are invalidated by a version number, not
searched for), so a decision costs O(log n) in the queue's length and O(q) in the number of queues an
agent draws from, never a scan over everything that waits.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from madoguchi.errors import Conflict, InvalidInput, NotFound

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


class _Queue:
    """Waiting conversations of one desk, language and channel, and the free agents who can take them."""

    __slots__ = ("agents", "channel", "desk", "heap", "language", "members", "name", "waiting")

    def __init__(self, desk: str, language: str, channel: str) -> None:
        self.desk = desk
        self.language = language
        self.channel = channel
        self.name = f"{desk}/{language}/{channel}"
        # (enqueued_at - head_start, sequence, conversation); an entry is live while the conversation's
        # `entry` is its sequence number.
        self.heap: list[tuple[float, int, _Conversation]] = []
        self.waiting = 0
        # (open conversations on the channel, idle since, sequence, version, agent); live while the agent's
        # version is the entry's.
        self.agents: list[tuple[int, float, int, int, _Agent]] = []
        self.members = 0


class _Conversation:
    __slots__ = (
        "agent",
        "declined_by",
        "enqueued_at",
        "entry",
        "head_start",
        "id",
        "key",
        "offer",
        "offers",
        "queue",
        "state",
    )

    def __init__(self, conversation_id: str, queue: _Queue, now: float, head_start: float) -> None:
        self.id = conversation_id
        self.queue = queue
        self.enqueued_at = now
        self.head_start = head_start
        self.key = now - head_start
        self.state = QUEUED
        self.entry = -1
        # Agents who declined or missed it, and until when they are not offered it again.
        self.declined_by: dict[str, float] | None = None
        self.offer: _Offer | None = None
        self.offers = 0
        self.agent: _Agent | None = None


class _Agent:
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
        "version",
    )

    def __init__(self, agent_id: str, now: float) -> None:
        self.id = agent_id
        self.desks: tuple[str, ...] = ()
        self.languages: tuple[str, ...] = ()
        self.capacity: dict[str, int] = {}
        self.load: dict[str, int] = {}
        self.queues: dict[str, list[_Queue]] = {}
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


class RoutingEngine:
    """Queues, agents and offers of one deployment (or one simulation)."""

    def __init__(
        self,
        policy: PriorityPolicy | None = None,
        offer_timeout_s: float = 30.0,
        reoffer_cooldown_s: float = 120.0,
        away_after_missed_offer: bool = True,
    ) -> None:
        if offer_timeout_s <= 0 or reoffer_cooldown_s < 0:
            raise InvalidInput("The offer timeout must be longer than 0 seconds and the cool-down not negative.")
        self.policy = policy or PriorityPolicy()
        self.offer_timeout_s = offer_timeout_s
        self.reoffer_cooldown_s = reoffer_cooldown_s
        self.away_after_missed_offer = away_after_missed_offer
        self._queues: dict[tuple[str, str, str], _Queue] = {}
        self._agents: dict[str, _Agent] = {}
        self._conversations: dict[str, _Conversation] = {}
        self._offers: dict[int, _Offer] = {}
        self._deadlines: list[tuple[float, int]] = []
        self._cooldowns: list[tuple[float, int, _Conversation, str]] = []
        self._head_starts: dict[tuple[str, bool, str, bool], tuple[float, tuple[str, ...]]] = {}
        self._sequence = 0
        self._next_offer = 0

    # --- what callers may look at -------------------------------------------------------------------

    def queue_length(self, desk: str, language: str, channel: str = "chat") -> int:
        queue = self._queues.get((desk, language, channel))
        return queue.waiting if queue is not None else 0

    def state(self, conversation_id: str) -> str | None:
        """`queued`, `offered` or `assigned`; None once released or withdrawn (or never seen)."""
        conversation = self._conversations.get(conversation_id)
        return conversation.state if conversation is not None else None

    def assigned_agent(self, conversation_id: str) -> str | None:
        conversation = self._conversations.get(conversation_id)
        return conversation.agent.id if conversation is not None and conversation.agent is not None else None

    def agent_load(self, agent_id: str, channel: str = "chat") -> int:
        """Open conversations and held offers of the agent on the channel."""
        return self._agent(agent_id).load.get(channel, 0)

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
    ) -> list[Decision]:
        """Register an agent, or change an agent's skills and capacity; open conversations stay theirs."""
        if presence not in PRESENCES:
            raise InvalidInput(f"Unknown presence {presence!r}: use one of {', '.join(PRESENCES)}.")
        if any(slots < 0 for slots in capacity.values()):
            raise InvalidInput(f"Capacity per channel must be 0 or more, not {dict(capacity)}.")
        agent = self._agents.get(agent_id)
        if agent is None:
            agent = self._agents[agent_id] = _Agent(agent_id, now)
        for queues in agent.queues.values():
            for queue in queues:
                queue.members -= 1
        agent.desks = tuple(dict.fromkeys(desks))
        agent.languages = tuple(dict.fromkeys(languages))
        agent.capacity = {channel: slots for channel, slots in capacity.items() if slots > 0}
        agent.load = {channel: agent.load.get(channel, 0) for channel in set(agent.load) | set(agent.capacity)}
        agent.queues = {
            channel: [self._queue(desk, language, channel) for desk in agent.desks for language in agent.languages]
            for channel in agent.capacity
        }
        for queues in agent.queues.values():
            for queue in queues:
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
        priority: str = "normal",
        money_or_identity: bool = False,
        tier: str = "regular",
        repeat_contact: bool = False,
    ) -> list[Decision]:
        """Queue a conversation for a desk, and offer it at once when an eligible agent is free.

        `priority` is the triage decision's (`urgent`, `high`, `normal`, `low`); `tier` the customer's
        membership tier.
        """
        if conversation_id in self._conversations:
            raise Conflict(f"Conversation {conversation_id} is already queued or with an agent.")
        cache_key = (priority, money_or_identity, tier, repeat_contact)
        known = self._head_starts.get(cache_key)
        if known is None:
            known = self._head_starts[cache_key] = self.policy.head_start(*cache_key)
        head_start, reasons = known
        queue = self._queue(desk, language, channel)
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
        channel = conversation.queue.channel
        agent.load[channel] -= 1
        agent.idle_since = now
        self._changed(agent)
        out = [
            Decision(
                "released",
                conversation_id,
                agent.id,
                None,
                ("released",),
                {"queue": conversation.queue.name, "agent_load": agent.load[channel]},
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

    def _queue(self, desk: str, language: str, channel: str) -> _Queue:
        key = (desk, language, channel)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue(desk, language, channel)
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
        heapq.heappush(queue.heap, (conversation.key, self._sequence, conversation))
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
        version = agent.version
        for channel, queues in agent.queues.items():
            load = agent.load[channel]
            if load >= agent.capacity[channel]:
                continue
            self._sequence += 1
            entry = (load, agent.idle_since, self._sequence, version, agent)
            for queue in queues:
                free = queue.agents
                heapq.heappush(free, entry)
                # Stale entries pile up when an agent's state changes more often than the queue offers work;
                # dropping them once they outnumber the members keeps each heap within twice its size.
                if len(free) > 2 * queue.members + 16:
                    queue.agents = [item for item in free if item[4].version == item[3]]
                    heapq.heapify(queue.agents)

    def _free_agent(self, queue: _Queue, conversation: _Conversation, now: float) -> _Agent | None:
        """The longest-idle free agent of the queue who has not just turned this conversation down."""
        free = queue.agents
        declined = conversation.declined_by
        passed: list[tuple[int, float, int, int, _Agent]] = []
        found = None
        while free:
            entry = free[0]
            agent = entry[4]
            if agent.version != entry[3]:
                heapq.heappop(free)
            elif declined is not None and declined.get(agent.id, now) > now:
                passed.append(heapq.heappop(free))
            else:
                found = agent
                break
        for entry in passed:
            heapq.heappush(free, entry)
        return found

    def _waiting_for(self, queue: _Queue, agent: _Agent, now: float) -> tuple[float, int, _Conversation] | None:
        """The first conversation of the queue that the agent has not just turned down."""
        heap = queue.heap
        while heap and heap[0][2].entry != heap[0][1]:
            heapq.heappop(heap)
        if not heap:
            return None
        declined = heap[0][2].declined_by
        if declined is None or declined.get(agent.id, now) <= now:
            return heap[0]
        passed = []
        found = None
        while heap:
            entry = heapq.heappop(heap)
            if entry[2].entry != entry[1]:
                continue
            passed.append(entry)
            declined = entry[2].declined_by
            if declined is None or declined.get(agent.id, now) <= now:
                found = entry
                break
        for entry in passed:
            heapq.heappush(heap, entry)
        return found

    def _fill(self, agent: _Agent, now: float, out: list[Decision]) -> None:
        """Offer the agent the best waiting conversations until their free slots are taken."""
        if agent.presence != "available":
            return
        for channel, queues in agent.queues.items():
            capacity = agent.capacity[channel]
            while agent.load[channel] < capacity:
                best = None
                for queue in queues:
                    if queue.waiting:
                        entry = self._waiting_for(queue, agent, now)
                        if entry is not None and (best is None or entry < best):
                            best = entry
                if best is None:
                    break
                conversation = best[2]
                self._unqueue(conversation)
                self._offer(conversation, agent, now, "first_in_agent_queues", out)

    def _offer(self, conversation: _Conversation, agent: _Agent, now: float, why: str, out: list[Decision]) -> None:
        self._next_offer += 1
        offer_id = self._next_offer
        offer = _Offer(offer_id, conversation, agent, now, now + self.offer_timeout_s)
        self._offers[offer_id] = offer
        agent.offers[offer_id] = offer
        heapq.heappush(self._deadlines, (offer.deadline, offer_id))
        conversation.state = OFFERED
        conversation.offer = offer
        conversation.offers += 1
        channel = conversation.queue.channel
        load = agent.load[channel]
        idle = now - agent.idle_since
        agent.load[channel] = load + 1
        agent.idle_since = now
        self._changed(agent)
        waited = now - conversation.enqueued_at
        values: dict[str, Value] = {
            "queue": conversation.queue.name,
            "waited_s": waited,
            "effective_priority": conversation.head_start + waited,
            "agent_idle_s": idle,
            "agent_load": load,
            "timeout_s": self.offer_timeout_s,
        }
        reasons = (why,) if conversation.offers == 1 else (why, "reoffer")
        out.append(Decision(OFFERED, conversation.id, agent.id, offer_id, reasons, values))

    def _close_offer(self, offer: _Offer) -> None:
        """Free the slot an offer held; the conversation is no longer offered."""
        del self._offers[offer.id]
        agent = offer.agent
        del agent.offers[offer.id]
        agent.load[offer.conversation.queue.channel] -= 1
        offer.conversation.offer = None
        self._changed(agent)

    def _take_back(
        self, offer: _Offer, now: float, kind: str, why: str, out: list[Decision], cool_down: bool = False
    ) -> None:
        """The offered agent will not take the conversation: back to its place, and on to another agent.

        With `cool_down` (declined or missed, not merely withdrawn because the agent left) the agent is passed
        over for this conversation until the cool-down ends.
        """
        self._close_offer(offer)
        conversation = offer.conversation
        if cool_down:
            until = now + self.reoffer_cooldown_s
            if conversation.declined_by is None:
                conversation.declined_by = {}
            conversation.declined_by[offer.agent.id] = until
            self._sequence += 1
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
        if self.away_after_missed_offer:
            self._set_presence(agent, "away", now, ("presence:away", "missed_offer"), out)
        else:
            self._fill(agent, now, out)
