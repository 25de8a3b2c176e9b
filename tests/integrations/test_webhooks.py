"""Webhooks: signed deliveries from the outbox to a real HTTP receiver, in order per conversation, retried with
backoff, paused after repeated failures (administrators told), surviving a restart; a shop's subscription hears
only its shop; URLs into private networks are refused; and only administrators and `webhooks:write` tokens
manage subscriptions."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from madoguchi.integrations import webhooks
from madoguchi.runtime import start_runtime, stop_runtime
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import AuditEntry, WebhookDelivery
from tests.conftest import running_server
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_YAMADA, ChatClient, Console

if TYPE_CHECKING:
    from collections.abc import Iterator

    from madoguchi.settings import Settings

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")
SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
HOOKS = "/api/v1/admin/webhooks"
EVENTS = ["message.created", "conversation.queued", "conversation.assigned", "conversation.resolved"]


class Receiver:
    """A real HTTP server on a thread that records every POST and answers with `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append(({key.lower(): value for key, value in self.headers.items()}, body))
                    status = receiver.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


def _fast(settings: Settings, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "webhooks_allow_private": True,
        "webhook_retry_seconds": 0.2,
        "webhook_poll_seconds": 0.05,
        "webhook_timeout_seconds": 2.0,
        "webhook_max_failures": 3,
    }
    return settings.model_copy(update=values | extra)


async def _until(predicate: Any, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition did not come true in time")


def _verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = hmac.new(
        secret.encode(), headers["madoguchi-timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(headers["madoguchi-signature"], f"v1={expected}")


async def _subscribe(console: Console, url: str, events: list[str], shop_id: str | None = None) -> tuple[int, str]:
    body: dict[str, Any] = {"url": url, "events": events} | ({"shop_id": shop_id} if shop_id else {})
    answer = await console.post(HOOKS, body)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], answer.json()["secret"]


def _event_number(body: dict[str, Any]) -> int:
    return int(str(body["id"]).removeprefix("evt_"))


async def test_deliveries_are_signed_and_arrive_in_order_per_conversation(
    settings: Settings, receiver: Receiver
) -> None:
    async with running_server(_fast(settings)) as server, Console(server, *ADMIN) as admin:
        hook_id, secret = await _subscribe(admin, receiver.url, EVENTS)
        chats = [ChatClient(server) for _ in range(2)]
        for chat in chats:
            await chat.__aenter__()
            await chat.say("オペレーターと話したい")
        async with Console(server, *AGENT_TANAKA) as tanaka:
            for chat in chats:
                conversation_id = chat.hello["conversation_id"]
                await tanaka.reply(conversation_id, "担当の田中です。")
                assert (await tanaka.post(f"/api/v1/console/conversations/{conversation_id}/resolve")).is_success
        await _until(lambda: sum(body["type"] == "conversation.resolved" for body in receiver.bodies()) == 2)
        for _ in range(200):
            if not (await admin.get(f"{HOOKS}/{hook_id}/deliveries?status=pending")).json():
                break
            await asyncio.sleep(0.05)
        with receiver.lock:
            received = list(receiver.received)
        for headers, body in received:
            assert _verified(secret, headers, body), headers
            assert headers["content-type"] == "application/json"
            parsed = json.loads(body)
            assert set(parsed) == {"id", "type", "created_at", "data"}
            assert headers["madoguchi-event-id"] == parsed["id"]
            assert parsed["type"] in EVENTS
        bodies = [json.loads(body) for _, body in received]
        for chat in chats:
            conversation_id = chat.hello["conversation_id"]
            mine = [body for body in bodies if body["data"]["conversation_id"] == conversation_id]
            numbers = [_event_number(body) for body in mine]
            assert numbers == sorted(numbers)
            assert len(set(numbers)) == len(numbers)
            types = [body["type"] for body in mine]
            assert types.index("conversation.queued") < types.index("conversation.assigned")
            assert types.index("conversation.assigned") < types.index("conversation.resolved")
            texts = [body["data"]["message"]["text"] for body in mine if body["type"] == "message.created"]
            assert "オペレーターと話したい" in texts
            assert "担当の田中です。" in texts
            await chat.__aexit__()
        log = (await admin.get(f"{HOOKS}/{hook_id}/deliveries?limit=500")).json()
        assert {entry["status"] for entry in log} == {"delivered"}
        assert len(log) == len(received)


async def test_a_failing_receiver_gets_retries_with_backoff_then_the_subscription_is_paused_and_resumed_in_order(
    settings: Settings, receiver: Receiver
) -> None:
    receiver.status = 500
    async with running_server(_fast(settings)) as server, Console(server, *ADMIN) as admin:
        hook_id, _ = await _subscribe(admin, receiver.url, EVENTS)
        feed = await websockets.connect(admin.feed_url(), additional_headers={"Cookie": admin.cookie_header()})
        assert json.loads(await feed.recv())["type"] == "hello"
        chat = ChatClient(server)
        await chat.__aenter__()
        await chat.say("オペレーターと話したい")
        await chat.say("まだですか")

        async def paused() -> bool:
            (hook,) = [item for item in (await admin.get(HOOKS)).json() if item["id"] == hook_id]
            return not hook["active"]

        for _ in range(300):
            if await paused():
                break
            await asyncio.sleep(0.05)
        (hook,) = [item for item in (await admin.get(HOOKS)).json() if item["id"] == hook_id]
        assert hook["active"] is False
        assert "3 failed deliveries" in hook["paused_reason"]
        # Only the conversation's first event was tried, three times: the later ones waited behind it.
        with receiver.lock:
            tried = [json.loads(body)["id"] for _, body in receiver.received]
        assert len(tried) == 3
        assert len(set(tried)) == 1
        pending = (await admin.get(f"{HOOKS}/{hook_id}/deliveries?status=pending")).json()
        head = min(pending, key=lambda entry: entry["id"])
        assert head["attempts"] == 3
        assert head["last_status"] == 500
        assert (await admin.get("/api/v1/auth/audit")).json()[0]["action"] in ("webhook.paused",)
        # The administrators' consoles are told.
        notice = None
        while notice is None:
            frame = json.loads(await asyncio.wait_for(feed.recv(), 10))
            if frame["type"] == "notice":
                notice = frame["notice"]
        assert notice["code"] == "webhook_paused"
        assert notice["target"] == str(hook_id)
        assert "停止" in notice["message_ja"]
        assert "paused" in notice["message_en"]
        await feed.close()

        receiver.status = 200
        resumed = await admin.post(f"{HOOKS}/{hook_id}/resume")
        assert resumed.json()["active"] is True
        await _until(lambda: len({body["id"] for body in receiver.bodies()}) == len(pending))
        delivered = list(dict.fromkeys(body["id"] for body in receiver.bodies()))
        assert [int(item.removeprefix("evt_")) for item in delivered] == sorted(
            int(item.removeprefix("evt_")) for item in delivered
        )
        await chat.__aexit__()


async def test_deliveries_pending_at_a_restart_are_all_sent_in_order_by_the_next_process(
    settings: Settings, receiver: Receiver
) -> None:
    fast = _fast(settings, webhook_max_failures=1000)
    receiver.status = 503
    async with running_server(fast) as server, Console(server, *ADMIN) as admin:
        hook_id, secret = await _subscribe(admin, receiver.url, EVENTS)
        chat = ChatClient(server)
        await chat.__aenter__()
        await chat.say("オペレーターと話したい")
        async with Console(server, *AGENT_TANAKA) as tanaka:
            conversation_id = chat.hello["conversation_id"]
            await tanaka.reply(conversation_id, "お待たせしました。")
            await tanaka.post(f"/api/v1/console/conversations/{conversation_id}/resolve")
        await _until(lambda: len(receiver.received) >= 2)
        await chat.__aexit__()
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            stored = list(await session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "pending")))
    finally:
        await engine.dispose()
    expected = sorted(row.event_id for row in stored)
    assert len(expected) >= 4

    receiver.status = 200
    async with running_server(fast) as server:
        await _until(lambda: {_event_number(body) for body in receiver.bodies()} >= set(expected))
    with receiver.lock:
        accepted = [json.loads(body) for headers, body in receiver.received if _verified(secret, headers, body)]
    # After the failures of the first process, each event reached the receiver once it answered 200, in order.
    after = [_event_number(body) for body in accepted[len(accepted) - len(expected) :]]
    assert after == expected
    assert hook_id


async def test_a_shop_subscription_hears_only_its_shops_conversations(settings: Settings, receiver: Receiver) -> None:
    async with running_server(_fast(settings)) as server, Console(server, *ADMIN) as admin:
        token = (
            await admin.post(
                "/api/v1/admin/api-tokens",
                {"name": "ことのは連携", "scopes": ["webhooks:write"], "shop_id": "kyoto-kotonoha"},
            )
        ).json()["token"]
        async with httpx.AsyncClient(base_url=server, headers={"Authorization": f"Bearer {token}"}) as shop:
            created = await shop.post(HOOKS, json={"url": receiver.url, "events": ["message.created"]})
            assert created.status_code == 201, created.text
            listed = (await shop.get(HOOKS)).json()
            assert [item["shop_id"] for item in listed] == ["kyoto-kotonoha"]
            other = await shop.post(
                HOOKS, json={"url": receiver.url, "events": ["message.created"], "shop_id": "hikari-denki"}
            )
            assert other.status_code == 422
        platform_hook, _ = await _subscribe(admin, receiver.url + "/platform", ["csat.submitted"])
        own = ChatClient(server, shop="kyoto-kotonoha")
        foreign = ChatClient(server, shop="hikari-denki")
        for chat, text in ((foreign, "イヤホンの保証について"), (own, "お茶の淹れ方を教えてください")):
            await chat.__aenter__()
            await chat.say(text)
        await _until(
            lambda: any(body["data"]["message"]["text"] == "お茶の淹れ方を教えてください" for body in receiver.bodies())
        )
        await asyncio.sleep(0.5)
        conversations = {body["data"]["conversation_id"] for body in receiver.bodies()}
        assert conversations == {own.hello["conversation_id"]}
        assert {body["data"]["shop_id"] for body in receiver.bodies()} == {"kyoto-kotonoha"}
        async with httpx.AsyncClient(base_url=server, headers={"Authorization": f"Bearer {token}"}) as shop:
            # The platform's subscription is not the shop's to see or touch.
            assert (await shop.get(f"{HOOKS}/{platform_hook}/deliveries")).status_code == 404
            assert (await shop.post(f"{HOOKS}/{platform_hook}/pause")).status_code == 404
            assert (await shop.delete(f"{HOOKS}/{platform_hook}")).status_code == 404
        for chat in (own, foreign):
            await chat.__aexit__()


async def test_urls_into_private_networks_and_unknown_events_are_refused(server: str) -> None:
    async with Console(server, *ADMIN) as admin:
        for url in (
            "http://127.0.0.1:9/hooks",
            "http://localhost/hooks",
            "http://10.1.2.3/hooks",
            "http://192.168.0.10/hooks",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/hooks",
            "ftp://example.com/hooks",
            "not a url",
            "http://user:pass@example.com/hooks",
            "http://[::1/hooks",
            "http://example.com:99999/hooks",
            "http://" + "a" * 70 + ".example/hooks",
        ):
            answer = await admin.post(HOOKS, {"url": url, "events": ["message.created"]})
            assert answer.status_code == 422, (url, answer.text)
            assert answer.json()["code"] == "invalid_input"
        for events in ([], ["message.deleted"]):
            answer = await admin.post(HOOKS, {"url": "http://127.0.0.1/", "events": events})
            assert answer.status_code == 422
        assert (await admin.get(HOOKS)).json() == []


async def test_webhook_endpoints_are_for_administrators_and_webhooks_write_tokens(
    settings: Settings, receiver: Receiver
) -> None:
    """The access matrix of the webhook endpoints: every role, every token scope, no credential."""
    async with running_server(_fast(settings)) as server, Console(server, *ADMIN) as admin:
        hook_id, _ = await _subscribe(admin, receiver.url, ["csat.submitted"])
        paths: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", HOOKS, None),
            ("POST", HOOKS, {"url": receiver.url, "events": ["csat.submitted"]}),
            ("POST", f"{HOOKS}/{hook_id}/pause", None),
            ("POST", f"{HOOKS}/{hook_id}/resume", None),
            ("GET", f"{HOOKS}/{hook_id}/deliveries", None),
        ]
        for credentials in (SUPERVISOR, AGENT_TANAKA, SHOP_AGENT_YAMADA):
            async with Console(server, *credentials) as other:
                for method, path, body in [*paths, ("DELETE", f"{HOOKS}/{hook_id}", None)]:
                    answer = await other.http.request(method, path, json=body, headers={"X-CSRF-Token": other.csrf})
                    assert answer.status_code == 403, (credentials, method, path)
        async with httpx.AsyncClient(base_url=server) as anonymous:
            for method, path, body in paths:
                assert (await anonymous.request(method, path, json=body)).status_code == 401
        for scope in ("conversations:read", "conversations:write", "reports:read", "webhooks:write"):
            token = (await admin.post("/api/v1/admin/api-tokens", {"name": scope, "scopes": [scope]})).json()["token"]
            async with httpx.AsyncClient(base_url=server, headers={"Authorization": f"Bearer {token}"}) as backend:
                for method, path, body in paths:
                    answer = await backend.request(method, path, json=body)
                    expected = (200, 201) if scope == "webhooks:write" else (403,)
                    assert answer.status_code in expected, (scope, method, path, answer.text)
        for method, path, body in paths:
            answer = await admin.http.request(method, path, json=body, headers={"X-CSRF-Token": admin.csrf})
            assert answer.status_code in (200, 201), (method, path, answer.text)
        assert (await admin.http.delete(f"{HOOKS}/{hook_id}", headers={"X-CSRF-Token": admin.csrf})).status_code == 204
        assert (await admin.get(f"{HOOKS}/{hook_id}/deliveries")).status_code == 404
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            actions = set(await session.scalars(select(AuditEntry.action)))
    finally:
        await engine.dispose()
    assert {"webhook.created", "webhook.paused", "webhook.resumed", "webhook.deleted"} <= actions


async def test_two_processes_on_postgresql_never_send_a_delivery_twice_and_keep_each_conversations_order(
    settings: Settings, receiver: Receiver
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite runs one process")
    fast = _fast(settings)
    async with running_server(fast) as server, Console(server, *ADMIN) as admin:
        hook_id, _ = await _subscribe(admin, receiver.url, EVENTS)
        assert (await admin.post(f"{HOOKS}/{hook_id}/pause")).status_code == 200
        chats = [ChatClient(server) for _ in range(6)]
        for chat in chats:
            await chat.__aenter__()
            for text in ("オペレーターと話したい", "まだですか", "急いでいます"):
                await chat.say(text)
        for chat in chats:
            await chat.__aexit__()
        pending = (await admin.get(f"{HOOKS}/{hook_id}/deliveries?status=pending&limit=500")).json()
    assert len(pending) >= 6 * 4
    runtimes = [await start_runtime(fast) for _ in range(2)]
    try:
        async with runtimes[0].transaction() as tx:
            found = await webhooks.subscription(tx.session, hook_id, None, for_update=True)
            await webhooks.do_resume(tx.session, found, runtimes[0].clock.now())
            await tx.commit()
        await _until(lambda: len(receiver.received) >= len(pending))
        await asyncio.sleep(0.5)
    finally:
        for runtime in runtimes:
            await stop_runtime(runtime)
    bodies = receiver.bodies()
    numbers = [_event_number(body) for body in bodies]
    assert len(numbers) == len(set(numbers)) == len(pending)
    for chat in chats:
        mine = [
            _event_number(body) for body in bodies if body["data"]["conversation_id"] == chat.hello["conversation_id"]
        ]
        assert mine == sorted(mine)
        assert len(mine) >= 4


async def test_erasing_a_customer_removes_their_webhook_deliveries_sent_or_not(
    settings: Settings, receiver: Receiver
) -> None:
    async with running_server(_fast(settings)) as server, Console(server, *ADMIN) as admin:
        hook_id, _ = await _subscribe(admin, receiver.url, ["message.created"])
        chat = ChatClient(server)
        await chat.__aenter__()
        await chat.say("オペレーターと話したい")
        await _until(lambda: len(receiver.received) >= 1)
        assert (await admin.post(f"{HOOKS}/{hook_id}/pause")).status_code == 200
        await chat.say("電話番号は 090-1234-5678 です")
        conversation_id = chat.hello["conversation_id"]
        assert (await admin.post(f"/api/v1/console/conversations/{conversation_id}/resolve")).is_success
        customer_id = (await admin.get(f"/api/v1/console/conversations/{conversation_id}")).json()["customer"]["id"]
        log = (await admin.get(f"{HOOKS}/{hook_id}/deliveries")).json()
        assert {entry["status"] for entry in log} == {"delivered", "pending"}
        erased = await admin.post(f"/api/v1/admin/customers/{customer_id}/erase", {"confirm": customer_id})
        assert erased.status_code == 200, erased.text
        assert (await admin.get(f"{HOOKS}/{hook_id}/deliveries")).json() == []
        await chat.__aexit__()
