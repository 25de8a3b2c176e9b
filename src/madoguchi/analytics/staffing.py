"""Staffing: how many operators each desk needs in each hour of a week, from the weeks before it.

The method (docs/reports.md, "Staffing"):

- History: the `weeks` whole weeks (Monday to Sunday in the plan's time zone) before the plan week, or before
  the current week when the plan week is still ahead of it: a week that is not over yet would understate its
  own demand, so it is never read.
- Arrivals: the conversations first queued at a desk (`ConversationFact.first_queued_at`, `desk` the first
  desk that queued it), counted per weekday × hour × quarter of an hour in the time zone and divided by the
  number of weeks. The busiest quarter of each weekday-hour, times four, is that hour's arrival rate: planning
  on the hour's average would spread a peak of a few minutes over the hour and understaff it.
- Handle time: the mean `handle_s` (first assignment → resolution) of the desk's conversations of those weeks,
  to a tenth of a second, never below `HANDLE_FLOOR_S`; `DEFAULT_HANDLE_S` while the desk has none handled.
- Agents: for each hour of the plan week, the fewest agents with which Erlang C (`madoguchi.routing.erlang`,
  the engine of the routing simulation and the wait estimate) answers `service_level` of the customers within
  `within_s` seconds; 0 without arrivals. An hour the desk is closed all through (its hours, Japanese public
  holidays included) is `open: false` with 0 agents; its arrival rate is still shown.

Counting is done by the database, one definition for both engines: the quarter of an hour since the Unix epoch
each conversation was first queued in (integer seconds // 900, the same integer on SQLite and PostgreSQL); the
quarters are then read in the time zone here. Every zone in use today is a whole number of quarters of an hour
from UTC, so a quarter of UTC is exactly a quarter of local time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, Integer, cast, extract, func, literal, select

from madoguchi.errors import InvalidInput
from madoguchi.routing import erlang
from madoguchi.routing.desks import REFERRAL, SHOP, TOKYO, WEEKDAYS, Hours
from madoguchi.store.models import ConversationFact, Desk, Shop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_WEEKS = 4
MAX_WEEKS = 12
SERVICE_LEVEL = 0.8
WITHIN_S = 60.0
# A desk's mean handle time is never taken below a minute (a desk whose few conversations were closed at once
# would be planned with no one), and is five minutes while it has handled none.
HANDLE_FLOOR_S = 60.0
DEFAULT_HANDLE_S = 300.0
SLOT_S = 15 * 60
SLOTS_PER_HOUR = 4
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    """The service level planned for: `service_level` of the customers answered within `within_s` seconds."""

    service_level: float = SERVICE_LEVEL
    within_s: float = WITHIN_S

    def __post_init__(self) -> None:
        if not 0 < self.service_level < 1:
            raise InvalidInput(f"The service level is a share between 0 and 1 (such as 0.8), not {self.service_level}.")
        if not 0 <= self.within_s <= 24 * 3600:
            raise InvalidInput(f"The answer time is between 0 and 86400 seconds, not {self.within_s}.")


@dataclass(frozen=True)
class Weeks:
    """The plan week (seven days from a Monday in the time zone) and the whole weeks of history before it."""

    first: date
    tz: ZoneInfo
    weeks: int
    history_end: date  # the Monday after the last week of history

    @classmethod
    def parse(cls, today: date, week: date | str | None = None, weeks: int = DEFAULT_WEEKS, tz: str = TOKYO) -> Weeks:
        """`week` is the plan week's Monday; by default next Monday, the first Monday after `today`."""
        zone = zone_of(tz)
        if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
            raise InvalidInput(f"weeks is a number of weeks of history from 1 to {MAX_WEEKS}, not {weeks}.")
        if week is None:
            first = today + timedelta(days=7 - today.weekday())
        else:
            try:
                first = week if isinstance(week, date) else date.fromisoformat(week)
            except ValueError as exc:
                raise InvalidInput("week is the Monday the plan starts on, written YYYY-MM-DD.") from exc
            if first.weekday() != 0:
                monday = first - timedelta(days=first.weekday())
                raise InvalidInput(
                    f"week is the Monday the plan starts on: {first} is a {first.strftime('%A')}"
                    f" (that week's Monday is {monday})."
                )
        this_monday = today - timedelta(days=today.weekday())
        return cls(first, zone, weeks, min(first, this_monday))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(7)]

    @property
    def history_first(self) -> date:
        return self.history_end - timedelta(weeks=self.weeks)

    def start(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.tz)


def zone_of(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {tz!r}: use an IANA name such as Asia/Tokyo.") from exc


@dataclass
class History:
    """What one desk's weeks of history say: arrivals per (weekday, hour, quarter) in all, and handle times."""

    slots: dict[tuple[int, int, int], int] = field(default_factory=lambda: defaultdict(int))
    handled: int = 0
    handle_mean_s: float | None = None

    @property
    def arrivals(self) -> int:
        return sum(self.slots.values())

    @property
    def handle_s(self) -> float:
        """The handle time planned with."""
        if not self.handled or self.handle_mean_s is None:
            return DEFAULT_HANDLE_S
        return max(HANDLE_FLOOR_S, round(self.handle_mean_s, 1))

    def peak_per_hour(self, weekday: int, hour: int, weeks: int) -> float:
        """Arrivals per hour at the rate of the hour's busiest quarter, on the weeks' average."""
        busiest = max(self.slots.get((weekday, hour, quarter), 0) for quarter in range(SLOTS_PER_HOUR))
        return busiest * SLOTS_PER_HOUR / weeks


def agents_for(arrivals_per_hour: float, handle_s: float, target: Target) -> int:
    """The fewest agents answering `target.service_level` within `target.within_s` (Erlang C); 0 for no one."""
    load = erlang.traffic(arrivals_per_hour / 3600, handle_s)
    return erlang.agents_needed(load, handle_s, target.within_s, target.service_level)


def quarter_index(column: Any, dialect: str) -> Any:
    """The quarter of an hour since the Unix epoch an instant falls in: whole seconds // 900 on both engines."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", column).op("/")(literal(SLOT_S, Integer))), BigInteger)
    # SQLite keeps UTC as text; strftime('%s') reads it as whole seconds, and / of integers is integer division.
    return cast(func.strftime("%s", column), Integer).op("/")(literal(SLOT_S, Integer))


async def _histories(session: AsyncSession, weeks: Weeks, desks: list[str], shop_id: str | None) -> dict[str, History]:
    column = ConversationFact.first_queued_at
    conditions = [
        ConversationFact.desk.in_(desks),
        column >= weeks.start(weeks.history_first),
        column < weeks.start(weeks.history_end),
    ]
    if shop_id is not None:
        conditions.append(ConversationFact.shop_id == shop_id)
    quarter = quarter_index(column, session.get_bind().dialect.name).label("quarter")
    handle = ConversationFact.handle_s
    # One pass over the facts: arrivals by desk and quarter, with the handle times of the same conversations.
    counted = (
        select(ConversationFact.desk, quarter, func.count(), func.count(handle), func.coalesce(func.sum(handle), 0.0))
        .where(*conditions)
        .group_by(ConversationFact.desk, quarter)
    )
    histories: dict[str, History] = {desk: History() for desk in desks}
    handle_sums: dict[str, float] = defaultdict(float)
    for desk, index, arrivals, handled, handle_sum in await session.execute(counted):
        local = (_EPOCH + timedelta(seconds=int(index) * SLOT_S)).astimezone(weeks.tz)
        history = histories[desk]
        history.slots[(local.weekday(), local.hour, local.minute // 15)] += int(arrivals)
        history.handled += int(handled)
        handle_sums[desk] += float(handle_sum)
    for desk, history in histories.items():
        if history.handled:
            history.handle_mean_s = handle_sums[desk] / history.handled
    return histories


def _open_intervals(hours: Hours, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """When the desk is open between two instants, walked from opening to closing."""
    found: list[tuple[datetime, datetime]] = []
    at = start
    while at < end:
        opens = hours.next_opening(at)
        if opens is None or opens >= end:
            break
        closes = hours.closes_at(opens) or end
        found.append((opens, min(closes, end)))
        at = closes
    return found


def desk_hours(history: History, weeks: Weeks, hours: Hours, target: Target) -> list[dict[str, Any]]:
    """The plan week hour by hour for one desk: open or not, the peak arrival rate and the agents needed."""
    intervals = _open_intervals(hours, weeks.start(weeks.first), weeks.start(weeks.first + timedelta(days=7)))
    handle_s = history.handle_s
    planned: list[dict[str, Any]] = []
    for day in weeks.days:
        for hour in range(24):
            begins = datetime.combine(day, time(hour), weeks.tz)
            ends = begins + timedelta(hours=1)
            is_open = any(opens < ends and closes > begins for opens, closes in intervals)
            rate = history.peak_per_hour(day.weekday(), hour, weeks.weeks)
            planned.append(
                {
                    "date": day.isoformat(),
                    "weekday": WEEKDAYS[day.weekday()],
                    "hour": hour,
                    "open": is_open,
                    "peak_arrivals_per_hour": round(rate, 2),
                    "agents": agents_for(rate, handle_s, target) if is_open else 0,
                }
            )
    return planned


async def _desks(session: AsyncSession, desk: str | None, shop_id: str | None) -> list[Desk]:
    """The desks planned: those our operators or a shop's staff answer (never an outside party's referral)."""
    rows = list(await session.scalars(select(Desk).where(Desk.kind != REFERRAL).order_by(Desk.id)))
    if shop_id is not None:
        # A shop's staff answer their own inbox only: that is the one desk of a shop's plan.
        if desk not in (None, SHOP):
            raise InvalidInput(f"A shop's plan covers its own inbox only (desk {SHOP}), not {desk}.")
        rows = [row for row in rows if row.kind == SHOP]
    elif desk is not None:
        rows = [row for row in rows if row.id == desk]
        if not rows:
            known = ", ".join(
                sorted(row.id for row in await session.scalars(select(Desk).where(Desk.kind != REFERRAL)))
            )
            raise InvalidInput(
                f"Unknown desk {desk!r} (or an outside party's, planned by nobody here): one of {known}."
            )
    return rows


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


async def plan(
    session: AsyncSession,
    now: datetime,
    *,
    weeks: int = DEFAULT_WEEKS,
    week: date | str | None = None,
    tz: str = TOKYO,
    desk: str | None = None,
    shop_id: str | None = None,
    target: Target | None = None,
) -> dict[str, Any]:
    """The operators each desk needs in each hour of the plan week (by default the week from next Monday).

    `shop_id` narrows the plan to that shop's inbox: its arrivals, its handle time and its own hours. Without
    it the shop desk pools every shop's inbox under the desk's hours (see docs/reports.md on what that means).
    """
    target = target or Target()
    zone = zone_of(tz)
    span = Weeks.parse(now.astimezone(zone).date(), week, weeks, tz)
    shop: Shop | None = None
    if shop_id is not None:
        shop = await session.get(Shop, shop_id)
        if shop is None:
            raise InvalidInput(f"Unknown shop {shop_id!r}.")
    rows = await _desks(session, desk, shop_id)
    histories = await _histories(session, span, [row.id for row in rows], shop_id)
    planned: list[dict[str, Any]] = []
    for row in rows:
        history = histories[row.id]
        hours = Hours.of(shop) if shop is not None and row.kind == SHOP else Hours.of(row)
        by_hour = desk_hours(history, span, hours, target)
        planned.append(
            {
                "desk": row.id,
                "label": {"ja": row.name_ja, "en": row.name_en},
                "shop": None if shop is None else {"id": shop.id, "label": {"ja": shop.name, "en": shop.name_en}},
                "handle_s": history.handle_s,
                "handled": history.handled,
                "arrivals_per_week": round(history.arrivals / span.weeks, 2),
                "hours": by_hour,
                "peak_agents": max((entry["agents"] for entry in by_hour), default=0),
            }
        )
    # The busiest desks first, as the summary's rows by desk.
    planned.sort(key=lambda entry: (-float(entry["arrivals_per_week"]), str(entry["desk"])))
    return {
        "week_of": span.first.isoformat(),
        "tz": zone.key,
        "weeks_of_history": span.weeks,
        "history": {
            "from": span.history_first.isoformat(),
            "to": (span.history_end - timedelta(days=1)).isoformat(),
        },
        "target": {"service_level": target.service_level, "within_s": _number(target.within_s)},
        "desks": planned,
    }
