"""`madoguchi serve --workers N`: a worker killed with -9 is forked again from the parent, which has imported
everything already, and serves again; the parent's own death takes its workers with it; SIGTERM stops all."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from madoguchi.domain.clock import utcnow

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.multiprocess]
MADOGUCHI = str(Path(sys.executable).with_name("madoguchi"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _entries(log: Path, event: str) -> list[dict[str, Any]]:
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if f'"{event}"' in line:
            entry = json.loads(line)
            if entry.get("event") == event:
                found.append(entry)
    return found


async def _serving(base: str, process: subprocess.Popen[bytes], log: Path, within: float = 60) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() - started < within:
            if process.poll() is not None:
                pytest.fail(f"madoguchi serve exited with {process.returncode}: {log.read_text()[-3000:]}")
            try:
                if (await http.get(f"{base}/healthz")).json() == {"status": "ok"}:
                    return time.monotonic() - started
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
    pytest.fail(f"nothing answered /healthz within {within} s: {log.read_text()[-3000:]}")


def _gone(pid: int, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A dead process stays a zombie until its parent reaps it.
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def supervised(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    database = tmp_path / "madoguchi.db"
    shutil.copy(sqlite_template, database)
    log = tmp_path / "serve.log"
    port = _free_port()
    env = {
        **os.environ,
        "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "MADOGUCHI_SMTP_LISTEN": "",
        "MADOGUCHI_CLOCK_START": utcnow().isoformat(),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [MADOGUCHI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        yield process, f"http://127.0.0.1:{port}", log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for entry in _entries(log, "serve.worker_started"):
            if not _gone(entry["pid"], within=5):
                os.kill(entry["pid"], signal.SIGKILL)


async def test_a_worker_killed_with_9_is_forked_again_and_serves_without_importing_again(
    supervised: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base, log = supervised
    await _serving(base, process, log)
    [first] = _entries(log, "serve.worker_started")
    os.kill(first["pid"], signal.SIGKILL)

    await asyncio.sleep(0.2)
    await _serving(base, process, log, within=30)
    killed = _entries(log, "serve.worker_killed")
    assert [(entry["pid"], entry["signal"]) for entry in killed] == [(first["pid"], "SIGKILL")]
    workers = _entries(log, "serve.worker_started")
    assert len(workers) == 2
    assert workers[1]["pid"] != first["pid"]
    assert workers[1]["parent"] == process.pid
    # The new worker owed nothing to imports: the parent had made them.
    started = _entries(log, "server.started")
    assert len(started) == 2
    assert started[1]["startup_s"]["imports"] == 0.0

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert _gone(workers[1]["pid"])


async def test_the_workers_die_with_their_parent_so_none_keeps_the_port(
    supervised: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base, log = supervised
    await _serving(base, process, log)
    [worker] = _entries(log, "serve.worker_started")
    process.kill()
    process.wait(timeout=10)
    assert _gone(worker["pid"]), "the worker outlived its parent"
    async with httpx.AsyncClient(timeout=2) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{base}/healthz")


def test_several_workers_with_the_inbound_smtp_port_are_refused_with_what_to_change() -> None:
    done = subprocess.run(
        [MADOGUCHI, "serve", "--workers", "2"],
        env={**os.environ, "MADOGUCHI_SMTP_LISTEN": "127.0.0.1:2525"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "MADOGUCHI_SMTP_LISTEN" in done.stderr
    assert "--workers 1" in done.stderr
