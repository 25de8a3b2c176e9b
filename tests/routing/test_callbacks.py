"""Callbacks keep to the desk's hours and to the window the customer chose."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from madoguchi.bot.engine import callback_window
from madoguchi.errors import InvalidInput
from madoguchi.routing import callbacks
from madoguchi.store.models import Conversation
from tests.routing.test_live_routing import agent, queued_chat

if TYPE_CHECKING:
    from madoguchi.runtime import Runtime

TOKYO = ZoneInfo("Asia/Tokyo")
# A Tuesday, no public holiday.
TUESDAY = datetime(2026, 12, 8, tzinfo=TOKYO)


async def _payments_chat(runtime: Runtime, now: datetime) -> Conversation:
    conversation_id, _ = await queued_chat(runtime, customer="c002", intent="payment_issue", now=now)
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.desk == "payments"  # open 9:00-20:00 on weekdays
        return conversation


async def test_a_callback_window_when_the_desk_is_closed_is_refused_with_its_next_opening(runtime: Runtime) -> None:
    now = TUESDAY.replace(hour=1)
    conversation = await _payments_chat(runtime, now)
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, conversation.id)
        with pytest.raises(InvalidInput, match="営業時間外") as refused:
            await callbacks.request_callback(
                tx,
                customer_id="c002",
                phone="090-3812-4471",
                window_start=TUESDAY.replace(hour=2),
                window_end=TUESDAY.replace(hour=3),
                now=now,
                conversation=row,
            )
        assert "9:00" in refused.value.message


async def test_a_window_that_starts_before_the_desk_opens_is_called_from_the_opening(runtime: Runtime) -> None:
    now = TUESDAY.replace(hour=1)
    conversation = await _payments_chat(runtime, now)
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, conversation.id)
        booked = await callbacks.request_callback(
            tx,
            customer_id="c002",
            phone="090-3812-4471",
            window_start=TUESDAY.replace(hour=8),
            window_end=TUESDAY.replace(hour=10),
            now=now,
            conversation=row,
        )
        await tx.commit()
    assert booked.next_attempt_at == TUESDAY.replace(hour=9)


async def test_a_retry_after_no_answer_stays_inside_the_chosen_window(runtime: Runtime) -> None:
    now = TUESDAY.replace(hour=9, minute=5)
    conversation = await _payments_chat(runtime, now)
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, conversation.id)
        booked = await callbacks.request_callback(
            tx,
            customer_id="c002",
            phone="090-3812-4471",
            window_start=TUESDAY.replace(hour=9),
            window_end=TUESDAY.replace(hour=10),
            now=now,
            conversation=row,
        )
        await tx.commit()
    tanaka = await agent(runtime, "tanaka@madoguchi.localhost")
    async with runtime.transaction() as tx:
        await callbacks.do_start_call(tx, tanaka, booked.id)
        # Early in the window: the next try is half an hour later, still inside it.
        early = await callbacks.do_record_outcome(
            tx, tanaka, booked.id, "no_answer", TUESDAY.replace(hour=9, minute=10)
        )
        assert early.next_attempt_at == TUESDAY.replace(hour=9, minute=40)
        await tx.commit()
    async with runtime.transaction() as tx:
        await callbacks.do_start_call(tx, tanaka, booked.id)
        # Late in the window: the same window tomorrow, not an hour the customer did not choose.
        late = await callbacks.do_record_outcome(tx, tanaka, booked.id, "no_answer", TUESDAY.replace(hour=9, minute=50))
        assert late.state == "waiting"
        assert late.next_attempt_at == TUESDAY.replace(hour=9) + timedelta(days=1)
        assert (late.window_start, late.window_end) == (
            TUESDAY.replace(hour=9) + timedelta(days=1),
            TUESDAY.replace(hour=10) + timedelta(days=1),
        )


def test_a_window_with_too_little_left_today_is_offered_tomorrow() -> None:
    start, end = callback_window("evening", TUESDAY.replace(hour=20, minute=45))
    assert (start, end) == (TUESDAY.replace(hour=18) + timedelta(days=1), TUESDAY.replace(hour=21) + timedelta(days=1))
    start, end = callback_window("evening", TUESDAY.replace(hour=19))
    assert (start, end) == (TUESDAY.replace(hour=19), TUESDAY.replace(hour=21))


async def test_the_windows_offered_to_a_waiting_customer_are_all_within_the_desks_hours(runtime: Runtime) -> None:
    # 19:40 on a Tuesday: the payments desk closes at 20:00, too soon for a window of half an hour.
    now = TUESDAY.replace(hour=19, minute=40)
    conversation = await _payments_chat(runtime, now)
    async with runtime.sessions() as session:
        row = await session.get(Conversation, conversation.id)
        assert row is not None
        windows = await callbacks.callback_windows(session, row, now)
    wednesday = TUESDAY + timedelta(days=1)
    assert [(start.astimezone(TOKYO), end.astimezone(TOKYO)) for start, end in windows] == [
        (wednesday.replace(hour=9 + n), wednesday.replace(hour=10 + n)) for n in range(4)
    ]
    # Each is one the booking rules accept.
    async with runtime.transaction() as tx:
        row = await tx.session.get(Conversation, conversation.id)
        booked = await callbacks.request_callback(
            tx,
            customer_id="c002",
            phone="090-3812-4471",
            window_start=windows[0][0],
            window_end=windows[0][1],
            now=now,
            conversation=row,
        )
    assert booked.next_attempt_at == wednesday.replace(hour=9)


async def test_the_last_window_of_the_day_ends_when_the_desk_closes(runtime: Runtime) -> None:
    now = TUESDAY.replace(hour=18, minute=50)
    conversation = await _payments_chat(runtime, now)
    async with runtime.sessions() as session:
        row = await session.get(Conversation, conversation.id)
        assert row is not None
        windows = await callbacks.callback_windows(session, row, now, count=2)
    assert [(start.astimezone(TOKYO), end.astimezone(TOKYO)) for start, end in windows] == [
        (TUESDAY.replace(hour=19), TUESDAY.replace(hour=20)),
        ((TUESDAY + timedelta(days=1)).replace(hour=9), (TUESDAY + timedelta(days=1)).replace(hour=10)),
    ]
