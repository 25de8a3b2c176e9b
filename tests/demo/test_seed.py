"""The demo marketplace: its data files are valid and cover what the demo promises."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, get_args

import pytest
from sqlalchemy import func, select

from madoguchi.demo.schemas import OrderStatus
from madoguchi.demo.seed import DATA, load_demo_data, seed
from madoguchi.errors import InvalidInput
from madoguchi.nlu.data import taxonomy
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.models import Agent, Article, Order

if TYPE_CHECKING:
    from pathlib import Path

    from madoguchi.settings import Settings


def test_demo_data_files_are_valid_and_consistent() -> None:
    data = load_demo_data()
    assert len(data.shops) >= 3
    assert 25 <= len(data.customers) <= 40
    assert {customer.language for customer in data.customers} == {"ja", "en", "zh", "ko"}
    assert 180 <= len(data.orders) <= 240
    assert len({order.number for order in data.orders}) == len(data.orders)
    assert 35 <= len(data.articles) <= 60
    assert {front.language for front, _ in data.articles} >= {"ja", "en"}
    assert len([agent for agent in data.agents if agent.role == "shop_agent"]) == 2


def test_orders_cover_every_delivery_state_carrier_and_seller() -> None:
    data = load_demo_data()
    statuses = Counter(order.status for order in data.orders)
    assert set(statuses) == set(get_args(OrderStatus))
    assert {order.carrier for order in data.orders if order.carrier} == {"yamato", "sagawa", "japanpost"}
    sellers = {order.seller for order in data.orders}
    assert "platform" in sellers
    assert len(sellers - {"platform"}) >= 3
    for order in data.orders:
        shipped = order.status not in ("pending_payment", "confirmed", "preparing", "cancelled")
        assert bool(order.tracking_id) is shipped, order.number


def test_desk_directory_has_the_routing_map_and_carrier_contacts() -> None:
    data = load_demo_data()
    desks = {desk.id: desk for desk in data.desks}
    assert set(desks) >= {
        "platform_cs",
        "shop",
        "member_support",
        "payments",
        "card_issuer",
        "carrier",
        "trust_safety",
        "membership",
        "digital",
        "business",
    }
    carriers = {contact.carrier for contact in desks["carrier"].official_contacts if contact.carrier}
    assert carriers == {"yamato", "sagawa", "japanpost"}
    assert all(contact.phone and contact.hours_ja for contact in desks["carrier"].official_contacts)


def test_help_centre_covers_every_intent_in_japanese() -> None:
    intents = set(taxonomy()) - {"greeting", "out_of_scope"}
    covered = {intent for front, _ in load_demo_data().articles if front.language == "ja" for intent in front.intents}
    assert intents - covered == set()


def test_a_broken_data_file_is_reported_with_its_place(tmp_path: Path) -> None:
    for path in DATA.rglob("*"):
        target = tmp_path / path.relative_to(DATA)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.write_bytes(path.read_bytes())
    orders = tmp_path / "orders.yaml"
    orders.write_text(orders.read_text(encoding="utf-8").replace("status: delivered", "status: teleported", 1), "utf-8")
    with pytest.raises(InvalidInput, match=r"orders.yaml item \d+"):
        load_demo_data(tmp_path)


async def test_seeding_again_changes_nothing(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            before = [
                await session.scalar(select(func.count()).select_from(model)) for model in (Order, Agent, Article)
            ]
            await seed(session)
            await session.commit()
            after = [await session.scalar(select(func.count()).select_from(model)) for model in (Order, Agent, Article)]
        assert before == after
        assert before[0] == len(load_demo_data().orders)
    finally:
        await engine.dispose()
