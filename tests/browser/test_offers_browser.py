"""A waiting customer takes up the offer of a callback or of an answer by e-mail on the chat page, with the
keyboard alone, in Debian's Chromium: buttons that say what they open, a radio group of times the desk can
serve, labelled fields, and errors a screen reader announces."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.async_api import expect

from tests.browser.test_chat_browser import browser, customer_says, open_customer_chat

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.browser
__all__ = ["browser"]

# Nobody is logged in to the console: nobody is on duty, so waiting is not worth it and the page offers both.
ASK_FOR_A_PERSON = "オペレーターと話したい"


async def test_a_guest_books_a_callback_with_the_keyboard(server: str, browser: Browser) -> None:
    tab = await open_customer_chat(browser, server)
    page = tab.page
    await customer_says(page, ASK_FOR_A_PERSON)
    offer = page.get_by_role("button", name="折り返し電話を依頼")
    await expect(offer).to_be_visible()
    await expect(offer).to_have_attribute("aria-expanded", "false")
    await offer.focus()
    await page.keyboard.press("Enter")
    await expect(offer).to_have_attribute("aria-expanded", "true")
    windows = page.get_by_role("group", name="ご希望の時間帯（日本時間）").get_by_role("radio")
    await expect(windows).to_have_count(4)
    await expect(windows.first).to_be_focused()
    # The conversation stays in view above the open form.
    messages = await page.locator("#messages").bounding_box()
    assert messages is not None
    assert messages["height"] > 150
    # Sent without a time, then with a number that is not one: each refusal is said and the field focused.
    phone = page.get_by_label("お電話番号（例：090-1234-5678）")
    await phone.fill("090-1234-5678")
    await page.get_by_role("button", name="この時間帯で依頼する").click()
    await expect(page.locator("#callback-error")).to_have_text("時間帯を選んでください。")
    await page.keyboard.press("Space")
    await expect(windows.first).to_be_checked()
    await phone.fill("12")
    await phone.press("Enter")
    await expect(page.get_by_role("alert").filter(has_text="電話番号")).to_be_visible()
    await expect(phone).to_be_focused()
    await expect(phone).to_have_attribute("aria-invalid", "true")
    await phone.fill("090-1234-5678")
    await phone.press("Enter")
    done = page.locator("#offer-done")
    await expect(done).to_contain_text("折り返しのお電話を承りました")
    await expect(done).to_contain_text("090-1234-5678")
    await expect(done).to_be_focused()
    await expect(offer).to_be_hidden()
    await expect(
        page.locator("#messages li.message.system").filter(has_text="折り返しのお電話を承りました")
    ).to_have_count(1)
    tab.assert_no_script_errors()


async def test_a_guest_gives_an_e_mail_address_for_the_answer(server: str, browser: Browser) -> None:
    tab = await open_customer_chat(browser, server)
    page = tab.page
    await customer_says(page, ASK_FOR_A_PERSON)
    await page.get_by_role("button", name="メールで回答を受け取る").click()
    address = page.get_by_label("メールアドレス")
    await expect(address).to_be_focused()
    await expect(address).to_have_attribute("required", "")
    await address.fill("hanako@example")
    await address.press("Enter")
    await expect(page.locator("#email-error")).to_contain_text("メールアドレスの形式が正しくありません")
    await expect(address).to_have_attribute("aria-invalid", "true")
    await address.fill("hanako@example.jp")
    await address.press("Enter")
    await expect(page.locator("#offer-done")).to_contain_text("hanako@example.jp")
    await expect(page.locator("#messages li.message.system").filter(has_text="hanako@example.jp")).to_have_count(1)
    tab.assert_no_script_errors()


async def test_the_offers_read_in_english_on_an_english_chat(server: str, browser: Browser) -> None:
    tab = await open_customer_chat(browser, server)
    page = tab.page
    await page.goto(f"{server}/chat?lang=en")
    await customer_says(page, "I want to talk to a human")
    await expect(page.get_by_role("button", name="Ask for a call back")).to_be_visible()
    await page.get_by_role("button", name="Get the answer by e-mail").click()
    await expect(page.get_by_label("E-mail address")).to_be_focused()
    tab.assert_no_script_errors()
