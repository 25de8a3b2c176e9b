"""The components one process shares: settings, database, bus and the hub of open sockets."""

from __future__ import annotations

import asyncio
import contextlib
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from madoguchi.agents.auth import dummy_hash
from madoguchi.bus import Bus
from madoguchi.bus.base import create_bus
from madoguchi.channels.chat_frames import ChatFrames
from madoguchi.channels.email.service import EmailChannel, start_email
from madoguchi.channels.hub import Hub
from madoguchi.domain.clock import CLOCK, Clock
from madoguchi.integrations import delivery as webhook_delivery
from madoguchi.knowledge.helpcentre import help_centre
from madoguchi.logs import get_logger
from madoguchi.nlu.pipeline import NluPipeline, load_pipeline
from madoguchi.ratelimits import RateLimits
from madoguchi.routing import worker as routing_worker
from madoguchi.routing.desks import warm_holiday_calendar
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.migrate import check_schema
from madoguchi.store.tx import Tx
from madoguchi.trust.brands import load_directory
from madoguchi.trust.checker import TrustChecker
from madoguchi.trust.reports import load_lookalikes, trust_version

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

log = get_logger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: Bus
    hub: Hub
    write_lock: asyncio.Lock | None = None
    # The language-understanding pipeline, when the intent model has been built (`madoguchi nlu train`).
    nlu: NluPipeline | None = None
    # Inbound SMTP and the outbox sender, when MADOGUCHI_SMTP_LISTEN or MADOGUCHI_SMTP_RELAY is set.
    email: EmailChannel | None = None
    # Official-contact checks: the directory, and the lookalikes trust & safety confirmed.
    trust: TrustChecker = field(default_factory=TrustChecker)
    # The time every rule of this process reads (madoguchi.domain.clock); tests set it.
    clock: Clock = CLOCK
    _trust_refresher: asyncio.Task[None] | None = None
    _trust_version: tuple[object, ...] | None = None
    _routing: asyncio.Task[None] | None = None
    _webhooks: asyncio.Task[None] | None = None
    # When this process last looked for chats left with the bot (routing/worker.py).
    idle_checked_at: datetime | None = None
    # Seconds each step of the start took (logged with server.started; benchmarks/restart.py reads them).
    startup_s: dict[str, float] = field(default_factory=dict)
    # Limits on anonymous and public use, counted in Redis when there is one so that processes share them.
    limits: RateLimits = field(init=False)

    def __post_init__(self) -> None:
        self.limits = RateLimits(self.settings)

    async def refresh_trust(self) -> None:
        """Re-read directory edits and confirmed lookalikes when they changed; the checks switch to them in one
        assignment (and keep their warm caches when nothing changed)."""
        async with self.sessions() as session:
            version = await trust_version(session)
            if version == self._trust_version:
                return
            directory = await load_directory(session)
            lookalikes = await load_lookalikes(session)
        self.trust = TrustChecker(directory, lookalikes)
        self._trust_version = version

    async def _refresh_trust_forever(self) -> None:
        # Other processes' edits arrive within this period; this process's own take effect at once.
        while True:
            await asyncio.sleep(self.settings.trust_refresh_seconds)
            try:
                await self.refresh_trust()
            except Exception:
                log.warning("trust.refresh_failed", exc_info=True)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A transaction at the edge: the caller commits; anything raised rolls back."""
        # SQLite has one writer at a time and makes the others sleep in its busy handler (up to 100 ms a
        # try); queueing this process's transactions here instead keeps them in order and awake.
        async with self.write_lock or contextlib.nullcontext(), self.sessions() as session, Tx(session, self.bus) as tx:
            yield tx


class _Steps:
    """How long each step of the start takes: a restarted process should serve again at once (docs/operations.md)."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.into[name] = round(time.perf_counter() - started, 3)


def _load_and_warm(settings: Settings, steps: _Steps) -> NluPipeline | None:
    """Everything a first message or log-in would otherwise make on demand, made before the first customer
    waits for it: the model, the Japanese dictionary and the language identifier (one understanding), the
    log-in's stand-in hash and the holiday calendar. Runs in a thread, beside the start's database and Redis work."""
    with steps("dummy_hash"):
        dummy_hash()
    with steps("holidays"):
        # The routing worker's first pass reads desk hours; the calendar takes a third of a second to build.
        warm_holiday_calendar(CLOCK.now().astimezone(ZoneInfo("Asia/Tokyo")).date())
    if not settings.nlu_model.exists():
        return None
    with steps("nlu_load"):
        pipeline = load_pipeline(settings.nlu_model)
    with steps("nlu_warm_up"):
        pipeline.understand("注文した商品がまだ届きません。Where is my order?")
    return pipeline


async def start_runtime(settings: Settings, startup_s: dict[str, float] | None = None) -> Runtime:
    """Start this process's components. `startup_s` holds the steps timed before (the CLI's imports)."""
    if settings.clock_start is not None:
        CLOCK.set(settings.clock_start)
    timings = dict(startup_s or {})
    steps = _Steps(timings)
    engine = create_engine(settings.database_url)
    try:
        with steps("schema_check"):
            await check_schema(engine)
    except Exception:
        await engine.dispose()
        raise
    bus = create_bus(settings.redis_url, settings.bus_channel)
    runtime = Runtime(
        write_lock=asyncio.Lock() if settings.is_sqlite else None,
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        bus=bus,
        hub=Hub(),
        startup_s=timings,
    )
    # Read through the runtime at each event, so that the frames follow the clock the runtime holds.
    bus.subscribe(
        ChatFrames(
            runtime.hub,
            runtime.sessions,
            now=lambda: runtime.clock.now(),
            offer_after_s=settings.callback_offer_wait_seconds,
        ).on_event
    )
    # Off the event loop and beside the rest of the start: the model and the Japanese dictionary take a second.
    warming = asyncio.create_task(asyncio.to_thread(_load_and_warm, settings, steps))
    try:
        with steps("bus_start"):
            await bus.start()
    except Exception:
        await _finish(warming)
        await engine.dispose()
        raise
    try:
        with steps("trust_directory"):
            await runtime.refresh_trust()
        with steps("waiting_for_nlu"):
            runtime.nlu = await warming
        # After the warm-up thread, never beside it: the index is built with the same Japanese tokenizer, which
        # one thread at a time may use.
        with steps("help_centre"):
            async with runtime.sessions() as session:
                await help_centre(session)
        runtime._trust_refresher = asyncio.create_task(runtime._refresh_trust_forever())
        runtime._routing = asyncio.create_task(routing_worker.run_forever(runtime))
        runtime._webhooks = asyncio.create_task(webhook_delivery.run_forever(runtime))
        runtime.email = await start_email(runtime)
    except BaseException:
        await _finish(warming)
        await stop_runtime(runtime)
        raise
    return runtime


async def _finish(task: asyncio.Task[NluPipeline | None]) -> None:
    """Let the warm-up thread end before the process does (a thread cannot be cancelled)."""
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await task


async def stop_runtime(runtime: Runtime) -> None:
    if runtime._webhooks is not None:
        # A delivery cut short is sent again by the next process that starts: at least once.
        runtime._webhooks.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runtime._webhooks
    if runtime._routing is not None:
        runtime._routing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runtime._routing
    if runtime._trust_refresher is not None:
        runtime._trust_refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runtime._trust_refresher
    if runtime.email is not None:
        await runtime.email.stop()
    await runtime.bus.stop()
    await runtime.engine.dispose()
