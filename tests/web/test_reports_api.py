"""The reports over HTTP: what supervisors get, what a shop's staff get (their own shop's only, on every
endpoint), what operators get (nothing), CSV for Excel, bad queries answered clearly, and every read audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import select

from madoguchi.runtime import start_runtime, stop_runtime
from madoguchi.store.models import AuditEntry
from tests.analytics.test_report_metrics import EXPECTED_TOTALS, Script, play, scripted
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_KOBAYASHI, SHOP_AGENT_YAMADA, Console

if TYPE_CHECKING:
    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings

SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
PERIOD = "from=2026-12-31&to=2027-01-02"
ENDPOINTS = [
    f"/api/v1/reports/summary?{PERIOD}&group_by=shop",
    f"/api/v1/reports/summary?{PERIOD}&format=csv",
    f"/api/v1/reports/distribution?{PERIOD}&metric=wait_s",
    f"/api/v1/reports/ratings?{PERIOD}",
    f"/api/v1/reports/overview?{PERIOD}",
]


@pytest.fixture
async def history(settings: Settings, clock: Clock) -> None:
    runtime = await start_runtime(scripted(settings))
    try:
        await play(Script(runtime, clock))
    finally:
        await stop_runtime(runtime)
    # Log-in sessions must not have expired at the scripted time: the report is read "now".
    clock.set(clock.now())


async def test_supervisors_get_the_summary_as_json_and_as_csv_and_each_read_is_audited(
    history: None, server: str, settings: Settings
) -> None:
    async with Console(server, *SUPERVISOR) as console:
        answer = await console.get(f"/api/v1/reports/summary?{PERIOD}&group_by=desk")
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["totals"] == EXPECTED_TOTALS
        assert report["group_by"] == "desk"
        assert {row["key"] for row in report["rows"]} == {"platform_cs", "shop", "bot"}

        csv = await console.get(f"/api/v1/reports/summary?{PERIOD}&group_by=day&format=csv")
        assert csv.status_code == 200
        assert csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv.headers["content-disposition"]
        assert csv.content.startswith("\ufeff".encode())
        lines = csv.content.decode("utf-8-sig").splitlines()
        assert [line.split(",")[3] for line in lines[1:]] == ["2026-12-31", "2027-01-01", "2027-01-02", "total"]

        spread = (await console.get(f"/api/v1/reports/distribution?{PERIOD}&metric=wait_s")).json()
        assert spread["count"] == 4
        # Waits of 40, 90, 1,200 and 1,800 s.
        assert {bucket["from_s"]: bucket["count"] for bucket in spread["buckets"] if bucket["count"]} == {
            30: 1,
            60: 1,
            600: 1,
            1800: 1,
        }

        low = (await console.get(f"/api/v1/reports/ratings?{PERIOD}&max_score=2")).json()["ratings"]
        assert [rating["score"] for rating in low] == [2]

    runtime = await start_runtime(settings)
    try:
        async with runtime.sessions() as session:
            actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("report.%"))))
    finally:
        await stop_runtime(runtime)
    assert sorted(actions) == [
        "report.distribution",
        "report.ratings",
        "report.summary.csv",
        "report.summary.json",
    ]


async def test_a_shops_staff_see_their_own_shops_numbers_on_every_endpoint(history: None, server: str) -> None:
    async with Console(server, *SHOP_AGENT_KOBAYASHI) as own, Console(server, *SHOP_AGENT_YAMADA) as other:
        mine = (await own.get(ENDPOINTS[0])).json()
        assert mine["totals"]["conversations"] == 1
        assert [row["key"] for row in mine["rows"]] == ["hikari-denki"]
        theirs = (await other.get(ENDPOINTS[0])).json()
        assert theirs["totals"]["conversations"] == 0
        assert theirs["rows"] == []

        csv = (await other.get(ENDPOINTS[1])).content.decode("utf-8-sig").splitlines()
        assert csv[-1].split(",")[5] == "0"

        assert (await own.get(ENDPOINTS[2])).json()["count"] == 1
        assert (await other.get(ENDPOINTS[2])).json()["count"] == 0
        assert (await other.get(ENDPOINTS[3])).json()["ratings"] == []
        overview = (await own.get(ENDPOINTS[4])).json()
        assert overview["totals"]["conversations"] == 1
        assert [row["key"] for row in overview["groups"]["shop"]] == ["hikari-denki"]
        assert sum(row["conversations"] for row in overview["groups"]["day"]) == 1

        for endpoint in ENDPOINTS:
            asked = await own.get(endpoint + "&shop=kyoto-kotonoha")
            assert asked.status_code == 403, endpoint
            assert "own shop" in asked.json()["message"]


async def test_operators_and_strangers_get_no_numbers(history: None, server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as operator:
        for endpoint in ENDPOINTS:
            answer = await operator.get(endpoint)
            assert answer.status_code == 403, endpoint
    async with httpx.AsyncClient(base_url=server) as stranger:
        for endpoint in ENDPOINTS:
            assert (await stranger.get(endpoint)).status_code == 401, endpoint


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=2027-01-02&to=2027-01-01", "before it starts"),
        ("from=2027-01-01&to=2027-01-01&tz=Mars/Olympus", "time zone"),
        ("from=2025-01-01&to=2027-01-01", "at most"),
        ("from=2027-01-01&to=2027-01-01&group_by=weekday", "group_by"),
        ("from=2027-01-01&to=2027-01-01&group-by=desk", "group-by"),
        ("from=01/01/2027&to=2027-01-01", "from"),
        ("to=2027-01-01", "from"),
    ],
)
async def test_a_query_it_cannot_answer_is_told_what_is_wrong(server: str, query: str, says: str) -> None:
    async with Console(server, *SUPERVISOR) as console:
        answer = await console.get(f"/api/v1/reports/summary?{query}")
    assert answer.status_code in (400, 422), answer.text
    assert says in answer.text
