"""Chat load: open customer chats, and message throughput and latency, against real `madoguchi serve` processes.

This script is the load generator. It starts the servers itself as subprocesses, drives them with real
WebSocket clients over loopback, and stops them again (also on Ctrl-C, on errors and at its time limit).

Scenario `sqlite`:   one server on a fresh SQLite file, in-process event bus.
Scenario `postgres`: two servers sharing a fresh PostgreSQL database (`madoguchi_bench`) and the Redis bus.

Phase 1 opens N customer chats (`/ws/chat`; each one waits for its `hello`, and each creates a customer and a
conversation row) and reads each server's RSS before and after. Phase 2 logs an operator in, listens on
`/ws/console` (in the `postgres` scenario on the other process than the customers), and sends messages from
a subset of the open chats on a fixed open-loop schedule, measuring send → `ack` on the customer's socket
and send → `message.created` on the operator's feed (matched by `client_id`).

    .venv/bin/python benchmarks/chat_load.py             # full run: 10,000 chats, 1,000 msg/s for 10 s
    .venv/bin/python benchmarks/chat_load.py --quick     # smoke run: 500 chats, 200 msg/s for 3 s
    .venv/bin/python benchmarks/chat_load.py --scenario sqlite --json > result.json

The result goes to standard output (a table, or one JSON object with --json); progress goes to stderr.
Results and their interpretation: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import psutil
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

ROOT = Path(__file__).resolve().parents[1]
MADOGUCHI = ROOT / ".venv" / "bin" / "madoguchi"
POSTGRES_ADMIN_URL = "postgresql://postgres:postgres@127.0.0.1:5432/test"
POSTGRES_BENCH_DB = "madoguchi_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
# Its own Redis channel (MADOGUCHI_BUS_CHANNEL): pub/sub ignores the database number, so other deployments and
# test runs on the same Redis server would otherwise hear this benchmark's events, and it theirs.
BUS_CHANNEL = "madoguchi:bench:events"
OPERATOR = ("tanaka@madoguchi.localhost", "demo-tanaka")
SESSION_COOKIE = "madoguchi_session"  # src/madoguchi/web/deps.py
GOAL_CHATS_PER_PROCESS = 10_000
GOAL_RATE = 1_000
GOAL_P99_MS = 50.0
FRAME_TIMEOUT_S = 30.0
TEXT = "注文した商品がまだ届きません。追跡番号を教えてください。"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentiles(values: list[float]) -> dict[str, float | None]:
    """Nearest-rank p50/p95/p99 and the maximum (None without samples)."""
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(q: float) -> float:
        index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
        return round(ordered[index], 2)

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": round(ordered[-1], 2)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def raise_open_files_limit() -> int:
    """Soft → hard for this process; the servers started afterwards inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard or hard == resource.RLIM_INFINITY:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ------------------------------------------------------------------------------------------------ servers


@dataclass
class Server:
    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_mib(self) -> float:
        return psutil.Process(self.pid).memory_info().rss / 2**20

    def open_fds(self) -> int:
        return psutil.Process(self.pid).num_fds()

    def log_summary(self) -> dict[str, int]:
        """The server's warning and error lines and its dropped sockets, counted by event name."""
        counts: Counter[str] = Counter()
        with contextlib.suppress(OSError), self.log_path.open("rb") as lines:
            for raw in lines:
                try:
                    entry = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    counts["(not JSON)"] += 1
                    continue
                level = str(entry.get("level", "")).lower()
                event = str(entry.get("event", "?"))[:80]
                if level in ("warning", "error", "critical") or event == "hub.peer_dropped":
                    counts[f"{level}: {event}"] += 1
        return dict(counts)


_STARTED: list[Server] = []  # every server this process started and has not stopped yet


def stop_server(server: Server) -> None:
    """SIGTERM, then SIGKILL to the server's own process group (it was started in a new session)."""
    if server.popen.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            server.popen.send_signal(signal.SIGTERM)
        try:
            server.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.popen.wait(timeout=5)
    if server in _STARTED:
        _STARTED.remove(server)


def stop_all_servers() -> None:
    for server in list(_STARTED):
        with contextlib.suppress(Exception):
            stop_server(server)


def server_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MADOGUCHI_")}
    env["MADOGUCHI_DATABASE_URL"] = database_url
    if redis_url:
        env["MADOGUCHI_REDIS_URL"] = redis_url
        env["MADOGUCHI_BUS_CHANNEL"] = BUS_CHANNEL
    env["MADOGUCHI_SMTP_LISTEN"] = ""  # two processes must not both claim the default inbound SMTP port
    # Every simulated customer connects from this one address: the per-address chat limits would refuse them.
    env["MADOGUCHI_RATE_LIMIT_NEW_VISITORS"] = "1000000/minute"
    env["MADOGUCHI_RATE_LIMIT_ANONYMOUS_MESSAGES_PER_ADDRESS"] = "1000000/minute"
    return env


async def madoguchi_command(command: str, env: dict[str, str], *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        command, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    except TimeoutError:
        process.kill()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"madoguchi {' '.join(args)} failed:\n{output.decode(errors='replace')[-2000:]}")


def _spawn(command: str, name: str, env: dict[str, str], workdir: Path) -> Server:
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log_file:
        popen = subprocess.Popen(
            [command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name=name, port=port, popen=popen, log_path=log_path)
    _STARTED.append(server)
    return server


async def start_server(command: str, name: str, env: dict[str, str], workdir: Path) -> Server:
    server = _spawn(command, name, env, workdir)
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(trust_env=False, timeout=2) as http:
        while time.monotonic() < deadline:
            if server.popen.poll() is not None:
                tail = server.log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} exited during start-up:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{server.base_url}/healthz")).status_code == 200:
                    return server
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{name} did not answer /healthz within 60 s")


async def create_bench_database() -> str:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{POSTGRES_BENCH_DB}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{POSTGRES_BENCH_DB}"


async def drop_bench_database() -> None:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)')
    finally:
        await admin.close()


async def foreign_bus_subscribers(redis_url: str) -> int:
    """Processes already listening on the benchmark's channel (another run?): they would hear its events."""
    client = aioredis.Redis.from_url(redis_url)
    try:
        answer = await client.pubsub_numsub(BUS_CHANNEL)
        return int(answer[0][1]) if answer else 0
    finally:
        await client.aclose()


# ---------------------------------------------------------------------------------------------- measuring


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


class CpuMeter:
    """CPU time of the generator, each server, the benchmark's PostgreSQL backends and Redis, and the machine."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers
        self.me = psutil.Process()

    @staticmethod
    def _matching(name: str, marker: str) -> dict[int, float]:
        found: dict[int, float] = {}
        for process in psutil.process_iter(["name", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                if process.info["name"] == name and marker in " ".join(process.info["cmdline"] or ()):
                    found[process.pid] = _cpu_seconds(process)
        return found

    def snapshot(self) -> dict[str, Any]:
        machine = psutil.cpu_times()
        servers = {}
        for server in self.servers:
            with contextlib.suppress(psutil.Error):
                servers[server.name] = _cpu_seconds(psutil.Process(server.pid))
        return {
            "wall": time.perf_counter(),
            "generator": _cpu_seconds(self.me),
            "servers": servers,
            "postgres": self._matching("postgres", POSTGRES_BENCH_DB),
            "redis": self._matching("redis-server", ":6379"),
            "busy": machine.user + machine.system + machine.nice + machine.irq + machine.softirq,
        }

    @staticmethod
    def usage(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        """Percent of one core per process (group), and of all cores for the whole machine."""
        wall = max(after["wall"] - before["wall"], 1e-9)

        def pct(seconds: float) -> float:
            return round(100 * seconds / wall, 1)

        def group(name: str) -> float:
            return pct(sum(value - before[name].get(pid, 0.0) for pid, value in after[name].items()))

        generator = pct(after["generator"] - before["generator"])
        servers = {name: pct(value - before["servers"].get(name, value)) for name, value in after["servers"].items()}
        postgres, redis = group("postgres"), group("redis")
        machine = pct(after["busy"] - before["busy"])
        return {
            "generator_pct_of_core": generator,
            "servers_pct_of_core": servers,
            "postgres_pct_of_core": postgres,
            "redis_pct_of_core": redis,
            "machine_pct_of_all_cores": round(machine / (psutil.cpu_count() or 1), 1),
            # Everything else that ran meanwhile: other jobs on the machine skew the figures.
            "others_pct_of_core": round(max(0.0, machine - generator - sum(servers.values()) - postgres - redis), 1),
        }


class LoopLag:
    """How late this process's event loop wakes up: the direct sign of a saturated load generator."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.samples.append((time.perf_counter() - start - self.interval) * 1000)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


class Profiler:
    """py-spy recordings (raw collapsed stacks) of the servers while a phase runs, when --profile is given."""

    def __init__(self, directory: Path | None, servers: list[Server], label: str) -> None:
        self.directory = directory
        self.servers = servers
        self.label = label
        self.processes: list[asyncio.subprocess.Process] = []

    async def __aenter__(self) -> Profiler:
        if self.directory is None:
            return self
        py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(ROOT / ".venv" / "bin"))
        if py_spy is None:
            log("  py-spy is not installed (.venv/bin/pip install py-spy): not profiling")
            return self
        self.directory.mkdir(parents=True, exist_ok=True)
        for server in self.servers:
            out = self.directory / f"{self.label}-{server.name}.txt"
            self.processes.append(
                await asyncio.create_subprocess_exec(
                    py_spy,
                    *("record", "--pid", str(server.pid), "--rate", "100", "--format", "raw", "--output", str(out)),
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()


# ------------------------------------------------------------------------------------- phase 1: open chats


@dataclass(eq=False, slots=True)
class Chat:
    server: int
    ws: ClientConnection


async def open_chat(url: str, compression: str | None) -> ClientConnection:
    """One customer's chat socket, returned once its `hello` arrived."""
    ws = await connect(
        url,
        open_timeout=FRAME_TIMEOUT_S,
        ping_interval=None,  # the server pings every 30 s and the client answers; no pings of its own
        close_timeout=2,
        compression=compression,
        proxy=None,
    )
    try:
        hello = orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))
        if hello.get("type") != "hello":
            raise RuntimeError(f"first frame is {hello.get('type')!r}, not hello")
    except BaseException:
        ws.transport.abort()
        raise
    return ws


async def warm_up(servers: list[Server], compression: str | None) -> None:
    """A few chats per server first, so that lazily imported code is in memory before the baseline RSS."""
    for server in servers:
        for _ in range(5):
            ws = await open_chat(f"{server.ws_url}/ws/chat?lang=ja", compression)
            await ws.close()
    await asyncio.sleep(0.5)


async def phase_open(servers: list[Server], opts: Options, meter: CpuMeter, report: dict[str, Any]) -> list[Chat]:
    chats: list[Chat] = []
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    failed: Counter[int] = Counter()
    last_open: dict[int, float] = {}
    plan = iter([index % len(servers) for index in range(opts.chats)])  # round-robin over the processes
    me = psutil.Process()
    generator_rss_before = me.memory_info().rss / 2**20
    rss_before = [server.rss_mib() for server in servers]
    log(f"[{report['scenario']}] opening {opts.chats} chats over {len(servers)} process(es)")
    start = time.perf_counter()

    async def worker() -> None:
        for index in plan:
            began = time.perf_counter()
            try:
                ws = await open_chat(f"{servers[index].ws_url}/ws/chat?lang=ja", opts.compression)
            except Exception as exc:
                errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
                failed[index] += 1
                continue
            done = time.perf_counter()
            latencies.append((done - began) * 1000)
            last_open[index] = done - start
            chats.append(Chat(server=index, ws=ws))

    async def progress() -> None:
        while True:
            await asyncio.sleep(10)
            elapsed = time.perf_counter() - start
            log(f"  {len(chats)} open, {sum(failed.values())} failed ({len(chats) / elapsed:.0f}/s)")

    cpu_before = meter.snapshot()
    async with Profiler(opts.profile_dir, servers, f"{report['scenario']}-open"):
        with LoopLag() as lag:
            reporter = asyncio.create_task(progress())
            try:
                await asyncio.gather(*(worker() for _ in range(min(opts.connect_concurrency, opts.chats))))
            finally:
                reporter.cancel()
    seconds = time.perf_counter() - start
    cpu = CpuMeter.usage(cpu_before, meter.snapshot())
    await asyncio.sleep(1.0)  # let the servers settle before reading their memory
    per_server = []
    for index, server in enumerate(servers):
        count = sum(1 for chat in chats if chat.server == index)
        rss_after = server.rss_mib()
        cpu_s = cpu["servers_pct_of_core"].get(server.name, 0.0) / 100 * seconds
        per_server.append(
            {
                "server": server.name,
                "target": len(range(index, opts.chats, len(servers))),
                "opened": count,
                "failed": failed[index],
                "seconds": round(last_open.get(index, 0.0), 2),
                "open_fds": server.open_fds(),
                "rss_before_mib": round(rss_before[index], 1),
                "rss_after_mib": round(rss_after, 1),
                "kib_per_chat": round((rss_after - rss_before[index]) * 1024 / count, 1) if count else None,
                "cpu_ms_per_chat": round(cpu_s * 1000 / count, 2) if count else None,
            }
        )
    report["open"] = {
        "target": opts.chats,
        "opened": len(chats),
        "failed": sum(failed.values()),
        "errors": dict(errors.most_common(10)),
        "seconds": round(seconds, 2),
        "per_second": round(len(chats) / seconds, 1),
        "open_latency_ms": percentiles(latencies),
        "per_server": per_server,
        "cpu": cpu,
        "generator_loop_lag_ms": percentiles(lag.samples),
        "generator_rss_mib": [round(generator_rss_before, 1), round(me.memory_info().rss / 2**20, 1)],
    }
    log(
        f"[{report['scenario']}] {len(chats)}/{opts.chats} open after {seconds:.1f} s; "
        + ", ".join(f"{p['server']}: {p['kib_per_chat']} KiB/chat" for p in per_server)
    )
    return chats


# -------------------------------------------------------------------------------------- phase 2: messages


@dataclass
class Traffic:
    sent_at: dict[str, float] = field(default_factory=dict)
    scheduled_at: dict[str, float] = field(default_factory=dict)
    acked_at: dict[str, float] = field(default_factory=dict)
    delivered_at: dict[str, float] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    customer_frames: int = 0
    console_frames: int = 0
    closed_sockets: int = 0

    def settled(self) -> bool:
        """Every message answered (ack or error) and every acknowledged one delivered to the operator."""
        answered = sum(1 for cid in self.sent_at if cid in self.acked_at or cid in self.refused)
        delivered = sum(1 for cid in self.acked_at if cid in self.delivered_at and cid in self.sent_at)
        acked = sum(1 for cid in self.acked_at if cid in self.sent_at)
        return answered == len(self.sent_at) and delivered == acked


async def read_customer(chat: Chat, traffic: Traffic) -> None:
    try:
        async for raw in chat.ws:
            now = time.perf_counter()
            traffic.customer_frames += 1
            frame = orjson.loads(raw)
            kind = frame.get("type")
            if kind == "ack":
                traffic.acked_at.setdefault(frame["client_id"], now)
            elif kind == "error" and frame.get("client_id"):
                traffic.refused[frame["client_id"]] = str(frame.get("code", "?"))
    except ConnectionClosed:
        traffic.closed_sockets += 1


async def read_console(ws: ClientConnection, traffic: Traffic) -> None:
    try:
        async for raw in ws:
            now = time.perf_counter()
            traffic.console_frames += 1
            frame = orjson.loads(raw)
            if frame.get("type") == "event" and frame["event"].get("type") == "message.created":
                client_id = frame["event"]["message"].get("client_id")
                if client_id in traffic.sent_at:
                    traffic.delivered_at.setdefault(client_id, now)
    except ConnectionClosed:
        traffic.closed_sockets += 1


async def connect_operator(server: Server) -> ClientConnection:
    """Log in over the REST API, then open the console feed with the session cookie."""
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=30) as http:
        answer = await http.post("/api/v1/auth/login", json={"email": OPERATOR[0], "password": OPERATOR[1]})
        answer.raise_for_status()
        token = http.cookies.get(SESSION_COOKIE)
    if not token:
        raise RuntimeError("the log-in answer set no session cookie")
    # No Origin header: the console accepts a missing Origin, or one equal to its Host.
    ws = await connect(
        f"{server.ws_url}/ws/console",
        additional_headers={"Cookie": f"{SESSION_COOKIE}={token}"},
        open_timeout=FRAME_TIMEOUT_S,
        ping_interval=None,
        proxy=None,
        max_queue=None,  # never push back on the server because this reader is late
    )
    hello = orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))
    if hello.get("type") != "hello":
        ws.transport.abort()
        raise RuntimeError(f"the console refused the operator: {hello}")
    return ws


def message_frame(client_id: str, text: str) -> str:
    return orjson.dumps({"type": "message", "client_id": client_id, "text": text}).decode()


async def warm_up_senders(senders: list[Chat]) -> int:
    """One acknowledged message per sender. The first message queues a new conversation (state change, system
    message, queue position); the measured run then sees conversations that are already queued."""

    async def one(chat: Chat) -> bool:
        client_id = str(uuid.uuid4())
        await chat.ws.send(message_frame(client_id, TEXT))
        while True:
            frame = orjson.loads(await asyncio.wait_for(chat.ws.recv(), FRAME_TIMEOUT_S))
            if frame.get("client_id") == client_id and frame.get("type") in ("ack", "error"):
                return bool(frame["type"] == "ack")

    results = await asyncio.gather(*(one(chat) for chat in senders), return_exceptions=True)
    return sum(1 for ok in results if ok is True)


async def send_on_schedule(senders: list[Chat], traffic: Traffic, rate: float, duration: float) -> None:
    """Open loop: message i is due at t0 + i/rate, whatever happened to the earlier ones; each send is its
    own task, so a socket that blocks does not delay the others."""
    total = round(rate * duration)
    pending: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()

    async def send(chat: Chat, client_id: str, payload: str) -> None:
        traffic.sent_at[client_id] = time.perf_counter()
        try:
            await chat.ws.send(payload)
        except ConnectionClosed:
            traffic.refused[client_id] = "socket closed"

    t0 = time.perf_counter() + 0.05
    index = 0
    while index < total:
        due = min(total, int((time.perf_counter() - t0) * rate) + 1)
        while index < due:
            client_id = str(uuid.uuid4())
            traffic.scheduled_at[client_id] = t0 + index / rate
            task = loop.create_task(
                send(senders[index % len(senders)], client_id, message_frame(client_id, f"{TEXT} #{index}"))
            )
            pending.add(task)
            task.add_done_callback(pending.discard)
            index += 1
        await asyncio.sleep(max(0.0, t0 + index / rate - time.perf_counter()))
    if pending:
        await asyncio.wait(pending, timeout=FRAME_TIMEOUT_S)


def traffic_summary(traffic: Traffic) -> dict[str, Any]:
    sent_ids = list(traffic.sent_at)
    acked = [cid for cid in sent_ids if cid in traffic.acked_at]
    delivered = [cid for cid in sent_ids if cid in traffic.delivered_at]
    refused = [cid for cid in sent_ids if cid in traffic.refused]
    first = min(traffic.sent_at.values(), default=0.0)
    last_send = max(traffic.sent_at.values(), default=first)
    last_ack = max((traffic.acked_at[cid] for cid in acked), default=first)
    last_delivery = max((traffic.delivered_at[cid] for cid in delivered), default=first)

    def per_second(count: int, until: float) -> float:
        return round(count / (until - first), 1) if count and until > first else 0.0

    return {
        "sent": len(sent_ids),
        "sent_per_s": per_second(len(sent_ids), last_send),
        "acked": len(acked),
        "refused": dict(Counter(traffic.refused[cid] for cid in refused)),
        "unacked": len(sent_ids) - len(acked) - len(refused),
        "delivered": len(delivered),
        "lost": sum(1 for cid in acked if cid not in traffic.delivered_at),
        # Rates run from the first send to the last ack (delivery): a server that falls behind and keeps
        # acknowledging after the schedule ended is not credited with the offered rate.
        "accepted_per_s": per_second(len(acked), last_ack),
        "delivered_per_s": per_second(len(delivered), last_delivery),
        "ack_latency_ms": percentiles([(traffic.acked_at[c] - traffic.sent_at[c]) * 1000 for c in acked]),
        "delivery_latency_ms": percentiles([(traffic.delivered_at[c] - traffic.sent_at[c]) * 1000 for c in delivered]),
        # How late the generator sent against its schedule; large values mean the generator was the limit.
        "send_lag_ms": percentiles([(traffic.sent_at[c] - traffic.scheduled_at[c]) * 1000 for c in sent_ids]),
        "customer_frames": traffic.customer_frames,
        "console_frames": traffic.console_frames,
        "sockets_closed_by_server": traffic.closed_sockets,
    }


async def phase_messages(
    servers: list[Server], chats: list[Chat], opts: Options, meter: CpuMeter, report: dict[str, Any]
) -> None:
    """Customers on the first process send; the operator listens on the last one (the other one in B)."""
    scenario = report["scenario"]
    customer_index, operator_index = 0, len(servers) - 1
    senders = [chat for chat in chats if chat.server == customer_index][: opts.senders]
    if not senders:
        raise RuntimeError("no open chat to send from")
    traffic = Traffic()
    console = await connect_operator(servers[operator_index])
    readers = [asyncio.create_task(read_console(console, traffic))]
    try:
        log(f"[{scenario}] warming up {len(senders)} senders (one acknowledged message each)")
        warmed = await warm_up_senders(senders)
        readers.extend(asyncio.create_task(read_customer(chat, traffic)) for chat in senders)
        await asyncio.sleep(1.0)
        log(f"[{scenario}] sending {opts.rate:g} msg/s for {opts.duration:g} s from {len(senders)} chats")
        cpu_before = meter.snapshot()
        async with Profiler(opts.profile_dir, servers, f"{scenario}-messages"):
            with LoopLag() as lag:
                await send_on_schedule(senders, traffic, opts.rate, opts.duration)
                cpu_send = CpuMeter.usage(cpu_before, meter.snapshot())
                deadline = time.perf_counter() + opts.drain
                while time.perf_counter() < deadline:
                    if traffic.settled():
                        break
                    await asyncio.sleep(0.05)
                cpu_all = CpuMeter.usage(cpu_before, meter.snapshot())
        report["messages"] = {
            "customer_server": servers[customer_index].name,
            "operator_server": servers[operator_index].name,
            "senders": len(senders),
            "warmed_up": warmed,
            "target_rate": opts.rate,
            "duration_s": opts.duration,
            **traffic_summary(traffic),
            "cpu_during_send": cpu_send,
            # From the first send until everything was answered or the drain ended: the backlog's work as well.
            "cpu_until_drained": cpu_all,
            "generator_loop_lag_ms": percentiles(lag.samples),
        }
    finally:
        for task in readers:
            task.cancel()
        console.transport.abort()
    summary = report["messages"]
    log(
        f"[{scenario}] acked {summary['acked']}/{summary['sent']} ({summary['accepted_per_s']}/s), "
        f"delivered {summary['delivered']}, ack p99 {summary['ack_latency_ms']['p99']} ms, "
        f"delivery p99 {summary['delivery_latency_ms']['p99']} ms"
    )


# -------------------------------------------------------------------------------------------- scenarios


@dataclass
class Options:
    chats: int
    rate: float
    duration: float
    senders: int
    drain: float
    connect_concurrency: int
    compression: str | None
    keep_logs: bool
    profile_dir: Path | None
    command: str
    wait_quiet: float


async def background_load(kind: str, budget: float) -> float:
    """Machine CPU before a scenario; waits up to `budget` seconds for other jobs to calm down."""
    deadline = time.monotonic() + budget
    while True:
        busy = float(await asyncio.to_thread(psutil.cpu_percent, 2.0))
        if busy <= 15 or time.monotonic() >= deadline:
            break
        log(f"[{kind}] the machine is {busy:.0f}% busy with other jobs; waiting for it to calm down")
    if busy > 15:
        log(f"[{kind}] warning: starting while the machine is {busy:.0f}% busy with other jobs")
    return busy


async def run_scenario(kind: str, opts: Options, report: dict[str, Any]) -> None:
    """Fills `report` as it goes, so that a run cut short still shows what it measured."""
    workdir = Path(tempfile.mkdtemp(prefix=f"madoguchi-bench-{kind}-"))
    servers: list[Server] = []
    chats: list[Chat] = []
    postgres_created = False
    try:
        report["background_cpu_pct_of_all_cores"] = await background_load(kind, opts.wait_quiet)
        if kind == "sqlite":
            database_url, redis_url, names = f"sqlite+aiosqlite:///{workdir / 'bench.db'}", None, ["server-1"]
        else:
            database_url = await create_bench_database()
            postgres_created = True
            redis_url, names = REDIS_URL, ["server-1", "server-2"]
            report["foreign_bus_subscribers"] = others = await foreign_bus_subscribers(redis_url)
            if others:
                log(f"[{kind}] warning: {others} other process(es) listen on the Redis channel {BUS_CHANNEL!r}")
        report["database"] = database_url.split("://", 1)[0]
        report["bus"] = "redis" if redis_url else "memory"
        env = server_env(database_url, redis_url)
        log(f"[{kind}] migrating and seeding")
        await madoguchi_command(opts.command, env, "db", "upgrade")
        await madoguchi_command(opts.command, env, "seed", "--no-history")
        servers = list(await asyncio.gather(*(start_server(opts.command, name, env, workdir) for name in names)))
        report["servers"] = [{"name": s.name, "port": s.port, "pid": s.pid} for s in servers]
        await warm_up(servers, opts.compression)
        meter = CpuMeter(servers)
        chats = await phase_open(servers, opts, meter, report)
        await phase_messages(servers, chats, opts, meter, report)
        report["still_open_after_messages"] = sum(1 for chat in chats if chat.ws.state is State.OPEN)
        report["rss_after_messages_mib"] = {server.name: round(server.rss_mib(), 1) for server in servers}
    finally:
        for chat in chats:
            chat.ws.transport.abort()
        report["server_log"] = {server.name: server.log_summary() for server in servers}
        for server in servers:
            stop_server(server)
        if postgres_created:
            with contextlib.suppress(Exception):
                await drop_bench_database()
        if opts.keep_logs:
            report["logs"] = str(workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------------------------------------- output


def code_version() -> dict[str, Any]:
    """The commit measured, and whether the working tree differed from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "modified": []}
    return {"commit": commit, "modified": [line[3:] for line in changed if line.strip()]}


def machine() -> dict[str, Any]:
    model = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def goals(scenarios: list[dict[str, Any]]) -> dict[str, dict[str, bool]]:
    out = {}
    for report in scenarios:
        if "open" not in report or "messages" not in report:
            continue
        messages = report["messages"]
        ack_p99, delivery_p99 = messages["ack_latency_ms"]["p99"], messages["delivery_latency_ms"]["p99"]
        out[report["scenario"]] = {
            "10000_open_chats_in_a_process": max(p["opened"] for p in report["open"]["per_server"])
            >= GOAL_CHATS_PER_PROCESS,
            "1000_msg_per_s_accepted": messages["accepted_per_s"] >= 0.98 * GOAL_RATE and messages["unacked"] == 0,
            "ack_p99_within_50_ms": ack_p99 is not None and ack_p99 <= GOAL_P99_MS,
            "delivery_p99_within_50_ms": delivery_p99 is not None and delivery_p99 <= GOAL_P99_MS,
        }
    return out


def _rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    if "error" in report and "open" not in report:
        return [("error", report["error"])]
    rows: list[tuple[str, str]] = [
        ("machine busy before start, %", str(report.get("background_cpu_pct_of_all_cores"))),
    ]
    opened = report.get("open")
    if opened:
        servers = opened["per_server"]
        rows += [
            ("chats open / target", f"{opened['opened']} / {opened['target']}"),
            ("per process", "; ".join(f"{p['server']} {p['opened']}" for p in servers)),
            ("time to open, s (chats/s)", f"{opened['seconds']} ({opened['per_second']})"),
            ("open latency p50 / p99, ms", f"{opened['open_latency_ms']['p50']} / {opened['open_latency_ms']['p99']}"),
            (
                "server RSS before → after, MiB",
                "; ".join(f"{p['rss_before_mib']} → {p['rss_after_mib']}" for p in servers),
            ),
            ("memory per open chat, KiB", "; ".join(str(p["kib_per_chat"]) for p in servers)),
            ("server CPU per chat opened, ms", "; ".join(str(p["cpu_ms_per_chat"]) for p in servers)),
        ]
    messages = report.get("messages")
    if messages:
        cpu = messages["cpu_until_drained"]
        rows += [
            ("messages sent (msg/s)", f"{messages['sent']} ({messages['sent_per_s']})"),
            ("accepted (acked), msg/s", str(messages["accepted_per_s"])),
            ("delivered to the operator, msg/s", str(messages["delivered_per_s"])),
        ]
        for label, key in (("ack", "ack_latency_ms"), ("delivery", "delivery_latency_ms"), ("send lag", "send_lag_ms")):
            values = messages[key]
            rows.append((f"{label} p50/p95/p99, ms", "/".join(str(values[q]) for q in ("p50", "p95", "p99"))))
        rows += [
            (
                "unacked / refused / lost",
                f"{messages['unacked']} / {sum(messages['refused'].values())} / {messages['lost']}",
            ),
            (
                "CPU, % of a core",
                f"generator {cpu['generator_pct_of_core']}, "
                + ", ".join(f"{name} {value}" for name, value in cpu["servers_pct_of_core"].items())
                + f", postgres {cpu['postgres_pct_of_core']}, redis {cpu['redis_pct_of_core']}"
                + f", others {cpu['others_pct_of_core']}",
            ),
        ]
    if "error" in report:
        rows.append(("error", report["error"]))
    return rows


def print_table(result: dict[str, Any]) -> None:
    code, params = result["code"], result["params"]
    print(
        f"{result['date']}  commit {code['commit']}"
        + (f" (modified: {', '.join(code['modified'])})" * bool(code["modified"]))
    )
    print(
        f"{params['chats']} chats; {params['rate']:g} msg/s for {params['duration']:g} s from {params['senders']} chats"
    )
    for report in result["scenarios"]:
        print(f"== {report['scenario']}")
        rows = _rows(report)
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            print(f"  {label:<{width}}  {value}")
    print(f"goals met: {json.dumps(result['goals'])}")


# --------------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Open customer chats, and message throughput and latency, against real `madoguchi serve` "
        "processes that this script starts: SQLite with one process, PostgreSQL + Redis with two.",
    )
    parser.add_argument("--scenario", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--chats", type=int, help="chats to open in total, spread over the processes (10000)")
    parser.add_argument("--rate", type=float, help="messages per second, open loop (1000)")
    parser.add_argument("--duration", type=float, help="seconds of sending (10)")
    parser.add_argument("--senders", type=int, help="open chats that send the messages (200)")
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for acks and deliveries (10)")
    parser.add_argument("--connect-concurrency", type=int, default=100, help="handshakes in flight (100)")
    parser.add_argument(
        "--compression", choices=["deflate", "none"], default="deflate", help="offer permessage-deflate as browsers do"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 500 chats, 200 msg/s for 3 s from 100 chats")
    parser.add_argument("--timeout", type=float, default=600, help="hard limit for the whole run, seconds (600)")
    parser.add_argument(
        "--wait-quiet", type=float, default=0, metavar="S", help="wait up to S seconds for an idle machine per scenario"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (their path is reported)")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="record the servers with py-spy into DIR")
    parser.add_argument(
        "--madoguchi", type=Path, default=MADOGUCHI, metavar="CMD", help="the command to start (a patched build)"
    )
    args = parser.parse_args(argv)
    preset = {"chats": 500, "rate": 200.0, "duration": 3.0, "senders": 100} if args.quick else {}
    for key, value in {"chats": 10_000, "rate": 1000.0, "duration": 10.0, "senders": 200}.items():
        if getattr(args, key) is None:
            setattr(args, key, preset.get(key, value))
    if min(args.chats, args.rate, args.duration, args.senders, args.connect_concurrency) <= 0:
        parser.error("--chats, --rate, --duration, --senders and --connect-concurrency must be positive")
    return args


async def run(args: argparse.Namespace, result: dict[str, Any]) -> None:
    main_task = asyncio.current_task()
    if main_task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    opts = Options(
        chats=args.chats,
        rate=args.rate,
        duration=args.duration,
        senders=args.senders,
        drain=args.drain,
        connect_concurrency=args.connect_concurrency,
        compression=None if args.compression == "none" else "deflate",
        keep_logs=args.keep_logs,
        profile_dir=args.profile,
        command=str(args.madoguchi),
        wait_quiet=args.wait_quiet,
    )
    for kind in ["sqlite", "postgres"] if args.scenario == "both" else [args.scenario]:
        report: dict[str, Any] = {"scenario": kind}
        result["scenarios"].append(report)
        try:
            await run_scenario(kind, opts, report)
        except Exception as exc:
            log(f"[{kind}] failed: {type(exc).__name__}: {exc}")
            report["error"] = f"{type(exc).__name__}: {exc}"
        except asyncio.CancelledError:
            report["error"] = "stopped before the end (time limit or interrupt)"
            raise


def _event_loop_factory() -> Any:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _emergency_exit() -> None:
    log("the hard time limit passed while cleaning up: killing the servers")
    for server in list(_STARTED):
        with contextlib.suppress(Exception):
            os.killpg(server.pid, signal.SIGKILL)
    os._exit(124)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.madoguchi.exists():
        print(f"{args.madoguchi} is missing: run `make setup` first", file=sys.stderr)
        return 2
    open_files = raise_open_files_limit()
    if open_files < args.chats + 200:
        log(f"warning: the open-files limit {open_files} is below the {args.chats + 200} this run needs")
    factory = _event_loop_factory()
    result: dict[str, Any] = {
        "benchmark": "chat_load",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "code": code_version(),
        "generator": {
            "processes": 1,
            "event_loop": "uvloop" if factory else "asyncio",
            "open_files_limit": open_files,
        },
        "params": {
            key: getattr(args, key)
            for key in ("scenario", "chats", "rate", "duration", "senders", "drain", "connect_concurrency")
        }
        | {"compression": args.compression, "quick": args.quick},
        "scenarios": [],
    }
    # The backstop of the hard limit: should cleanup itself hang, kill the servers and leave.
    watchdog = threading.Timer(args.timeout + 60, _emergency_exit)
    watchdog.daemon = True
    watchdog.start()
    code = 0
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(asyncio.wait_for(run(args, result), timeout=args.timeout))
    except TimeoutError:
        log(f"stopped by the {args.timeout:g} s time limit")
        code = 3
    except (KeyboardInterrupt, asyncio.CancelledError):
        log("interrupted")
        code = 130
    finally:
        stop_all_servers()
        if args.scenario != "sqlite":
            with contextlib.suppress(Exception):
                asyncio.run(drop_bench_database())
        watchdog.cancel()
    result["goals"] = goals(result["scenarios"])
    if any("error" in report for report in result["scenarios"]):
        code = code or 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result)
    return code


if __name__ == "__main__":
    sys.exit(main())
