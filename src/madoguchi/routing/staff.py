"""Operators leaving the floor for good: a deactivated operator's offers are withdrawn and their open
conversations go back to their desks' queues, where each keeps the place it earned by waiting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from madoguchi.agents import accounts
from madoguchi.domain.routing_map import DeskId
from madoguchi.routing.assignment import OPEN_WORK, do_set_presence, do_transfer
from madoguchi.store.models import Agent, Conversation

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.store.tx import Tx

RELEASE_NOTE = "担当者の無効化により窓口に戻しました / returned to the desk: the operator was deactivated"


async def do_deactivate_operator(tx: Tx, actor: Agent, agent: Agent, now: datetime) -> list[str]:
    """Deactivate the operator (sessions ended in every process, no log-in) and give their open conversations
    back to the queue; the ids of those conversations."""
    await accounts.do_deactivate_account(tx.session, actor, agent)
    await do_set_presence(tx, agent, "offline", now)
    conversations = list(
        await tx.session.scalars(
            select(Conversation)
            .where(Conversation.assignee_id == agent.id, Conversation.state.in_(OPEN_WORK))
            .order_by(Conversation.queued_at)
        )
    )
    for conversation in conversations:
        desk = conversation.desk or DeskId.PLATFORM_CS.value
        await do_transfer(tx, actor, conversation, now, desk=desk, note=RELEASE_NOTE)
    return [conversation.id for conversation in conversations]
