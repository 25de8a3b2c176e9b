"""Webhook subscriptions: where to POST which events of the catalogue, for one shop or all; their checks, their
signatures and their delivery log. The outbox rows are written by `madoguchi.conversations.webhook_outbox` in
each event's transaction; `madoguchi.integrations.delivery` sends them.

A signature is `v1=` + HMAC-SHA256(secret, TIMESTAMP + "." + BODY) in hex, TIMESTAMP the Unix seconds sent in
`Madoguchi-Timestamp`: the receiver recomputes it over the exact bytes it got, and refuses an old timestamp.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import secrets
import socket
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update

from madoguchi.domain.event_types import EventType
from madoguchi.errors import InvalidInput, NotFound
from madoguchi.store.models import Shop, WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

EVENT_TYPES: Final = tuple(event_type.value for event_type in EventType)
SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - a public prefix, not a secret
MAX_URL_LENGTH: Final = 2000
MAX_LOG: Final = 500


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Madoguchi-Signature` header's value for these bytes sent at this time."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


async def check_url(url: str, *, allow_private: bool) -> str:
    """The URL if webhooks may be sent to it: http(s), a host, and unless `allow_private` no address of the
    host's in loopback, private, link-local or other non-public ranges (nobody makes Madoguchi call into the
    network it runs in). Checked when a subscription is made and again before each delivery."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as error:
        raise InvalidInput(f"The webhook URL is not valid: {error}. URL が正しくありません。", field="url") from error
    if parts.scheme not in ("http", "https") or not hostname:
        raise InvalidInput(
            "The webhook URL must be an http:// or https:// address with a host. "
            "Webhook の URL は http:// または https:// で始まるアドレスにしてください。",
            field="url",
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("Put no user name or password in the webhook URL. URL に認証情報を含めないでください。")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise InvalidInput(f"The webhook URL's port is not valid: {error}.", field="url") from error
    if allow_private:
        return url
    try:
        resolved = await asyncio.get_running_loop().getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as error:
        # ValueError: a name no resolver takes (an empty or too long label, a NUL character).
        raise InvalidInput(
            f"The webhook URL's host {hostname} could not be resolved. ホスト名を解決できません。",
            field="url",
        ) from error
    addresses = sorted({str(info[4][0]) for info in resolved})
    refused = [address for address in addresses if _refused(address)]
    if refused:
        raise InvalidInput(
            f"The webhook URL resolves to {', '.join(refused)}, a loopback, private or link-local address: refused "
            "(MADOGUCHI_WEBHOOKS_ALLOW_PRIVATE=true allows it on a single-machine install). "
            "内部ネットワークのアドレスには送信できません。",
            field="url",
        )
    return url


def _checked_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            f"Unknown event type {', '.join(unknown)}: see the event catalogue in docs/api.md. "
            "不明なイベント種別があります。",
            field="events",
        )
    if not events:
        raise InvalidInput("Choose at least one event type. イベント種別を一つ以上選んでください。", field="events")
    return list(dict.fromkeys(events))


async def do_subscribe(
    session: AsyncSession,
    *,
    url: str,
    events: list[str],
    shop_id: str | None,
    created_by: str,
    now: datetime,
    allow_private: bool,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned once: shown to whoever made it)."""
    checked_events = _checked_events(events)
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"The webhook URL is longer than {MAX_URL_LENGTH} characters.", field="url")
    checked_url = await check_url(url, allow_private=allow_private)
    if shop_id is not None and await session.get(Shop, shop_id) is None:
        raise InvalidInput(f"There is no shop {shop_id}. ショップ {shop_id} は存在しません。", field="shop_id")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        url=checked_url,
        events=checked_events,
        shop_id=shop_id,
        secret=secret,
        active=True,
        consecutive_failures=0,
        created_by=created_by[:320],
        created_at=now,
    )
    session.add(subscription)
    await session.flush()
    return subscription, secret


async def subscriptions(session: AsyncSession, shop_id: str | None) -> list[WebhookSubscription]:
    """Every subscription, or those of one shop (a shop-bound caller sees its own only)."""
    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if shop_id is not None:
        query = query.where(WebhookSubscription.shop_id == shop_id)
    return list(await session.scalars(query))


async def subscription(
    session: AsyncSession, subscription_id: int, shop_id: str | None, *, for_update: bool = False
) -> WebhookSubscription:
    """One subscription the caller may manage: a shop-bound caller only its shop's, others are not found."""
    query = select(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
    if shop_id is not None:
        query = query.where(WebhookSubscription.shop_id == shop_id)
    found = await session.scalar(query.with_for_update() if for_update else query)
    if found is None:
        raise NotFound(f"There is no webhook subscription {subscription_id}. Webhook {subscription_id} はありません。")
    return found


async def do_delete(session: AsyncSession, found: WebhookSubscription) -> None:
    """Gone, with its undelivered events (a deleted subscription is told nothing more)."""
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == found.id))
    await session.delete(found)


def do_pause(found: WebhookSubscription, reason: str) -> None:
    """Stop sending; events keep being stored for it and go out, in order, once it is resumed."""
    found.active = False
    found.paused_reason = reason


async def do_resume(session: AsyncSession, found: WebhookSubscription, now: datetime) -> None:
    """Send again: the failure count starts over and the waiting deliveries are due at once."""
    found.active = True
    found.paused_reason = None
    found.consecutive_failures = 0
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == found.id, WebhookDelivery.status == "pending")
        .values(next_attempt_at=now)
    )


async def delivery_log(
    session: AsyncSession, found: WebhookSubscription, *, status: str | None, limit: int
) -> list[WebhookDelivery]:
    """The subscription's latest deliveries, newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == found.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(await session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(min(limit, MAX_LOG))))
