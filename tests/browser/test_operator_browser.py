"""An operator takes, transfers and resolves a conversation in the console while the customer, in the chat,
sees every hand-over; driven in Debian's Chromium against a real server on both databases."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser.test_chat_browser import (
    browser,  # noqa: F401 - the fixture
    console_messages,
    customer_says,
    open_console,
    open_customer_chat,
)

pytestmark = pytest.mark.browser


async def test_operator_takes_transfers_and_resolves_while_the_customer_sees_the_hand_over(
    server: str,
    browser: Browser,  # noqa: F811 - the fixture
) -> None:
    customer = await open_customer_chat(browser, server)
    operator = await open_console(browser, server)
    chat, console = customer.page, operator.page
    system = chat.locator("#messages li.message.system")

    await customer_says(chat, "オペレーターと話したいです")
    await expect(chat.locator("#status")).to_contain_text("担当者をお待ちください")

    waiting = console.locator("#queue li.item").filter(has_text="オペレーターと話したいです")
    await expect(waiting).to_have_count(1)
    await waiting.click()
    # Why it is in this queue: the routing decision and its reasons, beside the chat.
    await expect(console.locator("#routing-reasons")).to_contain_text("routing.decided · platform_cs")
    await expect(console.locator("#presence")).to_have_value("available")
    # Beside the chat: suggested replies and canned responses, inserted into the reply box with a click.
    await expect(console.locator("#suggestions li")).not_to_have_count(0)
    await console.locator("#canned button").first.click()
    await expect(console.locator("#reply-text")).to_have_value(re.compile(r"お問い合わせありがとうございます"))
    await console.locator("#reply-text").fill("")

    await console.locator("#take").click()
    await expect(system.filter(has_text="田中 健太が担当いたします")).to_have_count(1)
    await expect(chat.locator("#status")).not_to_contain_text("お待ちください")

    # Transfer to member support with a note for the next operator: the customer is told, in Japanese.
    await console.locator("#transfer").click()
    await console.locator("#transfer-desk").select_option("member_support")
    await console.locator("#transfer-note").fill("ログインできないとのこと。本人確認をお願いします。")
    await console.locator("#transfer-send").click()
    await expect(system.filter(has_text="会員サポート")).to_have_count(1)
    await expect(chat.locator("#status")).to_contain_text("お待ちください")
    await expect(console_messages(console, "agent", "本人確認をお願いします")).to_have_class(re.compile(r"\bnote\b"))
    # The note stays between operators.
    await expect(chat.locator("#messages").filter(has_text="本人確認をお願いします")).to_have_count(0)

    # 田中 works member support too: takes it again from that queue, answers and resolves.
    await console.locator("#take").click()
    await expect(system.filter(has_text="田中 健太が担当いたします")).to_have_count(2)
    await console.locator("#reply-text").fill("本人確認のため、ご登録のメールアドレスを教えてください。")
    await console.locator("#reply-text").press("Enter")
    await expect(chat.locator("#messages li.message.agent").filter(has_text="ご登録のメールアドレス")).to_be_visible()
    await console.locator("#resolve").click()
    await expect(system.filter(has_text="お問い合わせを完了しました")).to_be_visible()

    # The keyboard shortcuts are documented in the console's help.
    await console.locator("#help").click()
    await expect(console.locator("#help-dialog")).to_contain_text("Alt+X")

    customer.assert_no_script_errors()
    operator.assert_no_script_errors()
