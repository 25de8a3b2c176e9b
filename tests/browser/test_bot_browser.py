"""A return from the first message to the return code, in Debian's Chromium: the customer signs in on the
demo page, writes, and answers the bot with its buttons (the order, the drop-off, the yes)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.async_api import expect
from sqlalchemy import delete, select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import ReturnRequest
from tests.browser.test_chat_browser import STATUS_BOT_JA, browser, open_tab

if TYPE_CHECKING:
    from playwright.async_api import Browser

    from madoguchi.settings import Settings

pytestmark = pytest.mark.browser
__all__ = ["browser"]


async def test_a_return_from_first_message_to_return_code(server: str, settings: Settings, browser: Browser) -> None:
    tab = await open_tab(browser, f"{server}/chat?lang=ja")
    page = tab.page
    await expect(page.locator("#status")).to_have_text(STATUS_BOT_JA)
    # The demo's sign-in (佐藤 美咲) fetches an identity token, then reloads the page: wait for that reload, or the
    # message below may be typed into the page that is about to go away.
    async with page.expect_navigation():
        await page.locator("#identity").select_option("c001")
    await expect(page.locator("#identity")).to_have_value("c001")
    await expect(page.locator("#status")).to_have_text(STATUS_BOT_JA)

    await page.locator("#text").fill("返品したいです")
    await page.locator("#send").click()
    await expect(page.locator("#messages li.message.bot").filter(has_text="どのご注文")).to_be_visible()
    await page.locator(".quick-replies button", has_text="ヨガマット").click()

    await expect(page.locator("#messages li.message.bot").filter(has_text="返送方法")).to_be_visible()
    await expect(page.locator("#messages li.message.customer").filter(has_text="MD-59500241")).to_be_visible()
    await page.locator(".quick-replies button", has_text="コンビニから発送").click()

    confirm = page.locator("#messages li.message.bot").filter(has_text="よろしいですか")
    await expect(confirm).to_be_visible()
    await expect(confirm).to_contain_text("MD-59500241")
    await page.locator(".quick-replies button", has_text="はい").click()

    done = page.locator("#messages li.message.bot").filter(has_text="返品コード")
    await expect(done).to_be_visible()
    await expect(page.locator(".quick-replies")).to_have_count(0)
    shown = re.search(r"返品コードは (R[0-9A-Z]{9})", await done.inner_text())
    assert shown is not None

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            stored = await session.scalar(select(ReturnRequest.code).where(ReturnRequest.order_number == "MD-59500241"))
            # PostgreSQL keeps the demo marketplace for the next test: the order can be returned again.
            await session.execute(delete(ReturnRequest).where(ReturnRequest.order_number == "MD-59500241"))
            await session.commit()
    finally:
        await engine.dispose()
    assert stored == shown.group(1)
    tab.assert_no_script_errors()
