"""Masking of card numbers, passwords, My Number and security codes before a message is stored or logged.

The operator sees the masked text with a marker saying what was removed, so they know to ask for nothing
more and to tell the customer never to send such data in a chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from madoguchi.nlu.entities import CARD_PATTERN, luhn_valid
from madoguchi.nlu.normalize import Normalized, normalize

MARKERS = {
    "card_number": "［カード番号・非表示］",
    "password": "［パスワード・非表示］",
    "my_number": "［マイナンバー・非表示］",
    "security_code": "［セキュリティコード・非表示］",
}

# The word that announces a password, then what may stand between it and the value. Japanese 「パス」 counts only
# when no more katakana follows (パスポート, パスタ are other words); Latin words only as words ("pw" in
# "__pwned" or "pin" in "spinning" are not passwords).
_PASSWORD_LEAD = re.compile(
    r"(?:パスワード|(?<![ァ-ヺー])パス(?![ァ-ヺー])|暗証番号|"
    r"(?<![A-Za-z])(?:password|passcode|passwd|pin(?:\s?(?:code|number))?|pw)(?![A-Za-z]))"
    r"(?P<marker>\s*(?:は|が|:|=|：|is|→)?\s*)",
    re.IGNORECASE,
)
# A value in quotes right after the word is what the customer typed, whatever its script.
_QUOTED_VALUE = re.compile(r"[「\"'“『](?P<secret>[^\s「」『』\"'“”]{3,64})[」\"'”』]")
# Otherwise only a token is a value: printable ASCII without spaces. Whether it looks like a secret is decided
# in `_looks_like_secret`, so ordinary words after the word (「パスワードを忘れました」, "password is not working")
# are kept.
_TOKEN_VALUE = re.compile(r"(?P<secret>[!-~]{4,64})")
_VALUE_TRAILING = ".,;:!?)]}>"
_VALUE_STOPS = "\"'`「」"


def _looks_like_secret(token: str) -> bool:
    """A token a person would type as a password: a digit or a symbol in it, or capitals inside a word
    (hunter2, P@ssw0rd, 1234, tOpSecret). A plain word (not, wrong, reset, forgot) is never one."""
    if any(ch.isdigit() for ch in token):
        return True
    if any(not ch.isalnum() for ch in token):
        return True
    return any(ch.isupper() for ch in token[1:]) and any(ch.islower() for ch in token)


def _password_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for lead in _PASSWORD_LEAD.finditer(text):
        quoted = _QUOTED_VALUE.match(text, lead.end())
        if quoted is not None:
            spans.append((quoted.start("secret"), quoted.end("secret")))
            continue
        token = _TOKEN_VALUE.match(text, lead.end())
        if token is None:
            continue
        value = token.group("secret")
        # A quote or a bracket inside ends the value; trailing punctuation ends the sentence, not the secret.
        for position, ch in enumerate(value):
            if ch in _VALUE_STOPS:
                value = value[:position]
                break
        value = value.rstrip(_VALUE_TRAILING)
        if len(value) >= 4 and _looks_like_secret(value):
            start = token.start("secret")
            spans.append((start, start + len(value)))
    return spans


# Only after the word: a bare 12-digit number is as likely a Yamato tracking number. A mistyped My Number is
# masked too, so the check digit is not consulted.
_MY_NUMBER = re.compile(
    r"(?P<lead>(?:マイナンバー|個人番号|my\s?number)\D{0,6})(?P<secret>\d{4}[ -]?\d{4}[ -]?\d{4})", re.IGNORECASE
)
_SECURITY_CODE = re.compile(
    r"(?P<lead>(?:セキュリティ\s?コード|セキュリティー\s?コード|cvv|cvc|cvv2|security\s?code)\D{0,6})(?P<secret>\d{3,4})(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def redact(text: str, normalized: Normalized | None = None) -> Redaction:
    """Return the text with secrets replaced by markers. Offsets are found on the normalised text (full-width
    digits count) and applied to the original."""
    normalized = normalized or normalize(text)
    spans: list[tuple[int, int, str]] = []
    for match in CARD_PATTERN.finditer(normalized.text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            spans.append((match.start(), match.end(), "card_number"))
    for start, end in _password_spans(normalized.text):
        spans.append((start, end, "password"))
    for pattern, kind in ((_MY_NUMBER, "my_number"), (_SECURITY_CODE, "security_code")):
        for match in pattern.finditer(normalized.text):
            spans.append((match.start("secret"), match.end("secret"), kind))
    if not spans:
        return Redaction(text=text, removed=())
    spans.sort()
    pieces: list[str] = []
    removed: list[str] = []
    cursor = 0
    for start, end, kind in spans:
        original_start, original_end = normalized.span(start, end)
        if original_start < cursor:
            continue  # overlaps a span already masked
        pieces.append(text[cursor:original_start])
        pieces.append(MARKERS[kind])
        removed.append(kind)
        cursor = original_end
    pieces.append(text[cursor:])
    return Redaction(text="".join(pieces), removed=tuple(removed))
