"""No mail lost: the sending server hears `250` only once the mail is committed. A failed commit answers
`451` and keeps nothing; a server killed between DATA and the commit never said `250`, so the sender keeps the
mail and sends it again, and it is stored once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import InboundEmail
from madoguchi.store.tx import Tx
from tests.channels.email.mailbox import CUSTOMER, SUPPORT, free_port, send_mail, text_mail
from tests.conftest import POSTGRES_ADMIN_URL

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from madoguchi.settings import Settings
    from tests.channels.email.conftest import Desk

MADOGUCHI = str(Path(sys.executable).with_name("madoguchi"))
ROOT = Path(__file__).resolve().parents[3]


async def _stored(database_url: str) -> list[InboundEmail]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(InboundEmail)))
    finally:
        await engine.dispose()


async def test_a_failed_commit_answers_451_and_keeps_nothing(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    commit = Tx.commit
    failures = [OperationalError("COMMIT", {}, Exception("disk I/O error"))]

    async def failing_once(self: Tx) -> None:
        if failures:
            raise failures.pop()
        await commit(self)

    monkeypatch.setattr(Tx, "commit", failing_once)
    raw = text_mail("保存できない", "一度目は保存に失敗します。")
    refused = await send_mail(desk.smtp_port, raw)
    assert refused.code == 451
    assert b"send it again" in refused.text
    assert await desk.all(select(InboundEmail)) == []

    accepted = await send_mail(desk.smtp_port, raw)
    assert accepted.code == 250
    assert len(await desk.all(select(InboundEmail))) == 1


@asynccontextmanager
async def _serve(settings: Settings, smtp_port: int, log: Path) -> AsyncIterator[subprocess.Popen[bytes]]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MADOGUCHI_")}
    env |= {
        "MADOGUCHI_ENVIRONMENT": "test",
        "MADOGUCHI_DATABASE_URL": settings.database_url,
        "MADOGUCHI_SMTP_LISTEN": f"127.0.0.1:{smtp_port}",
    }
    if settings.redis_url:
        env |= {"MADOGUCHI_REDIS_URL": settings.redis_url, "MADOGUCHI_BUS_CHANNEL": settings.bus_channel}
    with log.open("ab") as output:
        process = subprocess.Popen(
            [MADOGUCHI, "serve", "--port", str(free_port())], env=env, stdout=output, stderr=output, cwd=ROOT
        )
    try:
        for _ in range(600):
            if process.poll() is not None:
                pytest.fail(f"madoguchi serve exited with {process.returncode}: {log.read_text()}")
            with suppress(OSError), socket.create_connection(("127.0.0.1", smtp_port), timeout=1) as probe:
                if probe.recv(100).startswith(b"220"):
                    break
            await asyncio.sleep(0.1)
        else:
            pytest.fail(f"madoguchi serve did not listen for SMTP within 60 s: {log.read_text()}")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)


def _smtp_until_data_end(port: int, raw: bytes) -> socket.socket:
    """A sending server's conversation up to the end of DATA; returns the socket waiting for the answer."""
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    reader = client.makefile("rb")

    def expect(prefix: bytes) -> None:
        while True:
            line = reader.readline()
            assert line.startswith(prefix), line
            if line[3:4] != b"-":
                return

    expect(b"220")
    for command, reply in (
        (b"EHLO customer.example.jp", b"250"),
        (f"MAIL FROM:<{CUSTOMER}>".encode(), b"250"),
        (f"RCPT TO:<{SUPPORT}>".encode(), b"250"),
        (b"DATA", b"354"),
    ):
        client.sendall(command + b"\r\n")
        expect(reply)
    client.sendall(raw + b".\r\n")
    return client


class _DatabaseHeld:
    """Another session holding the tables the mail is written to, so the server stops just before its commit."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._sqlite: sqlite3.Connection | None = None
        self._postgres: asyncpg.Connection | None = None

    async def __aenter__(self) -> None:
        if self.settings.is_sqlite:
            self._sqlite = sqlite3.connect(self.settings.database_url.split(":///", 1)[1], isolation_level=None)
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            database = self.settings.database_url.rsplit("/", 1)[1]
            self._postgres = await asyncpg.connect(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}")
            await self._postgres.execute("BEGIN; LOCK TABLE customers IN EXCLUSIVE MODE")

    async def __aexit__(self, *exc: object) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
        if self._postgres is not None:
            await self._postgres.execute("ROLLBACK")
            await self._postgres.close()


async def test_a_server_killed_before_its_commit_never_said_250_and_the_resent_mail_is_kept_once(
    settings: Settings, tmp_path: Path
) -> None:
    smtp_port = free_port()
    log = tmp_path / "serve.log"
    raw = text_mail("停電の前に", "このメールは一度だけ保存されるべきです。")
    async with _serve(settings, smtp_port, log) as process:
        async with _DatabaseHeld(settings):
            client = await asyncio.to_thread(_smtp_until_data_end, smtp_port, raw)
            client.settimeout(1.5)
            with pytest.raises(TimeoutError):
                client.recv(100)  # the server is storing the mail and has not answered
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=15)
            client.settimeout(5)
            try:
                answer = client.recv(100)
            except ConnectionResetError:
                answer = b""
            client.close()
            assert not answer.startswith(b"250"), answer
    assert await _stored(settings.database_url) == []

    # The sending server still has the mail and tries again once Madoguchi is back.
    async with _serve(settings, smtp_port, log):
        resent = await send_mail(smtp_port, raw)
    assert resent.code == 250, log.read_text()
    assert len(await _stored(settings.database_url)) == 1
