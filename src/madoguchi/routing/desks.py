"""Desks as data: opening hours with Japanese public holidays, and when a closed desk opens next.

Hours are one span per weekday (`"09:00-18:00"`, `"00:00-24:00"` around the clock, null closed) and a
`holiday` span that replaces the weekday's on a Japanese public holiday (the `holidays` package, JP). A
span that ends before it starts runs past midnight into the next day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select

from madoguchi.domain.languages import LANGUAGES, localized
from madoguchi.domain.routing_map import DeskId
from madoguchi.errors import Conflict, InvalidInput, NotFound
from madoguchi.logs import get_logger
from madoguchi.routing import wording
from madoguchi.store.models import Desk
from madoguchi.trust.directory import OfficialLine, e164

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.store.models import Shop
    from madoguchi.trust.directory import Directory, Text

log = get_logger(__name__)

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


def warm_holiday_calendar(today: date) -> None:
    """Build this year's and next year's calendars now (at start-up, off the event loop), not in a request."""
    _japanese_holidays(today.year)
    _japanese_holidays(today.year + 1)


def is_public_holiday(day: date) -> bool:
    return day in _japanese_holidays(day.year)


def holiday_name(day: date) -> str | None:
    name = _japanese_holidays(day.year).get(day)
    return str(name) if name else None


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


SPAN_KEYS = (*WEEKDAYS, "holiday")
_SPAN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$")
# Closures are planned for the coming months, not decades: a bound keeps a typo from listing thousands.
MAX_CLOSED_DAYS = 366


def check_hours(spans: Mapping[str, str | None]) -> dict[str, str | None]:
    """Opening hours as an administrator or the demo's data gives them, checked: one `HH:MM-HH:MM` span (or null,
    closed) per weekday key, `holiday` optional; a weekday left out is closed."""
    unknown = sorted(set(spans) - set(SPAN_KEYS))
    if unknown:
        raise InvalidInput(f"Hours are given per {', '.join(SPAN_KEYS)}; not {', '.join(unknown)}.")
    for key, span in spans.items():
        if span is not None and (not _SPAN.match(span) or span.split("-")[0] == span.split("-")[1]):
            raise InvalidInput(
                f"The hours for {key} must look like '09:00-18:00' (or '00:00-24:00', or null for closed), not "
                f"{span!r}. 営業時間は「09:00-18:00」の形で入力してください。"
            )
    return {key: spans.get(key) for key in SPAN_KEYS if key in spans or key != "holiday"}


def check_closed_days(days: list[str]) -> list[str]:
    """Exceptional closures as ISO dates, sorted, each once."""
    if len(days) > MAX_CLOSED_DAYS:
        raise InvalidInput(f"At most {MAX_CLOSED_DAYS} closed days.")
    try:
        return sorted({date.fromisoformat(day).isoformat() for day in days})
    except (TypeError, ValueError) as exc:
        raise InvalidInput("Closed days are dates like 2026-12-31. 休業日は2026-12-31の形で入力してください。") from exc


@dataclass(frozen=True)
class Hours:
    """When a desk (or a shop) answers, in its own time zone."""

    spans: Mapping[str, str | None]
    timezone: str = TOKYO
    # Exceptional closures (臨時休業), local dates.
    closed: frozenset[date] = frozenset()

    @classmethod
    def of(cls, row: Desk | Shop) -> Hours:
        closed = frozenset(date.fromisoformat(day) for day in (row.closed_days or ()))
        return cls(dict(row.hours), getattr(row, "timezone", TOKYO) or TOKYO, closed)

    def span_on(self, day: date) -> tuple[int, int] | None:
        """The opening span of a local day in minutes from its midnight (the end may pass 1440)."""
        if day in self.closed:
            return None
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


def referral_of(desk: Desk, language: str, directory: Directory) -> Referral | None:
    if desk.kind != REFERRAL:
        return None
    return Referral(
        desk=desk.id,
        name=desk.name_in(language),
        contacts=tuple(official_contacts(desk, directory)),
        fallback_desk=desk.fallback_desk,
    )


SLA_CLOCKS = ("calendar", "business_hours")
CHANNELS = ("chat", "email", "callback", "shop_message")
# A first response promised within a week at most, a resolution within a month: beyond is a typo.
MAX_FIRST_RESPONSE_MINUTES = 7 * 24 * 60
MAX_RESOLUTION_HOURS = 31 * 24


async def every_desk(session: AsyncSession) -> list[Desk]:
    return list(await session.scalars(select(Desk).order_by(Desk.id)))


async def do_change_desk(
    session: AsyncSession,
    desk_id: str,
    *,
    hours: Mapping[str, str | None] | None = None,
    closed_days: list[str] | None = None,
    languages: list[str] | None = None,
    channels: list[str] | None = None,
    first_response_minutes: int | None = None,
    first_response_minutes_by_channel: Mapping[str, int] | None = None,
    resolution_hours: int | None = None,
    sla_clock: str | None = None,
    name_ja: str | None = None,
    name_en: str | None = None,
) -> Desk:
    """Change a desk's names, hours, closures, languages, channels and SLA targets; only what is given changes. Every
    process reads desks from the database for each decision, so a change holds from the next one."""
    desk = await session.get(Desk, desk_id)
    if desk is None:
        raise NotFound(f"There is no desk {desk_id!r}.")
    for name in (name_ja, name_en):
        if name is not None and not name.strip():
            raise InvalidInput("A desk's name cannot be empty. 窓口名を入力してください。")
    if name_ja is not None:
        desk.name_ja = name_ja.strip()
    if name_en is not None:
        desk.name_en = name_en.strip()
    if hours is not None:
        desk.hours = check_hours(hours)
    if closed_days is not None:
        desk.closed_days = check_closed_days(closed_days)
    if languages is not None:
        desk.languages = list(dict.fromkeys(languages))
    if channels is not None:
        unknown = sorted(set(channels) - set(CHANNELS))
        if unknown:
            raise InvalidInput(f"Channels are {', '.join(CHANNELS)}; not {', '.join(unknown)}.")
        desk.channels = list(dict.fromkeys(channels))
    by_channel = dict(first_response_minutes_by_channel) if first_response_minutes_by_channel is not None else None
    for minutes in [first_response_minutes, *(by_channel or {}).values()]:
        if minutes is not None and not 1 <= minutes <= MAX_FIRST_RESPONSE_MINUTES:
            raise InvalidInput(f"A first-response target is 1 to {MAX_FIRST_RESPONSE_MINUTES} minutes.")
    if by_channel is not None:
        unknown = sorted(set(by_channel) - set(CHANNELS))
        if unknown:
            raise InvalidInput(f"Channels are {', '.join(CHANNELS)}; not {', '.join(unknown)}.")
        desk.first_response_minutes_by_channel = by_channel
    if first_response_minutes is not None:
        desk.first_response_minutes = first_response_minutes
    if resolution_hours is not None:
        if not 1 <= resolution_hours <= MAX_RESOLUTION_HOURS:
            raise InvalidInput(f"A resolution target is 1 to {MAX_RESOLUTION_HOURS} hours.")
        desk.resolution_hours = resolution_hours
    if sla_clock is not None:
        if sla_clock not in SLA_CLOCKS:
            raise InvalidInput(f"An SLA clock is {' or '.join(SLA_CLOCKS)}.")
        desk.sla_clock = sla_clock
    return desk


# What a desk's own contact may say in words; a number or a page comes from the directory only.
_WORDS = (
    *(f"label_{language}" for language in LANGUAGES),
    *(f"hours_{language}" for language in LANGUAGES),
    "source",
)


def official_contacts(desk: Desk, directory: Directory) -> list[dict[str, Any]]:
    """The desk's official contacts as customers are given them (the referral, the bot, `GET /api/v1/desks`).

    Every number, its hours and its page are read from the official-contact directory the trust check judges by,
    so nothing is given as official that the check would not call official: a line the directory no longer
    holds is left out, and so is a mail address on a domain it does not know."""
    contacts: list[dict[str, Any]] = []
    for stored in desk.official_contacts:
        reference = stored.get("directory")
        if reference is not None:
            line = directory.by_line.get(str(reference))
            if line is None:
                log.warning("desks.contact_not_in_directory", desk=desk.id, contact=str(reference))
                continue
            contacts.append(_line_contact(line))
        elif stored.get("phone"):
            # A desk stored before its numbers moved to the directory: its number is given as the directory has it
            # (or not at all), whatever the row says.
            line = directory.by_phone.get(e164(str(stored["phone"])) or "")
            if line is None:
                log.warning("desks.contact_not_in_directory", desk=desk.id, contact=str(stored["phone"]))
                continue
            contacts.append(_line_contact(line))
        else:
            contact = {key: stored[key] for key in _WORDS if stored.get(key)}
            email = str(stored.get("email") or "")
            if email and email.rpartition("@")[2].lower() in directory.by_email_domain:
                contact["email"] = email
            contacts.append(contact)
    return contacts


def _texts(text: Text) -> dict[str, str]:
    """The languages a directory text is written in (Chinese and Korean where given)."""
    return {language: value for language, value in text.model_dump().items() if value}


def _line_contact(official: OfficialLine) -> dict[str, Any]:
    brand, line = official.brand, official.line
    contact: dict[str, Any] = {
        **{f"label_{language}": text for language, text in _texts(line.label).items()},
        "phone": line.number,
        "brand": brand.id,
        "source": line.source or brand.sources[0],
    }
    if line.id is not None:
        contact["directory"] = f"{brand.id}/{line.id}"
    if line.url is not None:
        contact["url"] = line.url
    if line.hours is not None:
        contact.update({f"hours_{language}": text for language, text in _texts(line.hours).items()})
    if brand.kind == "carrier":
        # The carriers' ids in the directory are the ones orders name their carrier by.
        contact["carrier"] = brand.id
    return contact


# The routing map names the desks; a new installation creates them (the bot and `order_owner` are not desks of
# people). Outside parties are referrals, the shop desk is each shop's own inbox.
_CREATABLE_KINDS: dict[str, str] = {
    desk.value: REFERRAL if desk in (DeskId.CARD_ISSUER, DeskId.CARRIER) else SHOP if desk == DeskId.SHOP else QUEUE
    for desk in DeskId
    if desk not in (DeskId.BOT, DeskId.ORDER_OWNER)
}


def _checked_contacts(contacts: Sequence[Mapping[str, str]], directory: Directory) -> list[dict[str, str]]:
    """A desk's contacts as an administrator gives them: a line of the directory (`{"directory": "BRAND/LINE"}`),
    or a pointer in words (labels and hours, no number: "the number on the back of your card")."""
    checked: list[dict[str, str]] = []
    for contact in contacts:
        reference = contact.get("directory")
        if reference is not None:
            if reference not in directory.by_line:
                raise InvalidInput(f"{reference!r} is no line of the official-contact directory (BRAND/LINE).")
            checked.append({"directory": reference})
            continue
        unknown = sorted(set(contact) - set(_WORDS))
        if unknown or not (contact.get("label_ja") and contact.get("label_en")):
            raise InvalidInput(
                "A contact is a directory line {'directory': 'BRAND/LINE'} or words (label_ja, label_en, hours_ja, "
                "hours_en): numbers and pages are written once, in the official-contact directory."
            )
        checked.append({key: str(value) for key, value in contact.items()})
    return checked


async def do_create_desk(
    session: AsyncSession,
    *,
    desk_id: str,
    name_ja: str,
    name_en: str,
    hours: Mapping[str, str | None],
    languages: list[str],
    channels: list[str],
    first_response_minutes: int,
    resolution_hours: int,
    sla_clock: str = "calendar",
    fallback_desk: str | None = None,
    official_contacts: Sequence[Mapping[str, str]] | None = None,
    directory: Directory,
) -> Desk:
    """One of the routing map's desks, for an installation that starts without any (production)."""
    kind = _CREATABLE_KINDS.get(desk_id)
    if kind is None:
        raise InvalidInput(f"The routing map's desks are {', '.join(_CREATABLE_KINDS)}; not {desk_id!r}.")
    if await session.get(Desk, desk_id) is not None:
        raise Conflict(f"The desk {desk_id} exists already: change it instead. この窓口は登録済みです。")
    if not name_ja.strip() or not name_en.strip():
        raise InvalidInput("A desk needs a name in Japanese and in English. 窓口名（日本語・英語）を入力してください。")
    if fallback_desk is not None and fallback_desk not in _CREATABLE_KINDS:
        raise InvalidInput(f"The fallback desk must be one of the routing map's desks, not {fallback_desk!r}.")
    desk = Desk(
        id=desk_id,
        name_ja=name_ja.strip(),
        name_en=name_en.strip(),
        kind=kind,
        hours=check_hours(hours),
        timezone=TOKYO,
        languages=list(dict.fromkeys(languages)),
        channels=[],
        first_response_minutes=1,
        first_response_minutes_by_channel={},
        resolution_hours=1,
        sla_clock="calendar",
        fallback_desk=fallback_desk,
        official_contacts=_checked_contacts(official_contacts or [], directory),
        closed_days=[],
    )
    session.add(desk)
    await session.flush()
    # The same checks as a change, in one place.
    return await do_change_desk(
        session,
        desk_id,
        channels=channels,
        first_response_minutes=first_response_minutes,
        resolution_hours=resolution_hours,
        sla_clock=sla_clock,
    )
