"""Canned responses kept without code: per desk and per shop, with only the variables that exist; a shop's
staff keep their own shop's and never see or touch another's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import AGENT_TANAKA, SHOP_AGENT_KOBAYASHI, SHOP_AGENT_YAMADA, ChatClient, Console

ADMIN = ("admin@madoguchi.localhost", "demo-admin-madoguchi")
BASE = "/api/v1/admin/canned-responses"
THANKS = {"shortcut": "thanks", "language": "ja", "title": "お礼", "text": "{name}様、ありがとうございました。"}


async def _canned_offered(server: str, text: str) -> list[str]:
    """The shortcuts an agent is offered on a fresh platform CS conversation."""
    async with ChatClient(server, lang="ja") as chat:
        await chat.say(text)
        status = await chat.status("queued")
        assert status["desk"] == "platform_cs"
        async with Console(server, *AGENT_TANAKA) as console:
            answer = await console.get(f"/api/v1/console/conversations/{chat.hello['conversation_id']}/canned")
            return [item["shortcut"] for item in answer.json()]


async def test_a_response_for_one_desk_is_offered_on_that_desks_conversations_only(server: str) -> None:
    async with Console(server, *ADMIN) as admin:
        everywhere = await admin.post(BASE, THANKS)
        assert everywhere.status_code == 201, everywhere.text
        member = await admin.post(BASE, THANKS | {"shortcut": "identity", "desk": "member_support"})
        assert member.status_code == 201, member.text
        assert member.json()["desk"] == "member_support"
    offered = await _canned_offered(server, "オペレーターと話したいです")
    assert "thanks" in offered
    assert "identity" not in offered


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"text": "{nmae}様、ありがとうございました。"}, 422, "{nmae}"),
        ({"shortcut": "お礼"}, 422, "shortcut"),
        ({"language": "fr"}, 422, "language"),
        ({"title": " "}, 422, "title"),
        ({"desk": "card_issuer"}, 422, "card_issuer"),
        ({"shop_id": "no-such-shop"}, 422, "no-such-shop"),
    ],
)
async def test_a_response_is_saved_only_from_valid_input(
    server: str, change: dict[str, Any], status: int, says: str
) -> None:
    async with Console(server, *ADMIN) as admin:
        refused = await admin.post(BASE, THANKS | change)
        assert refused.status_code == status, refused.text
        assert says in refused.text
        assert (await admin.get(BASE)).json() == []


async def test_the_same_shortcut_twice_for_the_same_place_is_refused(server: str) -> None:
    async with Console(server, *ADMIN) as admin:
        assert (await admin.post(BASE, THANKS)).status_code == 201
        assert (await admin.post(BASE, THANKS)).status_code == 409
        assert (await admin.post(BASE, THANKS | {"language": "en", "text": "Thank you, {name}."})).status_code == 201


async def test_a_shop_keeps_its_own_responses_and_no_other_shop_sees_them(server: str) -> None:
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        created = await yamada.post(BASE, THANKS)
        assert created.status_code == 201, created.text
        assert created.json()["shop_id"] == "kyoto-kotonoha"
        response_id = created.json()["id"]
        assert (await yamada.post(BASE, THANKS | {"shop_id": "hikari-denki"})).status_code == 403
    async with Console(server, *SHOP_AGENT_KOBAYASHI) as kobayashi:
        assert (await kobayashi.get(BASE)).json() == []
        replaced = await kobayashi.http.put(
            f"{BASE}/{response_id}", json=THANKS | {"text": "乗っ取り"}, headers={"X-CSRF-Token": kobayashi.csrf}
        )
        assert replaced.status_code == 404
        deleted = await kobayashi.http.delete(f"{BASE}/{response_id}", headers={"X-CSRF-Token": kobayashi.csrf})
        assert deleted.status_code == 404
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        (kept,) = (await yamada.get(BASE)).json()
        assert kept["text"] == THANKS["text"]
        changed = await yamada.http.put(
            f"{BASE}/{response_id}", json=THANKS | {"title": "感謝"}, headers={"X-CSRF-Token": yamada.csrf}
        )
        assert changed.json()["title"] == "感謝"
        deleted = await yamada.http.delete(f"{BASE}/{response_id}", headers={"X-CSRF-Token": yamada.csrf})
        assert deleted.status_code == 204
        assert (await yamada.get(BASE)).json() == []


async def test_agents_use_canned_responses_but_do_not_keep_them(server: str) -> None:
    async with Console(server, *AGENT_TANAKA) as tanaka:
        assert (await tanaka.get(BASE)).status_code == 403
        assert (await tanaka.post(BASE, THANKS)).status_code == 403
