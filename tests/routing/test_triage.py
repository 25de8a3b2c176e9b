"""`POST /api/v1/triage`: the routing map applied to one customer text, on a real server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from madoguchi.demo.seed import load_demo_data
from tests.conftest import running_server

if TYPE_CHECKING:
    from pathlib import Path

    from madoguchi.settings import Settings

DATA = load_demo_data()
SHOP_ORDER = next(order for order in DATA.orders if order.seller != "platform" and order.status == "delivered")
PLATFORM_ORDER = next(order for order in DATA.orders if order.seller == "platform" and order.status == "delivered")
SHOP_NAME = next(shop.name for shop in DATA.shops if shop.id == SHOP_ORDER.seller)
CONTRACT = {"language", "intent", "confidence", "entities", "desk", "priority", "handoff", "reply"}


async def _triage(server: str, text: str, order_id: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"text": text}
    if order_id:
        body["context"] = {"order_id": order_id}
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        answer = await http.post("/api/v1/triage", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    assert set(result) >= CONTRACT
    return result


async def test_asking_for_a_person_hands_over_to_platform_cs(server: str) -> None:
    result = await _triage(server, "オペレーターと話したいです")
    assert (result["intent"], result["desk"], result["handoff"]) == ("contact_human_agent", "platform_cs", True)
    assert "おつなぎします" in str(result["reply"])


async def test_a_shops_order_goes_to_that_shop(server: str) -> None:
    result = await _triage(server, "商品を返品したいのですが", SHOP_ORDER.number)
    assert (result["intent"], result["desk"], result["handoff"]) == ("return_item", "shop", True)
    assert SHOP_NAME in str(result["reply"])
    assert "48" in str(result["reply"])


async def test_a_platform_order_goes_to_platform_cs(server: str) -> None:
    result = await _triage(server, f"{PLATFORM_ORDER.number}の商品を返品したいです")
    assert result["desk"] == "platform_cs"
    assert result["entities"] == [
        {"type": "order_number", "value": PLATFORM_ORDER.number, "start": 0, "end": len(PLATFORM_ORDER.number)}
    ]


IN_TRANSIT = next(o for o in DATA.orders if o.status == "in_transit" and o.carrier == "yamato" and o.tracking_id)
SHOP_SHIPPED = next(
    o for o in DATA.orders if o.seller != "platform" and o.status == "shipped" and o.carrier == "sagawa"
)


async def test_where_a_parcel_is_once_the_carrier_has_it_is_referred_to_the_carrier(server: str) -> None:
    result = await _triage(server, "荷物が今どこにあるか知りたいです", IN_TRANSIT.number)
    assert (result["intent"], result["desk"]) == ("track_order", "carrier")
    assert "0120-01-9625" in str(result["reply"])
    assert str(IN_TRANSIT.tracking_id) in str(result["reply"])
    assert "8:00" in str(result["reply"])
    # A shop's parcel too: the carrier, not the shop, knows where it is.
    result = await _triage(server, "荷物が今どこにあるか知りたいです", SHOP_SHIPPED.number)
    assert (result["intent"], result["desk"]) == ("track_order", "carrier")
    assert "0570-01-0082" in str(result["reply"])


async def test_where_a_parcel_is_before_hand_over_or_after_delivery_stays_with_the_bot(server: str) -> None:
    preparing = next(o for o in DATA.orders if o.seller == "platform" and o.status == "preparing")
    for order in (preparing, PLATFORM_ORDER):
        result = await _triage(server, "荷物が今どこにあるか知りたいです", order.number)
        assert (result["intent"], result["desk"]) == ("track_order", "bot")


async def test_without_a_known_order_the_owner_stays_unresolved(server: str) -> None:
    result = await _triage(server, "注文をキャンセルしたいです")
    assert (result["intent"], result["desk"]) == ("cancel_order", "order_owner")


async def test_an_unrecognised_charge_is_a_referral_to_the_card_issuer(server: str) -> None:
    result = await _triage(server, "カードの明細に身に覚えのない請求があります")
    assert (result["intent"], result["desk"], result["handoff"]) == ("unrecognized_charge", "card_issuer", False)
    assert result["priority"] == "high"
    assert "裏面" in str(result["reply"])


async def test_anger_raises_priority_and_hands_over(server: str) -> None:
    calm = await _triage(server, "荷物がまだ届いていません")
    angry = await _triage(server, "いい加減にしてください！！荷物がまだ届かない、三回目の問い合わせです")
    assert angry["handoff"] is True
    order = ["low", "normal", "high", "urgent"]
    assert order.index(str(angry["priority"])) > order.index(str(calm["priority"]))


async def test_english_is_answered_in_english(server: str) -> None:
    result = await _triage(server, "I want to talk to a human")
    assert result["language"] == "en"
    assert "passing you to" in str(result["reply"])


async def test_out_of_scope_stays_with_the_bot(server: str) -> None:
    result = await _triage(server, "明日の東京の天気は？")
    assert (result["intent"], result["desk"], result["handoff"]) == ("out_of_scope", "bot", False)


async def test_bad_input_gets_a_clear_error(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        empty = await http.post("/api/v1/triage", json={"text": ""})
        assert empty.status_code == 422
        assert empty.json()["code"] == "invalid_input"
        unknown = await http.post("/api/v1/triage", json={"text": "hi", "extra": 1})
        assert unknown.status_code == 422


async def test_without_a_model_triage_says_how_to_build_it(settings: Settings, tmp_path: Path) -> None:
    missing = settings.model_copy(update={"nlu_model": tmp_path / "none.pkl"})
    async with running_server(missing) as server, httpx.AsyncClient(base_url=server) as http:
        answer = await http.post("/api/v1/triage", json={"text": "返品したい"})
    assert answer.status_code == 503
    assert "madoguchi nlu train" in answer.json()["message"]


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "'; DROP TABLE orders; --", "😡" * 500])
async def test_hostile_text_is_answered_not_executed(server: str, text: str) -> None:
    result = await _triage(server, text)
    assert isinstance(result["reply"], str)
