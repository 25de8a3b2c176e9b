"""Writing help-centre articles: validated, stamped, and the search index told to follow."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from madoguchi.domain.clock import utcnow
from madoguchi.errors import InvalidInput
from madoguchi.knowledge.helpcentre import invalidate
from madoguchi.nlu.data import taxonomy
from madoguchi.store.models import Article

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")
LANGUAGES = frozenset({"ja", "en", "zh", "ko"})
MAX_BODY_CHARS = 20_000


async def do_save_article(
    session: AsyncSession,
    slug: str,
    *,
    language: str,
    title: str,
    body: str,
    intents: list[str],
    category: str,
) -> Article:
    """Create or replace the article `slug`; the bot and the search use it from the next message on."""
    if not SLUG.match(slug):
        raise InvalidInput("A slug is 3 to 120 lower-case letters, digits and hyphens, e.g. 'returns-exchanges'.")
    if language not in LANGUAGES:
        raise InvalidInput(f"The language must be one of {', '.join(sorted(LANGUAGES))}.")
    if not title.strip() or len(title) > 300:
        raise InvalidInput("A title is 1 to 300 characters.")
    if not body.strip() or len(body) > MAX_BODY_CHARS:
        raise InvalidInput(f"A body is 1 to {MAX_BODY_CHARS} characters.")
    unknown = sorted(set(intents) - set(taxonomy()))
    if unknown:
        raise InvalidInput(f"Unknown intents {unknown}: use labels of intents.yaml.")
    article = await session.scalar(select(Article).where(Article.slug == slug)) or Article(slug=slug)
    article.language, article.title, article.body = language, title.strip(), body.strip()
    article.intents, article.category, article.updated_at = list(intents), category.strip() or "general", utcnow()
    session.add(article)
    # This process's index follows at once; other processes notice the change within their recheck period.
    invalidate()
    return article
