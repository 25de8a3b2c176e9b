"""Shared fixtures: the same tests run against SQLite and against PostgreSQL (+ Redis for the bus).

PostgreSQL and Redis are expected on their standard local ports (`make test` starts them). When they are
not there, the PostgreSQL tests fail with a message saying so: nothing is skipped silently.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import uvicorn
from redis.asyncio import Redis
from sqlalchemy import delete, event, text, update

from madoguchi.conversations import facts
from madoguchi.demo.seed import customer_row, load_demo_data, seed
from madoguchi.domain.clock import CLOCK, Clock
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.migrate import current_revision, head_revision, upgrade
from madoguchi.store.models import Agent, Conversation, ConversationEvent, Customer, Desk, Shop
from madoguchi.web.app import create_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine, Iterator
    from pathlib import Path

POSTGRES_ADMIN_URL = os.environ.get("MADOGUCHI_TEST_POSTGRES", "postgresql://postgres:postgres@127.0.0.1:5432/test")
# Per test session, so that two sessions on one machine (or a benchmark) never share data or events.
POSTGRES_DB = f"madoguchi_test_{os.getpid()}"
REDIS_URL = os.environ.get("MADOGUCHI_TEST_REDIS", "redis://127.0.0.1:6379/15")
BUS_CHANNEL = f"madoguchi:test:{os.getpid()}"
# Tables that tests write; the demo marketplace itself is loaded once per session and kept.
_DEMO = load_demo_data()
_DEMO_CUSTOMERS = [customer_row(spec) for spec in _DEMO.customers]
_DEMO_AGENTS = {
    spec.email.lower(): {
        "name": spec.name,
        "role": spec.role,
        "shop_id": spec.shop,
        "desks": list(spec.desks),
        "languages": list(spec.languages),
        "chat_capacity": spec.chat_capacity,
        "email_capacity": spec.email_capacity,
        "active": True,
    }
    for spec in _DEMO.agents
}
_DEMO_DESKS = {
    spec.id: {
        "name_ja": spec.name_ja,
        "name_en": spec.name_en,
        "hours": dict(spec.hours),
        "closed_days": [],
        "languages": list(spec.languages),
        "channels": list(spec.channels),
        "first_response_minutes": spec.first_response_minutes,
        "first_response_minutes_by_channel": dict(spec.first_response_minutes_by_channel),
        "resolution_hours": spec.resolution_hours,
        "sla_clock": spec.sla_clock,
    }
    for spec in _DEMO.desks
}
_DEMO_SHOPS = {
    spec.id: {
        "name": spec.name,
        "name_en": spec.name_en,
        "hours": dict(spec.hours),
        "closed_days": [],
        "languages": list(spec.languages),
        "reply_promise_hours": spec.reply_promise_hours,
        "contact_email": spec.contact_email,
        "suspended": False,
    }
    for spec in _DEMO.shops
}
_CUSTOMER_FIELDS = ("name", "name_kana", "email", "phone", "prefecture", "address")
_CONVERSATION_TABLES = (
    "conversation_events",
    "messages",
    "conversations",
    "agent_sessions",
    "lookalikes",
    "trust_reports",
    "trust_brands",
    "audit_log",
    "canned_responses",
    "api_tokens",
    "webhook_deliveries",
    "webhook_subscriptions",
)


# Where every test starts: a Wednesday afternoon in Tokyo, no public holiday, every desk of the demo open. The
# clock runs on from there; a test that needs another hour or day sets it (`clock.set`, `clock.advance`).
REFERENCE_TIME = datetime(2026, 12, 9, 14, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(scope="session", autouse=True)
def _session_clock() -> Iterator[None]:
    # Set for the session too, so that the demo data seeded once (orders delivered "3 days ago") is seeded
    # relative to the same time as the tests read it.
    CLOCK.set(REFERENCE_TIME)
    yield
    CLOCK.follow_system()


@pytest.fixture(autouse=True)
def clock() -> Clock:
    """The process's clock, at `REFERENCE_TIME` when the test starts and running on from there."""
    CLOCK.set(REFERENCE_TIME)
    return CLOCK


def postgres_url(database: str = POSTGRES_DB) -> str:
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


async def _migrate_and_seed(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            await seed(session)
            await session.commit()
    finally:
        await engine.dispose()


def _run_in_thread(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run set-up work on its own loop: session fixtures may be first requested from inside a test's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "madoguchi.db"
    _run_in_thread(_migrate_and_seed(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    async def prepare() -> None:
        try:
            admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        except (OSError, asyncpg.PostgresError) as exc:
            pytest.fail(
                f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc}): run `make services` "
                "or `make test`, or set MADOGUCHI_TEST_POSTGRES; use `make test-sqlite` for SQLite only."
            )
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{POSTGRES_DB}"')
        finally:
            await admin.close()
        await _migrate_and_seed(postgres_url())

    async def drop() -> None:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)')
        finally:
            await admin.close()

    _run_in_thread(prepare())
    yield postgres_url()
    _run_in_thread(drop())


async def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {', '.join(_CONVERSATION_TABLES)} CASCADE"))
            await connection.execute(text("DELETE FROM customers WHERE is_anonymous"))
            # A test may have created, changed or deactivated operators (administration): back to the demo's.
            await connection.execute(delete(Agent).where(Agent.email.not_in(list(_DEMO_AGENTS))))
            for email, values in _DEMO_AGENTS.items():
                await connection.execute(update(Agent).where(Agent.email == email).values(values))
            # A test may have changed desks or created, changed or suspended shops (administration).
            for desk_id, values in _DEMO_DESKS.items():
                await connection.execute(update(Desk).where(Desk.id == desk_id).values(values))
            await connection.execute(delete(Shop).where(Shop.id.not_in(list(_DEMO_SHOPS))))
            for shop_id, values in _DEMO_SHOPS.items():
                await connection.execute(update(Shop).where(Shop.id == shop_id).values(values))
            # A test may have erased a demo customer's personal data (a data request): put it back.
            for customer in _DEMO_CUSTOMERS:
                await connection.execute(
                    update(Customer)
                    .where(Customer.id == customer.id)
                    .values({column: getattr(customer, column) for column in _CUSTOMER_FIELDS})
                )
            await connection.execute(
                text(
                    "UPDATE agents SET totp_enabled = false, totp_secret = NULL,"
                    " presence = 'offline', idle_since = NULL"
                )
            )
    finally:
        await engine.dispose()
    # Rate-limit counters (failed log-ins, public checks) live in Redis across server processes.
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{BUS_CHANNEL}:limits*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings of a process on a clean demo database: SQLite alone, or PostgreSQL with the Redis bus.

    Whatever the test did, the facts kept for reports must then say what its event log says."""
    if request.param == "sqlite":
        path = tmp_path / "madoguchi.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        settings = Settings(environment="test", database_url=f"sqlite+aiosqlite:///{path}", smtp_listen="")
    else:
        url = request.getfixturevalue("postgres_database")
        await _reset_postgres(url)
        settings = Settings(
            environment="test", database_url=url, redis_url=REDIS_URL, bus_channel=BUS_CHANNEL, smtp_listen=""
        )
    yield settings
    await _facts_agree_with_the_events(settings.database_url)


async def _facts_agree_with_the_events(url: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            if await current_revision(engine) != head_revision():
                return  # a test of the schema itself left it at another revision: no facts to compare
            differing = await facts.disagreements(session)
    finally:
        await engine.dispose()
    assert not differing, "kept facts differ from the event log:\n" + "\n".join(differing[:20])


@asynccontextmanager
async def running_server(settings: Settings) -> AsyncIterator[str]:
    """A real `madoguchi` HTTP + WebSocket server on a free loopback port, in this event loop."""
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_config=None, ws_max_size=64 * 1024, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
        raise RuntimeError("the server stopped during start-up")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[str]:
    async with running_server(settings) as base_url:
        yield base_url


_WRITER = "madoguchi.conversations"
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ConversationWriteGuard:
    """Notes every write of a conversation's state or of an event row made outside `madoguchi.conversations`.

    SQLAlchemy calls the listeners from inside the write itself, so the writer is the first frame on the stack
    that is neither SQLAlchemy's nor this guard's. Servers started by `running_server` run in this process and
    are watched too; a `madoguchi serve` started as a subprocess is not. A bulk `UPDATE` or `INSERT` fires no
    listener: tests/test_layering.py looks for those in the source.
    """

    def __init__(self) -> None:
        self._violations: list[str] = []
        # The demo database is seeded on a thread of its own.
        self._lock = threading.Lock()

    def take(self) -> list[str]:
        """The writes noted since the last call; they are forgotten once taken."""
        with self._lock:
            taken, self._violations = self._violations, []
        return taken

    def on_state_set(self, target: Conversation, value: object, oldvalue: object, initiator: object) -> None:
        self._check(f"Conversation.state = {value!r}")

    def on_event_created(self, target: ConversationEvent, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._check(f"ConversationEvent(type={kwargs.get('type')!r})")

    def _check(self, what: str) -> None:
        frame = inspect.currentframe()
        while frame is not None:
            module = str(frame.f_globals.get("__name__", ""))
            if not (module.split(".")[0] == "sqlalchemy" or frame.f_code.co_filename == __file__):
                break
            frame = frame.f_back
        if frame is None:
            # Only SQLAlchemy on the stack (a write inside the async session's greenlet): nobody to name.
            writer = "SQLAlchemy, called from a place this guard cannot see"
        else:
            if module == _WRITER or module.startswith(f"{_WRITER}."):
                return
            filename = os.path.relpath(frame.f_code.co_filename, _ROOT)
            writer = f"{module} ({filename}:{frame.f_lineno}, in {frame.f_code.co_name})"
        with self._lock:
            self._violations.append(f"{what} by {writer}")


@pytest.fixture(scope="session", autouse=True)
def conversation_write_guard() -> Iterator[ConversationWriteGuard]:
    """Only `conversations/` sets a conversation's state or creates an event row, in every test of the session."""
    guard = ConversationWriteGuard()
    event.listen(Conversation.state, "set", guard.on_state_set)
    event.listen(ConversationEvent, "init", guard.on_event_created)
    yield guard
    event.remove(ConversationEvent, "init", guard.on_event_created)
    event.remove(Conversation.state, "set", guard.on_state_set)


@pytest.fixture(autouse=True)
def _writes_go_through_conversations(conversation_write_guard: ConversationWriteGuard) -> Iterator[None]:
    # Checked after the test's other fixtures are torn down, so that a server's last writes are counted too.
    yield
    violations = conversation_write_guard.take()
    if violations:
        pytest.fail(
            'Written outside madoguchi.conversations (DESIGN.md, "One event log, one state machine"):\n'
            + "\n".join(violations),
            pytrace=False,
        )
