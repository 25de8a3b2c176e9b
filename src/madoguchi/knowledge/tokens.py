"""Search terms of a text: SudachiPy's dictionary forms for Japanese, lower-case words for English, and
overlapping pairs of characters for Chinese and Korean (neither has a tokeniser here; character bigrams are
the usual way to rank such text, and 退货 / 반품 then match inside longer words and with any ending).

Queries and articles go through the same function, so 届かない / とどかない / 届きません meet on 届く, and
"parcels" meets "parcel". Particles, auxiliary verbs, punctuation and English function words carry no
meaning for search and are dropped before ranking.
"""

from __future__ import annotations

import re
from functools import lru_cache

from madoguchi.nlu.intent import _sudachi
from madoguchi.nlu.normalize import normalize

_SKIPPED_PARTS = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_ENGLISH_STOP = frozenset(
    """a an and are as at be but by can do does for from has have how i if in is it its me my no not of on or our
    please so that the their there this to was we what when where which who why will with you your""".split()  # noqa: SIM905
)


def _english_stem(word: str) -> str:
    # Enough for help-centre queries: plural and third-person "s", no dictionary needed.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _latin_terms(chunk: str) -> list[str]:
    return [_english_stem(word) for word in _LATIN_WORD.findall(chunk.lower()) if word not in _ENGLISH_STOP]


_HANGUL = re.compile(r"[\uac00-\ud7af]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=8192)
def search_terms(text: str, language: str = "ja") -> tuple[str, ...]:
    """The terms BM25 ranks on, for the help centre of `language` (cached: customers ask the same short
    questions again and again)."""
    normalized = normalize(text).text
    if normalized.isascii():
        return tuple(_latin_terms(normalized))
    terms: list[str] = []
    # Hangul is only ever Korean, whatever the page's language.
    for run in _HANGUL.findall(normalized):
        terms.extend(_bigrams(run))
    rest = _HANGUL.sub(" ", normalized)
    if language == "zh":
        for run in _HAN.findall(rest):
            terms.extend(_bigrams(run))
        terms.extend(_latin_terms(_HAN.sub(" ", rest)))
        return tuple(terms)
    if not rest.strip():
        return tuple(terms)
    for morpheme in _sudachi().tokenize(rest):
        if morpheme.part_of_speech()[0] in _SKIPPED_PARTS:
            continue
        surface = morpheme.normalized_form()
        if surface.isascii():
            terms.extend(_latin_terms(surface))
        else:
            terms.append(surface)
    return tuple(terms)
