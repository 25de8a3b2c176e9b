"""What helps an operator answer the conversation in front of them: the help-centre pages for the customer's
latest message and what the bot would have replied to it, to send as is or edit.

On a shop's conversation the latest message is read from the shop's part only, and the reply speaks only of
an order the signed-in customer placed with that shop (a tracking number is in what the bot would say): a
suggestion tells an operator nothing their conversation view would not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from madoguchi.conversations.queries import latest_customer_text, order_for_operators
from madoguchi.conversations.views import without_signed_links
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
    latest = await latest_customer_text(session, conversation)
    if not latest:
        return []
    latest = without_signed_links(latest)
    language = conversation.language
    centre = await help_centre(session)
    hits = centre.search(latest, language, limit=ARTICLES)
    found: list[Suggestion] = []
    if nlu is not None:
        understood = nlu.understand(latest)
        page = centre.for_intent(understood.intent, language)
        if page is not None and page.slug not in {hit.slug for hit in hits}:
            hits.insert(0, page)
        known = await order_for_operators(session, conversation, conversation.order_number, conversation.shop_id)
        typed = next((entity.normalized for entity in understood.entities if entity.type == "order_number"), None)
        if known is None and await order_for_operators(session, conversation, typed, conversation.shop_id) is None:
            # Triage looks up a typed number whoever's it is: one the operator may not see is left out.
            understood = replace(
                understood, entities=tuple(entity for entity in understood.entities if entity.type != "order_number")
            )
        triaged = await triage_understood(session, understood, known.number if known is not None else None)
        found.append(Suggestion("reply", understood.intent, without_signed_links(triaged.reply)))
    found += [Suggestion("article", hit.title, f"{hit.title} {hit.url}", hit.url) for hit in hits[:ARTICLES]]
    return found
