"""Putting a handed-over conversation in the right queue: desk, priority, reasons, wait, hours, SLA clocks.

The queue's order lives in `Conversation.queue_key`: the time it was queued less the head start its priority
earns (`PriorityPolicy` of the routing engine, in seconds of waiting). Every conversation ages at the same
rate, so two waiting conversations never swap places and one that arrived later can only pass by its head
start: nobody starves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from madoguchi.conversations import events
from madoguchi.conversations.actions import do_system_message
from madoguchi.conversations.queries import last_customer_texts, shop_suspended
from madoguchi.domain.routing_map import PLATFORM_CS, PRIORITY_LEVELS, SHOP, DeskId, Priority
from madoguchi.errors import Unavailable
from madoguchi.routing import sla, wording
from madoguchi.routing.decision import decide_understood
from madoguchi.routing.desks import REFERRAL, describe_opening, referral_of
from madoguchi.routing.engine import PriorityPolicy
from madoguchi.routing.wait import estimate
from madoguchi.store.models import Conversation, ConversationEvent, Customer, Desk, Order
from madoguchi.trust.brands import load_directory

if TYPE_CHECKING:
    from madoguchi.nlu.pipeline import NluPipeline
    from madoguchi.routing.decision import Decision
    from madoguchi.settings import Settings
    from madoguchi.store.tx import Tx

REPEAT_WINDOW = timedelta(days=7)
POLICY = PriorityPolicy()


@dataclass(frozen=True)
class Placement:
    desk: str
    priority: str
    head_start_s: float
    reasons: tuple[str, ...]
    open_now: bool
    opens_at: datetime | None
    eta_seconds: int | None
    referral: str | None


async def _repeat_contact(tx: Tx, conversation: Conversation, now: datetime) -> bool:
    return bool(
        await tx.session.scalar(
            select(
                exists().where(
                    Conversation.customer_id == conversation.customer_id,
                    Conversation.id != conversation.id,
                    Conversation.created_at >= now - REPEAT_WINDOW,
                )
            )
        )
    )


async def _desk_for(tx: Tx, conversation: Conversation, decision: Decision | None) -> tuple[str, list[str]]:
    """The desk of the routing map; `order_owner` resolved from the order's seller. A suspended shop answers
    nobody: platform CS does."""
    if conversation.shop_id:
        if await shop_suspended(tx.session, conversation.shop_id):
            return PLATFORM_CS, ["inbox:shop", "shop:suspended"]
        return SHOP, ["inbox:shop"]
    reasons: list[str] = []
    chosen = conversation.desk not in (None, PLATFORM_CS, SHOP)
    # A desk chosen before placement (a mail reported as a scam goes to trust & safety) stands. A reopened
    # conversation has none: its new message decides (conversations.actions clears the desk on reopening).
    desk = conversation.desk if chosen or decision is None else decision.desk
    desk = desk or PLATFORM_CS
    if chosen:
        reasons.append(f"desk_chosen:{desk}")
    number = conversation.order_number
    if number is None and decision is not None and decision.order is not None:
        number = decision.order.number
    order = await tx.session.get(Order, number) if number else None
    if order is not None and conversation.order_number is None:
        conversation.order_number = order.number
    if desk == DeskId.ORDER_OWNER:
        desk = (SHOP if order.shop_id else PLATFORM_CS) if order is not None else PLATFORM_CS
        reasons.append(f"order_owner:{desk}" if order is not None else "order_owner:unknown")
    if desk == SHOP and order is not None and order.shop_id and await shop_suspended(tx.session, order.shop_id):
        reasons.append("shop:suspended")
        return PLATFORM_CS, reasons
    if desk == SHOP and order is not None and order.shop_id and order.customer_id == conversation.customer_id:
        # The shop that sold it answers, in its own inbox: from now on its staff see this conversation.
        conversation.shop_id = order.shop_id
        return SHOP, reasons
    if desk in (DeskId.BOT, SHOP):
        # The bot could not finish it, or the shop is unknown on a platform chat: platform CS helps.
        desk = PLATFORM_CS
    return desk, reasons


async def do_place(
    tx: Tx,
    conversation: Conversation,
    decision: Decision | None,
    now: datetime,
    *,
    offer_callback_after_s: int = 600,
    notify: bool = True,
) -> Placement:
    """Route a conversation that has just been queued, on the decision made for it (the bot's hand-over's, or
    the one made for the message that queued it); records `routing.decided` with its reasons and tells the
    customer about a referral, closed hours or a long wait (with the offer of a callback or e-mail)."""
    session = tx.session
    desk_id, reasons = await _desk_for(tx, conversation, decision)
    found = await session.get(Desk, desk_id)
    if found is None:
        desk_id, found = PLATFORM_CS, await session.get(Desk, PLATFORM_CS)
    if found is None:
        raise Unavailable(
            "There is no platform_cs desk yet: an administrator creates it "
            "(POST /api/v1/admin/desks, docs/operations.md)."
        )
    desk: Desk = found
    referral_text: str | None = None
    referral = (
        referral_of(desk, conversation.language, await load_directory(session)) if desk.kind == REFERRAL else None
    )
    if referral is not None:
        # An outside party: the customer gets its verified contact; a person of ours stays on the line from the
        # fallback desk (member support for a card, platform CS for a parcel), never a queue at the outsider.
        order = await session.get(Order, conversation.order_number) if conversation.order_number else None
        referral_text = referral.text(conversation.language, carrier=order.carrier if order else None)
        reasons.append(f"referral:{desk.id}")
        fallback = await session.get(Desk, referral.fallback_desk or PLATFORM_CS)
        if fallback is None or fallback.kind == REFERRAL:
            fallback = await session.get(Desk, PLATFORM_CS)
        if fallback is not None:
            desk, desk_id = fallback, fallback.id

    priority: Priority = decision.priority if decision is not None else "normal"
    money = decision.money_or_identity if decision is not None else False
    customer = await session.get(Customer, conversation.customer_id)
    tier = customer.member_tier if customer is not None else "regular"
    repeat = await _repeat_contact(tx, conversation, now)
    head_start, policy_reasons = POLICY.head_start(priority, money, tier, repeat)
    if decision is not None:
        reasons = [reason for reason in decision.reasons if reason != "handoff"] + reasons
    # Triage and placement may name the same reason (order_owner:shop): each is said once.
    reasons = list(dict.fromkeys([*reasons, *policy_reasons]))

    queued_at = conversation.queued_at or now
    conversation.desk = desk_id
    conversation.priority = PRIORITY_LEVELS[priority]
    conversation.queue_key = queued_at - timedelta(seconds=head_start)

    await session.flush()
    wait = await estimate(session, conversation, now, cached=False)
    open_now, opens_at, eta = wait.open_now, wait.opens_at, wait.eta_seconds
    reasons.append("desk:open" if open_now else "desk:closed")
    if wait.nobody_on_duty:
        reasons.append("nobody_on_duty")
    values: dict[str, Any] = {
        "desk": desk_id,
        "priority": priority,
        "head_start_s": head_start,
        "reasons": reasons,
        "open": open_now,
        "opens_at": opens_at.isoformat() if opens_at else None,
        "eta_seconds": eta,
    }
    if referral_text is not None:
        values["referral"] = referral.desk if referral else None
    if conversation.shop_id is not None:
        values["shop_id"] = conversation.shop_id
    events.record(tx, conversation.id, "routing", events.RoutingDecided(**values))
    await sla.do_start(tx, conversation, desk, priority, now)

    if notify:
        later = now + timedelta(microseconds=2)
        language = conversation.language
        name = desk.name_in(language)
        if referral_text is not None:
            await do_system_message(tx, conversation, referral_text, later)
            later += timedelta(microseconds=1)
        if not open_now and opens_at is not None:
            opens = describe_opening(opens_at, language, wait.timezone)
            await do_system_message(tx, conversation, wording.say("closed", language, desk=name, opens=opens), later)
        elif wait.nobody_on_duty:
            await do_system_message(tx, conversation, wording.say("nobody_on_duty", language, desk=name), later)
        elif eta is not None and eta > offer_callback_after_s:
            minutes = str(max(1, round(eta / 60)))
            await do_system_message(tx, conversation, wording.say("long_wait", language, minutes=minutes), later)
    return Placement(
        desk_id, priority, head_start, tuple(reasons), open_now, opens_at, eta, referral.desk if referral else None
    )


async def do_place_unrouted(
    tx: Tx, nlu: NluPipeline | None, settings: Settings, now: datetime, limit: int = 50
) -> list[Placement]:
    """The safety net: route queued conversations left without a placement (a process stopped between the
    message's commit and its placement, or a conversation queued before placement existed), so that every
    conversation in a queue has its desk, priority, reasons and SLA clocks."""
    # Clock-free: an event's id says what happened after what. Routed means a routing event (placement,
    # escalation or transfer) came after the conversation last joined a queue.
    queued_event = aliased(ConversationEvent)
    routing_event = aliased(ConversationEvent)
    last_queued = (
        select(func.coalesce(func.max(queued_event.id), 0))
        .where(
            queued_event.conversation_id == Conversation.id,
            queued_event.type.in_(("conversation.queued", "conversation.reopened")),
        )
        # Nested two levels down: without it the subquery would read every conversation's events.
        .correlate(Conversation)
        .scalar_subquery()
    )
    decided = (
        select(routing_event.id)
        .where(
            routing_event.conversation_id == Conversation.id,
            routing_event.type.in_(("routing.decided", "routing.escalated", "conversation.transferred")),
            routing_event.id > last_queued,
        )
        .correlate(Conversation)
        .exists()
    )
    waiting = list(
        await tx.session.scalars(
            select(Conversation)
            .where(Conversation.state == "queued", Conversation.queued_at.is_not(None), ~decided)
            .order_by(Conversation.queued_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Conversation)
        )
    )
    placed = []
    for conversation in waiting:
        # Left unplaced by a process that stopped half-way: decided again from the latest customer message.
        decision = None
        if nlu is not None:
            latest = (await last_customer_texts(tx.session, [conversation])).get(conversation.id)
            if latest:
                decision = await decide_understood(tx.session, nlu.understand(latest), conversation.order_number)
        placed.append(
            await do_place(
                tx,
                conversation,
                decision,
                now,
                offer_callback_after_s=settings.callback_offer_wait_seconds,
                # Notices about waits and hours belong on a live chat; a mail thread is answered by mail.
                notify=conversation.channel == "chat",
            )
        )
    return placed
