"""Urgency and anger as scores between 0 and 1 that routing can weigh.

Lexicon-based on purpose: the words that make a Japanese or English customer's message urgent or angry are
few and well known, and a score the operator can explain ("至急", "三回目", "！！") beats an opaque one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_URGENT = re.compile(
    r"至急|大至急|急ぎ|急いで|今すぐ|すぐに|早く|はやく|今日中|本日中|明日まで|間に合わ|緊急|困って|困ります|"
    r"urgent|asap|immediately|right now|right away|as soon as possible|emergency|today|tonight",
    re.IGNORECASE,
)
_ANGRY = re.compile(
    r"ふざけ|いい加減|いいかげん|最悪|最低|怒|腹が立|頭にく|ありえない|あり得ない|信じられない|詐欺|訴え|消費者センター|"
    r"金返せ|返金しろ|どうなって|なめて|舐めて|クソ|くそ|ひどい|酷い|許せない|責任者|二度と使わない|"
    r"ridiculous|unacceptable|terrible|worst|angry|furious|scam|fraud|lawyer|sue\b|disgusting|useless|"
    r"never again|wtf|damn|joke\b|pathetic",
    re.IGNORECASE,
)
_REPEAT_CONTACT = re.compile(
    r"[2-9２-９二三四五六七八九何]\s?(?:回目|度目)|何度も|何回も|再三|"
    r"again and again|(?:third|fourth|fifth|[3-9](?:rd|th)) time|still (?:no|not)|yet again|"
    r"already (?:called|asked|contacted|wrote)",
    re.IGNORECASE,
)
_SHOUT = re.compile(r"[!！]{2,}|[?？]{3,}")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_NEGATIVE_EMOJI = re.compile("[😡😠🤬💢😤😭😢😞]")


@dataclass(frozen=True, slots=True)
class Urgency:
    urgency: float
    anger: float
    repeat_contact: bool
    signals: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "urgency": self.urgency,
            "anger": self.anger,
            "repeat_contact": self.repeat_contact,
            "signals": list(self.signals),
        }


def score_urgency(text: str) -> Urgency:
    """`text` is the normalised message (full-width marks are ASCII there)."""
    signals: list[str] = []
    urgent = [match.group() for match in _URGENT.finditer(text)]
    angry = [match.group() for match in _ANGRY.finditer(text)]
    repeat = _REPEAT_CONTACT.search(text)
    shouts = len(_SHOUT.findall(text))
    caps = len(_CAPS_WORD.findall(text))
    emoji = len(_NEGATIVE_EMOJI.findall(text))
    signals += [f"urgent:{word}" for word in urgent[:3]]
    signals += [f"angry:{word}" for word in angry[:3]]
    if repeat:
        signals.append(f"repeat:{repeat.group()}")
    if shouts:
        signals.append("shouting")
    if emoji:
        signals.append("negative_emoji")
    urgency = min(1.0, 0.45 * len(urgent) + (0.25 if repeat else 0.0) + 0.1 * shouts)
    anger = min(1.0, 0.5 * len(angry) + 0.2 * shouts + 0.15 * caps + 0.3 * emoji + (0.2 if repeat else 0.0))
    return Urgency(
        urgency=round(urgency, 2), anger=round(anger, 2), repeat_contact=repeat is not None, signals=tuple(signals)
    )
