"""A signed-in customer's chat with the bot, as the widget opens it."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import delete, update

from madoguchi.demo.seed import load_demo_data
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Order, OrderAddressChange, ReturnRequest
from madoguchi.trust.identity import sign_token
from tests.helpers import ChatClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from madoguchi.settings import Settings


@lru_cache(maxsize=1)
def _seeded_statuses() -> dict[str, str]:
    return {order.number: order.status for order in load_demo_data().orders}


@pytest.fixture(autouse=True)
async def _orders_as_seeded(settings: Settings) -> AsyncIterator[None]:
    """PostgreSQL keeps the demo marketplace between tests: put back the orders the bot acted on."""
    yield
    if settings.is_sqlite:
        return
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await session.execute(delete(ReturnRequest))
            await session.execute(delete(OrderAddressChange))
            for number, status in _seeded_statuses().items():
                await session.execute(update(Order).where(Order.number == number).values(status=status))
            await session.commit()
    finally:
        await engine.dispose()


class BotChat(ChatClient):
    """A chat socket that waits for the bot's answer to each message."""

    async def ask(self, text: str) -> dict[str, Any]:
        """Send `text`; return the acknowledgement once the bot's replies to it have arrived."""
        ack = await self.say(text)
        assert ack["type"] == "ack", ack
        return ack

    async def bot(self, containing: str = "") -> str:
        message = await self.message_from("bot", containing)
        return str(message["text"])


def signed_in(server: str, settings: Settings, customer: str, lang: str = "ja") -> BotChat:
    token = sign_token(settings.identity_key, customer, "customer", 3600)
    return BotChat(server, token=token, lang=lang)


def guest(server: str, lang: str = "ja") -> BotChat:
    return BotChat(server, lang=lang)
