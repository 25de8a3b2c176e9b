"""The outbox: mail to customers is queued in the same transaction as what caused it, then sent through the
relay and retried with back-off until the relay takes it or refuses it for good.

Delivery is at least once: a process that dies after the relay accepted a mail but before it recorded that
sends it again once its lease runs out, with the same Message-ID, which mail clients show once.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import aiosmtplib
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import undefer

from madoguchi.channels.email.compose import build_mail
from madoguchi.conversations import events
from madoguchi.domain.clock import utcnow
from madoguchi.logs import get_logger
from madoguchi.store.models import OutboundEmail, Ticket

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import CursorResult
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.runtime import Runtime
    from madoguchi.store.tx import Tx

log = get_logger(__name__)
QUEUED, SENT, FAILED = "queued", "sent", "failed"
# A sender holds a mail this long; after that another process may take it over.
LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
# Mail servers give up on a message after days; a customer waiting on an answer should not wait that long
# without the operator knowing.
GIVE_UP_AFTER = timedelta(hours=48)
POLL_SECONDS = 5.0
SEND_TIMEOUT_SECONDS = 60.0
BATCH = 20
CONCURRENCY = 4
NO_RELAY = "MADOGUCHI_SMTP_RELAY is not set: the mail waits in the outbox until a relay is configured"


@dataclass(frozen=True)
class Draft:
    """A mail to queue on a ticket."""

    kind: str
    automatic: bool
    from_address: str
    from_name: str | None
    to_address: str
    subject: str
    text: str
    in_reply_to: str | None
    references: list[str]
    message_row_id: str | None = None


def queue_mail(tx: Tx, ticket: Ticket, draft: Draft, *, relay_configured: bool, actor: str) -> OutboundEmail:
    now = utcnow()
    message_id, raw = build_mail(
        from_address=draft.from_address,
        from_name=draft.from_name,
        to_address=draft.to_address,
        subject=draft.subject,
        text=draft.text,
        in_reply_to=draft.in_reply_to,
        references=draft.references,
        automatic=draft.automatic,
        now=now,
    )
    mail = OutboundEmail(
        id=str(uuid.uuid4()),
        ticket_number=ticket.number,
        message_row_id=draft.message_row_id,
        kind=draft.kind,
        automatic=draft.automatic,
        message_id=message_id,
        # Automatic mail has a null return path (RFC 3834): a bounce of it must not start another exchange.
        mail_from="" if draft.automatic else draft.from_address,
        to_address=draft.to_address,
        subject=draft.subject,
        raw=raw,
        status=QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    tx.session.add(mail)
    extra = {} if relay_configured else {"waiting": NO_RELAY}
    events.record(
        tx,
        ticket.conversation_id,
        actor,
        events.EmailQueued(outbound_id=mail.id, kind=draft.kind, to=draft.to_address, message_id=message_id, **extra),
    )
    return mail


async def automatic_replies_since(session: AsyncSession, address: str, since: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(OutboundEmail)
        .where(
            OutboundEmail.to_address == address, OutboundEmail.automatic.is_(True), OutboundEmail.created_at >= since
        )
    )
    return int(count or 0)


def backoff(attempts: int, first: float) -> timedelta:
    """The wait before attempt `attempts + 1`: `first` seconds, doubled after every failure, at most an hour."""
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class _Outcome:
    code: int | None
    answer: str

    @property
    def delivered(self) -> bool:
        return self.code is not None and self.code < 400

    @property
    def permanent(self) -> bool:
        return self.code is not None and self.code >= 500


class OutboxSender:
    """Sends due mail from the outbox through the relay; one per process, several processes may share a database."""

    def __init__(self, runtime: Runtime, host: str, port: int) -> None:
        self.runtime = runtime
        self.host = host
        self.port = port
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._limit = asyncio.Semaphore(CONCURRENCY)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="email-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.send_due()
            except Exception:
                # A database outage must not end the sender: the mail stays queued and is tried again.
                log.exception("email.outbox_failed")
                sent = 0
            if sent:
                continue
            idle = await self._idle_seconds()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives as
            # the event is set, and the sender would then never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(idle):
                    await self._wake.wait()
            self._wake.clear()

    async def _idle_seconds(self) -> float:
        try:
            async with self.runtime.sessions() as session:
                due = await session.scalar(
                    select(func.min(OutboundEmail.next_attempt_at)).where(OutboundEmail.status == QUEUED)
                )
        except Exception:
            return POLL_SECONDS
        if due is None:
            return POLL_SECONDS
        return min(POLL_SECONDS, max(0.0, (due - utcnow()).total_seconds()))

    async def send_due(self) -> int:
        """Try every mail that is due now; returns how many were tried."""
        now = utcnow()
        async with self.runtime.sessions() as session:
            ids = list(
                await session.scalars(
                    select(OutboundEmail.id)
                    .where(
                        OutboundEmail.status == QUEUED,
                        OutboundEmail.next_attempt_at <= now,
                        or_(OutboundEmail.lease_until.is_(None), OutboundEmail.lease_until < now),
                    )
                    .order_by(OutboundEmail.next_attempt_at)
                    .limit(BATCH)
                )
            )
        results = await asyncio.gather(*(self._send_one(mail_id) for mail_id in ids))
        return sum(results)

    async def _send_one(self, mail_id: str) -> int:
        async with self._limit:
            mail = await self._claim(mail_id)
            if mail is None:
                return 0
            outcome = await self._deliver(mail)
            await self._settle(mail_id, outcome)
            return 1

    async def _claim(self, mail_id: str) -> OutboundEmail | None:
        now = utcnow()
        async with self.runtime.transaction() as tx:
            result = cast(
                "CursorResult[Any]",
                await tx.session.execute(
                    update(OutboundEmail)
                    .where(
                        OutboundEmail.id == mail_id,
                        OutboundEmail.status == QUEUED,
                        or_(OutboundEmail.lease_until.is_(None), OutboundEmail.lease_until < now),
                    )
                    .values(lease_until=now + LEASE, attempts=OutboundEmail.attempts + 1)
                ),
            )
            if result.rowcount != 1:
                return None  # another process took it
            mail = await tx.session.scalar(
                select(OutboundEmail).where(OutboundEmail.id == mail_id).options(undefer(OutboundEmail.raw))
            )
            await tx.commit()
        return mail

    async def _deliver(self, mail: OutboundEmail) -> _Outcome:
        # The client object, not `aiosmtplib.send`: only it sends the null return path ("MAIL FROM:<>").
        client = aiosmtplib.SMTP(hostname=self.host, port=self.port, timeout=SEND_TIMEOUT_SECONDS)
        try:
            async with client:
                _, answer = await client.sendmail(mail.mail_from, [mail.to_address], mail.raw)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            return _Outcome(refused.code, refused.message)
        except aiosmtplib.SMTPResponseException as exc:
            return _Outcome(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return _Outcome(None, f"{type(exc).__name__}: {exc}")
        return _Outcome(250, answer)

    async def _settle(self, mail_id: str, outcome: _Outcome) -> None:
        now = utcnow()
        async with self.runtime.transaction() as tx:
            mail = await tx.session.scalar(select(OutboundEmail).where(OutboundEmail.id == mail_id).with_for_update())
            if mail is None:
                return  # the ticket was deleted meanwhile
            ticket = await tx.session.get(Ticket, mail.ticket_number)
            mail.lease_until = None
            event: events.Payload
            details: dict[str, Any] = {
                "outbound_id": mail.id,
                "kind": mail.kind,
                "to": mail.to_address,
                "attempts": mail.attempts,
            }
            if outcome.delivered:
                mail.status, mail.sent_at, mail.last_error = SENT, now, None
                event = events.EmailSent(**details, relay_answer=outcome.answer[:500])
            elif outcome.permanent or now - mail.created_at >= GIVE_UP_AFTER:
                mail.status = FAILED
                mail.last_error = self._describe(outcome)
                reason = "refused by the relay" if outcome.permanent else f"not delivered within {GIVE_UP_AFTER}"
                event = events.EmailFailed(**details, code=outcome.code, error=mail.last_error, reason=reason)
                log.warning("email.failed", outbound_id=mail.id, code=outcome.code, error=mail.last_error)
            else:
                mail.last_error = self._describe(outcome)
                mail.next_attempt_at = now + backoff(mail.attempts, self.runtime.settings.email_retry_seconds)
                event = events.EmailDeferred(
                    **details,
                    code=outcome.code,
                    error=mail.last_error,
                    next_attempt_at=mail.next_attempt_at.isoformat(),
                )
                log.info("email.deferred", outbound_id=mail.id, code=outcome.code, error=mail.last_error)
            if ticket is not None:
                events.record(tx, ticket.conversation_id, "outbox", event)
            await tx.commit()

    @staticmethod
    def _describe(outcome: _Outcome) -> str:
        return f"{outcome.code} {outcome.answer}"[:1000] if outcome.code else outcome.answer[:1000]
