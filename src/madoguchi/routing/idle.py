"""Chats the customer has left: a conversation still with the bot whose customer has written nothing for
`MADOGUCHI_BOT_IDLE_MINUTES` is resolved by the bot (it never reached a queue, so it is the bot's resolution).

A chat in which the customer never wrote is left alone: nobody asked anything, and resolving it would count
an opened page as a need the bot met. Several processes run the pass side by side: each takes the rows the
others have not locked (`SKIP LOCKED` on PostgreSQL), and a pass takes at most `limit` of them. The pass reads
only the chats that went quiet within LOOKBACK before the cut-off (by the index on state and last activity):
the unopened chats, which stay with the bot, do not pile up in every pass; a chat left for longer than that while
no process ran at all stays as it is.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from madoguchi.conversations import actions
from madoguchi.domain.conversation import Author, State
from madoguchi.store.models import Conversation, Message

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.store.tx import Tx

BATCH = 100
LOOKBACK = timedelta(days=7)


async def do_resolve_idle_bot_chats(tx: Tx, now: datetime, idle: timedelta, limit: int = BATCH) -> list[str]:
    """Resolve, as the bot, the chats with the bot whose customer's last message is older than `idle`; returns
    their ids."""
    last_heard = (
        select(func.max(Message.created_at))
        .where(Message.conversation_id == Conversation.id, Message.author == Author.CUSTOMER.value)
        .correlate(Conversation)
        .scalar_subquery()
    )
    cutoff = now - idle
    # The last activity is the customer's last message or the bot's answer to it (a chat with the bot has no
    # other); it bounds the rows read. `last_heard` is NULL for a chat without a word from the customer: never idle.
    idle_chats = list(
        await tx.session.scalars(
            select(Conversation)
            .where(
                Conversation.state == State.BOT.value,
                Conversation.last_activity_at <= cutoff,
                Conversation.last_activity_at > cutoff - LOOKBACK,
                last_heard <= cutoff,
            )
            .order_by(Conversation.last_activity_at, Conversation.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Conversation)
        )
    )
    for conversation in idle_chats:
        await actions.do_resolve(tx, "bot", conversation, now=now)
    return [conversation.id for conversation in idle_chats]
