"""Desks as data: opening hours with Japanese public holidays, and when a closed desk opens next.

Hours are one span per weekday (`"09:00-18:00"`, `"00:00-24:00"` around the clock, null closed) and a
`holiday` span that replaces the weekday's on a Japanese public holiday (the `holidays` package, JP). A
span that ends before it starts runs past midnight into the next day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays

from madoguchi.domain.languages import localized
from madoguchi.routing import wording

if TYPE_CHECKING:
    from madoguchi.store.models import Desk, Shop

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TOKYO = "Asia/Tokyo"
# Far enough to pass Golden Week or the year-end break; a desk closed longer than this has no opening.
_LOOKAHEAD_DAYS = 21
QUEUE = "queue"
SHOP = "shop"
REFERRAL = "referral"


@lru_cache(maxsize=16)
def _japanese_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_public_holiday(day: date) -> bool:
    return day in _japanese_holidays(day.year)


def holiday_name(day: date) -> str | None:
    name = _japanese_holidays(day.year).get(day)
    return str(name) if name else None


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Hours:
    """When a desk (or a shop) answers, in its own time zone."""

    spans: Mapping[str, str | None]
    timezone: str = TOKYO

    @classmethod
    def of(cls, row: Desk | Shop) -> Hours:
        return cls(dict(row.hours), getattr(row, "timezone", TOKYO) or TOKYO)

    def span_on(self, day: date) -> tuple[int, int] | None:
        """The opening span of a local day in minutes from its midnight (the end may pass 1440)."""
        key = "holiday" if is_public_holiday(day) and "holiday" in self.spans else WEEKDAYS[day.weekday()]
        span = self.spans.get(key)
        if not span:
            return None
        start_text, end_text = span.split("-")
        start, end = _minutes(start_text), _minutes(end_text)
        if end <= start:
            end += 24 * 60
        return start, end

    def _local(self, at: datetime) -> datetime:
        return at.astimezone(ZoneInfo(self.timezone))

    def local_date(self, at: datetime) -> date:
        return self._local(at).date()

    def _opening_intervals(self, around: datetime, days: int) -> list[tuple[datetime, datetime]]:
        zone = ZoneInfo(self.timezone)
        first = self._local(around).date() - timedelta(days=1)
        intervals: list[tuple[datetime, datetime]] = []
        for offset in range(days + 1):
            day = first + timedelta(days=offset)
            span = self.span_on(day)
            if span is None:
                continue
            midnight = datetime.combine(day, time(), tzinfo=zone)
            start = midnight + timedelta(minutes=span[0])
            end = midnight + timedelta(minutes=span[1])
            if intervals and start <= intervals[-1][1]:
                # 24-hour days chain into one interval, so "open until" means the real closing time.
                intervals[-1] = (intervals[-1][0], max(end, intervals[-1][1]))
            else:
                intervals.append((start, end))
        return intervals

    def is_open(self, at: datetime) -> bool:
        return any(start <= at < end for start, end in self._opening_intervals(at, 2))

    def next_opening(self, at: datetime) -> datetime | None:
        """`at` itself while open; otherwise the next opening (UTC), or None if closed for three weeks."""
        for start, end in self._opening_intervals(at, _LOOKAHEAD_DAYS):
            if start <= at < end:
                return at
            if start > at:
                return start.astimezone(UTC)
        return None

    def after_open_time(self, start: datetime, span: timedelta) -> datetime:
        """The moment `span` of opening hours has passed since `start` (営業時間で数える): a clock that stands
        still while the desk is closed, at night, at weekends and on holidays. A desk never open within three
        weeks counts calendar time, so that a deadline always exists."""
        left = span
        for opens, closes in self._opening_intervals(start, _LOOKAHEAD_DAYS):
            begin = max(opens, start)
            if closes <= begin:
                continue
            if begin + left <= closes:
                return (begin + left).astimezone(UTC)
            left -= closes - begin
        return start + span

    def closes_at(self, at: datetime) -> datetime | None:
        """When an open desk closes (None when closed now or open for three weeks on end)."""
        for start, end in self._opening_intervals(at, _LOOKAHEAD_DAYS):
            if start <= at < end:
                return end.astimezone(UTC) if end < at + timedelta(days=_LOOKAHEAD_DAYS - 1) else None
        return None


# Written out rather than taken from the process's locale, which a server rarely has in four languages.
_WEEKDAYS = {
    "ja": ("月", "火", "水", "木", "金", "土", "日"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "ko": ("월", "화", "수", "목", "금", "토", "일"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def describe_day(local: datetime, language: str) -> str:
    """ "11月24日" / "11월 24일" / "24 Nov" for the customer."""
    if language in ("ja", "zh"):
        return f"{local.month}月{local.day}日"
    if language == "ko":
        return f"{local.month}월 {local.day}일"
    return f"{local.day} {_MONTHS_EN[local.month - 1]}"


def describe_opening(opens_at: datetime, language: str, timezone: str = TOKYO) -> str:
    """ "11月24日(火) 9:00" / "11月24日（周二）9:00" / "11월 24일(화) 9:00" / "Tue 24 Nov 9:00" in the desk's time
    zone, for the customer."""
    local = opens_at.astimezone(ZoneInfo(timezone))
    clock = f"{local.hour}:{local.minute:02d}"
    weekday = _WEEKDAYS.get(language, _WEEKDAYS["en"])[local.weekday()]
    if language == "ja":
        return f"{describe_day(local, language)}({weekday}) {clock}"
    if language == "zh":
        return f"{describe_day(local, language)}（{weekday}）{clock}"
    if language == "ko":
        return f"{describe_day(local, language)}({weekday}) {clock}"
    return f"{weekday} {describe_day(local, language)} {clock}"


@dataclass(frozen=True)
class Referral:
    """A hand-over to an outside party: its verified official contacts and hours, never a queue entry."""

    desk: str
    name: str
    contacts: tuple[dict[str, Any], ...]
    fallback_desk: str | None

    def text(self, language: str, carrier: str | None = None) -> str:
        chosen = [contact for contact in self.contacts if carrier and contact.get("carrier") == carrier]
        # Full-width brackets read naturally in Japanese and Chinese; Korean and English use ASCII ones.
        left, right = ("（", "）") if language in ("ja", "zh") else (" (", ")")
        lines = []
        for contact in chosen or list(self.contacts):
            label = localized(contact, "label", language)
            reach = " ".join(str(contact[key]) for key in ("phone", "url", "email") if contact.get(key))
            hours = localized(contact, "hours", language)
            lines.append(f"・{label} {reach}".rstrip() + (f"{left}{hours}{right}" if hours else ""))
        return "\n".join([wording.say("referral", language, name=self.name), *lines])


def referral_of(desk: Desk, language: str) -> Referral | None:
    if desk.kind != REFERRAL:
        return None
    return Referral(
        desk=desk.id,
        name=desk.name_in(language),
        contacts=tuple(desk.official_contacts),
        fallback_desk=desk.fallback_desk,
    )
