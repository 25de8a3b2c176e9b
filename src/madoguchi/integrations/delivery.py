"""The webhook deliverer each server process runs: it sends the outbox's due deliveries, at least once and in
order per conversation, and retries failures with exponential backoff.

A delivery is due when it is pending, its time has come, no process holds it, its subscription is active and
no earlier delivery of the same conversation to the same subscription is still pending: a conversation's next
event waits until the earlier one has been accepted. Claiming is a short transaction that leases the rows (on
PostgreSQL `FOR UPDATE SKIP LOCKED`, so that processes never claim the same row at once; SQLite has one
process); the HTTP calls run outside any transaction; the outcome is written in another. A process that dies
holding a lease leaves the rows to be taken over when it ends: a delivery may then arrive twice, but none is lost.
After `MADOGUCHI_WEBHOOK_MAX_FAILURES` failures in a row the subscription is paused, the administrators told
in the audit log and the logs, and its events wait for it to be resumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from madoguchi import __version__
from madoguchi.agents import audit
from madoguchi.bus import AdminNotice
from madoguchi.errors import InvalidInput
from madoguchi.integrations.webhooks import check_url, do_pause, sign
from madoguchi.logs import get_logger
from madoguchi.store.models import WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.bus import BusEvent
    from madoguchi.runtime import Runtime

log = get_logger(__name__)
# Conversations (heads of lines) claimed in one pass, and deliveries sent one after the other on each line.
BATCH = 50
LINE = 20
MAX_BACKOFF = timedelta(days=1)
_ERROR_CHARS = 500


def backoff(base_seconds: float, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: base, 2 × base, 4 × base, … at most a day."""
    return min(timedelta(seconds=base_seconds * 2 ** min(attempts - 1, 30)), MAX_BACKOFF)


@dataclass(frozen=True)
class _Claimed:
    id: int
    url: str
    secret: str
    body: bytes
    event_id: str


@dataclass(frozen=True)
class _Outcome:
    id: int
    status: int | None
    error: str | None

    @property
    def accepted(self) -> bool:
        return self.error is None


def _due(now: datetime) -> list[object]:
    earlier = aliased(WebhookDelivery)
    return [
        WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
        WebhookSubscription.active.is_(True),
        ~exists().where(
            and_(
                earlier.subscription_id == WebhookDelivery.subscription_id,
                earlier.conversation_id == WebhookDelivery.conversation_id,
                earlier.status == "pending",
                earlier.id < WebhookDelivery.id,
            )
        ),
    ]


async def _claim(runtime: Runtime, now: datetime) -> list[list[_Claimed]]:
    # Twice the slowest delivery (its timeout): then another process may take the row over.
    lease = now + 2 * timedelta(seconds=runtime.settings.webhook_timeout_seconds)
    async with runtime.transaction() as tx:
        query = (
            select(WebhookDelivery, WebhookSubscription.url, WebhookSubscription.secret)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(*_due(now))  # type: ignore[arg-type]
            .order_by(WebhookDelivery.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        lines = []
        for head, url, secret in (await tx.session.execute(query)).all():
            # The head's line: the next pending deliveries of the same conversation to the same subscription, sent
            # after it in this pass as long as each is accepted. Nobody else takes them meanwhile: they wait
            # behind the head, which is leased.
            followers = await tx.session.scalars(
                select(WebhookDelivery)
                .where(
                    WebhookDelivery.subscription_id == head.subscription_id,
                    WebhookDelivery.conversation_id == head.conversation_id,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.id > head.id,
                )
                .order_by(WebhookDelivery.id)
                .limit(LINE - 1)
            )
            line = []
            for delivery in [head, *followers]:
                delivery.lease_until = lease
                body = json.dumps(delivery.body, ensure_ascii=False, separators=(",", ":")).encode()
                line.append(_Claimed(delivery.id, url, secret, body, str(delivery.body.get("id", delivery.event_id))))
            lines.append(line)
        await tx.commit()
    return lines


async def _send_line(runtime: Runtime, client: httpx.AsyncClient, line: list[_Claimed]) -> list[_Outcome]:
    """One conversation's deliveries in order, until one fails: the rest wait for its retry."""
    outcomes = []
    for claimed in line:
        outcome = await _send(runtime, client, claimed)
        outcomes.append(outcome)
        if not outcome.accepted:
            break
    return outcomes


async def _send(runtime: Runtime, client: httpx.AsyncClient, claimed: _Claimed) -> _Outcome:
    timestamp = int(runtime.clock.now().timestamp())
    try:
        await check_url(claimed.url, allow_private=runtime.settings.webhooks_allow_private)
        answer = await client.post(
            claimed.url,
            content=claimed.body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"Madoguchi-Webhooks/{__version__}",
                "Madoguchi-Event-Id": claimed.event_id,
                "Madoguchi-Timestamp": str(timestamp),
                "Madoguchi-Signature": sign(claimed.secret, timestamp, claimed.body),
            },
        )
    except InvalidInput as refused:
        return _Outcome(claimed.id, None, refused.message[:_ERROR_CHARS])
    except httpx.HTTPError as error:
        return _Outcome(claimed.id, None, f"{type(error).__name__}: {error}"[:_ERROR_CHARS])
    if 200 <= answer.status_code < 300:
        return _Outcome(claimed.id, answer.status_code, None)
    return _Outcome(claimed.id, answer.status_code, f"HTTP {answer.status_code}: {answer.text[:200]}")


async def _record(runtime: Runtime, outcomes: list[_Outcome], unsent: list[int], now: datetime) -> None:
    settings = runtime.settings
    async with runtime.transaction() as tx:
        session = tx.session
        if unsent:
            # Behind a failure: free again, still pending, to go after the failed one once it is accepted.
            await session.execute(
                update(WebhookDelivery).where(WebhookDelivery.id.in_(unsent)).values(lease_until=None)
            )
        for outcome in sorted(outcomes, key=lambda item: item.id):
            delivery = await session.get(WebhookDelivery, outcome.id, with_for_update=True)
            if delivery is None:  # its subscription was deleted meanwhile
                continue
            subscription = await session.get(WebhookSubscription, delivery.subscription_id, with_for_update=True)
            delivery.attempts += 1
            delivery.lease_until = None
            delivery.last_status = outcome.status
            delivery.last_error = outcome.error
            if outcome.accepted:
                delivery.status = "delivered"
                delivery.delivered_at = now
                if subscription is not None:
                    subscription.consecutive_failures = 0
                continue
            delivery.next_attempt_at = now + backoff(settings.webhook_retry_seconds, delivery.attempts)
            if subscription is None:
                continue
            subscription.consecutive_failures += 1
            if subscription.active and subscription.consecutive_failures >= settings.webhook_max_failures:
                reason = (
                    f"Paused after {subscription.consecutive_failures} failed deliveries in a row; last: "
                    f"{outcome.error}. 連続して配信に失敗したため停止しました。"
                )[:_ERROR_CHARS]
                do_pause(subscription, reason)
                audit.record(
                    session,
                    None,
                    "webhook.paused",
                    target=str(subscription.id),
                    details={"url": subscription.url, "failures": subscription.consecutive_failures},
                    actor="webhooks",
                )
                log.warning("webhook.paused", subscription=subscription.id, url=subscription.url, error=outcome.error)
                tx.publish_on_commit(
                    AdminNotice(
                        code="webhook_paused",
                        message_ja=f"Webhook {subscription.id}({subscription.url})は連続して配信に失敗したため"
                        "停止しました。受信側を直してから再開してください。",
                        message_en=f"Webhook {subscription.id} ({subscription.url}) was paused after "
                        f"{subscription.consecutive_failures} failed deliveries in a row: fix the receiver, then "
                        "resume it.",
                        target=str(subscription.id),
                    )
                )
        await tx.commit()


async def _release(runtime: Runtime, ids: list[int]) -> None:
    async with runtime.transaction() as tx:
        await tx.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == "pending")
            .values(lease_until=None)
        )
        await tx.commit()


async def deliver_due(runtime: Runtime, client: httpx.AsyncClient) -> int:
    """One pass: claim what is due, send it (different conversations side by side, each conversation's in
    order), write the outcomes; returns how many were sent."""
    now = runtime.clock.now()
    lines = await _claim(runtime, now)
    if not lines:
        return 0
    try:
        sent = await asyncio.gather(*(_send_line(runtime, client, line) for line in lines))
    except asyncio.CancelledError:
        # The process is stopping: the claimed rows are freed for the next one now rather than when their lease
        # ends (one may have reached its receiver already: it is sent again, at least once).
        await asyncio.shield(_release(runtime, [claimed.id for line in lines for claimed in line]))
        raise
    outcomes = [outcome for line_outcomes in sent for outcome in line_outcomes]
    tried = {outcome.id for outcome in outcomes}
    unsent = [claimed.id for line in lines for claimed in line if claimed.id not in tried]
    await _record(runtime, outcomes, unsent, runtime.clock.now())
    return len(outcomes)


def client_for(runtime: Runtime) -> httpx.AsyncClient:
    # Redirects are not followed: the address checked is the address called. TCP_NODELAY: a small body written
    # after the headers is not held back waiting for the receiver's acknowledgement (Nagle's algorithm).
    transport = httpx.AsyncHTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    return httpx.AsyncClient(
        timeout=runtime.settings.webhook_timeout_seconds, follow_redirects=False, transport=transport
    )


async def run_forever(runtime: Runtime) -> None:
    """Deliver until cancelled: at once after an event is committed (in any process sharing the bus), and every
    `MADOGUCHI_WEBHOOK_POLL_SECONDS` for retries that come due."""
    wake = asyncio.Event()

    async def on_event(_: BusEvent) -> None:
        wake.set()

    runtime.bus.subscribe(on_event)
    async with client_for(runtime) as client:
        while True:
            wake.clear()
            try:
                while await deliver_due(runtime, client):
                    pass
            except Exception:
                log.warning("webhook.pass_failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=runtime.settings.webhook_poll_seconds)
