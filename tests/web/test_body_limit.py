"""Request bodies over the limit are refused with 413 and a sentence, before they are read whole or parsed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from madoguchi.web.body_limit import BodyLimit
from tests.conftest import running_server

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.types import Message, Receive, Scope, Send

    from madoguchi.settings import Settings


async def test_a_json_body_over_the_limit_is_refused_with_a_sentence(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 1000})
    async with running_server(small) as server, httpx.AsyncClient(base_url=server) as http:
        fine = await http.post("/api/v1/trust/check", json={"input": "example.com"})
        assert fine.status_code == 200
        refused = await http.post("/api/v1/trust/check", json={"input": "x" * 2000})
        assert refused.status_code == 413
        assert refused.json()["code"] == "too_large"
        assert refused.json()["max_bytes"] == 1000
        assert "larger than this endpoint accepts (1000 bytes)" in refused.json()["message"]

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"input": "'
            for _ in range(10):
                yield b"x" * 500
            yield b'"}'

        # Without a Content-Length the body is counted as it arrives.
        streamed = await http.post(
            "/api/v1/trust/check", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        assert streamed.json()["code"] == "too_large"


async def test_an_upload_over_the_photo_limit_is_refused_before_authentication(settings: Settings) -> None:
    small = settings.model_copy(update={"photo_max_bytes": 1000})
    async with running_server(small) as server, httpx.AsyncClient(base_url=server) as http:
        answer = await http.post("/api/v1/chat/anything/photos", files={"file": ("big.png", b"\x00" * 200_000)})
        assert answer.status_code == 413
        assert answer.json()["max_bytes"] == 1000 + 64 * 1024
        # Within the limit the credential is what is missing.
        small_upload = await http.post("/api/v1/chat/anything/photos", files={"file": ("a.png", b"\x00" * 10)})
        assert small_upload.status_code == 401


async def test_the_body_is_read_no_further_than_one_chunk_past_the_limit() -> None:
    chunks_read = 0

    async def reader(scope: Scope, receive: Receive, send: Send) -> None:
        body = await Request(scope, receive).body()
        await PlainTextResponse(str(len(body)))(scope, receive, send)

    async def receive() -> Message:
        nonlocal chunks_read
        chunks_read += 1
        return {"type": "http.request", "body": b"x" * 100, "more_body": chunks_read < 1000}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "query_string": b""}
    await BodyLimit(reader, lambda path: 250)(scope, receive, send)
    assert chunks_read == 3
    assert [message.get("status") for message in sent if message["type"] == "http.response.start"] == [413]
