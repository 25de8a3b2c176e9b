"""Ending a chat and rating it in Debian's Chromium: the customer does it with the keyboard alone (the end is
confirmed first, the five choices are a radio group with names a screen reader reads, the focus is visible),
and a supervisor's console shows a low rating at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import ConversationEvent
from tests.browser.test_chat_browser import (
    LIVE_JA,
    Tab,
    browser,
    customer_says,
    open_customer_chat,
    open_tab,
)
from tests.helpers import AGENT_TANAKA

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

    from madoguchi.settings import Settings

pytestmark = pytest.mark.browser
__all__ = ["browser"]

SUPERVISOR_NAKAMURA = ("nakamura@madoguchi.localhost", "demo-supervisor", "中村 美穂")
TANAKA = (*AGENT_TANAKA, "田中 健太")
# A greeting the bot answers itself: the chat stays with the bot.
GREETING = "こんにちは"


async def open_console_as(browser: Browser, server: str, who: tuple[str, str, str]) -> Tab:
    email, password, name = who
    tab = await open_tab(browser, f"{server}/console")
    page = tab.page
    await page.locator("#login-email").fill(email)
    await page.locator("#login-password").fill(password)
    await page.locator("#login-form button[type=submit]").click()
    await expect(page.locator("#me")).to_have_text(name)
    await expect(page.locator("#live")).to_have_text(LIVE_JA)
    return tab


async def _outline_of_label(page: Page, score: int) -> str:
    style: str = await page.locator(f"label[for=csat-score-{score}]").evaluate(
        "(label) => getComputedStyle(label).outlineStyle"
    )
    return style


async def _ratings(settings: Settings, conversation_id: str) -> list[dict[str, object]]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(
                select(ConversationEvent.data).where(
                    ConversationEvent.conversation_id == conversation_id, ConversationEvent.type == "csat.submitted"
                )
            )
            return list(rows)
    finally:
        await engine.dispose()


async def test_a_customer_ends_and_rates_a_chat_with_the_keyboard_alone(
    server: str, settings: Settings, browser: Browser
) -> None:
    customer = await open_customer_chat(browser, server)
    page = customer.page
    end = page.locator("#end-chat")
    await expect(end).to_be_hidden()  # nothing to end before the customer has written
    await customer_says(page, GREETING)
    await expect(page.locator("#messages li.message.bot")).to_have_count(1)
    await expect(end).to_have_text("チャットを終了")
    await expect(page.locator("#csat")).to_be_hidden()

    # Escape closes the confirmation: nothing is sent, the focus is back on the button.
    await end.focus()
    await page.keyboard.press("Enter")
    dialog = page.locator("#end-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("チャットを終了しますか？")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(end).to_be_focused()
    assert [frame for frame in customer.sent if frame.get("type") == "end"] == []

    # Confirmed: the chat ends and the rating prompt takes the focus.
    await page.keyboard.press("Enter")
    await expect(page.locator("#end-confirm")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#messages li.message.system").filter(has_text="チャットを終了しました")).to_be_visible()
    await expect(end).to_be_hidden()
    scale = page.get_by_role("group", name="今回の対応はいかがでしたか？")
    await expect(scale).to_be_visible()
    names = ["1 とても不満", "2 不満", "3 ふつう", "4 満足", "5 とても満足"]
    for name in names:
        await expect(scale.get_by_role("radio", name=name, exact=True)).to_have_count(1)
    first = scale.get_by_role("radio", name=names[0], exact=True)
    await expect(first).to_be_focused()
    assert await _outline_of_label(page, 1) != "none"  # the focus shows

    # Sending without a choice says what is missing and goes back to the choices.
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("ご意見（任意・1000文字まで）")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.locator("#csat-send")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#csat-error")).to_have_text("1〜5のいずれかを選んでください。")
    await expect(first).to_be_focused()
    assert [frame for frame in customer.sent if frame.get("type") == "csat"] == []

    # The arrow keys move along the scale and choose.
    for _ in range(3):
        await page.keyboard.press("ArrowRight")
    four = scale.get_by_role("radio", name=names[3], exact=True)
    await expect(four).to_be_focused()
    await expect(four).to_be_checked()
    assert await _outline_of_label(page, 4) != "none"
    assert await _outline_of_label(page, 1) == "none"
    await page.keyboard.press("Tab")
    await page.keyboard.type("丁寧に答えてもらえました")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    thanks = page.locator("#csat-thanks")
    await expect(thanks).to_have_text("ご評価ありがとうございました。")
    await expect(thanks).to_be_focused()
    await expect(page.locator("#csat-form")).to_be_hidden()

    (rating,) = [frame for frame in customer.sent if frame.get("type") == "csat"]
    assert rating["score"] == 4
    assert rating["comment"] == "丁寧に答えてもらえました"
    conversation_id = await page.evaluate("document.body.dataset.conversationId")
    stored = await _ratings(settings, conversation_id)
    assert [(row["score"], row["via"]) for row in stored] == [(4, "chat")]

    # A reload of the rated chat asks nothing again.
    await page.reload()
    await expect(page.locator("#status")).to_contain_text("完了しています")
    await expect(page.locator("#csat")).to_be_hidden()
    customer.assert_no_script_errors()


async def test_a_supervisor_sees_a_low_rating_at_once(server: str, browser: Browser) -> None:
    supervisor = await open_console_as(browser, server, SUPERVISOR_NAKAMURA)
    operator = await open_console_as(browser, server, TANAKA)
    customer = await open_customer_chat(browser, server)
    chat = customer.page
    await customer_says(chat, GREETING)
    await chat.locator("#end-chat").click()
    await chat.locator("#end-confirm").click()
    await chat.get_by_text("とても不満").click()
    await chat.locator("#csat-comment").fill("質問に答えてもらえませんでした")
    await chat.locator("#csat-send").click()
    await expect(chat.locator("#csat-thanks")).to_be_visible()
    conversation_id = await chat.evaluate("document.body.dataset.conversationId")

    console = supervisor.page
    notice = console.locator("#alerts .alert-low-rating")
    await expect(notice).to_have_count(1)
    await expect(notice).to_have_attribute("role", "alert")
    await expect(notice).to_contain_text("低評価 1/5（チャット）")
    await expect(notice).to_contain_text("質問に答えてもらえませんでした")
    await notice.locator("a").click()
    await expect(console.locator("#conversation .state")).to_have_text("resolved")
    assert conversation_id in console.url
    await expect(console.locator("#details .events")).to_contain_text("評価: 1/5 (チャット)")

    # An agent's console hears the rating too (it may see the conversation) but shows no notice.
    await operator.wait_for_received(
        lambda frame: frame.get("type") == "event" and frame["event"]["type"] == "csat.submitted"
    )
    await expect(operator.page.locator("#alerts .alert-low-rating")).to_have_count(0)
    for tab in (supervisor, operator, customer):
        tab.assert_no_script_errors()


async def test_the_operator_is_told_when_the_customer_ends_their_chat(server: str, browser: Browser) -> None:
    operator = await open_console_as(browser, server, TANAKA)
    customer = await open_customer_chat(browser, server)
    chat, console = customer.page, operator.page
    question = "オペレーターと話したい"
    await customer_says(chat, question)
    await console.locator("#queue li.item").filter(has_text=question).click()
    await console.locator("#take").click()
    await expect(console.locator("#conversation .state")).to_have_text("assigned")
    await expect(chat.locator("#status")).to_have_text("担当者が対応中です")

    await chat.locator("#end-chat").click()
    await chat.locator("#end-confirm").click()
    notice = console.locator("#alerts .alert-ended")
    await expect(notice).to_contain_text("お客さまがチャットを終了しました")
    await expect(console.locator("#conversation .state")).to_have_text("resolved")
    await expect(console.locator("#conversation .messages li.message.system").last).to_contain_text(
        "チャットを終了しました"
    )
    await expect(console.locator("#resolve")).to_have_count(0)
    await expect(chat.locator("#csat")).to_be_visible()
    operator.assert_no_script_errors()
    customer.assert_no_script_errors()
