"""The administration page in Chromium, as an administrator, a shop's staff and an agent use it: operators
added and deactivated, a desk's closure saved, a shop suspended, canned responses kept, the server's reasons
shown, the tabs usable by keyboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.async_api import Browser, Dialog, expect

from tests.browser.test_chat_browser import Tab, browser, open_tab
from tests.conftest import running_server
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_YAMADA

if TYPE_CHECKING:
    from madoguchi.settings import Settings

__all__ = ["browser"]
pytestmark = pytest.mark.browser

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")


async def _admin_page(browser: Browser, server: str, who: tuple[str, str]) -> Tab:
    tab = await open_tab(browser, f"{server}/")
    answer = await tab.page.request.post(f"{server}/api/v1/auth/login", data={"email": who[0], "password": who[1]})
    assert answer.ok
    await tab.page.goto(f"{server}/console/admin")
    return tab


def _accept_every_confirmation(tab: Tab) -> list[str]:
    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    tab.page.on("dialog", accept)
    return asked


async def test_an_admin_adds_and_deactivates_operators_from_the_page(server: str, browser: Browser) -> None:
    tab = await _admin_page(browser, server, ADMIN)
    page = tab.page
    asked = _accept_every_confirmation(tab)
    await expect(page.locator("#me")).to_have_text("鈴木 一郎")
    await expect(page.locator("#tab-operators")).to_have_attribute("aria-selected", "true")
    table = page.locator("#operators-table")
    await expect(table.locator("tbody tr").filter(has_text="田中 健太")).to_have_count(1)

    form = page.locator("#operator-form")
    await form.locator("input[name=email]").fill("suzuki@madoguchi.localhost")
    await form.locator("input[name=name]").fill("鈴木 花子")
    await form.locator("#operator-desks input[value=platform_cs]").check()
    await form.locator("button[type=submit]").click()
    await expect(form.locator(".form-note")).to_contain_text("初期パスワード")
    await expect(table.locator("tbody tr").filter(has_text="鈴木 花子")).to_have_count(1)

    tanaka = table.locator("tbody tr").filter(has_text="田中 健太")
    await tanaka.get_by_role("button", name="無効にする").click()
    # Done once the row offers the way back (its old button also says 無効, so the text alone proves nothing).
    await expect(tanaka.get_by_role("button", name="有効にする")).to_be_visible()
    assert len(asked) == 1
    assert "田中 健太" in asked[0]
    async with httpx.AsyncClient(base_url=server) as http:
        refused = await http.post("/api/v1/auth/login", json={"email": AGENT_TANAKA[0], "password": AGENT_TANAKA[1]})
        assert refused.status_code == 403
    tab.assert_no_script_errors()


async def test_an_admin_closes_a_desk_suspends_a_shop_and_keeps_canned_responses(server: str, browser: Browser) -> None:
    tab = await _admin_page(browser, server, ADMIN)
    page = tab.page
    _accept_every_confirmation(tab)
    # The tabs follow the arrow keys, as a tab list should.
    await page.locator("#tab-operators").focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#tab-desks")).to_be_focused()
    await expect(page.locator("#desks")).to_be_visible()

    card = page.locator("form.desk-card[data-desk=member_support]")
    await card.locator("textarea[name=closed_days]").fill("2026-12-31")
    await card.locator("input[name='hours.sat']").fill("9-18")
    await card.get_by_role("button", name="保存する").click()
    await expect(card.locator(".form-note")).to_contain_text("09:00-18:00")  # the server's reason, in its words
    await card.locator("input[name='hours.sat']").fill("")
    await card.get_by_role("button", name="保存する").click()
    await expect(card.locator(".form-note")).to_have_text("保存しました。")
    desks = await (await page.request.get(f"{server}/api/v1/admin/desks")).json()
    (desk,) = [desk for desk in desks if desk["id"] == "member_support"]
    assert desk["closed_days"] == ["2026-12-31"]
    assert desk["hours"]["sat"] is None

    await page.locator("#tab-shops").click()
    kyoto = page.locator("#shops-table tbody tr").filter(has_text="kyoto-kotonoha")
    await kyoto.get_by_role("button", name="利用停止").click()
    await expect(kyoto).to_contain_text("利用停止中")

    await page.locator("#tab-canned").click()
    form = page.locator("#canned-form")
    await expect(page.locator("#canned .hint")).to_contain_text("{name}")
    await form.locator("input[name=shortcut]").fill("thanks")
    await form.locator("input[name=title]").fill("お礼")
    await form.locator("textarea[name=text]").fill("{nmae}様、ありがとうございました。")
    await form.locator("button[type=submit]").click()
    await expect(form.locator(".form-note")).to_contain_text("{nmae}")
    await form.locator("textarea[name=text]").fill("{name}様、ありがとうございました。")
    await form.locator("button[type=submit]").click()
    row = page.locator("#canned-table tbody tr").filter(has_text="/thanks")
    await expect(row).to_have_count(1)
    await row.get_by_role("button", name="/thanks を削除").click()
    await expect(row).to_have_count(0)
    tab.assert_no_script_errors()


async def test_a_shops_staff_see_only_their_canned_responses_and_an_agent_sees_none(
    server: str, browser: Browser
) -> None:
    shop = await _admin_page(browser, server, SHOP_AGENT_YAMADA)
    await expect(shop.page.locator("#canned")).to_be_visible()
    for hidden in ("#tab-operators", "#tab-desks", "#tab-shops"):
        await expect(shop.page.locator(hidden)).to_be_hidden()
    shop.assert_no_script_errors()

    agent = await _admin_page(browser, server, AGENT_TANAKA)
    await expect(agent.page.locator("#refused")).to_be_visible()
    await expect(agent.page.locator("#admin")).to_be_hidden()
    agent.assert_no_script_errors()


async def test_an_admin_issues_and_revokes_a_token_and_follows_a_webhooks_deliveries(
    settings: Settings, browser: Browser
) -> None:
    # A receiver on this machine, as a single-machine install allows: nothing listens there, so the
    # deliveries wait and are retried, which the delivery log shows.
    allowed = settings.model_copy(update={"webhooks_allow_private": True})
    async with running_server(allowed) as server:
        await _integrations(server, browser)


async def _integrations(server: str, browser: Browser) -> None:
    tab = await _admin_page(browser, server, ADMIN)
    page = tab.page
    _accept_every_confirmation(tab)
    await page.locator("#tab-integrations").click()
    tokens = page.locator("#token-form")
    await tokens.locator("input[name=name]").fill("受注システム")
    await tokens.locator("select[name=shop_id]").select_option("kyoto-kotonoha")
    await tokens.locator("button[type=submit]").click()
    await expect(tokens.locator(".form-note")).to_contain_text("Bearer")
    token = (await tokens.locator(".form-note").inner_text()).split("トークン: ", 1)[1].split("（", 1)[0]
    async with httpx.AsyncClient(base_url=server, headers={"Authorization": f"Bearer {token}"}) as http:
        assert (await http.get("/api/v1/console/conversations")).status_code == 200
    row = page.locator("#tokens-table tbody tr").filter(has_text="受注システム")
    await row.get_by_role("button", name="受注システム を失効させる").click()
    # Done once the row has lost its button (the button's own text says 失効 too, so the text proves nothing).
    await expect(row.get_by_role("button", name="受注システム を失効させる")).to_have_count(0)
    await expect(row).to_contain_text("失効")
    async with httpx.AsyncClient(base_url=server, headers={"Authorization": f"Bearer {token}"}) as http:
        assert (await http.get("/api/v1/console/conversations")).status_code == 401

    hooks = page.locator("#webhook-form")
    await hooks.locator("input[name=url]").fill("http://127.0.0.1:9/hooks")
    await hooks.locator("input[name=events]").fill("conversation.queued, no.such.event")
    await hooks.locator("button[type=submit]").click()
    await expect(hooks.locator(".form-note")).to_contain_text("no.such.event")
    await hooks.locator("input[name=events]").fill("conversation.queued")
    await hooks.locator("button[type=submit]").click()
    await expect(hooks.locator(".form-note")).to_contain_text("秘密鍵")
    hook = page.locator("#webhooks-table tbody tr").filter(has_text="127.0.0.1:9")
    await hook.get_by_role("button", name="一時停止").click()
    await expect(hook).to_contain_text("一時停止中")
    await hook.get_by_role("button", name="配信履歴").click()
    await expect(page.locator("#deliveries-title")).to_contain_text("127.0.0.1:9")
    tab.assert_no_script_errors()
