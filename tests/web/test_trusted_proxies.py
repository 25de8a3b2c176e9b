"""The client address behind a proxy: `X-Forwarded-For` is believed only from the proxies named in
MADOGUCHI_TRUSTED_PROXIES, so nobody else can pose as another address to the rate limits or the audit log."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx
import pytest

from madoguchi.settings import Settings
from madoguchi.web.app import create_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@asynccontextmanager
async def _client(settings: Settings, peer: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"rate_limit_public": "2/minute"}))
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://madoguchi.test") as http,
    ):
        yield http


async def _statuses(http: httpx.AsyncClient) -> list[int]:
    answers = [
        await http.post("/api/v1/trust/check", json={"input": "example.com"}, headers={"X-Forwarded-For": spoofed})
        for spoofed in ("198.51.100.1", "198.51.100.2", "198.51.100.3")
    ]
    return [answer.status_code for answer in answers]


async def test_forwarded_addresses_from_an_unnamed_peer_are_ignored_by_the_rate_limit(settings: Settings) -> None:
    async with _client(settings, "127.0.0.1") as http:
        assert await _statuses(http) == [200, 200, 429]


async def test_a_named_proxy_passes_on_each_clients_own_address(settings: Settings) -> None:
    named = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8, 127.0.0.1"})
    async with _client(named, "10.1.2.3") as http:
        assert await _statuses(http) == [200, 200, 200]
    # A peer outside the named networks is not believed even when a proxy is configured.
    async with _client(named, "192.0.2.7") as http:
        assert await _statuses(http) == [200, 200, 429]


def test_a_proxy_that_is_not_an_address_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match=r"'proxy\.local' is not an address or a network"):
        Settings(trusted_proxies="10.0.0.1 proxy.local")
    assert Settings(trusted_proxies="10.0.0.1,2001:db8::/32").proxy_networks == ["10.0.0.1", "2001:db8::/32"]
