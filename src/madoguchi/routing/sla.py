"""SLA policies and their timers.

The policy comes from the desks data: a desk's `first_response_minutes` (per channel where the desks data gives
`first_response_minutes_by_channel`, e-mail being answered in hours) and `resolution_hours`, shortened
for urgent and high priority; a shop's conversation runs on the shop's reply promise instead (48 hours by
default). A desk's clocks count calendar time or only its opening hours (`Desk.sla_clock`). Each clock is a
row with its deadline, so a restart loses none: every server process checks the due rows periodically
(`check_due`), and several processes never judge the same row twice (`SKIP LOCKED` on PostgreSQL, the write
lock on SQLite).

Whether a clock was met is judged when it falls due, from what happened: an operator's reply since the clock
started (first response, shop promise) or the resolution. A breach is recorded as an event and escalates:
a shop's conversation moves to platform customer service; any other gets the highest priority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, select

from madoguchi.conversations import events
from madoguchi.conversations.actions import do_escalate, do_system_message
from madoguchi.domain.conversation import State
from madoguchi.domain.routing_map import PLATFORM_CS, PRIORITY_LEVELS, SHOP
from madoguchi.routing import wording
from madoguchi.routing.desks import Hours
from madoguchi.store.models import Conversation, Desk, Message, Shop, SlaTimer

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.store.tx import Tx

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
SHOP_PROMISE = "shop_promise"
# A conversation whose deadline was missed goes ahead of everyone who has waited less than this.
ESCALATION_HEAD_START = timedelta(hours=1)
# How a desk's SLA clocks count (`Desk.sla_clock`): every hour, or only the desk's opening hours.
CALENDAR = "calendar"
BUSINESS_HOURS = "business_hours"
# Share of the desk's target that applies at each priority.
PRIORITY_FACTOR = {"urgent": 0.25, "high": 0.5, "normal": 1.0, "low": 1.5}


@dataclass(frozen=True)
class Breach:
    conversation_id: str
    kind: str
    desk: str
    escalated_to: str | None


def due(desk: Desk, kind: str, start: datetime, span: timedelta) -> datetime:
    """When a clock started at `start` falls due: `span` of calendar time, or of the desk's opening hours
    (with its holidays) when the desk's SLA counts business hours. A shop's reply promise is in calendar
    hours, as it is published."""
    if desk.sla_clock == BUSINESS_HOURS and kind != SHOP_PROMISE:
        return Hours.of(desk).after_open_time(start, span)
    return start + span


def targets(desk: Desk, priority: str, shop: Shop | None, channel: str = "chat") -> dict[str, timedelta]:
    """The clocks a conversation queued at this desk on this channel runs, by kind."""
    factor = PRIORITY_FACTOR.get(priority, 1.0)
    resolution = timedelta(hours=desk.resolution_hours * min(1.0, factor * 2))
    if shop is not None and desk.kind == "shop":
        return {SHOP_PROMISE: timedelta(hours=shop.reply_promise_hours), RESOLUTION: resolution}
    first_response = timedelta(minutes=desk.first_response_for(channel) * factor)
    return {FIRST_RESPONSE: first_response, RESOLUTION: resolution}


async def do_start(tx: Tx, conversation: Conversation, desk: Desk, priority: str, now: datetime) -> list[SlaTimer]:
    """Start the clocks of a conversation that has just been queued (or transferred, or reopened).

    A waiting clock restarts at each queueing; the resolution clock keeps running from the first one.
    """
    shop = await tx.session.get(Shop, conversation.shop_id) if conversation.shop_id else None
    running = list(
        await tx.session.scalars(
            select(SlaTimer).where(SlaTimer.conversation_id == conversation.id, SlaTimer.state == "running")
        )
    )
    started: list[SlaTimer] = []
    for kind, span in targets(desk, priority, shop, conversation.channel).items():
        same = [timer for timer in running if timer.kind == kind or (kind != RESOLUTION and timer.kind != RESOLUTION)]
        if kind == RESOLUTION and same:
            continue
        for timer in same:
            timer.state = "cancelled"
            timer.finished_at = now
        timer = SlaTimer(
            conversation_id=conversation.id,
            kind=kind,
            desk=desk.id,
            priority=priority,
            started_at=now,
            due_at=due(desk, kind, now, span),
            state="running",
        )
        tx.session.add(timer)
        started.append(timer)
    return started


async def _met(tx: Tx, timer: SlaTimer, conversation: Conversation) -> bool:
    resolved_in_time = (
        conversation.state == State.RESOLVED
        and conversation.resolved_at is not None
        and conversation.resolved_at <= timer.due_at
    )
    if timer.kind == RESOLUTION or resolved_in_time:
        return resolved_in_time
    # A reply in time keeps a response clock, however long the resolution then took.
    replied = await tx.session.scalar(
        select(
            exists().where(
                and_(
                    Message.conversation_id == conversation.id,
                    Message.author == "agent",
                    Message.private.is_(False),
                    Message.created_at >= timer.started_at,
                    Message.created_at <= timer.due_at,
                )
            )
        )
    )
    return bool(replied)


async def do_check_due(tx: Tx, now: datetime, limit: int = 100) -> list[Breach]:
    """Judge the clocks due by `now`: met ones are closed, breached ones recorded and escalated."""
    due = list(
        await tx.session.scalars(
            select(SlaTimer)
            .where(SlaTimer.state == "running", SlaTimer.due_at <= now)
            .order_by(SlaTimer.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    breaches: list[Breach] = []
    for timer in due:
        conversation = await tx.session.scalar(
            select(Conversation).where(Conversation.id == timer.conversation_id).with_for_update()
        )
        timer.finished_at = now
        if conversation is None:
            timer.state = "met"
            continue
        if await _met(tx, timer, conversation):
            timer.state = "met"
            # Recorded, as a breach is, so that reports count the promises kept from the log alone.
            events.record(
                tx,
                conversation.id,
                "sla",
                events.SlaMet(
                    kind=timer.kind, desk=timer.desk, priority=timer.priority, due_at=timer.due_at.isoformat()
                ),
            )
            continue
        timer.state = "breached"
        escalated = await _escalate(tx, timer, conversation, now)
        breaches.append(Breach(conversation.id, timer.kind, timer.desk, escalated))
    return breaches


async def _escalate(tx: Tx, timer: SlaTimer, conversation: Conversation, now: datetime) -> str | None:
    events.record(
        tx,
        conversation.id,
        "sla",
        events.SlaBreached(kind=timer.kind, desk=timer.desk, priority=timer.priority, due_at=timer.due_at.isoformat()),
    )
    if conversation.state == State.RESOLVED:
        return None
    if timer.kind == SHOP_PROMISE and conversation.desk == SHOP:
        # The shop missed its promise: platform customer service takes over, ahead of everyone waiting.
        platform = await tx.session.get(Desk, PLATFORM_CS)
        do_escalate(
            tx,
            conversation,
            now,
            reasons=["sla:shop_promise_missed"],
            priority=PRIORITY_LEVELS["high"],
            head_start=ESCALATION_HEAD_START,
            desk=PLATFORM_CS,
        )
        if platform is not None:
            await do_start(tx, conversation, platform, "high", now)
            name = platform.name_in(conversation.language)
            await do_system_message(tx, conversation, wording.say("escalated", conversation.language, desk=name), now)
        return PLATFORM_CS
    do_escalate(
        tx,
        conversation,
        now,
        reasons=[f"sla:{timer.kind}_missed"],
        priority=PRIORITY_LEVELS["urgent"],
        head_start=ESCALATION_HEAD_START,
    )
    return conversation.desk


async def running_for(tx: Tx, conversation_id: str) -> list[SlaTimer]:
    return list(
        await tx.session.scalars(
            select(SlaTimer).where(SlaTimer.conversation_id == conversation_id).order_by(SlaTimer.id)
        )
    )
