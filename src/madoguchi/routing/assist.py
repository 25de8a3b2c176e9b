"""What helps an operator answer the conversation in front of them: the help-centre pages for the customer's
latest message and what the bot would have replied to it, to send as is or edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from madoguchi.conversations.queries import last_customer_texts
from madoguchi.knowledge.helpcentre import help_centre
from madoguchi.routing.triage import triage_understood

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.nlu.pipeline import NluPipeline
    from madoguchi.store.models import Conversation

ARTICLES = 3


@dataclass(frozen=True)
class Suggestion:
    kind: Literal["reply", "article"]
    title: str
    text: str
    url: str | None = None


async def suggestions_for(
    session: AsyncSession, nlu: NluPipeline | None, conversation: Conversation
) -> list[Suggestion]:
    latest = (await last_customer_texts(session, [conversation])).get(conversation.id)
    if not latest:
        return []
    language = conversation.language
    centre = await help_centre(session)
    hits = centre.search(latest, language, limit=ARTICLES)
    found: list[Suggestion] = []
    if nlu is not None:
        understood = nlu.understand(latest)
        page = centre.for_intent(understood.intent, language)
        if page is not None and page.slug not in {hit.slug for hit in hits}:
            hits.insert(0, page)
        triaged = await triage_understood(session, understood, conversation.order_number)
        found.append(Suggestion("reply", understood.intent, triaged.reply))
    found += [Suggestion("article", hit.title, f"{hit.title} {hit.url}", hit.url) for hit in hits[:ARTICLES]]
    return found
