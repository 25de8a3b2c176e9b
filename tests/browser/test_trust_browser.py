"""The public 「この番号・サイトは公式？」 page, a customer's report, trust & safety's decision, and the
console's two-factor log-in, in Debian's Chromium."""

from __future__ import annotations

import time

import httpx
import pyotp
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.test_chat_browser import browser  # noqa: F401 - the Chromium fixture, used by name
from tests.helpers import AGENT_TANAKA, Console

pytestmark = pytest.mark.browser

SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
FAKE = "https://amazon.co.jp.account-check.example.top/<script>window.__pwned=1</script>"


async def _new_page(chromium: Browser) -> Page:
    context = await chromium.new_context(locale="ja-JP")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


async def _check(page: Page, item: str) -> None:
    await page.locator("#trust-input").fill(item)
    await page.locator("#trust-form button[type=submit]").click()


async def test_a_customer_checks_reports_and_then_sees_the_confirmed_fake(server: str, browser: Browser) -> None:  # noqa: F811
    customer = await _new_page(browser)
    await customer.goto(f"{server}/trust")
    await _check(customer, FAKE)
    result = customer.locator("#trust-result")
    await expect(result.locator("h2")).to_have_text("偽物の可能性が高いです")
    await expect(result).to_contain_text("本物のドメイン amazon.co.jp")
    await expect(result.locator(".checked")).to_have_text(FAKE)
    await result.locator("button.report").click()
    await expect(result).to_contain_text("通報を受け付けました")

    staff = await _new_page(browser)
    await staff.goto(f"{server}/console")
    await staff.locator("#login-email").fill(SUPERVISOR[0])
    await staff.locator("#login-password").fill(SUPERVISOR[1])
    await staff.locator("#login-form button[type=submit]").click()
    await expect(staff.locator("#app")).to_be_visible()
    await staff.goto(f"{server}/console/trust")
    case = staff.locator(".case")
    await expect(case).to_have_count(1)
    # What the customer sent is shown as text: no script ran, no element came from it.
    await expect(case.locator(".content")).to_have_text(FAKE)
    assert await staff.evaluate("window.__pwned") is None
    # The reported link is offered for listing (ticked: the check found it suspicious), and its markup stays text.
    await expect(case.get_by_role("checkbox")).to_be_checked()
    await case.get_by_role("textbox", name="note").fill("Amazon を装うログインページ")
    await case.get_by_role("button", name="偽物と確認 / Confirm fake").click()
    await expect(staff.locator("#cases")).to_contain_text("ありません / None")

    await _check(customer, "amazon.co.jp.account-check.example.top")
    await expect(result).to_contain_text("偽物として確認・登録されています")
    assert await customer.evaluate("window.__pwned") is None
    assert not customer.errors  # type: ignore[attr-defined]
    assert not staff.errors  # type: ignore[attr-defined]


async def test_the_console_asks_for_the_code_once_two_factor_log_in_is_on(server: str, browser: Browser) -> None:  # noqa: F811
    async with Console(server, *AGENT_TANAKA) as tanaka:
        secret = (await tanaka.post("/api/v1/auth/totp/setup")).json()["secret"]
        # A code is spent once: the previous step's turns it on and leaves the current one for the log-in.
        earlier = pyotp.TOTP(secret).at(time.time() - 30)
        answer = await tanaka.post("/api/v1/auth/totp/enable", {"code": earlier})
        assert answer.status_code == 204
    page = await _new_page(browser)
    await page.goto(f"{server}/console")
    await page.locator("#login-email").fill(AGENT_TANAKA[0])
    await page.locator("#login-password").fill(AGENT_TANAKA[1])
    await page.locator("#login-form button[type=submit]").click()
    await expect(page.locator("#login-otp")).to_be_visible()
    await expect(page.locator("#login-error")).to_contain_text("6桁の確認コード")
    await page.locator("#login-otp").fill(pyotp.TOTP(secret).now())
    await page.locator("#login-form button[type=submit]").click()
    await expect(page.locator("#app")).to_be_visible()
    async with httpx.AsyncClient(base_url=server) as http:
        assert (await http.get("/console/trust")).status_code == 200
