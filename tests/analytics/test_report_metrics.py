"""Every metric of the summary, to the second, over a scripted set of conversations on the test clock: one the
bot resolved, one handed over across midnight into New Year's Day (a holiday), one transferred, one whose SLA
was breached and that was escalated, reopened and rated, a shop's conversation that kept its reply promise,
one abandoned in the queue. On both databases; on PostgreSQL the database's engine must equal the reference
engine; and the facts kept in the events' transactions must equal the facts folded from the events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from madoguchi.analytics import aggregate, metrics, reports
from madoguchi.analytics.metrics import Filters, Period
from madoguchi.conversations import actions, facts
from madoguchi.errors import InvalidInput
from madoguchi.routing import queueing, sla
from madoguchi.routing.decision import decide_understood
from madoguchi.runtime import Runtime, start_runtime, stop_runtime
from madoguchi.store.models import Agent, Conversation
from tests.routing.test_live_routing import understood

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings

JST = ZoneInfo("Asia/Tokyo")


def jst(month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    year = 2026 if month == 12 else 2027
    return datetime(year, month, day, hour, minute, second, tzinfo=JST).astimezone(UTC)


def scripted(settings: Settings) -> Settings:
    """A process whose routing worker stays still: the script moves a frozen clock and judges the SLA clocks
    itself, and a worker acting beside it at those instants would make the history the script's and its own."""
    return settings.model_copy(update={"routing_tick_seconds": 3600.0})


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await start_runtime(scripted(settings))
    try:
        yield runtime
    finally:
        await stop_runtime(runtime)


class Script:
    """Drives conversations through the real actions, each step at an instant of a frozen clock."""

    def __init__(self, runtime: Runtime, clock: Clock) -> None:
        self.runtime = runtime
        self.clock = clock

    def at(self, instant: datetime) -> None:
        self.clock.set(instant, frozen=True)

    async def agent(self, email: str) -> Agent:
        async with self.runtime.sessions() as session:
            agent = await session.scalar(select(Agent).where(Agent.email == email))
            assert agent is not None
            return agent

    async def open(self, when: datetime, *, shop: str | None = None) -> str:
        self.at(when)
        async with self.runtime.transaction() as tx:
            conversation = await actions.do_open_chat(tx, customer_id="c002", shop_id=shop, language="ja")
            await tx.commit()
            return conversation.id

    async def write(
        self, conversation_id: str, when: datetime, *, intent: str, language: str = "ja", bot: bool = False
    ) -> None:
        """The customer writes; without `bot` the conversation is queued and placed as the intake places it."""
        self.at(when)
        async with self.runtime.transaction() as tx:
            conversation = await tx.session.get(Conversation, conversation_id)
            assert conversation is not None
            was = conversation.state
            message, _ = await actions.do_receive_customer_message(
                tx, conversation, text="help", client_id=str(uuid.uuid4()), bot_answers=bot
            )
            meaning = understood(intent, language)
            actions.do_record_understanding(tx, conversation, message.id, meaning)
            if conversation.state == "queued" and was != "resolved":
                decision = await decide_understood(tx.session, meaning)
                await queueing.do_place(tx, conversation, decision, when)
            await tx.commit()

    async def act(self, conversation_id: str, when: datetime, step: Any, *args: Any, **kwargs: Any) -> None:
        self.at(when)
        async with self.runtime.transaction() as tx:
            conversation = await tx.session.get(Conversation, conversation_id)
            assert conversation is not None
            await step(tx, *args, conversation, **kwargs) if args else await step(tx, conversation, **kwargs)
            await tx.commit()

    async def judge_clocks(self, when: datetime) -> None:
        self.at(when)
        async with self.runtime.transaction() as tx:
            while await sla.do_check_due(tx, when):
                pass
            await tx.commit()


async def _rate(tx: Any, conversation: Conversation, *, score: int) -> None:
    await actions.do_rate(tx, conversation, score=score, via="chat")


async def _transfer(tx: Any, agent: Agent, conversation: Conversation, *, desk: str) -> None:
    actions.do_transfer_to_desk(tx, agent, conversation, desk, conversation.last_activity_at, "to members")


async def play(script: Script) -> dict[str, str]:
    tanaka = await script.agent("tanaka@madoguchi.localhost")
    ito = await script.agent("ito@madoguchi.localhost")
    kobayashi = await script.agent("kobayashi@hikari-denki.localhost")

    # 1. The bot's alone: never queued, ended by the customer five minutes after it started.
    bot_only = await script.open(jst(12, 31, 23, 50))
    await script.write(bot_only, jst(12, 31, 23, 50), intent="track_order", bot=True)
    await script.act(bot_only, jst(12, 31, 23, 55), actions.do_resolve, "customer")

    # 2. Across midnight into the holiday: queued 23:59:00, taken 00:00:30, answered 00:01:30, resolved 00:11.
    midnight = await script.open(jst(12, 31, 23, 58))
    await script.write(midnight, jst(12, 31, 23, 59), intent="cancel_order", language="en")
    await script.act(midnight, jst(1, 1, 0, 0, 30), actions.do_take, tanaka)
    await script.act(midnight, jst(1, 1, 0, 1, 30), actions.do_send_agent_message, tanaka, text="承知しました")
    await script.act(midnight, jst(1, 1, 0, 11), actions.do_resolve, tanaka)

    # 3. Taken after 40 s, transferred to member support, answered and resolved there by someone else.
    transferred = await script.open(jst(1, 1, 10, 0))
    await script.write(transferred, jst(1, 1, 10, 0), intent="cancel_order")
    await script.act(transferred, jst(1, 1, 10, 0, 40), actions.do_take, tanaka)
    await script.act(transferred, jst(1, 1, 10, 2), _transfer, tanaka, desk="member_support")
    await script.act(transferred, jst(1, 1, 10, 3), actions.do_take, ito)
    await script.act(transferred, jst(1, 1, 10, 4), actions.do_send_agent_message, ito, text="確認します")
    await script.act(transferred, jst(1, 1, 10, 10), actions.do_resolve, ito)

    # 4. Nobody answers within the 5 minutes: breached and escalated; then taken, resolved, reopened by the
    #    customer, resolved again and rated 2.
    breached = await script.open(jst(1, 1, 12, 0))
    await script.write(breached, jst(1, 1, 12, 0), intent="cancel_order")
    await script.judge_clocks(jst(1, 1, 12, 6))
    await script.act(breached, jst(1, 1, 12, 30), actions.do_take, tanaka)
    await script.act(breached, jst(1, 1, 12, 31), actions.do_send_agent_message, tanaka, text="お待たせしました")
    await script.act(breached, jst(1, 1, 12, 40), actions.do_resolve, tanaka)
    await script.write(breached, jst(1, 1, 13, 0), intent="cancel_order")
    await script.act(breached, jst(1, 1, 13, 5), actions.do_take, tanaka)
    await script.act(breached, jst(1, 1, 13, 10), actions.do_resolve, tanaka)
    await script.act(breached, jst(1, 1, 13, 11), _rate, score=2)

    # 5. A shop's inbox: answered within its 48-hour promise, not resolved yet.
    shop = await script.open(jst(1, 1, 15, 0), shop="hikari-denki")
    await script.write(shop, jst(1, 1, 15, 0), intent="cancel_order")
    await script.act(shop, jst(1, 1, 15, 20), actions.do_take, kobayashi)
    await script.act(shop, jst(1, 1, 15, 21), actions.do_send_agent_message, kobayashi, text="ご連絡感謝します")

    # 6. Left in the queue.
    abandoned = await script.open(jst(1, 2, 9, 0))
    await script.write(abandoned, jst(1, 2, 9, 0), intent="cancel_order", language="en")

    # Every clock due by then is judged: the shop's promise (due 3 January 15:00) among them; the shop's
    # 72-hour resolution clock is not due yet and counts neither way.
    await script.judge_clocks(jst(1, 4, 0, 0))
    return {
        "bot_only": bot_only,
        "midnight": midnight,
        "transferred": transferred,
        "breached": breached,
        "shop": shop,
        "abandoned": abandoned,
    }


EXPECTED_TOTALS = {
    "conversations": 6,
    "bot_resolved": 1,
    "handed_over": 5,
    "containment": round(1 / 6, 4),
    # Waits 90, 40, 1800, 1200 s.
    "wait_s": {"p50": 645.0, "p90": 1620.0, "mean": 782.5},
    # First responses 150, 240 (by the colleague after the transfer), 1860, 1260 s.
    "first_response_s": {"p50": 750.0, "p90": 1680.0, "mean": 877.5},
    # From the first assignment to the (last) resolution: 630, 560, 2400 s.
    "handle_s": {"p50": 630.0, "p90": 2046.0, "mean": 1196.7},
    # From creation to the last resolution: 300, 780, 600, 4200 s.
    "resolution_s": {"p50": 690.0, "p90": 3174.0, "mean": 1470.0},
    "service_level_60s": 0.2,
    "sla_met": 3,
    "sla_breached": 2,
    "shop_promise": {"met": 1, "breached": 0},
    "csat": {"responses": 1, "mean": 2.0, "low": 1},
    "resolved": 4,
    "transfers": 1,
    # The breached one once, the abandoned one for each of its two clocks.
    "escalations": 3,
    "reopened": 1,
    "reopen_rate": 0.25,
    "callbacks": {"requested": 0, "kept": 0},
}


async def test_every_metric_of_a_scripted_set_of_conversations(runtime: Runtime, clock: Clock) -> None:
    await play(Script(runtime, clock))
    period = Period.parse("2026-12-31", "2027-01-02", "Asia/Tokyo")
    async with runtime.sessions() as session:
        assert await facts.disagreements(session) == []
        report = await reports.summary(session, period, "day")
        by_desk = await reports.summary(session, period, "desk")
        by_agent = await reports.summary(session, period, "agent")
        by_language = await reports.summary(session, period, "language")
        shop_only = await reports.summary(session, period, "intent", Filters(shop_id="hikari-denki"))
    assert report["totals"] == EXPECTED_TOTALS
    days = {row["key"]: row for row in report["rows"]}
    assert list(days) == ["2026-12-31", "2027-01-01", "2027-01-02"]
    # Created before midnight, the second conversation counts on New Year's Eve though it was handled after it.
    assert days["2026-12-31"]["conversations"] == 2
    assert days["2026-12-31"]["wait_s"] == {"p50": 90.0, "p90": 90.0, "mean": 90.0}
    assert days["2027-01-01"]["conversations"] == 3
    assert days["2027-01-01"]["service_level_60s"] == round(1 / 3, 4)
    assert days["2027-01-02"]["wait_s"] == {"p50": None, "p90": None, "mean": None}
    assert days["2027-01-02"]["service_level_60s"] == 0.0

    desks = {row["key"]: row["conversations"] for row in by_desk["rows"]}
    assert desks == {"platform_cs": 4, "shop": 1, "bot": 1}
    assert {row["key"]: row.get("label") for row in by_desk["rows"]}["shop"] is not None

    agents = {row.get("label", {}).get("ja", row["key"]): row for row in by_agent["rows"]}
    assert agents["田中 健太"]["conversations"] == 2
    assert agents["伊藤 さくら"]["handle_s"]["mean"] == 560.0
    assert agents["unassigned"]["conversations"] == 2

    languages = {row["key"]: row["conversations"] for row in by_language["rows"]}
    assert languages == {"ja": 4, "en": 2}

    assert shop_only["totals"]["conversations"] == 1
    assert shop_only["totals"]["shop_promise"] == {"met": 1, "breached": 0}
    assert [row["key"] for row in shop_only["rows"]] == ["cancel_order"]


async def test_the_database_engine_counts_what_the_reference_engine_counts(runtime: Runtime, clock: Clock) -> None:
    await play(Script(runtime, clock))
    period = Period.parse("2026-12-30", "2027-01-03")
    async with runtime.sessions() as session:
        for group_by in (None, *metrics.GROUPS):
            assert aggregate.supports(session.get_bind().dialect.name, period, group_by)
            by_database = await reports.summary(session, period, group_by)
            total, groups = await metrics.tally_rows(session, period, group_by, Filters())
            assert by_database["totals"] == total.row(), group_by
            rows = {row["key"]: row for row in by_database["rows"] if row["conversations"]}
            assert set(rows) == set(groups), group_by
            for key, tally in groups.items():
                expected = tally.row()
                assert {name: rows[key][name] for name in expected} == expected, (group_by, key)
        # Several groupings in one pass count what each asked alone counts.
        together = await reports.overview(session, period, list(metrics.GROUPS))
        for group_by in metrics.GROUPS:
            alone = await reports.summary(session, period, group_by)
            assert together["totals"] == alone["totals"]
            assert together["groups"][group_by] == alone["rows"], group_by


def test_sqlite_leaves_days_and_hours_across_a_change_of_summer_time_to_the_reference_engine() -> None:
    across = Period.parse("2026-03-01", "2026-03-31", "Europe/Berlin")
    assert aggregate.local_offset(across) is None
    assert not aggregate.supports("sqlite", across, "day")
    assert aggregate.supports("sqlite", across, "desk")
    assert aggregate.supports("postgresql", across, "hour")
    assert aggregate.local_offset(Period.parse("2026-03-01", "2026-03-31")) == timedelta(hours=9)


def test_a_period_is_read_in_its_time_zone_and_refuses_what_it_cannot_read() -> None:
    period = Period.parse("2027-01-01", "2027-01-01", "Asia/Tokyo")
    assert period.start == datetime(2026, 12, 31, 15, tzinfo=UTC)
    assert period.end == datetime(2027, 1, 1, 15, tzinfo=UTC)
    assert len(period.hours()) == 24
    for first, last, tz in [
        ("2027-01-02", "2027-01-01", "Asia/Tokyo"),
        ("2027/01/01", "2027-01-01", "Asia/Tokyo"),
        ("2027-01-01", "2027-01-01", "Mars/Olympus"),
        ("2025-01-01", "2027-01-01", "Asia/Tokyo"),
    ]:
        with pytest.raises(InvalidInput):
            Period.parse(first, last, tz)


def test_csv_starts_with_a_byte_order_mark_and_disarms_formulas() -> None:
    period = Period.parse("2027-01-01", "2027-01-01")
    empty = metrics.Tally().row()
    report = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "group_by": "shop",
        "totals": empty,
        "rows": [{"key": "evil", "label": {"ja": '=HYPERLINK("x")', "en": "x"}, **empty}],
    }
    text = reports.as_csv(report)
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("from,to,group_by,key,label,conversations")
    assert "'=HYPERLINK" in lines[1]
    assert lines[2].split(",")[3] == "total"
