"""The database engine and sessions, configured the same way for every process."""

from __future__ import annotations

import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


class _OnTheLoopsThread(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the event loop's own thread.

    aiosqlite hands every call to a worker thread and wakes the loop with its result: for a server, whose loop
    must never wait for the disk, that is the point. A batch job that writes alone (seeding the demo and its
    history) waits for each statement anyway, and the hand-off then doubles the cost of tens of thousands of
    small statements.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def create_engine(url: str, *, batch: bool = False, **kwargs: Any) -> AsyncEngine:
    """The engine of `url`. `batch`: for a process that only writes and does nothing else meanwhile (the
    seeding); on SQLite its statements then run on the event loop's thread. Never for a server."""
    if url.startswith("sqlite"):
        if batch:
            database = make_url(url).database or ":memory:"

            async def connect() -> aiosqlite.Connection:
                # check_same_thread: the connection is opened on aiosqlite's thread and used on the loop's.
                return await _OnTheLoopsThread(
                    lambda: sqlite3.connect(database, timeout=30, check_same_thread=False), 64
                )

            kwargs["async_creator"] = connect
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets readers (history loads) proceed while one writer commits; NORMAL sync is durable
            # across process crashes, which is what "committed before acknowledged" needs.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
