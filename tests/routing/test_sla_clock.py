"""SLA clocks count calendar time or the desk's opening hours, as the desk's policy says."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from madoguchi.routing import sla
from madoguchi.routing.desks import Hours
from madoguchi.store.models import Desk, SlaTimer
from tests.routing.test_live_routing import queued_chat

if TYPE_CHECKING:
    from madoguchi.runtime import Runtime

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS_9_TO_18 = Hours(
    {day: "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": None, "sun": None}
)


def test_opening_hours_stand_still_at_night_at_weekends_and_on_holidays() -> None:
    friday_evening = datetime(2026, 12, 11, 17, 0, tzinfo=TOKYO)
    # One hour left on Friday, seven more on Monday.
    assert WEEKDAYS_9_TO_18.after_open_time(friday_evening, timedelta(hours=8)) == datetime(
        2026, 12, 14, 16, 0, tzinfo=TOKYO
    )
    # Started while closed: counted from the opening.
    saturday = datetime(2026, 12, 12, 11, 0, tzinfo=TOKYO)
    assert WEEKDAYS_9_TO_18.after_open_time(saturday, timedelta(minutes=30)) == datetime(
        2026, 12, 14, 9, 30, tzinfo=TOKYO
    )
    # New Year's Eve is a Thursday; New Year's Day a public holiday with no "holiday" span: closed.
    new_year = Hours({day: "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")} | {"holiday": None})
    assert new_year.after_open_time(datetime(2026, 12, 31, 17, 30, tzinfo=TOKYO), timedelta(hours=1)) == datetime(
        2027, 1, 4, 9, 30, tzinfo=TOKYO
    )


async def test_a_conversation_queued_at_closing_time_on_a_business_hours_desk_is_due_when_it_reopens(
    runtime: Runtime,
) -> None:
    # Payments answers 9:00-20:00 on weekdays and 10:00-18:00 at weekends; a payment problem is high priority,
    # so its first response is due within 15 minutes of opening hours.
    five_to_closing = datetime(2026, 12, 11, 19, 55, tzinfo=TOKYO)  # a Friday
    conversation_id, placement = await queued_chat(
        runtime, customer="c002", intent="payment_issue", now=five_to_closing
    )
    assert (placement.desk, placement.priority) == ("payments", "high")
    async with runtime.sessions() as session:
        desk = await session.get(Desk, "payments")
        timer = await session.scalar(
            select(SlaTimer).where(SlaTimer.conversation_id == conversation_id, SlaTimer.kind == sla.FIRST_RESPONSE)
        )
    assert desk is not None
    assert desk.sla_clock == sla.BUSINESS_HOURS
    assert timer is not None
    # Five minutes on Friday, ten when the desk opens on Saturday: not 20:10 on Friday, when nobody is there.
    assert timer.due_at == datetime(2026, 12, 12, 10, 10, tzinfo=TOKYO)


async def test_a_calendar_desk_counts_every_hour(runtime: Runtime) -> None:
    friday_evening = datetime(2026, 12, 11, 19, 0, tzinfo=TOKYO)
    conversation_id, placement = await queued_chat(runtime, customer="c002", intent="complaint", now=friday_evening)
    assert placement.desk == "platform_cs"
    async with runtime.sessions() as session:
        timer = await session.scalar(
            select(SlaTimer).where(SlaTimer.conversation_id == conversation_id, SlaTimer.kind == sla.FIRST_RESPONSE)
        )
        desk = await session.get(Desk, "platform_cs")
    assert timer is not None
    assert desk is not None
    assert timer.due_at == friday_evening + timedelta(minutes=desk.first_response_minutes)
