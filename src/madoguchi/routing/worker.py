"""The routing loop each server process runs: expire offers, offer waiting conversations, judge due SLA clocks,
resolve the chats their customers left with the bot.

Every step reads and writes the database only, so any number of processes can run it side by side and a
restarted process picks up where the others are (deadlines are rows, not timers in memory).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from madoguchi.logs import get_logger
from madoguchi.routing import assignment, idle, queueing, sla

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.runtime import Runtime

log = get_logger(__name__)
# The chats left with the bot are looked for at most this often by one process: the setting is in minutes.
IDLE_EVERY = timedelta(minutes=1)


async def tick(runtime: Runtime, now: datetime | None = None) -> dict[str, int]:
    """One pass; `now` is given by tests that drive a clock of their own."""
    now = now or runtime.clock.now()
    policy = assignment.OfferPolicy(accept_timeout=runtime.settings.offer_timeout)
    async with runtime.transaction() as tx:
        await queueing.do_place_unrouted(tx, runtime.nlu, runtime.settings, now)
        await tx.commit()
    async with runtime.transaction() as tx:
        expired = await assignment.do_expire_offers(tx, now)
        offered = await assignment.do_offer_waiting(tx, now, policy)
        await tx.commit()
    async with runtime.transaction() as tx:
        breaches = await sla.do_check_due(tx, now)
        await tx.commit()
    for breach in breaches:
        log.info(
            "sla.breached", conversation_id=breach.conversation_id, kind=breach.kind, escalated_to=breach.escalated_to
        )
    left: list[str] = []
    last = runtime.idle_checked_at
    if last is None or not last <= now < last + IDLE_EVERY:
        runtime.idle_checked_at = now
        async with runtime.transaction() as tx:
            left = await idle.do_resolve_idle_bot_chats(tx, now, timedelta(minutes=runtime.settings.bot_idle_minutes))
            await tx.commit()
    if left:
        log.info("bot.idle_resolved", conversations=len(left))
    return {"expired": expired, "offered": len(offered), "breached": len(breaches), "idle_resolved": len(left)}


async def run_forever(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(runtime.settings.routing_tick_seconds)
        try:
            await tick(runtime)
        except Exception:
            # One failed pass (a lost database connection) must not stop routing for good.
            log.warning("routing.tick_failed", exc_info=True)
