"""The demo store: the connector on Madoguchi's own database (orders, returns, address changes).

It works inside the caller's session, so a cancellation and the bot's reply about it commit together.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from sqlalchemy import select

from madoguchi.commerce.orders import (
    RETURN_FEE_YEN,
    OrderInfo,
    OrderItem,
    Receipt,
    RefundStatus,
    ReturnInfo,
    ReturnKind,
    ReturnMethod,
    return_eligibility,
)
from madoguchi.domain.clock import utcnow
from madoguchi.errors import Conflict, NotFound
from madoguchi.store.models import Customer, Order, OrderAddressChange, ReturnRequest, Shop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

# Letters and digits a clerk cannot misread (no 0/O, 1/I/L).
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# Reasons for which the customer pays nothing for the return (help centre: returns-exchanges).
_FREE_RETURN_REASONS = frozenset({"damaged", "defective", "wrong_item"})
_PLATFORM_NAME = "まどぐちモール"


def _info(order: Order, address: str | None) -> OrderInfo:
    return OrderInfo(
        number=order.number,
        customer_id=order.customer_id,
        shop_id=order.shop_id,
        items=tuple(
            OrderItem(
                name=str(item["name"]),
                quantity=int(item["quantity"]),
                unit_price_yen=int(item["unit_price_yen"]),
                category=str(item.get("category", "")),
            )
            for item in order.items
        ),
        shipping_fee_yen=order.shipping_fee_yen,
        total_yen=order.total_yen,
        payment_method=order.payment_method,
        status=order.status,
        ordered_at=order.ordered_at,
        carrier=order.carrier,
        tracking_id=order.tracking_id,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        shipping_address=address,
    )


class DemoStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _row(self, customer_id: str, number: str) -> Order:
        order = await self.session.get(Order, number.strip().upper())
        if order is None or order.customer_id != customer_id:
            raise NotFound(f"There is no order {number} on this account.")
        return order

    async def _address(self, order: Order) -> str | None:
        changed = await self.session.scalar(
            select(OrderAddressChange.address)
            .where(OrderAddressChange.order_number == order.number)
            .order_by(OrderAddressChange.id.desc())
            .limit(1)
        )
        if changed is not None:
            return changed
        customer = await self.session.get(Customer, order.customer_id)
        if customer is None or customer.address is None:
            return None
        return f"{customer.prefecture or ''}{customer.address}"

    async def orders_of(self, customer_id: str, limit: int = 10) -> list[OrderInfo]:
        rows = await self.session.scalars(
            select(Order).where(Order.customer_id == customer_id).order_by(Order.ordered_at.desc()).limit(limit)
        )
        return [_info(row, None) for row in rows]

    async def order(self, customer_id: str, number: str) -> OrderInfo:
        row = await self._row(customer_id, number)
        return _info(row, await self._address(row))

    async def cancel(self, customer_id: str, number: str) -> OrderInfo:
        row = await self._row(customer_id, number)
        info = _info(row, await self._address(row))
        if not info.cancellable:
            raise Conflict(f"Order {row.number} is {row.status} and can no longer be cancelled.", status=row.status)
        row.status = "cancelled"
        return _info(row, info.shipping_address)

    async def change_address(self, customer_id: str, number: str, address: str) -> OrderInfo:
        row = await self._row(customer_id, number)
        if row.status not in ("pending_payment", "confirmed", "preparing"):
            raise Conflict(
                f"Order {row.number} has left the warehouse: the carrier can redirect it.", status=row.status
            )
        cleaned = " ".join(address.split())
        if not 5 <= len(cleaned) <= 400:
            raise Conflict("A delivery address is 5 to 400 characters.")
        self.session.add(OrderAddressChange(order_number=row.number, address=cleaned, changed_at=utcnow()))
        return _info(row, cleaned)

    async def start_return(
        self, customer_id: str, number: str, *, kind: ReturnKind, method: ReturnMethod, reason: str
    ) -> ReturnInfo:
        row = await self._row(customer_id, number)
        info = _info(row, None)
        existing = await self.session.scalar(select(ReturnRequest).where(ReturnRequest.order_number == row.number))
        if existing is not None:
            # Asking twice gives the same code: the customer may have lost the first message.
            return _return_info(existing)
        eligibility = return_eligibility(info, utcnow())
        if not eligibility.allowed:
            raise Conflict(f"Order {row.number} cannot be returned ({eligibility.reason}).", reason=eligibility.reason)
        fee = 0 if reason in _FREE_RETURN_REASONS or await self._is_premium(customer_id) else RETURN_FEE_YEN
        request = ReturnRequest(
            code="R" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(9)),
            order_number=row.number,
            customer_id=customer_id,
            kind=kind,
            method=method,
            reason=reason,
            state="requested",
            refund_yen=0 if kind == "exchange" else max(0, row.total_yen - fee),
            created_at=utcnow(),
        )
        self.session.add(request)
        return _return_info(request)

    async def _is_premium(self, customer_id: str) -> bool:
        customer = await self.session.get(Customer, customer_id)
        return customer is not None and customer.member_tier == "premium"

    async def refund_status(self, customer_id: str, number: str) -> RefundStatus:
        row = await self._row(customer_id, number)
        request = await self.session.scalar(select(ReturnRequest).where(ReturnRequest.order_number == row.number))
        if request is not None:
            paid_back = request.state == "refunded" or row.status == "returned"
            return RefundStatus(
                row.number, "refunded" if paid_back else "pending", request.refund_yen, row.payment_method, request.code
            )
        if row.status == "returned":
            return RefundStatus(row.number, "refunded", row.total_yen, row.payment_method)
        if row.status == "cancelled" and row.payment_method not in ("konbini", "cash_on_delivery", "bank_transfer"):
            return RefundStatus(row.number, "refunded", row.total_yen, row.payment_method)
        return RefundStatus(row.number, "none", 0, row.payment_method)

    async def receipt(self, customer_id: str, number: str) -> Receipt:
        row = await self._row(customer_id, number)
        if row.status in ("pending_payment", "cancelled"):
            raise Conflict(
                f"Order {row.number} is {row.status}: a receipt is issued once it is paid.", status=row.status
            )
        customer = await self.session.get(Customer, customer_id)
        shop = await self.session.get(Shop, row.shop_id) if row.shop_id else None
        info = _info(row, None)
        return Receipt(
            order_number=row.number,
            issued_to=(customer.name if customer and customer.name else customer_id),
            issued_at=utcnow(),
            ordered_at=row.ordered_at,
            seller=shop.name if shop else _PLATFORM_NAME,
            items=info.items,
            shipping_fee_yen=row.shipping_fee_yen,
            total_yen=row.total_yen,
            payment_method=row.payment_method,
        )


def _return_info(request: ReturnRequest) -> ReturnInfo:
    kind: ReturnKind = "exchange" if request.kind == "exchange" else "return"
    method: ReturnMethod = "pickup" if request.method == "pickup" else "konbini"
    return ReturnInfo(
        code=request.code,
        order_number=request.order_number,
        kind=kind,
        method=method,
        state=request.state,
        refund_yen=request.refund_yen,
        created_at=request.created_at,
    )
