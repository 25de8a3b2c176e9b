"""What the bot knows about orders, whatever system holds them, and the rules it applies to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

ReturnMethod = Literal["konbini", "pickup"]
ReturnKind = Literal["return", "exchange"]
RETURN_DAYS = 30
# Opened food, digital codes and the like cannot come back (help centre: returns-exchanges).
NOT_RETURNABLE = frozenset({"food", "digital"})
# Before the parcel is handed to the carrier the order can still be stopped or redirected.
NOT_YET_SHIPPED = frozenset({"pending_payment", "confirmed", "preparing"})
IN_TRANSIT = frozenset({"shipped", "in_transit", "out_for_delivery", "delivery_failed"})
RETURN_FEE_YEN = 550


@dataclass(frozen=True, slots=True)
class OrderItem:
    name: str
    quantity: int
    unit_price_yen: int
    category: str


@dataclass(frozen=True, slots=True)
class OrderInfo:
    number: str
    customer_id: str
    # None: sold by the platform itself; otherwise the shop that sold it answers for it.
    shop_id: str | None
    items: tuple[OrderItem, ...]
    shipping_fee_yen: int
    total_yen: int
    payment_method: str
    status: str
    ordered_at: datetime
    carrier: str | None = None
    tracking_id: str | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    shipping_address: str | None = None

    @property
    def cancellable(self) -> bool:
        return self.status in NOT_YET_SHIPPED

    @property
    def in_transit(self) -> bool:
        return self.status in IN_TRANSIT

    def label(self) -> str:
        """How a customer recognises the order in a list: first item, how many more, the order number."""
        first = self.items[0].name if self.items else ""
        more = f" +{len(self.items) - 1}" if len(self.items) > 1 else ""
        return f"{first}{more} ({self.number})"


@dataclass(frozen=True, slots=True)
class Eligibility:
    allowed: bool
    # Why not, as a phrase key of the bot (`return_too_late`, `return_category`, `return_not_delivered` ...).
    reason: str = ""
    days_left: int = 0


def return_eligibility(order: OrderInfo, now: datetime) -> Eligibility:
    """Whether the order can still be returned: delivered, within 30 days, of a category that comes back."""
    if order.status == "returned":
        return Eligibility(False, "return_already")
    if order.delivered_at is None or order.status != "delivered":
        return Eligibility(False, "return_not_delivered")
    days = (now - order.delivered_at) // timedelta(days=1)
    if days > RETURN_DAYS:
        return Eligibility(False, "return_too_late")
    if order.items and all(item.category in NOT_RETURNABLE for item in order.items):
        return Eligibility(False, "return_category")
    return Eligibility(True, days_left=RETURN_DAYS - days)


@dataclass(frozen=True, slots=True)
class ReturnInfo:
    code: str
    order_number: str
    kind: ReturnKind
    method: ReturnMethod
    state: str
    refund_yen: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RefundStatus:
    order_number: str
    # none: no refund is due; pending: promised, not paid yet; refunded: paid back.
    state: Literal["none", "pending", "refunded"]
    amount_yen: int = 0
    payment_method: str = ""
    return_code: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    order_number: str
    issued_to: str
    issued_at: datetime
    ordered_at: datetime
    seller: str
    items: tuple[OrderItem, ...]
    shipping_fee_yen: int
    total_yen: int
    payment_method: str
    notes: tuple[str, ...] = field(default_factory=tuple)


class CommerceConnector(Protocol):
    """The operations the bot performs on a shop's order system. Every call names the customer: an order
    that is not theirs is reported as not found (`madoguchi.errors.NotFound`), never shown."""

    async def orders_of(self, customer_id: str, limit: int = 10) -> list[OrderInfo]: ...

    async def order(self, customer_id: str, number: str) -> OrderInfo: ...

    async def cancel(self, customer_id: str, number: str) -> OrderInfo: ...

    async def change_address(self, customer_id: str, number: str, address: str) -> OrderInfo: ...

    async def start_return(
        self, customer_id: str, number: str, *, kind: ReturnKind, method: ReturnMethod, reason: str
    ) -> ReturnInfo: ...

    async def refund_status(self, customer_id: str, number: str) -> RefundStatus: ...

    async def receipt(self, customer_id: str, number: str) -> Receipt: ...
