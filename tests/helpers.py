"""Clients that talk to a running server the way the browser pages do."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import websockets

if TYPE_CHECKING:
    from types import TracebackType

    from websockets.asyncio.client import ClientConnection

FRAME_TIMEOUT_S = 10.0


class ChatClient:
    """A customer's chat socket (`/ws/chat`)."""

    def __init__(self, base_url: str, **query: str) -> None:
        params = "&".join(f"{key}={value}" for key, value in query.items())
        self.url = base_url.replace("http://", "ws://") + "/ws/chat" + (f"?{params}" if params else "")
        self.socket: ClientConnection | None = None
        self.hello: dict[str, Any] = {}
        self.frames: list[dict[str, Any]] = []
        self._unread: list[dict[str, Any]] = []

    async def __aenter__(self) -> ChatClient:
        self.socket = await websockets.connect(self.url)
        self.hello = await self.next_frame()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def next_frame(self, timeout: float = FRAME_TIMEOUT_S) -> dict[str, Any]:
        """The next frame from the socket (frames skipped by `wait_for` are not returned again)."""
        assert self.socket is not None
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        self.frames.append(frame)
        return frame

    async def wait_for(self, predicate: Any, timeout: float = FRAME_TIMEOUT_S) -> dict[str, Any]:
        """The first unconsumed frame for which predicate(frame) is true, whether it came already or comes next."""
        for index, frame in enumerate(self._unread):
            if predicate(frame):
                return self._unread.pop(index)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame; received {self.frames}")
            frame = await self.next_frame(remaining)
            if predicate(frame):
                return frame
            self._unread.append(frame)

    async def send_raw(self, raw: str) -> None:
        assert self.socket is not None
        await self.socket.send(raw)

    async def say(self, text: str, client_id: str | None = None) -> dict[str, Any]:
        """Send a message and return its acknowledgement (or the error that refused it)."""
        client_id = client_id or str(uuid.uuid4())
        await self.send_raw(json.dumps({"type": "message", "client_id": client_id, "text": text}))
        return await self.wait_for(
            lambda frame: frame["type"] in ("ack", "error") and frame.get("client_id") == client_id
        )

    async def status(self, state: str, timeout: float = FRAME_TIMEOUT_S) -> dict[str, Any]:
        """The status frame announcing `state` (earlier status frames are passed over)."""
        return await self.wait_for(lambda frame: frame["type"] == "status" and frame["state"] == state, timeout)

    async def message_from(self, author: str, containing: str = "", timeout: float = FRAME_TIMEOUT_S) -> dict[str, Any]:
        frame = await self.wait_for(
            lambda frame: (
                frame["type"] == "message"
                and frame["message"]["author"] == author
                and containing in frame["message"]["text"]
            ),
            timeout,
        )
        message: dict[str, Any] = frame["message"]
        return message


class Console:
    """An operator logged in to the console's REST API, sending the CSRF token as the page does."""

    def __init__(self, base_url: str, email: str, password: str) -> None:
        self.base_url = base_url
        self.email = email
        self.password = password
        self.http = httpx.AsyncClient(base_url=base_url, timeout=10)
        self.csrf = ""
        self.agent: dict[str, Any] = {}

    async def __aenter__(self) -> Console:
        answer = await self.http.post("/api/v1/auth/login", json={"email": self.email, "password": self.password})
        answer.raise_for_status()
        self.csrf = answer.json()["csrf_token"]
        self.agent = answer.json()["agent"]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.http.aclose()

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(path, json=body, headers={"X-CSRF-Token": self.csrf})

    async def lists(self) -> dict[str, Any]:
        answer = await self.get("/api/v1/console/conversations")
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    async def take(self, conversation_id: str) -> dict[str, Any]:
        answer = await self.post(f"/api/v1/console/conversations/{conversation_id}/take")
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    async def reply(self, conversation_id: str, text: str) -> dict[str, Any]:
        answer = await self.post(f"/api/v1/console/conversations/{conversation_id}/messages", {"text": text})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def feed_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/ws/console"

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())


# Personas of the demo marketplace (src/madoguchi/demo/data).
AGENT_TANAKA = ("tanaka@madoguchi.localhost", "demo-tanaka")
SHOP_AGENT_YAMADA = ("yamada@kyoto-kotonoha.localhost", "demo-kotonoha")  # 京都ことのは
SHOP_AGENT_KOBAYASHI = ("kobayashi@hikari-denki.localhost", "demo-hikari")  # ひかり電機
CUSTOMER_SATO = "c001"
