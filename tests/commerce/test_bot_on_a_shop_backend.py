"""With MADOGUCHI_COMMERCE_URL set, the bot acts on the shop backend's orders through its HTTP API: the
order the customer names is read there, and a confirmed cancellation is sent there."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from fastapi import FastAPI, Header, HTTPException

from madoguchi.trust.identity import sign_token
from tests.bot.conftest import BotChat
from tests.conftest import running_server

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from madoguchi.settings import Settings

TOKEN = "backend-token"
NUMBER = "MD-00000001"


def _backend(calls: list[str]) -> FastAPI:
    app = FastAPI()
    order: dict[str, Any] = {
        "number": NUMBER,
        "customer_id": "c001",
        "shop_id": None,
        "items": [{"name": "南部鉄器 急須", "quantity": 1, "unit_price_yen": 8800, "category": "kitchen"}],
        "shipping_fee_yen": 0,
        "total_yen": 8800,
        "payment_method": "credit_card",
        "status": "confirmed",
        "ordered_at": "2026-11-22T10:00:00+00:00",
    }

    def check(authorization: str | None, customer: str, number: str | None = None) -> None:
        if authorization != f"Bearer {TOKEN}" or customer != "c001" or number not in (None, NUMBER):
            raise HTTPException(404)

    @app.get("/v1/customers/{customer}/orders")
    async def orders(customer: str, authorization: str | None = Header(None)) -> Any:
        check(authorization, customer)
        return {"orders": [order]}

    @app.get("/v1/customers/{customer}/orders/{number}")
    async def one(customer: str, number: str, authorization: str | None = Header(None)) -> Any:
        check(authorization, customer, number)
        return order

    @app.post("/v1/customers/{customer}/orders/{number}/cancel")
    async def cancel(customer: str, number: str, authorization: str | None = Header(None)) -> Any:
        check(authorization, customer, number)
        calls.append(f"cancel {number}")
        order["status"] = "cancelled"
        return order

    return app


@pytest.fixture
async def backend() -> AsyncIterator[tuple[str, list[str]]]:
    calls: list[str] = []
    server = uvicorn.Server(uvicorn.Config(_backend(calls), host="127.0.0.1", port=0, log_config=None))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1", calls
    server.should_exit = True
    await task


async def test_the_bot_cancels_on_the_shop_backend(settings: Settings, backend: tuple[str, list[str]]) -> None:
    url, calls = backend
    configured = settings.model_copy(update={"commerce_url": url, "commerce_token": TOKEN})
    async with running_server(configured) as server:
        token = sign_token(configured.identity_key, "c001", "customer", 3600)
        async with BotChat(server, token=token, lang="ja") as chat:
            await chat.ask(f"{NUMBER}をキャンセルしたい")
            assert "南部鉄器" in await chat.bot("よろしいですか")
            assert calls == []
            await chat.ask("はい")
            await chat.bot(f"{NUMBER} をキャンセルしました")
    assert calls == [f"cancel {NUMBER}"]
