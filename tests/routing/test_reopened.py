"""A resolved conversation reopened by a new message is routed for that message, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from madoguchi.conversations import actions
from madoguchi.routing import assignment, queueing
from madoguchi.routing.decision import decide_understood
from madoguchi.store.models import Conversation
from tests.routing.test_live_routing import agent, queued_chat, understood

if TYPE_CHECKING:
    from madoguchi.domain.clock import Clock
    from madoguchi.runtime import Runtime


async def test_a_reopened_conversation_goes_to_the_desk_of_its_new_need_not_the_one_it_was_transferred_to(
    runtime: Runtime, clock: Clock
) -> None:
    conversation_id, first = await queued_chat(runtime, customer="c002", intent="cancel_order", now=clock.now())
    assert first.desk == "platform_cs"
    tanaka = await agent(runtime, "tanaka@madoguchi.localhost")
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, conversation_id)
        assert row is not None
        await assignment.do_transfer(tx, tanaka, row, clock.now(), desk="payments", note="")
        await actions.do_take(tx, tanaka, row)
        await actions.do_resolve(tx, tanaka, row)
        await tx.commit()
    clock.advance(timedelta(hours=2))
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, conversation_id)
        assert row is not None
        await actions.do_receive_customer_message(tx, row, text="ログインできません", client_id="c2")
        assert row.state == "queued"
        decision = await decide_understood(tx.session, understood("account_compromised"))
        placement = await queueing.do_place(tx, row, decision, clock.now())
        await tx.commit()
    assert placement.desk == "member_support"
    assert not any(reason.startswith("desk_chosen") for reason in placement.reasons)
