"""Operators' suggestions answer the customer's latest need, read from the conversation: never a line the bot
already said (its hand-over above all), and no page for "a person, please"."""

from __future__ import annotations

from typing import Any

from madoguchi.conversations.phrases import phrase
from tests.helpers import AGENT_TANAKA, ChatClient, Console


async def _queued_after(server: str, lang: str, *texts: str) -> tuple[ChatClient, str]:
    chat = ChatClient(server, lang=lang)
    await chat.__aenter__()
    for text in texts:
        await chat.say(text)
    await chat.status("queued")
    return chat, chat.hello["conversation_id"]


async def _context_and_bot_lines(server: str, conversation_id: str) -> tuple[list[dict[str, Any]], list[str]]:
    async with Console(server, *AGENT_TANAKA) as console:
        base = f"/api/v1/console/conversations/{conversation_id}"
        suggestions = (await console.get(f"{base}/context")).json()["suggestions"]
        messages = (await console.get(base)).json()["messages"]
    return suggestions, [message["text"] for message in messages if message["author"] == "bot"]


async def test_after_asking_for_a_person_the_suggestions_answer_the_need_stated_before(server: str) -> None:
    chat, conversation_id = await _queued_after(server, "ja", "商品を返品したいです", "オペレーターと話したいです")
    suggestions, bot_lines = await _context_and_bot_lines(server, conversation_id)
    assert bot_lines, "the bot answered before handing over"
    replies = [item for item in suggestions if item["kind"] == "reply"]
    assert replies
    assert all(reply["title"] == "return_item" for reply in replies)
    for reply in replies:
        assert reply["text"] not in bot_lines
        assert "におつなぎします" not in reply["text"]
    urls = [item["url"] for item in suggestions if item["kind"] == "article"]
    assert urls
    assert urls[0] == "/help/returns-exchanges"
    assert "/help/contact-us" not in urls
    assert "/help/callback" not in urls
    await chat.__aexit__()


async def test_a_customer_who_only_asked_for_a_person_is_asked_what_they_need(server: str) -> None:
    chat, conversation_id = await _queued_after(server, "ja", "オペレーターと話したいです")
    suggestions, bot_lines = await _context_and_bot_lines(server, conversation_id)
    assert [item["kind"] for item in suggestions] == ["reply"]
    assert suggestions[0]["text"] == phrase("assist.ask_need", "ja")
    assert suggestions[0]["text"] not in bot_lines
    await chat.__aexit__()


async def test_an_english_customer_gets_suggestions_for_their_need_in_english(server: str) -> None:
    chat, conversation_id = await _queued_after(
        server, "en", "I want to return an item I bought", "Can I talk to a human agent please"
    )
    suggestions, bot_lines = await _context_and_bot_lines(server, conversation_id)
    for reply in (item for item in suggestions if item["kind"] == "reply"):
        assert reply["text"] not in bot_lines
        assert "I am passing you to" not in reply["text"]
    urls = [item["url"] for item in suggestions if item["kind"] == "article"]
    assert urls[:1] == ["/help/returns-and-refunds"]
    await chat.__aexit__()
