"""The demo's history: a few simulated days played through the product, read back from the event log.

The figures the generator reports are compared with what the log says, counted here straight from the
`conversation_events` rows with the reports' definitions (DESIGN.md, "Reports"): a conversation handed over
was queued at least once, one resolved by the bot was resolved and never queued.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from madoguchi.analytics import reports
from madoguchi.analytics.metrics import Period
from madoguchi.conversations.events import payload_of
from madoguchi.demo.history import HistoryCounts, load_history_spec, seed_history
from madoguchi.demo.seed import load_demo_data
from madoguchi.errors import Conflict, Forbidden
from madoguchi.nlu.data import taxonomy
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Agent, Conversation, ConversationEvent, Order
from tests.conftest import REFERENCE_TIME

if TYPE_CHECKING:
    from madoguchi.domain.clock import Clock


TOKYO = ZoneInfo("Asia/Tokyo")
MADOGUCHI = str(Path(sys.executable).with_name("madoguchi"))


async def _play(url: str, days: int, seed: int = 1) -> tuple[HistoryCounts, list[ConversationEvent]]:
    engine = create_engine(url)
    try:
        counts = await seed_history(session_factory(engine), days=days, seed=seed)
        async with session_factory(engine)() as session:
            rows = list(await session.scalars(select(ConversationEvent).order_by(ConversationEvent.id)))
        return counts, rows
    finally:
        await engine.dispose()


def _first(rows: list[ConversationEvent], type_: str) -> dict[str, ConversationEvent]:
    found: dict[str, ConversationEvent] = {}
    for row in rows:
        if row.type == type_:
            found.setdefault(row.conversation_id, row)
    return found


async def test_three_days_of_history_are_real_events_that_add_up(settings: Settings, clock: Clock) -> None:
    clock.set(REFERENCE_TIME, frozen=True)
    end = clock.now()
    counts, rows = await _play(settings.database_url, days=3)

    # Written at the simulated instants, spread over the three days, and by the product's own catalogue.
    assert counts.start == end - timedelta(days=3)
    assert counts.end == end
    assert clock.now() >= end
    assert counts.events == len(rows) > 10 * counts.conversations
    assert all(counts.start <= row.created_at <= counts.end for row in rows)
    days = Counter(row.created_at.astimezone(TOKYO).date() for row in rows if row.type == "conversation.created")
    first_day, last_day = counts.start.astimezone(TOKYO).date(), end.astimezone(TOKYO).date()
    whole_days = [day for day in days if first_day < day < last_day]
    assert len(whole_days) >= 2
    assert all(days[day] >= 20 for day in whole_days)
    hours = Counter(row.created_at.astimezone(TOKYO).hour for row in rows if row.type == "conversation.created")
    assert sum(hours[hour] for hour in range(19, 23)) > sum(hours[hour] for hour in range(2, 6))
    for row in rows:
        payload_of(row)

    # The generator's counts are the log's, counted straight from the rows...
    created = _first(rows, "conversation.created")
    queued = _first(rows, "conversation.queued")
    resolved = {row.conversation_id for row in rows if row.type == "conversation.resolved"}
    assigned = {
        row.conversation_id: row
        for row in reversed(rows)
        if row.type == "conversation.assigned" and row.actor.startswith("agent:")
    }
    assert 60 <= counts.conversations == len(created)
    assert counts.handed_over == len(queued)
    assert counts.bot_resolved == len(resolved - set(queued))
    assert counts.bot_resolved > 10
    assert counts.handed_over > 20
    assert counts.assigned_within_60s == sum(
        1
        for conversation_id, first in queued.items()
        if conversation_id in assigned
        and (assigned[conversation_id].created_at - first.created_at).total_seconds() <= 60
    )
    assert counts.by_channel == dict(Counter(row.data["channel"] for row in created.values()))
    assert set(counts.by_channel) == {"chat", "email"}
    decided = _first(rows, "routing.decided")
    assert counts.by_desk == dict(Counter(row.data["desk"] for row in decided.values()))
    for kind, name in (("met", "sla.met"), ("breached", "sla.breached")):
        judged = Counter(row.data["kind"] for row in rows if row.type == name)
        assert getattr(counts, f"sla_clocks_{kind}") == dict(judged)
    assert counts.transfers == sum(1 for row in rows if row.type == "conversation.transferred")
    assert counts.reopened == len({row.conversation_id for row in rows if row.type == "conversation.reopened"})
    assert counts.escalations == sum(1 for row in rows if row.type == "routing.escalated")
    assert counts.customer_messages == sum(
        1 for row in rows if row.type == "message.created" and row.actor == "customer"
    )

    # ... and the managers' reports over the same days say the same.
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            period = Period(counts.start.astimezone(TOKYO).date(), end.astimezone(TOKYO).date(), TOKYO)
            report = await reports.overview(session, period, ["desk", "channel", "intent", "language", "shop"])
    finally:
        await engine.dispose()
    totals, groups = report["totals"], report["groups"]
    for name in ("conversations", "bot_resolved", "handed_over", "resolved", "transfers", "escalations", "reopened"):
        assert totals[name] == getattr(counts, name), name
    assert totals["sla_met"] == counts.sla_met
    assert counts.csat_responses > 5
    assert totals["csat"]["responses"] == counts.csat_responses
    assert totals["csat"]["mean"] == round(counts.csat_sum / counts.csat_responses, 2)
    assert totals["sla_breached"] == counts.sla_breached
    assert totals["service_level_60s"] == pytest.approx(counts.assigned_within_60s / counts.handed_over, abs=0.001)

    def rows_of(group_by: str) -> dict[str, int]:
        return {row["key"]: row["conversations"] for row in groups[group_by]}

    assert rows_of("desk") == {**counts.by_desk, "bot": counts.conversations - counts.handed_over}
    assert rows_of("channel") == counts.by_channel
    assert rows_of("intent") == counts.by_intent
    assert set(counts.by_intent) - {"unknown"} <= set(taxonomy())
    assert rows_of("language") == counts.by_language
    shops = rows_of("shop")
    assert shops.pop("platform") == counts.conversations - sum(counts.by_shop.values())
    assert shops == counts.by_shop

    # Routed by the routing engine through routing's actions: every assignment answers an offer.
    offered = sum(1 for row in rows if row.type == "routing.offered")
    accepted = sum(1 for row in rows if row.type == "routing.accepted")
    taken = sum(1 for row in rows if row.type == "conversation.assigned" and row.actor.startswith("agent:"))
    assert 0 < accepted == taken <= offered
    assert {row.type for row in rows} >= {
        "conversation.created",
        "message.created",
        "message.classified",
        "bot.replied",
        "bot.handoff",
        "conversation.queued",
        "routing.decided",
        "routing.offered",
        "conversation.assigned",
        "conversation.waiting",
        "conversation.resolved",
        "sla.met",
    }
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            # The demo is left as the seed leaves it: operators offline, orders untouched.
            assert set(await session.scalars(select(Agent.presence))) == {"offline"}
            statuses = Counter(await session.scalars(select(Order.status)))
            assert statuses == Counter(order.status for order in load_demo_data().orders)
            shops = Counter(
                await session.scalars(select(Conversation.shop_id).where(Conversation.shop_id.is_not(None)))
            )
            assert counts.by_shop == dict(shops)
            assert counts.open_at_end == await session.scalar(
                select(func.count()).select_from(Conversation).where(Conversation.state != "resolved")
            )
    finally:
        await engine.dispose()


async def test_the_same_seed_plays_the_same_history(tmp_path: Path, sqlite_template: Path, clock: Clock) -> None:
    def fresh(name: str) -> str:
        # Each history ends at the same instant.
        clock.set(REFERENCE_TIME, frozen=True)
        shutil.copy(sqlite_template, tmp_path / name)
        return f"sqlite+aiosqlite:///{tmp_path / name}"

    first, first_rows = await _play(fresh("a.db"), days=1)
    again, again_rows = await _play(fresh("b.db"), days=1)
    other, _ = await _play(fresh("c.db"), days=1, seed=2)
    assert first == again
    assert [(row.type, row.actor, row.created_at) for row in first_rows] == [
        (row.type, row.actor, row.created_at) for row in again_rows
    ]
    assert other != first


async def test_the_history_is_played_once_and_never_in_production(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        production = Settings(environment="production", demo=False, secret_key="p" * 48, database_url="sqlite://")
        with pytest.raises(Forbidden):
            await seed_history(sessions, days=1, settings=production)
        await seed_history(sessions, days=1, per_day=10)
        with pytest.raises(Conflict, match="without conversations"):
            await seed_history(sessions, days=1)
    finally:
        await engine.dispose()


def test_the_history_data_file_knows_every_language_and_operator() -> None:
    spec = load_history_spec()
    agents = {agent.email for agent in load_demo_data().agents}
    assert set(spec.shifts) == agents
    assert set(spec.customers) == set(taxonomy())
    assert all("ja" in phrases for phrases in spec.customers.values())


def test_the_first_start_seeds_the_history_and_a_later_seed_leaves_it_alone(tmp_path: Path) -> None:
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"}

    def run(*args: str) -> str:
        finished = subprocess.run([MADOGUCHI, *args], env=env, capture_output=True, text=True, timeout=300, check=True)
        return finished.stdout

    run("db", "upgrade")
    first = run("seed", "--if-empty", "--history-days", "1")
    assert "demo data loaded" in first
    assert "demo history played:" in first
    assert "already present" in run("seed", "--if-empty")
    assert "demo history skipped: the database already has conversations" in run("seed")
