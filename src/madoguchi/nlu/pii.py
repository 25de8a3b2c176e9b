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

_PASSWORD = re.compile(
    # Latin words only as words: "pw" in "__pwned" or "pin" in "spinning" are not passwords.
    r"(?P<lead>(?:パスワード|パス|暗証番号|(?<![A-Za-z])(?:password|passcode|pin|pw)(?![A-Za-z]))"
    r"\s*(?:は|が|:|=|：|is)?\s*[「\"']?)"
    r"(?P<secret>[^\s「」\"'、。,]{3,64})",
    re.IGNORECASE,
)
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
    for pattern, kind in ((_PASSWORD, "password"), (_MY_NUMBER, "my_number"), (_SECURITY_CODE, "security_code")):
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
