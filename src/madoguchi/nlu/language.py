"""Language of a message: Japanese, English, Chinese or Korean, reliable on very short texts.

Scripts decide most cases outright (kana is Japanese, hangul Korean). Text written only in Han characters
is the hard case — 「返品」 and 「退货」 look alike to a character model — so it is decided by whether the
characters exist in Japanese at all (JIS X 0213) and whether the Japanese dictionary knows the words, with
the packaged py3langid model only as a tie-breaker. Latin-only text is English: it is the only Latin
language the desks serve.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from py3langid.langid import MODEL_FILE, LanguageIdentifier

if TYPE_CHECKING:
    from sudachipy import Tokenizer

Language = Literal["ja", "en", "zh", "ko"]


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["ja", "zh"])
    return identifier


def _script(char: str) -> str:
    code = ord(char)
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if char.isascii() and char.isalpha():
        return "latin"
    return "other"


_SCRIPTS = {
    "kana": re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]"),
    "hangul": re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "han": re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]"),
    "latin": re.compile("[A-Za-z]"),
}


@lru_cache(maxsize=8192)
def _in_japanese_charset(char: str) -> bool:
    try:
        char.encode("euc_jis_2004")
    except UnicodeEncodeError:
        return False
    return True


def detect_language(text: str, tokenizer: Tokenizer | None = None) -> Language:
    """`text` should be normalised (NFKC) first; anything without letters counts as Japanese."""
    counts = {script: len(pattern.findall(text)) for script, pattern in _SCRIPTS.items()}
    if counts["hangul"] and counts["hangul"] >= counts["kana"]:
        return "ko"
    if counts["kana"]:
        return "ja"
    if counts["han"]:
        return _japanese_or_chinese(text, tokenizer)
    if counts["latin"]:
        return "en"
    return "ja"


# Order numbers, links, addresses and digits are written alike in every language: they tell nothing.
_NEUTRAL = re.compile(r"MD-?\d{8}|https?://\S+|\S+@\S+|[\d\W_]+", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Pronouns and particles Chinese sentences are made of and Japanese text (a name, an address, 「返品希望」)
# hardly has: Han text that Japanese also writes is a Chinese sentence only with one of them.
_CHINESE_SENTENCE = frozenset("我你您吗呢吧怎很是")
# 「好的」「返品」: short Han-only text that exists in Japanese could be either.
_MIN_HAN = 4


def tells_language(text: str) -> bool:
    """Whether `text` (normalised) is enough to tell the language it is written in: any kana or hangul, a Han
    character that Japanese lacks, a few Han characters, or Latin text of two words or more ("OK", "yes",
    "qwerty": Japanese, Chinese and Korean customers type single Latin words too)."""
    counts = {script: len(pattern.findall(text)) for script, pattern in _SCRIPTS.items()}
    if counts["kana"] or counts["hangul"]:
        return True
    if counts["han"]:
        if any(_script(char) == "han" and not _in_japanese_charset(char) for char in text):
            return True
        return counts["han"] >= _MIN_HAN
    words = _LATIN_WORD.findall(_NEUTRAL.sub(" ", text))
    return len(words) >= 2


def reads_as_chinese_sentence(text: str) -> bool:
    """Whether Han text has the pronouns or particles of a Chinese sentence (我想退一件衣服), not just nouns."""
    return any(char in _CHINESE_SENTENCE for char in text)


def japanese_or_chinese_alike(text: str) -> bool:
    """Whether `text` (normalised) is Han characters that Japanese and Chinese both write (「便利店寄回」「可以」),
    with no kana, hangul or Latin word to tell them apart."""
    counts = {script: len(pattern.findall(text)) for script, pattern in _SCRIPTS.items()}
    if not counts["han"] or counts["kana"] or counts["hangul"] or _LATIN_WORD.search(_NEUTRAL.sub(" ", text)):
        return False
    return all(_in_japanese_charset(char) for char in text if _script(char) == "han")


def _japanese_or_chinese(text: str, tokenizer: Tokenizer | None) -> Language:
    han = [char for char in text if _script(char) == "han"]
    # Simplified forms such as 货, 订, 发, 请 do not exist in Japanese.
    if any(not _in_japanese_charset(char) for char in han):
        return "zh"
    if tokenizer is not None:
        covered = 0
        for morpheme in tokenizer.tokenize(text):
            surface = morpheme.surface()
            if len(surface) >= 2 and not morpheme.is_oov() and all(_script(char) == "han" for char in surface):
                covered += len(surface)
        if covered == len(han):
            return "ja"
    label, probability = _identifier().classify(text)
    return "zh" if label == "zh" and probability >= 0.9 and len(han) >= 4 else "ja"
