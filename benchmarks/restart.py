"""Restart after kill -9: how long a `madoguchi serve` process takes to serve again, and where the time goes.

Starts one server on PostgreSQL + Redis (a fresh database `madoguchi_bench_restart`, the demo data without its
history), then RUNS times: kill -9, start again, and measure from the start of the process to

- `healthz`: the first `GET /healthz` answered,
- `hello`: a new customer chat opened (`/ws/chat` hello),
- `reply`: the bot's answer to that customer's first message (and its `ack`);

and, for comparison, `first_ack_after_hello` (send → ack of that first message, roughly) beside
`second_ack_after_send`, the same for a second customer once the process is warm.

With `--workers` it starts `madoguchi serve --workers 1` once and kills its worker instead, measuring from the
kill until the worker the parent forks again serves.

The server's own `server.started` log line says how long each start-up step took (`startup_s`); their medians
are printed beside. `--src DIR` runs another checkout's sources (PYTHONPATH), to compare before and after.

    .venv/bin/python benchmarks/restart.py --runs 5
    .venv/bin/python benchmarks/restart.py --runs 5 --src ../main/src --json
    .venv/bin/python benchmarks/restart.py --runs 5 --workers

Results and their interpretation: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from websockets.asyncio.client import connect

MADOGUCHI = str(Path(sys.executable).with_name("madoguchi"))
POSTGRES_ADMIN_URL = os.environ.get("MADOGUCHI_BENCH_POSTGRES", "postgresql://postgres:postgres@127.0.0.1:5432/test")
DATABASE = "madoguchi_bench_restart"
REDIS_URL = os.environ.get("MADOGUCHI_BENCH_REDIS", "redis://127.0.0.1:6379/14")
TEXT = "注文した商品がまだ届きません。"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def prepare_database(env: dict[str, str]) -> str:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{DATABASE}"
    await asyncio.to_thread(_upgrade_and_seed, {**env, "MADOGUCHI_DATABASE_URL": url})
    return url


def _upgrade_and_seed(env: dict[str, str]) -> None:
    for command in (["db", "upgrade"], ["seed", "--no-history"]):
        subprocess.run([MADOGUCHI, *command], env=env, check=True, timeout=300)


def _spawn(env: dict[str, str], port: int, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [MADOGUCHI, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env=env,
            stdout=output,
            stderr=output,
        )


def _exited(process: subprocess.Popen[bytes], log: Path) -> RuntimeError:
    return RuntimeError(f"madoguchi serve exited with {process.returncode}: {log.read_text()[-2000:]}")


async def drop_database() -> None:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await admin.close()


def startup_steps(log: Path) -> dict[str, float]:
    """The `startup_s` of the last `server.started` line (empty for a version that does not log it)."""
    steps: dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        with contextlib.suppress(json.JSONDecodeError, AttributeError):
            entry = json.loads(line)
            if entry.get("event") == "server.started":
                steps = dict(entry.get("startup_s") or {})
    return steps


def worker_pid(log: Path) -> int:
    """The pid of the last worker a supervising parent (`--workers`) forked."""
    pids = [
        int(json.loads(line)["pid"])
        for line in log.read_text(errors="replace").splitlines()
        if '"serve.worker_started"' in line
    ]
    return pids[-1]


async def one_start(env: dict[str, str], port: int, log: Path) -> tuple[subprocess.Popen[bytes], dict[str, float]]:
    started = time.monotonic()
    process = _spawn(env, port, log)
    return process, await measure(process, port, log, started)


async def measure(process: subprocess.Popen[bytes], port: int, log: Path, started: float) -> dict[str, float]:
    base = f"http://127.0.0.1:{port}"
    figures: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=2) as http:
        while "healthz" not in figures:
            if process.poll() is not None:
                raise _exited(process, log)
            if time.monotonic() - started > 120:
                raise RuntimeError("madoguchi serve did not answer /healthz within 120 s")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    figures["healthz"] = time.monotonic() - started
                    break
            await asyncio.sleep(0.02)
    async with connect(base.replace("http://", "ws://") + "/ws/chat") as chat:
        hello = json.loads(await chat.recv())
        assert hello["type"] == "hello", hello
        figures["hello"] = time.monotonic() - started
        client_id = str(uuid.uuid4())
        await chat.send(json.dumps({"type": "message", "client_id": client_id, "text": TEXT}))
        while "ack" not in figures or "reply" not in figures:
            frame = json.loads(await asyncio.wait_for(chat.recv(), 60))
            if frame["type"] == "ack" and frame.get("client_id") == client_id:
                figures["ack"] = time.monotonic() - started
            elif frame["type"] == "message" and frame["message"]["author"] == "bot":
                figures.setdefault("reply", time.monotonic() - started)
    # The same again for a second customer: what a message costs once the process is warm, for comparison.
    async with connect(base.replace("http://", "ws://") + "/ws/chat") as chat:
        await chat.recv()
        sent = time.monotonic()
        client_id = str(uuid.uuid4())
        await chat.send(json.dumps({"type": "message", "client_id": client_id, "text": TEXT}))
        while True:
            frame = json.loads(await asyncio.wait_for(chat.recv(), 60))
            if frame["type"] == "ack" and frame.get("client_id") == client_id:
                figures["second_ack_after_send"] = time.monotonic() - sent
                break
    figures["first_ack_after_hello"] = figures["ack"] - figures["hello"]
    return figures


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MADOGUCHI_")}
    if args.src:
        env["PYTHONPATH"] = args.src
    env.update(
        {
            "MADOGUCHI_REDIS_URL": REDIS_URL,
            "MADOGUCHI_BUS_CHANNEL": f"madoguchi:bench-restart:{os.getpid()}",
            "MADOGUCHI_SMTP_LISTEN": "",
        }
    )
    env["MADOGUCHI_DATABASE_URL"] = await prepare_database(env)
    runs: list[dict[str, float]] = []
    steps: list[dict[str, float]] = []
    port = free_port()
    try:
        with tempfile.TemporaryDirectory() as directory:
            log = Path(directory) / "serve.log"
            if args.workers:
                # One supervising parent; each run kills its worker, which the parent forks again.
                parent = _spawn(env, port, log, "--workers", "1")
                try:
                    await measure(parent, port, log, time.monotonic())
                    for number in range(args.runs):
                        os.kill(worker_pid(log), signal.SIGKILL)
                        figures = await measure(parent, port, log, time.monotonic())
                        runs.append(figures)
                        steps.append(startup_steps(log))
                        print(f"run {number + 1}: {json.dumps(figures)}", file=sys.stderr, flush=True)
                finally:
                    parent.send_signal(signal.SIGKILL)
                    parent.wait(timeout=10)
            for number in range(0 if args.workers else args.runs):
                process, figures = await one_start(env, port, log)
                # kill -9: nothing of the process's own shutdown runs, as after a crash or the OOM killer.
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                runs.append(figures)
                steps.append(startup_steps(log))
                print(f"run {number + 1}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    finally:
        await drop_database()
    step_names = sorted({name for step in steps for name in step})
    return {
        "runs": args.runs,
        "src": args.src or "installed",
        "mode": "worker killed under --workers 1" if args.workers else "process killed and started again",
        "median_s": {key: median([figures[key] for figures in runs]) for key in runs[0]},
        "startup_steps_median_s": {name: median([step[name] for step in steps if name in step]) for name in step_names},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="kill -9 and start again this many times (5)")
    parser.add_argument("--src", help="sources to run (PYTHONPATH), e.g. another checkout's src/")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--workers", action="store_true", help="serve --workers 1 and kill its worker, which the parent forks again"
    )
    args = parser.parse_args()
    if args.src:
        args.src = str(Path(args.src).resolve())
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result["median_s"].items():
            print(f"{key:>8}: {value:.2f} s (median of {args.runs})")
        for key, value in result["startup_steps_median_s"].items():
            print(f"{key:>24}: {value:.3f} s")


if __name__ == "__main__":
    main()
