"""Customers who are not signed in may write only so fast; signed-in customers are not limited that way."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
import websockets
from sqlalchemy import func, select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Customer
from madoguchi.trust.identity import sign_token
from tests.conftest import running_server
from tests.helpers import CUSTOMER_SATO, ChatClient

if TYPE_CHECKING:
    from madoguchi.settings import Settings


async def test_an_anonymous_customer_past_the_limit_is_refused_and_the_resend_is_accepted_later(
    settings: Settings,
) -> None:
    settings = settings.model_copy(update={"rate_limit_anonymous_messages": "3/minute"})
    async with running_server(settings) as server, ChatClient(server) as chat:
        for number in range(3):
            assert (await chat.say(f"質問 {number}"))["type"] == "ack"
        refused = await chat.say("もう一つ質問", client_id="kept-for-later")
        assert refused["type"] == "error"
        assert refused["code"] == "rate_limited"
        # Nothing was stored for the refused message: the history has the three accepted ones only.
    async with running_server(settings) as server, ChatClient(server) as chat:
        assert (await chat.say("別の方の質問"))["type"] == "ack"


async def test_a_signed_in_customer_is_not_held_to_the_anonymous_limit(settings: Settings) -> None:
    settings = settings.model_copy(update={"rate_limit_anonymous_messages": "2/minute"})
    token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
    async with running_server(settings) as server, ChatClient(server, token=token) as chat:
        for number in range(4):
            assert (await chat.say(f"注文について {number}"))["type"] == "ack"


async def _anonymous_customers(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).where(Customer.is_anonymous)) or 0)
    finally:
        await engine.dispose()


async def test_new_visitors_from_one_address_past_the_limit_are_refused_with_a_close_code(settings: Settings) -> None:
    settings = settings.model_copy(update={"rate_limit_new_visitors": "3/minute"})
    before = await _anonymous_customers(settings)
    async with running_server(settings) as server:
        visitors = []
        for _ in range(3):
            async with ChatClient(server) as chat:
                visitors.append(chat.hello["visitor_token"])
        async with websockets.connect(ChatClient(server).url) as socket:
            frame = json.loads(await socket.recv())
            assert (frame["type"], frame["code"]) == ("error", "rate_limited")
            assert "reload the page" in frame["message"]
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4429
        # Returning visitors and signed-in customers create nobody and are still let in.
        async with ChatClient(server, visitor=visitors[0]) as chat:
            assert chat.hello["type"] == "hello"
        token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
        async with ChatClient(server, token=token) as chat:
            assert chat.hello["type"] == "hello"
    # The refused connection left no customer behind.
    assert await _anonymous_customers(settings) == before + 3


async def test_anonymous_messages_are_limited_per_address_across_visitors(settings: Settings) -> None:
    settings = settings.model_copy(
        update={"rate_limit_anonymous_messages": "5/minute", "rate_limit_anonymous_messages_per_address": "4/minute"}
    )
    async with running_server(settings) as server, ChatClient(server) as first, ChatClient(server) as second:
        for number in range(2):
            assert (await first.say(f"質問 {number}"))["type"] == "ack"
            assert (await second.say(f"質問 {number}"))["type"] == "ack"
        refused = await second.say("もう一つ")
        assert (refused["type"], refused["code"]) == ("error", "rate_limited")
