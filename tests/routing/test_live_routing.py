"""Routing in the live system, on both databases: the routing map as a table, priorities, hours, SLA clocks
with a clock of the test's own, escalation from a shop to the platform, offers, and callbacks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from madoguchi.conversations import actions
from madoguchi.domain.clock import utcnow
from madoguchi.errors import Conflict, Forbidden, InvalidInput
from madoguchi.nlu.entities import Entity
from madoguchi.nlu.pii import Redaction
from madoguchi.nlu.pipeline import Understanding
from madoguchi.nlu.urgency import Urgency
from madoguchi.routing import assignment, callbacks, queueing, sla, worker
from madoguchi.routing.decision import decide_understood
from madoguchi.runtime import Runtime, start_runtime, stop_runtime
from madoguchi.store.models import (
    Agent,
    Callback,
    Conversation,
    ConversationEvent,
    Desk,
    Message,
    RoutingOffer,
    Shop,
    SlaTimer,
)

if TYPE_CHECKING:
    from madoguchi.bus import ConversationChanged, MessageCreated
    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings

# Tuesday 24 November 2026, 10:00 in Tokyo: every desk is open. Saturday the 28th: business desk closed.
TUESDAY_10 = datetime(2026, 11, 24, 1, tzinfo=UTC)
SATURDAY_10 = datetime(2026, 11, 28, 1, tzinfo=UTC)
PLATFORM_ORDER = "MD-14192372"  # c001, sold by the platform
SHOP_ORDER = "MD-80679381"  # c001, sold by ひかり電機 (hikari-denki), shipped by Sagawa
IN_TRANSIT_ORDER = "MD-84499376"  # c001, sold by the platform, in transit with Yamato


def understood(intent: str, language: str = "ja", order: str | None = None, anger: float = 0.0) -> Understanding:
    entities = (Entity("order_number", order, 0, len(order), order),) if order else ()
    return Understanding(
        text="",
        language=language,  # type: ignore[arg-type]
        intent=intent,
        confidence=0.9,
        entities=entities,
        urgency=Urgency(urgency=0.0, anger=anger, repeat_contact=False, signals=("anger",) if anger else ()),
        redaction=Redaction("", ()),
    )


async def queued_chat(
    runtime: Runtime,
    *,
    customer: str = "c002",
    language: str = "ja",
    shop: str | None = None,
    intent: str | None = None,
    order: str | None = None,
    anger: float = 0.0,
    now: datetime = TUESDAY_10,
) -> tuple[str, queueing.Placement]:
    async with runtime.transaction() as tx:
        conversation = await actions.do_open_chat(tx, customer_id=customer, shop_id=shop, language=language)
        await actions.do_receive_customer_message(tx, conversation, text="help", client_id="c1")
        triage = await decide_understood(tx.session, understood(intent, language, order, anger)) if intent else None
        placement = await queueing.do_place(tx, conversation, triage, now)
        await tx.commit()
        return conversation.id, placement


async def agent(runtime: Runtime, email: str) -> Agent:
    async with runtime.sessions() as session:
        row = await session.scalar(select(Agent).where(Agent.email == email))
        assert row is not None
        return row


async def events(runtime: Runtime, conversation_id: str) -> list[ConversationEvent]:
    async with runtime.sessions() as session:
        return list(
            await session.scalars(
                select(ConversationEvent)
                .where(ConversationEvent.conversation_id == conversation_id)
                .order_by(ConversationEvent.id)
            )
        )


async def system_texts(runtime: Runtime, conversation_id: str) -> list[str]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(Message.text)
            .where(Message.conversation_id == conversation_id, Message.author == "system")
            .order_by(Message.created_at)
        )
        return list(rows)


ROUTING_MAP = [
    # intent, customer, order (its seller), language, when, anger -> desk, priority, reasons expected
    (
        "cancel_order",
        "c001",
        PLATFORM_ORDER,
        "ja",
        TUESDAY_10,
        0.0,
        "platform_cs",
        "normal",
        ["order_owner:platform_cs"],
    ),
    ("cancel_order", "c001", SHOP_ORDER, "ja", TUESDAY_10, 0.0, "shop", "normal", ["order_owner:shop"]),
    ("damaged_or_wrong_item", "c001", SHOP_ORDER, "en", TUESDAY_10, 0.0, "shop", "normal", ["order_owner:shop"]),
    ("cancel_order", "c002", None, "ja", TUESDAY_10, 0.0, "platform_cs", "normal", []),
    # Parcel whereabouts after hand-over: a referral to the carrier, platform CS on the line when it cannot help.
    (
        "track_order",
        "c001",
        IN_TRANSIT_ORDER,
        "ja",
        TUESDAY_10,
        0.0,
        "platform_cs",
        "normal",
        ["carrier:yamato", "referral:carrier"],
    ),
    ("track_order", "c001", SHOP_ORDER, "ja", TUESDAY_10, 0.0, "platform_cs", "normal", ["referral:carrier"]),
    ("payment_issue", "c002", None, "en", TUESDAY_10, 0.0, "payments", "high", ["money_or_identity"]),
    ("account_compromised", "c002", None, "ja", TUESDAY_10, 0.0, "member_support", "urgent", ["money_or_identity"]),
    ("report_scam", "c002", None, "ja", TUESDAY_10, 0.0, "trust_safety", "urgent", []),
    ("unrecognized_charge", "c002", None, "ja", TUESDAY_10, 0.0, "member_support", "high", ["referral:card_issuer"]),
    ("business_account", "c002", None, "ja", SATURDAY_10, 0.0, "business", "normal", ["desk:closed"]),
    ("business_account", "c002", None, "ja", TUESDAY_10, 0.0, "business", "normal", ["desk:open"]),
    ("contact_human_agent", "c002", None, "ja", TUESDAY_10, 0.9, "platform_cs", "high", ["anger"]),
    ("membership", "c001", None, "ko", TUESDAY_10, 0.0, "membership", "high", ["tier:premium"]),
]


@pytest.mark.parametrize(
    ("intent", "customer", "order", "language", "now", "anger", "desk", "priority", "reasons"), ROUTING_MAP
)
async def test_routing_map(
    runtime: Runtime,
    intent: str,
    customer: str,
    order: str | None,
    language: str,
    now: datetime,
    anger: float,
    desk: str,
    priority: str,
    reasons: list[str],
) -> None:
    conversation_id, placement = await queued_chat(
        runtime, customer=customer, language=language, intent=intent, order=order, anger=anger, now=now
    )
    assert (placement.desk, placement.priority) == (desk, priority)
    assert set(reasons) <= set(placement.reasons)
    decided = [event for event in await events(runtime, conversation_id) if event.type == "routing.decided"]
    assert len(decided) == 1
    assert decided[0].data["desk"] == desk
    assert decided[0].data["reasons"] == list(placement.reasons)
    async with runtime.sessions() as session:
        row = await session.get(Conversation, conversation_id)
        assert row is not None
        assert row.desk == desk
        assert row.shop_id == ("hikari-denki" if desk == "shop" else None)
        # Never a queue entry at an outside party.
        assert row.desk not in ("card_issuer", "carrier")


async def test_a_referral_gives_the_official_contact_and_hours(runtime: Runtime) -> None:
    conversation_id, placement = await queued_chat(runtime, intent="unrecognized_charge")
    assert placement.referral == "card_issuer"
    notices = [text for text in await system_texts(runtime, conversation_id) if "公式窓口" in text]
    assert len(notices) == 1
    assert "カードの裏面" in notices[0]
    assert "0120-951-736" in notices[0]
    assert "24時間" in notices[0]


async def test_outside_hours_the_customer_hears_when_the_desk_opens(runtime: Runtime) -> None:
    conversation_id, placement = await queued_chat(runtime, intent="business_account", now=SATURDAY_10)
    assert placement.opens_at == datetime(2026, 11, 30, 0, tzinfo=UTC)  # Monday 9:00 in Tokyo
    texts = await system_texts(runtime, conversation_id)
    (closed,) = [text for text in texts if "受付時間外" in text]
    assert "11月30日(月) 9:00" in closed
    assert "折り返し" in closed


async def test_priority_and_ageing_order_the_queue(runtime: Runtime) -> None:
    first, _ = await queued_chat(runtime, intent="cancel_order")
    urgent, placement = await queued_chat(runtime, intent="account_compromised")
    assert placement.head_start_s >= 600
    async with runtime.sessions() as session:
        rows = {
            row.id: row
            for row in await session.scalars(select(Conversation).where(Conversation.id.in_([first, urgent])))
        }
    # The urgent one is ahead by its head start; the earlier one would pass it only by waiting longer.
    assert rows[urgent].queue_key is not None
    assert rows[first].queue_key is not None
    assert rows[urgent].queue_key < rows[first].queue_key
    assert (rows[first].queue_key - rows[urgent].queue_key) <= timedelta(seconds=placement.head_start_s)


async def test_a_repeat_contact_within_seven_days_is_a_reason(runtime: Runtime) -> None:
    await queued_chat(runtime, customer="c002", intent="cancel_order")
    _, placement = await queued_chat(runtime, customer="c002", intent="cancel_order")
    assert "repeat_contact" in placement.reasons


async def test_first_response_clock_is_breached_without_a_reply_and_met_with_one(runtime: Runtime) -> None:
    start = utcnow()
    silent, _ = await queued_chat(runtime, intent="cancel_order", now=start)
    answered, _ = await queued_chat(runtime, intent="cancel_order", now=start)
    tanaka = await agent(runtime, "tanaka@madoguchi.localhost")
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, answered)
        assert row is not None
        await actions.do_send_agent_message(tx, tanaka, row, text="確認します")
        await tx.commit()

    async with runtime.transaction() as tx:
        assert await sla.do_check_due(tx, start + timedelta(minutes=4)) == []
        await tx.commit()
    async with runtime.transaction() as tx:
        breaches = await sla.do_check_due(tx, start + timedelta(minutes=6))
        await tx.commit()
    assert [(breach.conversation_id, breach.kind) for breach in breaches] == [(silent, sla.FIRST_RESPONSE)]
    kinds = [event.type for event in await events(runtime, silent)]
    assert "sla.breached" in kinds
    assert "routing.escalated" in kinds
    async with runtime.sessions() as session:
        timers = {
            (timer.conversation_id, timer.kind): timer.state
            for timer in await session.scalars(select(SlaTimer).where(SlaTimer.kind == sla.FIRST_RESPONSE))
        }
        escalated = await session.get(Conversation, silent)
        assert escalated is not None
        assert escalated.priority == 2
    assert timers == {(silent, sla.FIRST_RESPONSE): "breached", (answered, sla.FIRST_RESPONSE): "met"}


async def test_a_reply_in_time_keeps_the_first_response_clock_however_late_the_resolution(
    runtime: Runtime, clock: Clock
) -> None:
    start = utcnow()
    answered, _ = await queued_chat(runtime, intent="cancel_order", now=start)
    tanaka = await agent(runtime, "tanaka@madoguchi.localhost")
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, answered)
        assert row is not None
        await actions.do_send_agent_message(tx, tanaka, row, text="確認します")
        await tx.commit()
    # Resolved after the 5 minutes of the first response, well within the day of the resolution clock.
    clock.set(start + timedelta(minutes=20))
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, answered)
        assert row is not None
        await actions.do_resolve(tx, tanaka, row)
        await tx.commit()
    async with runtime.transaction() as tx:
        assert await sla.do_check_due(tx, start + timedelta(days=2)) == []
        await tx.commit()
    async with runtime.sessions() as session:
        timers = {timer.kind: timer.state for timer in await session.scalars(select(SlaTimer))}
    assert timers == {sla.FIRST_RESPONSE: "met", sla.RESOLUTION: "met"}
    kept = [event.data["kind"] for event in await events(runtime, answered) if event.type == "sla.met"]
    assert sorted(kept) == [sla.FIRST_RESPONSE, sla.RESOLUTION]


async def test_a_shop_that_misses_its_promise_hands_over_to_the_platform_even_across_a_restart(
    settings: Settings,
) -> None:
    quiet = settings.model_copy(update={"routing_tick_seconds": 3600.0})
    first = await start_runtime(quiet)
    try:
        start = utcnow()
        conversation_id, placement = await queued_chat(first, customer="c001", shop="kyoto-kotonoha", now=start)
        assert placement.desk == "shop"
    finally:
        await stop_runtime(first)

    # Another process, later: the deadline was a row, not a timer in the first process's memory.
    second = await start_runtime(quiet)
    heard: list[str] = []

    async def listen(event: MessageCreated | ConversationChanged) -> None:
        if event.conversation.id == conversation_id:
            heard.append(event.type)

    second.bus.subscribe(listen)
    try:
        async with second.transaction() as tx:
            assert await sla.do_check_due(tx, start + timedelta(hours=47)) == []
            await tx.commit()
        async with second.transaction() as tx:
            breaches = await sla.do_check_due(tx, start + timedelta(hours=48, minutes=1))
            await tx.commit()
        assert [(b.kind, b.escalated_to) for b in breaches] == [(sla.SHOP_PROMISE, "platform_cs")]
        async with second.sessions() as session:
            row = await session.get(Conversation, conversation_id)
            assert row is not None
            assert (row.state, row.desk, row.assignee_id) == ("queued", "platform_cs", None)
            # The shop still sees its thread; the platform now answers it.
            assert row.shop_id == "kyoto-kotonoha"
        texts = await system_texts(second, conversation_id)
        assert any("ショップからのお返事" in text for text in texts)
        # The consoles hear of it on the live feed.
        for _ in range(100):
            if "conversation.escalated" in heard:
                break
            await asyncio.sleep(0.05)
        assert "conversation.escalated" in heard
    finally:
        await stop_runtime(second)


async def _available(runtime: Runtime, *emails_and_idle: tuple[str, datetime]) -> list[Agent]:
    chosen = []
    async with runtime.transaction() as tx:
        for email, idle_since in emails_and_idle:
            row = await tx.session.scalar(select(Agent).where(Agent.email == email))
            assert row is not None
            await assignment.do_set_presence(tx, row, "available", idle_since)
            chosen.append(row)
        await tx.commit()
    return chosen


async def _open_offers(runtime: Runtime, conversation_id: str) -> list[RoutingOffer]:
    async with runtime.sessions() as session:
        return list(
            await session.scalars(
                select(RoutingOffer).where(
                    RoutingOffer.conversation_id == conversation_id, RoutingOffer.state == "open"
                )
            )
        )


async def test_the_longest_idle_agent_gets_the_offer_then_the_next_when_it_times_out(runtime: Runtime) -> None:
    now = utcnow()
    tanaka, ito = await _available(
        runtime,
        ("tanaka@madoguchi.localhost", now - timedelta(minutes=5)),
        ("ito@madoguchi.localhost", now - timedelta(minutes=20)),
    )
    conversation_id, _ = await queued_chat(runtime, intent="cancel_order", now=now)
    await worker.tick(runtime, now)
    (offer,) = await _open_offers(runtime, conversation_id)
    assert offer.agent_id == ito.id
    offered = [event for event in await events(runtime, conversation_id) if event.type == "routing.offered"]
    assert "longest_idle_agent" in offered[0].data["reasons"]

    # Nobody answers within the timeout: ito is set away and the next eligible agent is offered it.
    await worker.tick(runtime, now + timedelta(seconds=31))
    (again,) = await _open_offers(runtime, conversation_id)
    assert again.agent_id == tanaka.id
    assert (await agent(runtime, "ito@madoguchi.localhost")).presence == "away"

    async with runtime.transaction() as tx:
        me = await tx.session.get(Agent, tanaka.id)
        assert me is not None
        conversation = await assignment.do_accept(tx, me, again.id, now + timedelta(seconds=35))
        await tx.commit()
    assert (conversation.state, conversation.assignee_id) == ("assigned", tanaka.id)


async def test_a_declined_offer_goes_to_someone_else(runtime: Runtime) -> None:
    now = utcnow()
    tanaka, ito = await _available(
        runtime,
        ("tanaka@madoguchi.localhost", now - timedelta(minutes=30)),
        ("ito@madoguchi.localhost", now - timedelta(minutes=1)),
    )
    conversation_id, _ = await queued_chat(runtime, intent="cancel_order", now=now)
    await worker.tick(runtime, now)
    (offer,) = await _open_offers(runtime, conversation_id)
    assert offer.agent_id == tanaka.id
    async with runtime.transaction() as tx:
        me = await tx.session.get(Agent, tanaka.id)
        assert me is not None
        await assignment.do_decline(tx, me, offer.id, now)
        await tx.commit()
    await worker.tick(runtime, now + timedelta(seconds=1))
    (second,) = await _open_offers(runtime, conversation_id)
    assert second.agent_id == ito.id


async def test_a_shop_agent_is_never_offered_or_handed_another_shops_conversation(runtime: Runtime) -> None:
    now = utcnow()
    (yamada,) = await _available(runtime, ("yamada@kyoto-kotonoha.localhost", now - timedelta(hours=1)))
    other_shop, _ = await queued_chat(runtime, customer="c001", shop="hikari-denki", now=now)
    own_shop, _ = await queued_chat(runtime, customer="c001", shop="kyoto-kotonoha", now=now)
    await worker.tick(runtime, now)
    assert await _open_offers(runtime, other_shop) == []
    assert [offer.agent_id for offer in await _open_offers(runtime, own_shop)] == [yamada.id]

    supervisor = await agent(runtime, "nakamura@madoguchi.localhost")
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, other_shop)
        assert row is not None
        with pytest.raises(Forbidden):
            await assignment.do_transfer(tx, supervisor, row, now, agent_id=yamada.id)
        await tx.rollback()
    async with runtime.transaction() as tx:
        mine = await tx.session.get(Conversation, own_shop)
        assert mine is not None
        kobayashi = await tx.session.scalar(select(Agent).where(Agent.email == "kobayashi@hikari-denki.localhost"))
        assert kobayashi is not None
        with pytest.raises(Forbidden):
            await assignment.do_transfer(tx, yamada, mine, now, agent_id=kobayashi.id)


async def test_a_queue_head_nobody_on_duty_can_take_does_not_hide_the_conversations_behind_it(
    runtime: Runtime,
) -> None:
    now = utcnow()
    # More shop-inbox conversations than one pass reads, all older than the platform's, with the shop's staff away.
    for index in range(assignment.OFFER_BATCH + 5):
        await queued_chat(runtime, customer="c001", shop="hikari-denki", now=now - timedelta(minutes=60 - index % 60))
    platform_chat, _ = await queued_chat(runtime, customer="c002", now=now)
    (tanaka,) = await _available(runtime, ("tanaka@madoguchi.localhost", now - timedelta(minutes=5)))
    await worker.tick(runtime, now)
    assert [offer.agent_id for offer in await _open_offers(runtime, platform_chat)] == [tanaka.id]


async def test_estimated_wait_uses_the_agents_on_duty(runtime: Runtime) -> None:
    now = utcnow()
    _, nobody = await queued_chat(runtime, intent="digital_services", now=now)
    assert nobody.eta_seconds is None  # nobody who could answer is on duty
    await _available(runtime, ("chen@madoguchi.localhost", now - timedelta(minutes=1)))
    _, one = await queued_chat(runtime, intent="digital_services", now=now)
    assert one.eta_seconds is not None
    assert one.eta_seconds > 0


async def test_a_callback_is_booked_retried_on_no_answer_and_given_up_after_three(runtime: Runtime) -> None:
    conversation_id, _ = await queued_chat(runtime, customer="c002")
    now = utcnow()
    async with runtime.transaction() as tx:
        conversation = await tx.session.get(Conversation, conversation_id)
        assert conversation is not None
        with pytest.raises(InvalidInput):
            await callbacks.request_callback(
                tx,
                customer_id="c002",
                phone="0120-12",
                window_start=now,
                window_end=now + timedelta(hours=1),
                now=now,
                conversation=conversation,
            )
        with pytest.raises(InvalidInput):
            await callbacks.request_callback(
                tx,
                customer_id="c002",
                phone="090-3812-4471",
                window_start=now - timedelta(hours=2),
                window_end=now - timedelta(hours=1),
                now=now,
                conversation=conversation,
            )
        booked = await callbacks.request_callback(
            tx,
            customer_id="c002",
            phone="０９０-３８１２-４４７１",
            window_start=now,
            window_end=now + timedelta(hours=2),
            now=now,
            conversation=conversation,
            topic="返金について",
        )
        await tx.commit()
        callback_id = booked.id
    assert booked.phone_e164 == "+819038124471"
    assert any("折り返しのお電話を承りました" in text for text in await system_texts(runtime, conversation_id))

    tanaka = await agent(runtime, "tanaka@madoguchi.localhost")
    outcomes: list[Any] = []
    for attempt in range(3):
        async with runtime.transaction() as tx:
            row, customer, _ = await callbacks.do_start_call(tx, tanaka, callback_id)
            assert customer is not None
            assert customer.id == "c002"
            assert callbacks.script(row, customer, tanaka)[0].startswith("鈴木 大翔様")
            done = await callbacks.do_record_outcome(
                tx, tanaka, callback_id, "no_answer", now + timedelta(minutes=attempt)
            )
            outcomes.append((done.state, done.attempts))
            await tx.commit()
    assert outcomes == [("waiting", 1), ("waiting", 2), ("failed", 3)]
    async with runtime.sessions() as session:
        stored = await session.get(Callback, callback_id)
        assert stored is not None
        assert len(stored.outcomes) == 3
    async with runtime.transaction() as tx:
        with pytest.raises(Conflict):
            await callbacks.do_record_outcome(tx, tanaka, callback_id, "answered", now)


async def test_two_processes_routing_at_once_never_offer_twice(settings: Settings) -> None:
    """Two server processes run their routing pass at the same moment on the same database: each waiting
    conversation gets one offer, and no agent more offers than free slots."""
    if settings.is_sqlite:
        pytest.skip("several server processes share PostgreSQL; SQLite serves one process (DESIGN.md)")
    quiet = settings.model_copy(update={"routing_tick_seconds": 3600.0})
    first, second = await start_runtime(quiet), await start_runtime(quiet)
    try:
        now = utcnow()
        (tanaka,) = await _available(first, ("tanaka@madoguchi.localhost", now - timedelta(minutes=5)))
        waiting = [(await queued_chat(first, intent="cancel_order", now=now))[0] for _ in range(6)]
        await asyncio.gather(worker.tick(first, now), worker.tick(second, now))
        await asyncio.gather(worker.tick(first, now), worker.tick(second, now))
        async with first.sessions() as session:
            offers = list(await session.scalars(select(RoutingOffer).where(RoutingOffer.state == "open")))
        per_conversation = [offer.conversation_id for offer in offers]
        assert len(per_conversation) == len(set(per_conversation))
        assert set(per_conversation) <= set(waiting)
        # 田中's chat capacity is 4: four offers, never more, whichever process made them.
        assert [offer.agent_id for offer in offers] == [tanaka.id] * tanaka.chat_capacity
    finally:
        await stop_runtime(second)
        await stop_runtime(first)


@pytest.mark.parametrize(
    ("desk", "priority", "first_response", "resolution"),
    [
        ("platform_cs", "normal", timedelta(minutes=5), timedelta(hours=24)),
        ("platform_cs", "urgent", timedelta(minutes=1.25), timedelta(hours=12)),
        ("member_support", "high", timedelta(minutes=7.5), timedelta(hours=48)),
        ("payments", "low", timedelta(minutes=45), timedelta(hours=72)),
    ],
)
async def test_sla_targets_come_from_the_desk_and_the_priority(
    runtime: Runtime, desk: str, priority: str, first_response: timedelta, resolution: timedelta
) -> None:
    async with runtime.sessions() as session:
        row = await session.get(Desk, desk)
        assert row is not None
        assert sla.targets(row, priority, None) == {sla.FIRST_RESPONSE: first_response, sla.RESOLUTION: resolution}
        shop_desk = await session.get(Desk, "shop")
        shop = await session.get(Shop, "kyoto-kotonoha")
        assert shop_desk is not None
        assert sla.targets(shop_desk, priority, shop)[sla.SHOP_PROMISE] == timedelta(hours=48)


@pytest.mark.parametrize(
    ("desk", "priority", "chat", "email"),
    [
        ("platform_cs", "normal", timedelta(minutes=5), timedelta(hours=4)),
        ("payments", "high", timedelta(minutes=15), timedelta(hours=4)),
        ("business", "normal", timedelta(hours=1), timedelta(hours=24)),
    ],
)
async def test_an_e_mail_is_answered_on_its_own_clock(
    runtime: Runtime, desk: str, priority: str, chat: timedelta, email: timedelta
) -> None:
    async with runtime.sessions() as session:
        row = await session.get(Desk, desk)
        assert row is not None
        assert sla.targets(row, priority, None, "chat")[sla.FIRST_RESPONSE] == chat
        assert sla.targets(row, priority, None, "email")[sla.FIRST_RESPONSE] == email
        # A channel the desks data gives no clock of its own runs on the desk's chat clock.
        assert sla.targets(row, priority, None, "callback")[sla.FIRST_RESPONSE] == chat


async def test_a_conversation_queued_by_another_channel_is_routed_by_the_periodic_pass(runtime: Runtime) -> None:
    """A ticket from e-mail queues without the chat's routing: the next pass gives it its desk, priority,
    reasons and SLA clocks, and tells the mail customer nothing by chat."""
    async with runtime.transaction() as tx:
        ticket = await actions.do_open_chat(tx, customer_id="c002", shop_id=None, language="ja", channel="email")
        await actions.do_receive_customer_message(tx, ticket, text="オペレーターと話したいです", client_id="m1")
        await tx.commit()
        ticket_id = ticket.id
    before = await system_texts(runtime, ticket_id)
    await worker.tick(runtime, utcnow())
    await worker.tick(runtime, utcnow())
    decided = [event for event in await events(runtime, ticket_id) if event.type == "routing.decided"]
    assert len(decided) == 1
    assert decided[0].data["desk"] == "platform_cs"
    async with runtime.sessions() as session:
        kinds = set(await session.scalars(select(SlaTimer.kind).where(SlaTimer.conversation_id == ticket_id)))
    assert kinds == {sla.FIRST_RESPONSE, sla.RESOLUTION}
    assert await system_texts(runtime, ticket_id) == before


async def test_an_escalated_or_transferred_conversation_is_not_placed_again(runtime: Runtime) -> None:
    now = utcnow()
    shop_chat, _ = await queued_chat(runtime, customer="c001", shop="kyoto-kotonoha", now=now)
    async with runtime.transaction() as tx:
        await sla.do_check_due(tx, now + timedelta(hours=49))
        await tx.commit()
    platform_chat, _ = await queued_chat(runtime, intent="cancel_order", now=now)
    tanaka = await agent(runtime, "tanaka@madoguchi.localhost")
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, platform_chat)
        assert row is not None
        await assignment.do_transfer(tx, tanaka, row, utcnow(), desk="payments", note="")
        await tx.commit()
    await worker.tick(runtime, utcnow())
    async with runtime.sessions() as session:
        escalated = await session.get(Conversation, shop_chat)
        transferred = await session.get(Conversation, platform_chat)
        assert escalated is not None
        assert transferred is not None
        assert escalated.desk == "platform_cs"
        assert transferred.desk == "payments"
    for conversation_id in (shop_chat, platform_chat):
        decided = [event for event in await events(runtime, conversation_id) if event.type == "routing.decided"]
        assert len(decided) == 1
