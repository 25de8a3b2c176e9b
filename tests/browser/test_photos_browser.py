"""Photos in the chat page and the console, in Chromium: a customer's photo reaches the operator's queue and
conversation as a thumbnail, and the operator's photo comes back the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, expect

from tests.browser.test_chat_browser import browser, console_messages, open_console, open_customer_chat
from tests.web.test_photos import PNG

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, shared with the chat's browser tests

PHOTO = {"name": "荷物.png", "mimeType": "image/png", "buffer": PNG}


async def _loaded(image: Locator) -> None:
    await expect(image).to_have_count(1)
    # Loaded and decoded: the download answered with a real image, not an error page. The console re-draws
    # the conversation on live events, which can replace the element between two looks: look again.
    for attempt in range(5):
        try:
            width = await image.evaluate(
                """img => img.complete ? img.naturalWidth : new Promise((done) => {
                    img.addEventListener("load", () => done(img.naturalWidth));
                    img.addEventListener("error", () => done(0));
                })"""
            )
        except PlaywrightError:
            if attempt == 4:
                raise
            continue
        assert width == 1
        return


async def test_photos_go_both_ways_between_the_chat_page_and_the_console(server: str, browser: Browser) -> None:
    customer = await open_customer_chat(browser, server)
    operator = await open_console(browser, server)
    chat, console = customer.page, operator.page

    await chat.locator("#photo-input").set_input_files(PHOTO)
    sent = chat.locator("#messages li.message.customer").filter(has_text="荷物.png")
    await _loaded(sent.locator("a.photo img"))
    # A photo needs a person: the conversation leaves the bot for the queue, previewed by its name.
    waiting = console.locator("#queue li.item").filter(has_text="荷物.png")
    await waiting.click()
    await _loaded(console_messages(console, "customer", "荷物.png").locator("a.photo img"))
    await console.locator("#take").click()
    await expect(console.locator("#conversation .state")).to_have_text("assigned")

    await console.locator("#photo-input").set_input_files({**PHOTO, "name": "返品ラベル.png"})
    await _loaded(console_messages(console, "agent", "返品ラベル.png").locator("a.photo img"))
    await _loaded(chat.locator("#messages li.message.agent").filter(has_text="返品ラベル.png").locator("a.photo img"))
    customer.assert_no_script_errors()
    operator.assert_no_script_errors()
