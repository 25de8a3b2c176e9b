"""Faults inside the chat server reach the customer as a frame or a close code, never as a cut connection, and
every logged exception carries its stack."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import websockets
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from madoguchi import intake
from madoguchi.channels import webchat
from tests.helpers import ChatClient

if TYPE_CHECKING:
    import logging


def _no_asgi_exception(records: list[logging.LogRecord]) -> None:
    escaped = [record for record in records if "Exception in ASGI application" in record.getMessage()]
    assert escaped == [], "an error escaped the chat handler to uvicorn"


async def test_a_database_error_on_a_message_is_answered_unavailable_and_the_resend_is_acknowledged(
    server: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    receive = intake.do_receive
    failures = [OperationalError("INSERT INTO messages", {}, ConnectionResetError("database went away"))]

    async def failing_once(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return await receive(*args, **kwargs)

    monkeypatch.setattr(intake, "do_receive", failing_once)
    with capture_logs() as logs:
        await _say_twice(server)
    _no_asgi_exception(caplog.records)
    logged = [entry for entry in logs if entry["event"] == "chat.frame_failed"]
    assert len(logged) == 1
    assert logged[0]["log_level"] == "error"
    assert logged[0]["exc_info"]


async def _say_twice(server: str) -> None:
    async with ChatClient(server) as chat:
        client_id = str(uuid.uuid4())
        refused = await chat.say("こんにちは", client_id)
        assert refused["type"] == "error"
        assert refused["code"] == "unavailable"
        assert refused["client_id"] == client_id
        assert "again" in refused["message"]
        # The same socket goes on, and the resend by client_id is taken.
        ack = await chat.say("こんにちは", client_id)
        assert ack["type"] == "ack", ack
        assert ack["duplicate"] is False


async def test_a_database_error_while_opening_the_chat_closes_it_with_try_again_later(
    server: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def database_away(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT customers", {}, ConnectionRefusedError("database is down"))

    monkeypatch.setattr(webchat, "_open", database_away)
    async with websockets.connect(server.replace("http://", "ws://") + "/ws/chat") as socket:
        frame = json.loads(await socket.recv())
        assert frame["type"] == "error"
        assert frame["code"] == "unavailable"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == webchat.CLOSE_TRY_AGAIN_LATER
    _no_asgi_exception(caplog.records)


async def test_a_socket_that_cannot_go_on_is_closed_with_a_close_frame(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with ChatClient(server) as chat:
        assert chat.socket is not None
        # A binary frame is not a text frame the handler can read: the connection cannot continue.
        await chat.socket.send(b"\x00\x01")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await chat.next_frame()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == webchat.CLOSE_INTERNAL_ERROR
    _no_asgi_exception(caplog.records)


_LOG_BOTH = """
import logging
from madoguchi.logs import configure_logging, get_logger

configure_logging("INFO")
try:
    {}["missing"]
except KeyError:
    logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    get_logger("madoguchi.channels.webchat").exception("chat.frame_failed")
"""


def test_every_logged_exception_carries_its_stack_in_the_json_line() -> None:
    done = subprocess.run([sys.executable, "-c", _LOG_BOTH], capture_output=True, text=True, timeout=60, check=True)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines] == ["Exception in ASGI application", "chat.frame_failed"]
    for line in lines:
        assert line["level"] == "error"
        assert line["exception"].startswith("Traceback (most recent call last):")
        assert "KeyError: 'missing'" in line["exception"]
        assert "exc_info" not in line
