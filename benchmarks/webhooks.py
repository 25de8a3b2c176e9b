"""Webhook delivery: latency (an event committed → the receiver has it) and throughput (a backlog drained) of
one Madoguchi process's deliverer, on SQLite and on PostgreSQL.

The events are operators' notes (`actions.do_add_note`: a message and its `message.created` event, whose
delivery the outbox writes in the same transaction), on conversations opened with `actions.do_open_chat`; the
deliverer is the one `start_runtime` starts, as in `madoguchi serve`. The receiver is a separate process (a
standard-library HTTP server answering 200) that notes when each delivery arrived on the system's monotonic
clock, which both processes share.

- latency: one note at a time, each waited for before the next (the deliverer is woken by the committed event);
- throughput: the subscription paused, a backlog of notes over many conversations written, then resumed; the
  time until the receiver has all of them, each conversation's in order, none twice.

    .venv/bin/python benchmarks/webhooks.py                          # both databases
    .venv/bin/python benchmarks/webhooks.py --scenario sqlite --backlog 500 --json

Results: docs/benchmarks.md, "Webhooks".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, select

from madoguchi.conversations import actions
from madoguchi.demo.seed import seed
from madoguchi.integrations import webhooks
from madoguchi.runtime import Runtime, start_runtime, stop_runtime
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.migrate import upgrade
from madoguchi.store.models import Agent, Conversation, ConversationEvent

POSTGRES_ADMIN_URL = "postgresql://postgres:postgres@127.0.0.1:5432/test"
POSTGRES_BENCH_DB = "madoguchi_bench_webhooks"
WAIT_S = 600.0
RECEIVER = r"""
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        sys.stdout.write(f"{time.monotonic()} {self.headers['Madoguchi-Event-Id']} {len(body)}\n")
        sys.stdout.flush()

    def log_message(self, *args):
        pass

class Server(ThreadingHTTPServer):
    request_queue_size = 1024  # the default 5 drops connections beyond it (a second's retransmission each)

server = Server(("127.0.0.1", 0), Handler)
sys.stdout.write(f"{server.server_address[1]}\n")
sys.stdout.flush()
server.serve_forever()
"""


class Receiver:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{self.process.stdout.readline().strip()}/hooks"
        self.arrivals: dict[str, float] = {}
        self.order: list[str] = []

    async def wait_for(self, count: int) -> None:
        """Read arrivals until `count` have come in (at most WAIT_S)."""
        assert self.process.stdout is not None
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + WAIT_S
        while len(self.order) < count:
            line = await asyncio.wait_for(
                loop.run_in_executor(None, self.process.stdout.readline), deadline - time.monotonic()
            )
            at, event_id, _ = line.split()
            self.order.append(event_id)
            self.arrivals.setdefault(event_id, float(at))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


async def _prepare(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            await seed(session)
            await session.commit()
    finally:
        await engine.dispose()


async def _conversations(runtime: Runtime, count: int) -> list[str]:
    async with runtime.transaction() as tx:
        opened = [await actions.do_open_chat(tx, customer_id="c001", shop_id=None, language="ja") for _ in range(count)]
        await tx.commit()
    return [conversation.id for conversation in opened]


async def _note(runtime: Runtime, agent_id: int, conversation_id: str, text: str) -> str:
    """A note on the conversation, committed; the id of its `message.created` event."""
    async with runtime.transaction() as tx:
        agent = await tx.session.get(Agent, agent_id)
        conversation = await tx.session.get(Conversation, conversation_id, with_for_update=True)
        assert agent is not None
        assert conversation is not None
        await actions.do_add_note(tx, agent, conversation, text=text)
        # The conversation is locked: its latest event is this note's.
        event_id = await tx.session.scalar(
            select(func.max(ConversationEvent.id)).where(ConversationEvent.conversation_id == conversation_id)
        )
        await tx.commit()
    return f"evt_{event_id}"


async def run(scenario: str, url: str, latency_events: int, backlog: int, conversations: int) -> dict[str, Any]:
    await _prepare(url)
    receiver = Receiver()
    settings = Settings(
        environment="test",
        database_url=url,
        smtp_listen="",
        webhooks_allow_private=True,
        nlu_model=Path("/nonexistent"),
    )
    runtime = await start_runtime(settings)
    try:
        async with runtime.transaction() as tx:
            subscription, _ = await webhooks.do_subscribe(
                tx.session,
                url=receiver.url,
                events=["message.created"],
                shop_id=None,
                created_by="benchmark",
                now=runtime.clock.now(),
                allow_private=True,
            )
            admin = await tx.session.scalar(select(Agent.id).where(Agent.email == "admin@madoguchi.localhost"))
            await tx.commit()
        assert admin is not None
        ids = await _conversations(runtime, conversations)

        # Latency: one at a time.
        latencies = []
        for n in range(latency_events):
            started = time.monotonic()
            event_id = await _note(runtime, admin, ids[n % len(ids)], f"メモ {n}")
            await receiver.wait_for(len(receiver.order) + 1)
            latencies.append((receiver.arrivals[event_id] - started) * 1000)

        # Throughput: a backlog drained.
        async with runtime.transaction() as tx:
            found = await webhooks.subscription(tx.session, subscription.id, None, for_update=True)
            webhooks.do_pause(found, "benchmark")
            await tx.commit()
        expected: dict[str, list[str]] = {conversation_id: [] for conversation_id in ids}
        for n in range(backlog):
            conversation_id = ids[n % len(ids)]
            expected[conversation_id].append(await _note(runtime, admin, conversation_id, f"バックログ {n}"))
        before = len(receiver.order)
        started = time.monotonic()
        async with runtime.transaction() as tx:
            found = await webhooks.subscription(tx.session, subscription.id, None, for_update=True)
            await webhooks.do_resume(tx.session, found, runtime.clock.now())
            await tx.commit()
        await receiver.wait_for(before + backlog)
        elapsed = max(receiver.arrivals[event_id] for ids_ in expected.values() for event_id in ids_) - started
        received = receiver.order[before:]
        in_order = all(
            [event_id for event_id in received if event_id in set(chain)] == chain for chain in expected.values()
        )
    finally:
        await stop_runtime(runtime)
        receiver.stop()
    latencies.sort()
    return {
        "scenario": scenario,
        "latency_events": latency_events,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p90": round(latencies[int(len(latencies) * 0.9) - 1], 1),
            "p99": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 1),
            "max": round(latencies[-1], 1),
        },
        "backlog": backlog,
        "conversations": conversations,
        "drain_s": round(elapsed, 2),
        "deliveries_per_second": round(backlog / elapsed, 1),
        "duplicates": len(received) - len(set(received)),
        "in_order_per_conversation": in_order,
    }


async def _fresh_postgres() -> str:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_BENCH_DB} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {POSTGRES_BENCH_DB}")
    finally:
        await connection.close()
    return f"postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/{POSTGRES_BENCH_DB}"


async def _drop_postgres() -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_BENCH_DB} WITH (FORCE)")
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--latency-events", type=int, default=100)
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    if args.scenario in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            results.append(await run("sqlite", url, args.latency_events, args.backlog, args.conversations))
    if args.scenario in ("postgres", "both"):
        url = await _fresh_postgres()
        try:
            results.append(await run("postgres", url, args.latency_events, args.backlog, args.conversations))
        finally:
            await _drop_postgres()
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    if args.json:
        print(json.dumps({"machine": machine, "results": results}, ensure_ascii=False))
        return
    for result in results:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
