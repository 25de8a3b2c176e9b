"""Normalisation that keeps track of where each character came from.

Customers write full-width and half-width forms, katakana and hiragana, long-vowel marks in five shapes,
and repeat punctuation when they are upset. Entities are found on the normalised text and reported at the
offsets of the original, so every normalised character remembers its original position.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Shapes customers type for the katakana long vowel after a kana: ｰ (NFKC makes it ー), ～, 〜, -, ‐, ―, −.
_LONG_VOWEL_LOOKALIKES = frozenset("～〜~-‐―−–—")
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_SPECIAL = re.compile("[\r\n\t\u3000～〜~\\-‐―−–—]")
_VOICED_MARKS = frozenset("\u3099\u309a\u309b\u309c")
_REPEATS = re.compile(r"([!?！？。、.,…ー〜~wｗ笑])\1{2,}")


def _is_kana(char: str) -> bool:
    code = ord(char)
    return 0x3041 <= code <= 0x309F or 0x30A0 <= code <= 0x30FF


@lru_cache(maxsize=4096)
def _nfkc(char: str) -> str:
    return unicodedata.normalize("NFKC", char)


@dataclass(frozen=True, slots=True)
class Normalized:
    """`text` is the normalised text; `text[i]` comes from `original[starts[i]:ends[i]]`."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of the normalised slice `text[start:end]` (end > start).

        Each original character becomes one or more normalised ones (or merges with the one before, as
        ﾍ + ﾟ → ペ), so the slice maps to whole original characters.
        """
        return self.starts[start], self.ends[end - 1]


def normalize(original: str) -> Normalized:
    """NFKC per character (full-width ASCII → ASCII, half-width katakana → full width), long-vowel marks
    unified after kana, line breaks and tabs as spaces. Case and repetition are kept (they are signals)."""
    if unicodedata.is_normalized("NFKC", original) and not _SPECIAL.search(original):
        # Nothing to change (most messages typed on a phone): every character maps to itself.
        length = len(original)
        return Normalized(
            original=original, text=original, starts=tuple(range(length)), ends=tuple(range(1, length + 1))
        )
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(original):
        if char in "\r\n\t\u3000":
            folded = " "
        elif char in _LONG_VOWEL_LOOKALIKES and chars and _is_kana(chars[-1]):
            folded = "ー"
        else:
            folded = _nfkc(char)
        if folded in _VOICED_MARKS and chars:
            # Half-width ﾍﾟ is two characters; the sound mark joins the kana before it (ペ).
            composed = unicodedata.normalize("NFC", chars[-1] + folded)
            if len(composed) == 1:
                chars[-1] = composed
                ends[-1] = index + 1
                continue
        for piece in folded:
            chars.append(piece)
            starts.append(index)
            ends.append(index + 1)
    return Normalized(original=original, text="".join(chars), starts=tuple(starts), ends=tuple(ends))


def fold_for_matching(text: str) -> str:
    """The form the classifier sees: lower case, katakana as hiragana, runs of 3+ repeats cut to 2."""
    folded = text.lower().translate(_KATAKANA_TO_HIRAGANA)
    return _REPEATS.sub(r"\1\1", " ".join(folded.split()))
