"""Reports benchmark: the summary over a month of a large marketplace.

    .venv/bin/python benchmarks/reports.py --backend postgresql --conversations 1000000
    .venv/bin/python benchmarks/reports.py --backend sqlite --conversations 100000
    .venv/bin/python benchmarks/reports.py ... --json

A fresh database (PostgreSQL `madoguchi_bench_reports`, created and dropped by the script; or a SQLite file
in a temporary directory) is migrated, then filled with conversations spread over 30 days and the events a
conversation of the platform writes (created, the customer's message and its understanding, the bot's
reply or its hand-over, queueing, placement, assignment, the operator's messages, resolution, SLA clocks,
sometimes a transfer, a reopening, a rating): about ten events a conversation. Each conversation's facts
are folded from its generated events by the product's own `facts.fold`, exactly as the live path folds them,
and loaded beside them (PostgreSQL: COPY; SQLite: executemany). Then each report is asked several times
through `madoguchi.analytics.reports`, as the API asks it, and the times are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, text

from madoguchi.analytics import reports
from madoguchi.analytics.metrics import Filters, Period
from madoguchi.conversations import facts
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.migrate import upgrade
from madoguchi.store.models import Conversation, ConversationEvent, ConversationFact, Customer, Shop

POSTGRES_ADMIN_URL = "postgresql://postgres:postgres@127.0.0.1:5432/test"
COMMIT = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
POSTGRES_BENCH_DB = "madoguchi_bench_reports"
END = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 30
SHOPS = [f"bench-shop-{n:02d}" for n in range(40)]
DESKS = ["platform_cs", "member_support", "payments", "trust_safety", "digital", "membership"]
INTENTS = [
    "track_order",
    "delivery_problem",
    "return_item",
    "cancel_order",
    "get_refund",
    "payment_issue",
    "damaged_or_wrong_item",
    "change_shipping_address",
    "recover_password",
    "unrecognized_charge",
    "report_scam",
    "membership",
    "get_invoice",
    "contact_seller",
]
LANGUAGES = (["ja"] * 85) + (["en"] * 8) + (["zh"] * 4) + (["ko"] * 3)


@dataclass
class Event:
    """A generated event, shaped as the log's rows are (what `facts.fold` reads)."""

    id: int
    conversation_id: str
    type: str
    actor: str
    data: dict[str, Any]
    created_at: datetime


class Generator:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.next_event_id = 1

    def conversation(self) -> tuple[dict[str, Any], list[Event]]:
        r = self.random
        conversation_id = str(uuid.UUID(int=r.getrandbits(128)))
        # Busier in the evening (JST 19-23 is UTC 10-14), quieter at night.
        day = r.randrange(DAYS)
        hour = r.choices(range(24), weights=[3, 2, 2, 2, 3, 4, 5, 5, 5, 6, 9, 10, 10, 9, 7, 3, 2, 1, 1, 1, 1, 2, 2, 3])[
            0
        ]
        at = END - timedelta(days=DAYS - day) + timedelta(hours=hour, seconds=r.randrange(3600))
        channel = "email" if r.random() < 0.15 else "chat"
        language = r.choice(LANGUAGES)
        intent = r.choice(INTENTS)
        shop = r.choice(SHOPS) if r.random() < 0.2 else None
        log: list[Event] = []

        def add(kind: str, actor: str, data: dict[str, Any], when: datetime) -> None:
            log.append(Event(self.next_event_id, conversation_id, kind, actor, data, when))
            self.next_event_id += 1

        add("conversation.created", "customer", {"state": "bot", "desk": None, "channel": channel, "shop_id": shop}, at)
        add("message.created", "customer", {"message_id": "c", "private": False}, at)
        add(
            "message.classified",
            "nlu",
            {
                "message_id": "m",
                "language": language,
                "intent": intent,
                "confidence": 0.9,
                "entities": [],
                "urgency": 0.0,
                "anger": 0.0,
                "signals": [],
            },
            at,
        )
        if r.random() < 0.4 and shop is None:
            done = at + timedelta(seconds=r.randint(20, 600))
            add(
                "bot.replied",
                "bot",
                {
                    "message_id": "b",
                    "topic": intent,
                    "resolved": True,
                    "handoff": False,
                    "quick_replies": [],
                    "links": [],
                },
                at,
            )
            add("message.created", "bot", {"message_id": "b", "private": False}, at)
            add("conversation.resolved", r.choice(["bot", "customer"]), {"state": "resolved", "desk": None}, done)
            return self._row(conversation_id, at, channel, shop, language, "resolved", None), log
        desk = "shop" if shop else r.choice(DESKS)
        queued = at + timedelta(seconds=r.randint(5, 120))
        add(
            "bot.handoff",
            "bot",
            {
                "desk": desk,
                "shop_id": shop,
                "intent": intent,
                "entities": [],
                "summary": "",
                "reason": "asked",
                "priority": "normal",
                "language": language,
            },
            queued,
        )
        add("conversation.queued", "bot", {"state": "queued", "desk": desk}, queued)
        add(
            "routing.decided",
            "routing",
            {
                "desk": desk,
                "priority": "normal",
                "head_start_s": 0.0,
                "reasons": [],
                "open": True,
                "opens_at": None,
                "eta_seconds": 60,
                **({"shop_id": shop} if shop else {}),
            },
            queued,
        )
        if r.random() < 0.05:
            # Left in the queue: the customer gave up.
            add(
                "sla.breached",
                "sla",
                {"kind": "first_response", "desk": desk, "priority": "normal", "due_at": ""},
                queued + timedelta(minutes=5),
            )
            return self._row(conversation_id, at, channel, shop, language, "queued", desk), log
        agent = r.randint(1, 60)
        assigned = queued + timedelta(seconds=int(r.expovariate(1 / 45)))
        add(
            "conversation.assigned",
            f"agent:{agent}",
            {"state": "assigned", "desk": desk, "assignee_id": agent},
            assigned,
        )
        answered = assigned + timedelta(seconds=r.randint(10, 180))
        add("message.created", f"agent:{agent}", {"message_id": "a", "private": False}, answered)
        add("conversation.waiting", f"agent:{agent}", {"state": "waiting", "desk": desk}, answered)
        if r.random() < 0.04:
            add(
                "conversation.transferred",
                f"agent:{agent}",
                {"from_desk": desk, "note": "", "desk": "payments"},
                answered + timedelta(seconds=30),
            )
        resolved = answered + timedelta(seconds=int(r.expovariate(1 / 420)) + 30)
        add("conversation.resolved", f"agent:{agent}", {"state": "resolved", "desk": desk}, resolved)
        kind = "shop_promise" if shop else "first_response"
        met = answered - queued < timedelta(minutes=5) or shop is not None
        add(
            "sla.met" if met else "sla.breached",
            "sla",
            {"kind": kind, "desk": desk, "priority": "normal", "due_at": ""},
            queued + timedelta(minutes=5),
        )
        if r.random() < 0.03:
            add("conversation.reopened", "customer", {"state": "queued", "desk": None}, resolved + timedelta(hours=2))
            add(
                "conversation.resolved",
                f"agent:{agent}",
                {"state": "resolved", "desk": desk},
                resolved + timedelta(hours=3),
            )
        if r.random() < 0.15:
            add(
                "csat.submitted",
                "customer",
                {
                    "score": r.choices([1, 2, 3, 4, 5], [5, 5, 15, 35, 40])[0],
                    "comment": None,
                    "via": channel,
                    "resolved_at": "",
                },
                resolved + timedelta(minutes=1),
            )
        return self._row(conversation_id, at, channel, shop, language, "resolved", desk), log

    @staticmethod
    def _row(
        conversation_id: str, at: datetime, channel: str, shop: str | None, language: str, state: str, desk: str | None
    ) -> dict[str, Any]:
        return {
            "id": conversation_id,
            "customer_id": "bench-customer",
            "channel": channel,
            "state": state,
            "desk": desk,
            "shop_id": shop,
            "order_number": None,
            "language": language,
            "priority": 0,
            "assignee_id": None,
            "created_at": at,
            "queued_at": None,
            "last_activity_at": at,
            "resolved_at": None,
            "queue_key": None,
        }


def folded(conversation_id: str, log: list[Event]) -> dict[str, Any]:
    fact = facts.fact_of(conversation_id, log)  # type: ignore[arg-type]
    assert fact is not None
    return facts.values(fact)


async def fill(url: str, conversations: int, seed: int, batch: int = 20_000) -> tuple[int, float]:
    engine = create_engine(url)
    await upgrade(engine)
    async with session_factory(engine)() as session:
        await session.execute(insert(Customer), [{"id": "bench-customer", "language": "ja"}])
        await session.execute(
            insert(Shop),
            [
                {
                    "id": shop,
                    "name": f"ベンチ店{n}",
                    "name_en": f"Bench shop {n}",
                    "hours": {},
                    "languages": ["ja"],
                    "contact_email": f"{shop}@example.com",
                }
                for n, shop in enumerate(SHOPS)
            ],
        )
        await session.commit()
    generator = Generator(seed)
    events = 0
    started = time.perf_counter()
    postgres = url.startswith("postgresql")
    raw = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://")) if postgres else None
    try:
        for start in range(0, conversations, batch):
            rows, logs, fact_rows = [], [], []
            for _ in range(min(batch, conversations - start)):
                row, log = generator.conversation()
                rows.append(row)
                logs.extend(log)
                fact_rows.append(folded(row["id"], log))
            events += len(logs)
            if raw is not None:
                await copy(raw, "conversations", rows)
                await copy(
                    raw,
                    "conversation_events",
                    [
                        {
                            "id": e.id,
                            "conversation_id": e.conversation_id,
                            "type": e.type,
                            "actor": e.actor,
                            "data": json.dumps(e.data),
                            "created_at": e.created_at,
                        }
                        for e in logs
                    ],
                )
                await copy(raw, "conversation_facts", fact_rows)
            else:
                async with session_factory(engine)() as session:
                    await session.execute(insert(Conversation), rows)
                    await session.execute(
                        insert(ConversationEvent),
                        [
                            {
                                "id": e.id,
                                "conversation_id": e.conversation_id,
                                "type": e.type,
                                "actor": e.actor,
                                "data": e.data,
                                "created_at": e.created_at,
                            }
                            for e in logs
                        ],
                    )
                    await session.execute(insert(ConversationFact), fact_rows)
                    await session.commit()
            print(f"  {start + len(rows):>9,} conversations, {events:>10,} events", flush=True)
        if raw is not None:
            await raw.execute("SELECT setval('conversation_events_id_seq', (SELECT max(id) FROM conversation_events))")
            await raw.execute("VACUUM ANALYZE")
        else:
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        if raw is not None:
            await raw.close()
        await engine.dispose()
    return events, time.perf_counter() - started


async def copy(raw: asyncpg.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    await raw.copy_records_to_table(table, records=[tuple(row[c] for c in columns) for row in rows], columns=columns)


async def measure(url: str, repeat: int) -> list[dict[str, Any]]:
    engine = create_engine(url)
    period = Period.parse((END - timedelta(days=DAYS)).date().isoformat(), (END - timedelta(days=1)).date().isoformat())
    asks: list[tuple[str, Any]] = [
        (f"summary group_by={group}", (lambda g: lambda s: reports.summary(s, period, g))(group))
        for group in (None, "desk", "day", "hour", "agent", "shop", "intent", "language")
    ]
    asks.append(
        ("summary shop=bench-shop-07 by day", lambda s: reports.summary(s, period, "day", Filters("bench-shop-07")))
    )
    asks.append(
        (
            "overview day,intent,agent,shop,desk",
            lambda s: reports.overview(s, period, ["day", "intent", "agent", "shop", "desk"]),
        )
    )
    asks.append(("distribution wait_s", lambda s: reports.distribution(s, period, "wait_s")))
    asks.append(("ratings max_score=2", lambda s: reports.ratings(s, period, at_most=2)))
    results = []
    try:
        for name, ask in asks:
            times = []
            for _ in range(repeat):
                async with session_factory(engine)() as session:
                    started = time.perf_counter()
                    await ask(session)
                    times.append(time.perf_counter() - started)
            results.append(
                {"report": name, "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3)}
            )
            print(f"  {name:<40} median {results[-1]['median_s']:.3f} s  max {results[-1]['max_s']:.3f} s", flush=True)
    finally:
        await engine.dispose()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the filled database for another run")
    parser.add_argument("--reuse", action="store_true", help="ask a database kept by --keep instead of filling one")
    args = parser.parse_args()
    workdir = Path(tempfile.gettempdir()) / "madoguchi-bench-reports"
    workdir.mkdir(exist_ok=True)
    if args.backend == "postgresql":
        url = f"postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/{POSTGRES_BENCH_DB}"
    else:
        url = f"sqlite+aiosqlite:///{workdir / f'reports-{args.conversations}.db'}"
    events = 0
    try:
        if not args.reuse:
            if args.backend == "postgresql":
                admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
                await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)')
                await admin.execute(f'CREATE DATABASE "{POSTGRES_BENCH_DB}"')
                await admin.close()
            else:
                (workdir / f"reports-{args.conversations}.db").unlink(missing_ok=True)
            print(f"filling {args.backend} with {args.conversations:,} conversations over {DAYS} days", flush=True)
            events, fill_s = await fill(url, args.conversations, args.seed)
            print(f"filled in {fill_s:.0f} s; asking", flush=True)
        results = await measure(url, args.repeat)
    finally:
        if not args.keep:
            if args.backend == "postgresql":
                admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
                await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)')
                await admin.close()
            else:
                (workdir / f"reports-{args.conversations}.db").unlink(missing_ok=True)
    summary = {
        "backend": args.backend,
        "conversations": args.conversations,
        "events": events,
        "days": DAYS,
        "results": results,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "commit": COMMIT,
        "date": datetime.now(UTC).date().isoformat(),
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
