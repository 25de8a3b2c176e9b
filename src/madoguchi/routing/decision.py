"""The one decision of desk, priority and hand-over for what a customer needs (DESIGN.md, the routing map).

`decide` is the rule; the bot (when it hands over), `POST /api/v1/triage` and placement in a queue all use it,
and a hand-over carries its decision into placement instead of having it derived again.

- The desk is the intent's first desk; `order_owner` is resolved from the order's seller when the order is
  known (the shop that sold it, or platform CS). Outside parties (the card issuer, the carrier) are referrals.
- A parcel's whereabouts once the carrier has it (`track_order` about an order handed to a carrier with a
  tracking id and not yet delivered) is a referral to the carrier, with its official number and hours.
- Priority: money or identity at stake makes it high, an account take-over or a scam report urgent, and
  strong anger or urgency raises it one step more.
- Hand-over: asked for a person in so many words, a desk of people, or strong anger at a self-service topic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import select

from madoguchi.commerce.orders import IN_TRANSIT
from madoguchi.domain.routing_map import PLATFORM_CS, SHOP, DeskId, Priority, raise_priority
from madoguchi.nlu.data import taxonomy
from madoguchi.store.models import Desk, Order

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.nlu.pipeline import Understanding
    from madoguchi.nlu.urgency import Urgency

# Anger or urgency at least this strong raises the priority and hands over.
ANGER_HANDOFF = 0.7
# Below this the intent is a guess: the bot asks rather than acts.
LOW_CONFIDENCE = 0.3
# Asked for a person in so many words: always a hand-over, whatever the desk.
PERSON_INTENTS = frozenset({"contact_human_agent", "request_callback"})
ALWAYS_URGENT = frozenset({"account_compromised", "report_scam"})
# "Where is my parcel": once a carrier has it, the carrier's lookup by tracking id answers (the routing map).
# A late or lost parcel (`delivery_problem`) stays with the order's owner, who answers for the delivery.
WHEREABOUTS_INTENTS = frozenset({"track_order"})
# Desks whose people take conversations in a queue (the others are the bot and referrals to outside parties).
_PEOPLE = frozenset({"queue", "shop"})


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the decision needs to know of an order: its number, who sold it, and whether a carrier has it."""

    number: str
    shop_id: str | None
    carrier: str | None = None
    tracking_id: str | None = None
    # Handed over to the carrier and not yet delivered: only the carrier knows where the parcel is.
    with_carrier: bool = False

    @property
    def carrier_can_trace(self) -> bool:
        return self.with_carrier and bool(self.carrier) and bool(self.tracking_id)


@dataclass(frozen=True, slots=True)
class Decision:
    intent: str | None
    # A desk of the routing map: `bot` for self-service, `order_owner` while the order is unknown, `card_issuer`
    # and `carrier` for a referral.
    desk: str
    priority: Priority
    handoff: bool
    money_or_identity: bool
    reasons: tuple[str, ...]
    order: OrderFacts | None = None

    @property
    def queue_desk(self) -> str:
        """The desk whose people take the conversation when it is handed over: the bot's topics, referrals and
        an unknown order's owner are platform CS's; a shop's only when the order is known to be the shop's."""
        if self.desk == SHOP and self.order is not None and self.order.shop_id:
            return SHOP
        if self.desk in (DeskId.BOT, DeskId.ORDER_OWNER, DeskId.CARD_ISSUER, DeskId.CARRIER, DeskId.SHOP):
            return PLATFORM_CS
        return self.desk

    def handed_over(self, desk: str, reason: str) -> Decision:
        """The decision as the bot hands over to `desk` (its flow may name one: a refusal, a low-confidence
        turn)."""
        return replace(self, desk=desk, handoff=True, reasons=(*self.reasons, f"handoff:{reason}"))


def decide(
    intent: str,
    urgency: Urgency,
    *,
    order: OrderFacts | None = None,
    order_number_given: bool = False,
    desk_kinds: Mapping[str, str] | None = None,
) -> Decision:
    """Desk, priority and hand-over for `intent` said with `urgency`, about `order` when it is known.

    `desk_kinds` maps desk ids to their kind in the desks data (`queue`, `shop`, `referral`); without it, only
    a request for a person hands over.
    """
    info = taxonomy().get(intent)
    reasons: list[str] = [f"intent:{intent}"]
    if order_number_given or order is not None:
        reasons.append("order:known" if order is not None else "order:unknown")
    desk = info.desk if info is not None else PLATFORM_CS
    if desk == DeskId.ORDER_OWNER and order is not None:
        desk = SHOP if order.shop_id else PLATFORM_CS
        reasons.append(f"order_owner:{desk}")
    if intent in WHEREABOUTS_INTENTS and order is not None and order.carrier_can_trace:
        desk = DeskId.CARRIER.value
        reasons.append(f"carrier:{order.carrier}")

    money = bool(info and info.money_or_identity)
    priority: Priority = "normal"
    if money:
        priority = raise_priority(priority)
        reasons.append("money_or_identity")
    if intent in ALWAYS_URGENT:
        priority = "urgent"
    strong = urgency.anger >= ANGER_HANDOFF or urgency.urgency >= ANGER_HANDOFF
    if strong:
        priority = raise_priority(priority)
        reasons += list(urgency.signals)

    kind = (desk_kinds or {}).get(desk)
    handoff = intent in PERSON_INTENTS or kind in _PEOPLE
    if urgency.anger >= ANGER_HANDOFF and desk in (DeskId.BOT, DeskId.ORDER_OWNER):
        desk, handoff = PLATFORM_CS, True
        reasons.append("anger")
    if handoff:
        reasons.append("handoff")
    return Decision(intent, desk, priority, handoff, money, tuple(reasons), order)


async def desk_kinds(session: AsyncSession) -> dict[str, str]:
    return {desk_id: kind for desk_id, kind in (await session.execute(select(Desk.id, Desk.kind))).all()}


async def decide_understood(
    session: AsyncSession, understood: Understanding, order_number: str | None = None
) -> Decision:
    """The decision for a message already understood, the order looked up in the demo store's orders."""
    number = order_number or next(
        (entity.normalized for entity in understood.entities if entity.type == "order_number"), None
    )
    row = await session.get(Order, number) if number else None
    order = (
        OrderFacts(row.number, row.shop_id, row.carrier, row.tracking_id, with_carrier=row.status in IN_TRANSIT)
        if row is not None
        else None
    )
    return decide(
        understood.intent,
        understood.urgency,
        order=order,
        order_number_given=number is not None,
        desk_kinds=await desk_kinds(session),
    )
