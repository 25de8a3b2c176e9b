"""Actions on conversations that the channels do not exercise on their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from madoguchi import intake
from madoguchi.bus.base import MemoryBus
from madoguchi.conversations import actions
from madoguchi.nlu.pii import redact
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import ConversationEvent
from madoguchi.store.tx import Tx
from madoguchi.trust.checker import TrustChecker
from tests.routing.test_live_routing import understood

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from madoguchi.domain.clock import Clock


@pytest.fixture
async def tx(settings: Settings) -> AsyncIterator[Tx]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, Tx(session, MemoryBus()) as transaction:
            yield transaction
    finally:
        await engine.dispose()


async def _events(tx: Tx, conversation_id: str) -> list[ConversationEvent]:
    return list(
        await tx.session.scalars(
            select(ConversationEvent)
            .where(ConversationEvent.conversation_id == conversation_id)
            .order_by(ConversationEvent.id)
        )
    )


async def test_an_event_is_dated_when_it_happens_not_when_its_transaction_writes_it(tx: Tx, clock: Clock) -> None:
    opened_at = clock.now()
    conversation = await actions.do_open_chat(tx, customer_id="c001", shop_id=None, language="ja")
    clock.advance(timedelta(minutes=5))
    await tx.session.flush()
    (created,) = await _events(tx, conversation.id)
    assert created.type == "conversation.created"
    assert abs((created.created_at - opened_at).total_seconds()) < 1


@dataclass(frozen=True)
class _WithoutModel:
    """A process without the intent model: each message brings its understanding (as a replay does)."""

    settings: Settings
    trust: TrustChecker = field(default_factory=TrustChecker)
    nlu: None = None


async def test_the_bot_answers_an_understanding_handed_to_the_intake(tx: Tx, settings: Settings) -> None:
    conversation = await actions.do_open_chat(tx, customer_id="c001", shop_id=None, language="ja")
    text = "返品はいつまでできますか"
    received = await intake.do_receive(
        tx,
        _WithoutModel(settings),
        conversation,
        text=text,
        client_id="first",
        bot=True,
        understood=intake.Understood(redact(text), understood("check_refund_policy")),
    )
    assert received.turn is not None
    assert conversation.state == "bot"
    types = [event.type for event in await _events(tx, conversation.id)]
    assert "message.classified" in types
    assert "bot.replied" in types
