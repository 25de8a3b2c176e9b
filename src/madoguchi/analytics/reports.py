"""Managers' numbers: the summary of conversations created in a period, in total and by one dimension, as JSON
rows or CSV. What each number means is in `madoguchi.analytics.metrics`.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

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
from madoguchi.errors import InvalidInput
from madoguchi.store.models import Agent, Desk, Shop

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
    if group_by is not None and group_by not in GROUPS:
        raise InvalidInput(f"group_by is one of {', '.join(GROUPS)} (or absent for the totals only).")
    filters = filters or Filters()
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        total, groups = await aggregate.tally_rows(session, period, group_by, filters)
    else:
        total, groups = await metrics.tally_rows(session, period, group_by, filters)
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
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "tz": period.tz.key,
        "group_by": group_by,
        "totals": total.row(),
        "rows": rows,
    }


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
