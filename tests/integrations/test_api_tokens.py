"""API tokens: issued by administrators and shown once, kept hashed, listed without secrets, revoked at once;
a token calls the endpoints a backend needs within its scopes and sees exactly what its shop's staff (or the
platform's) would; every use is audited; and nobody but an administrator manages tokens."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select

from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import ApiToken, AuditEntry
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_YAMADA, ChatClient, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")
SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
TOKENS = "/api/v1/admin/api-tokens"
CONVERSATIONS = "/api/v1/console/conversations"
SUMMARY = "/api/v1/reports/summary?from=2026-12-01&to=2026-12-31"
ALL_SCOPES = ["conversations:read", "conversations:write", "reports:read", "webhooks:write"]


async def _chat(server: str, text: str, **query: str) -> ChatClient:
    chat = ChatClient(server, **query)
    await chat.__aenter__()
    await chat.say(text)
    return chat


async def _issue(admin: Console, scopes: list[str], shop_id: str | None = None, name: str = "受注システム") -> str:
    body: dict[str, Any] = {"name": name, "scopes": scopes} | ({"shop_id": shop_id} if shop_id else {})
    answer = await admin.post(TOKENS, body)
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


def _bearer(server: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=10)


async def test_a_token_is_shown_once_kept_hashed_listed_without_its_secret_and_revoked_at_once(
    server: str, settings: Settings
) -> None:
    async with Console(server, *ADMIN) as admin:
        created = await admin.post(TOKENS, {"name": "基幹システム", "scopes": ["conversations:read"]})
        assert created.status_code == 201, created.text
        token_id, token = created.json()["id"], created.json()["token"]
        assert token.startswith("mdg_")
        assert len(token) > 40
        async with _bearer(server, token) as backend:
            assert (await backend.get(CONVERSATIONS)).status_code == 200
        listed = (await admin.get(TOKENS)).json()
        (row,) = [item for item in listed if item["id"] == token_id]
        assert token not in str(listed)
        assert row["name"] == "基幹システム"
        assert row["scopes"] == ["conversations:read"]
        assert row["shop_id"] is None
        assert token.startswith(row["prefix"])
        assert row["last_used_at"] is not None
        assert row["revoked_at"] is None
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                stored = await session.get(ApiToken, token_id)
                assert stored is not None
                assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        finally:
            await engine.dispose()

        revoked = await admin.http.delete(f"{TOKENS}/{token_id}", headers={"X-CSRF-Token": admin.csrf})
        assert revoked.status_code == 200
        assert revoked.json()["revoked_at"] is not None
        async with _bearer(server, token) as backend:
            refused = await backend.get(CONVERSATIONS)
        assert refused.status_code == 401
        assert refused.json()["code"] == "not_authenticated"
        assert "revoked" in refused.json()["message"]
        # Tokens are operators of no one: the operators' list does not show them.
        assert all(item["name"] != "基幹システム" for item in (await admin.get("/api/v1/admin/operators")).json())


async def test_unknown_and_malformed_tokens_get_401_with_a_clear_message(server: str) -> None:
    async with _bearer(server, "mdg_not-a-token") as backend:
        unknown = await backend.get(CONVERSATIONS)
    assert unknown.status_code == 401
    assert "unknown or has been revoked" in unknown.json()["message"]
    async with httpx.AsyncClient(base_url=server, headers={"Authorization": "Basic abc"}) as http:
        malformed = await http.get(CONVERSATIONS)
    assert malformed.status_code == 401
    assert "Bearer" in malformed.json()["message"]


async def test_token_requests_need_no_csrf_token_and_tokens_never_reach_console_only_endpoints(server: str) -> None:
    chat = await _chat(server, "オペレーターと話したい")
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *ADMIN) as admin:
        token = await _issue(admin, ALL_SCOPES)
    async with _bearer(server, token) as backend:
        replied = await backend.post(f"{CONVERSATIONS}/{conversation_id}/messages", json={"text": "承りました。"})
        assert replied.status_code == 201, replied.text
        assert (await chat.message_from("agent"))["agent_name"] == "受注システム"
        # Console-only endpoints refuse a token, whatever its scopes: it is no session.
        for method, path in [
            ("POST", f"{CONVERSATIONS}/{conversation_id}/take"),
            ("POST", f"{CONVERSATIONS}/{conversation_id}/notes"),
            ("GET", "/api/v1/auth/audit"),
            ("GET", TOKENS),
            ("POST", TOKENS),
            ("GET", "/api/v1/admin/operators"),
        ]:
            answer = await backend.request(method, path, json={"text": "x"} if method == "POST" else None)
            assert answer.status_code == 403, (method, path, answer.text)
            assert "API tokens are not accepted here" in answer.json()["message"]
    # A session still needs its CSRF token on the same endpoint.
    async with Console(server, *AGENT_TANAKA) as tanaka:
        bare = await tanaka.http.post(f"{CONVERSATIONS}/{conversation_id}/messages", json={"text": "CSRF なし"})
        assert bare.status_code == 403
        assert "CSRF" in bare.json()["message"]
    await chat.__aexit__()


async def test_token_endpoints_are_for_administrators_only(server: str) -> None:
    """The access matrix of the token endpoints: every role, and no session at all."""
    async with Console(server, *ADMIN) as admin:
        token_id = (await admin.post(TOKENS, {"name": "matrix", "scopes": ["reports:read"]})).json()["id"]
        for credentials in (SUPERVISOR, AGENT_TANAKA, SHOP_AGENT_YAMADA):
            async with Console(server, *credentials) as other:
                answers = [
                    await other.get(TOKENS),
                    await other.post(TOKENS, {"name": "x", "scopes": ["reports:read"]}),
                    await other.http.delete(f"{TOKENS}/{token_id}", headers={"X-CSRF-Token": other.csrf}),
                ]
                assert [answer.status_code for answer in answers] == [403, 403, 403], credentials
        async with httpx.AsyncClient(base_url=server) as anonymous:
            answers = [
                await anonymous.get(TOKENS),
                await anonymous.post(TOKENS, json={"name": "x", "scopes": ["reports:read"]}),
                await anonymous.delete(f"{TOKENS}/{token_id}"),
            ]
            assert [answer.status_code for answer in answers] == [401, 401, 401]
        # An administrator without the CSRF token is refused too.
        assert (await admin.http.post(TOKENS, json={"name": "x", "scopes": ["reports:read"]})).status_code == 403
        assert (await admin.get(TOKENS)).json()[0]["revoked_at"] is None


async def test_bad_token_requests_get_422_and_unknown_ones_404(server: str) -> None:
    async with Console(server, *ADMIN) as admin:
        for body in (
            {"name": "x", "scopes": ["conversations:delete"]},
            {"name": "x", "scopes": []},
            {"name": "  ", "scopes": ["reports:read"]},
            {"name": "x", "scopes": ["reports:read"], "shop_id": "no-such-shop"},
            {"name": "x", "scopes": ["reports:read"], "admin": True},
        ):
            answer = await admin.post(TOKENS, body)
            assert answer.status_code == 422, (body, answer.text)
            assert answer.json()["code"] == "invalid_input"
        missing = await admin.http.delete(f"{TOKENS}/999999", headers={"X-CSRF-Token": admin.csrf})
        assert missing.status_code == 404


async def test_each_scope_opens_exactly_its_endpoints(server: str) -> None:
    """The access matrix of the endpoints that accept tokens: every scope against every endpoint."""
    chat = await _chat(server, "オペレーターと話したい")
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *ADMIN) as admin:
        detail = (await admin.get(f"{CONVERSATIONS}/{conversation_id}")).json()
        customer_id = detail["customer"]["id"]
        tokens = {scope: await _issue(admin, [scope]) for scope in ALL_SCOPES}
    endpoints: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("conversations:read", "GET", CONVERSATIONS, None),
        ("conversations:read", "GET", f"{CONVERSATIONS}/{conversation_id}", None),
        ("conversations:read", "GET", f"/api/v1/console/customers/{customer_id}", None),
        ("conversations:write", "POST", f"{CONVERSATIONS}/{conversation_id}/messages", {"text": "確認します。"}),
        ("conversations:write", "POST", f"{CONVERSATIONS}/{conversation_id}/resolve", None),
        ("reports:read", "GET", SUMMARY, None),
        ("reports:read", "GET", SUMMARY + "&format=csv", None),
    ]
    for scope, token in tokens.items():
        async with _bearer(server, token) as backend:
            for needed, method, path, body in endpoints:
                answer = await backend.request(method, path, json=body)
                if needed == scope:
                    assert answer.status_code in (200, 201), (scope, path, answer.text)
                else:
                    assert answer.status_code == 403, (scope, path, answer.text)
                    assert answer.json()["scope"] == needed
                    assert needed in answer.json()["message"]
    await chat.__aexit__()


async def test_a_shop_token_sees_exactly_its_shops_conversations_and_customers(server: str) -> None:
    own = await _chat(server, "お茶の淹れ方を教えてください", shop="kyoto-kotonoha")
    other_shop = await _chat(server, "イヤホンの保証について", shop="hikari-denki")
    platform = await _chat(server, "ログインできません")
    ids = {chat: chat.hello["conversation_id"] for chat in (own, other_shop, platform)}
    async with Console(server, *ADMIN) as admin:
        token = await _issue(admin, ["conversations:read", "conversations:write", "reports:read"], "kyoto-kotonoha")
        customers = {
            chat: (await admin.get(f"{CONVERSATIONS}/{conversation_id}")).json()["customer"]["id"]
            for chat, conversation_id in ids.items()
        }
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        staff_lists = await yamada.lists()
        staff_view = (await yamada.get(f"{CONVERSATIONS}/{ids[own]}")).json()
    async with _bearer(server, token) as backend:
        lists = (await backend.get(CONVERSATIONS)).json()
        assert {key: [item["id"] for item in group] for key, group in lists.items()} == {
            key: [item["id"] for item in group] for key, group in staff_lists.items()
        }
        assert ids[own] in {item["id"] for item in lists["queue"]}
        token_view = (await backend.get(f"{CONVERSATIONS}/{ids[own]}")).json()
        assert token_view["messages"] == staff_view["messages"]
        assert (await backend.get(f"/api/v1/console/customers/{customers[own]}")).status_code == 200
        for chat in (other_shop, platform):
            base = f"{CONVERSATIONS}/{ids[chat]}"
            answers = [
                await backend.get(base),
                await backend.post(f"{base}/messages", json={"text": "横から失礼します"}),
                await backend.post(f"{base}/resolve"),
                await backend.get(f"/api/v1/console/customers/{customers[chat]}"),
            ]
            assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
        assert (await backend.get(SUMMARY + "&shop=hikari-denki")).status_code == 403
        by_shop = (await backend.get(SUMMARY + "&group_by=shop")).json()
        assert {row["key"] for row in by_shop["rows"]} <= {"kyoto-kotonoha"}
    for chat in (own, other_shop, platform):
        await chat.__aexit__()


async def test_every_use_of_a_token_is_audited_reads_and_writes(server: str, settings: Settings) -> None:
    chat = await _chat(server, "オペレーターと話したい")
    conversation_id = chat.hello["conversation_id"]
    async with Console(server, *ADMIN) as admin:
        token = await _issue(admin, ["conversations:read", "conversations:write", "reports:read"], name="監査テスト")
        token_id = (await admin.get(TOKENS)).json()[0]["id"]
    async with _bearer(server, token) as backend:
        assert (await backend.get(f"{CONVERSATIONS}/{conversation_id}")).status_code == 200
        replied = await backend.post(f"{CONVERSATIONS}/{conversation_id}/messages", json={"text": "はい"})
        assert replied.status_code == 201
        assert (await backend.get(SUMMARY)).status_code == 200
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            entries = list(
                await session.scalars(select(AuditEntry).where(AuditEntry.actor.startswith(f"api-token:{token_id} ")))
            )
    finally:
        await engine.dispose()
    actions = [entry.action for entry in entries]
    assert "GET /api/v1/console/conversations/{conversation_id}" in actions
    assert "POST /api/v1/console/conversations/{conversation_id}/messages" in actions
    assert "report.summary.json" in actions
    assert all(entry.actor == f"api-token:{token_id} 監査テスト" for entry in entries)
    await chat.__aexit__()
