"""Conversation states and the message text rules."""

from __future__ import annotations

import pytest

from madoguchi.domain.conversation import State, can_move, state_after_customer_message
from madoguchi.domain.text import clean_message_text
from madoguchi.errors import InvalidInput


@pytest.mark.parametrize(
    ("current", "after"),
    [
        (State.BOT, State.QUEUED),
        (State.QUEUED, State.QUEUED),
        (State.ASSIGNED, State.ASSIGNED),
        (State.WAITING, State.ASSIGNED),
        (State.RESOLVED, State.QUEUED),
    ],
)
def test_where_a_customer_message_moves_the_conversation(current: State, after: State) -> None:
    assert state_after_customer_message(current) is after


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (State.QUEUED, State.ASSIGNED, True),
        (State.ASSIGNED, State.RESOLVED, True),
        (State.RESOLVED, State.ASSIGNED, False),
        # Reopened to the bot when it never left the bot (a chat the customer ended or left idle).
        (State.RESOLVED, State.BOT, True),
        (State.BOT, State.RESOLVED, True),
        (State.RESOLVED, State.WAITING, False),
        (State.QUEUED, State.WAITING, False),
    ],
)
def test_allowed_moves(current: State, target: State, allowed: bool) -> None:
    assert can_move(current, target) is allowed


def test_text_is_kept_as_written_but_trimmed() -> None:
    assert clean_message_text("  ｵﾍﾟﾚｰﾀｰ　お願いします\n ", 100) == "ｵﾍﾟﾚｰﾀｰ　お願いします"


@pytest.mark.parametrize(
    ("text", "message"),
    [(None, "must be text"), ("", "empty"), ("\x00\x07", "empty"), ("a" * 11, "limit is 10")],
)
def test_unacceptable_text_says_what_to_change(text: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        clean_message_text(text, 10)
