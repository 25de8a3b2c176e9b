"""Customers' data requests: an admin exports everything held about a customer and erases their personal data,
both audited; the reports count the same before and after; nobody else may do either."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import orjson
import pytest

from madoguchi.domain.clock import utcnow
from madoguchi.trust.identity import sign_token
from tests.channels.test_chat_end_and_rating import rate
from tests.helpers import AGENT_TANAKA, CUSTOMER_SATO, SHOP_AGENT_YAMADA, ChatClient, Console

if TYPE_CHECKING:
    from madoguchi.settings import Settings

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")
SUPERVISOR = ("nakamura@madoguchi.localhost", "demo-supervisor")
PHONE = "090-1234-5678"
COMMENT = f"佐藤です。{PHONE}に電話をください"
BASE = "/api/v1/admin/customers"


async def _resolved_chat_of_sato(server: str, settings: Settings) -> str:
    """Sato asks for a person, giving her number; an operator answers and resolves; she rates with a comment."""
    token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
    chat = ChatClient(server, token=token, lang="ja")
    await chat.__aenter__()
    await chat.say(f"オペレーターと話したいです。電話番号は{PHONE}です")
    await chat.status("queued")
    conversation_id: str = chat.hello["conversation_id"]
    async with Console(server, *AGENT_TANAKA) as console:
        await console.take(conversation_id)
        await console.reply(conversation_id, "佐藤様、承知しました。")
        resolved = await console.post(f"/api/v1/console/conversations/{conversation_id}/resolve")
        assert resolved.status_code == 200
    await chat.status("resolved")
    assert (await rate(chat, 4, COMMENT))["type"] == "ack"
    await chat.__aexit__()
    return conversation_id


async def _export(admin: Console) -> dict[str, Any]:
    answer = await admin.get(f"{BASE}/{CUSTOMER_SATO}/export")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == f'attachment; filename="customer-{CUSTOMER_SATO}.json"'
    document: dict[str, Any] = answer.json()
    return document


async def _totals(admin: Console) -> dict[str, Any]:
    today = utcnow().date().isoformat()
    answer = await admin.get(f"/api/v1/reports/summary?from={today}&to={today}")
    assert answer.status_code == 200, answer.text
    totals: dict[str, Any] = answer.json()["totals"]
    return totals


async def test_an_admin_exports_everything_held_about_a_customer_then_erases_it(
    server: str, settings: Settings
) -> None:
    conversation_id = await _resolved_chat_of_sato(server, settings)
    async with Console(server, *ADMIN) as admin:
        before = await _export(admin)
        assert before["customer"]["name"] == "佐藤 美咲"
        (conversation,) = [item for item in before["conversations"] if item["id"] == conversation_id]
        texts = [message["text"] for message in conversation["messages"]]
        assert any(PHONE in text for text in texts)
        assert "佐藤様、承知しました。" in texts
        (rating,) = [event for event in conversation["events"] if event["type"] == "csat.submitted"]
        assert rating["data"]["comment"] == COMMENT
        assert before["orders"], "the demo store's orders of the customer are part of what is held"
        totals_before = await _totals(admin)

        erased = await admin.post(f"{BASE}/{CUSTOMER_SATO}/erase", {"confirm": CUSTOMER_SATO})
        assert erased.status_code == 200, erased.text
        counts = erased.json()
        assert counts["customer_id"] == CUSTOMER_SATO
        assert counts["messages"] >= 3
        assert counts["events"] >= 2  # the rating's comment, the classified number, the hand-over summary

        after = await _export(admin)
        assert {key: after["customer"][key] for key in ("name", "name_kana", "email", "phone", "address")} == {
            "name": None,
            "name_kana": None,
            "email": None,
            "phone": None,
            "address": None,
        }
        (conversation,) = [item for item in after["conversations"] if item["id"] == conversation_id]
        assert {message["text"] for message in conversation["messages"]} == {"[erased]"}
        document = orjson.dumps(after).decode()
        assert PHONE not in document
        assert "佐藤" not in document
        (rating,) = [event for event in conversation["events"] if event["type"] == "csat.submitted"]
        assert rating["data"]["comment"] == "[erased]"
        assert rating["data"]["score"] == 4
        # The numbers managers read do not move: the conversations, their times and ratings are all still there.
        assert await _totals(admin) == totals_before

        # Erasing again finds nothing left to erase.
        again = await admin.post(f"{BASE}/{CUSTOMER_SATO}/erase", {"confirm": CUSTOMER_SATO})
        assert again.status_code == 200
        assert again.json()["messages"] == 0
        assert again.json()["events"] == 0

        audit = (await admin.get("/api/v1/auth/audit")).json()
        actions = [entry["action"] for entry in audit if entry.get("target") == CUSTOMER_SATO]
        assert actions.count("customer.exported") == 2
        assert actions.count("customer.erased") == 2


async def test_a_customer_with_an_open_conversation_is_not_erased(server: str, settings: Settings) -> None:
    token = sign_token(settings.identity_key, CUSTOMER_SATO, "customer", 3600)
    async with ChatClient(server, token=token, lang="ja") as chat:
        await chat.say("オペレーターと話したいです")
        await chat.status("queued")
        async with Console(server, *ADMIN) as admin:
            refused = await admin.post(f"{BASE}/{CUSTOMER_SATO}/erase", {"confirm": CUSTOMER_SATO})
            assert refused.status_code == 409
            assert "resolve it before erasing" in refused.json()["message"]
            assert (await _export(admin))["customer"]["name"] == "佐藤 美咲"


async def test_erasure_asks_for_the_customer_id_again_and_names_an_unknown_customer(server: str) -> None:
    async with Console(server, *ADMIN) as admin:
        mistaken = await admin.post(f"{BASE}/{CUSTOMER_SATO}/erase", {"confirm": "c002"})
        assert mistaken.status_code == 422
        assert "repeat the customer's id" in mistaken.json()["message"]
        missing = await admin.post(f"{BASE}/{CUSTOMER_SATO}/erase", {})
        assert missing.status_code == 422
        unknown = await admin.get(f"{BASE}/nobody/export")
        assert unknown.status_code == 404
        assert "nobody" in unknown.json()["message"]
        assert (await _export(admin))["customer"]["name"] == "佐藤 美咲"


@pytest.mark.parametrize("who", [SUPERVISOR, AGENT_TANAKA, SHOP_AGENT_YAMADA], ids=["supervisor", "agent", "shop"])
async def test_only_an_admin_exports_or_erases_a_customer(server: str, who: tuple[str, str]) -> None:
    async with Console(server, *who) as operator:
        assert (await operator.get(f"{BASE}/{CUSTOMER_SATO}/export")).status_code == 403
        erase = await operator.post(f"{BASE}/{CUSTOMER_SATO}/erase", {"confirm": CUSTOMER_SATO})
        assert erase.status_code == 403
    async with Console(server, *ADMIN) as admin:
        assert (await _export(admin))["customer"]["name"] == "佐藤 美咲"


async def test_data_requests_need_a_session_and_its_csrf_token(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        assert (await http.get(f"{BASE}/{CUSTOMER_SATO}/export")).status_code == 401
        assert (await http.post(f"{BASE}/{CUSTOMER_SATO}/erase", json={"confirm": CUSTOMER_SATO})).status_code == 401
    async with Console(server, *ADMIN) as admin:
        forged = await admin.http.post(f"{BASE}/{CUSTOMER_SATO}/erase", json={"confirm": CUSTOMER_SATO})
        assert forged.status_code == 403
        assert (await _export(admin))["customer"]["name"] == "佐藤 美咲"
