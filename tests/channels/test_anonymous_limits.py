"""Customers who are not signed in may write only so fast; signed-in customers are not limited that way."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
