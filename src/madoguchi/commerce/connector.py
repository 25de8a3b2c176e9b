"""Which order system this deployment acts on: a shop backend's commerce API when one is configured,
otherwise the demo store on Madoguchi's own database."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from madoguchi.commerce.demo import DemoStore
from madoguchi.commerce.http import HttpConnector

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.commerce.orders import CommerceConnector
    from madoguchi.settings import Settings


@lru_cache(maxsize=4)
def _http(url: str, token: str) -> HttpConnector:
    # One client (and its connection pool) per process and backend.
    return HttpConnector(url, token)


def connector_for(session: AsyncSession, settings: Settings) -> CommerceConnector:
    if settings.commerce_url:
        return _http(settings.commerce_url, settings.commerce_token or "")
    return DemoStore(session)
