"""The operator console: log-in, CSRF, the queue, taking, replying, notes, resolving, and what a shop's
staff may see."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests.helpers import AGENT_TANAKA, SHOP_AGENT_KOBAYASHI, SHOP_AGENT_YAMADA, ChatClient, Console


async def _queued_chat(server: str, text: str = "荷物が届きません", **query: str) -> ChatClient:
    chat = ChatClient(server, **query)
    await chat.__aenter__()
    await chat.say(text)
    return chat


async def test_log_in_with_a_wrong_password_is_refused(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.post("/api/v1/auth/login", json={"email": AGENT_TANAKA[0], "password": "wrong-password"})
        assert answer.status_code == 401
        assert answer.json() == {"code": "not_authenticated", "message": "The e-mail address or the password is wrong."}
        unknown = await http.post("/api/v1/auth/login", json={"email": "nobody@example.jp", "password": "whatever"})
        assert unknown.json() == answer.json()


async def test_console_api_needs_a_session(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.get("/api/v1/console/conversations")
        assert answer.status_code == 401
        assert "Log in" in answer.json()["message"]


async def test_changes_without_the_csrf_token_are_refused(server: str) -> None:
    chat = await _queued_chat(server)
    async with Console(server, *AGENT_TANAKA) as console:
        conversation_id = chat.hello["conversation_id"]
        answer = await console.http.post(f"/api/v1/console/conversations/{conversation_id}/take")
        assert answer.status_code == 403
        assert answer.json()["code"] == "forbidden"
        forged = await console.http.post(
            f"/api/v1/console/conversations/{conversation_id}/take", headers={"X-CSRF-Token": "guess"}
        )
        assert forged.status_code == 403
        assert (await console.take(conversation_id))["state"] == "assigned"
    await chat.__aexit__()


async def test_operator_takes_replies_and_resolves_while_the_customer_watches(server: str) -> None:
    chat = await _queued_chat(server, "注文した荷物がまだ届きません", lang="ja")
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *AGENT_TANAKA) as console:
        lists = await console.lists()
        queued = next(item for item in lists["queue"] if item["id"] == conversation_id)
        assert queued["last_message"] == "注文した荷物がまだ届きません"
        assert queued["customer"]["anonymous"] is True

        taken = await console.take(conversation_id)
        assert taken["state"] == "assigned"
        assert taken["assignee_id"] == console.agent["id"]
        assert (await chat.status("assigned"))["desk"] == "platform_cs"
        assert await chat.message_from("system", containing="田中 健太")

        reply = await console.reply(conversation_id, "ご不便をおかけしております。確認いたします。")
        pushed = await chat.message_from("agent")
        assert pushed["id"] == reply["id"]
        assert pushed["text"] == "ご不便をおかけしております。確認いたします。"
        assert pushed["agent_name"] == "田中 健太"
        await chat.status("waiting")

        await chat.say("よろしくお願いします")
        await chat.status("assigned")

        resolved = await console.post(f"/api/v1/console/conversations/{conversation_id}/resolve")
        assert resolved.json()["state"] == "resolved"
        await chat.status("resolved")
        detail = (await console.get(f"/api/v1/console/conversations/{conversation_id}")).json()
        assert [event["type"] for event in detail["events"] if event["type"].startswith("conversation.")] == [
            "conversation.created",
            "conversation.queued",
            "conversation.assigned",
            "conversation.waiting",
            "conversation.assigned",
            "conversation.resolved",
        ]
    await chat.__aexit__()


async def test_customer_writing_after_resolution_reopens_the_conversation(server: str) -> None:
    chat = await _queued_chat(server)
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *AGENT_TANAKA) as console:
        await console.take(conversation_id)
        await console.post(f"/api/v1/console/conversations/{conversation_id}/resolve")
        await chat.status("resolved")
        await chat.say("すみません、もう一つ質問です")
        await chat.status("queued")
        assert any(item["id"] == conversation_id for item in (await console.lists())["queue"])
    await chat.__aexit__()


async def test_private_notes_never_reach_the_customer(server: str) -> None:
    chat = await _queued_chat(server)
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *AGENT_TANAKA) as console:
        await console.take(conversation_id)
        note = await console.post(f"/api/v1/console/conversations/{conversation_id}/notes", {"text": "常連のお客さま"})
        assert note.status_code == 201
        assert note.json()["private"] is True
        await console.reply(conversation_id, "お待たせしました")
        agent_message = await chat.message_from("agent")
        assert agent_message["text"] == "お待たせしました"
        assert all("常連" not in json.dumps(frame, ensure_ascii=False) for frame in chat.frames)
        detail = (await console.get(f"/api/v1/console/conversations/{conversation_id}")).json()
        assert any(message["private"] and message["text"] == "常連のお客さま" for message in detail["messages"])
    await chat.__aexit__()
    async with ChatClient(server, visitor=chat.hello["visitor_token"]) as again:
        assert all(message["text"] != "常連のお客さま" for message in again.hello["history"])


async def test_a_conversation_taken_by_one_operator_cannot_be_taken_by_another(server: str) -> None:
    chat = await _queued_chat(server)
    conversation_id = chat.hello["conversation_id"]
    async with (
        Console(server, *AGENT_TANAKA) as tanaka,
        Console(server, "ito@madoguchi.localhost", "demo-sakura") as ito,
    ):
        await tanaka.take(conversation_id)
        answer = await ito.post(f"/api/v1/console/conversations/{conversation_id}/take")
        assert answer.status_code == 409
        assert answer.json()["code"] == "conflict"
    await chat.__aexit__()


async def test_operator_feed_pushes_new_messages_live(server: str) -> None:
    async with (
        Console(server, *AGENT_TANAKA) as console,
        websockets.connect(console.feed_url(), additional_headers={"Cookie": console.cookie_header()}) as feed,
    ):
        assert json.loads(await feed.recv())["type"] == "hello"
        chat = await _queued_chat(server, "ライブで見えますか")
        for _ in range(10):
            frame = json.loads(await asyncio.wait_for(feed.recv(), 5))
            event = frame["event"]
            if event["type"] == "message.created" and event["message"]["author"] == "customer":
                assert event["message"]["text"] == "ライブで見えますか"
                break
        else:
            pytest.fail("the customer's message never reached the operator feed")
        await chat.__aexit__()


async def test_operator_feed_refuses_a_foreign_origin(server: str) -> None:
    async with (
        Console(server, *AGENT_TANAKA) as console,
        websockets.connect(
            console.feed_url(), additional_headers={"Cookie": console.cookie_header()}, origin="http://evil.example"
        ) as feed,
    ):
        assert json.loads(await feed.recv())["code"] == "forbidden"


async def test_operator_feed_without_a_session_is_closed(server: str) -> None:
    async with websockets.connect(server.replace("http://", "ws://") + "/ws/console") as feed:
        assert json.loads(await feed.recv())["code"] == "not_authenticated"


# --- a shop's staff see only their shop -------------------------------------------------------------


async def test_shop_staff_see_their_shops_conversations(server: str) -> None:
    chat = await _queued_chat(server, "お茶の淹れ方を教えてください", shop="kyoto-kotonoha")
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        assert [item["id"] for item in (await yamada.lists())["queue"]] == [conversation_id]
        await yamada.take(conversation_id)
        await yamada.reply(conversation_id, "かしこまりました。ご案内いたします。")
        assert (await chat.message_from("agent"))["agent_name"] == "山田 花子"
    await chat.__aexit__()


async def test_shop_staff_are_denied_another_shops_conversation_on_every_endpoint(server: str) -> None:
    chat = await _queued_chat(server, "イヤホンの保証について", shop="hikari-denki")
    platform_chat = await _queued_chat(server, "ログインできません")
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        lists = await yamada.lists()
        visible = {item["id"] for group in lists.values() for item in group}
        assert chat.hello["conversation_id"] not in visible
        assert platform_chat.hello["conversation_id"] not in visible
        for conversation_id in (chat.hello["conversation_id"], platform_chat.hello["conversation_id"]):
            base = f"/api/v1/console/conversations/{conversation_id}"
            answers = [
                await yamada.get(base),
                await yamada.post(f"{base}/take"),
                await yamada.post(f"{base}/messages", {"text": "横から失礼します"}),
                await yamada.post(f"{base}/notes", {"text": "メモ"}),
                await yamada.post(f"{base}/resolve"),
            ]
            for answer in answers:
                assert answer.status_code == 404, answer.request.url
                assert answer.json()["code"] == "not_found"
        # Nothing the denied calls did reached the customer.
        await asyncio.sleep(0.2)
        assert all(frame.get("message", {}).get("author") != "agent" for frame in chat.frames)
    async with Console(server, *SHOP_AGENT_KOBAYASHI) as kobayashi:
        assert chat.hello["conversation_id"] in {item["id"] for item in (await kobayashi.lists())["queue"]}
    await chat.__aexit__()
    await platform_chat.__aexit__()


async def test_shop_staff_feed_carries_only_their_shops_events(server: str) -> None:
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        async with websockets.connect(yamada.feed_url(), additional_headers={"Cookie": yamada.cookie_header()}) as feed:
            await feed.recv()
            other = await _queued_chat(server, "他のショップ宛", shop="hikari-denki")
            own = await _queued_chat(server, "自分のショップ宛", shop="kyoto-kotonoha")
            shops: set[str | None] = set()
            conversations: set[str] = set()
            # Events arrive in order: once the own shop's message is seen, the other shop's would have been too.
            while own.hello["conversation_id"] not in conversations:
                event = json.loads(await asyncio.wait_for(feed.recv(), 5))["event"]
                shops.add(event["conversation"]["shop_id"])
                conversations.add(event["conversation"]["id"])
            assert shops == {"kyoto-kotonoha"}
            await other.__aexit__()
            await own.__aexit__()


async def test_unknown_conversation_is_not_found(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as console:
        answer = await console.get("/api/v1/console/conversations/00000000-0000-0000-0000-000000000000")
        assert answer.status_code == 404


async def test_reply_body_is_validated(server: str) -> None:
    chat = await _queued_chat(server)
    async with Console(server, *AGENT_TANAKA) as console:
        base = f"/api/v1/console/conversations/{chat.hello['conversation_id']}"
        missing = await console.post(f"{base}/messages", {"txt": "typo"})
        assert missing.status_code == 422
        assert missing.json()["code"] == "invalid_input"
        blank = await console.post(f"{base}/messages", {"text": "  "})
        assert blank.status_code == 422
        assert "empty" in blank.json()["message"]
    await chat.__aexit__()


async def test_log_out_ends_the_session(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as console:
        assert (await console.post("/api/v1/auth/logout")).status_code == 204
        cookie = console.cookie_header()
    async with httpx.AsyncClient(base_url=server, headers={"Cookie": cookie or "madoguchi_session=x"}) as http:
        assert (await http.get("/api/v1/auth/session")).status_code == 401


async def test_operator_sees_what_each_customer_message_means(server: str) -> None:
    chat = await _queued_chat(server, "オペレーターと話したいです。カードは4111 1111 1111 1111です")
    async with Console(server, *AGENT_TANAKA) as console:
        detail = (await console.get(f"/api/v1/console/conversations/{chat.hello['conversation_id']}")).json()
        classified = [event for event in detail["events"] if event["type"] == "message.classified"]
        assert len(classified) == 1
        assert classified[0]["data"]["intent"] == "contact_human_agent"
        assert classified[0]["data"]["language"] == "ja"
        # Understood from the masked text: the card number is in no event's data (the
        # timestamps are left out: their microseconds may spell any four digits).
        assert "4111" not in json.dumps([event["data"] for event in detail["events"]])
    await chat.__aexit__()
