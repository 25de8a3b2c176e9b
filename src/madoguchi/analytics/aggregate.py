"""The PostgreSQL engine of the summary: the database groups and aggregates the facts, one pass for the rows
and the totals together (`GROUPING SETS`), so a month of millions of conversations is never read out.

It computes exactly what `reports.Tally` does row by row (a test holds both equal): `percentile_cont` is the
interpolated percentile NumPy's `linear` method gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import String, case, cast, func, select, tuple_

from madoguchi.analytics.metrics import (
    BOT_DESK,
    DURATIONS,
    LOW_CSAT,
    PLATFORM,
    SERVICE_LEVEL_S,
    UNASSIGNED,
    UNKNOWN,
    UNROUTED,
    Filters,
    Period,
    Tally,
    conditions,
    rounded,
)
from madoguchi.store.models import ConversationFact as F

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def _key(group_by: str, tz: str) -> Any:
    if group_by == "desk":
        return func.coalesce(F.desk, case((F.handed_over, UNROUTED), else_=BOT_DESK))
    if group_by == "intent":
        return func.coalesce(F.intent, UNKNOWN)
    if group_by == "shop":
        return func.coalesce(F.shop_id, PLATFORM)
    if group_by == "agent":
        return func.coalesce(cast(F.agent_id, String), UNASSIGNED)
    if group_by == "channel":
        return F.channel
    if group_by == "language":
        return func.coalesce(F.language, UNKNOWN)
    local = func.timezone(tz, F.created_at)
    return func.to_char(local, "YYYY-MM-DD" if group_by == "day" else 'YYYY-MM-DD"T"HH24:00')


def _count(condition: Any) -> Any:
    return func.count().filter(condition)


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


_COUNTS: dict[str, Any] = {
    "conversations": func.count(),
    "bot_resolved": _count(F.bot_resolved),
    "handed_over": _count(F.handed_over),
    "resolved": _count(F.resolved_at.is_not(None)),
    "within_60s": _count(F.wait_s <= SERVICE_LEVEL_S),
    "sla_met": _count((F.sla_met > 0) & (F.sla_breached == 0)),
    "sla_breached": _count(F.sla_breached > 0),
    "promise_met": _count((F.promise_met > 0) & (F.promise_breached == 0)),
    "promise_breached": _count(F.promise_breached > 0),
    "transfers": _sum(F.transfers),
    "escalations": _sum(F.escalations),
    "reopened": _count(F.reopens > 0),
    "callbacks_requested": _sum(F.callbacks_requested),
    "callbacks_kept": _sum(F.callbacks_kept),
    "csat_responses": func.count(F.csat_score),
    "csat_sum": _sum(F.csat_score),
    "csat_low": _count(F.csat_score <= LOW_CSAT),
}


def _durations() -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name in DURATIONS:
        column = getattr(F, name)
        columns[f"{name}.p50"] = func.percentile_cont(0.5).within_group(column)
        columns[f"{name}.p90"] = func.percentile_cont(0.9).within_group(column)
        columns[f"{name}.mean"] = func.avg(column)
    return columns


_DURATIONS = _durations()


async def tally_rows(
    session: AsyncSession, period: Period, group_by: str | None, filters: Filters
) -> tuple[Tally, dict[str, Tally]]:
    aggregates = {**_COUNTS, **_DURATIONS}
    labelled = [expression.label(name.replace(".", "__")) for name, expression in aggregates.items()]
    if group_by is None:
        query = select(*labelled).where(*conditions(period, filters))
        keyed: list[tuple[str | None, Any]] = [(None, row) for row in await session.execute(query)]
    else:
        key = _key(group_by, period.tz.key)
        query = (
            select(key.label("key"), func.grouping(key).label("is_total"), *labelled)
            .where(*conditions(period, filters))
            .group_by(func.grouping_sets(tuple_(key), tuple_()))
        )
        keyed = [(None if row.is_total else row.key, row) for row in await session.execute(query)]
    total = Tally()
    groups: dict[str, Tally] = {}
    for key_value, row in keyed:
        tally = Tally(**{name: int(getattr(row, name) or 0) for name in _COUNTS})
        tally.stats = {
            name: {stat: rounded(getattr(row, f"{name}__{stat}")) for stat in ("p50", "p90", "mean")}
            for name in DURATIONS
        }
        if key_value is None:
            total = tally
        else:
            groups[str(key_value)] = tally
    return total, groups
