"""The connector for a shop backend that implements Madoguchi's commerce API (docs/bot.md) over HTTPS.

JSON in and out, a bearer token, one path per operation; 404 means "no such order for this customer",
409 "not possible in the order's state" with a `message` the bot can pass on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from madoguchi.commerce.orders import (
    OrderInfo,
    OrderItem,
    Receipt,
    RefundStatus,
    ReturnInfo,
    ReturnKind,
    ReturnMethod,
)
from madoguchi.errors import Conflict, InvalidInput, NotFound, Unavailable

TIMEOUT_S = 5.0


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _required_time(value: Any, name: str) -> datetime:
    parsed = _time(value)
    if parsed is None:
        raise Unavailable(f"The shop's commerce API sent no {name}.")
    return parsed


def _items(raw: Any) -> tuple[OrderItem, ...]:
    return tuple(
        OrderItem(
            name=str(item["name"]),
            quantity=int(item["quantity"]),
            unit_price_yen=int(item["unit_price_yen"]),
            category=str(item.get("category", "")),
        )
        for item in raw or ()
    )


def order_from_json(data: dict[str, Any]) -> OrderInfo:
    try:
        return OrderInfo(
            number=str(data["number"]),
            customer_id=str(data["customer_id"]),
            shop_id=data.get("shop_id"),
            items=_items(data.get("items")),
            shipping_fee_yen=int(data.get("shipping_fee_yen", 0)),
            total_yen=int(data["total_yen"]),
            payment_method=str(data.get("payment_method", "")),
            status=str(data["status"]),
            ordered_at=_required_time(data.get("ordered_at"), "ordered_at"),
            carrier=data.get("carrier"),
            tracking_id=data.get("tracking_id"),
            shipped_at=_time(data.get("shipped_at")),
            delivered_at=_time(data.get("delivered_at")),
            shipping_address=data.get("shipping_address"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise Unavailable(f"The shop's commerce API sent an order Madoguchi cannot read: {exc!r}.") from exc


class HttpConnector:
    """`base_url` is the API root, e.g. `https://shop.example.jp/madoguchi/v1`."""

    def __init__(self, base_url: str, token: str, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT_S)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            answer = await self.client.request(
                method,
                self.base_url + path,
                json=body,
                headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"The shop's commerce API did not answer: {exc!r}.") from exc
        try:
            data = answer.json()
        except ValueError:
            data = {}
        message = str(data.get("message", "")) if isinstance(data, dict) else ""
        if answer.status_code == 404:
            raise NotFound(message or "There is no such order on this account.")
        if answer.status_code == 409:
            raise Conflict(message or "The order's state does not allow this.", **_details(data))
        if answer.status_code == 422:
            raise InvalidInput(message or "The shop's commerce API refused the request.")
        if answer.status_code >= 400 or not isinstance(data, dict):
            raise Unavailable(f"The shop's commerce API answered {answer.status_code}.")
        return data

    def _path(self, customer_id: str, number: str | None = None, tail: str = "") -> str:
        path = f"/customers/{quote(customer_id, safe='')}/orders"
        if number is not None:
            path += f"/{quote(number, safe='')}"
        return path + tail

    async def orders_of(self, customer_id: str, limit: int = 10) -> list[OrderInfo]:
        data = await self._call("GET", self._path(customer_id) + f"?limit={int(limit)}")
        return [order_from_json(item) for item in data.get("orders", [])]

    async def order(self, customer_id: str, number: str) -> OrderInfo:
        return order_from_json(await self._call("GET", self._path(customer_id, number)))

    async def cancel(self, customer_id: str, number: str) -> OrderInfo:
        return order_from_json(await self._call("POST", self._path(customer_id, number, "/cancel")))

    async def change_address(self, customer_id: str, number: str, address: str) -> OrderInfo:
        body = {"address": address}
        return order_from_json(await self._call("POST", self._path(customer_id, number, "/address"), body))

    async def start_return(
        self, customer_id: str, number: str, *, kind: ReturnKind, method: ReturnMethod, reason: str
    ) -> ReturnInfo:
        body = {"kind": kind, "method": method, "reason": reason}
        data = await self._call("POST", self._path(customer_id, number, "/returns"), body)
        return ReturnInfo(
            code=str(data["code"]),
            order_number=str(data.get("order_number", number)),
            kind=kind,
            method=method,
            state=str(data.get("state", "requested")),
            refund_yen=int(data.get("refund_yen", 0)),
            created_at=_required_time(data.get("created_at"), "created_at"),
        )

    async def refund_status(self, customer_id: str, number: str) -> RefundStatus:
        data = await self._call("GET", self._path(customer_id, number, "/refund"))
        state = data.get("state")
        if state not in ("none", "pending", "refunded"):
            raise Unavailable(f"The shop's commerce API sent an unknown refund state {state!r}.")
        return RefundStatus(
            order_number=number,
            state=state,
            amount_yen=int(data.get("amount_yen", 0)),
            payment_method=str(data.get("payment_method", "")),
            return_code=data.get("return_code"),
        )

    async def receipt(self, customer_id: str, number: str) -> Receipt:
        data = await self._call("GET", self._path(customer_id, number, "/receipt"))
        return Receipt(
            order_number=number,
            issued_to=str(data.get("issued_to", "")),
            issued_at=_required_time(data.get("issued_at"), "issued_at"),
            ordered_at=_required_time(data.get("ordered_at"), "ordered_at"),
            seller=str(data.get("seller", "")),
            items=_items(data.get("items")),
            shipping_fee_yen=int(data.get("shipping_fee_yen", 0)),
            total_yen=int(data["total_yen"]),
            payment_method=str(data.get("payment_method", "")),
            notes=tuple(str(note) for note in data.get("notes", ())),
        )


def _details(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return {key: value for key, value in data.items() if key in ("status", "reason")}
    return {}
