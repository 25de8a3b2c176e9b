"""Help-centre search: BM25 (bm25s) over the articles of the database, one index per language.

The index is built from the `articles` table and rebuilt when an article is added, edited or removed: a
process checks the table's fingerprint (count and latest change) at most every `RECHECK_SECONDS`, and at
once after an edit made through `invalidate()`.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import bm25s
import numpy as np
from sqlalchemy import func, select

from madoguchi.knowledge.tokens import search_terms
from madoguchi.store.models import Article

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

RECHECK_SECONDS = 30.0
SNIPPET_CHARS = 140
# Title words say what the page is about better than any body sentence: they count three times.
_TITLE_WEIGHT = 3
_MARKUP = re.compile(r"[#*_`>|]+|\[([^\]]*)\]\([^)]*\)")


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
    plain = (_MARKUP.sub(r"\1", line).strip() for line in body.splitlines())
    return tuple(line.lstrip("-0123456789. ").strip() for line in plain if len(line) > 1)


def _snippet(page: _Page, terms: Sequence[str]) -> str:
    """The paragraph sharing most terms with the query, cut to a readable length."""
    if not page.paragraphs:
        return page.title
    wanted = set(terms)
    best = max(
        range(len(page.paragraphs)),
        key=lambda index: len(page.paragraph_terms[index] & wanted) if page.paragraph_terms else 0,
    )
    paragraph = page.paragraphs[best]
    return paragraph if len(paragraph) <= SNIPPET_CHARS else paragraph[: SNIPPET_CHARS - 1] + "…"


class _LanguageIndex:
    def __init__(self, pages: list[_Page], bodies: list[str]) -> None:
        self.pages = pages
        self.retriever = bm25s.BM25()
        corpus = [
            list(search_terms(page.title)) * _TITLE_WEIGHT + list(search_terms(body))
            for page, body in zip(pages, bodies, strict=True)
        ]
        self.retriever.index(corpus, show_progress=False)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        scores: np.ndarray = self.retriever.get_scores(list(terms))
        return scores


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
                    tuple(frozenset(search_terms(paragraph)) for paragraph in paragraphs),
                )
            )
            bodies.append(article.body)
        self._indexes = {language: _LanguageIndex(pages, bodies) for language, (pages, bodies) in grouped.items()}
        # A page listing the intent first is written for it; one listing it later only mentions it.
        ranked: dict[tuple[str, str], tuple[int, _Page]] = {}
        for index in self._indexes.values():
            for page in index.pages:
                for position, intent in enumerate(page.intents):
                    key = (page.language, intent)
                    if key not in ranked or position < ranked[key][0]:
                        ranked[key] = (position, page)
        self._by_intent = {key: page for key, (_, page) in ranked.items()}

    def __len__(self) -> int:
        return sum(len(index.pages) for index in self._indexes.values())

    def search(self, query: str, language: str = "ja", limit: int = 3) -> list[Hit]:
        """Articles for the query, best first: the query's language, then Japanese (every page has one)."""
        terms = search_terms(query)
        if not terms:
            return []
        for wanted in dict.fromkeys((language, "ja")):
            index = self._indexes.get(wanted)
            if index is None:
                continue
            scores = index.scores(terms)
            order = np.argsort(-scores)[:limit]
            hits = [self._hit(index.pages[i], terms, float(scores[i])) for i in order if scores[i] > 0]
            if hits:
                return hits
        return []

    def for_intent(self, intent: str, language: str) -> Hit | None:
        """The page written for an intent, in the customer's language when there is one."""
        for wanted in dict.fromkeys((language, "ja")):
            page = self._by_intent.get((wanted, intent))
            if page is not None:
                return self._hit(page, (), 0.0)
        return None

    def _hit(self, page: _Page, terms: Sequence[str], score: float) -> Hit:
        lead = next((paragraph for paragraph in page.paragraphs if paragraph != page.title), page.title)
        snippet = _snippet(page, terms) if terms else lead
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1] + "…"
        return Hit(page.slug, page.language, page.title, article_url(page.slug), snippet, score, page.intents)


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
