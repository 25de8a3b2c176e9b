"""The staffing plan, to the agent, over four scripted weeks of history on the test clock: arrivals queued through
the real actions at known quarters of an hour, handle times of known length, a shop's inbox shared by two shops,
a conversation at each edge of the history and one the bot kept. The counts are checked against Erlang C by hand
and by `madoguchi.routing.erlang`, on both databases (the same numbers on each); then closed hours and a
public holiday, who sees what over HTTP, bad queries, and the command."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from madoguchi.analytics import staffing
from madoguchi.analytics.staffing import History, Target, Weeks
from madoguchi.cli import main
from madoguchi.conversations import actions
from madoguchi.errors import InvalidInput
from madoguchi.routing import erlang
from madoguchi.routing.desks import is_public_holiday
from madoguchi.runtime import Runtime, start_runtime, stop_runtime
from madoguchi.settings import get_settings
from madoguchi.store.models import AuditEntry, ConversationFact
from tests.analytics.test_report_metrics import Script, scripted
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_KOBAYASHI, SHOP_AGENT_YAMADA, Console

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings

JST = ZoneInfo("Asia/Tokyo")
SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
# The test clock stands on Wednesday 9 December 2026: the plan week is the one from Monday 14 December, and the
# history the four whole weeks before the current one, Monday 9 November to Sunday 6 December (the week of 7
# December is not over, so it is not read).
MONDAYS = [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]
PLAN_WEEK = "2026-12-14"
# Handle times of the one conversation of platform_cs handled each week (mean 600 s), and of hikari-denki's (900 s).
PLATFORM_HANDLES = [480, 600, 720, 600]
SHOP_HANDLE = 900


def jst(day: date, hour: int, minute: int, second: float = 0.0) -> datetime:
    whole = int(second)
    micro = round((second - whole) * 1_000_000)
    return datetime(day.year, day.month, day.day, hour, minute, whole, micro, tzinfo=JST).astimezone(UTC)


def needed(arrivals_per_hour: float, handle_s: float) -> int:
    """What erlang.py says for 80 % within 60 s: the yardstick of the hand-computed figures below."""
    load = erlang.traffic(arrivals_per_hour / 3600, handle_s)
    return erlang.agents_needed(load, handle_s, 60.0, 0.8)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await start_runtime(scripted(settings))
    try:
        yield runtime
    finally:
        await stop_runtime(runtime)


async def _arrive(script: Script, when: datetime, intent: str = "cancel_order", shop: str | None = None) -> str:
    conversation = await script.open(when, shop=shop)
    await script.write(conversation, when, intent=intent)
    return conversation


async def _handle(script: Script, conversation: str, queued: datetime, agent_email: str, handle_s: int) -> None:
    agent = await script.agent(agent_email)
    taken = queued + timedelta(seconds=20)
    await script.act(conversation, taken, actions.do_take, agent)
    await script.act(conversation, taken + timedelta(seconds=handle_s), actions.do_resolve, agent)


async def play(script: Script) -> None:
    """Four weeks of arrivals (all times Asia/Tokyo):

    - platform_cs: every Monday 10:01, 10:05 and 10:09 (the first handled, 480/600/720/600 s); in the first
      week also Monday 10:31 and Thursday 09:14:59.5 and 09:15:00 (either side of a quarter); in the second
      week Wednesday 15:00; in the third Monday 14:10;
    - payments: every Monday 09:10; in the first two weeks Monday 19:31 and 19:35; none handled;
    - shop: every Tuesday 11:02 and 11:07 for hikari-denki (the first handled, 900 s), 11:04 for kyoto-kotonoha;
    - not counted: Sunday 8 November 23:50 (before the history), Monday 7 December 10:05 (the current week),
      and a conversation the bot kept on Monday 9 November 10:03 (never queued).
    """
    for week, monday in enumerate(MONDAYS):
        tuesday = monday + timedelta(days=1)
        first = jst(monday, 10, 1)
        conversation = await _arrive(script, first)
        await _arrive(script, jst(monday, 10, 5))
        await _arrive(script, jst(monday, 10, 9))
        await _handle(script, conversation, first, "tanaka@madoguchi.localhost", PLATFORM_HANDLES[week])
        await _arrive(script, jst(monday, 9, 10), "payment_issue")
        shop_first = jst(tuesday, 11, 2)
        conversation = await _arrive(script, shop_first, shop="hikari-denki")
        await _handle(script, conversation, shop_first, "kobayashi@hikari-denki.localhost", SHOP_HANDLE)
        await _arrive(script, jst(tuesday, 11, 7), shop="hikari-denki")
        await _arrive(script, jst(tuesday, 11, 4), shop="kyoto-kotonoha")
        if week in (0, 1):
            await _arrive(script, jst(monday, 19, 31), "payment_issue")
            await _arrive(script, jst(monday, 19, 35), "payment_issue")
    await _arrive(script, jst(MONDAYS[0], 10, 31))
    await _arrive(script, jst(MONDAYS[0] + timedelta(days=3), 9, 14, 59.5))
    await _arrive(script, jst(MONDAYS[0] + timedelta(days=3), 9, 15, 0))
    await _arrive(script, jst(MONDAYS[1] + timedelta(days=2), 15, 0))
    await _arrive(script, jst(MONDAYS[2], 14, 10))
    await _arrive(script, jst(date(2026, 11, 8), 23, 50))
    await _arrive(script, jst(date(2026, 12, 7), 10, 5))
    kept = await script.open(jst(MONDAYS[0], 10, 3))
    await script.write(kept, jst(MONDAYS[0], 10, 3), intent="track_order", bot=True)


@pytest.fixture
async def history(settings: Settings, clock: Clock) -> None:
    runtime = await start_runtime(scripted(settings))
    try:
        await play(Script(runtime, clock))
    finally:
        await stop_runtime(runtime)
    clock.set(datetime(2026, 12, 9, 14, 0, tzinfo=JST))


def _desks(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["desk"]: entry for entry in plan["desks"]}


def _hours(entry: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(hour["date"], hour["hour"]): hour for hour in entry["hours"]}


def _staffed(entry: dict[str, Any]) -> dict[tuple[str, int], int]:
    return {key: hour["agents"] for key, hour in _hours(entry).items() if hour["agents"]}


async def _plan(runtime: Runtime, **options: Any) -> dict[str, Any]:
    async with runtime.sessions() as session:
        return await staffing.plan(session, runtime.clock.now(), **options)


async def test_each_hour_of_next_week_gets_the_agents_erlang_c_asks_for(history: None, runtime: Runtime) -> None:
    plan = await _plan(runtime)
    assert plan["week_of"] == PLAN_WEEK
    assert plan["tz"] == "Asia/Tokyo"
    assert plan["weeks_of_history"] == 4
    assert plan["history"] == {"from": "2026-11-09", "to": "2026-12-06"}
    assert plan["target"] == {"service_level": 0.8, "within_s": 60}
    desks = _desks(plan)
    # Every desk our operators or a shop's staff answer; the outside parties (card issuer, carrier) are no one's.
    assert "card_issuer" not in desks
    assert "carrier" not in desks
    assert {"platform_cs", "payments", "shop", "member_support"} <= set(desks)
    assert [entry["desk"] for entry in plan["desks"]][:3] == ["platform_cs", "shop", "payments"]

    platform = desks["platform_cs"]
    # 12 + 5 arrivals in four weeks; handle time the mean of 480, 600, 720 and 600 s.
    assert platform["arrivals_per_week"] == 4.25
    assert (platform["handle_s"], platform["handled"]) == (600.0, 4)
    hours = _hours(platform)
    assert len(platform["hours"]) == 7 * 24
    assert all(hour["open"] for hour in platform["hours"])
    # Monday 10:00: three arrivals each week in the first quarter, one more at 10:31 once: the busiest quarter
    # is 3 a week, 12 an hour; A = 12 × 600 / 3600 = 2 Erlangs. Erlang C answers 59.8 % within 60 s with 3
    # agents and 85.8 % with 4.
    assert hours[(PLAN_WEEK, 10)]["peak_arrivals_per_hour"] == 12.0
    assert hours[(PLAN_WEEK, 10)]["agents"] == 4 == needed(12, 600)
    assert hours[(PLAN_WEEK, 10)]["weekday"] == "mon"
    # One arrival in four weeks at Monday 14:10: 1 an hour, A = 1/6, one agent answers 84.7 %.
    assert hours[(PLAN_WEEK, 14)]["peak_arrivals_per_hour"] == 1.0
    assert hours[(PLAN_WEEK, 14)]["agents"] == 1 == needed(1, 600)
    # 09:14:59.5 and 09:15:00 fall in two quarters: the busiest has one, not two.
    assert hours[("2026-12-17", 9)]["peak_arrivals_per_hour"] == 1.0
    assert _staffed(platform) == {(PLAN_WEEK, 10): 4, (PLAN_WEEK, 14): 1, ("2026-12-17", 9): 1, ("2026-12-16", 15): 1}
    assert platform["peak_agents"] == 4

    payments = desks["payments"]
    # Nothing handled yet: the default handle time. Monday 09:10 once a week, 4 an hour, A = 1/3: one agent
    # answers 70.8 %, two 96.6 %. Monday 19:31 and 19:35 in two of the four weeks: the same rate.
    assert (payments["handle_s"], payments["handled"]) == (staffing.DEFAULT_HANDLE_S, 0)
    assert payments["arrivals_per_week"] == 2.0
    assert _staffed(payments) == {(PLAN_WEEK, 9): 2, (PLAN_WEEK, 19): 2}
    assert needed(4, 300) == 2
    # Closed at night: no agents, whatever arrives.
    assert [hour["open"] for hour in payments["hours"][:24]] == [False] * 9 + [True] * 11 + [False] * 4
    saturday = [hour for hour in payments["hours"] if hour["date"] == "2026-12-19"]
    assert [hour["hour"] for hour in saturday if hour["open"]] == list(range(10, 18))

    shop = desks["shop"]
    # Every shop's inbox pooled under the desk's hours: Tuesday 11:00, 2 + 1 a week in the first quarter, 12 an
    # hour of 900 s (only hikari-denki's were handled): A = 3, five agents answer 79.3 %, six 91.9 %.
    assert shop["shop"] is None
    assert shop["arrivals_per_week"] == 3.0
    assert (shop["handle_s"], shop["handled"]) == (900.0, 4)
    assert _staffed(shop) == {("2026-12-15", 11): 6} == {("2026-12-15", 11): needed(12, 900)}
    assert not _hours(shop)[("2026-12-19", 11)]["open"]

    quiet = desks["member_support"]
    assert quiet["arrivals_per_week"] == 0
    assert quiet["peak_agents"] == 0
    assert (quiet["handle_s"], quiet["handled"]) == (staffing.DEFAULT_HANDLE_S, 0)

    # One definition on both engines: whole seconds since the epoch // 900, as Python computes it.
    async with runtime.sessions() as session:
        dialect = session.get_bind().dialect.name
        column = ConversationFact.first_queued_at
        rows = list(
            await session.execute(select(column, staffing.quarter_index(column, dialect)).where(column.is_not(None)))
        )
    # 37 in the history, one before it and one in the current week; the one the bot kept was never queued.
    assert len(rows) == 39
    for queued_at, quarter in rows:
        assert int(quarter) == math.floor(queued_at.timestamp()) // 900, queued_at


async def test_closed_hours_a_public_holiday_another_time_zone_and_fewer_weeks(history: None, runtime: Runtime) -> None:
    # Monday 11 January 2027 is Coming of Age Day: payments keeps its holiday hours (10:00-18:00), the shop desk
    # is closed all day. The history is still the four weeks before today's week.
    assert is_public_holiday(date(2027, 1, 11))
    plan = await _plan(runtime, week="2027-01-11")
    assert plan["week_of"] == "2027-01-11"
    assert plan["history"] == {"from": "2026-11-09", "to": "2026-12-06"}
    payments = _hours(_desks(plan)["payments"])
    assert payments[("2027-01-11", 9)] == {
        "date": "2027-01-11",
        "weekday": "mon",
        "hour": 9,
        "open": False,
        "peak_arrivals_per_hour": 4.0,
        "agents": 0,
    }
    assert not payments[("2027-01-11", 19)]["open"]
    assert payments[("2027-01-11", 19)]["agents"] == 0
    assert [hour for hour in range(24) if payments[("2027-01-11", hour)]["open"]] == list(range(10, 18))
    # The next day is an ordinary Tuesday.
    assert [hour for hour in range(24) if payments[("2027-01-12", hour)]["open"]] == list(range(9, 20))
    shop = _hours(_desks(plan)["shop"])
    assert not any(shop[("2027-01-11", hour)]["open"] for hour in range(24))
    assert shop[("2027-01-12", 11)]["agents"] == 6

    # Monday 10:01 in Tokyo is Monday 01:01 UTC: the same arrivals, in another hour.
    plan = await _plan(runtime, tz="UTC", desk="platform_cs")
    (platform,) = plan["desks"]
    assert plan["tz"] == "UTC"
    assert platform["arrivals_per_week"] == 4.25
    assert _staffed(platform)[(PLAN_WEEK, 1)] == 4
    assert (PLAN_WEEK, 10) not in _staffed(platform)

    # Two weeks of history: the last two, 23 November to 6 December.
    recent = await _plan(runtime, weeks=2, desk="payments")
    (payments,) = recent["desks"]
    assert recent["history"] == {"from": "2026-11-23", "to": "2026-12-06"}
    assert payments["arrivals_per_week"] == 1.0
    assert _staffed(payments) == {(PLAN_WEEK, 9): needed(4, 300)}


async def test_a_shop_plans_its_own_inbox_from_its_own_arrivals_and_hours(history: None, runtime: Runtime) -> None:
    hikari = await _plan(runtime, shop_id="hikari-denki")
    assert [entry["desk"] for entry in hikari["desks"]] == ["shop"]
    (inbox,) = hikari["desks"]
    assert inbox["shop"] == {"id": "hikari-denki", "label": {"ja": "デンキのヒカリ堂", "en": "Hikari Electronics"}}
    # 8 an hour of 900 s on Tuesday 11:00: A = 2, four agents answer 84.8 %.
    assert inbox["arrivals_per_week"] == 2.0
    assert (inbox["handle_s"], inbox["handled"]) == (900.0, 4)
    assert _staffed(inbox) == {("2026-12-15", 11): 4} == {("2026-12-15", 11): needed(8, 900)}
    # The shop's own hours (10:00-19:00 on weekdays, 10:00-18:00 at weekends), not the shop desk's.
    hours = _hours(inbox)
    assert [hour for hour in range(24) if hours[(PLAN_WEEK, hour)]["open"]] == list(range(10, 19))
    assert [hour for hour in range(24) if hours[("2026-12-20", hour)]["open"]] == list(range(10, 18))

    kotonoha = await _plan(runtime, shop_id="kyoto-kotonoha")
    (inbox,) = kotonoha["desks"]
    assert (inbox["arrivals_per_week"], inbox["handle_s"]) == (1.0, staffing.DEFAULT_HANDLE_S)
    assert _staffed(inbox) == {("2026-12-15", 11): needed(4, 300)}
    # Closed on Sundays.
    assert not any(hour["open"] for hour in inbox["hours"] if hour["weekday"] == "sun")

    with pytest.raises(InvalidInput, match="own inbox"):
        await _plan(runtime, shop_id="hikari-denki", desk="platform_cs")


async def test_without_history_every_desk_is_planned_with_no_one(runtime: Runtime) -> None:
    # Nothing happened: every desk is planned with no one, and the default handle time.
    plan = await _plan(runtime, target=Target(0.9, 20))
    assert plan["target"] == {"service_level": 0.9, "within_s": 20}
    assert all(entry["peak_agents"] == 0 for entry in plan["desks"])


def test_the_plan_week_and_its_history() -> None:
    wednesday = date(2026, 12, 9)
    assert Weeks.parse(wednesday).first == date(2026, 12, 14)
    # On a Monday, "next Monday" is a week later.
    assert Weeks.parse(date(2026, 12, 14)).first == date(2026, 12, 21)
    # A past week is planned from the weeks before it; a later one from the whole weeks before today's.
    past = Weeks.parse(wednesday, "2026-11-23", 2)
    assert (past.history_first, past.history_end) == (date(2026, 11, 9), date(2026, 11, 23))
    later = Weeks.parse(wednesday, "2027-03-01", 12)
    assert (later.history_first, later.history_end) == (date(2026, 9, 14), date(2026, 12, 7))
    for week, weeks, tz, says in [
        ("2026-12-15", 4, "Asia/Tokyo", "Tuesday"),
        ("2026/12/14", 4, "Asia/Tokyo", "YYYY-MM-DD"),
        (None, 0, "Asia/Tokyo", "1 to 12"),
        (None, 13, "Asia/Tokyo", "1 to 12"),
        (None, 4, "Mars/Olympus", "time zone"),
    ]:
        with pytest.raises(InvalidInput, match=says):
            Weeks.parse(wednesday, week, weeks, tz)
    with pytest.raises(InvalidInput):
        Target(1.0, 60)
    with pytest.raises(InvalidInput):
        Target(0.8, -1)


def test_the_handle_time_has_a_floor_and_a_default() -> None:
    assert History().handle_s == staffing.DEFAULT_HANDLE_S == 300.0
    assert History(handled=3, handle_mean_s=12.0).handle_s == staffing.HANDLE_FLOOR_S == 60.0
    assert History(handled=3, handle_mean_s=123.456).handle_s == 123.5
    # The busiest quarter of the hour, per week and per hour.
    busy = History(slots={(0, 10, 0): 2, (0, 10, 3): 6})
    assert busy.peak_per_hour(0, 10, weeks=4) == 6.0
    assert busy.peak_per_hour(0, 11, weeks=4) == 0.0
    assert staffing.agents_for(0.0, 300.0, Target()) == 0


# Over HTTP and on the command line.


async def test_supervisors_get_the_plan_and_each_read_is_audited(
    history: None, server: str, settings: Settings
) -> None:
    async with Console(server, *SUPERVISOR) as console:
        answer = await console.get("/api/v1/reports/staffing")
        assert answer.status_code == 200, answer.text
        plan = answer.json()
        assert plan["week_of"] == PLAN_WEEK
        assert _staffed(_desks(plan)["platform_cs"])[(PLAN_WEEK, 10)] == 4
        assert _desks(plan)["platform_cs"]["label"] == {
            "ja": "まどぐちモール カスタマーサービス",
            "en": "Madoguchi Mall Customer Service",
        }
        # Empty parameters, as a URL template sends them, are the defaults.
        blank = (await console.get("/api/v1/reports/staffing?weeks=4&week=&desk=&tz=")).json()
        assert blank == plan
        one = (await console.get("/api/v1/reports/staffing?weeks=2&week=2027-01-11&desk=payments&tz=Asia/Tokyo")).json()
        assert [entry["desk"] for entry in one["desks"]] == ["payments"]
        assert one["weeks_of_history"] == 2
        shop = (await console.get("/api/v1/reports/staffing?shop=hikari-denki")).json()
        assert shop["desks"][0]["shop"]["id"] == "hikari-denki"
        stricter = (await console.get("/api/v1/reports/staffing?desk=platform_cs&service_level=0.9&within_s=20")).json()
        assert stricter["target"] == {"service_level": 0.9, "within_s": 20}
        assert _staffed(stricter["desks"][0])[(PLAN_WEEK, 10)] > 4

    runtime = await start_runtime(settings)
    try:
        async with runtime.sessions() as session:
            entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "report.staffing")))
    finally:
        await stop_runtime(runtime)
    assert len(entries) == 5
    asked = {"weeks": 2, "week": "2027-01-11", "desk": "payments", "shop_scope": None}
    assert any(asked.items() <= entry.details.items() for entry in entries)
    assert any(entry.details.get("shop_scope") == "hikari-denki" for entry in entries)


async def test_a_shops_staff_get_their_own_inbox_only(history: None, server: str) -> None:
    async with Console(server, *SHOP_AGENT_KOBAYASHI) as own, Console(server, *SHOP_AGENT_YAMADA) as other:
        mine = (await own.get("/api/v1/reports/staffing")).json()
        assert [(entry["desk"], entry["shop"]["id"]) for entry in mine["desks"]] == [("shop", "hikari-denki")]
        assert _staffed(mine["desks"][0]) == {("2026-12-15", 11): 4}
        theirs = (await other.get("/api/v1/reports/staffing")).json()
        assert [(entry["desk"], entry["shop"]["id"]) for entry in theirs["desks"]] == [("shop", "kyoto-kotonoha")]
        assert theirs["desks"][0]["arrivals_per_week"] == 1.0

        asked = await own.get("/api/v1/reports/staffing?shop=kyoto-kotonoha")
        assert asked.status_code == 403
        assert "own shop" in asked.json()["message"]
        elsewhere = await own.get("/api/v1/reports/staffing?desk=platform_cs")
        assert elsewhere.status_code == 422
        assert "own inbox" in elsewhere.json()["message"]


async def test_operators_and_strangers_get_no_plan(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as operator:
        assert (await operator.get("/api/v1/reports/staffing")).status_code == 403
    async with httpx.AsyncClient(base_url=server) as stranger:
        assert (await stranger.get("/api/v1/reports/staffing")).status_code == 401


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("week=2026-12-15", "Monday"),
        ("week=14/12/2026", "week"),
        ("weeks=0", "weeks"),
        ("weeks=13", "weeks"),
        ("tz=Mars/Olympus", "time zone"),
        ("desk=nowhere", "Unknown desk"),
        ("desk=card_issuer", "Unknown desk"),
        ("shop=nowhere", "Unknown shop"),
        ("service_level=1.5", "service_level"),
        ("weeks=4&wekk=2026-12-14", "wekk"),
    ],
)
async def test_a_staffing_query_it_cannot_answer_is_told_what_is_wrong(server: str, query: str, says: str) -> None:
    async with Console(server, *SUPERVISOR) as console:
        answer = await console.get(f"/api/v1/reports/staffing?{query}")
    assert answer.status_code == 422, answer.text
    assert says in answer.text


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def _audited(settings: Settings, like: str) -> list[str]:
    runtime = await start_runtime(settings)
    try:
        async with runtime.sessions() as session:
            return list(await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like(like))))
    finally:
        await stop_runtime(runtime)


def test_the_command_prints_the_plan_as_json_or_as_a_table(history: None, cli: CliRunner, settings: Settings) -> None:
    outcome = cli.invoke(main, ["report", "staffing", "--json"])
    assert outcome.exit_code == 0, outcome.output
    plan = orjson.loads(outcome.output)
    assert plan["week_of"] == PLAN_WEEK
    assert _staffed(_desks(plan)["platform_cs"])[(PLAN_WEEK, 10)] == 4

    outcome = cli.invoke(
        main, ["report", "staffing", "--json", "--weeks", "2", "--week", "2027-01-11", "--desk", "shop"]
    )
    assert outcome.exit_code == 0, outcome.output
    plan = orjson.loads(outcome.output)
    assert (plan["week_of"], plan["weeks_of_history"]) == ("2027-01-11", 2)
    assert [entry["desk"] for entry in plan["desks"]] == ["shop"]

    table = cli.invoke(main, ["report", "staffing", "--desk", "platform_cs"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert "80% within 60 s" in lines[0]
    monday = next(line for line in lines if line.startswith("Mon 12-14"))
    cells = monday[len("Mon 12-14") :].split()
    assert len(cells) == 24
    assert cells[10] == "4"
    assert cells[14] == "1"

    refused = cli.invoke(main, ["report", "staffing", "--week", "2026-12-15"])
    assert refused.exit_code != 0
    assert "Monday" in refused.output

    audited = asyncio.run(_audited(settings, "report.staffing%"))
    assert sorted(audited) == ["report.staffing.json", "report.staffing.json", "report.staffing.table"]
