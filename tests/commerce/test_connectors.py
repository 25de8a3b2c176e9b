"""The commerce connector: the demo store on the database (both databases), and the HTTP connector
against a small shop backend implementing the documented API on a real socket."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse

from madoguchi.commerce.demo import DemoStore
from madoguchi.commerce.http import HttpConnector
from madoguchi.commerce.orders import OrderInfo, OrderItem, return_eligibility
from madoguchi.commerce.receipts import receipt_pdf
from madoguchi.domain.clock import utcnow
from madoguchi.errors import Conflict, NotFound, Unavailable
from madoguchi.store.db import create_engine, session_factory

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from madoguchi.settings import Settings

SATO = "c001"
PREPARING_PLATFORM = "MD-14192372"
SHIPPED_SHOP = "MD-80679381"
DELIVERED_FOOD = "MD-99363512"
DELIVERED_PLATFORM = "MD-59500241"
DELIVERED_LONG_AGO = "MD-65710183"
OTHER_CUSTOMERS = "MD-47437749"


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[DemoStore]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            yield DemoStore(session)
    finally:
        await engine.dispose()


async def test_a_customers_orders_newest_first(store: DemoStore) -> None:
    orders = await store.orders_of(SATO, limit=5)
    assert len(orders) == 5
    assert [order.ordered_at for order in orders] == sorted((order.ordered_at for order in orders), reverse=True)
    assert all(order.customer_id == SATO for order in orders)


async def test_another_customers_order_is_not_found(store: DemoStore) -> None:
    with pytest.raises(NotFound):
        await store.order(SATO, OTHER_CUSTOMERS)
    with pytest.raises(NotFound):
        await store.cancel(SATO, OTHER_CUSTOMERS)


async def test_cancel_only_before_shipment(store: DemoStore) -> None:
    cancelled = await store.cancel(SATO, PREPARING_PLATFORM)
    assert cancelled.status == "cancelled"
    with pytest.raises(Conflict):
        await store.cancel(SATO, SHIPPED_SHOP)


async def test_address_change_is_kept_and_shown(store: DemoStore) -> None:
    changed = await store.change_address(SATO, PREPARING_PLATFORM, "東京都渋谷区神南1-2-3 ハイツ神南101")
    assert changed.shipping_address == "東京都渋谷区神南1-2-3 ハイツ神南101"
    await store.session.flush()
    assert (await store.order(SATO, PREPARING_PLATFORM)).shipping_address == changed.shipping_address
    with pytest.raises(Conflict):
        await store.change_address(SATO, SHIPPED_SHOP, "東京都渋谷区神南1-2-3")


async def test_return_code_and_refund_status(store: DemoStore) -> None:
    started = await store.start_return(SATO, DELIVERED_PLATFORM, kind="return", method="konbini", reason="changed_mind")
    assert started.code.startswith("R")
    assert len(started.code) == 10
    # Sato is a premium member: no return fee.
    order = await store.order(SATO, DELIVERED_PLATFORM)
    assert started.refund_yen == order.total_yen
    await store.session.flush()
    again = await store.start_return(SATO, DELIVERED_PLATFORM, kind="return", method="konbini", reason="changed_mind")
    assert again.code == started.code
    status = await store.refund_status(SATO, DELIVERED_PLATFORM)
    assert status.state == "pending"
    assert status.return_code == started.code


@pytest.mark.parametrize(
    ("number", "reason"), [(DELIVERED_FOOD, "return_category"), (DELIVERED_LONG_AGO, "return_too_late")]
)
async def test_returns_outside_the_rules_are_refused(store: DemoStore, number: str, reason: str) -> None:
    assert return_eligibility(await store.order(SATO, number), utcnow()).reason == reason
    with pytest.raises(Conflict):
        await store.start_return(SATO, number, kind="return", method="pickup", reason="changed_mind")


async def test_receipt_pdf(store: DemoStore) -> None:
    receipt = await store.receipt(SATO, DELIVERED_PLATFORM)
    assert receipt.issued_to == "佐藤 美咲"
    pdf = receipt_pdf(receipt)
    assert pdf.startswith(b"%PDF-")
    assert b"HeiseiKakuGo-W5" in pdf
    with pytest.raises(Conflict):
        await store.receipt(SATO, "MD-20024678")  # not paid yet


def test_eligibility_counts_days_since_delivery() -> None:
    now = utcnow()
    order = OrderInfo(
        number="X",
        customer_id="c",
        shop_id=None,
        items=(OrderItem("本", 1, 1000, "books"),),
        shipping_fee_yen=0,
        total_yen=1000,
        payment_method="credit_card",
        status="delivered",
        ordered_at=now - timedelta(days=40),
        delivered_at=now - timedelta(days=30, hours=1),
    )
    assert return_eligibility(order, now).allowed
    late = dataclasses.replace(order, delivered_at=now - timedelta(days=31, hours=1))
    assert return_eligibility(late, now).reason == "return_too_late"


# --- the HTTP connector against a fake shop backend ------------------------------------------------------

TOKEN = "shop-secret-token"


def _order_json(number: str, status: str) -> dict[str, Any]:
    return {
        "number": number,
        "customer_id": "u-1",
        "shop_id": None,
        "items": [{"name": "急須", "quantity": 1, "unit_price_yen": 4620, "category": "kitchen"}],
        "shipping_fee_yen": 0,
        "total_yen": 4620,
        "payment_method": "credit_card",
        "status": status,
        "ordered_at": "2026-11-20T10:00:00+00:00",
        "carrier": None,
        "tracking_id": None,
    }


def _fake_shop() -> FastAPI:
    app = FastAPI()
    orders = {"A-1": _order_json("A-1", "confirmed"), "A-2": _order_json("A-2", "shipped")}

    def check(authorization: str | None, customer: str) -> None:
        if authorization != f"Bearer {TOKEN}":
            raise HTTPException(401)
        if customer != "u-1":
            raise HTTPException(404)

    @app.get("/v1/customers/{customer}/orders")
    async def list_orders(customer: str, limit: int = 10, authorization: str | None = Header(None)) -> Any:
        check(authorization, customer)
        return {"orders": list(orders.values())[:limit]}

    @app.get("/v1/customers/{customer}/orders/{number}")
    async def one(customer: str, number: str, authorization: str | None = Header(None)) -> Any:
        check(authorization, customer)
        if number not in orders:
            return JSONResponse({"message": "no such order"}, status_code=404)
        return orders[number]

    @app.post("/v1/customers/{customer}/orders/{number}/cancel")
    async def cancel(customer: str, number: str, authorization: str | None = Header(None)) -> Any:
        check(authorization, customer)
        if orders[number]["status"] != "confirmed":
            return JSONResponse({"message": "already shipped", "status": orders[number]["status"]}, status_code=409)
        orders[number]["status"] = "cancelled"
        return orders[number]

    @app.post("/v1/customers/{customer}/orders/{number}/returns")
    async def start_return(customer: str, number: str, authorization: str | None = Header(None)) -> Any:
        check(authorization, customer)
        return {"code": "RSHOP12345", "state": "requested", "refund_yen": 4070, "created_at": "2026-11-22T00:00:00Z"}

    @app.get("/v1/customers/{customer}/orders/{number}/refund")
    async def refund(customer: str, number: str, authorization: str | None = Header(None)) -> Any:
        check(authorization, customer)
        return {"state": "pending", "amount_yen": 4070, "payment_method": "credit_card", "return_code": "RSHOP12345"}

    return app


@pytest.fixture
async def shop_backend() -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(_fake_shop(), host="127.0.0.1", port=0, log_config=None))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    await task


async def test_http_connector_speaks_the_documented_api(shop_backend: str) -> None:
    connector = HttpConnector(shop_backend, TOKEN)
    try:
        orders = await connector.orders_of("u-1")
        assert [order.number for order in orders] == ["A-1", "A-2"]
        assert orders[0].items[0].name == "急須"
        assert (await connector.cancel("u-1", "A-1")).status == "cancelled"
        with pytest.raises(Conflict, match="already shipped"):
            await connector.cancel("u-1", "A-2")
        with pytest.raises(NotFound):
            await connector.order("u-1", "A-404")
        with pytest.raises(NotFound):
            await connector.order("u-2", "A-1")
        started = await connector.start_return("u-1", "A-2", kind="return", method="konbini", reason="changed_mind")
        assert started.code == "RSHOP12345"
        assert (await connector.refund_status("u-1", "A-2")).state == "pending"
    finally:
        await connector.aclose()


async def test_http_connector_reports_a_backend_that_is_down() -> None:
    connector = HttpConnector("http://127.0.0.1:9/v1", TOKEN)
    try:
        with pytest.raises(Unavailable, match="did not answer"):
            await connector.orders_of("u-1")
    finally:
        await connector.aclose()


async def test_http_connector_refuses_a_wrong_token(shop_backend: str) -> None:
    connector = HttpConnector(shop_backend, "wrong")
    try:
        with pytest.raises(Unavailable, match="401"):
            await connector.orders_of("u-1")
    finally:
        await connector.aclose()
