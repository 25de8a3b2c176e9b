"""The database engine of the summary: the database groups, counts and sums the facts, so a month of millions of
conversations is never read out row by row.

On PostgreSQL one pass gives the rows and the totals together (`GROUPING SETS`) with the percentiles
(`percentile_cont`, the interpolated percentile NumPy's `linear` method gives). SQLite has neither: the
counts take one query for the rows and one for the totals, and the percentiles are taken here from the
durations alone (four numbers and a key a conversation). It computes exactly what `metrics.Tally` does
conversation by conversation; a test holds them equal on both databases.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import String, case, cast, func, select, text, tuple_
from sqlalchemy.dialects import postgresql

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
    durations_stats,
    rounded,
)
from madoguchi.store.models import ConversationFact as F

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


# Memory each sort of a report may take on PostgreSQL (a month of a million conversations sorts about 60 MB).
SORT_MEMORY = "128MB"


def local_offset(period: Period) -> timedelta | None:
    """The time zone's one offset from UTC over the whole period, or None when it changes (summer time)."""
    offsets = {period.start.utcoffset(), period.end.utcoffset()}
    day = period.start
    while day < period.end and len(offsets) == 1:
        offsets.add(day.astimezone(period.tz).utcoffset())
        day += timedelta(days=1)
    return offsets.pop() if len(offsets) == 1 else None


def supports(dialect: str, period: Period, group_by: str | None) -> bool:
    """Whether the database can group this report itself (SQLite reads days and hours at one fixed offset)."""
    return dialect == "postgresql" or group_by not in ("day", "hour") or local_offset(period) is not None


def _key(group_by: str, period: Period, dialect: str) -> Any:
    """What the database groups by. On PostgreSQL: raw values, texts compared byte by byte (`C`) and days and
    hours as local timestamps, because sorting a million rows under a language's collation or by formatted
    strings costs seconds; `_key_text` names them afterwards."""
    postgres = dialect == "postgresql"

    def text_of(column: Any) -> Any:
        return column.collate("C") if postgres else column

    if group_by == "desk":
        return text_of(func.coalesce(F.desk, case((F.handed_over, UNROUTED), else_=BOT_DESK)))
    if group_by == "intent":
        return text_of(func.coalesce(F.intent, UNKNOWN))
    if group_by == "shop":
        return text_of(func.coalesce(F.shop_id, PLATFORM))
    if group_by == "agent":
        return F.agent_id if postgres else func.coalesce(cast(F.agent_id, String), UNASSIGNED)
    if group_by == "channel":
        return text_of(F.channel)
    if group_by == "language":
        return text_of(func.coalesce(F.language, UNKNOWN))
    if postgres:
        return func.date_trunc(group_by, func.timezone(period.tz.key, F.created_at))
    offset = local_offset(period)
    if offset is None:
        raise ValueError("SQLite groups days and hours at a fixed offset: ask supports() first")
    shift = f"{int(offset.total_seconds()):+d} seconds"
    return func.strftime("%Y-%m-%d" if group_by == "day" else "%Y-%m-%dT%H:00", F.created_at, shift)


def _key_text(group_by: str, value: Any) -> str:
    if group_by == "agent" and value is None:
        return UNASSIGNED
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d" if group_by == "day" else "%Y-%m-%dT%H:00")
    return str(value)


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
        # Both percentiles from one sort of the column.
        columns[f"{name}.p"] = func.percentile_cont(postgresql.array([0.5, 0.9])).within_group(column)
        columns[f"{name}.mean"] = func.avg(column)
    return columns


_DURATIONS = _durations()
DURATION_COLUMNS = [getattr(F, name) for name in DURATIONS]


def _present(column: Any) -> Any:
    return column[column >= 0]


def _tally(row: Any, stats: dict[str, dict[str, float | None]]) -> Tally:
    tally = Tally(**{name: int(getattr(row, name) or 0) for name in _COUNTS})
    tally.stats = stats
    return tally


def _stats_of(row: Any) -> dict[str, dict[str, float | None]]:
    stats: dict[str, dict[str, float | None]] = {}
    for name in DURATIONS:
        p50, p90 = getattr(row, f"{name}__p") or (None, None)
        stats[name] = {"p50": rounded(p50), "p90": rounded(p90), "mean": rounded(getattr(row, f"{name}__mean"))}
    return stats


async def tally_many(
    session: AsyncSession, period: Period, group_bys: list[str], filters: Filters
) -> tuple[Tally, dict[str, dict[str, Tally]]]:
    """The totals and the rows of several groupings in one pass over the period's facts."""
    dialect = session.get_bind().dialect.name
    where = conditions(period, filters)
    keys = {group_by: _key(group_by, period, dialect) for group_by in group_bys}
    counts = [expression.label(name) for name, expression in _COUNTS.items()]
    by: dict[str, dict[str, Tally]] = {group_by: {} for group_by in group_bys}
    if dialect == "postgresql":
        # The percentiles sort every duration of the period: in memory rather than in temporary files, and
        # without compiling the expressions first (which costs more than it saves on one pass).
        await session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
        await session.execute(text("SET LOCAL jit = off"))
        percentiles = [expression.label(name.replace(".", "__")) for name, expression in _DURATIONS.items()]
        if not keys:
            row = (await session.execute(select(*counts, *percentiles).where(*where))).one()
            return _tally(row, _stats_of(row)), {}
        labelled = [key.label(f"key_{n}") for n, key in enumerate(keys.values())]
        flags = [func.grouping(key).label(f"grouped_{n}") for n, key in enumerate(keys.values())]
        query = (
            select(*labelled, *flags, *counts, *percentiles)
            .where(*where)
            .group_by(func.grouping_sets(*(tuple_(key) for key in keys.values()), tuple_()))
        )
        total = Tally()
        for row in await session.execute(query):
            # GROUPING(key) is 0 in the rows grouped by that key, 1 elsewhere (and in the totals).
            grouped = [n for n in range(len(keys)) if getattr(row, f"grouped_{n}") == 0]
            if not grouped:
                total = _tally(row, _stats_of(row))
                continue
            group_by = group_bys[grouped[0]]
            by[group_by][_key_text(group_by, getattr(row, f"key_{grouped[0]}"))] = _tally(row, _stats_of(row))
        return total, by

    # SQLite: the counts by the database, the percentiles from the durations read here. A missing duration is
    # read as -1 (durations are never negative), so that the columns arrive as plain floats.
    read = select(
        *(key.label(f"key_{n}") for n, key in enumerate(keys.values())),
        *(func.coalesce(column, -1.0) for column in DURATION_COLUMNS),
    ).where(*where)
    rows = (await session.execute(read)).all()
    width = len(keys)
    table = np.array([row[width:] for row in rows], dtype=float).reshape(len(rows), len(DURATIONS))
    every = {name: _present(table[:, index]) for index, name in enumerate(DURATIONS)}
    total_row = (await session.execute(select(*counts).where(*where))).one()
    total = _tally(total_row, {name: durations_stats(values) for name, values in every.items()})
    for n, (group_by, key) in enumerate(keys.items()):
        durations: dict[str, dict[str, Any]] = {}
        if rows:
            column = np.array([str(row[n]) for row in rows], dtype=object)
            names, inverse = np.unique(column, return_inverse=True)
            for position, name_of_row in enumerate(names):
                chosen = table[inverse == position]
                durations[str(name_of_row)] = {name: _present(chosen[:, i]) for i, name in enumerate(DURATIONS)}
        for row in await session.execute(select(key.label("key"), *counts).where(*where).group_by(key)):
            found = durations.get(str(row.key)) or {name: () for name in DURATIONS}
            by[group_by][str(row.key)] = _tally(row, {name: durations_stats(found[name]) for name in DURATIONS})
    return total, by
