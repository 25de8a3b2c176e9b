"""What helps an operator answer the conversation in front of them: a reply to the customer's latest need and
the help-centre pages for it, to send as is or edit.

The need is the customer's latest message that asks for something: "a person, please", a greeting, a yes or
an order number alone carry none, so the message before them is read (「返品したい」→「オペレーター」 is about a
return). The reply is what the bot would say to that need without its hand-over line (the operator is the
hand-over), and never a sentence the bot already said in this conversation; the pages are those declaring the
need's intent, weighed with the customer's words. With no need in the conversation, the reply asks for it and
no page is offered: a page picked for "a person, please" is a page about nothing the customer asked.

On a shop's conversation only the shop's part is read, and the reply speaks only of an order the signed-in
customer placed with that shop (a tracking number is in what the bot would say): a suggestion tells an
operator nothing their conversation view would not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from madoguchi.conversations.phrases import phrase
from madoguchi.conversations.queries import order_for_operators, recent_texts
from madoguchi.conversations.views import without_signed_links
from madoguchi.knowledge.helpcentre import help_centre
from madoguchi.routing.decision import LOW_CONFIDENCE
from madoguchi.routing.triage import ENTITLED, triage_understood

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.nlu.pipeline import NluPipeline, Understanding
    from madoguchi.store.models import Conversation

ARTICLES = 3
# How far back the customer's need is looked for.
MESSAGES_READ = 8
# Intents that ask for nothing an operator can answer with a page or an action.
_NO_NEED = frozenset({"contact_human_agent", "greeting", "out_of_scope"})
# What is left of a message without an order number, spaces and punctuation: this little says no need.
_BARE_CHARS = 4
_ORDER_OR_SYMBOLS = re.compile(r"[A-Za-z]{2,3}-?\d{6,}|[\s\W_]+")


@dataclass(frozen=True)
class Suggestion:
    kind: Literal["reply", "article"]
    title: str
    text: str
    url: str | None = None


def _carries_a_need(understood: Understanding) -> bool:
    if understood.intent in _NO_NEED or understood.confidence < LOW_CONFIDENCE:
        return False
    # 「はい」「MD-12345678」「お願いします」: answers to the bot's questions, not the need itself.
    return len(_ORDER_OR_SYMBOLS.sub("", understood.text)) > _BARE_CHARS


def _same(text: str, said: set[str]) -> bool:
    return unicodedata.normalize("NFKC", text).strip() in said


async def suggestions_for(
    session: AsyncSession, nlu: NluPipeline | None, conversation: Conversation
) -> list[Suggestion]:
    customer_texts = await recent_texts(session, conversation, "customer", limit=MESSAGES_READ)
    if not customer_texts or nlu is None:
        return []
    language = conversation.language
    need: Understanding | None = None
    for text in customer_texts:
        understood = nlu.understand(without_signed_links(text))
        if _carries_a_need(understood):
            need = understood
            break
    if need is None:
        return [Suggestion("reply", "ask_need", phrase("assist.ask_need", language))]
    bot_said = {
        unicodedata.normalize("NFKC", without_signed_links(text)).strip()
        for text in await recent_texts(session, conversation, "bot", limit=50)
    }
    found: list[Suggestion] = []
    known = await order_for_operators(session, conversation, conversation.order_number, conversation.shop_id)
    typed = next((entity.normalized for entity in need.entities if entity.type == "order_number"), None)
    if known is None and await order_for_operators(session, conversation, typed, conversation.shop_id) is None:
        # Triage looks up a typed number whoever's it is: one the operator may not see is left out.
        need = replace(need, entities=tuple(entity for entity in need.entities if entity.type != "order_number"))
    # `known` passed order_for_operators: the operators of this conversation may be told about it.
    number = known.number if known is not None else None
    triaged = await triage_understood(session, need, number, asker=ENTITLED, for_operator=True)
    reply = without_signed_links(triaged.reply)
    if not _same(reply, bot_said):
        found.append(Suggestion("reply", need.intent, reply))
    centre = await help_centre(session)
    pages = centre.pages_for(need.intent, language, need.text, limit=ARTICLES) or centre.search(
        need.text, language, limit=1
    )
    found += [Suggestion("article", hit.title, f"{hit.title} {hit.url}", hit.url) for hit in pages]
    return found
