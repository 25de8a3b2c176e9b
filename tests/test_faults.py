"""Faults from outside while customers chat: two `madoguchi serve` processes on their own PostgreSQL and Redis;
one process is killed with -9 and started again, Redis is stopped and started again, PostgreSQL is restarted.
Every message a customer saw acknowledged is in the database exactly once, with its text; nothing escapes the
chat handler; and chat is accepted throughout the Redis outage.

The servers here are throw-away ones (their own data directory and ports), never the machine's shared
PostgreSQL and Redis, which other test sessions use at the same time."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx
import pytest
import websockets
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from madoguchi.domain.clock import utcnow
from tests.conftest import _migrate_and_seed

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from websockets.asyncio.client import ClientConnection

pytestmark = [pytest.mark.multiprocess, pytest.mark.postgres]
MADOGUCHI = str(Path(sys.executable).with_name("madoguchi"))
INSTALL_HINT = (
    "the fault test starts its own PostgreSQL and Redis servers: install them with "
    "`apt-get install postgresql redis-server` (scripts/services.sh, run by `make test`, does it)"
)
CUSTOMERS = 12
# Each customer writes again this long after an acknowledgement: about 40 messages a second in all, with the bot
# answering each, which two processes on a shared two-core machine take without falling behind.
PAUSE_S = 0.3
ACK_TIMEOUT_S = 10.0
# A message must be acknowledged within this long, resends included, or the service counts as down.
DELIVERY_DEADLINE_S = 45.0
REDIS_OUTAGE_S = 3.0


def _progress(what: str) -> None:
    # Where a slow run spends its time, seen with `pytest -s`.
    print(time.strftime("%H:%M:%S"), what, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _postgres_program(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: int(Path(path).parts[4]))
    program = found[-1] if found else shutil.which(name)
    if program is None:
        pytest.fail(f"{name} not found in /usr/lib/postgresql/*/bin or on PATH: {INSTALL_HINT}")
    return program


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user then."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail(f"running as root, and there is no `postgres` user to run PostgreSQL as: {INSTALL_HINT}")
    return ["runuser", "-u", "postgres", "--"]


class OwnPostgres:
    """A PostgreSQL server on a temporary data directory and a free port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = _free_port()
        self.prefix = _as_postgres_user()
        self.pg_ctl = _postgres_program("pg_ctl")
        self.initdb = _postgres_program("initdb")

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self.prefix, *command], capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            pytest.fail(f"{' '.join(command)} failed: {done.stdout}{done.stderr}{log}")

    def start(self) -> None:
        if self.prefix:
            user = pwd.getpwnam("postgres")
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory} "
            "-c fsync=off -c max_connections=200"
        )
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def restart_fast(self) -> None:
        """A fast shutdown (every session is ended, open transactions roll back), then a start."""
        # -l again: without it the new postmaster would write to (and hold open) this call's output pipe.
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        subprocess.run(
            [*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )

    def url(self, database: str, driver: str = "postgresql") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"


class OwnRedis:
    """A redis-server on a free port, without persistence."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        program = shutil.which("redis-server")
        if program is None:
            pytest.fail(f"redis-server not found on PATH: {INSTALL_HINT}")
        self.program = program

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        with (self.directory / "redis.log").open("ab") as output:
            self.process = subprocess.Popen(
                [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=self.directory,
                stdout=output,
                stderr=output,
            )
        client = Redis.from_url(self.url)
        try:
            for _ in range(100):
                with contextlib.suppress(OSError, RedisConnectionError):
                    if await client.ping():
                        return
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()
        pytest.fail("redis-server did not answer within 5 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Serve:
    """One `madoguchi serve` process, which may be killed and started again on the same port; with `workers`, a
    supervising parent whose worker may be killed and is forked again (`--workers 1`)."""

    name: str
    env: dict[str, str]
    log: Path
    workers: bool = False
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> float:
        """Start the process and return the seconds until it answered /healthz."""
        started = time.monotonic()
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    MADOGUCHI,
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    *(["--workers", "1"] if self.workers else []),
                ],
                env=self.env,
                stdout=output,
                stderr=output,
            )
        return await self.serving(started)

    async def serving(self, started: float) -> float:
        """The seconds from `started` until /healthz answers."""
        assert self.process is not None
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() - started < 60:
                if self.process.poll() is not None:
                    pytest.fail(f"{self.name} exited with {self.process.returncode}: {self.log.read_text()[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.base}/healthz")).json() == {"status": "ok"}:
                        return time.monotonic() - started
                await asyncio.sleep(0.05)
        pytest.fail(f"{self.name} did not answer /healthz within 60 s: {self.log.read_text()[-3000:]}")

    def kill_worker(self) -> None:
        """kill -9 of the supervised worker serving now (its parent forks another)."""
        pids = [
            entry["pid"]
            for line in self.log.read_text().splitlines()
            if '"serve.worker_started"' in line and (entry := json.loads(line))["event"] == "serve.worker_started"
        ]
        os.kill(pids[-1], signal.SIGKILL)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@dataclass
class Ack:
    client_id: str
    text: str
    message_id: str
    conversation_id: str
    server: str
    at: float


@dataclass
class Tally:
    """What the customers saw."""

    acks: dict[str, Ack] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)  # client_id -> text, every message written
    undelivered: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    # (time, server, what): every refusal and every lost socket, to tell when they happened
    incidents: list[tuple[float, str, str]] = field(default_factory=list)
    resends: int = 0
    reconnects: int = 0


class Customer:
    """An anonymous customer's browser: one chat, resumed with its visitor token on whichever process answers,
    and every message resent with the same client_id until it is acknowledged."""

    def __init__(self, index: int, servers: list[Serve], tally: Tally) -> None:
        self.index = index
        self.servers = servers
        self.tally = tally
        self.visitor: str | None = None
        self.conversation_id: str | None = None
        self.socket: ClientConnection | None = None
        self.server = servers[index % len(servers)]
        self.attempt = index
        # Set to come back to the first process tried (a reload) before the next message.
        self.home = False

    async def _connect(self) -> None:
        # Its own process first, as a load balancer would send it; the other one when that does not answer.
        self.attempt = self.index
        while self.socket is None:
            self.server = self.servers[self.attempt % len(self.servers)]
            self.attempt += 1
            url = self.server.base.replace("http://", "ws://") + "/ws/chat"
            if self.visitor:
                url += f"?visitor={self.visitor}"
            try:
                socket = await websockets.connect(url, open_timeout=ACK_TIMEOUT_S)
                hello = json.loads(await asyncio.wait_for(socket.recv(), ACK_TIMEOUT_S))
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                self._incident(f"connect: {type(exc).__name__}")
                await asyncio.sleep(0.2)
                continue
            if hello["type"] != "hello":
                self._incident(f"hello refused: {hello.get('code')}")
                with contextlib.suppress(websockets.WebSocketException):
                    await socket.close()
                await asyncio.sleep(0.2)
                continue
            self.visitor = hello.get("visitor_token", self.visitor)
            if self.conversation_id is None:
                self.conversation_id = hello["conversation_id"]
            # The open chat is resumed, wherever the customer lands.
            assert hello["conversation_id"] == self.conversation_id, hello
            self.socket = socket

    def _incident(self, what: str) -> None:
        self.tally.incidents.append((time.monotonic(), self.server.name, what))
        self.tally.errors[what] += 1

    async def _drop(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(websockets.WebSocketException, OSError):
                await self.socket.close()
        self.socket = None
        self.tally.reconnects += 1

    async def deliver(self, text: str) -> None:
        if self.home:
            self.home = False
            if self.server is not self.servers[self.index % len(self.servers)]:
                await self._drop()
        client_id = str(uuid.uuid4())
        self.tally.sent[client_id] = text
        deadline = time.monotonic() + DELIVERY_DEADLINE_S
        first = True
        while time.monotonic() < deadline:
            await self._connect()
            assert self.socket is not None
            if not first:
                self.tally.resends += 1
            first = False
            try:
                await self.socket.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))
                while True:
                    frame = json.loads(await asyncio.wait_for(self.socket.recv(), ACK_TIMEOUT_S))
                    if frame.get("client_id") != client_id or frame["type"] not in ("ack", "error"):
                        continue
                    if frame["type"] == "ack":
                        self.tally.acks[client_id] = Ack(
                            client_id,
                            text,
                            frame["message_id"],
                            self.conversation_id or "",
                            self.server.name,
                            time.monotonic(),
                        )
                        return
                    self._incident(f"error frame: {frame.get('code')}")
                    await asyncio.sleep(0.2)
                    break
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                self._incident(f"socket: {type(exc).__name__}")
                await self._drop()
        self.tally.undelivered.append(client_id)

    async def chat(self, stop: asyncio.Event) -> None:
        number = 0
        try:
            while not stop.is_set():
                number += 1
                await self.deliver(f"お客様{self.index}番、{number}通目です。注文した商品がまだ届きません。")
                await asyncio.sleep(PAUSE_S)
        finally:
            if self.socket is not None:
                with contextlib.suppress(websockets.WebSocketException, OSError):
                    await self.socket.close()


async def _new_visitor_writes(server: Serve) -> str:
    """A new anonymous chat on `server`, and one message: the type of the answer ("ack", "error")."""
    url = server.base.replace("http://", "ws://") + "/ws/chat"
    async with websockets.connect(url, open_timeout=ACK_TIMEOUT_S) as chat:
        hello = json.loads(await asyncio.wait_for(chat.recv(), ACK_TIMEOUT_S))
        assert hello["type"] == "hello", hello
        client_id = str(uuid.uuid4())
        text = f"Redisが止まっていても{server.name}に届きますか"
        await chat.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))
        while True:
            frame = json.loads(await asyncio.wait_for(chat.recv(), ACK_TIMEOUT_S))
            if frame.get("client_id") == client_id and frame["type"] in ("ack", "error"):
                return str(frame["type"])


@pytest.fixture
def fault_directory() -> Iterator[Path]:
    # Not pytest's tmp_path: the postgres user must be able to enter it.
    directory = Path(tempfile.mkdtemp(prefix="madoguchi-faults-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.asynccontextmanager
async def own_services(directory: Path) -> AsyncIterator[tuple[OwnPostgres, OwnRedis]]:
    (directory / "pg").mkdir()
    (directory / "redis").mkdir()
    postgres = OwnPostgres(directory / "pg")
    redis = OwnRedis(directory / "redis")
    try:
        await asyncio.to_thread(postgres.start)
        await redis.start()
        yield postgres, redis
    finally:
        redis.stop()
        await asyncio.to_thread(postgres.stop)


def _escaped(log: Path) -> list[str]:
    """Lines of a server's output that say an error got past the chat handler (or anywhere unhandled)."""
    escaped = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            if "Traceback" in line or "Exception in ASGI application" in line:
                escaped.append(line)
            continue
        if not isinstance(entry, dict):
            continue
        if "Exception in ASGI application" in str(entry.get("event")) or entry.get("logger") == "asyncio":
            escaped.append(line[:3000])
    return escaped


@pytest.mark.timeout(300)
async def test_kill_9_redis_and_postgresql_restarts_lose_and_duplicate_no_acknowledged_message(
    fault_directory: Path,
) -> None:
    async with own_services(fault_directory) as (postgres, redis):
        admin = await asyncpg.connect(postgres.url("postgres"), timeout=10)
        try:
            await admin.execute('CREATE DATABASE "madoguchi"')
        finally:
            await admin.close()
        _progress("demo data")
        await _migrate_and_seed(postgres.url("madoguchi", "postgresql+asyncpg"))

        env = {
            **os.environ,
            "MADOGUCHI_DATABASE_URL": postgres.url("madoguchi", "postgresql+asyncpg"),
            "MADOGUCHI_REDIS_URL": redis.url,
            "MADOGUCHI_BUS_CHANNEL": f"madoguchi:faults:{os.getpid()}",
            "MADOGUCHI_SMTP_LISTEN": "",
            # The same hour as this test process's own clock: the demo data was seeded relative to it.
            "MADOGUCHI_CLOCK_START": utcnow().isoformat(),
            # Every customer here comes from one address: the per-address limits would refuse them.
            "MADOGUCHI_RATE_LIMIT_NEW_VISITORS": "100000/minute",
            "MADOGUCHI_RATE_LIMIT_ANONYMOUS_MESSAGES": "100000/minute",
            "MADOGUCHI_RATE_LIMIT_ANONYMOUS_MESSAGES_PER_ADDRESS": "100000/minute",
        }
        # a as docs/operations.md advises (a supervising parent); b a lone process, started again by hand.
        servers = [
            Serve("a", env, fault_directory / "a.log", workers=True),
            Serve("b", env, fault_directory / "b.log"),
        ]
        tally = Tally()
        stop = asyncio.Event()
        try:
            await asyncio.gather(*(server.start() for server in servers))
            _progress("customers writing")
            customers = [Customer(index, servers, tally) for index in range(CUSTOMERS)]
            chats = [asyncio.create_task(customer.chat(stop)) for customer in customers]
            figures: dict[str, float] = {}

            await asyncio.sleep(3)
            _progress("kill -9 of a's worker")
            servers[0].kill_worker()
            killed_at = time.monotonic()
            await asyncio.sleep(0.1)
            figures["worker_kill_to_serving_s"] = await servers[0].serving(killed_at)
            # Its customers come back to it, as a load balancer's new connections would.
            for customer in customers:
                customer.home = True

            await asyncio.sleep(2)
            _progress("kill -9 of b")
            servers[1].kill()
            killed_at = time.monotonic()
            await servers[1].start()
            figures["process_kill_to_serving_s"] = time.monotonic() - killed_at
            for customer in customers:
                customer.home = True

            await asyncio.sleep(2)
            _progress("Redis stopped")
            redis.stop()
            outage_start = time.monotonic()
            # Besides the customers already writing, a new visitor on each process: both take them.
            probes = await asyncio.gather(
                _new_visitor_writes(servers[0]), _new_visitor_writes(servers[1]), asyncio.sleep(REDIS_OUTAGE_S)
            )
            await redis.start()
            outage_end = time.monotonic()

            await asyncio.sleep(3)
            restart_start = time.monotonic()
            _progress("PostgreSQL restarting")
            await asyncio.to_thread(postgres.restart_fast)
            figures["postgres_restart_s"] = time.monotonic() - restart_start

            await asyncio.sleep(3)
            _progress("last messages")
            stop.set()
            await asyncio.wait_for(asyncio.gather(*chats), DELIVERY_DEADLINE_S + 15)
        finally:
            stop.set()
            for server in servers:
                server.stop()

        database = await asyncpg.connect(postgres.url("madoguchi"), timeout=10)
        try:
            rows = await database.fetch(
                "SELECT id, conversation_id, client_id, author, text FROM messages WHERE client_id = ANY($1::text[])",
                list(tally.sent),
            )
            by_text = await database.fetch(
                "SELECT text, count(*) AS copies FROM messages WHERE author = 'customer' GROUP BY text"
            )
        finally:
            await database.close()

    stored: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        stored.setdefault(row["client_id"], []).append(row)
    lost = [ack for ack in tally.acks.values() if ack.client_id not in stored]
    duplicated = [client_id for client_id, copies in stored.items() if len(copies) > 1]
    duplicated += [row["text"] for row in by_text if row["copies"] > 1]
    mismatched = [
        ack
        for ack in tally.acks.values()
        if ack.client_id in stored
        and (
            (row := stored[ack.client_id][0])["id"] != ack.message_id
            or row["text"] != ack.text
            or row["author"] != "customer"
            or row["conversation_id"] != ack.conversation_id
        )
    ]
    during_outage = [ack for ack in tally.acks.values() if outage_start <= ack.at <= outage_end]
    incidents_in_outage = [incident for incident in tally.incidents if outage_start <= incident[0] <= outage_end]
    escaped = {server.name: _escaped(server.log) for server in servers}

    # The figures docs/benchmarks.md quotes, seen with `pytest -s`.
    print(
        "fault run:",
        json.dumps(
            {
                "customers": CUSTOMERS,
                "sent": len(tally.sent),
                "acknowledged": len(tally.acks),
                "acknowledged_during_redis_outage": len(during_outage),
                "resends": tally.resends,
                "reconnects": tally.reconnects,
                "incidents": dict(tally.errors),
                "lost": len(lost),
                "duplicated": len(duplicated),
                "mismatched": len(mismatched),
                "escaped": sum(len(lines) for lines in escaped.values()),
                **{key: round(value, 2) for key, value in figures.items()},
            },
            ensure_ascii=False,
        ),
    )
    assert len(tally.acks) > 10 * CUSTOMERS, "too few messages went through to say anything"
    assert lost == [], f"acknowledged but not stored: {lost[:5]}"
    assert duplicated == [], f"stored more than once: {duplicated[:5]}"
    assert mismatched == [], f"stored otherwise than acknowledged: {mismatched[:5]}"
    assert tally.undelivered == [], f"not acknowledged within {DELIVERY_DEADLINE_S} s, resends included"
    assert escaped == {"a": [], "b": []}, "errors escaped the chat handler"
    # Without Redis both processes go on taking messages: nobody is refused, no socket drops.
    assert incidents_in_outage == []
    assert probes[:2] == ["ack", "ack"]
    assert len(during_outage) >= CUSTOMERS


def test_a_missing_server_program_fails_the_fault_test_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(glob, "glob", lambda pattern: [])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install postgresql redis-server"):
        _postgres_program("initdb")
    with pytest.raises(pytest.fail.Exception, match=r"redis-server not found.*apt-get install"):
        OwnRedis(Path("/nonexistent"))
