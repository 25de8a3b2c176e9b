"""A process that starts (or starts again after a crash) has made, before it serves, everything its first customer
or first log-in would otherwise wait for, and says how long each step of its start took."""

from __future__ import annotations

from typing import TYPE_CHECKING

from madoguchi.agents import auth
from madoguchi.knowledge import helpcentre
from madoguchi.nlu import intent, pipeline
from madoguchi.routing import desks
from madoguchi.runtime import start_runtime, stop_runtime

if TYPE_CHECKING:
    from madoguchi.settings import Settings


async def test_the_model_dictionary_help_centre_and_login_hash_are_ready_before_the_first_customer(
    settings: Settings,
) -> None:
    # What earlier tests of this session made is forgotten, so that only this start can have made it.
    pipeline.load_pipeline.cache_clear()
    intent._sudachi.cache_clear()
    auth.dummy_hash.cache_clear()
    desks._japanese_holidays.cache_clear()
    helpcentre.invalidate()

    runtime = await start_runtime(settings, {"imports": 1.25})
    try:
        assert runtime.nlu is not None
        assert pipeline.load_pipeline.cache_info().currsize == 1
        assert intent._sudachi.cache_info().currsize == 1
        assert auth.dummy_hash.cache_info().currsize == 1
        assert desks._japanese_holidays.cache_info().currsize == 2
        assert str(runtime.engine.url) in helpcentre._cache
    finally:
        await stop_runtime(runtime)

    steps = runtime.startup_s
    assert steps["imports"] == 1.25
    for step in ("schema_check", "bus_start", "trust_directory", "nlu_load", "nlu_warm_up", "help_centre", "holidays"):
        assert 0 <= steps[step] < 60, step
