"""The customer chat, the operator console and the embeddable widget, driven in Debian's Chromium.

Every test runs against a real server (SQLite, and PostgreSQL + Redis) and asserts on what a person sees.
`playwright install` cannot download browsers here: Chromium is launched from /usr/bin/chromium.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.async_api import Browser, BrowserContext, CDPSession, Locator, Page, async_playwright, expect

from madoguchi.trust.identity import sign_token
from tests.helpers import AGENT_TANAKA, CUSTOMER_SATO

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from madoguchi.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
# How long nothing must happen to count as "nothing was sent".
NON_EVENT_S = 1.0

expect.set_options(timeout=TIMEOUT_MS)

# What the pages say (src/madoguchi/web/static/i18n.js, conversations/phrases.py).
STATUS_BOT_JA = "ご用件をお書きください"
LIVE_JA = "リアルタイム接続中"
PENDING = re.compile(r"\bpending\b")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `apt-get install chromium`.")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


class Tab:
    """A page in its own browser context (its own cookies and storage), recording what a person could not see:
    uncaught script errors and the WebSocket frames the page sends and receives."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.context = context
        self.page = page
        self.errors: list[str] = []
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.requests: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("websocket", self._watch_socket)
        page.on("request", lambda request: self.requests.append(f"{request.method} {request.url}"))

    def _watch_socket(self, socket: Any) -> None:
        socket.on("framesent", lambda payload: self.sent.append(_frame(payload)))
        socket.on("framereceived", lambda payload: self.received.append(_frame(payload)))

    async def wait_for_received(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + TIMEOUT_MS / 1000
        while asyncio.get_running_loop().time() < deadline:
            for frame in self.received:
                if predicate(frame):
                    return frame
            await asyncio.sleep(0.02)
        raise AssertionError(f"no such WebSocket frame; received {self.received}")

    def assert_no_script_errors(self) -> None:
        assert not self.errors, f"uncaught errors in {self.page.url}: {self.errors}"


def _frame(payload: str | bytes) -> dict[str, Any]:
    try:
        frame = json.loads(payload)
    except ValueError:
        return {"type": "<not json>", "raw": str(payload)}
    return frame if isinstance(frame, dict) else {"type": "<not an object>", "raw": frame}


async def open_tab(browser: Browser, url: str) -> Tab:
    context = await browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1200, "height": 800}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    tab = Tab(context, page)
    await page.goto(url)
    return tab


async def open_customer_chat(browser: Browser, server: str) -> Tab:
    """The customer's chat page as a guest, in Japanese, connected."""
    tab = await open_tab(browser, f"{server}/chat?lang=ja")
    await expect(tab.page.locator("#status")).to_have_text(STATUS_BOT_JA)
    await expect(tab.page.locator("#identity")).to_have_value("")  # the guest, no identity token
    return tab


async def open_console(browser: Browser, server: str) -> Tab:
    """The operator console, logged in through its form, with its live feed connected."""
    tab = await open_tab(browser, f"{server}/console")
    page = tab.page
    email, password = AGENT_TANAKA
    await page.locator("#login-email").fill(email)
    await page.locator("#login-password").fill(password)
    await page.locator("#login-form button[type=submit]").click()
    await expect(page.locator("#app")).to_be_visible()
    await expect(page.locator("#me")).to_have_text("田中 健太")
    await expect(page.locator("#live")).to_have_text(LIVE_JA)
    return tab


def customer_messages(page: Page, text: str | None = None) -> Locator:
    messages = page.locator("#messages li.message.customer")
    return messages.filter(has_text=text) if text is not None else messages


def console_messages(page: Page, author: str, text: str | None = None) -> Locator:
    messages = page.locator(f"#conversation .messages li.message.{author}")
    return messages.filter(has_text=text) if text is not None else messages


async def customer_says(page: Page, text: str) -> None:
    """Type into the chat box and press Enter; the message shows at once and is then acknowledged."""
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")
    sent = customer_messages(page, text)
    await expect(sent).to_have_count(1)
    await expect(sent).not_to_have_class(PENDING)
    await expect(page.locator("#text")).to_have_value("")


async def wait_until_conversation_settles(page: Page) -> None:
    """Wait until the console has stopped re-drawing the open conversation.

    The console re-draws the conversation on the answer to an action and again on the live event that action
    causes (the reply box keeps its draft, see the test below); assertions on focus and layout are only
    meaningful once that has settled: no request in flight and no re-draw for 400 ms.
    """
    await page.evaluate(
        """() => {
          if (window.__settle) return;
          const settle = window.__settle = { inflight: 0, last: performance.now() };
          const fetch = window.fetch;
          window.fetch = (...args) => {
            settle.inflight += 1;
            return fetch(...args).finally(() => { settle.inflight -= 1; settle.last = performance.now(); });
          };
          new MutationObserver(() => { settle.last = performance.now(); })
            .observe(document.getElementById("conversation"), { childList: true });
        }"""
    )
    await page.wait_for_function(
        "() => window.__settle.inflight === 0 && performance.now() - window.__settle.last > 400",
        timeout=TIMEOUT_MS,
    )


async def test_customer_and_operator_exchange_messages_in_japanese(
    server: str, browser: Browser, tmp_path: Path
) -> None:
    customer = await open_customer_chat(browser, server)
    operator = await open_console(browser, server)
    chat, console = customer.page, operator.page
    await expect(console.locator("#queue li.none")).to_be_visible()  # nobody is waiting yet

    question = "注文した荷物がまだ届きません"
    await customer_says(chat, question)
    # The operator's queue shows the waiting customer without a reload.
    waiting = console.locator("#queue li.item").filter(has_text=question)
    await expect(waiting).to_have_count(1)
    await expect(waiting.locator("strong")).to_have_text("ゲスト")
    await expect(console.locator("#queue-count")).to_have_text("1")
    # The customer is told to wait for an operator.
    await expect(chat.locator("#messages li.message.system").filter(has_text="担当者におつなぎします")).to_be_visible()
    await expect(chat.locator("#status")).to_contain_text("担当者をお待ちください")

    await waiting.click()
    await expect(console_messages(console, "customer", question)).to_be_visible()
    # Beside the chat, what the message means: its intent and the classifier's confidence.
    await expect(console.locator("#intent")).to_have_text(re.compile(r"^[a-z_]+ \(\d+%\)$"))
    await expect(console.locator("#conversation .state")).to_have_text("queued")
    conversation_id = await chat.evaluate("document.body.dataset.conversationId")
    await console.locator("#take").click()
    await expect(console.locator("#conversation .state")).to_have_text("assigned")
    await expect(console.locator("#take")).to_have_count(0)
    await expect(console.locator("#mine li.item").filter(has_text=question)).to_have_count(1)
    await operator.wait_for_received(
        lambda frame: (
            frame.get("type") == "event"
            and frame["event"]["type"] == "conversation.assigned"
            and frame["event"]["conversation"]["id"] == conversation_id
        )
    )
    await wait_until_conversation_settles(console)
    # The customer sees who took the conversation.
    await expect(
        chat.locator("#messages li.message.system").filter(has_text="田中 健太が担当いたします")
    ).to_be_visible()
    await expect(chat.locator("#status")).to_have_text("担当者が対応中です")

    answer = "ご不便をおかけしております。確認いたします。"
    reply_box = console.locator("#reply-text")
    await expect(reply_box).to_be_focused()
    await reply_box.fill(answer)
    await reply_box.press("Enter")
    await expect(console_messages(console, "agent", answer)).to_have_count(1)
    # The customer sees the operator's reply live, under the operator's name.
    reply = chat.locator("#messages li.message.agent").filter(has_text=answer)
    await expect(reply).to_have_count(1)
    await expect(reply.locator(".author")).to_have_text("田中 健太")
    await expect(chat.locator("#status")).to_have_text("担当者からの返信があります")

    follow_up = "ありがとうございます。追跡番号は 1234-5678-9012 です。"
    await customer_says(chat, follow_up)
    # The operator sees the customer's answer live, in the open conversation and in the list.
    await expect(console_messages(console, "customer", follow_up)).to_have_count(1)
    await expect(console.locator("#mine li.item").filter(has_text=follow_up)).to_have_count(1)
    await expect(console.locator("#conversation .state")).to_have_text("assigned")

    # Nothing is shown twice: both sides hold exactly this exchange, in this order.
    await expect(chat.locator("#messages li.message.customer .text")).to_have_text([question, follow_up])
    await expect(chat.locator("#messages li.message.agent .text")).to_have_text([answer])
    await expect(console.locator("#conversation .messages li.message.customer .text")).to_have_text(
        [question, follow_up]
    )
    await expect(console.locator("#conversation .messages li.message.agent .text")).to_have_text([answer])

    await chat.screenshot(path=tmp_path / "customer.png", full_page=True)
    await console.screenshot(path=tmp_path / "console.png", full_page=True)
    customer.assert_no_script_errors()
    operator.assert_no_script_errors()


async def compose_with_ime_and_confirm(cdp: CDPSession, reading: str, conversion: str) -> None:
    """What a Japanese IME does: show the reading as a composition, take the Enter that confirms the
    conversion (Chromium hands the page a keydown with keyCode 229 while composing), then commit the text."""
    await cdp.send(
        "Input.imeSetComposition", {"text": reading, "selectionStart": len(reading), "selectionEnd": len(reading)}
    )
    await cdp.send(
        "Input.dispatchKeyEvent",
        {"type": "rawKeyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 229},
    )
    await cdp.send("Input.insertText", {"text": conversion})  # commits: compositionend
    await cdp.send(
        "Input.dispatchKeyEvent",
        {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13},
    )


async def record_key_events(box: Locator) -> None:
    """Remember what the page itself saw of the Enter keydowns, to prove the composing Enter reached it."""
    await box.evaluate(
        """(box) => {
          window.__enterKeydowns = [];
          box.addEventListener("keydown", (event) => {
            if (event.key === "Enter") {
              window.__enterKeydowns.push({ isComposing: event.isComposing, keyCode: event.keyCode });
            }
          }, { capture: true });
        }"""
    )


async def assert_page_saw_a_composing_enter(page: Page) -> None:
    keydowns = await page.evaluate("window.__enterKeydowns")
    assert keydowns == [{"isComposing": True, "keyCode": 229}], keydowns


async def test_enter_that_confirms_ime_composition_does_not_send(server: str, browser: Browser) -> None:
    # A request for a person: the bot hands the conversation to the operators' queue at once.
    reading, conversion = "おぺれーたー", "オペレーター"

    # The customer's chat box.
    customer = await open_customer_chat(browser, server)
    chat = customer.page
    box = chat.locator("#text")
    await expect(chat.locator("#messages li.message")).to_have_count(1)  # the welcome
    await box.click()
    await record_key_events(box)
    cdp = await customer.context.new_cdp_session(chat)
    await compose_with_ime_and_confirm(cdp, reading, conversion)
    await assert_page_saw_a_composing_enter(chat)
    await expect(box).to_have_value(conversion)
    await asyncio.sleep(NON_EVENT_S)  # a bounded wait to prove a non-event
    await expect(box).to_have_value(conversion)
    await expect(chat.locator("#messages li.message")).to_have_count(1)
    assert [frame for frame in customer.sent if frame.get("type") == "message"] == []
    # A plain Enter afterwards sends what was converted.
    await chat.keyboard.press("Enter")
    sent = customer_messages(chat, conversion)
    await expect(sent).to_have_count(1)
    await expect(sent).not_to_have_class(PENDING)
    await expect(box).to_have_value("")
    assert [frame["text"] for frame in customer.sent if frame.get("type") == "message"] == [conversion]

    # The operator's reply box, on that conversation.
    operator = await open_console(browser, server)
    console = operator.page
    waiting = console.locator("#queue li.item").filter(has_text=conversion)
    await waiting.click()
    await expect(console_messages(console, "customer", conversion)).to_be_visible()
    await wait_until_conversation_settles(console)
    reply_box = console.locator("#reply-text")
    await expect(reply_box).to_be_focused()
    # The customer's, the bot's hand-over, the queue notice and, as nobody was on duty when it was placed, the
    # notice that offers a callback or e-mail.
    await expect(console.locator("#conversation .messages li.message")).to_have_count(4)
    await record_key_events(reply_box)
    cdp = await operator.context.new_cdp_session(console)
    await compose_with_ime_and_confirm(cdp, reading, conversion)
    await assert_page_saw_a_composing_enter(console)
    await expect(reply_box).to_have_value(conversion)
    await asyncio.sleep(NON_EVENT_S)  # a bounded wait to prove a non-event
    await expect(reply_box).to_have_value(conversion)
    await expect(console.locator("#conversation .messages li.message")).to_have_count(4)
    assert [request for request in operator.requests if request.startswith("POST ")] == [
        "POST " + server + "/api/v1/auth/login"
    ]
    await expect(chat.locator("#messages li.message.agent")).to_have_count(0)
    # A plain Enter afterwards sends the reply, and the customer receives it.
    await console.keyboard.press("Enter")
    await expect(console_messages(console, "agent", conversion)).to_have_count(1)
    await expect(chat.locator("#messages li.message.agent").filter(has_text=conversion)).to_have_count(1)

    customer.assert_no_script_errors()
    operator.assert_no_script_errors()


async def test_widget_opens_the_chat_in_a_frame(server: str, browser: Browser) -> None:
    home = await open_tab(browser, f"{server}/")
    page = home.page
    button = page.locator("#madoguchi-widget-button")
    await expect(button).to_be_visible()
    await expect(button).to_have_text("チャットで問い合わせる")
    await expect(page.locator("#madoguchi-widget-frame")).to_have_count(0)

    await button.click()
    await expect(page.locator("#madoguchi-widget-frame")).to_be_visible()
    await expect(button).to_have_attribute("aria-expanded", "true")
    frame = page.frame_locator("#madoguchi-widget-frame")
    await expect(frame.locator("#status")).to_have_text(STATUS_BOT_JA)  # connected
    await expect(frame.locator("#identity")).to_be_hidden()  # no demo customer picker inside a shop's page

    text = "返品の方法を教えてください"
    await frame.locator("#text").fill(text)
    await frame.locator("#text").press("Enter")
    sent = frame.locator("#messages li.message.customer").filter(has_text=text)
    await expect(sent).to_have_count(1)
    await expect(sent).not_to_have_class(PENDING)  # acknowledged: committed on the server
    await expect(frame.locator("#messages li.message.system").filter(has_text="担当者におつなぎします")).to_be_visible()

    # The button closes the frame again.
    await button.click()
    await expect(page.locator("#madoguchi-widget-frame")).to_be_hidden()
    await expect(button).to_have_attribute("aria-expanded", "false")
    home.assert_no_script_errors()


async def test_widget_hands_the_shops_identity_token_to_the_chat(
    server: str, browser: Browser, settings: Settings
) -> None:
    home = await open_tab(browser, f"{server}/")
    page = home.page
    # The shop's page learns who its customer is after loading, and tells the widget.
    token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
    await page.evaluate("(token) => window.Madoguchi.identify(token)", token)
    await page.locator("#madoguchi-widget-button").click()
    frame = page.frame_locator("#madoguchi-widget-frame")
    await expect(frame.locator("#status")).to_have_text(STATUS_BOT_JA)
    hello = await home.wait_for_received(lambda frame: frame.get("type") == "hello")
    assert hello["customer"]["id"] == CUSTOMER_SATO
    # Only the first connection: the chat waited for the token instead of opening a guest chat first.
    assert [frame for frame in home.received if frame.get("type") == "hello"] == [hello]
    src = await page.locator("#madoguchi-widget-frame").get_attribute("src")
    assert src is not None
    assert token not in src  # never in a URL, where logs and referrers would keep it

    # Signing out on the shop's page turns the chat into a guest's.
    await page.evaluate("() => window.Madoguchi.signOut()")
    guest = await home.wait_for_received(lambda frame: frame.get("type") == "hello" and frame is not hello)
    assert guest["customer"]["anonymous"] is True
    home.assert_no_script_errors()


async def test_console_shows_the_login_form_only_until_the_operator_logs_in(server: str, browser: Browser) -> None:
    tab = await open_tab(browser, f"{server}/console")
    page = tab.page
    await expect(page.locator("#login-email")).to_be_visible()
    await expect(page.locator("#app")).to_be_hidden(timeout=2_000)
    email, password = AGENT_TANAKA
    await page.locator("#login-email").fill(email)
    await page.locator("#login-password").fill(password)
    await page.locator("#login-form button[type=submit]").click()
    await expect(page.locator("#me")).to_have_text("田中 健太")
    await expect(page.locator("#login")).to_be_hidden(timeout=2_000)
    await expect(page.locator("#app")).to_be_visible()


async def test_operators_draft_survives_live_updates_of_the_open_conversation(server: str, browser: Browser) -> None:
    console_tab = await open_console(browser, server)
    chat_tab = await open_customer_chat(browser, server)
    console, chat = console_tab.page, chat_tab.page
    # The bot hands a request for a person straight to the operators' queue.
    await customer_says(chat, "領収書の件で担当者と話したいです")
    await console.locator("#queue li.item").filter(has_text="領収書").click()
    await console.locator("#take").click()
    await expect(console.locator("#conversation .state")).to_have_text("assigned")
    await wait_until_conversation_settles(console)
    reply_box = console.locator("#reply-text")
    await reply_box.fill("注文番号を教えていただけますか。")
    await reply_box.press("Enter")
    await expect(console.locator("#conversation .state")).to_have_text("waiting")
    await wait_until_conversation_settles(console)
    await reply_box.press_sequentially("確認しますので少々")
    # The customer answers meanwhile: the conversation moves back to "assigned" and is re-drawn.
    await customer_says(chat, "注文番号は MD-10000001 です")
    await expect(console_messages(console, "customer", "MD-10000001")).to_have_count(1)
    await expect(console.locator("#conversation .state")).to_have_text("assigned")
    await expect(reply_box).to_have_value("確認しますので少々")
    await expect(reply_box).to_be_focused()
    await reply_box.press_sequentially("お待ちください。")
    await reply_box.press("Enter")
    sent = chat.locator("#messages li.message.agent").filter(has_text="確認しますので少々お待ちください。")
    await expect(sent).to_have_count(1)
    console_tab.assert_no_script_errors()
    chat_tab.assert_no_script_errors()
