"""WebSocket endpoints: the customer chat and the operator console's live feed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from typing import TYPE_CHECKING

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.exc import SQLAlchemyError

from madoguchi.agents.auth import authenticate
from madoguchi.channels.hub import Peer, dumps
from madoguchi.channels.webchat import CLOSE_UNAUTHENTICATED, serve_customer_chat
from madoguchi.domain.clock import utcnow
from madoguchi.errors import NotAuthenticated
from madoguchi.logs import get_logger
from madoguchi.web.deps import SESSION_COOKIE, get_runtime

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.runtime import Runtime

router = APIRouter()
log = get_logger(__name__)

# A feed asks the database whether its session still stands at most this often when events arrive: a log-out in
# another process stops its events within this time, at one primary-key read per feed and interval.
RECHECK_ON_DELIVERY_S = 1.0
# Without events, an ended session's feed is closed within this time (and at its expiry, to the second).
RECHECK_IDLE_S = 30.0


class SessionEnded(Exception):
    """Raised to the hub instead of sending: it drops the feed, which then closes."""


class ConsoleFeed:
    """The session behind one console socket, checked before events are delivered and on a timer."""

    def __init__(self, runtime: Runtime, token: str, expires_at: datetime) -> None:
        self._runtime = runtime
        self._token = token
        self._expires_at = expires_at
        self._checked_at = time.monotonic()
        self._lock = asyncio.Lock()
        self.ended = asyncio.Event()
        self.reason = "Your session has ended: log in again."

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.reason = reason
            self.ended.set()

    async def still_open(self, *, recheck_after_s: float | None = None) -> bool:
        if recheck_after_s is None:
            recheck_after_s = RECHECK_ON_DELIVERY_S
        if self.ended.is_set():
            return False
        if utcnow() >= self._expires_at:
            self.end("Your session has expired: log in again.")
            return False
        if time.monotonic() - self._checked_at < recheck_after_s:
            return True
        async with self._lock:
            if self.ended.is_set() or time.monotonic() - self._checked_at < recheck_after_s:
                return not self.ended.is_set()
            try:
                async with self._runtime.sessions() as session:
                    await authenticate(session, self._token)
            except NotAuthenticated as exc:
                self.end(exc.message)
                return False
            except (SQLAlchemyError, OSError):
                # The database is away for a moment: keep the feed rather than drop every console at once.
                log.warning("console.session_check_failed")
                return True
            self._checked_at = time.monotonic()
            return True

    async def wait_until_ended(self) -> None:
        while not self.ended.is_set():
            until_expiry = (self._expires_at - utcnow()).total_seconds()
            try:
                await asyncio.wait_for(self.ended.wait(), max(0.0, min(RECHECK_IDLE_S, until_expiry)))
            except TimeoutError:
                await self.still_open(recheck_after_s=0.0)


# The open feeds of each session token in this process, so that logging out closes them at once.
_FEEDS: defaultdict[str, set[ConsoleFeed]] = defaultdict(set)


def end_feeds_of(token: str) -> None:
    """Close this process's console sockets of a session that has just been ended (log-out)."""
    for feed in _FEEDS.pop(token, set()):
        feed.end("You have logged out: log in again to follow the console.")


@router.websocket("/ws/chat")
async def customer_chat(websocket: WebSocket) -> None:
    await serve_customer_chat(websocket, get_runtime(websocket))


@router.websocket("/ws/console")
async def console_feed(websocket: WebSocket) -> None:
    """Pushes every event the operator may see while their session stands; actions go through the REST API.

    Closed with 4401 (and an error frame saying why) once the session is logged out or expires."""
    runtime = get_runtime(websocket)
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    await websocket.accept()
    # The cookie rides along on cross-site WebSocket requests too; only the console's own origin may listen.
    if origin is not None and origin.split("://", 1)[-1] != host:
        await websocket.send_text(dumps({"type": "error", "code": "forbidden", "message": "Foreign origin."}))
        await websocket.close(code=4403)
        return
    token = websocket.cookies.get(SESSION_COOKIE, "")
    try:
        async with runtime.sessions() as session:
            agent, agent_session = await authenticate(session, token)
    except NotAuthenticated as exc:
        await websocket.send_text(dumps({"type": "error", **exc.to_dict()}))
        await websocket.close(code=CLOSE_UNAUTHENTICATED)
        return
    feed = ConsoleFeed(runtime, token, agent_session.expires_at)

    async def send_while_logged_in(payload: str) -> None:
        if not await feed.still_open():
            raise SessionEnded
        await websocket.send_text(payload)

    peer = Peer(send_text=send_while_logged_in, agent_id=agent.id, agent_shop_id=agent.shop_id, agent_role=agent.role)
    runtime.hub.add(peer)
    _FEEDS[token].add(feed)
    receiving = asyncio.create_task(_answer_pings(websocket))
    ending = asyncio.create_task(feed.wait_until_ended())
    try:
        await websocket.send_text(dumps({"type": "hello", "agent_id": agent.id}))
        done, _ = await asyncio.wait({receiving, ending}, return_when=asyncio.FIRST_COMPLETED)
        if ending in done:
            runtime.hub.remove(peer)
            problem = NotAuthenticated(feed.reason)
            # The client may have gone in the meantime; there is nobody left to tell then.
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await websocket.send_text(dumps({"type": "error", **problem.to_dict()}))
                await websocket.close(code=CLOSE_UNAUTHENTICATED)
        else:
            receiving.result()
    except WebSocketDisconnect:
        pass
    finally:
        runtime.hub.remove(peer)
        feeds = _FEEDS.get(token)
        if feeds is not None:
            feeds.discard(feed)
            if not feeds:
                del _FEEDS[token]
        for task in (receiving, ending):
            task.cancel()
        await asyncio.gather(receiving, ending, return_exceptions=True)


async def _answer_pings(websocket: WebSocket) -> None:
    try:
        while True:
            if await websocket.receive_text() == '{"type":"ping"}':
                await websocket.send_text(dumps({"type": "pong"}))
    except WebSocketDisconnect:
        return
