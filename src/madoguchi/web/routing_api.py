"""Routing over HTTP: desks' hours, presence, offers, transfer, supervision, callbacks, canned responses and the
customer's context. Every rule lives in madoguchi.routing; this module only translates."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from madoguchi.agents.roles import require_role
from madoguchi.conversations import queries
from madoguchi.domain.clock import utcnow
from madoguchi.domain.conversation import State
from madoguchi.errors import NotFound
from madoguchi.routing import assignment, assist, callbacks, canned, sla
from madoguchi.routing.desks import Hours, holiday_name, official_contacts
from madoguchi.store.models import Callback, Conversation, Desk, Order
from madoguchi.web.deps import CurrentOperator, RuntimeDep, TxDep, chat_customer, public_rate_limit
from madoguchi.web.schemas import RowId

router = APIRouter(tags=["routing"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeskStatusOut(BaseModel):
    id: str
    name_ja: str
    name_en: str
    kind: str
    languages: list[str]
    channels: list[str]
    open_now: bool
    opens_at: datetime | None
    closes_at: datetime | None
    holiday_today: str | None
    official_contacts: list[dict[str, Any]]


class PresenceIn(_In):
    presence: Literal["available", "away", "offline"]


class PresenceOut(BaseModel):
    agent_id: int
    presence: str


class OfferOut(BaseModel):
    id: int
    conversation_id: str
    desk: str | None
    language: str
    priority: int
    offered_at: datetime
    deadline: datetime


class TransferIn(_In):
    desk: str | None = Field(default=None, max_length=40)
    agent_id: RowId | None = None
    note: str = Field(default="", max_length=2000)


class ReassignIn(_In):
    agent_id: RowId


class TargetsOut(BaseModel):
    desks: list[dict[str, str]]
    agents: list[dict[str, Any]]


class OverviewOut(BaseModel):
    at: datetime
    queues: list[dict[str, Any]]
    agents: list[dict[str, Any]]


class SlaTimerOut(BaseModel):
    kind: str
    desk: str
    priority: str
    started_at: datetime
    due_at: datetime
    state: str


class CallbackIn(_In):
    phone: str = Field(max_length=40)
    # Compared with the desk's hours and the clock, both aware: a time without its offset names no instant.
    window_start: AwareDatetime = Field(description="ISO 8601 with its UTC offset, e.g. 2026-12-09T15:00:00+09:00")
    window_end: AwareDatetime = Field(description="ISO 8601 with its UTC offset, e.g. 2026-12-09T17:00:00+09:00")
    topic: str = Field(default="", max_length=2000)
    token: str | None = Field(default=None, description="the shop's identity token of a signed-in customer")
    visitor: str | None = Field(default=None, description="the visitor token the chat's hello gave")


class CallbackBookedOut(BaseModel):
    """What the customer's page learns of its booking: the call, not who the customer is to Madoguchi."""

    id: str
    conversation_id: str | None
    desk: str
    language: str
    phone: str
    phone_display: str
    window_start: datetime
    window_end: datetime
    topic: str
    state: str
    next_attempt_at: datetime


class CallbackOut(BaseModel):
    id: str
    conversation_id: str | None
    customer_id: str
    desk: str
    language: str
    phone: str
    phone_display: str
    window_start: datetime
    window_end: datetime
    topic: str
    state: str
    attempts: int
    next_attempt_at: datetime
    outcome: str | None


class CallOut(BaseModel):
    callback: CallbackOut
    customer_name: str | None
    orders: list[dict[str, Any]]
    script: list[str]


class OutcomeIn(_In):
    outcome: Literal["answered", "no_answer", "wrong_number", "cancelled"]
    note: str = Field(default="", max_length=500)


class CannedOut(BaseModel):
    shortcut: str
    title: str
    template: str
    text: str


class SuggestionOut(BaseModel):
    kind: Literal["reply", "article"]
    title: str
    text: str
    url: str | None


class ContextOut(BaseModel):
    orders: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    sla: list[SlaTimerOut]
    suggestions: list[SuggestionOut]


def _callback_out(row: Callback) -> CallbackOut:
    return CallbackOut(
        id=row.id,
        conversation_id=row.conversation_id,
        customer_id=row.customer_id,
        desk=row.desk,
        language=row.language,
        phone=row.phone_e164,
        phone_display=row.phone_display,
        window_start=row.window_start,
        window_end=row.window_end,
        topic=row.topic,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        outcome=row.outcome,
    )


def _order_out(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "shop_id": order.shop_id,
        "status": order.status,
        "total_yen": order.total_yen,
        "items": [item.get("name") for item in order.items],
        "carrier": order.carrier,
        "tracking_id": order.tracking_id,
        "ordered_at": order.ordered_at,
    }


# --- desks (public) ---------------------------------------------------------------------------------------


@router.get("/api/v1/desks", dependencies=[Depends(public_rate_limit("desks"))])
async def desks(tx: TxDep, runtime: RuntimeDep) -> list[DeskStatusOut]:
    """Every desk with its hours now: open or not, when it opens next, today's public holiday in Japan."""
    now = utcnow()
    shaped = []
    for desk in await tx.session.scalars(select(Desk).order_by(Desk.id)):
        hours = Hours.of(desk)
        open_now = hours.is_open(now)
        shaped.append(
            DeskStatusOut(
                id=desk.id,
                name_ja=desk.name_ja,
                name_en=desk.name_en,
                kind=desk.kind,
                languages=desk.languages,
                channels=desk.channels,
                open_now=open_now,
                opens_at=None if open_now else hours.next_opening(now),
                closes_at=hours.closes_at(now) if open_now else None,
                holiday_today=holiday_name(hours.local_date(now)),
                official_contacts=official_contacts(desk, runtime.trust.directory),
            )
        )
    return shaped


# --- presence and offers ----------------------------------------------------------------------------------


@router.post("/api/v1/routing/presence")
async def set_presence(body: PresenceIn, operator: CurrentOperator, tx: TxDep) -> PresenceOut:
    await assignment.do_set_presence(tx, operator.agent, body.presence, utcnow())
    await tx.commit()
    return PresenceOut(agent_id=operator.agent.id, presence=operator.agent.presence)


@router.get("/api/v1/routing/offers")
async def my_offers(operator: CurrentOperator, tx: TxDep) -> list[OfferOut]:
    """Conversations offered to the operator now, each until its deadline."""
    shaped = []
    for offer in await assignment.open_offers(tx, operator.agent):
        conversation = await tx.session.get(Conversation, offer.conversation_id)
        if conversation is None:
            continue
        shaped.append(
            OfferOut(
                id=offer.id,
                conversation_id=conversation.id,
                desk=conversation.desk,
                language=conversation.language,
                priority=conversation.priority,
                offered_at=offer.offered_at,
                deadline=offer.deadline,
            )
        )
    return shaped


@router.post("/api/v1/routing/offers/{offer_id}/accept")
async def accept_offer(offer_id: RowId, operator: CurrentOperator, tx: TxDep) -> dict[str, str]:
    conversation = await assignment.do_accept(tx, operator.agent, offer_id, utcnow())
    await tx.commit()
    return {"conversation_id": conversation.id, "state": conversation.state}


@router.post("/api/v1/routing/offers/{offer_id}/decline")
async def decline_offer(offer_id: RowId, operator: CurrentOperator, tx: TxDep) -> dict[str, str]:
    await assignment.do_decline(tx, operator.agent, offer_id, utcnow())
    await tx.commit()
    return {"state": "declined"}


# --- transfer and supervision -----------------------------------------------------------------------------


@router.get("/api/v1/console/conversations/{conversation_id}/transfer-targets")
async def transfer_targets(conversation_id: str, operator: CurrentOperator, tx: TxDep) -> TargetsOut:
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id)
    desks_ = [
        {"id": desk.id, "name_ja": desk.name_ja, "name_en": desk.name_en}
        for desk in await tx.session.scalars(select(Desk).order_by(Desk.id))
        if desk.kind == "queue" or (desk.kind == "shop" and conversation.shop_id)
    ]
    agents = [
        {"id": agent.id, "name": agent.name, "presence": agent.presence, "shop_id": agent.shop_id}
        for agent in await assignment.assignable_agents(tx, conversation)
        if operator.agent.shop_id is None or agent.shop_id in (None, operator.agent.shop_id)
    ]
    return TargetsOut(desks=desks_, agents=agents)


@router.post("/api/v1/console/conversations/{conversation_id}/transfer")
async def transfer(conversation_id: str, body: TransferIn, operator: CurrentOperator, tx: TxDep) -> dict[str, Any]:
    """Hand the conversation to a desk (it queues there, keeping its place) or to an operator, with a note."""
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    await assignment.do_transfer(
        tx, operator.agent, conversation, utcnow(), desk=body.desk, agent_id=body.agent_id, note=body.note
    )
    await tx.commit()
    return {
        "id": conversation.id,
        "state": conversation.state,
        "desk": conversation.desk,
        "assignee_id": conversation.assignee_id,
    }


@router.post("/api/v1/console/conversations/{conversation_id}/reassign")
async def reassign(conversation_id: str, body: ReassignIn, operator: CurrentOperator, tx: TxDep) -> dict[str, Any]:
    """A supervisor gives an open conversation to another operator."""
    require_role(operator.agent, "supervisor", "admin")
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    await assignment.do_transfer(tx, operator.agent, conversation, utcnow(), agent_id=body.agent_id, note="")
    await tx.commit()
    return {
        "id": conversation.id,
        "state": conversation.state,
        "desk": conversation.desk,
        "assignee_id": conversation.assignee_id,
    }


@router.get("/api/v1/routing/overview")
async def overview(operator: CurrentOperator, tx: TxDep) -> OverviewOut:
    """Queues and agents live: everything for supervisors and admins, their own shop for a shop's staff."""
    now = utcnow()
    return OverviewOut(
        at=now,
        queues=await assignment.queues_overview(tx, operator.agent, now),
        agents=await assignment.agents_overview(tx, operator.agent),
    )


# --- the operator's context -------------------------------------------------------------------------------


@router.get("/api/v1/console/conversations/{conversation_id}/canned")
async def canned_responses(conversation_id: str, operator: CurrentOperator, tx: TxDep) -> list[CannedOut]:
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id)
    return [CannedOut(**item) for item in await canned.for_conversation(tx.session, operator.agent, conversation)]


@router.get("/api/v1/console/conversations/{conversation_id}/context")
async def customer_context(
    conversation_id: str, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep
) -> ContextOut:
    """The customer's orders and past conversations beside the chat, the conversation's SLA clocks, and
    suggestions: the bot's reply to the latest message and the help-centre pages for it."""
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id)
    orders_query = select(Order).where(Order.customer_id == conversation.customer_id)
    if operator.agent.shop_id is not None:
        orders_query = orders_query.where(Order.shop_id == operator.agent.shop_id)
    orders = await tx.session.scalars(orders_query.order_by(Order.ordered_at.desc()).limit(10))
    past = await tx.session.scalars(
        select(Conversation)
        .where(
            Conversation.customer_id == conversation.customer_id,
            Conversation.id != conversation.id,
            queries.visible_to(operator.agent),
        )
        .order_by(Conversation.created_at.desc())
        .limit(10)
    )
    return ContextOut(
        orders=[_order_out(order) for order in orders],
        conversations=[
            {
                "id": row.id,
                "state": row.state,
                "desk": row.desk,
                "channel": row.channel,
                "created_at": row.created_at,
                "resolved": row.state == State.RESOLVED,
            }
            for row in past
        ],
        sla=[
            SlaTimerOut(
                kind=timer.kind,
                desk=timer.desk,
                priority=timer.priority,
                started_at=timer.started_at,
                due_at=timer.due_at,
                state=timer.state,
            )
            for timer in await sla.running_for(tx, conversation.id)
        ],
        suggestions=[
            SuggestionOut(kind=item.kind, title=item.title, text=item.text, url=item.url)
            for item in await assist.suggestions_for(tx.session, runtime.nlu, conversation)
        ],
    )


# --- callbacks --------------------------------------------------------------------------------------------


@router.post(
    "/api/v1/chat/{conversation_id}/callback",
    status_code=201,
    dependencies=[Depends(public_rate_limit("callback"))],
)
async def request_callback(conversation_id: str, body: CallbackIn, tx: TxDep, runtime: RuntimeDep) -> CallbackBookedOut:
    """The customer asks to be called back from their own chat, authenticated like the chat socket (`token` or
    `visitor`); another customer's chat is "not found"."""
    customer = await chat_customer(tx, runtime, body.token, body.visitor)
    conversation = await tx.session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id, Conversation.customer_id == customer.id)
        .with_for_update()
    )
    if conversation is None:
        raise NotFound("このチャットは見つかりません。 This chat no longer exists: reload the page.")
    row = await callbacks.request_callback(
        tx,
        customer_id=customer.id,
        phone=body.phone,
        window_start=body.window_start,
        window_end=body.window_end,
        now=utcnow(),
        conversation=conversation,
        topic=body.topic,
    )
    await tx.commit()
    return CallbackBookedOut.model_validate(_callback_out(row).model_dump(exclude={"customer_id"}))


@router.get("/api/v1/console/callbacks")
async def list_callbacks(operator: CurrentOperator, tx: TxDep) -> list[CallbackOut]:
    return [_callback_out(row) for row in await callbacks.callbacks_for(tx, operator.agent)]


@router.post("/api/v1/console/callbacks/{callback_id}/call")
async def start_call(callback_id: str, operator: CurrentOperator, tx: TxDep) -> CallOut:
    """The operator is about to dial: the number, the customer's context and a short script."""
    row, customer, orders = await callbacks.do_start_call(tx, operator.agent, callback_id)
    await tx.commit()
    return CallOut(
        callback=_callback_out(row),
        customer_name=customer.name if customer is not None else None,
        orders=[_order_out(order) for order in orders if operator.agent.shop_id in (None, order.shop_id)],
        script=callbacks.script(row, customer, operator.agent),
    )


@router.post("/api/v1/console/callbacks/{callback_id}/outcome")
async def record_outcome(callback_id: str, body: OutcomeIn, operator: CurrentOperator, tx: TxDep) -> CallbackOut:
    row = await callbacks.do_record_outcome(tx, operator.agent, callback_id, body.outcome, utcnow(), body.note)
    await tx.commit()
    return _callback_out(row)
