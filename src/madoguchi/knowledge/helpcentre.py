"""Help-centre search: BM25 (bm25s) over the articles of the database, one index per language.

The index is built from the `articles` table and rebuilt when an article is added, edited or removed: a
process checks the table's fingerprint (count and latest change) at most every `RECHECK_SECONDS`, and at
once after an edit made through `invalidate()`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import bm25s
import numpy as np
from sqlalchemy import func, select

from madoguchi.knowledge.render import cut, ends_a_sentence, prose_blocks
from madoguchi.knowledge.tokens import search_terms
from madoguchi.store.models import Article

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

RECHECK_SECONDS = 30.0
SNIPPET_CHARS = 140
# Title words say what the page is about better than any body sentence: they count three times.
_TITLE_WEIGHT = 3
# And a page scores up to this much more again by the share of the query's terms its title holds.
_TITLE_MATCH_BOOST = 2.0
# Choosing among the pages that declare the turn's intent: the page written for the intent starts ahead,
# and the customer's words (0 to 1, relative to the page that fits them best) can overtake it when they
# clearly point at a page that answers part of it.
_WRITTEN_FOR = 1.0
_ANSWERS_PART = 0.7
_WORDS_WEIGHT = 1.0


# Said with a Japanese page given to a customer who writes another language: every page exists in Japanese,
# not every one in English, Chinese or Korean.
ONLY_IN_JAPANESE = {
    "en": "(This page is available in Japanese only.)",
    "zh": "（此页面仅有日文版。）",
    "ko": "(이 페이지는 일본어로만 제공됩니다.)",
}


def only_in_notice(page_language: str, customer_language: str) -> str:
    """The sentence that tells a customer the page is in Japanese only, in their language ('' when the page
    is in their language or not in Japanese)."""
    if page_language != "ja" or customer_language == "ja":
        return ""
    return ONLY_IN_JAPANESE.get(customer_language, ONLY_IN_JAPANESE["en"])


def article_url(slug: str) -> str:
    return f"/help/{slug}"


@dataclass(frozen=True, slots=True)
class Hit:
    slug: str
    language: str
    title: str
    url: str
    snippet: str
    score: float
    intents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Page:
    slug: str
    language: str
    title: str
    paragraphs: tuple[str, ...]
    intents: tuple[str, ...]
    # The terms of each paragraph, found once when the index is built, for choosing the snippet.
    paragraph_terms: tuple[frozenset[str], ...] = ()


def _paragraphs(body: str) -> tuple[str, ...]:
    """The article's prose as plain text (Markdown read, headings and table headers left out): what ends a
    sentence, so a snippet never stops on a label; everything when nothing does."""
    texts = [block.text for block in prose_blocks(body)]
    return tuple([text for text in texts if ends_a_sentence(text)] or texts)


def _snippet(page: _Page, terms: Sequence[str], limit: int = SNIPPET_CHARS) -> str:
    """The paragraph sharing most terms with the query (the first one on a tie), in whole sentences."""
    if not page.paragraphs:
        return page.title
    wanted = set(terms)
    best = max(
        range(len(page.paragraphs)),
        key=lambda index: len(page.paragraph_terms[index] & wanted) if page.paragraph_terms else 0,
    )
    return cut(page.paragraphs[best], limit)


class _LanguageIndex:
    def __init__(self, language: str, pages: list[_Page], bodies: list[str]) -> None:
        self.language = language
        self.pages = pages
        self.retriever = bm25s.BM25()
        corpus = [
            list(search_terms(page.title, language)) * _TITLE_WEIGHT + list(search_terms(body, language))
            for page, body in zip(pages, bodies, strict=True)
        ]
        self.retriever.index(corpus, show_progress=False)
        self.title_terms = [frozenset(search_terms(page.title, language)) for page in pages]

    def terms(self, text: str) -> tuple[str, ...]:
        return search_terms(text, self.language) if text else ()

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25, raised for pages whose title names what the customer asks about: a page that only mentions
        a word many times (ログイン on the account-takeover page) does not outrank the page titled for it."""
        scores: np.ndarray = self.retriever.get_scores(list(terms))
        wanted = set(terms)
        if not wanted:
            return scores
        in_title = np.array([len(wanted & title) / len(wanted) for title in self.title_terms], dtype=scores.dtype)
        raised: np.ndarray = scores * (1.0 + _TITLE_MATCH_BOOST * in_title)
        return raised


class HelpCentre:
    """The searchable help centre of one set of articles."""

    def __init__(self, articles: Sequence[Article]) -> None:
        grouped: dict[str, tuple[list[_Page], list[str]]] = {}
        for article in articles:
            pages, bodies = grouped.setdefault(article.language, ([], []))
            paragraphs = _paragraphs(article.body)
            pages.append(
                _Page(
                    article.slug,
                    article.language,
                    article.title,
                    paragraphs,
                    tuple(article.intents),
                    tuple(frozenset(search_terms(paragraph, article.language)) for paragraph in paragraphs),
                )
            )
            bodies.append(article.body)
        self._indexes = {
            language: _LanguageIndex(language, pages, bodies) for language, (pages, bodies) in grouped.items()
        }
        # Every page that declares an intent, with where it lists it: first means written for it, later means
        # it answers part of it (返品の条件 on the returns page, listed after return_item).
        self._declared: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for language, index in self._indexes.items():
            for number, page in enumerate(index.pages):
                for position, intent in enumerate(page.intents):
                    self._declared.setdefault((language, intent), []).append((position, number))

    def __len__(self) -> int:
        return sum(len(index.pages) for index in self._indexes.values())

    def search(self, query: str, language: str = "ja", limit: int = 3) -> list[Hit]:
        """Articles for the query, best first: the query's language, then Japanese (every page has one)."""
        for wanted in dict.fromkeys((language, "ja")):
            index = self._indexes.get(wanted)
            if index is None:
                continue
            terms = index.terms(query)
            if not terms:
                continue
            scores = index.scores(terms)
            order = np.argsort(-scores)[:limit]
            hits = [self._hit(index.pages[i], terms, float(scores[i]), language) for i in order if scores[i] > 0]
            if hits:
                return hits
        return []

    def for_intent(self, intent: str, language: str, text: str = "") -> Hit | None:
        """The page for a turn: among the pages that declare the intent, in the customer's language when
        there are any, the one that best fits both the intent (a page listing it first is written for it)
        and the customer's words (BM25 over the language's pages, relative to the best page for them)."""
        pages = self.pages_for(intent, language, text, limit=1)
        return pages[0] if pages else None

    def pages_for(self, intent: str, language: str, text: str = "", limit: int = 3) -> list[Hit]:
        """The pages that declare the intent, best fit first (see `for_intent`)."""
        for wanted in dict.fromkeys((language, "ja")):
            declared = self._declared.get((wanted, intent))
            if not declared:
                continue
            index = self._indexes[wanted]
            terms = index.terms(text)
            scores = index.scores(terms) if terms else np.zeros(len(index.pages))
            top = float(scores.max()) if len(scores) else 0.0

            def fit(candidate: tuple[int, int], scores: np.ndarray = scores, top: float = top) -> float:
                position, number = candidate
                words = float(scores[number]) / top if top > 0 else 0.0
                return (_WRITTEN_FOR if position == 0 else _ANSWERS_PART) + _WORDS_WEIGHT * words

            # On equal fit the page that lists the intent earlier wins; then the older page.
            ranked = sorted(declared, key=lambda candidate: (-fit(candidate), candidate[0], candidate[1]))
            return [
                self._hit(index.pages[number], terms, float(scores[number]), language) for _, number in ranked[:limit]
            ]
        return []

    def _hit(self, page: _Page, terms: Sequence[str], score: float, language: str) -> Hit:
        """`language` is the customer's: a page in another one says so first, in theirs."""
        notice = only_in_notice(page.language, language)
        room = SNIPPET_CHARS - (len(notice) + 1 if notice else 0)
        lead = next((paragraph for paragraph in page.paragraphs if paragraph != page.title), page.title)
        snippet = _snippet(page, terms, room) if terms else cut(lead, room)
        url = article_url(page.slug)
        if notice:
            snippet = f"{notice} {snippet}"
            # The page then says the same at its top, in the reader's language.
            url = f"{url}?lang={language}"
        return Hit(page.slug, page.language, page.title, url, snippet, score, page.intents)


@dataclass
class _Cached:
    fingerprint: tuple[int, datetime | None]
    centre: HelpCentre
    checked_at: float


_cache: dict[str, _Cached] = {}


async def _fingerprint(session: AsyncSession) -> tuple[int, datetime | None]:
    row = (await session.execute(select(func.count(Article.id), func.max(Article.updated_at)))).one()
    return int(row[0]), row[1]


async def help_centre(session: AsyncSession) -> HelpCentre:
    """The help centre of this database, rebuilt when its articles have changed."""
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached.checked_at < RECHECK_SECONDS:
        return cached.centre
    # No lock: two requests rebuilding at the same moment build the same index, and the last one is kept.
    fingerprint = await _fingerprint(session)
    cached = _cache.get(key)
    if cached is None or cached.fingerprint != fingerprint:
        articles = list(await session.scalars(select(Article).order_by(Article.id)))
        # Building takes milliseconds for hundreds of pages; off the loop for larger help centres.
        centre = await asyncio.to_thread(HelpCentre, articles) if len(articles) > 500 else HelpCentre(articles)
        cached = _Cached(fingerprint, centre, now)
        _cache[key] = cached
    cached.checked_at = now
    return cached.centre


def invalidate() -> None:
    """Forget every built index: the next search re-reads the articles (called after an edit)."""
    _cache.clear()
