"""The decision for one message: desk, priority, hand-over, and what the bot says (DESIGN.md, the routing map).

`order_owner` is resolved from the order's seller when the order is known (context or an order number in
the text); outside parties (the card issuer, the carrier) get a referral with their official contact, not a
queue; money or identity at stake raises the priority; anger or a request for a person hands over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from madoguchi.conversations.phrases import phrase
from madoguchi.nlu.data import taxonomy
from madoguchi.nlu.pipeline import Understanding
from madoguchi.store.models import Article, Desk, Order, Shop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.nlu.pipeline import NluPipeline

Priority = Literal["low", "normal", "high", "urgent"]
_PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
ANGER_HANDOFF = 0.7
LOW_CONFIDENCE = 0.3
# Asked for a person in so many words: always a hand-over, whatever the desk.
_PERSON_INTENTS = frozenset({"contact_human_agent", "request_callback"})
_ALWAYS_URGENT = frozenset({"account_compromised", "report_scam"})


@dataclass(frozen=True)
class Triage:
    understanding: Understanding
    desk: str
    priority: Priority
    handoff: bool
    reply: str
    reasons: tuple[str, ...]

    def contract(self) -> dict[str, object]:
        """The answer of `POST /api/v1/triage` (DESIGN.md)."""
        understood = self.understanding.contract()
        return {
            "language": understood["language"],
            "intent": understood["intent"],
            "confidence": understood["confidence"],
            "entities": understood["entities"],
            "desk": self.desk,
            "priority": self.priority,
            "handoff": self.handoff,
            "reply": self.reply,
            "reasons": list(self.reasons),
        }


def _say(key: str, language: str, **values: object) -> str:
    return phrase(f"bot.{key}", language, **{name: str(value) for name, value in values.items()})


def _raise(priority: Priority, steps: int = 1) -> Priority:
    return _PRIORITIES[min(len(_PRIORITIES) - 1, _PRIORITIES.index(priority) + steps)]


async def decide(session: AsyncSession, pipeline: NluPipeline, text: str, order_number: str | None = None) -> Triage:
    return await decide_understood(session, pipeline.understand(text), order_number)


async def decide_understood(
    session: AsyncSession, understood: Understanding, order_number: str | None = None
) -> Triage:
    """The same decision for a message already understood (the live chat understands each message once)."""
    language = understood.language
    intent = understood.intent
    info = taxonomy()[intent]
    reasons: list[str] = [f"intent:{intent}"]
    number = order_number or next(
        (entity.normalized for entity in understood.entities if entity.type == "order_number"), None
    )
    order = await session.get(Order, number) if number else None
    if number:
        reasons.append("order:known" if order else "order:unknown")

    desk = info.desk
    if desk == "order_owner" and order is not None:
        desk = "shop" if order.shop_id else "platform_cs"
        reasons.append(f"order_owner:{desk}")

    priority: Priority = "normal"
    if info.money_or_identity:
        priority = _raise(priority)
        reasons.append("money_or_identity")
    if intent in _ALWAYS_URGENT:
        priority = "urgent"
    urgency = understood.urgency
    if urgency.anger >= ANGER_HANDOFF or urgency.urgency >= ANGER_HANDOFF:
        priority = _raise(priority)
        reasons += list(urgency.signals)

    handoff = False
    desk_row = await session.get(Desk, desk) if desk not in ("bot", "order_owner") else None
    if intent in _PERSON_INTENTS or (desk_row is not None and desk_row.kind in ("queue", "shop")):
        handoff = True
    if urgency.anger >= ANGER_HANDOFF and desk in ("bot", "order_owner"):
        desk, handoff = "platform_cs", True
        desk_row = await session.get(Desk, desk)
        reasons.append("anger")
    if handoff:
        reasons.append("handoff")

    reply = await _reply(session, understood, desk, desk_row, order, handoff, language)
    return Triage(understood, desk, priority, handoff, reply, tuple(reasons))


async def _reply(
    session: AsyncSession,
    understood: Understanding,
    desk: str,
    desk_row: Desk | None,
    order: Order | None,
    handoff: bool,
    language: str,
) -> str:
    intent = understood.intent
    if intent == "out_of_scope":
        return _say("out_of_scope", language)
    if understood.confidence < LOW_CONFIDENCE and not handoff:
        return _say("unsure", language)
    if desk == "shop" and order is not None and order.shop_id:
        shop = await session.get(Shop, order.shop_id)
        if shop is not None:
            return _say("shop", language, shop=shop.name, hours=shop.reply_promise_hours)
    if desk == "card_issuer":
        return _say("card_issuer", language)
    if desk == "carrier" and desk_row is not None:
        contacts = [contact for contact in desk_row.official_contacts if contact.get("phone")]
        chosen = [c for c in contacts if order is not None and c.get("carrier") == order.carrier]
        if chosen and order is not None:
            contact = chosen[0]
            tracking = _say("tracking", language, number=order.tracking_id)
            return _say(
                "carrier",
                language,
                carrier=contact["label_ja" if language == "ja" else "label_en"],
                phone=contact["phone"],
                hours=contact.get("hours_ja" if language == "ja" else "hours_en", ""),
                tracking=tracking if order.tracking_id else "",
            ).strip()
        listed = "、".join(f"{c['label_ja' if language == 'ja' else 'label_en']} {c['phone']}" for c in contacts)
        return _say("carrier_any", language, contacts=listed)
    if handoff and desk_row is not None:
        return _say("handoff", language, desk=desk_row.name_ja if language == "ja" else desk_row.name_en)
    article = await _article_for(session, intent, language)
    if article is not None:
        return _say("article", language, title=article.title)
    return _say("unsure", language)


async def _article_for(session: AsyncSession, intent: str, language: str) -> Article | None:
    articles = list(
        await session.scalars(select(Article).where(Article.language.in_({language, "ja"})).order_by(Article.id))
    )
    for wanted in (language, "ja"):
        for article in articles:
            if article.language == wanted and intent in article.intents:
                return article
    return None
