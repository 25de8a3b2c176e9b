"""Load the demo marketplace from the data files into the database. Running it again updates in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from madoguchi.agents.auth import hash_password
from madoguchi.demo.schemas import (
    AgentSpec,
    ArticleFrontMatter,
    CustomerSpec,
    DeskSpec,
    MarketplaceSpec,
    OrderSpec,
    ShopSpec,
)
from madoguchi.domain.clock import utcnow
from madoguchi.errors import Forbidden, InvalidInput
from madoguchi.settings import get_settings
from madoguchi.store.models import Agent, Article, Customer, Desk, Order, Shop
from madoguchi.trust.directory import default_directory

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.settings import Settings

DATA = Path(__file__).with_name("data")
M = TypeVar("M", bound=BaseModel)


@dataclass
class DemoData:
    marketplace: MarketplaceSpec
    desks: list[DeskSpec]
    shops: list[ShopSpec]
    customers: list[CustomerSpec]
    orders: list[OrderSpec]
    agents: list[AgentSpec]
    articles: list[tuple[ArticleFrontMatter, str]] = field(default_factory=list)


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"Cannot read the demo data file {path}: {exc}") from exc


def _validate(model: type[M], raw: Any, where: str) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(f"The demo data in {where} is not valid: {exc}") from exc


def _validate_list(model: type[M], path: Path) -> list[M]:
    raw = _load_yaml(path)
    if not isinstance(raw, list):
        raise InvalidInput(f"{path} must hold a YAML list.")
    return [_validate(model, item, f"{path} item {index + 1}") for index, item in enumerate(raw)]


def read_article(path: Path) -> tuple[ArticleFrontMatter, str]:
    text = path.read_text(encoding="utf-8")
    parts = text.split("---", 2)
    if not text.startswith("---") or len(parts) < 3:
        raise InvalidInput(f"{path} must start with YAML front matter between two '---' lines.")
    try:
        front = yaml.safe_load(parts[1])
    except yaml.YAMLError as exc:
        raise InvalidInput(f"The front matter of {path} is not valid YAML: {exc}") from exc
    return _validate(ArticleFrontMatter, front, str(path)), parts[2].strip()


def load_demo_data(root: Path = DATA) -> DemoData:
    data = DemoData(
        marketplace=_validate(MarketplaceSpec, _load_yaml(root / "marketplace.yaml"), "marketplace.yaml"),
        desks=_validate_list(DeskSpec, root / "desks.yaml"),
        shops=_validate_list(ShopSpec, root / "shops.yaml"),
        customers=_validate_list(CustomerSpec, root / "customers.yaml"),
        orders=_validate_list(OrderSpec, root / "orders.yaml"),
        agents=_validate_list(AgentSpec, root / "agents.yaml"),
        articles=[read_article(path) for path in sorted((root / "articles").glob("*/*.md"))],
    )
    _check_references(data)
    return data


def _check_references(data: DemoData) -> None:
    shops = {shop.id for shop in data.shops}
    customers = {customer.id for customer in data.customers}
    desks = {desk.id for desk in data.desks}
    for order in data.orders:
        if order.customer not in customers:
            raise InvalidInput(f"Order {order.number} names customer {order.customer}, who is not in customers.yaml.")
        if order.seller != "platform" and order.seller not in shops:
            raise InvalidInput(f"Order {order.number} names seller {order.seller}, which is not in shops.yaml.")
    lines = default_directory().by_line
    for desk in data.desks:
        for contact in desk.official_contacts:
            if contact.directory is not None and contact.directory not in lines:
                raise InvalidInput(
                    f"Desk {desk.id} names the official contact {contact.directory}, which is not a phone line "
                    "(brand/line id) of src/madoguchi/trust/data/directory.yaml."
                )
    for agent in data.agents:
        if agent.shop is not None and agent.shop not in shops:
            raise InvalidInput(f"Agent {agent.email} works for shop {agent.shop}, which is not in shops.yaml.")
        unknown = set(agent.desks) - desks
        if unknown:
            raise InvalidInput(f"Agent {agent.email} has desks {sorted(unknown)} missing from desks.yaml.")


def _days_ago(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def customer_row(customer: CustomerSpec) -> Customer:
    """A demo customer as stored (also how tests put one back after erasing it)."""
    return Customer(
        id=customer.id,
        name=customer.name,
        name_kana=customer.name_kana,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
        member_tier=customer.member_tier,
        prefecture=customer.prefecture,
        address=customer.address,
        is_anonymous=False,
    )


def refuse_in_production(settings: Settings) -> None:
    """The demo operators' passwords are published with the code: in production they would be open doors."""
    if settings.environment == "production":
        raise Forbidden(
            "The demo marketplace is never loaded with MADOGUCHI_ENVIRONMENT=production: its operators' passwords "
            "are public. A production database starts empty after `madoguchi db upgrade` and gets operators of its "
            "own; seed development and test databases only."
        )


async def seed(
    session: AsyncSession, data: DemoData | None = None, *, settings: Settings | None = None
) -> dict[str, int]:
    """Insert or update the demo marketplace; agents keep a password changed since the last seed.

    Refused in production (`settings`, by default the process's own), before anything is written."""
    refuse_in_production(settings or get_settings())
    data = data or load_demo_data()
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for desk in data.desks:
        await session.merge(
            Desk(
                id=desk.id,
                name_ja=desk.name_ja,
                name_en=desk.name_en,
                name_zh=desk.name_zh,
                name_ko=desk.name_ko,
                kind=desk.kind,
                hours=dict(desk.hours),
                timezone=desk.timezone,
                languages=list(desk.languages),
                channels=list(desk.channels),
                first_response_minutes=desk.first_response_minutes,
                first_response_minutes_by_channel=dict(desk.first_response_minutes_by_channel),
                resolution_hours=desk.resolution_hours,
                sla_clock=desk.sla_clock,
                fallback_desk=desk.fallback_desk,
                official_contacts=[contact.model_dump(exclude_none=True) for contact in desk.official_contacts],
            )
        )
    for shop in data.shops:
        await session.merge(
            Shop(
                id=shop.id,
                name=shop.name,
                name_en=shop.name_en,
                description_ja=shop.description_ja,
                hours=dict(shop.hours),
                languages=list(shop.languages),
                reply_promise_hours=shop.reply_promise_hours,
                contact_email=shop.contact_email,
            )
        )
    for customer in data.customers:
        await session.merge(customer_row(customer))
    await session.flush()
    for order in data.orders:
        await session.merge(
            Order(
                number=order.number,
                customer_id=order.customer,
                shop_id=None if order.seller == "platform" else order.seller,
                items=[item.model_dump() for item in order.items],
                shipping_fee_yen=order.shipping_fee_yen,
                total_yen=sum(item.quantity * item.unit_price_yen for item in order.items) + order.shipping_fee_yen,
                payment_method=order.payment_method,
                status=order.status,
                carrier=order.carrier,
                tracking_id=order.tracking_id,
                ordered_at=_days_ago(now, order.ordered_days_ago) or now,
                shipped_at=_days_ago(now, order.shipped_days_ago),
                delivered_at=_days_ago(now, order.delivered_days_ago),
            )
        )
    existing_agents = set(await session.scalars(select(Agent.email)))
    for spec in data.agents:
        if spec.email in existing_agents:
            continue
        session.add(
            Agent(
                email=spec.email.lower(),
                name=spec.name,
                role=spec.role,
                shop_id=spec.shop,
                desks=list(spec.desks),
                languages=list(spec.languages),
                chat_capacity=spec.chat_capacity,
                email_capacity=spec.email_capacity,
                password_hash=hash_password(spec.password),
            )
        )
    existing_articles = {article.slug: article for article in await session.scalars(select(Article))}
    for front, body in data.articles:
        article = existing_articles.get(front.slug) or Article(slug=front.slug)
        article.language, article.title, article.body = front.language, front.title, body
        article.intents, article.category, article.updated_at = list(front.intents), front.category, utcnow()
        session.add(article)
    return {
        "desks": len(data.desks),
        "shops": len(data.shops),
        "customers": len(data.customers),
        "orders": len(data.orders),
        "agents": len(data.agents),
        "articles": len(data.articles),
    }


async def is_seeded(session: AsyncSession) -> bool:
    return await session.scalar(select(Shop.id).limit(1)) is not None
