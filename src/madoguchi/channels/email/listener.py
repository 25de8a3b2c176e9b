"""Inbound SMTP (aiosmtpd) on the process's own event loop: it shares the runtime with the web application.

The server answers `250` only after the mail is committed to the database, raw bytes included; anything that
keeps it from being stored is answered `451`, so that the sending server keeps the mail and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
from typing import TYPE_CHECKING, Any, AnyStr

from aiosmtpd.smtp import SMTP, Envelope, Session

from madoguchi.channels.email.mime import parse_mail, ticket_tag
from madoguchi.channels.email.tickets import Envelope as MailEnvelope
from madoguchi.channels.email.tickets import Receipt, do_receive_mail, support_addresses
from madoguchi.logs import get_logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from madoguchi.runtime import Runtime

log = get_logger(__name__)
NULL_SENDER = "<>"
# How long a stopping server waits for mail being stored before it closes the connections.
_DRAIN_SECONDS = 10.0


async def receive_mail(
    runtime: Runtime, raw: bytes, envelope: MailEnvelope, parse_slots: asyncio.Semaphore | None = None
) -> Receipt:
    """Read and store one mail; returns once it is committed.

    Every mail is read in a thread: its cost follows its structure, not its size (a small mail of thousands of
    tiny parts takes as long as a large one), and the event loop also serves the chats and the web. At most
    `parse_slots` mails are read at once, so that a burst of them leaves CPU for everything else.
    """
    settings = runtime.settings
    read = functools.partial(
        parse_mail,
        raw,
        max_attachment_bytes=settings.email_max_attachment_bytes,
        max_attachments=settings.email_max_attachments,
        max_parts=settings.email_max_mime_parts,
        max_depth=settings.email_max_mime_depth,
        authserv_id=settings.email_authserv_id.strip(),
    )
    async with parse_slots or contextlib.nullcontext():
        mail = await asyncio.to_thread(read)
    async with runtime.transaction() as tx:
        receipt = await do_receive_mail(tx, runtime, envelope, raw, mail)
        await tx.commit()
    return receipt


class MailHandler:
    """aiosmtpd's hooks: accept mail for the support addresses, store it, answer only once it is stored."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.addresses = support_addresses(runtime.settings)
        self.max_recipients = runtime.settings.email_max_recipients
        self.parse_slots = asyncio.Semaphore(runtime.settings.email_parse_concurrency)
        self.storing = 0
        self.idle = asyncio.Event()
        self.idle.set()

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        # aiosmtpd takes an empty sender for "no MAIL yet"; a null return path (bounces) is kept as "<>".
        envelope.mail_from = address or NULL_SENDER
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Sender OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() not in self.addresses:
            return f"550 5.1.1 <{address}>: no such mailbox here; this server only takes mail for customer support"
        if len(envelope.rcpt_tos) >= self.max_recipients:
            # RFC 5321 4.5.3.1.10: the client sends this mail now and the other recipients in another transaction.
            return f"452 4.5.3 Too many recipients: at most {self.max_recipients} in one mail"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Recipient OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        mail_from = envelope.mail_from or NULL_SENDER
        mail_envelope = MailEnvelope(
            mail_from="" if mail_from == NULL_SENDER else mail_from, rcpt_to=tuple(envelope.rcpt_tos)
        )
        self.storing += 1
        self.idle.clear()
        try:
            receipt = await receive_mail(self.runtime, raw, mail_envelope, self.parse_slots)
        except Exception:
            log.exception("email.store_failed", mail_from=mail_from, size=len(raw), peer=str(session.peer))
            return "451 4.3.0 The mail could not be stored and nothing was kept: please send it again later"
        finally:
            self.storing -= 1
            if not self.storing:
                self.idle.set()
        log.info(
            "email.received",
            ticket=receipt.ticket_number,
            new_ticket=receipt.new_ticket,
            duplicate=receipt.duplicate,
            delivery_report=receipt.delivery_report,
            size=len(raw),
        )
        if receipt.ticket_number is None:
            # Accepted, not refused: a refused bounce would only come back to us as another bounce.
            return "250 2.0.0 Delivery report received; it answers no mail of ours, so no ticket was opened"
        tag = ticket_tag(receipt.ticket_number)
        return f"250 2.0.0 {'Already stored' if receipt.duplicate else 'Stored'} as ticket {tag}"


class _SupportSMTP(SMTP):
    """aiosmtpd's server with size refusals that say what the limit is and what to do instead."""

    def __init__(self, handler: MailHandler, *, too_big: str, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._too_big = too_big

    async def push(self, status: AnyStr) -> None:
        if isinstance(status, str) and status.startswith("552 Error"):
            await super().push(self._too_big)
            return
        await super().push(status)


class SmtpListener:
    def __init__(self, runtime: Runtime, host: str, port: int) -> None:
        self.runtime = runtime
        self.host = host
        self.port = port
        self.handler = MailHandler(runtime)
        self._server: asyncio.Server | None = None
        self._connections: set[_SupportSMTP] = set()

    async def start(self) -> None:
        # aiosmtpd logs every command of every connection; the channel logs each mail once (email.received).
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        settings = self.runtime.settings
        limit = settings.email_max_bytes
        too_big = (
            f"552 5.3.4 The mail is larger than this desk accepts ({limit // (1024 * 1024)} MB, {limit} bytes): "
            "send large files as a link or spread them over several mails"
        )
        hostname = next(iter(sorted(self.handler.addresses)), "localhost").rpartition("@")[2] or "localhost"
        factory: Callable[[], _SupportSMTP] = lambda: self._track(  # noqa: E731
            _SupportSMTP(
                self.handler,
                too_big=too_big,
                data_size_limit=limit,
                enable_SMTPUTF8=True,
                hostname=hostname,
                ident="Madoguchi",
                loop=asyncio.get_running_loop(),
            )
        )
        try:
            # Several `madoguchi serve` processes on one machine share the port; the kernel spreads connections.
            self._server = await asyncio.get_running_loop().create_server(
                factory, self.host, self.port, reuse_port=hasattr(socket, "SO_REUSEPORT")
            )
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"the inbound SMTP listener cannot open {self.host}:{self.port} ({exc.strerror}): "
                "set MADOGUCHI_SMTP_LISTEN to a free host:port, or to nothing to disable inbound mail",
            ) from exc
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("email.listening", host=self.host, port=self.port, addresses=sorted(self.handler.addresses))

    def _track(self, protocol: _SupportSMTP) -> _SupportSMTP:
        self._connections.add(protocol)
        return protocol

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Mail being stored finishes (and gets its 250); connections that are idle or mid-DATA are closed, and
        # their senders keep the mail and send it again.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.handler.idle.wait(), _DRAIN_SECONDS)
        for protocol in self._connections:
            if protocol.transport is not None:
                protocol.transport.close()
        self._connections.clear()
        self._server = None
