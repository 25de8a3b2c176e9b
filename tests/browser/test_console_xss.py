"""Markup in a customer's message is shown as text in the operator console: never parsed, never run.

Driven in Debian's Chromium against a real server (SQLite, and PostgreSQL + Redis).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.browser.test_chat_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    console_messages,
    customer_messages,
    customer_says,
    open_console,
    open_customer_chat,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.browser

PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
QUESTION = "オペレーターと話したいです"  # a request for a person: the conversation is queued for an operator


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium`.")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def watch_for_injection(page: Page) -> None:
    """Record every <script> or <img> element added to the page from now on, and every blocked inline script:
    either would mean the message was parsed as HTML, even if the browser's policy then stopped it running."""
    await page.evaluate(
        """() => {
          window.__injected = [];
          window.__violations = [];
          new MutationObserver((records) => {
            for (const record of records) {
              for (const node of record.addedNodes) {
                if (node.nodeType !== Node.ELEMENT_NODE) continue;
                for (const found of [node, ...node.querySelectorAll("script, img")]) {
                  if (found.tagName === "SCRIPT" || found.tagName === "IMG") window.__injected.push(found.outerHTML);
                }
              }
            }
          }).observe(document.body, { childList: true, subtree: true });
          document.addEventListener("securitypolicyviolation", (event) => {
            window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
          });
        }"""
    )


async def assert_nothing_ran(page: Page) -> None:
    assert await page.evaluate("window.__pwned") is None
    assert await page.evaluate("window.__injected") == []
    assert await page.evaluate("window.__violations") == []
    assert await page.locator("img[src='x'], img[onerror]").count() == 0


async def test_markup_in_a_customer_message_is_shown_as_text_in_the_console(server: str, chromium: Browser) -> None:
    operator = await open_console(chromium, server)
    customer = await open_customer_chat(chromium, server)
    console, chat = operator.page, customer.page
    await watch_for_injection(console)
    await watch_for_injection(chat)

    await customer_says(chat, QUESTION)
    waiting = console.locator("#queue li.item").filter(has_text=QUESTION)
    await expect(waiting).to_have_count(1)
    await waiting.click()
    await expect(console_messages(console, "customer", QUESTION)).to_be_visible()

    # The customer sends markup while the operator has the conversation open: it arrives live.
    await customer_says(chat, PAYLOAD)
    shown = console_messages(console, "customer", PAYLOAD)
    await expect(shown).to_have_count(1)
    await expect(shown.locator(".text")).to_have_text(PAYLOAD)
    assert await shown.locator(".text").evaluate("(node) => node.textContent") == PAYLOAD
    assert await shown.locator(".text").evaluate("(node) => node.children.length") == 0
    # The list of conversations shows it as text as well.
    await expect(console.locator("#queue li.item, #mine li.item").filter(has_text="<script>")).to_have_count(1)

    # Opened afresh (drawn from the stored history rather than from the live event), it is still text.
    await console.reload()
    await expect(console.locator("#app")).to_be_visible()
    await watch_for_injection(console)
    await console.locator("#queue li.item, #mine li.item").filter(has_text="<script>").first.click()
    shown = console_messages(console, "customer", PAYLOAD)
    await expect(shown.locator(".text")).to_have_text(PAYLOAD)

    # The customer's own page shows it as text too.
    await expect(customer_messages(chat, PAYLOAD).locator(".text")).to_have_text(PAYLOAD)

    await assert_nothing_ran(console)
    await assert_nothing_ran(chat)
    operator.assert_no_script_errors()
    customer.assert_no_script_errors()
