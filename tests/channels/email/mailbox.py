"""Test doubles for the mail around Madoguchi: a customer's SMTP client, the relay that captures what
Madoguchi sends, and builders for the mails Japanese customers write."""

from __future__ import annotations

import asyncio
import base64
import email
import smtplib
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.header import Header
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, Envelope, Session

if TYPE_CHECKING:
    from email.message import EmailMessage

SUPPORT = "support@madoguchi.localhost"
CUSTOMER = "sato.hanako@example.jp"
# The start of a JPEG file (what `filetype` recognises) followed by filler: a photo as far as a mail cares.
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 40 + b"\xff\xd9"


def windows_iso2022jp(text: str) -> bytes:
    """ISO-2022-JP as Windows mail software writes it: NEC characters (①, ㈱) at their JIS row 13 codes."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("iso2022_jp")
            continue
        except UnicodeEncodeError:
            lead, trail = char.encode("cp932")
        row = (lead - (0x70 if lead < 0xA0 else 0xB0)) * 2 - (1 if trail < 0x9F else 0)
        cell = trail - (0x1F if trail < 0x7F else 0x20) if trail < 0x9F else trail - 0x7E
        out += b"\x1b$B" + bytes((row, cell)) + b"\x1b(B"
    return bytes(out)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Answer:
    code: int
    text: bytes


def _send(port: int, raw: bytes, mail_from: str, recipients: tuple[str, ...]) -> Answer:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("customer.example.jp")
        code, text = client.mail(mail_from)
        if code != 250:
            return Answer(code, text)
        for recipient in recipients:
            code, text = client.rcpt(recipient)
            if code != 250:
                return Answer(code, text)
        code, text = client.data(raw)
        return Answer(code, text)


async def send_mail(
    port: int, raw: bytes, *, mail_from: str = CUSTOMER, recipients: tuple[str, ...] = (SUPPORT,)
) -> Answer:
    """One SMTP conversation from a customer's mail server (blocking smtplib, off the server's loop)."""
    return await asyncio.to_thread(_send, port, raw, mail_from, recipients)


def message_id() -> str:
    return f"{uuid.uuid4().hex}@example.jp"


def headers(
    *, subject: str, charset: str, from_name: str = "佐藤 花子", sender: str = CUSTOMER, **extra: str
) -> list[str]:
    lines = [
        f"From: {Header(from_name, charset).encode()} <{sender}>",
        f"To: {SUPPORT}",
        f"Subject: {Header(subject, charset).encode()}",
        "Date: Mon, 23 Nov 2026 10:00:00 +0900",
        f"Message-ID: <{extra.pop('message_id', message_id())}>",
        "MIME-Version: 1.0",
    ]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    return lines


def text_mail(subject: str, body: str, *, charset: str = "utf-8", codec: str | None = None, **extra: str) -> bytes:
    """A plain text mail whose body is `body` in `charset` (encoded with `codec` when Python names it otherwise)."""
    payload = body.replace("\n", "\r\n").encode(codec or charset)
    encoding = "7bit" if payload.isascii() else "base64"
    if encoding == "base64":
        payload = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    head = [
        *headers(subject=subject, charset=charset if charset != "euc-jp" else "utf-8", **extra),
        f"Content-Type: text/plain; charset={charset}",
        f"Content-Transfer-Encoding: {encoding}",
    ]
    return "\r\n".join(head).encode() + b"\r\n\r\n" + payload + b"\r\n"


def mail_with_attachment(
    subject: str, body: str, *, charset: str, codec: str, filename: str, content_type: str, content: bytes, **extra: str
) -> bytes:
    boundary = f"=_{uuid.uuid4().hex}"
    text = windows_iso2022jp(body.replace("\n", "\r\n")) if codec == "windows-iso2022jp" else body.encode(codec)
    attachment = base64.encodebytes(content).replace(b"\n", b"\r\n")
    head = [
        *headers(subject=subject, charset=charset, **extra),
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
    ]
    parts = [
        "\r\n".join(head).encode(),
        b"",
        f"--{boundary}".encode(),
        f"Content-Type: text/plain; charset={charset}".encode(),
        b"Content-Transfer-Encoding: 7bit",
        b"",
        text,
        f"--{boundary}".encode(),
        f'Content-Type: {content_type}; name="{filename}"'.encode(),
        f'Content-Disposition: attachment; filename="{filename}"'.encode(),
        b"Content-Transfer-Encoding: base64",
        b"",
        attachment,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(parts)


def parse(raw: bytes) -> EmailMessage:
    parsed: EmailMessage = email.message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
    return parsed


@dataclass
class Captured:
    mail_from: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return parse(self.raw)


@dataclass
class Relay:
    """The SMTP relay Madoguchi sends through, capturing every mail; `answers` scripts its DATA replies."""

    port: int = 0
    received: list[Captured] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    on_mail: Callable[[Captured], Any] | None = None
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: asyncio.Server | None = None

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        envelope.mail_from = address or "<>"
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answers:
            return self.answers.pop(0)
        captured = Captured(envelope.mail_from or "", list(envelope.rcpt_tos), envelope.original_content or b"")
        async with self._arrived:
            self.received.append(captured)
            self._arrived.notify_all()
        if self.on_mail is not None:
            asyncio.get_running_loop().create_task(self.on_mail(captured))
        return "250 2.0.0 Queued"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(self, hostname="relay.test", loop=loop), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[Captured]:
        """At least `count` mails received (all of them are returned)."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.received) >= count), timeout)
        return list(self.received)
