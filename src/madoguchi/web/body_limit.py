"""A size limit on every request body, applied before the application reads or parses it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses with 413 a body larger than `limit_for(path)`: at once when Content-Length says so, else as soon as
    one byte past the limit arrives, so that no more than the limit and a chunk is ever held."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        received = 0
        over = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, over
            if over:
                # The application is told the client went away: it stops reading, and its answer is not sent.
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            # A parser cut off in the middle of the body may fail any way it likes: the body was the fault.
            if not over:
                raise
        if over and not started:
            await _refuse(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    size = f"{limit / (1024 * 1024):.1f} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    body = orjson.dumps(
        {
            "code": "too_large",
            "message": f"The request body is larger than this endpoint accepts ({size}): send less. "
            f"/ 送信内容が大きすぎます（上限 {size}）。",
            "max_bytes": limit,
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


PHOTO_UPLOAD = re.compile(r"/api/v1/(console/conversations|chat)/[^/]+/photos")
MAIL_UPLOAD = frozenset({"/api/v1/trust/check-email", "/api/v1/trust/reports/mail"})
# Room for the multipart framing and the form's other fields around the photo itself.
FORM_MARGIN = 64 * 1024
