"""The routing API over HTTP, on both databases: desks' hours, presence, offers, transfer, supervision,
callbacks, canned responses and the customer's context — and a shop's staff never reaching another shop's
conversation through any of them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from madoguchi.domain.clock import utcnow
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_KOBAYASHI, SHOP_AGENT_YAMADA, ChatClient, Console

SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
ASK_FOR_A_PERSON = "オペレーターと話したいです"


async def _queued(server: str, **query: str) -> ChatClient:
    chat = ChatClient(server, **query)
    await chat.__aenter__()
    await chat.say(ASK_FOR_A_PERSON)
    await chat.status("queued")
    return chat


async def test_desks_say_whether_they_are_open_and_when_they_open(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as console:
        desks = {desk["id"]: desk for desk in (await console.get("/api/v1/desks")).json()}
    assert desks["platform_cs"]["open_now"] is True
    assert desks["platform_cs"]["opens_at"] is None
    assert desks["card_issuer"]["kind"] == "referral"
    business = desks["business"]
    assert business["open_now"] is (business["opens_at"] is None)
    # The carriers' numbers are read from the official-contact directory, with the line they come from.
    carriers = {contact["phone"]: contact for contact in desks["carrier"]["official_contacts"]}
    assert carriers["0570-01-0082"]["directory"] == "sagawa/inquiry"
    assert carriers["0800-0800-111"]["brand"] == "japanpost"


async def test_the_routing_decision_is_an_event_and_the_status_frame_has_a_wait(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as console:
        # Log-in makes 田中 available: a platform CS agent speaking Japanese is on duty.
        chat = await _queued(server, lang="ja")
        conversation_id = chat.hello["conversation_id"]
        status = next(frame for frame in chat.frames if frame["type"] == "status" and frame["state"] == "queued")
        assert set(status) >= {"type", "state", "desk", "queue_position", "eta_seconds"}
        assert status["desk"] == "platform_cs"
        assert isinstance(status["eta_seconds"], int)
        detail = (await console.get(f"/api/v1/console/conversations/{conversation_id}")).json()
        (decided,) = [event for event in detail["events"] if event["type"] == "routing.decided"]
        assert decided["data"]["desk"] == "platform_cs"
        assert "intent:contact_human_agent" in decided["data"]["reasons"]
        await chat.__aexit__()


async def test_presence_offers_and_accepting_one(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as console:
        chat = await _queued(server, lang="ja")
        conversation_id = chat.hello["conversation_id"]
        offers: list[dict[str, object]] = []
        for _ in range(50):
            offers = (await console.get("/api/v1/routing/offers")).json()
            if offers:
                break
            await asyncio.sleep(0.1)
        assert [offer["conversation_id"] for offer in offers] == [conversation_id]
        accepted = await console.post(f"/api/v1/routing/offers/{offers[0]['id']}/accept")
        assert accepted.json() == {"conversation_id": conversation_id, "state": "assigned"}
        await chat.status("assigned")
        again = await console.post(f"/api/v1/routing/offers/{offers[0]['id']}/accept")
        assert again.status_code == 409

        away = await console.post("/api/v1/routing/presence", {"presence": "away"})
        assert away.json()["presence"] == "away"
        wrong = await console.post("/api/v1/routing/presence", {"presence": "sleeping"})
        assert wrong.status_code == 422
        await chat.__aexit__()


async def test_transfer_to_a_desk_keeps_the_customer_informed(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as console:
        chat = await _queued(server, lang="ja")
        conversation_id = chat.hello["conversation_id"]
        await console.take(conversation_id)
        answer = await console.post(
            f"/api/v1/console/conversations/{conversation_id}/transfer",
            {"desk": "member_support", "note": "ログインの件です"},
        )
        assert answer.json()["desk"] == "member_support"
        assert answer.json()["state"] == "queued"
        assert await chat.message_from("system", containing="会員サポート")
        status = await chat.wait_for(lambda frame: frame["type"] == "status" and frame["desk"] == "member_support")
        assert status["state"] == "queued"
        both = await console.post(
            f"/api/v1/console/conversations/{conversation_id}/transfer", {"desk": "payments", "agent_id": 1}
        )
        assert both.status_code == 422
        referral = await console.post(f"/api/v1/console/conversations/{conversation_id}/transfer", {"desk": "carrier"})
        assert referral.status_code == 422
        await chat.__aexit__()


async def test_only_supervisors_reassign(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as agent, Console(server, *SUPERVISOR) as supervisor:
        chat = await _queued(server, lang="ja")
        conversation_id = chat.hello["conversation_id"]
        await agent.take(conversation_id)
        refused = await agent.post(f"/api/v1/console/conversations/{conversation_id}/reassign", {"agent_id": 1})
        assert refused.status_code == 403
        target = supervisor.agent["id"]
        moved = await supervisor.post(f"/api/v1/console/conversations/{conversation_id}/reassign", {"agent_id": target})
        assert moved.json()["assignee_id"] == target
        overview = (await supervisor.get("/api/v1/routing/overview")).json()
        assert {row["name"] for row in overview["agents"]} >= {"田中 健太", "山田 花子", "小林 大輔"}
        await chat.__aexit__()


async def test_a_shop_agent_never_reaches_another_shops_conversation(server: str) -> None:
    other = await _queued(server, shop="hikari-denki")
    own = await _queued(server, shop="kyoto-kotonoha")
    other_id, own_id = other.hello["conversation_id"], own.hello["conversation_id"]
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada, Console(server, *SHOP_AGENT_KOBAYASHI) as kobayashi:
        for path in ("context", "canned", "transfer-targets"):
            answer = await yamada.get(f"/api/v1/console/conversations/{other_id}/{path}")
            assert answer.status_code == 404, path
            assert (await yamada.get(f"/api/v1/console/conversations/{own_id}/{path}")).status_code == 200
        transfer = await yamada.post(f"/api/v1/console/conversations/{other_id}/transfer", {"desk": "platform_cs"})
        assert transfer.status_code == 404
        reassign = await yamada.post(
            f"/api/v1/console/conversations/{other_id}/reassign", {"agent_id": yamada.agent["id"]}
        )
        assert reassign.status_code == 403
        # Handing its own conversation to the other shop's staff is refused too.
        handed = await yamada.post(
            f"/api/v1/console/conversations/{own_id}/transfer", {"agent_id": kobayashi.agent["id"]}
        )
        assert handed.status_code == 403
        targets = (await yamada.get(f"/api/v1/console/conversations/{own_id}/transfer-targets")).json()
        assert kobayashi.agent["id"] not in {agent["id"] for agent in targets["agents"]}

        # Offers go to the shop's own staff only; another's offer cannot be accepted.
        mine: list[dict[str, object]] = []
        for _ in range(50):
            mine = (await yamada.get("/api/v1/routing/offers")).json()
            if mine:
                break
            await asyncio.sleep(0.1)
        assert [offer["conversation_id"] for offer in mine] == [own_id]
        stolen = await kobayashi.post(f"/api/v1/routing/offers/{mine[0]['id']}/accept")
        assert stolen.status_code == 404

        overview = (await yamada.get("/api/v1/routing/overview")).json()
        assert {row["shop_id"] for row in overview["agents"]} == {"kyoto-kotonoha"}
        assert all(queue["desk"] == "shop" for queue in overview["queues"])
    await other.__aexit__()
    await own.__aexit__()


async def test_a_callback_from_the_customer_page_reaches_the_console(server: str) -> None:
    chat = await _queued(server, lang="ja")
    conversation_id = chat.hello["conversation_id"]
    start = utcnow() + timedelta(minutes=5)
    async with Console(server, *AGENT_TANAKA) as console:
        bad = await console.http.post(
            f"/api/v1/chat/{conversation_id}/callback",
            json={
                "phone": "12345",
                "window_start": start.isoformat(),
                "window_end": (start + timedelta(hours=1)).isoformat(),
                "visitor": chat.hello["visitor_token"],
            },
        )
        assert bad.status_code == 422
        assert "電話番号" in bad.json()["message"]
        assert "phone number" in bad.json()["message"]
        booked = await console.http.post(
            f"/api/v1/chat/{conversation_id}/callback",
            json={
                "phone": "03-1234-5678",
                "window_start": start.isoformat(),
                "window_end": (start + timedelta(hours=1)).isoformat(),
                "topic": "返品について",
                "visitor": chat.hello["visitor_token"],
            },
        )
        assert booked.status_code == 201
        assert booked.json()["phone"] == "+81312345678"
        assert "customer_id" not in booked.json()
        assert await chat.message_from("system", containing="折り返しのお電話を承りました")

        (listed,) = (await console.get("/api/v1/console/callbacks")).json()
        assert listed["id"] == booked.json()["id"]
        call = (await console.post(f"/api/v1/console/callbacks/{listed['id']}/call")).json()
        assert call["callback"]["state"] == "calling"
        assert call["script"][0].startswith("お客様のお電話でしょうか")
        retry = (
            await console.post(f"/api/v1/console/callbacks/{listed['id']}/outcome", {"outcome": "no_answer"})
        ).json()
        assert (retry["state"], retry["attempts"]) == ("waiting", 1)
        done = (await console.post(f"/api/v1/console/callbacks/{listed['id']}/outcome", {"outcome": "answered"})).json()
        assert done["state"] == "done"
        assert (await console.get("/api/v1/console/callbacks")).json() == []
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        assert (await yamada.post(f"/api/v1/console/callbacks/{listed['id']}/call")).status_code == 404
    await chat.__aexit__()


async def test_a_callback_needs_the_chats_own_credential(server: str) -> None:
    chat = await _queued(server, lang="ja")
    other = ChatClient(server)
    await other.__aenter__()
    conversation_id = chat.hello["conversation_id"]
    start = utcnow() + timedelta(minutes=5)
    window = {"window_start": start.isoformat(), "window_end": (start + timedelta(hours=1)).isoformat()}
    try:
        async with httpx.AsyncClient(base_url=server) as http:
            url = f"/api/v1/chat/{conversation_id}/callback"
            bare = await http.post(url, json={"phone": "03-1234-5678", **window})
            assert bare.status_code == 401
            assert bare.json()["code"] == "not_authenticated"
            assert "visitor token" in bare.json()["message"]
            forged = await http.post(url, json={"phone": "03-1234-5678", "visitor": "forged", **window})
            assert forged.status_code == 401
            # Another visitor's credential does not reach this chat, and learns nothing of it.
            stranger = await http.post(
                url, json={"phone": "03-1234-5678", "visitor": other.hello["visitor_token"], **window}
            )
            assert stranger.status_code == 404
            assert chat.hello["customer"]["id"] not in stranger.text
            async with Console(server, *AGENT_TANAKA) as console:
                assert (await console.get("/api/v1/console/callbacks")).json() == []
    finally:
        await other.__aexit__()
        await chat.__aexit__()


async def test_canned_responses_are_filled_in_for_the_customer(server: str) -> None:
    chat = await _queued(server, lang="ja")
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *AGENT_TANAKA) as console:
        canned = (await console.get(f"/api/v1/console/conversations/{conversation_id}/canned")).json()
        greet = next(item for item in canned if item["shortcut"] == "greet")
        # An anonymous guest has no name: the variable stays for the operator to fill in.
        assert "{name}" in greet["text"]
        context = (await console.get(f"/api/v1/console/conversations/{conversation_id}/context")).json()
        assert context["orders"] == []
        assert {timer["kind"] for timer in context["sla"]} == {"first_response", "resolution"}
        # What the bot would say to the latest message, to send as is or edit.
        assert [item["kind"] for item in context["suggestions"]][:1] == ["reply"]
        assert context["suggestions"][0]["text"]
    await chat.__aexit__()
