"""The components one process shares: settings, database, bus and the hub of open sockets."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from madoguchi.bus import Bus
from madoguchi.bus.base import create_bus
from madoguchi.channels.chat_frames import ChatFrames
from madoguchi.channels.email.service import EmailChannel, start_email
from madoguchi.channels.hub import Hub
from madoguchi.domain.clock import CLOCK, Clock
from madoguchi.logs import get_logger
from madoguchi.nlu.pipeline import NluPipeline, load_pipeline
from madoguchi.ratelimits import RateLimits
from madoguchi.routing import worker as routing_worker
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.migrate import check_schema
from madoguchi.store.tx import Tx
from madoguchi.trust.brands import load_directory
from madoguchi.trust.checker import TrustChecker
from madoguchi.trust.reports import load_lookalikes, trust_version

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

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
    # When this process last looked for chats left with the bot (routing/worker.py).
    idle_checked_at: datetime | None = None
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


async def start_runtime(settings: Settings) -> Runtime:
    if settings.clock_start is not None:
        CLOCK.set(settings.clock_start)
    engine = create_engine(settings.database_url)
    try:
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
    if settings.nlu_model.exists():
        # Read once per process, off the event loop: the model and the Japanese dictionary take a second.
        runtime.nlu = await asyncio.to_thread(load_pipeline, settings.nlu_model)
    try:
        await bus.start()
    except Exception:
        await engine.dispose()
        raise
    try:
        await runtime.refresh_trust()
        runtime._trust_refresher = asyncio.create_task(runtime._refresh_trust_forever())
        runtime._routing = asyncio.create_task(routing_worker.run_forever(runtime))
        runtime.email = await start_email(runtime)
    except BaseException:
        await stop_runtime(runtime)
        raise
    return runtime


async def stop_runtime(runtime: Runtime) -> None:
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
