"""Conversation states and the moves between them.

`bot → queued → assigned → waiting → resolved`; a resolved conversation is reopened when the customer writes
again within the resume window: back to the queue, or back to the bot when it never left the bot (a chat the
customer ended or left idle while the bot was answering).
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    WAITING = "waiting"
    RESOLVED = "resolved"


class Author(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


OPEN_STATES = frozenset({State.BOT, State.QUEUED, State.ASSIGNED, State.WAITING})

_MOVES: dict[State, frozenset[State]] = {
    State.BOT: frozenset({State.QUEUED, State.ASSIGNED, State.RESOLVED}),
    State.QUEUED: frozenset({State.ASSIGNED, State.RESOLVED}),
    State.ASSIGNED: frozenset({State.WAITING, State.QUEUED, State.RESOLVED}),
    State.WAITING: frozenset({State.ASSIGNED, State.QUEUED, State.RESOLVED}),
    State.RESOLVED: frozenset({State.QUEUED, State.BOT}),
}


def can_move(current: State, target: State) -> bool:
    return target in _MOVES[current]


def state_after_customer_message(current: State) -> State:
    """Where a conversation goes when the customer writes.

    Until the bot answers by itself, a new conversation queues for an operator; a reply to an operator puts
    the ball back in the operator's court; writing into a resolved conversation reopens it.
    """
    if current in (State.BOT, State.RESOLVED):
        return State.QUEUED
    if current is State.WAITING:
        return State.ASSIGNED
    return current
