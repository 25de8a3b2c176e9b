"""Checks every message text passes before it is stored."""

from __future__ import annotations

import re
import unicodedata

from madoguchi.errors import InvalidInput

# Control characters other than tab and newline, and bidi overrides used to disguise text.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clean_message_text(text: object, max_chars: int) -> str:
    """Return the text to store, or raise `InvalidInput` saying what to change.

    Text is kept as written (no HTML is interpreted anywhere: the UI renders it as text), only stripped of
    invisible control characters that would confuse an operator's screen or a log line.
    """
    if not isinstance(text, str):
        raise InvalidInput("A message must be text.")
    cleaned = _UNSAFE.sub("", unicodedata.normalize("NFC", text)).strip()
    if not cleaned:
        raise InvalidInput("The message is empty: type something to send.")
    if len(cleaned) > max_chars:
        raise InvalidInput(
            f"The message is {len(cleaned)} characters long; the limit is {max_chars}. Split it into several messages.",
            limit=max_chars,
        )
    return cleaned
