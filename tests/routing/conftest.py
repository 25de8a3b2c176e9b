"""A runtime whose background routing loop stays out of the way: routing tests drive it with their own clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from madoguchi.runtime import Runtime, start_runtime, stop_runtime

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from madoguchi.settings import Settings


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    started = await start_runtime(settings.model_copy(update={"routing_tick_seconds": 3600.0}))
    try:
        yield started
    finally:
        await stop_runtime(started)
