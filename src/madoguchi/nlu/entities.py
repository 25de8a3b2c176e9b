"""Entities with character offsets into the original text.

Found on the normalised text (full-width digits and letters are ASCII there) and reported at the original
offsets, so `text[start:end] == value` always holds. `normalized` is the machine form: digits only for
numbers, yen as an integer, ISO dates, the carrier of a tracking number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import phonenumbers

if TYPE_CHECKING:
    from madoguchi.nlu.normalize import Normalized


@dataclass(frozen=True, slots=True)
class Entity:
    type: str
    value: str
    start: int
    end: int
    normalized: str

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.type,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "normalized": self.normalized,
        }


_SEP = r"[- ー－‐]?"
# Boundaries in ASCII terms: Japanese text runs straight into numbers (「番号MD-12345678の」), and `\b` or
# `\w` would count the kana and kanji as part of the word.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'「」『』（）()、。]+|"
    r"(?<![@A-Za-z0-9.-])(?:[a-z0-9-]+\.)+(?:com|jp|net|org|info|top|xyz|shop|site|online|co\.jp|ne\.jp|or\.jp)"
    r"(?:/[^\s<>\"'「」、。]*)?(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
# Order numbers of the demo store (MD-12345678) and the common 3-7-7 marketplace form.
_ORDER = re.compile(r"(?<![A-Za-z0-9-])(?:MD" + _SEP + r"\d{8}|\d{3}-\d{7}-\d{7})(?![A-Za-z0-9-])", re.IGNORECASE)
# Japan Post international/EMS style (EJ123456789JP) and domestic 11–13 digits; Yamato and Sagawa 12 digits,
# often written 4-4-4.
_TRACKING = re.compile(
    r"(?<![A-Za-z0-9-])(?:[A-Z]{2}\d{9}JP|\d{4}-\d{4}-\d{4}|\d{4}-\d{4}-\d{3}|\d{11,13})(?![A-Za-z0-9-])"
)
# Card numbers as people write them: 16 digits in fours, Amex 4-6-5, or 13–19 digits unbroken.
CARD_PATTERN = re.compile(r"(?<![\d-])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}|\d{4}[ -]?\d{6}[ -]?\d{5}|\d{13,19})(?![\d-])")
_MONEY = re.compile(
    r"(?:[¥￥]\s?(?P<yen_a>\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    r"|(?:(?:(?P<man>\d+(?:\.\d+)?)\s?万)?\s?(?:(?P<sen>\d)\s?千)?\s?(?P<yen_b>\d{1,3}(?:,\d{3})+|\d+)?\s?円)"
)
_QUOTED = re.compile(r"「([^「」]{1,80})」|『([^『』]{1,80})』|\"([^\"]{1,80})\"|“([^”]{1,80})”")
_WEEKDAYS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
_EN_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_RELATIVE_DAYS = {
    "今日": 0,
    "本日": 0,
    "きょう": 0,
    "明日": 1,
    "あした": 1,
    "あす": 1,
    "明後日": 2,
    "あさって": 2,
    "昨日": -1,
    "きのう": -1,
    "一昨日": -2,
    "おととい": -2,
    "today": 0,
    "tomorrow": 1,
    "yesterday": -1,
}
_DATE = re.compile(
    r"(?P<ymd>(?P<y>20\d{2})[/.年-](?P<m>\d{1,2})[/.月-](?P<d>\d{1,2})日?)"
    r"|(?P<md>(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日|(?<![\d/])(?P<m3>\d{1,2})/(?P<d3>\d{1,2})(?![\d/]))"
    r"|(?P<week>(?P<which>来週|今週|先週|再来週)の?(?P<wd>[月火水木金土日])曜日?)"
    r"|(?P<wdonly>(?P<wd2>[月火水木金土日])曜日)"
    r"|(?P<en_week>(?P<en_which>next|this|last)\s+(?P<en_wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday))"
    r"|(?P<rel>" + "|".join(sorted(map(re.escape, _RELATIVE_DAYS), key=len, reverse=True)) + r")",
    re.IGNORECASE,
)


_DIGIT = re.compile(r"\d")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _carrier(number: str, raw: str) -> str:
    if number.endswith("JP") or len(number) in (11, 13):
        return "japanpost"
    if raw.count("-") == 2 and len(number) == 12:
        return "yamato"
    return "yamato_or_sagawa"


def _resolve_date(match: re.Match[str], today: date) -> date | None:
    try:
        if match["ymd"]:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        if match["md"]:
            month, day = int(match["m2"] or match["m3"]), int(match["d2"] or match["d3"])
            candidate = date(today.year, month, day)
            # 「1月5日」 written in December means next January.
            return candidate if candidate >= today - timedelta(days=180) else date(today.year + 1, month, day)
    except ValueError:
        return None
    if match["week"] or match["en_week"]:
        which = (match["which"] or match["en_which"]).lower()
        weekday = _WEEKDAYS[match["wd"]] if match["wd"] else _EN_WEEKDAYS[match["en_wd"].lower()]
        offset = {"今週": 0, "this": 0, "来週": 7, "next": 7, "先週": -7, "last": -7, "再来週": 14}[which]
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(days=offset + weekday)
    if match["wdonly"]:
        ahead = (_WEEKDAYS[match["wd2"]] - today.weekday()) % 7
        return today + timedelta(days=ahead)
    if match["rel"]:
        return today + timedelta(days=_RELATIVE_DAYS[match["rel"].lower()])
    return None


def extract_entities(normalized: Normalized, today: date) -> list[Entity]:
    """All entities, longest first where they overlap, in text order."""
    text = normalized.text
    found: list[tuple[int, int, str, str]] = []

    def add(start: int, end: int, kind: str, value: str) -> None:
        found.append((start, end, kind, value))

    for match in _EMAIL.finditer(text):
        add(match.start(), match.end(), "email", match.group().lower())
    for match in _URL.finditer(text):
        add(match.start(), match.end(), "url", match.group().rstrip(".,!?"))
    digits = len(_DIGIT.findall(text))
    # Numbers of every kind need digits; most chat messages have none, and the matchers are the costly part.
    if digits:
        for match in _ORDER.finditer(text):
            add(match.start(), match.end(), "order_number", re.sub(r"[- ー－‐]", "-", match.group().upper()))
        for match in CARD_PATTERN.finditer(text):
            number = _digits(match.group())
            if 13 <= len(number) <= 19 and luhn_valid(number):
                add(match.start(), match.end(), "card_number", number)
        for match in _TRACKING.finditer(text):
            raw = match.group()
            number = raw.replace("-", "")
            add(match.start(), match.end(), "tracking_number", f"{_carrier(number, raw)}:{number}")
        phones = (
            phonenumbers.PhoneNumberMatcher(text, "JP", leniency=phonenumbers.Leniency.VALID) if digits >= 7 else ()
        )
        for phone in phones:
            add(
                phone.start,
                phone.end,
                "phone",
                phonenumbers.format_number(phone.number, phonenumbers.PhoneNumberFormat.E164),
            )
        for match in _MONEY.finditer(text):
            if not (match["yen_a"] or match["man"] or match["sen"] or match["yen_b"]):
                continue  # 「円」 alone
            if match["yen_a"]:
                yen = int(match["yen_a"].replace(",", ""))
            else:
                yen = int(float(match["man"] or 0) * 10_000) + int(match["sen"] or 0) * 1000
                yen += int((match["yen_b"] or "0").replace(",", ""))
            add(match.start(), match.end(), "money", str(yen))
    for match in _DATE.finditer(text):
        resolved = _resolve_date(match, today)
        if resolved is not None:
            add(match.start(), match.end(), "date", resolved.isoformat())
    for match in _QUOTED.finditer(text):
        inner = next(group for group in match.groups() if group is not None)
        start = match.start() + 1
        add(start, start + len(inner), "product", inner.strip())

    # Overlaps: a card number is not also a phone or tracking number; the longer, earlier match wins.
    priority = {
        "email": 0,
        "url": 1,
        "card_number": 2,
        "order_number": 3,
        "tracking_number": 4,
        "phone": 5,
        "money": 6,
        "date": 7,
        "product": 8,
    }
    found.sort(key=lambda item: (priority[item[2]], item[0] - item[1]))
    taken: list[tuple[int, int]] = []
    entities: list[Entity] = []
    for start, end, kind, value in found:
        if kind != "product" and any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        if kind != "product":
            taken.append((start, end))
        original_start, original_end = normalized.span(start, end)
        entities.append(
            Entity(
                type=kind,
                value=normalized.original[original_start:original_end],
                start=original_start,
                end=original_end,
                normalized=value,
            )
        )
    entities.sort(key=lambda entity: (entity.start, -entity.end))
    return entities
