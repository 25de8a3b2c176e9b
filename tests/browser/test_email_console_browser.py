"""An operator reads a mail ticket in the console: subject, sender and the attached photo to download."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.async_api import Browser, expect

from tests.browser.test_chat_browser import browser  # noqa: F401 - the Chromium fixture, used by name
from tests.channels.email.conftest import desk, email_settings, relay  # noqa: F401 - fixtures, used by name
from tests.channels.email.mailbox import mail_with_attachment, send_mail
from tests.helpers import AGENT_TANAKA

if TYPE_CHECKING:
    from tests.channels.email.conftest import Desk

pytestmark = pytest.mark.browser

# The smallest valid PNG: detected as an image by its content.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e5270de4000000"
    "0049454e44ae426082"
)


async def test_the_console_shows_a_mail_and_offers_its_photo_for_download(desk: Desk, browser: Browser) -> None:  # noqa: F811
    raw = mail_with_attachment(
        "届いた商品が破損していました",
        "箱がつぶれて中の器が割れていました。写真を添付します。",
        charset="utf-8",
        codec="utf-8",
        filename="broken.png",
        content_type="image/png",
        content=PNG,
    )
    answer = await send_mail(desk.smtp_port, raw)
    assert answer.code == 250, answer
    context = await browser.new_context(locale="ja-JP")
    page = await context.new_page()
    await page.goto(f"{desk.base_url}/console")
    await page.locator("#login-email").fill(AGENT_TANAKA[0])
    await page.locator("#login-password").fill(AGENT_TANAKA[1])
    await page.locator("#login-form button[type=submit]").click()
    await expect(page.locator("#app")).to_be_visible()
    await page.get_by_text("届いた商品が破損していました").first.click()
    detail = page.locator(".event-detail").filter(has_text="届いた商品が破損していました")
    await expect(detail).to_be_visible()
    link = detail.get_by_role("link", name="broken.png")
    await expect(link).to_be_visible()
    async with page.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    assert download.suggested_filename == "broken.png"
    assert (await download.path()).read_bytes() == PNG
