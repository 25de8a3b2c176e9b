"""Webhook subscriptions in the REST API: administrators (and API tokens with `webhooks:write`; a shop-bound
token only for its shop) subscribe a URL to event types, list, pause, resume and delete subscriptions and read
their delivery log. Every change is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from madoguchi.agents import audit
from madoguchi.agents.roles import require_role
from madoguchi.errors import InvalidInput
from madoguchi.integrations import webhooks
from madoguchi.store.models import WebhookDelivery, WebhookSubscription
from madoguchi.web.deps import Actor, RuntimeDep, TxDep, WebhooksWriter, token_actor
from madoguchi.web.schemas import RowId

router = APIRouter(prefix="/api/v1/admin/webhooks", tags=["admin"])


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=webhooks.MAX_URL_LENGTH, description="http(s) address to POST to")
    events: list[str] = Field(
        min_length=1, max_length=len(webhooks.EVENT_TYPES), description="event types of the catalogue"
    )
    shop_id: str | None = Field(default=None, max_length=40, description="only this shop's conversations")


class WebhookCreatedOut(BaseModel):
    id: int
    secret: str = Field(description="the signing secret, shown this once")


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    shop_id: str | None
    active: bool
    paused_reason: str | None
    consecutive_failures: int
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, found: WebhookSubscription) -> WebhookOut:
        return cls(
            id=found.id,
            url=found.url,
            events=list(found.events),
            shop_id=found.shop_id,
            active=found.active,
            paused_reason=found.paused_reason,
            consecutive_failures=found.consecutive_failures,
            created_by=found.created_by,
            created_at=found.created_at,
        )


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    type: str
    conversation_id: str
    status: Literal["pending", "delivered"]
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            event_id=str(delivery.body.get("id", delivery.event_id)),
            type=delivery.type,
            conversation_id=delivery.conversation_id,
            status="delivered" if delivery.status == "delivered" else "pending",
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
            last_status=delivery.last_status,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            delivered_at=delivery.delivered_at,
        )


def _scope(actor: Actor) -> str | None:
    """The shop whose subscriptions the caller manages, None for all. A session must be an administrator's; a
    token needed `webhooks:write` to get here, and a shop-bound one manages its shop's only."""
    if actor.token is None:
        require_role(actor.agent, "admin")
        return None
    return actor.token.shop_id


def _who(actor: Actor) -> str:
    return token_actor(actor.token) if actor.token is not None else actor.agent.email


def _audit(tx: TxDep, actor: Actor, action: str, target: int, details: dict[str, Any] | None = None) -> None:
    audit.record(
        tx.session,
        actor.agent,
        action,
        target=str(target),
        details=details,
        actor=token_actor(actor.token) if actor.token is not None else None,
    )


@router.post("", status_code=201)
async def subscribe(body: WebhookIn, actor: WebhooksWriter, tx: TxDep, runtime: RuntimeDep) -> WebhookCreatedOut:
    """A new subscription; its signing secret is shown this once. A shop-bound token's is bound to its shop."""
    shop_scope = _scope(actor)
    if shop_scope is not None and body.shop_id not in (None, shop_scope):
        raise InvalidInput(
            f"This token may subscribe to its shop's events only ({shop_scope}). "
            "このトークンは自ショップのイベントのみ購読できます。",
            field="shop_id",
        )
    found, secret = await webhooks.do_subscribe(
        tx.session,
        url=body.url,
        events=body.events,
        shop_id=shop_scope or body.shop_id,
        created_by=_who(actor),
        now=runtime.clock.now(),
        allow_private=runtime.settings.webhooks_allow_private,
    )
    _audit(tx, actor, "webhook.created", found.id, {"url": found.url, "events": found.events, "shop_id": found.shop_id})
    await tx.commit()
    return WebhookCreatedOut(id=found.id, secret=secret)


@router.get("")
async def list_webhooks(actor: WebhooksWriter, tx: TxDep) -> list[WebhookOut]:
    return [WebhookOut.of(found) for found in await webhooks.subscriptions(tx.session, _scope(actor))]


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: RowId, actor: WebhooksWriter, tx: TxDep) -> None:
    """Gone, with its undelivered events."""
    found = await webhooks.subscription(tx.session, webhook_id, _scope(actor), for_update=True)
    await webhooks.do_delete(tx.session, found)
    _audit(tx, actor, "webhook.deleted", webhook_id)
    await tx.commit()


@router.post("/{webhook_id}/pause")
async def pause_webhook(webhook_id: RowId, actor: WebhooksWriter, tx: TxDep) -> WebhookOut:
    """Stop sending; its events are kept and go out in order once it is resumed."""
    found = await webhooks.subscription(tx.session, webhook_id, _scope(actor), for_update=True)
    webhooks.do_pause(found, f"Paused by {_who(actor)}. 手動で停止されました。")
    _audit(tx, actor, "webhook.paused", webhook_id)
    await tx.commit()
    return WebhookOut.of(found)


@router.post("/{webhook_id}/resume")
async def resume_webhook(webhook_id: RowId, actor: WebhooksWriter, tx: TxDep, runtime: RuntimeDep) -> WebhookOut:
    """Send again, from the oldest waiting event of each conversation."""
    found = await webhooks.subscription(tx.session, webhook_id, _scope(actor), for_update=True)
    await webhooks.do_resume(tx.session, found, runtime.clock.now())
    _audit(tx, actor, "webhook.resumed", webhook_id)
    await tx.commit()
    return WebhookOut.of(found)


@router.get("/{webhook_id}/deliveries")
async def deliveries(
    webhook_id: RowId,
    actor: WebhooksWriter,
    tx: TxDep,
    status: Annotated[Literal["pending", "delivered"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=webhooks.MAX_LOG)] = 100,
) -> list[DeliveryOut]:
    """The delivery log: the latest deliveries, newest first, with attempts and the receiver's last answer."""
    found = await webhooks.subscription(tx.session, webhook_id, _scope(actor))
    return [DeliveryOut.of(item) for item in await webhooks.delivery_log(tx.session, found, status=status, limit=limit)]
