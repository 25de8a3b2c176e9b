"""Triage of one message: the routing decision (madoguchi.routing.decision) and what the bot would say to it,
as `POST /api/v1/triage` and the console's suggested replies give them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from madoguchi.conversations.phrases import phrase
from madoguchi.domain.languages import localized
from madoguchi.domain.routing_map import SHOP, DeskId
from madoguchi.knowledge.helpcentre import help_centre
from madoguchi.nlu.pipeline import Understanding
from madoguchi.routing.decision import LOW_CONFIDENCE, Decision, decide_understood
from madoguchi.routing.desks import official_contacts
from madoguchi.store.models import Desk, Order, Shop
from madoguchi.trust.brands import load_directory

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.nlu.pipeline import NluPipeline


@dataclass(frozen=True)
class Asker:
    """Who asks for a triage, as far as the order goes. The desk is the routing map's answer for anyone; which shop
    sold an order, its carrier and tracking number are the order's business, told only to its signed-in customer
    and to staff allowed to see it (platform staff, or the shop that sold it)."""

    customer_id: str | None = None
    staff: bool = False
    staff_shop_id: str | None = None

    def may_see(self, order: Order) -> bool:
        if self.staff and self.staff_shop_id in (None, order.shop_id):
            return True
        return self.customer_id is not None and order.customer_id == self.customer_id


# Nobody in particular: an anonymous caller of `POST /api/v1/triage`.
ANYONE = Asker()
# The order was already checked as one the reader may see (the console's suggestions).
ENTITLED = Asker(staff=True)
# Reasons that would tell the order's details to whoever may not see them.
_ORDER_DETAIL_REASONS = ("carrier:",)


@dataclass(frozen=True)
class Triage:
    understanding: Understanding
    decision: Decision
    reply: str

    def contract(self) -> dict[str, object]:
        """The answer of `POST /api/v1/triage` (DESIGN.md)."""
        understood = self.understanding.contract()
        return {
            "language": understood["language"],
            "intent": understood["intent"],
            "confidence": understood["confidence"],
            "entities": understood["entities"],
            "desk": self.decision.desk,
            "priority": self.decision.priority,
            "handoff": self.decision.handoff,
            "reply": self.reply,
            "reasons": list(self.decision.reasons),
        }


def _say(key: str, language: str, **values: object) -> str:
    return phrase(f"bot.{key}", language, **{name: str(value) for name, value in values.items()})


async def triage(
    session: AsyncSession, pipeline: NluPipeline, text: str, order_number: str | None = None, *, asker: Asker
) -> Triage:
    return await triage_understood(session, pipeline.understand(text), order_number, asker=asker)


async def triage_understood(
    session: AsyncSession,
    understood: Understanding,
    order_number: str | None = None,
    *,
    asker: Asker,
    for_operator: bool = False,
) -> Triage:
    """The decision for a message already understood, with what the bot would say to `asker`. `for_operator` is
    the reply an operator who has the conversation would send: never the hand-over line (they are the hand-over)."""
    decision = await decide_understood(session, understood, order_number)
    order = await session.get(Order, decision.order.number) if decision.order is not None else None
    hidden = order is not None and not asker.may_see(order)
    if hidden:
        # The same desk and priority; the reply and the reasons leave out whose order it is and where it is.
        decision = replace(
            decision, reasons=tuple(r for r in decision.reasons if not r.startswith(_ORDER_DETAIL_REASONS))
        )
        order = None
    desk = decision.desk
    desk_row = await session.get(Desk, desk) if desk not in (DeskId.BOT, DeskId.ORDER_OWNER) else None
    handoff = decision.handoff and not for_operator
    reply = await _reply(session, understood, desk, desk_row, order, handoff, understood.language, shop_unnamed=hidden)
    return Triage(understood, decision, reply)


async def _reply(
    session: AsyncSession,
    understood: Understanding,
    desk: str,
    desk_row: Desk | None,
    order: Order | None,
    handoff: bool,
    language: str,
    *,
    shop_unnamed: bool = False,
) -> str:
    intent = understood.intent
    if intent == "out_of_scope":
        return _say("out_of_scope", language)
    if understood.confidence < LOW_CONFIDENCE and not handoff:
        return _say("unsure", language)
    if desk == SHOP and shop_unnamed:
        return _say("shop_unnamed", language)
    if desk == SHOP and order is not None and order.shop_id:
        shop = await session.get(Shop, order.shop_id)
        if shop is not None:
            return _say("shop", language, shop=shop.name_in(language), hours=shop.reply_promise_hours)
    if desk == DeskId.CARD_ISSUER:
        return _say("card_issuer", language)
    if desk == DeskId.CARRIER and desk_row is not None:
        directory = await load_directory(session)
        contacts = [contact for contact in official_contacts(desk_row, directory) if contact.get("phone")]
        chosen = [c for c in contacts if order is not None and c.get("carrier") == order.carrier]
        if chosen and order is not None:
            contact = chosen[0]
            tracking = _say("tracking", language, number=order.tracking_id)
            return _say(
                "carrier",
                language,
                carrier=localized(contact, "label", language),
                phone=contact["phone"],
                hours=localized(contact, "hours", language),
                tracking=tracking if order.tracking_id else "",
            ).strip()
        listed = "、".join(f"{localized(c, 'label', language)} {c['phone']}" for c in contacts)
        return _say("carrier_any", language, contacts=listed)
    if handoff and desk_row is not None:
        return _say("handoff", language, desk=desk_row.name_in(language))
    # The same page the bot would cite for this turn: the intent and the customer's words weigh together.
    article = (await help_centre(session)).for_intent(intent, language, text=understood.text)
    if article is not None:
        return _say("article", language, title=article.title)
    return _say("unsure", language)
