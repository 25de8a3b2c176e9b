"""`madoguchi serve --workers N`: a parent that has imported everything once and forks the serving processes.

Most of a process's start is importing its code (docs/benchmarks.md, "Restart after kill -9"). A worker that dies
by a signal (kill -9, the OOM killer, a crash in a C library) is forked again from this parent, which has that
work done: it serves again in the time its runtime takes to start, not the whole process's. The parent opens no
connection and starts no event loop of its own, so nothing it holds is shared by two processes after a fork.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from typing import TYPE_CHECKING

import uvicorn

from madoguchi.logs import get_logger

if TYPE_CHECKING:
    import socket
    from types import FrameType

log = get_logger(__name__)

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: this worker gets SIGKILL when the parent dies, even by kill -9, so no orphan keeps the port."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _run_worker(config: uvicorn.Config, listener: socket.socket, startup_s: dict[str, float]) -> None:
    code = 1
    try:
        _die_with_parent()
        # What the parent imported, a forked worker has: its start (server.started) owes nothing to imports.
        startup_s["imports"] = 0.0
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        server = uvicorn.Server(config)
        server.run(sockets=[listener])
        # uvicorn exits with 3 when the application could not start (the schema, Redis at start-up).
        code = 0 if server.started else 3
    except BaseException:
        log.exception("serve.worker_failed")
    finally:
        os._exit(code)


def supervise(config: uvicorn.Config, workers: int, startup_s: dict[str, float]) -> int:
    """Fork `workers` processes serving `config` on one listening socket; fork again any that a signal killed.

    `startup_s` is the dictionary the application reports its start-up steps from (`create_app`). Returns the
    exit code: 0 after SIGTERM or SIGINT (passed on to the workers), or the code of a worker that
    exited by itself (it could not start: running it again would fail again)."""
    listener = config.bind_socket()
    children: dict[int, float] = {}
    stopping = False
    exit_code = 0

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            _run_worker(config, listener, startup_s)
        children[pid] = time.monotonic()
        log.info("serve.worker_started", pid=pid, parent=os.getpid())

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                continue

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        spawn()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None:
            continue
        if stopping:
            continue
        if os.WIFSIGNALED(status):
            log.warning(
                "serve.worker_killed",
                pid=pid,
                signal=signal.Signals(os.WTERMSIG(status)).name,
                lived_s=round(time.monotonic() - started, 1),
            )
            spawn()
            continue
        # Exited by itself: it could not start or gave up; stop the others and say so.
        exit_code = os.waitstatus_to_exitcode(status) or 1
        log.error("serve.worker_exited", pid=pid, code=exit_code)
        stop(signal.SIGTERM, None)
    listener.close()
    return exit_code
