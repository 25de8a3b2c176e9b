"""Agents and who gets which conversation, against the database so that several server processes can share
the work: presence, offers to the longest-idle eligible agent with an accept timeout and re-offer, manual
pick, transfer to a desk or an agent, and a supervisor's reassignment.

The rules are the routing policy's (madoguchi.routing.policy, which the simulation's engine runs too),
applied to rows: an offer holds one of the agent's slots until it is accepted, declined or times out; a
declined or missed conversation keeps its place and goes to someone else, and to the same agent again only
after a cool-down; an agent who misses an offer is set away, because a missed offer usually means nobody is
at the desk. Rows are taken with
`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so two processes never offer the same conversation or the
same slot; on SQLite the process's write lock serialises the same work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import and_, func, or_, select

from madoguchi.conversations import events
from madoguchi.conversations.actions import (
    announce,
    do_add_note,
    do_system_message,
    do_take,
    do_transfer_to_agent,
    do_transfer_to_desk,
)
from madoguchi.domain.conversation import State
from madoguchi.domain.routing_map import priority_name
from madoguchi.errors import Conflict, Forbidden, InvalidInput, NotFound
from madoguchi.routing import sla, wording
from madoguchi.routing.policy import OFFER_TIMEOUT_S, REOFFER_COOLDOWN_S, AgentId, OfferRules, OnDuty, Queued
from madoguchi.store.models import Agent, Conversation, Desk, RoutingOffer

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.store.tx import Tx

Presence = Literal["available", "away", "offline"]
PRESENCES: tuple[Presence, ...] = ("available", "away", "offline")
OPEN_WORK = (State.ASSIGNED.value, State.WAITING.value)


@dataclass(frozen=True)
class OfferPolicy:
    accept_timeout: timedelta = timedelta(seconds=OFFER_TIMEOUT_S)
    reoffer_cooldown: timedelta = timedelta(seconds=REOFFER_COOLDOWN_S)

    def rules(self) -> OfferRules:
        return OfferRules(self.accept_timeout.total_seconds(), self.reoffer_cooldown.total_seconds())


async def _close_offers(tx: Tx, now: datetime, state: str, **where: Any) -> list[RoutingOffer]:
    query = select(RoutingOffer).where(RoutingOffer.state == "open")
    for column, value in where.items():
        query = query.where(getattr(RoutingOffer, column) == value)
    offers = list(await tx.session.scalars(query.with_for_update()))
    for offer in offers:
        offer.state = state
        offer.closed_at = now
    return offers


async def do_set_presence(tx: Tx, agent: Agent, presence: str, now: datetime) -> None:
    """Available agents get offers; away and offline ones keep their conversations but get no new ones."""
    if presence not in PRESENCES:
        raise InvalidInput(f"Unknown presence {presence!r}: use available, away or offline.")
    if presence == agent.presence:
        return
    if presence == "available":
        agent.idle_since = now
    for offer in await _close_offers(tx, now, "withdrawn", agent_id=agent.id):
        events.record(
            tx,
            offer.conversation_id,
            f"agent:{agent.id}",
            events.RoutingOfferWithdrawn(reasons=[f"presence:{presence}"]),
        )
    agent.presence = presence


async def _load(tx: Tx, agent_ids: list[int]) -> dict[int, int]:
    """Open conversations plus held offers of each agent."""
    if not agent_ids:
        return {}
    counts: dict[int, int] = dict.fromkeys(agent_ids, 0)
    working = await tx.session.execute(
        select(Conversation.assignee_id, func.count())
        .where(Conversation.assignee_id.in_(agent_ids), Conversation.state.in_(OPEN_WORK))
        .group_by(Conversation.assignee_id)
    )
    for agent_id, count in working.all():
        if agent_id is not None:
            counts[agent_id] += count
    offered = await tx.session.execute(
        select(RoutingOffer.agent_id, func.count())
        .where(RoutingOffer.agent_id.in_(agent_ids), RoutingOffer.state == "open")
        .group_by(RoutingOffer.agent_id)
    )
    for agent_id, count in offered.all():
        counts[agent_id] += count
    return counts


def _capacity(agent: Agent, channel: str) -> int:
    return agent.email_capacity if channel == "email" else agent.chat_capacity


async def do_expire_offers(tx: Tx, now: datetime) -> int:
    """Offers nobody answered in time: the conversation keeps its place, the agent is set away."""
    expired = list(
        await tx.session.scalars(
            select(RoutingOffer)
            .where(RoutingOffer.state == "open", RoutingOffer.deadline <= now)
            .with_for_update(skip_locked=True)
        )
    )
    for offer in expired:
        offer.state = "expired"
        offer.closed_at = now
        agent = await tx.session.get(Agent, offer.agent_id)
        if agent is not None and agent.presence == "available":
            agent.presence = "away"
        events.record(
            tx,
            offer.conversation_id,
            "routing",
            events.RoutingOfferExpired(agent_id=offer.agent_id, reasons=["no_answer", "agent_set_away"]),
        )
    return len(expired)


# Waiting conversations one pass reads: the next pass, a second later, reads the next ones.
OFFER_BATCH = 50


async def do_offer_waiting(tx: Tx, now: datetime, policy: OfferPolicy, limit: int = OFFER_BATCH) -> list[RoutingOffer]:
    """Offer waiting conversations, first in queue order, each to the agent the routing policy chooses
    (`OfferRules.match`: eligible, a free slot, the fewest open conversations, then the longest idle)."""
    agents = list(
        await tx.session.scalars(select(Agent).where(Agent.presence == "available").with_for_update(skip_locked=True))
    )
    if not agents:
        # Nobody on duty: nothing to lock or read in the queues.
        return []
    has_offer = select(RoutingOffer.id).where(
        RoutingOffer.conversation_id == Conversation.id, RoutingOffer.state == "open"
    )
    # Only what someone on duty could take at all (the policy decides who exactly): a queue head nobody present
    # can serve (a shop's inbox while its staff are away, a desk closed for the weekend) must not hide the
    # conversations behind it from everyone else.
    could_take = and_(
        Conversation.desk.in_({desk for agent in agents for desk in agent.desks}),
        or_(
            Conversation.language.in_({language for agent in agents for language in agent.languages}),
            Conversation.shop_id.in_({agent.shop_id for agent in agents if agent.shop_id is not None}),
        ),
    )
    waiting = list(
        await tx.session.scalars(
            select(Conversation)
            .where(Conversation.state == State.QUEUED, ~has_offer.exists(), could_take)
            .order_by(func.coalesce(Conversation.queue_key, Conversation.queued_at), Conversation.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Conversation)
        )
    )
    if not waiting:
        return []
    load = await _load(tx, [agent.id for agent in agents])
    recent = await tx.session.execute(
        select(RoutingOffer.conversation_id, RoutingOffer.agent_id, RoutingOffer.closed_at).where(
            RoutingOffer.conversation_id.in_([conversation.id for conversation in waiting]),
            RoutingOffer.state.in_(("declined", "expired")),
            RoutingOffer.closed_at > now - policy.reoffer_cooldown,
        )
    )
    turned_down: dict[str, dict[AgentId, float]] = {}
    for conversation_id, agent_id, closed_at in recent.all():
        if closed_at is not None:
            by_agent = turned_down.setdefault(conversation_id, {})
            by_agent[agent_id] = max(by_agent.get(agent_id, 0.0), closed_at.timestamp())
    channels = {conversation.channel for conversation in waiting}
    on_duty = [
        OnDuty(
            id=agent.id,
            desks=agent.desks,
            languages=agent.languages,
            shop_id=agent.shop_id,
            capacity={channel: _capacity(agent, channel) for channel in channels},
            load=load[agent.id],
            idle_since=(agent.idle_since or agent.created_at).timestamp(),
        )
        for agent in agents
    ]
    queued = [
        Queued(
            id=conversation.id,
            desk=conversation.desk,
            language=conversation.language,
            shop_id=conversation.shop_id,
            channel=conversation.channel,
            queue_key=(conversation.queue_key or conversation.queued_at or now).timestamp(),
            turned_down=turned_down.get(conversation.id, {}),
        )
        for conversation in waiting
    ]
    rows = {conversation.id: conversation for conversation in waiting}
    staff: dict[AgentId, Agent] = {agent.id: agent for agent in agents}
    made = [
        do_offer(tx, rows[decided.conversation.id], staff[decided.agent.id], now, policy, load=decided.agent.load)
        for decided in policy.rules().match(queued, on_duty, now.timestamp())
    ]
    await tx.session.flush()
    return made


def do_offer(
    tx: Tx, conversation: Conversation, agent: Agent, now: datetime, policy: OfferPolicy, *, load: int
) -> RoutingOffer:
    """Offer a waiting conversation to the agent the routing policy chose (`load`: the agent's open conversations
    and held offers before this one); the offer holds one of the agent's slots until it is answered or times out."""
    offer = RoutingOffer(
        conversation_id=conversation.id,
        agent_id=agent.id,
        state="open",
        offered_at=now,
        deadline=now + policy.accept_timeout,
    )
    tx.session.add(offer)
    idle_since = agent.idle_since or agent.created_at
    events.record(
        tx,
        conversation.id,
        "routing",
        events.RoutingOffered(
            agent_id=agent.id,
            reasons=["longest_idle_agent", f"skill:{conversation.desk}", f"language:{conversation.language}"],
            agent_idle_s=round((now - idle_since).total_seconds()),
            agent_load=load,
            timeout_s=policy.accept_timeout.total_seconds(),
        ),
    )
    announce(tx, conversation, "conversation.offered", "routing")
    return offer


async def open_offers(tx: Tx, agent: Agent) -> list[RoutingOffer]:
    return list(
        await tx.session.scalars(
            select(RoutingOffer)
            .where(RoutingOffer.agent_id == agent.id, RoutingOffer.state == "open")
            .order_by(RoutingOffer.id)
        )
    )


async def _own_offer(tx: Tx, agent: Agent, offer_id: int) -> RoutingOffer:
    offer = await tx.session.scalar(select(RoutingOffer).where(RoutingOffer.id == offer_id).with_for_update())
    if offer is None or offer.agent_id != agent.id:
        raise NotFound(f"There is no offer {offer_id} for you.")
    if offer.state != "open":
        raise Conflict(f"This offer is {offer.state}; the conversation may have gone to someone else.")
    return offer


async def do_accept(tx: Tx, agent: Agent, offer_id: int, now: datetime) -> Conversation:
    offer = await _own_offer(tx, agent, offer_id)
    conversation = await tx.session.scalar(
        select(Conversation).where(Conversation.id == offer.conversation_id).with_for_update()
    )
    if conversation is None:
        raise NotFound("The conversation of this offer no longer exists.")
    offer.state = "accepted"
    offer.closed_at = now
    await do_take(tx, agent, conversation)
    agent.idle_since = now
    events.record(tx, conversation.id, f"agent:{agent.id}", events.RoutingAccepted(offer_id=offer.id))
    return conversation


async def do_decline(tx: Tx, agent: Agent, offer_id: int, now: datetime) -> None:
    offer = await _own_offer(tx, agent, offer_id)
    offer.state = "declined"
    offer.closed_at = now
    events.record(tx, offer.conversation_id, f"agent:{agent.id}", events.RoutingDeclined(offer_id=offer.id))


async def do_withdraw_offers(tx: Tx, conversation: Conversation, now: datetime, reason: str) -> None:
    """A conversation taken by hand, transferred or resolved is no longer on offer."""
    for offer in await _close_offers(tx, now, "withdrawn", conversation_id=conversation.id):
        events.record(
            tx, conversation.id, "routing", events.RoutingOfferWithdrawn(agent_id=offer.agent_id, reasons=[reason])
        )


def _check_target_agent(actor: Agent, target: Agent, conversation: Conversation) -> None:
    if target.shop_id is not None and target.shop_id != conversation.shop_id:
        raise Forbidden("That operator belongs to another shop and may not see this conversation.")
    if actor.shop_id is not None and target.shop_id != actor.shop_id and target.shop_id is not None:
        raise Forbidden("You can hand a conversation only to your own shop's staff or to a platform desk.")


async def do_transfer(
    tx: Tx,
    actor: Agent,
    conversation: Conversation,
    now: datetime,
    *,
    desk: str | None = None,
    agent_id: int | None = None,
    note: str = "",
) -> Conversation:
    """Hand a conversation to another desk (it queues there, ahead by its waiting time) or to an agent (it is
    theirs at once); the note goes with it, for operators only."""
    if (desk is None) == (agent_id is None):
        raise InvalidInput("Transfer to a desk or to an operator: give exactly one of desk and agent_id.")
    if conversation.state == State.RESOLVED:
        raise Conflict("This conversation is resolved; it reopens when the customer writes again.")
    await do_withdraw_offers(tx, conversation, now, "transferred")
    if note.strip():
        await do_add_note(tx, actor, conversation, text=note.strip())
    if desk is not None:
        target_desk = await tx.session.get(Desk, desk)
        if target_desk is None or target_desk.kind == "referral":
            raise InvalidInput(f"{desk!r} is not a desk that takes conversations.")
        if target_desk.kind == "shop" and not conversation.shop_id:
            raise InvalidInput("Only a shop's own conversation can go to the shop desk.")
        do_transfer_to_desk(tx, actor, conversation, desk, now, note)
        await sla.do_start(tx, conversation, target_desk, priority_name(conversation.priority), now)
        name = target_desk.name_in(conversation.language)
        await do_system_message(tx, conversation, wording.say("transferred", conversation.language, desk=name), now)
        return conversation
    target = await tx.session.get(Agent, agent_id)
    if target is None:
        raise NotFound(f"There is no operator {agent_id}.")
    _check_target_agent(actor, target, conversation)
    await do_transfer_to_agent(tx, actor, conversation, target, note)
    return conversation


async def assignable_agents(tx: Tx, conversation: Conversation) -> list[Agent]:
    """Operators a conversation may be handed to: never another shop's staff."""
    rows = await tx.session.scalars(select(Agent).order_by(Agent.name))
    return [agent for agent in rows if agent.shop_id is None or agent.shop_id == conversation.shop_id]


async def agents_overview(tx: Tx, viewer: Agent) -> list[dict[str, Any]]:
    """Every agent the viewer may see, with presence, load and how long idle."""
    query = select(Agent).order_by(Agent.name)
    if viewer.shop_id is not None:
        query = query.where(Agent.shop_id == viewer.shop_id)
    agents = list(await tx.session.scalars(query))
    load = await _load(tx, [agent.id for agent in agents])
    return [
        {
            "id": agent.id,
            "name": agent.name,
            "role": agent.role,
            "shop_id": agent.shop_id,
            "presence": agent.presence,
            "desks": agent.desks,
            "languages": agent.languages,
            "load": load[agent.id],
            "chat_capacity": agent.chat_capacity,
            "idle_since": agent.idle_since,
        }
        for agent in agents
    ]


async def queues_overview(tx: Tx, viewer: Agent, now: datetime) -> list[dict[str, Any]]:
    """Waiting conversations per desk and language, with the longest wait."""
    query = (
        select(
            Conversation.desk,
            Conversation.language,
            func.count(),
            func.min(Conversation.queued_at),
        )
        .where(Conversation.state == State.QUEUED)
        .group_by(Conversation.desk, Conversation.language)
        .order_by(Conversation.desk, Conversation.language)
    )
    if viewer.shop_id is not None:
        query = query.where(and_(Conversation.shop_id == viewer.shop_id))
    rows = (await tx.session.execute(query)).all()
    return [
        {
            "desk": desk,
            "language": language,
            "waiting": count,
            "longest_wait_s": round((now - oldest).total_seconds()) if oldest is not None else 0,
        }
        for desk, language, count, oldest in rows
    ]
