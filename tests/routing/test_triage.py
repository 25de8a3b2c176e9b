"""`POST /api/v1/triage`: the routing map applied to one customer text, on a real server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from madoguchi.demo.seed import load_demo_data
from madoguchi.trust.identity import sign_token
from tests.conftest import running_server
from tests.helpers import AGENT_TANAKA, SHOP_AGENT_YAMADA, Console

if TYPE_CHECKING:
    from pathlib import Path

    from madoguchi.settings import Settings

DATA = load_demo_data()
SHOP_ORDER = next(order for order in DATA.orders if order.seller != "platform" and order.status == "delivered")
PLATFORM_ORDER = next(order for order in DATA.orders if order.seller == "platform" and order.status == "delivered")
SHOP_NAME = next(shop.name for shop in DATA.shops if shop.id == SHOP_ORDER.seller)
CONTRACT = {"language", "intent", "confidence", "entities", "desk", "priority", "handoff", "reply"}


async def _triage(
    server: str, text: str, order_id: str | None = None, *, token: str | None = None, console: Console | None = None
) -> dict[str, object]:
    body: dict[str, object] = {"text": text}
    if order_id:
        body["context"] = {"order_id": order_id}
    if token:
        body["token"] = token
    if console is not None:
        answer = await console.http.post("/api/v1/triage", json=body)
    else:
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


def _owner_token(settings: Settings, customer_id: str) -> str:
    return sign_token(settings.identity_key, customer_id, "customer", 3600)


async def test_a_shops_order_goes_to_that_shop_named_to_its_customer(server: str, settings: Settings) -> None:
    token = _owner_token(settings, SHOP_ORDER.customer)
    result = await _triage(server, "商品を返品したいのですが", SHOP_ORDER.number, token=token)
    assert (result["intent"], result["desk"], result["handoff"]) == ("return_item", "shop", True)
    assert SHOP_NAME in str(result["reply"])
    assert "48" in str(result["reply"])


async def test_anyone_else_learns_the_desk_but_not_which_shop_sold_the_order(server: str, settings: Settings) -> None:
    someone_else = next(c.id for c in DATA.customers if c.id != SHOP_ORDER.customer)
    for token in (None, _owner_token(settings, someone_else)):
        result = await _triage(server, "商品を返品したいのですが", SHOP_ORDER.number, token=token)
        # The routing answer is the same as for the order's customer: the shop's desk, handed over.
        assert (result["intent"], result["desk"], result["handoff"]) == ("return_item", "shop", True)
        assert set(result) >= CONTRACT
        assert SHOP_NAME not in str(result)
        assert SHOP_ORDER.seller not in str(result)
        assert "ショップ" in str(result["reply"])


async def test_shop_staff_see_the_shop_only_for_their_own_shops_orders(server: str) -> None:
    kotonoha = next(o for o in DATA.orders if o.seller == "kyoto-kotonoha" and o.status == "delivered")
    kotonoha_name = next(shop.name for shop in DATA.shops if shop.id == "kyoto-kotonoha")
    hikari = next(o for o in DATA.orders if o.seller == "hikari-denki" and o.status == "delivered")
    hikari_name = next(shop.name for shop in DATA.shops if shop.id == "hikari-denki")
    async with Console(server, *SHOP_AGENT_YAMADA) as yamada:
        own = await _triage(server, "商品を返品したいのですが", kotonoha.number, console=yamada)
        other = await _triage(server, "商品を返品したいのですが", hikari.number, console=yamada)
    assert kotonoha_name in str(own["reply"])
    assert other["desk"] == "shop"
    assert hikari_name not in str(other)
    async with Console(server, *AGENT_TANAKA) as tanaka:
        platform = await _triage(server, "商品を返品したいのですが", hikari.number, console=tanaka)
    assert hikari_name in str(platform["reply"])


async def test_a_forged_identity_token_is_refused(server: str, settings: Settings) -> None:
    forged = sign_token("some-other-key", SHOP_ORDER.customer, "customer", 3600)
    body = {"text": "返品したい", "context": {"order_id": SHOP_ORDER.number}, "token": forged}
    async with httpx.AsyncClient(base_url=server) as http:
        answer = await http.post("/api/v1/triage", json=body)
    assert answer.status_code == 401
    assert SHOP_NAME not in answer.text


async def test_triage_is_throttled_per_address_with_a_time_to_wait(settings: Settings) -> None:
    settings = settings.model_copy(update={"rate_limit_public": "3/minute"})
    async with running_server(settings) as server, httpx.AsyncClient(base_url=server, timeout=30) as http:
        for _ in range(3):
            assert (await http.post("/api/v1/triage", json={"text": "返品したい"})).status_code == 200
        refused = await http.post("/api/v1/triage", json={"text": "返品したい"})
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert "少し時間をおいて" in refused.json()["message"]
        assert "wait" in refused.json()["message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # Another address still gets its answer (the test server trusts X-Forwarded-For from 127.0.0.1).
        other = await http.post("/api/v1/triage", json={"text": "返品したい"}, headers={"X-Forwarded-For": "192.0.2.7"})
        assert other.status_code == 200


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


async def test_where_a_parcel_is_once_the_carrier_has_it_is_referred_to_the_carrier(
    server: str, settings: Settings
) -> None:
    token = _owner_token(settings, IN_TRANSIT.customer)
    result = await _triage(server, "荷物が今どこにあるか知りたいです", IN_TRANSIT.number, token=token)
    assert (result["intent"], result["desk"]) == ("track_order", "carrier")
    assert "0120-01-9625" in str(result["reply"])
    assert str(IN_TRANSIT.tracking_id) in str(result["reply"])
    assert "8:00" in str(result["reply"])
    # Anyone else is referred to the carriers too, without the parcel's tracking number.
    anonymous = await _triage(server, "荷物が今どこにあるか知りたいです", IN_TRANSIT.number)
    assert (anonymous["intent"], anonymous["desk"]) == ("track_order", "carrier")
    assert str(IN_TRANSIT.tracking_id) not in str(anonymous)
    assert "0120-01-9625" in str(anonymous["reply"])
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
