"""The marketplace's desks and shops in the REST API, kept by administrators without code: desks' hours,
closures, languages, channels and SLA targets; shops created, changed, suspended and restored. Every change
is audited (the route by the operator dependency, what changed here)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from madoguchi.agents import audit
from madoguchi.agents.roles import require_role
from madoguchi.nlu.language import Language
from madoguchi.routing import desks, shops
from madoguchi.store.models import Desk, Shop
from madoguchi.web.deps import CurrentOperator, RuntimeDep, TxDep

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

Hours = Annotated[
    dict[str, str | None],
    Field(description="per mon…sun and holiday: 'HH:MM-HH:MM' ('00:00-24:00' all day) or null (closed)"),
]
ClosedDays = Annotated[list[str], Field(max_length=desks.MAX_CLOSED_DAYS, description="ISO dates (臨時休業)")]


class DeskOut(BaseModel):
    id: str
    name_ja: str
    name_en: str
    kind: str
    hours: dict[str, str | None]
    closed_days: list[str]
    timezone: str
    languages: list[str]
    channels: list[str]
    first_response_minutes: int
    first_response_minutes_by_channel: dict[str, int]
    resolution_hours: int
    sla_clock: str

    @classmethod
    def of(cls, desk: Desk) -> DeskOut:
        return cls(
            id=desk.id,
            name_ja=desk.name_ja,
            name_en=desk.name_en,
            kind=desk.kind,
            hours=dict(desk.hours),
            closed_days=list(desk.closed_days or []),
            timezone=desk.timezone,
            languages=list(desk.languages),
            channels=list(desk.channels),
            first_response_minutes=desk.first_response_minutes,
            first_response_minutes_by_channel=dict(desk.first_response_minutes_by_channel),
            resolution_hours=desk.resolution_hours,
            sla_clock=desk.sla_clock,
        )


class DeskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=40, description="one of the routing map's desks (DESIGN.md)")
    name_ja: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    hours: Hours
    languages: list[Language] = Field(min_length=1, max_length=4)
    channels: list[str] = Field(default_factory=list, max_length=4)
    first_response_minutes: int
    resolution_hours: int
    sla_clock: str = "calendar"
    fallback_desk: str | None = Field(default=None, max_length=40)
    official_contacts: list[dict[str, str]] = Field(
        default_factory=list, max_length=10, description="{'directory': 'BRAND/LINE'} or words (label_ja, label_en)"
    )


class DeskChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    hours: Hours | None = None
    closed_days: ClosedDays | None = None
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=4)
    channels: list[str] | None = Field(default=None, max_length=3)
    first_response_minutes: int | None = None
    first_response_minutes_by_channel: dict[str, int] | None = None
    resolution_hours: int | None = None
    sla_clock: str | None = Field(default=None, description="calendar or business_hours")


class ShopOut(BaseModel):
    id: str
    name: str
    name_en: str
    hours: dict[str, str | None]
    closed_days: list[str]
    languages: list[str]
    reply_promise_hours: int
    contact_email: str
    suspended: bool

    @classmethod
    def of(cls, shop: Shop) -> ShopOut:
        return cls(
            id=shop.id,
            name=shop.name,
            name_en=shop.name_en,
            hours=dict(shop.hours),
            closed_days=list(shop.closed_days or []),
            languages=list(shop.languages),
            reply_promise_hours=shop.reply_promise_hours,
            contact_email=shop.contact_email,
            suspended=shop.suspended,
        )


class ShopIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=40, description="lowercase letters, digits and hyphens: the widget's data-shop")
    name: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    hours: Hours
    languages: list[Language] = Field(min_length=1, max_length=4)
    reply_promise_hours: int = 48
    contact_email: str = Field(max_length=320)
    description_ja: str = Field(default="", max_length=2000)


class ShopChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    hours: Hours | None = None
    closed_days: ClosedDays | None = None
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=4)
    reply_promise_hours: int | None = None
    contact_email: str | None = Field(default=None, max_length=320)
    suspended: bool | None = Field(default=None, description="true: staff logged out and kept out; CS answers")


@router.get("/desks")
async def list_desks(operator: CurrentOperator, tx: TxDep) -> list[DeskOut]:
    require_role(operator.agent, "admin", "supervisor")
    return [DeskOut.of(desk) for desk in await desks.every_desk(tx.session)]


@router.post("/desks", status_code=201)
async def create_desk(body: DeskIn, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep) -> DeskOut:
    """One of the routing map's desks, for an installation that starts without them (production)."""
    require_role(operator.agent, "admin")
    desk = await desks.do_create_desk(
        tx.session,
        desk_id=body.id,
        name_ja=body.name_ja,
        name_en=body.name_en,
        hours=body.hours,
        languages=list(body.languages),
        channels=body.channels,
        first_response_minutes=body.first_response_minutes,
        resolution_hours=body.resolution_hours,
        sla_clock=body.sla_clock,
        fallback_desk=body.fallback_desk,
        official_contacts=body.official_contacts,
        directory=runtime.trust.directory,
    )
    audit.record(tx.session, operator.agent, "desk.created", target=desk.id, details=_given(body))
    await tx.commit()
    return DeskOut.of(desk)


@router.patch("/desks/{desk_id}")
async def change_desk(
    desk_id: str, body: Annotated[DeskChange, Body()], operator: CurrentOperator, tx: TxDep
) -> DeskOut:
    """Change only the fields given; every process decides with it from the next conversation."""
    require_role(operator.agent, "admin")
    desk = await desks.do_change_desk(
        tx.session,
        desk_id,
        name_ja=body.name_ja,
        name_en=body.name_en,
        hours=body.hours,
        closed_days=body.closed_days,
        languages=list(body.languages) if body.languages is not None else None,
        channels=body.channels,
        first_response_minutes=body.first_response_minutes,
        first_response_minutes_by_channel=body.first_response_minutes_by_channel,
        resolution_hours=body.resolution_hours,
        sla_clock=body.sla_clock,
    )
    audit.record(tx.session, operator.agent, "desk.changed", target=desk_id, details=_given(body))
    await tx.commit()
    return DeskOut.of(desk)


@router.get("/shops")
async def list_shops(operator: CurrentOperator, tx: TxDep) -> list[ShopOut]:
    require_role(operator.agent, "admin", "supervisor")
    return [ShopOut.of(shop) for shop in await shops.every_shop(tx.session)]


@router.post("/shops", status_code=201)
async def create_shop(body: ShopIn, operator: CurrentOperator, tx: TxDep) -> ShopOut:
    """A new shop; its staff are then created as operators with the role shop_agent."""
    require_role(operator.agent, "admin")
    shop = await shops.do_create_shop(
        tx.session,
        shop_id=body.id,
        name=body.name,
        name_en=body.name_en,
        hours=body.hours,
        languages=list(body.languages),
        reply_promise_hours=body.reply_promise_hours,
        contact_email=body.contact_email,
        description_ja=body.description_ja,
    )
    audit.record(tx.session, operator.agent, "shop.created", target=shop.id, details=_given(body))
    await tx.commit()
    return ShopOut.of(shop)


@router.patch("/shops/{shop_id}")
async def change_shop(
    shop_id: str, body: Annotated[ShopChange, Body()], operator: CurrentOperator, tx: TxDep
) -> ShopOut:
    """Change only the fields given; `suspended: true` logs the shop's staff out and keeps them out."""
    require_role(operator.agent, "admin")
    shop = await shops.do_change_shop(
        tx.session,
        await shops.shop(tx.session, shop_id),
        name=body.name,
        name_en=body.name_en,
        hours=body.hours,
        closed_days=body.closed_days,
        languages=list(body.languages) if body.languages is not None else None,
        reply_promise_hours=body.reply_promise_hours,
        contact_email=body.contact_email,
        suspended=body.suspended,
    )
    audit.record(tx.session, operator.agent, "shop.changed", target=shop_id, details=_given(body))
    await tx.commit()
    return ShopOut.of(shop)


def _given(body: BaseModel) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_unset=True)
