"""E-mail ingest: mails per second accepted over real SMTP by one `madoguchi serve` process.

The script starts the server itself (`madoguchi db upgrade`, `madoguchi seed --no-history`, then `madoguchi serve` with
MADOGUCHI_SMTP_LISTEN on a free loopback port and no relay, so acknowledgements are queued in the outbox as
they would be, but not sent), and sends mail to it from several SMTP client connections at once, the way a
site's MTA delivers: one connection per client, mails one after the other on it. A mail counts as accepted
when the server answers `250` to its DATA, which it does only after the commit.

The mix: plain Japanese mails (ISO-2022-JP, about 1 KB) and, as a share of them, mails with a 1 MB
attachment (random bytes, so that nothing compresses; about 1.4 MB on the wire in base64).

Scenario `sqlite`:   a fresh temporary SQLite file.
Scenario `postgres`: a fresh PostgreSQL database `madoguchi_bench_email` (created and dropped by the script).

    .venv/bin/python benchmarks/email_ingest.py                    # both scenarios, 600 mails, 8 connections
    .venv/bin/python benchmarks/email_ingest.py --scenario sqlite --mails 200 --json

Results and their interpretation: docs/benchmarks.md, "E-mail ingest".
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.header import Header
from pathlib import Path
from typing import Any

import asyncpg
import psutil

ROOT = Path(__file__).resolve().parents[1]
MADOGUCHI = ROOT / ".venv" / "bin" / "madoguchi"
POSTGRES_ADMIN_URL = "postgresql://postgres:postgres@127.0.0.1:5432/test"
POSTGRES_BENCH_DB = "madoguchi_bench_email"
SUPPORT = "support@madoguchi.localhost"
ATTACHMENT_BYTES = 1024 * 1024
BODY = (
    "お世話になっております。\n先日注文した商品（注文番号 250-{n:04d}）がまだ届きません。\n"
    "追跡番号を確認したところ、配送中のままになっています。\nお手数ですが、状況をご確認いただけますでしょうか。\n"
    "よろしくお願いいたします。\n佐藤 花子\n"
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# ---------------------------------------------------------------------------------------------- the mails


def _head(n: int, sender: str, subject: str, content_type: str) -> str:
    return "\r\n".join(
        [
            f"From: {Header('佐藤 花子', 'iso-2022-jp').encode()} <{sender}>",
            f"To: {SUPPORT}",
            f"Subject: {Header(subject, 'iso-2022-jp').encode()}",
            f"Date: {dt.datetime.now(dt.UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}",
            f"Message-ID: <{uuid.uuid4().hex}.{n}@bench.example.jp>",
            "MIME-Version: 1.0",
            content_type,
        ]
    )


def plain_mail(n: int, sender: str) -> bytes:
    body = BODY.format(n=n).replace("\n", "\r\n").encode("iso2022_jp")
    head = _head(n, sender, "商品が届きません", "Content-Type: text/plain; charset=ISO-2022-JP")
    return head.encode() + b"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + body


def attachment_mail(n: int, sender: str, encoded_attachment: bytes) -> bytes:
    boundary = f"=_{uuid.uuid4().hex}"
    head = _head(n, sender, "破損した商品の写真", f'Content-Type: multipart/mixed; boundary="{boundary}"')
    body = BODY.format(n=n).replace("\n", "\r\n").encode("iso2022_jp")
    return b"\r\n".join(
        [
            head.encode(),
            b"",
            f"--{boundary}".encode(),
            b"Content-Type: text/plain; charset=ISO-2022-JP",
            b"Content-Transfer-Encoding: 7bit",
            b"",
            body,
            f"--{boundary}".encode(),
            b'Content-Type: application/octet-stream; name="photo.raw"',
            b'Content-Disposition: attachment; filename="photo.raw"',
            b"Content-Transfer-Encoding: base64",
            b"",
            encoded_attachment,
            f"--{boundary}--".encode(),
            b"",
        ]
    )


# ---------------------------------------------------------------------------------------------- the server


@dataclass
class Server:
    popen: subprocess.Popen[bytes]
    smtp_port: int
    log_path: Path


async def madoguchi(env: dict[str, str], *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        str(MADOGUCHI), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=ROOT
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    if process.returncode != 0:
        raise RuntimeError(f"madoguchi {' '.join(args)} failed:\n{output.decode(errors='replace')[-2000:]}")


async def start_server(database_url: str, workdir: Path) -> Server:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MADOGUCHI_")}
    env["MADOGUCHI_DATABASE_URL"] = database_url
    await madoguchi(env, "db", "upgrade")
    await madoguchi(env, "seed", "--no-history")
    smtp_port = free_port()
    env["MADOGUCHI_SMTP_LISTEN"] = f"127.0.0.1:{smtp_port}"
    env["MADOGUCHI_LOG_LEVEL"] = "WARNING"  # one line per mail would cost the server more than the mail
    log_path = workdir / "serve.log"
    with log_path.open("wb") as output:
        popen = subprocess.Popen(  # noqa: ASYNC220 - started once; the loop has nothing else to do meanwhile
            [str(MADOGUCHI), "serve", "--port", str(free_port())],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(popen, smtp_port, log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"madoguchi serve exited:\n{log_path.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", smtp_port), timeout=1) as probe:
                if probe.recv(64).startswith(b"220"):
                    return server
        except OSError:
            await asyncio.sleep(0.2)
    stop_server(server)
    raise RuntimeError("madoguchi serve did not listen for SMTP within 90 s")


def stop_server(server: Server) -> None:
    if server.popen.poll() is None:
        os.killpg(server.popen.pid, signal.SIGTERM)
        try:
            server.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.popen.pid, signal.SIGKILL)
            server.popen.wait(timeout=5)


async def create_postgres() -> str:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{POSTGRES_BENCH_DB}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{POSTGRES_BENCH_DB}"


async def drop_postgres() -> None:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_BENCH_DB}" WITH (FORCE)')
    finally:
        await admin.close()


async def stored_count(database_url: str) -> int:
    from sqlalchemy import func, select

    from madoguchi.store.db import create_engine, session_factory
    from madoguchi.store.models import InboundEmail

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(InboundEmail)) or 0)
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------------------------- sending


@dataclass
class Sent:
    kind: str
    size: int
    code: int
    seconds: float


@dataclass
class Load:
    mails: list[tuple[str, bytes]]
    results: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_index: int = 0

    def take(self) -> tuple[str, bytes] | None:
        with self.lock:
            if self.next_index >= len(self.mails):
                return None
            self.next_index += 1
            return self.mails[self.next_index - 1]


def client(port: int, load: Load, sender: str) -> None:
    """One sending MTA: a connection, mails one after another on it."""
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        smtp.ehlo("mta.bench.example.jp")
        while (item := load.take()) is not None:
            kind, raw = item
            started = time.perf_counter()
            try:
                smtp.mail(sender)
                smtp.rcpt(SUPPORT)
                code, _ = smtp.data(raw)
            except smtplib.SMTPResponseException as exc:
                code = exc.smtp_code
            elapsed = time.perf_counter() - started
            with load.lock:
                load.results.append(Sent(kind, len(raw), code, elapsed))


def build_mails(count: int, attachment_share: float, seed: int) -> list[tuple[str, bytes]]:
    generator = random.Random(seed)
    encoded = base64.encodebytes(generator.randbytes(ATTACHMENT_BYTES)).replace(b"\n", b"\r\n")
    every = round(1 / attachment_share) if attachment_share > 0 else 0
    mails = []
    for n in range(count):
        # Customers of their own: a new ticket per mail, each with an acknowledgement queued.
        sender = f"customer{n}@bench.example.jp"
        if every and n % every == every - 1:
            mails.append(("attachment", attachment_mail(n, sender, encoded)))
        else:
            mails.append(("plain", plain_mail(n, sender)))
    return mails


def summarise(kind: str, results: list[Sent], wall: float) -> dict[str, Any]:
    chosen = [result for result in results if kind == "all" or result.kind == kind]
    accepted = [result for result in chosen if result.code == 250]
    latencies = [result.seconds * 1000 for result in accepted]
    return {
        "sent": len(chosen),
        "accepted": len(accepted),
        "refused": len(chosen) - len(accepted),
        "mails_per_second": round(len(accepted) / wall, 1) if wall else None,
        "megabytes_per_second": round(sum(result.size for result in accepted) / wall / 1e6, 2) if wall else None,
        "p50_ms": round(percentile(latencies, 0.50) or 0, 1),
        "p99_ms": round(percentile(latencies, 0.99) or 0, 1),
    }


async def scenario(name: str, args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"madoguchi-email-{name}-"))
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}" if name == "sqlite" else await create_postgres()
    log(f"{name}: preparing {database_url.split('@')[-1]}")
    server = await start_server(database_url, workdir)
    try:
        process = psutil.Process(server.popen.pid)
        warmup = Load(build_mails(args.warmup, 0, seed=1))
        await asyncio.to_thread(client, server.smtp_port, warmup, "warmup@bench.example.jp")
        mails = build_mails(args.mails, args.attachment_share, seed=2)
        load = Load(mails)
        log(f"{name}: sending {len(mails)} mails over {args.connections} connections")
        cpu_before = process.cpu_times()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.connections) as pool:
            futures = [
                pool.submit(client, server.smtp_port, load, f"mta{index}@bench.example.jp")
                for index in range(args.connections)
            ]
            for future in futures:
                future.result()
        wall = time.perf_counter() - started
        cpu_after = process.cpu_times()
        rss = process.memory_info().rss
        server_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    finally:
        stop_server(server)
    stored = await stored_count(database_url)
    if name == "postgres":
        await drop_postgres()
    shutil.rmtree(workdir, ignore_errors=True)
    accepted = sum(result.code == 250 for result in load.results)
    return {
        "scenario": name,
        "seconds": round(wall, 2),
        "all": summarise("all", load.results, wall),
        "plain": summarise("plain", load.results, wall),
        "attachment": summarise("attachment", load.results, wall),
        "stored": stored - args.warmup,
        "lost": accepted - (stored - args.warmup),
        "server_cpu_seconds": round(server_cpu, 2),
        "server_cpu_ms_per_mail": round(server_cpu * 1000 / max(accepted, 1), 2),
        "server_rss_mib": round(rss / 2**20, 1),
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "intent_model": (ROOT / "var" / "nlu" / "intent-model.pkl").exists(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--mails", type=int, default=600, help="mails to send per scenario (600)")
    parser.add_argument("--connections", type=int, default=8, help="SMTP client connections at once (8)")
    parser.add_argument("--attachment-share", type=float, default=0.1, help="share of mails with 1 MB (0.1)")
    parser.add_argument("--warmup", type=int, default=20, help="plain mails sent first, not measured (20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser.parse_args(argv)


def table(result: dict[str, Any]) -> str:
    lines = [f"machine: {json.dumps(result['machine'], ensure_ascii=False)}"]
    for run in result["scenarios"]:
        lines.append(
            f"\n{run['scenario']}: {run['all']['accepted']}/{run['all']['sent']} accepted in {run['seconds']} s, "
            f"stored {run['stored']}, lost {run['lost']}, server CPU {run['server_cpu_ms_per_mail']} ms/mail, "
            f"RSS {run['server_rss_mib']} MiB"
        )
        for kind in ("all", "plain", "attachment"):
            part = run[kind]
            lines.append(
                f"  {kind:<10} {part['mails_per_second']:>7} mails/s  {part['megabytes_per_second']:>6} MB/s  "
                f"p50 {part['p50_ms']} ms  p99 {part['p99_ms']} ms"
            )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    names = ["sqlite", "postgres"] if args.scenario == "both" else [args.scenario]
    return {
        "machine": machine(),
        "settings": {
            "mails": args.mails,
            "connections": args.connections,
            "attachment_share": args.attachment_share,
            "attachment_bytes": ATTACHMENT_BYTES,
        },
        "scenarios": [await scenario(name, args) for name in names],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
