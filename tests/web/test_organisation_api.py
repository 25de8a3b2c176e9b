"""Desks and shops kept by administrators without code: a desk's hours and closures change what customers are
told at once; a shop is created, its staff log in, and a suspended shop's staff are logged out and kept out
while its customers are answered by platform CS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from madoguchi.domain.clock import utcnow
from madoguchi.routing.desks import TOKYO
from madoguchi.trust.identity import sign_token
from tests.helpers import AGENT_TANAKA, CUSTOMER_SATO, SHOP_AGENT_YAMADA, ChatClient, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")
SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
KYOTO_ORDER = "MD-61422141"  # c001's order of 京都ことのは (kyoto-kotonoha), in transit
NEW_SHOP = {
    "id": "nara-mochi",
    "name": "奈良もち本舗",
    "name_en": "Nara Mochi",
    "hours": {"mon": "10:00-17:00", "tue": "10:00-17:00", "wed": "10:00-17:00", "sat": None},
    "languages": ["ja"],
    "reply_promise_hours": 24,
    "contact_email": "info@nara-mochi.example.jp",
}


async def _patch(console: Console, path: str, body: dict[str, Any]) -> httpx.Response:
    return await console.http.patch(path, json=body, headers={"X-CSRF-Token": console.csrf})


async def _desk(server: str, desk_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server) as http:
        (desk,) = [desk for desk in (await http.get("/api/v1/desks")).json() if desk["id"] == desk_id]
    return desk


async def test_a_desk_closed_for_today_tells_customers_when_it_opens(server: str) -> None:
    assert (await _desk(server, "member_support"))["open_now"] is True
    today = utcnow().astimezone(ZoneInfo(TOKYO)).date()
    async with Console(server, *ADMIN) as admin:
        changed = await _patch(
            admin, "/api/v1/admin/desks/member_support", {"closed_days": [today.isoformat()], "resolution_hours": 48}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["closed_days"] == [today.isoformat()]
        assert changed.json()["resolution_hours"] == 48
    desk = await _desk(server, "member_support")
    assert desk["open_now"] is False
    assert desk["opens_at"] is not None
    assert desk["opens_at"][:10] > today.isoformat() or desk["opens_at"][:10] == today.isoformat()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"hours": {"mon": "9-18"}}, "09:00-18:00"),
        ({"hours": {"someday": "09:00-18:00"}}, "someday"),
        ({"closed_days": ["31/12/2026"]}, "2026-12-31"),
        ({"channels": ["fax"]}, "fax"),
        ({"sla_clock": "lunar"}, "calendar or business_hours"),
        ({"first_response_minutes": 0}, "1 to"),
        ({"languages": ["fr"]}, "languages"),
    ],
)
async def test_a_desk_changes_only_from_valid_input(server: str, change: dict[str, Any], says: str) -> None:
    async with Console(server, *ADMIN) as admin:
        before = (await admin.get("/api/v1/admin/desks")).json()
        refused = await _patch(admin, "/api/v1/admin/desks/platform_cs", change)
        assert refused.status_code == 422, refused.text
        assert says in refused.text
        assert (await admin.get("/api/v1/admin/desks")).json() == before
        assert (await _patch(admin, "/api/v1/admin/desks/nowhere", {"resolution_hours": 5})).status_code == 404


async def test_only_admins_change_desks_and_shops(server: str) -> None:
    async with Console(server, *SUPERVISOR) as supervisor:
        assert (await supervisor.get("/api/v1/admin/desks")).status_code == 200
        assert (await supervisor.get("/api/v1/admin/shops")).status_code == 200
        assert (await _patch(supervisor, "/api/v1/admin/desks/platform_cs", {"resolution_hours": 5})).status_code == 403
        assert (await supervisor.post("/api/v1/admin/shops", NEW_SHOP)).status_code == 403
    for who in (AGENT_TANAKA, SHOP_AGENT_YAMADA):
        async with Console(server, *who) as operator:
            assert (await operator.get("/api/v1/admin/shops")).status_code == 403
            assert (
                await _patch(operator, "/api/v1/admin/shops/kyoto-kotonoha", {"suspended": True})
            ).status_code == 403


async def test_a_new_shop_gets_staff_who_log_in(server: str) -> None:
    async with Console(server, *ADMIN) as admin:
        created = await admin.post("/api/v1/admin/shops", NEW_SHOP)
        assert created.status_code == 201, created.text
        assert created.json()["hours"]["sun"] is None  # a weekday left out is closed
        assert (await admin.post("/api/v1/admin/shops", NEW_SHOP)).status_code == 409
        bad = await admin.post("/api/v1/admin/shops", NEW_SHOP | {"id": "Nara Mochi!"})
        assert bad.status_code == 422
        staff = await admin.post(
            "/api/v1/admin/operators",
            {
                "email": "staff@nara-mochi.example.jp",
                "name": "奈良 一郎",
                "role": "shop_agent",
                "shop_id": "nara-mochi",
                "password": "mochi-mochi-mochi",
            },
        )
        assert staff.status_code == 201, staff.text
    async with Console(server, "staff@nara-mochi.example.jp", "mochi-mochi-mochi") as shop_staff:
        assert shop_staff.agent["shop_id"] == "nara-mochi"
        assert (await shop_staff.lists())["queue"] == []


async def test_a_suspended_shops_staff_are_kept_out_and_its_customers_go_to_platform_cs(
    server: str, settings: Settings
) -> None:
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada, Console(server, *ADMIN) as admin:
        suspended = await _patch(admin, "/api/v1/admin/shops/kyoto-kotonoha", {"suspended": True})
        assert suspended.status_code == 200, suspended.text
        assert suspended.json()["suspended"] is True
        assert (await yamada.get("/api/v1/console/conversations")).status_code == 401
        async with httpx.AsyncClient(base_url=server) as http:
            refused = await http.post(
                "/api/v1/auth/login", json={"email": SHOP_AGENT_YAMADA[0], "password": SHOP_AGENT_YAMADA[1]}
            )
            assert refused.status_code == 403
            assert "suspended" in refused.json()["message"]

        token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
        async with ChatClient(server, token=token, lang="ja") as chat:
            await chat.say("荷物が全然届かないんですけど")
            await chat.message_from("bot")
            await chat.say(KYOTO_ORDER)
            status = await chat.status("queued")
            assert status["desk"] == "platform_cs"

        restored = await _patch(admin, "/api/v1/admin/shops/kyoto-kotonoha", {"suspended": False})
        assert restored.json()["suspended"] is False
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada_again:
        assert (await yamada_again.get("/api/v1/console/conversations")).status_code == 200


async def test_only_the_routing_maps_desks_are_created_and_their_numbers_come_from_the_directory(server: str) -> None:
    desk = {
        "id": "platform_cs",
        "name_ja": "カスタマーサービス",
        "name_en": "Customer service",
        "hours": {"mon": "09:00-18:00"},
        "languages": ["ja"],
        "first_response_minutes": 5,
        "resolution_hours": 24,
    }
    async with Console(server, *ADMIN) as admin:
        taken = await admin.post("/api/v1/admin/desks", desk)
        assert taken.status_code == 409
        unknown = await admin.post("/api/v1/admin/desks", desk | {"id": "marketing"})
        assert unknown.status_code == 422
        assert "routing map" in unknown.json()["message"]
        number = {"label_ja": "電話", "label_en": "Phone", "phone": "0120-000-000"}
        written = await admin.post("/api/v1/admin/desks", desk | {"id": "carrier", "official_contacts": [number]})
        assert written.status_code in (409, 422)
        assert (await _patch(admin, "/api/v1/admin/desks/platform_cs", {"name_ja": " "})).status_code == 422
        renamed = await _patch(admin, "/api/v1/admin/desks/platform_cs", {"name_ja": "お客さま窓口"})
        assert renamed.json()["name_ja"] == "お客さま窓口"
