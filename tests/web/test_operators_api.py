"""Operators' accounts administered without code: created, changed, deactivated (their sessions end and their
conversations go back to the queue), reactivated, and let to set up two-factor log-in again; each role may do
what it should and nothing more."""

from __future__ import annotations

from typing import Any

import httpx
import pyotp
import pytest

from tests.helpers import AGENT_TANAKA, SHOP_AGENT_YAMADA, ChatClient, Console

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")
SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
BASE = "/api/v1/admin/operators"
NEW = {
    "email": "Suzuki@Madoguchi.localhost",
    "name": "鈴木 花子",
    "role": "agent",
    "desks": ["platform_cs", "member_support"],
    "languages": ["ja", "en"],
    "chat_capacity": 4,
}


async def _id_of(console: Console, email: str) -> int:
    listed = (await console.get(BASE)).json()
    (found,) = [operator for operator in listed if operator["email"] == email]
    identifier: int = found["id"]
    return identifier


async def _log_in(server: str, email: str, password: str, otp: str | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server) as http:
        body: dict[str, Any] = {"email": email, "password": password} | ({"otp": otp} if otp else {})
        return await http.post("/api/v1/auth/login", json=body)


async def test_an_admin_creates_an_operator_who_logs_in_with_the_password_shown_once(server: str) -> None:
    async with Console(server, *ADMIN) as admin:
        created = await admin.post(BASE, NEW)
        assert created.status_code == 201, created.text
        answer = created.json()
        assert answer["operator"] | {"id": 0} == {
            "id": 0,
            "email": "suzuki@madoguchi.localhost",
            "name": "鈴木 花子",
            "role": "agent",
            "shop_id": None,
            "desks": ["platform_cs", "member_support"],
            "languages": ["ja", "en"],
            "chat_capacity": 4,
            "email_capacity": 5,
            "active": True,
            "two_factor": False,
            "presence": "offline",
        }
        password = answer["password"]
        assert len(password) >= 12
        audit = (await admin.get("/api/v1/auth/audit")).json()
        (entry,) = [entry for entry in audit if entry["action"] == "operator.created"]
        assert password not in str(entry)
    logged_in = await _log_in(server, "suzuki@madoguchi.localhost", password)
    assert logged_in.status_code == 200
    assert logged_in.json()["agent"]["name"] == "鈴木 花子"


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"role": "owner"}, 422, "Unknown role"),
        ({"role": "shop_agent"}, 422, "existing shop"),
        ({"shop_id": "kyoto-kotonoha"}, 422, "Only a shop's operator"),
        ({"desks": ["no_such_desk"]}, 422, "no_such_desk"),
        ({"desks": ["card_issuer"]}, 422, "card_issuer"),  # a referral: nobody takes its conversations
        ({"chat_capacity": 99}, 422, "chat_capacity"),
        ({"languages": ["fr"]}, 422, "languages"),
        ({"password": "short"}, 422, "12 to 1024"),
        ({"email": "not-an-address"}, 422, "not an e-mail address"),
        ({"email": AGENT_TANAKA[0].upper()}, 409, "exists already"),
    ],
)
async def test_an_operator_is_created_only_from_valid_input(
    server: str, change: dict[str, Any], status: int, says: str
) -> None:
    async with Console(server, *ADMIN) as admin:
        refused = await admin.post(BASE, NEW | change)
        assert refused.status_code == status, refused.text
        assert says in refused.text
        assert "suzuki@madoguchi.localhost" not in [operator["email"] for operator in (await admin.get(BASE)).json()]


async def test_a_supervisor_changes_an_agents_desks_but_not_roles(server: str) -> None:
    async with Console(server, *SUPERVISOR) as supervisor:
        tanaka = await _id_of(supervisor, AGENT_TANAKA[0])
        changed = await supervisor.http.patch(
            f"{BASE}/{tanaka}",
            json={"desks": ["payments"], "chat_capacity": 2},
            headers={"X-CSRF-Token": supervisor.csrf},
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["desks"], changed.json()["chat_capacity"]) == (["payments"], 2)
        promoted = await supervisor.http.patch(
            f"{BASE}/{tanaka}", json={"role": "admin"}, headers={"X-CSRF-Token": supervisor.csrf}
        )
        assert promoted.status_code == 403
        assert (await supervisor.post(BASE, NEW)).status_code == 403
        assert (await supervisor.post(f"{BASE}/{tanaka}/deactivate")).status_code == 403


@pytest.mark.parametrize("who", [AGENT_TANAKA, SHOP_AGENT_YAMADA], ids=["agent", "shop"])
async def test_operators_do_not_administer_operators(server: str, who: tuple[str, str]) -> None:
    async with Console(server, *who) as operator:
        assert (await operator.get(BASE)).status_code == 403
        assert (await operator.post(BASE, NEW)).status_code == 403
        assert (await operator.post(f"{BASE}/1/deactivate")).status_code == 403
    async with httpx.AsyncClient(base_url=server) as http:
        assert (await http.get(BASE)).status_code == 401


async def test_a_deactivated_operator_is_logged_out_and_their_conversations_go_back_to_the_queue(
    server: str,
) -> None:
    async with ChatClient(server, lang="ja") as chat, Console(server, *AGENT_TANAKA) as tanaka:
        await chat.say("オペレーターと話したいです")
        await chat.status("queued")
        conversation_id = chat.hello["conversation_id"]
        await tanaka.take(conversation_id)
        await chat.status("assigned")
        async with Console(server, *ADMIN) as admin:
            tanaka_id = await _id_of(admin, AGENT_TANAKA[0])
            answer = await admin.post(f"{BASE}/{tanaka_id}/deactivate")
            assert answer.status_code == 200, answer.text
            assert answer.json()["returned_to_queue"] == [conversation_id]
            assert answer.json()["operator"]["active"] is False
            await chat.status("queued")
            # Their session is gone at once, and the password no longer opens the console.
            assert (await tanaka.get("/api/v1/console/conversations")).status_code == 401
            refused = await _log_in(server, *AGENT_TANAKA)
            assert refused.status_code == 403
            assert "deactivated" in refused.json()["message"]
            # Back again when an administrator says so.
            assert (await admin.post(f"{BASE}/{tanaka_id}/activate")).json()["active"] is True
            assert (await _log_in(server, *AGENT_TANAKA)).status_code == 200


async def test_the_last_admin_stays_and_nobody_deactivates_themselves(server: str) -> None:
    async with Console(server, *ADMIN) as admin:
        me = admin.agent["id"]
        itself = await admin.post(f"{BASE}/{me}/deactivate")
        assert itself.status_code == 409
        assert "yourself" in itself.json()["message"]
        demoted = await admin.http.patch(f"{BASE}/{me}", json={"role": "agent"}, headers={"X-CSRF-Token": admin.csrf})
        assert demoted.status_code == 409
        assert "last active administrator" in demoted.json()["message"]
        assert (await admin.get("/api/v1/auth/session")).status_code == 200


async def test_an_admin_lets_an_operator_set_up_two_factor_log_in_again(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as tanaka:
        setup = (await tanaka.post("/api/v1/auth/totp/setup")).json()
        assert (
            await tanaka.post("/api/v1/auth/totp/enable", {"code": pyotp.TOTP(setup["secret"]).now()})
        ).status_code == 204
    assert (await _log_in(server, *AGENT_TANAKA)).json()["code"] == "two_factor_required"
    async with Console(server, *ADMIN) as admin:
        tanaka_id = await _id_of(admin, AGENT_TANAKA[0])
        reset = await admin.post(f"{BASE}/{tanaka_id}/reset-two-factor")
        assert reset.status_code == 200
        assert reset.json()["two_factor"] is False
    assert (await _log_in(server, *AGENT_TANAKA)).status_code == 200
