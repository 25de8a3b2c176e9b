"""Managers' numbers: the summary of conversations created in a period, in total and by one dimension, as JSON
rows or CSV. What each number means is in `madoguchi.analytics.metrics`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from madoguchi.analytics import aggregate, metrics
from madoguchi.analytics.metrics import (
    BOT_DESK,
    GROUPS,
    PLATFORM,
    UNASSIGNED,
    UNKNOWN,
    UNROUTED,
    Filters,
    Period,
    Tally,
)
from madoguchi.domain.event_types import EventType
from madoguchi.errors import Forbidden, InvalidInput
from madoguchi.store.models import Agent, ConversationEvent, ConversationFact, Desk, Shop

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.ext.asyncio import AsyncSession


async def _labels(session: AsyncSession, group_by: str | None, keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """Names for the keys people do not read: operators', shops' and desks' names."""
    wanted = [key for key in keys if key not in (BOT_DESK, UNROUTED, PLATFORM, UNASSIGNED, UNKNOWN)]
    if group_by == "agent":
        ids = [int(key) for key in wanted if key.isdigit()]
        rows = await session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(ids)))
        return {str(agent_id): {"ja": name, "en": name} for agent_id, name in rows}
    if group_by == "shop":
        shops = await session.execute(select(Shop.id, Shop.name, Shop.name_en).where(Shop.id.in_(wanted)))
        return {shop_id: {"ja": name, "en": name_en} for shop_id, name, name_en in shops}
    if group_by == "desk":
        desks = await session.execute(select(Desk.id, Desk.name_ja, Desk.name_en).where(Desk.id.in_(wanted)))
        return {desk_id: {"ja": name_ja, "en": name_en} for desk_id, name_ja, name_en in desks}
    return {}


async def summary(
    session: AsyncSession, period: Period, group_by: str | None = None, filters: Filters | None = None
) -> dict[str, Any]:
    """`{"from", "to", "tz", "group_by", "totals": ROW, "rows": [ROW + {"key", "label"}]}`."""
    found = await overview(session, period, [group_by] if group_by is not None else [], filters)
    return {**_head(period), "group_by": group_by, "totals": found["totals"], "rows": found["groups"].get(group_by, [])}


async def overview(
    session: AsyncSession, period: Period, group_bys: list[str], filters: Filters | None = None
) -> dict[str, Any]:
    """The totals and the rows of several groupings at once (one pass where the database can):
    `{"from", "to", "tz", "totals": ROW, "groups": {G: [ROW + {"key", "label"}]}}`."""
    for group_by in group_bys:
        if group_by not in GROUPS:
            raise InvalidInput(f"group_by is one of {', '.join(GROUPS)} (or absent for the totals only).")
    group_bys = list(dict.fromkeys(group_bys))
    filters = filters or Filters()
    dialect = session.get_bind().dialect.name
    together = [group_by for group_by in group_bys if aggregate.supports(dialect, period, group_by)]
    total, by = await aggregate.tally_many(session, period, together, filters)
    for group_by in group_bys:
        if group_by not in together:
            _, by[group_by] = await metrics.tally_rows(session, period, group_by, filters)
    return {
        **_head(period),
        "totals": total.row(),
        "groups": {group_by: await _rows(session, period, group_by, by[group_by]) for group_by in group_bys},
    }


def _head(period: Period) -> dict[str, Any]:
    return {"from": period.first.isoformat(), "to": period.last.isoformat(), "tz": period.tz.key}


async def _rows(session: AsyncSession, period: Period, group_by: str, groups: dict[str, Tally]) -> list[dict[str, Any]]:
    keys = list(groups)
    if group_by == "day":
        keys = period.days()
    elif group_by == "hour":
        keys = period.hours()
    else:
        keys.sort(key=lambda key: (-groups[key].conversations, key))
    labels = await _labels(session, group_by, keys)
    rows = []
    for key in keys:
        row: dict[str, Any] = {"key": key}
        if key in labels:
            row["label"] = labels[key]
        row.update((groups.get(key) or Tally()).row())
        rows.append(row)
    return rows


_CSV_COLUMNS: list[tuple[str, Any]] = [
    ("conversations", lambda row: row["conversations"]),
    ("bot_resolved", lambda row: row["bot_resolved"]),
    ("handed_over", lambda row: row["handed_over"]),
    ("containment", lambda row: row["containment"]),
    ("first_response_s_p50", lambda row: row["first_response_s"]["p50"]),
    ("first_response_s_p90", lambda row: row["first_response_s"]["p90"]),
    ("wait_s_p50", lambda row: row["wait_s"]["p50"]),
    ("wait_s_p90", lambda row: row["wait_s"]["p90"]),
    ("handle_s_mean", lambda row: row["handle_s"]["mean"]),
    ("resolution_s_p50", lambda row: row["resolution_s"]["p50"]),
    ("resolution_s_p90", lambda row: row["resolution_s"]["p90"]),
    ("service_level_60s", lambda row: row["service_level_60s"]),
    ("sla_met", lambda row: row["sla_met"]),
    ("sla_breached", lambda row: row["sla_breached"]),
    ("shop_promise_met", lambda row: row["shop_promise"]["met"]),
    ("shop_promise_breached", lambda row: row["shop_promise"]["breached"]),
    ("csat_responses", lambda row: row["csat"]["responses"]),
    ("csat_mean", lambda row: row["csat"]["mean"]),
    ("resolved", lambda row: row["resolved"]),
    ("transfers", lambda row: row["transfers"]),
    ("reopened", lambda row: row["reopened"]),
    ("reopen_rate", lambda row: row["reopen_rate"]),
    ("callbacks_requested", lambda row: row["callbacks"]["requested"]),
    ("callbacks_kept", lambda row: row["callbacks"]["kept"]),
]
TOTAL_KEY = "total"


def as_csv(report: dict[str, Any]) -> str:
    """The summary's rows, then its totals, as CSV with a byte order mark (Excel in Japan reads it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["from", "to", "group_by", "key", "label", *(name for name, _ in _CSV_COLUMNS)])
    head = [report["from"], report["to"], report["group_by"] or ""]
    for row in [*report["rows"], {"key": TOTAL_KEY, **report["totals"]}]:
        label = row.get("label", {}).get("ja", "")
        values = ["" if (value := read(row)) is None else value for _, read in _CSV_COLUMNS]
        writer.writerow([*head, _safe_cell(row["key"]), _safe_cell(label), *values])
    return "\ufeff" + out.getvalue()


def _safe_cell(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets: names come from operators and shops.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# Upper edges of the bars of a duration's distribution, in seconds; the last bar is everything longer.
BUCKETS_S = (10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600)


async def distribution(
    session: AsyncSession, period: Period, metric: str, filters: Filters | None = None
) -> dict[str, Any]:
    """How a duration (`wait_s`, `first_response_s`, `handle_s` or `resolution_s`) is spread, in bars:
    `{"metric", "count", "buckets": [{"from_s", "to_s", "count"}]}` (`to_s` null for the last, open bar)."""
    if metric not in metrics.DURATIONS:
        raise InvalidInput(f"metric is one of {', '.join(metrics.DURATIONS)}.")
    column = getattr(ConversationFact, metric)
    edges = [0, *BUCKETS_S]
    bars = [
        func.count().filter(column >= low, column < high) if high is not None else func.count().filter(column >= low)
        for low, high in zip(edges, [*BUCKETS_S, None], strict=True)
    ]
    row = (await session.execute(select(*bars).where(*metrics.conditions(period, filters or Filters())))).one()
    buckets = [
        {"from_s": low, "to_s": high, "count": int(count)}
        for low, high, count in zip(edges, [*BUCKETS_S, None], row, strict=True)
    ]
    return {"metric": metric, "count": sum(bucket["count"] for bucket in buckets), "buckets": buckets}


async def ratings(
    session: AsyncSession,
    period: Period,
    filters: Filters | None = None,
    *,
    at_most: int | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The customers' ratings given in the period, newest first, with their comments (`at_most` keeps the low
    ones), for the conversations the filters allow."""
    filters = filters or Filters()
    query = (
        select(ConversationEvent, ConversationFact, Agent.name)
        .join(ConversationFact, ConversationFact.conversation_id == ConversationEvent.conversation_id)
        .outerjoin(Agent, Agent.id == ConversationFact.agent_id)
        .where(
            ConversationEvent.type == EventType.CSAT_SUBMITTED,
            ConversationEvent.created_at >= period.start,
            ConversationEvent.created_at < period.end,
            *metrics.conditions(None, filters),
        )
        .order_by(ConversationEvent.id.desc())
        .limit(limit)
    )
    found = []
    for event, fact, agent_name in await session.execute(query):
        score = int(event.data.get("score", 0))
        if at_most is not None and score > at_most:
            continue
        found.append(
            {
                "conversation_id": event.conversation_id,
                "at": event.created_at.isoformat(),
                "score": score,
                "comment": event.data.get("comment"),
                "via": event.data.get("via"),
                "desk": fact.desk,
                "shop_id": fact.shop_id,
                "agent": agent_name,
                "language": fact.language,
                "intent": fact.intent,
            }
        )
    return found


def scope(agent: Agent, filters: Filters) -> Filters:
    """The conversations this person may count: supervisors and administrators all of them, a shop's staff
    their own shop's only, other operators none."""
    if agent.role in ("admin", "supervisor"):
        return filters
    if agent.role == "shop_agent" and agent.shop_id is not None:
        if filters.shop_id not in (None, agent.shop_id):
            raise Forbidden("A shop's staff see their own shop's numbers only.")
        return replace(filters, shop_id=agent.shop_id)
    raise Forbidden("Reports are for supervisors, administrators and shops' staff (their own shop's numbers).")
