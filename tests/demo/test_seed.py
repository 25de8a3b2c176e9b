"""The demo marketplace: its data files are valid and cover what the demo promises."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from madoguchi.demo.schemas import OfficialContact, OrderStatus
from madoguchi.demo.seed import DATA, is_seeded, load_demo_data, seed
from madoguchi.errors import Forbidden, InvalidInput
from madoguchi.nlu.data import taxonomy
from madoguchi.settings import Settings
from madoguchi.store.db import create_engine, session_factory
from madoguchi.store.migrate import upgrade
from madoguchi.store.models import Agent, Article, Order
from madoguchi.trust.directory import default_directory

MADOGUCHI = str(Path(sys.executable).with_name("madoguchi"))


def test_demo_data_files_are_valid_and_consistent() -> None:
    data = load_demo_data()
    assert len(data.shops) >= 3
    assert 25 <= len(data.customers) <= 40
    assert {customer.language for customer in data.customers} == {"ja", "en", "zh", "ko"}
    assert 180 <= len(data.orders) <= 240
    assert len({order.number for order in data.orders}) == len(data.orders)
    assert 35 <= len(data.articles) <= 80
    assert {front.language for front, _ in data.articles} == {"ja", "en", "zh", "ko"}
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
    # The carrier desk names the carriers' lines of the official-contact directory, which holds their numbers.
    lines = default_directory().by_line
    carrier_lines = [lines[contact.directory] for contact in desks["carrier"].official_contacts if contact.directory]
    assert {line.brand.id for line in carrier_lines} == {"yamato", "sagawa", "japanpost"}
    assert all(line.brand.kind == "carrier" and line.line.hours for line in carrier_lines)


def test_a_desk_contact_pointing_to_no_directory_line_is_refused(tmp_path: Path) -> None:
    for name in DATA.iterdir():
        if name.is_file():
            (tmp_path / name.name).write_text(name.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "articles").symlink_to(DATA / "articles")
    desks = (DATA / "desks.yaml").read_text(encoding="utf-8").replace("sagawa/inquiry", "sagawa/redelivery_unknown")
    (tmp_path / "desks.yaml").write_text(desks, encoding="utf-8")
    with pytest.raises(InvalidInput, match="sagawa/redelivery_unknown"):
        load_demo_data(tmp_path)


def test_a_desk_contact_cannot_write_a_number_of_its_own() -> None:
    # Numbers and pages live in the directory only; a desk writing one is a second copy that can drift.
    with pytest.raises(ValidationError, match="phone"):
        OfficialContact.model_validate({"label_ja": "佐川急便", "label_en": "Sagawa", "phone": "0570-01-0082"})
    with pytest.raises(ValidationError, match="label_ja"):
        OfficialContact.model_validate({"directory": "sagawa/inquiry", "label_ja": "佐川急便"})


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


async def test_seeding_is_refused_in_production_before_anything_is_written(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'production.db'}"
    production = Settings(environment="production", demo=False, secret_key="p" * 48, database_url=url)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            with pytest.raises(Forbidden, match="MADOGUCHI_ENVIRONMENT=production"):
                await seed(session, settings=production)
            await session.commit()
            assert await session.scalar(select(func.count()).select_from(Agent)) == 0
            assert not await is_seeded(session)
    finally:
        await engine.dispose()


def test_the_seed_command_refuses_production_with_a_clear_message(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MADOGUCHI_ENVIRONMENT": "production",
        "MADOGUCHI_DEMO": "false",
        "MADOGUCHI_SECRET_KEY": "p" * 48,
        "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'production.db'}",
    }
    finished = subprocess.run(
        [MADOGUCHI, "seed", "--if-empty"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode != 0
    assert "The demo marketplace is never loaded with MADOGUCHI_ENVIRONMENT=production" in finished.stderr
    assert "demo data loaded" not in finished.stdout
