"""What each number of a report means, and the reference engine that counts it conversation by conversation.

Read from the conversations' facts (`madoguchi.conversations.facts`), which are the event log folded once per
conversation, so every number is a number of the log. The definitions are DESIGN.md's ("Reports"):

- `conversations`: created in the period (in the report's time zone, both dates included);
- `bot_resolved`: resolved without ever being queued; `handed_over`: queued at least once;
  `containment` = bot_resolved / (bot_resolved + handed_over);
- `wait_s`: first queued → first assigned; `first_response_s`: first queued → first public message of an
  operator; `handle_s`: first assigned → resolved; `resolution_s`: created → resolved (p50 and p90 are
  interpolated between the nearest values, as PostgreSQL's `percentile_cont`; `mean` the arithmetic mean);
- `service_level_60s`: the share of handed-over conversations assigned within 60 s of being queued;
- `sla_met` / `sla_breached`: conversations whose SLA clocks, once judged at their deadlines, were all kept /
  of which at least one was missed; `shop_promise` the same for shops' reply promises alone;
- `csat`: the customers' ratings (the last one of each conversation), `low` those of 1 or 2;
- also `resolved`, `transfers`, `escalations`, `reopened` (conversations reopened at least once) and
  `reopen_rate` (reopened / resolved), `callbacks` requested and kept (the customer was reached).

A metric without data is null. Two engines compute the same rows: on PostgreSQL the database aggregates
(`madoguchi.analytics.aggregate`: a month of a large marketplace is millions of rows); on SQLite the rows are
read and tallied here. A test holds them equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy import select

from madoguchi.domain.routing_map import DeskId
from madoguchi.errors import InvalidInput
from madoguchi.store.models import ConversationFact

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

GroupBy = Literal["desk", "intent", "shop", "agent", "channel", "language", "day", "hour"]
GROUPS: tuple[str, ...] = get_args(GroupBy)
# A report spans at most this many days: a year and a day, so that a year on year comparison fits.
MAX_DAYS = 366
SERVICE_LEVEL_S = 60.0
LOW_CSAT = 2
# What a conversation without a value of the dimension is counted under.
BOT_DESK = DeskId.BOT.value
UNROUTED = "unrouted"
PLATFORM = "platform"
UNASSIGNED = "unassigned"
UNKNOWN = "unknown"
DURATIONS = ("wait_s", "first_response_s", "handle_s", "resolution_s")


@dataclass(frozen=True)
class Period:
    """Calendar dates in a time zone, both included."""

    first: date
    last: date
    tz: ZoneInfo

    @classmethod
    def parse(cls, first: str, last: str, tz: str = "Asia/Tokyo") -> Period:
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput(f"Unknown time zone {tz!r}: use an IANA name such as Asia/Tokyo.") from exc
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last)
        except ValueError as exc:
            raise InvalidInput("Dates are written YYYY-MM-DD, for example 2026-12-01.") from exc
        if end < start:
            raise InvalidInput(f"The period ends ({last}) before it starts ({first}).")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidInput(f"A report covers at most {MAX_DAYS} days.")
        return cls(start, end, zone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.tz)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.tz)

    def days(self) -> list[str]:
        return [(self.first + timedelta(days=n)).isoformat() for n in range((self.last - self.first).days + 1)]

    def hours(self) -> list[str]:
        return [f"{day}T{hour:02d}:00" for day in self.days() for hour in range(24)]


@dataclass(frozen=True)
class Filters:
    """Narrow the conversations counted; `shop_id` is also how a shop's staff are held to their own shop."""

    shop_id: str | None = None
    desk: str | None = None
    channel: str | None = None
    language: str | None = None
    intent: str | None = None
    agent_id: int | None = None


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def durations_stats(values: Sequence[float]) -> dict[str, float | None]:
    """p50, p90 (interpolated, as `percentile_cont`) and mean of some durations."""
    if not len(values):
        return {"p50": None, "p90": None, "mean": None}
    array = np.asarray(values, dtype=float)
    p50, p90 = np.percentile(array, [50, 90], method="linear")
    return {"p50": rounded(p50), "p90": rounded(p90), "mean": rounded(array.mean())}


@dataclass
class Tally:
    """The counts and durations of one row, added one conversation at a time (the SQLite engine), or given
    as the database aggregated them (the PostgreSQL engine)."""

    conversations: int = 0
    bot_resolved: int = 0
    handed_over: int = 0
    resolved: int = 0
    within_60s: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    promise_met: int = 0
    promise_breached: int = 0
    transfers: int = 0
    escalations: int = 0
    reopened: int = 0
    callbacks_requested: int = 0
    callbacks_kept: int = 0
    csat_responses: int = 0
    csat_sum: int = 0
    csat_low: int = 0

    def __post_init__(self) -> None:
        self.values: dict[str, list[float]] = {name: [] for name in DURATIONS}
        self.stats: dict[str, dict[str, float | None]] | None = None

    def add(self, fact: Any) -> None:
        self.conversations += 1
        self.bot_resolved += bool(fact.bot_resolved)
        self.handed_over += bool(fact.handed_over)
        self.resolved += fact.resolved_at is not None
        self.within_60s += fact.wait_s is not None and fact.wait_s <= SERVICE_LEVEL_S
        self.sla_breached += fact.sla_breached > 0
        self.sla_met += fact.sla_met > 0 and fact.sla_breached == 0
        self.promise_breached += fact.promise_breached > 0
        self.promise_met += fact.promise_met > 0 and fact.promise_breached == 0
        self.transfers += fact.transfers
        self.escalations += fact.escalations
        self.reopened += fact.reopens > 0
        self.callbacks_requested += fact.callbacks_requested
        self.callbacks_kept += fact.callbacks_kept
        if fact.csat_score is not None:
            self.csat_responses += 1
            self.csat_sum += fact.csat_score
            self.csat_low += fact.csat_score <= LOW_CSAT
        for name in DURATIONS:
            value = getattr(fact, name)
            if value is not None:
                self.values[name].append(value)

    def row(self) -> dict[str, Any]:
        stats = self.stats or {name: durations_stats(values) for name, values in self.values.items()}
        decided = self.bot_resolved + self.handed_over
        return {
            "conversations": self.conversations,
            "bot_resolved": self.bot_resolved,
            "handed_over": self.handed_over,
            "containment": _share(self.bot_resolved, decided),
            "first_response_s": stats["first_response_s"],
            "wait_s": stats["wait_s"],
            "handle_s": stats["handle_s"],
            "resolution_s": stats["resolution_s"],
            "service_level_60s": _share(self.within_60s, self.handed_over),
            "sla_met": self.sla_met,
            "sla_breached": self.sla_breached,
            "shop_promise": {"met": self.promise_met, "breached": self.promise_breached},
            "csat": {
                "responses": self.csat_responses,
                "mean": rounded(self.csat_sum / self.csat_responses, 2) if self.csat_responses else None,
                "low": self.csat_low,
            },
            "resolved": self.resolved,
            "transfers": self.transfers,
            "escalations": self.escalations,
            "reopened": self.reopened,
            "reopen_rate": _share(self.reopened, self.resolved),
            "callbacks": {"requested": self.callbacks_requested, "kept": self.callbacks_kept},
        }


def key_of(fact: Any, group_by: str, tz: ZoneInfo) -> str:
    """The row a conversation is counted in."""
    if group_by == "desk":
        return str(fact.desk or (UNROUTED if fact.handed_over else BOT_DESK))
    if group_by == "intent":
        return str(fact.intent or UNKNOWN)
    if group_by == "shop":
        return str(fact.shop_id or PLATFORM)
    if group_by == "agent":
        return str(fact.agent_id) if fact.agent_id is not None else UNASSIGNED
    if group_by == "channel":
        return str(fact.channel)
    if group_by == "language":
        return str(fact.language or UNKNOWN)
    local: datetime = fact.created_at.astimezone(tz)
    return local.strftime("%Y-%m-%d") if group_by == "day" else local.strftime("%Y-%m-%dT%H:00")


def conditions(period: Period | None, filters: Filters) -> list[Any]:
    """The facts counted: created in the period, within the filters."""
    found: list[Any] = []
    if period is not None:
        found += [ConversationFact.created_at >= period.start, ConversationFact.created_at < period.end]
    if filters.shop_id is not None:
        found.append(ConversationFact.shop_id == filters.shop_id)
    if filters.desk is not None:
        found.append(ConversationFact.desk == filters.desk)
    if filters.channel is not None:
        found.append(ConversationFact.channel == filters.channel)
    if filters.language is not None:
        found.append(ConversationFact.language == filters.language)
    if filters.intent is not None:
        found.append(ConversationFact.intent == filters.intent)
    if filters.agent_id is not None:
        found.append(ConversationFact.agent_id == filters.agent_id)
    return found


_READ = [
    ConversationFact.created_at,
    ConversationFact.channel,
    ConversationFact.shop_id,
    ConversationFact.language,
    ConversationFact.intent,
    ConversationFact.desk,
    ConversationFact.agent_id,
    ConversationFact.resolved_at,
    ConversationFact.bot_resolved,
    ConversationFact.handed_over,
    *(getattr(ConversationFact, name) for name in DURATIONS),
    ConversationFact.transfers,
    ConversationFact.escalations,
    ConversationFact.reopens,
    ConversationFact.sla_met,
    ConversationFact.sla_breached,
    ConversationFact.promise_met,
    ConversationFact.promise_breached,
    ConversationFact.callbacks_requested,
    ConversationFact.callbacks_kept,
    ConversationFact.csat_score,
]


async def tally_rows(
    session: AsyncSession, period: Period, group_by: str | None, filters: Filters
) -> tuple[Tally, dict[str, Tally]]:
    """The reference engine: every fact of the period read and tallied here."""
    total = Tally()
    groups: dict[str, Tally] = {}
    result = await session.stream(select(*_READ).where(*conditions(period, filters)))
    async for fact in result:
        total.add(fact)
        if group_by is not None:
            key = key_of(fact, group_by, period.tz)
            tally = groups.get(key)
            if tally is None:
                tally = groups[key] = Tally()
            tally.add(fact)
    return total, groups
