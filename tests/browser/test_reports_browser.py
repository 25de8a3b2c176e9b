"""The console's reports page, driven in Debian's Chromium against a real server on both databases: what a
supervisor, a shop's staff and an operator see, read from the page itself (tiles, plotly's charts, tables,
comments) and compared with what the reports API answers for the same period."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Route, expect

from madoguchi.conversations import events
from madoguchi.runtime import start_runtime, stop_runtime
from tests.analytics.test_report_metrics import Script, jst, play
from tests.browser.test_chat_browser import (
    browser,  # noqa: F401 - the fixture
    open_tab,
)
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_KOBAYASHI

if TYPE_CHECKING:
    from madoguchi.domain.clock import Clock
    from madoguchi.settings import Settings
    from madoguchi.store.models import Conversation
    from madoguchi.store.tx import Tx
    from tests.browser.test_chat_browser import Tab

pytestmark = pytest.mark.browser

SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
PERIOD = {"from": "2026-12-31", "to": "2027-01-02"}
PERIOD_QUERY = f"from={PERIOD['from']}&to={PERIOD['to']}"
COMMENT = "夜中でもすぐにつながって助かりました"
# The staffing plan is being built beside this page: its answers are given here, as specified.
STAFFING = re.compile(r"/api/v1/reports/staffing\?")
# The second wave's groupings (intent, operator, shop, desk) come in one answer.
BY_GROUPS = re.compile(r"/api/v1/reports/overview\?")


async def _rate(tx: Tx, conversation: Conversation, *, score: int, comment: str) -> None:
    assert conversation.resolved_at is not None
    events.record(
        tx,
        conversation.id,
        "customer",
        events.CsatSubmitted(
            score=score, comment=comment, via="chat", resolved_at=conversation.resolved_at.isoformat()
        ),
    )


@pytest.fixture
async def history(settings: Settings, clock: Clock) -> dict[str, str]:
    """The scripted conversations of the metrics test (through the real actions), and a rating with a comment."""
    runtime = await start_runtime(settings)
    try:
        script = Script(runtime, clock)
        played = await play(script)
        await script.act(played["midnight"], jst(1, 1, 0, 15), _rate, score=5, comment=COMMENT)
    finally:
        await stop_runtime(runtime)
    # Log-in sessions must not have expired at the scripted time: the report is read "now".
    clock.set(clock.now())
    return played


# Requests the pages expect may fail, which Chromium lists as errors on the console: a favicon the app does not
# have, the session asked before logging in, the staffing plan where it is not served.
EXPECTED_FAILURES = re.compile(r"favicon\.ico|/api/v1/auth/session|/api/v1/reports/staffing")


class Opened:
    """A browser tab (tests/browser/test_chat_browser.py) that also keeps the errors on the page's console."""

    def __init__(self, tab: Tab) -> None:
        self.tab = tab
        self.page = tab.page
        self.requests = tab.requests
        self.console_errors: list[str] = []
        tab.page.on("console", self._note)

    def _note(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} at {message.location.get('url')}")

    def assert_no_errors(self) -> None:
        self.tab.assert_no_script_errors()
        unexpected = [error for error in self.console_errors if not EXPECTED_FAILURES.search(error)]
        assert unexpected == [], unexpected


async def open_page(browser: Browser, server: str, path: str, *, width: int = 1400) -> Opened:  # noqa: F811
    opened = Opened(await open_tab(browser, f"{server}/console"))
    await opened.page.set_viewport_size({"width": width, "height": 850})
    if path != "/console":
        await opened.page.goto(f"{server}{path}")
    return opened


async def log_in(page: Page, email: str, password: str) -> None:
    await page.locator("#login-email").fill(email)
    await page.locator("#login-password").fill(password)
    await page.locator("#login-form button[type=submit]").click()


async def loaded(page: Page) -> None:
    """Every section has its answer (drawn, or its note)."""
    await expect(page.locator("body[data-loaded]")).to_have_count(1)
    await expect(page.locator("section.panel[data-state=loading]")).to_have_count(0)


async def kpi(page: Page, key: str) -> dict[str, Any]:
    tile = page.locator(f'#kpis .kpi[data-kpi="{key}"]')
    return {
        "value": json.loads(await tile.get_attribute("data-value") or "null"),
        "secondary": json.loads(await tile.get_attribute("data-secondary") or "null"),
        "text": await tile.locator(".kpi-value").inner_text(),
    }


async def api(page: Page, server: str, path: str) -> Any:
    """The reports API as the logged-in page's own session asks it."""
    answer = await page.request.get(f"{server}{path}")
    assert answer.ok, await answer.text()
    return await answer.json()


async def chart_data(page: Page, chart_id: str) -> list[dict[str, Any]]:
    """The traces plotly.js drew into the chart (plotly keeps them on the chart's element)."""
    await expect(page.locator(f"#{chart_id}.js-plotly-plot .main-svg").first).to_be_attached()
    traces: list[dict[str, Any]] = await page.evaluate(
        "(id) => document.getElementById(id).data.map((t) => ({name: t.name, x: t.x, y: t.y, type: t.type}))", chart_id
    )
    return traces


async def test_a_supervisor_reads_the_period_in_tiles_charts_tables_and_comments(
    history: dict[str, str],
    server: str,
    browser: Browser,  # noqa: F811 - the fixture
) -> None:
    # A shared view, opened before logging in: the page sends to the console's log-in and back to the same view.
    tab = await open_page(browser, server, f"/console/reports?{PERIOD_QUERY}")
    page = tab.page
    await expect(page.locator("#login-needed")).to_be_visible()
    await page.locator("#login-link").click()
    await log_in(page, *SUPERVISOR)
    await expect(page).to_have_url(re.compile(rf"/console/reports\?{PERIOD_QUERY}$"))
    await loaded(page)
    await expect(page.locator("h1")).to_have_text("レポート")
    await expect(page.locator("#f-from")).to_have_value(PERIOD["from"])
    await expect(page.locator("#f-shop-field")).to_be_visible()

    # The tiles say what the API says, formatted for people.
    summary = await api(page, server, f"/api/v1/reports/summary?{PERIOD_QUERY}&tz=Asia/Tokyo")
    totals = summary["totals"]
    expected = {
        "conversations": (totals["conversations"], None),
        "containment": (totals["containment"], None),
        "service_level_60s": (totals["service_level_60s"], None),
        "first_response": (totals["first_response_s"]["p50"], totals["first_response_s"]["p90"]),
        "wait": (totals["wait_s"]["p50"], totals["wait_s"]["p90"]),
        "handle": (totals["handle_s"]["mean"], None),
        "resolution": (totals["resolution_s"]["p50"], totals["resolution_s"]["p90"]),
        "sla": (totals["sla_met"], totals["sla_breached"]),
        "csat": (totals["csat"]["mean"], totals["csat"]["responses"]),
        "reopen_rate": (totals["reopen_rate"], totals["reopened"]),
    }
    for key, (value, secondary) in expected.items():
        shown = await kpi(page, key)
        assert (shown["value"], shown["secondary"]) == (value, secondary), key
    assert totals["conversations"] == 6
    assert (await kpi(page, "conversations"))["text"] == "6"
    assert (await kpi(page, "containment"))["text"] == "16.7%"
    assert (await kpi(page, "first_response"))["text"] == "12分30秒"  # 750 s
    assert (await kpi(page, "wait"))["text"] == "10分45秒"  # 645 s
    assert (await kpi(page, "sla"))["text"] == "3 / 2"
    assert (await kpi(page, "csat"))["text"] == "3.5"  # the scripted 2 and the 5 with a comment

    # Volume per day, drawn by plotly: bot-resolved and handed-over bars and the service level as a line.
    volume = await chart_data(page, "chart-volume")
    names = [trace["name"] for trace in volume]
    assert names[:2] == ["ボットで完結", "担当者へ引き継ぎ"]
    assert "サービスレベル（60秒以内）" in names
    assert volume[0]["x"] == ["2026-12-31", "2027-01-01", "2027-01-02"]
    assert sum(volume[0]["y"]) == totals["bot_resolved"]
    assert sum(volume[1]["y"]) == totals["handed_over"]
    # Containment by intent, with the intents' Japanese names.
    intents = await chart_data(page, "chart-intents")
    assert "注文のキャンセル" in intents[0]["y"]
    assert "配送状況の確認" in intents[0]["y"]
    # The distributions: the same counts as the endpoint's bars.
    spread = await api(page, server, f"/api/v1/reports/distribution?{PERIOD_QUERY}&metric=wait_s")
    wait = await chart_data(page, "chart-wait")
    assert wait[0]["y"] == [bucket["count"] for bucket in spread["buckets"]]
    assert sum(wait[0]["y"]) == 4
    assert len(await chart_data(page, "chart-first-response")) == 1
    # Each chart is an image to assistive technology, with the table of its numbers beside it.
    await expect(page.locator("#chart-volume")).to_have_attribute("role", "img")
    await expect(page.locator("#chart-volume")).to_have_attribute("aria-label", re.compile("6件"))
    await page.locator("#sec-volume details summary").click()
    await expect(page.locator("#table-volume tbody tr")).to_have_count(3)

    # Per operator: 田中 had two conversations last, 伊藤 one she handled for 560 s.
    agents = await api(page, server, f"/api/v1/reports/summary?{PERIOD_QUERY}&group_by=agent")
    by_name = {row.get("label", {}).get("ja", row["key"]): row for row in agents["rows"]}
    tanaka = page.locator(f'#table-agents tbody tr[data-key="{by_name["田中 健太"]["key"]}"]')
    await expect(tanaka.locator("th")).to_have_text("田中 健太")
    await expect(tanaka.locator("td").first).to_have_text("2")
    ito = page.locator(f'#table-agents tbody tr[data-key="{by_name["伊藤 さくら"]["key"]}"]')
    await expect(ito.locator("td").nth(2)).to_have_text("9分20秒")
    await expect(page.locator('#table-agents tbody tr[data-key="unassigned"] th')).to_have_text("担当者なし")
    await expect(page.locator("#table-agents tfoot td").first).to_have_text("6")
    # Per shop: the shop's reply promise kept; per desk: the desks' names.
    shop = page.locator('#table-shops tbody tr[data-key="hikari-denki"]')
    await expect(shop.locator("th")).to_have_text("デンキのヒカリ堂")
    await expect(shop.locator("td").nth(1)).to_have_text("1")
    await expect(page.locator('#table-desks tbody tr[data-key="platform_cs"]')).to_have_count(1)
    # The comments, the low score marked as such.
    await expect(page.locator("#table-csat tbody tr").filter(has_text=COMMENT)).to_have_count(1)
    low = page.locator("#table-csat tbody tr.low")
    await expect(low).to_have_count(1)
    await expect(low).to_contain_text("低評価")
    await page.locator("#low-only").check()
    await expect(page.locator("#table-csat tbody tr")).to_have_count(1)

    # The CSV of a table is the summary of what is on screen, grouped the same way.
    href = await page.locator('#sec-agents a.csv[data-csv="agent"]').get_attribute("href")
    assert href is not None
    assert f"from={PERIOD['from']}" in href
    assert "group_by=agent" in href
    assert "format=csv" in href
    csv = await page.request.get(f"{server}{href}")
    assert csv.ok
    assert (await csv.body()).startswith("\ufeff".encode())
    assert "田中 健太" in (await csv.body()).decode("utf-8-sig")

    # A filter is kept in the address: the e-mail channel had no conversation, and the tiles say so.
    await page.locator("#f-channel").select_option("email")
    await page.locator("#apply").click()
    await expect(page).to_have_url(re.compile(r"channel=email"))
    await expect(page.locator('#kpis .kpi[data-kpi="conversations"] .kpi-value')).to_have_text("0")
    await expect(page.locator('#kpis .kpi[data-kpi="first_response"] .kpi-value')).to_have_text("—")
    await page.go_back()
    await expect(page.locator('#kpis .kpi[data-kpi="conversations"] .kpi-value')).to_have_text("6")
    await expect(page.locator("#f-channel")).to_have_value("")
    await loaded(page)

    # In English: the same page, the same numbers.
    await page.locator("#ui-language").select_option("en")
    await expect(page.locator("h1")).to_have_text("Reports")
    await loaded(page)
    await expect(page.locator("#agents-title")).to_have_text("By operator")
    await expect(page.locator('#kpis .kpi[data-kpi="first_response"] .kpi-value')).to_have_text("12 min 30 s")
    intents = await chart_data(page, "chart-intents")
    assert "Cancel an order" in intents[0]["y"]

    tab.assert_no_errors()


async def test_the_console_offers_reports_to_those_who_may_read_them(
    server: str,
    browser: Browser,  # noqa: F811 - the fixture
) -> None:
    supervisor = await open_page(browser, server, "/console")
    await log_in(supervisor.page, *SUPERVISOR)
    await expect(supervisor.page.locator("#reports-link")).to_be_visible()
    await supervisor.page.locator("#reports-link").click()
    await expect(supervisor.page).to_have_url(
        re.compile(r"/console/reports\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$")
    )
    await loaded(supervisor.page)
    # The last 30 days by default.
    await expect(supervisor.page.locator('.quick button[data-days="30"]')).to_have_attribute("aria-pressed", "true")

    operator = await open_page(browser, server, "/console")
    await log_in(operator.page, *AGENT_TANAKA)
    await expect(operator.page.locator("#me")).to_have_text("田中 健太")
    await expect(operator.page.locator("#reports-link")).to_be_hidden()
    # An operator who opens the address anyway is told kindly, and no report is asked for.
    await operator.page.goto(f"{server}/console/reports?{PERIOD_QUERY}")
    refusal = operator.page.locator("#refused")
    await expect(refusal).to_be_visible()
    await expect(refusal).to_contain_text("スーパーバイザー")
    await expect(refusal.get_by_role("link")).to_have_attribute("href", "/console")
    await expect(operator.page.locator("#report")).to_be_hidden()
    assert not [request for request in operator.requests if "/api/v1/reports/" in request]
    supervisor.assert_no_errors()
    operator.assert_no_errors()


async def test_a_shops_staff_see_their_own_shop_only(
    history: dict[str, str],
    server: str,
    browser: Browser,  # noqa: F811 - the fixture
) -> None:
    tab = await open_page(browser, server, "/console")
    page = tab.page
    await log_in(page, *SHOP_AGENT_KOBAYASHI)
    await expect(page.locator("#reports-link")).to_be_visible()
    # Even an address naming another shop shows their own.
    await page.goto(f"{server}/console/reports?{PERIOD_QUERY}&shop=kyoto-kotonoha")
    await loaded(page)
    await expect(page.locator("#f-shop-field")).to_be_hidden()
    await expect(page.locator("#scope")).to_contain_text("デンキのヒカリ堂の数字のみ表示しています")
    await expect(page.locator('#kpis .kpi[data-kpi="conversations"] .kpi-value')).to_have_text("1")
    await expect(page.locator("#table-shops tbody tr")).to_have_count(1)
    await expect(page.locator('#table-shops tbody tr[data-key="hikari-denki"]')).to_have_count(1)
    kobayashi = page.locator("#table-agents tbody tr").filter(has_text="小林 大輔")
    await expect(kobayashi).to_have_count(1)
    await expect(page.locator("#table-agents tbody tr").filter(has_text="田中 健太")).to_have_count(0)
    await expect(page.locator("#table-csat tbody tr").filter(has_text=COMMENT)).to_have_count(0)
    assert all("shop=kyoto-kotonoha" not in request for request in tab.requests if "/api/v1/reports/" in request)
    tab.assert_no_errors()


def _staffing_plan() -> dict[str, Any]:
    days = ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-01-09", "2027-01-10"]

    def hours(open_from: int, open_to: int, scale: int) -> list[dict[str, Any]]:
        return [
            {
                "date": day,
                "weekday": index,
                "hour": hour,
                "open": open_from <= hour < open_to,
                "peak_arrivals_per_hour": (hour % 5 + 1) * scale if open_from <= hour < open_to else 0,
                "agents": (hour % 5 + 1) if open_from <= hour < open_to else 0,
            }
            for index, day in enumerate(days)
            for hour in range(24)
        ]

    return {
        "week_of": days[0],
        "tz": "Asia/Tokyo",
        "weeks_of_history": 4,
        "target": {"service_level": 0.8, "within_s": 60},
        "desks": [
            {
                "desk": "platform_cs",
                "label": {"ja": "まどぐちモール カスタマーサービス", "en": "Customer service"},
                "handle_s": 420.0,
                "arrivals_per_week": 1200,
                "hours": hours(0, 24, 3),
                "peak_agents": 5,
            },
            {
                "desk": "payments",
                "label": {"ja": "お支払い窓口", "en": "Payments"},
                "handle_s": 600.0,
                "arrivals_per_week": 300,
                "hours": hours(9, 18, 1),
                "peak_agents": 5,
            },
        ],
    }


async def test_the_staffing_plan_is_a_chart_and_a_table_or_a_note_while_it_is_not_served(
    server: str,
    browser: Browser,  # noqa: F811 - the fixture
) -> None:
    tab = await open_page(browser, server, "/console")
    page = tab.page
    plan = _staffing_plan()

    async def answer(route: Route) -> None:
        await route.fulfill(status=200, json=plan)

    await page.route(STAFFING, answer)
    await log_in(page, *SUPERVISOR)
    await expect(page.locator("#app")).to_be_visible()
    await page.goto(f"{server}/console/reports?{PERIOD_QUERY}")
    await loaded(page)
    staffing = await chart_data(page, "chart-staffing")
    assert [trace["name"] for trace in staffing] == ["まどぐちモール カスタマーサービス", "お支払い窓口"]
    assert len(staffing[0]["x"]) == 7 * 24
    await expect(page.locator("#table-staffing tbody tr")).to_have_count(24)
    await expect(page.locator("#table-staffing thead th")).to_have_count(8)
    await page.locator("#staffing-desk").select_option("payments")
    night = page.locator('#table-staffing tbody tr[data-key="3"] td')
    await expect(night.first).to_have_text("休")
    await expect(page.locator('#table-staffing tbody tr[data-key="9"] td').first).to_have_text("5")
    await expect(page.locator("#staffing-summary")).to_contain_text("80%")

    # Where the server has no staffing plan (404), the section says so and the rest of the page stands.
    await page.unroute(STAFFING)

    async def missing(route: Route) -> None:
        await route.fulfill(status=404, json={"detail": "Not Found"})

    await page.route(STAFFING, missing)
    await page.reload()
    await loaded(page)
    await expect(page.locator("#sec-staffing .unavailable")).to_contain_text("人員計画はまだ利用できません")
    await expect(page.locator("#sec-staffing")).to_have_attribute("data-state", "unavailable")
    await expect(page.locator("#sec-kpis")).to_have_attribute("data-state", "ready")
    tab.assert_no_errors()


async def test_one_failing_section_leaves_the_others_standing(
    server: str,
    browser: Browser,  # noqa: F811 - the fixture
) -> None:
    tab = await open_page(browser, server, "/console")
    page = tab.page

    async def broken(route: Route) -> None:
        await route.fulfill(status=500, json={"code": "internal", "message": "the database went away"})

    await page.route(BY_GROUPS, broken)
    await log_in(page, *SUPERVISOR)
    await expect(page.locator("#app")).to_be_visible()
    await page.goto(f"{server}/console/reports?{PERIOD_QUERY}")
    await loaded(page)
    section = page.locator("#sec-intents")
    await expect(section).to_have_attribute("data-state", "error")
    await expect(section.get_by_role("alert")).to_contain_text("the database went away")
    await expect(page.locator("#sec-agents")).to_have_attribute("data-state", "error")
    await expect(page.locator("#sec-kpis")).to_have_attribute("data-state", "ready")
    await expect(page.locator("#sec-distributions")).to_have_attribute("data-state", "ready")
    # Trying again once the server answers draws the section.
    await page.unroute(BY_GROUPS)
    await section.get_by_role("button").click()
    await expect(section).to_have_attribute("data-state", "ready")
    tab.tab.assert_no_script_errors()
