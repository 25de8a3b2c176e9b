"""Desk hours: weekdays, Japanese public holidays, spans past midnight, and the next opening."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from madoguchi.errors import Conflict, InvalidInput
from madoguchi.routing.callbacks import refusal_text
from madoguchi.routing.desks import Hours, _checked_contacts, describe_opening, is_public_holiday
from madoguchi.trust.directory import default_directory

JST_OFFSET = 9
WEEKDAYS_ONLY = Hours(
    {
        "mon": "09:00-18:00",
        "tue": "09:00-18:00",
        "wed": "09:00-18:00",
        "thu": "09:00-18:00",
        "fri": "09:00-18:00",
        "sat": None,
        "sun": None,
        "holiday": None,
    }
)
AROUND_THE_CLOCK = Hours({day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")})
LATE = Hours({"mon": "20:00-02:00", "tue": None, "wed": None, "thu": None, "fri": None, "sat": None, "sun": None})


def jst(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Tokyo wall-clock time as an aware UTC datetime."""
    return datetime(year, month, day, tzinfo=UTC) + timedelta(hours=hour - JST_OFFSET, minutes=minute)


@pytest.mark.parametrize(
    ("hours", "at", "open_now", "opens_at"),
    [
        # Monday 23 November 2026 is Labour Thanksgiving Day: the weekday desk stays closed until Tuesday.
        (WEEKDAYS_ONLY, jst(2026, 11, 23, 10), False, jst(2026, 11, 24, 9)),
        (WEEKDAYS_ONLY, jst(2026, 11, 24, 9), True, jst(2026, 11, 24, 9)),
        (WEEKDAYS_ONLY, jst(2026, 11, 24, 17, 59), True, jst(2026, 11, 24, 17, 59)),
        (WEEKDAYS_ONLY, jst(2026, 11, 24, 18), False, jst(2026, 11, 25, 9)),
        # Friday evening: next is Monday.
        (WEEKDAYS_ONLY, jst(2026, 11, 27, 19), False, jst(2026, 11, 30, 9)),
        # Golden Week 2026: 29 April, 3-6 May are holidays (6 May substitute); Thursday 7 May opens.
        (WEEKDAYS_ONLY, jst(2026, 5, 2, 12), False, jst(2026, 5, 7, 9)),
        (AROUND_THE_CLOCK, jst(2026, 1, 1, 3), True, jst(2026, 1, 1, 3)),
        # A span past midnight belongs to the day it starts.
        (LATE, jst(2026, 11, 30, 23), True, jst(2026, 11, 30, 23)),
        (LATE, jst(2026, 12, 1, 1, 30), True, jst(2026, 12, 1, 1, 30)),
        (LATE, jst(2026, 12, 1, 2), False, jst(2026, 12, 7, 20)),
    ],
)
def test_open_and_next_opening(hours: Hours, at: datetime, open_now: bool, opens_at: datetime) -> None:
    assert hours.is_open(at) is open_now
    assert hours.next_opening(at) == opens_at


def test_public_holidays_of_japan() -> None:
    assert is_public_holiday(jst(2026, 11, 23, 12).date())
    assert is_public_holiday(date(2026, 5, 6))  # substitute holiday
    assert not is_public_holiday(date(2026, 11, 24))


def test_closing_time_of_an_open_desk() -> None:
    assert WEEKDAYS_ONLY.closes_at(jst(2026, 11, 24, 10)) == jst(2026, 11, 24, 18)
    assert AROUND_THE_CLOCK.closes_at(jst(2026, 11, 24, 10)) is None


def test_the_opening_is_told_in_japan_time() -> None:
    assert describe_opening(jst(2026, 11, 24, 9), "ja") == "11月24日(火) 9:00"
    assert describe_opening(jst(2026, 11, 24, 9), "en") == "Tue 24 Nov 9:00"
    assert describe_opening(jst(2026, 11, 24, 9), "zh") == "11月24日（周二）9:00"
    assert describe_opening(jst(2026, 11, 24, 9), "ko") == "11월 24일(화) 9:00"


def test_a_callback_refusal_is_told_in_the_customers_language() -> None:
    closed = InvalidInput("…", reason="window_closed", next_open=jst(2026, 11, 30, 9).isoformat())
    assert refusal_text(closed, "zh") == "该时间段不在服务时间内（下次受理：11月30日（周一）9:00）。请选择其他时间段。"
    assert "11월 30일(월) 9:00" in refusal_text(closed, "ko")
    assert "Mon 30 Nov 9:00" in refusal_text(closed, "en")
    assert refusal_text(Conflict("…", reason="callback_pending"), "ko") == "회신 전화는 이미 예약되어 있습니다."
    # A refusal without a known reason keeps the error's own words.
    assert refusal_text(Conflict("Something else."), "zh") == "Something else."


def test_a_created_desks_contacts_are_directory_lines_or_words_never_numbers() -> None:
    directory = default_directory()
    line = next(iter(directory.by_line))
    words = {"label_ja": "カード裏面の番号", "label_en": "The number on the back of your card"}
    assert _checked_contacts([{"directory": line}, words], directory) == [{"directory": line}, words]
    with pytest.raises(InvalidInput, match="official-contact directory"):
        _checked_contacts([words | {"phone": "0120-000-000"}], directory)
    with pytest.raises(InvalidInput, match="no line"):
        _checked_contacts([{"directory": "nobody/nothing"}], directory)
