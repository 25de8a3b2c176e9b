"""Operator sessions: the console's live feed ends with its session, a one-time code is taken once, and failed
log-ins from other addresses cannot lock an operator out."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pyotp
import websockets
from sqlalchemy import delete
from websockets.exceptions import ConnectionClosed

from madoguchi.store.db import create_engine
from madoguchi.store.models import AgentSession
from madoguchi.web import sockets
from tests.conftest import running_server
from tests.helpers import AGENT_TANAKA, ChatClient, Console

if TYPE_CHECKING:
    import pytest
    from websockets.asyncio.client import ClientConnection

    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")


async def _frames_until_closed(feed: ClientConnection) -> tuple[list[dict[str, Any]], int | None]:
    """Every frame the feed still sends, and the code it is closed with (fails if it stays open)."""
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frames.append(json.loads(await asyncio.wait_for(feed.recv(), 10)))
    except ConnectionClosed as closed:
        return frames, closed.rcvd.code if closed.rcvd else None


async def _customer_writes(server: str, text: str) -> None:
    chat = ChatClient(server)
    await chat.__aenter__()
    await chat.say(text)
    await chat.__aexit__()


async def test_the_console_feed_closes_at_log_out(server: str) -> None:
    async with (
        Console(server, *AGENT_TANAKA) as console,
        websockets.connect(console.feed_url(), additional_headers={"Cookie": console.cookie_header()}) as feed,
    ):
        assert json.loads(await feed.recv())["type"] == "hello"
        assert (await console.post("/api/v1/auth/logout")).status_code == 204
        await _customer_writes(server, "ログアウト後に見えますか")
        frames, code = await _frames_until_closed(feed)
        assert code == 4401
        assert frames[-1]["code"] == "not_authenticated"
        assert "log in again" in frames[-1]["message"]
        assert not any("event" in frame for frame in frames)


async def test_the_console_feed_of_a_session_ended_elsewhere_gets_no_more_events(
    server: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As when another process takes the log-out: only the session's row is gone.
    monkeypatch.setattr(sockets, "RECHECK_ON_DELIVERY_S", 0.0)
    async with (
        Console(server, *AGENT_TANAKA) as console,
        websockets.connect(console.feed_url(), additional_headers={"Cookie": console.cookie_header()}) as feed,
    ):
        assert json.loads(await feed.recv())["type"] == "hello"
        engine = create_engine(settings.database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(delete(AgentSession))
        finally:
            await engine.dispose()
        await _customer_writes(server, "別のプロセスでログアウト")
        frames, code = await _frames_until_closed(feed)
        assert code == 4401
        assert [frame["code"] for frame in frames] == ["not_authenticated"]
        assert frames[0]["message"] == "Your session has ended: log in again."


async def test_the_console_feed_closes_when_its_session_expires(
    server: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sockets, "RECHECK_IDLE_S", 0.1)
    async with (
        Console(server, *AGENT_TANAKA) as console,
        websockets.connect(console.feed_url(), additional_headers={"Cookie": console.cookie_header()}) as feed,
    ):
        assert json.loads(await feed.recv())["type"] == "hello"
        clock.advance(timedelta(hours=12, minutes=1))
        # No event needed: the feed's own timer notices.
        frames, code = await _frames_until_closed(feed)
        assert code == 4401
        assert frames == [
            {"type": "error", "code": "not_authenticated", "message": "Your session has expired: log in again."}
        ]


async def test_the_console_feed_keeps_delivering_while_the_session_stands(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sockets, "RECHECK_ON_DELIVERY_S", 0.0)
    async with (
        Console(server, *AGENT_TANAKA) as console,
        websockets.connect(console.feed_url(), additional_headers={"Cookie": console.cookie_header()}) as feed,
    ):
        assert json.loads(await feed.recv())["type"] == "hello"
        await _customer_writes(server, "まだ見えますか")
        frame = json.loads(await asyncio.wait_for(feed.recv(), 10))
        assert "event" in frame


async def test_a_two_factor_code_is_accepted_once(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as tanaka:
        secret = (await tanaka.post("/api/v1/auth/totp/setup")).json()["secret"]
        generator = pyotp.TOTP(secret)
        # The previous step's code (still within the window) turns it on, so that the current one stays unused.
        earlier = generator.at(time.time() - generator.interval)
        assert (await tanaka.post("/api/v1/auth/totp/enable", {"code": earlier})).status_code == 204
    code = generator.now()
    body = {"email": AGENT_TANAKA[0], "password": AGENT_TANAKA[1], "otp": code}
    async with httpx.AsyncClient(base_url=server) as first, httpx.AsyncClient(base_url=server) as second:
        assert (await first.post("/api/v1/auth/login", json=body)).status_code == 200
        replayed = await second.post("/api/v1/auth/login", json=body)
        assert replayed.status_code == 401
        assert replayed.json()["message"] == (
            "This 6-digit code has already been used: wait for the next one in your authenticator app."
        )
        # The next code of the app is taken (one step ahead is within the window).
        following = generator.at(time.time() + generator.interval)
        answer = await second.post("/api/v1/auth/login", json=body | {"otp": following})
        assert answer.status_code == 200, answer.text
        # And once it is used, the earlier code cannot come back either.
        assert (await second.post("/api/v1/auth/login", json=body)).status_code == 401


async def test_the_code_that_turns_two_factor_on_cannot_then_log_in(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as tanaka:
        secret = (await tanaka.post("/api/v1/auth/totp/setup")).json()["secret"]
        code = pyotp.TOTP(secret).now()
        assert (await tanaka.post("/api/v1/auth/totp/enable", {"code": code})).status_code == 204
        # Nor can it turn it off again, watched over someone's shoulder.
        reused = await tanaka.post("/api/v1/auth/totp/disable", {"code": code})
        assert reused.status_code == 422
        assert reused.json()["message"] == (
            "This 6-digit code has already been used: wait for the next one in your authenticator app."
        )
    body = {"email": AGENT_TANAKA[0], "password": AGENT_TANAKA[1], "otp": code}
    async with httpx.AsyncClient(base_url=server) as http:
        replayed = await http.post("/api/v1/auth/login", json=body)
        assert replayed.status_code == 401
        assert replayed.json()["message"] == (
            "This 6-digit code has already been used: wait for the next one in your authenticator app."
        )


def _from(address: str) -> dict[str, str]:
    # The test server trusts X-Forwarded-For from 127.0.0.1, as behind the reverse proxy of docs/operations.md.
    return {"X-Forwarded-For": address}


async def test_failures_from_other_addresses_do_not_lock_an_operator_out(settings: Settings) -> None:
    settings = settings.model_copy(update={"login_attempts": "3/15minutes"})
    wrong = {"email": ADMIN[0], "password": "guess"}
    right = {"email": ADMIN[0], "password": ADMIN[1]}
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server) as http:
        for attacker in range(5):
            address = f"203.0.113.{attacker + 1}"
            for _ in range(3):
                answer = await http.post("/api/v1/auth/login", json=wrong, headers=_from(address))
                assert answer.status_code == 401
            # That address is refused for this account, even with the right password.
            refused = await http.post("/api/v1/auth/login", json=right, headers=_from(address))
            assert refused.status_code == 429
            assert refused.json()["code"] == "rate_limited"
        answer = await http.post("/api/v1/auth/login", json=right, headers=_from("198.51.100.7"))
        assert answer.status_code == 200, answer.text


async def test_one_address_guessing_over_many_accounts_is_throttled(settings: Settings) -> None:
    settings = settings.model_copy(update={"login_attempts": "3/15minutes"})
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server) as http:
        # Four times the per-account allowance, spread so that no one account reaches its own limit.
        for attempt in range(12):
            body = {"email": f"nobody{attempt}@example.jp", "password": "guess"}
            assert (await http.post("/api/v1/auth/login", json=body, headers=_from("203.0.113.9"))).status_code == 401
        right = {"email": ADMIN[0], "password": ADMIN[1]}
        assert (await http.post("/api/v1/auth/login", json=right, headers=_from("203.0.113.9"))).status_code == 429
        assert (await http.post("/api/v1/auth/login", json=right, headers=_from("203.0.113.10"))).status_code == 200
