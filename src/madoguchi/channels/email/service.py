"""The e-mail channel of one process: the inbound SMTP listener and the outbox sender, started and stopped
with the web application so that they share its runtime (database, bus, intent model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from madoguchi.bus import MessageCreated
from madoguchi.channels.email.listener import SmtpListener
from madoguchi.channels.email.outbox import OutboxSender
from madoguchi.channels.email.tickets import CHANNEL
from madoguchi.errors import MadoguchiError

if TYPE_CHECKING:
    from madoguchi.bus import BusEvent
    from madoguchi.runtime import Runtime


class EmailConfigError(MadoguchiError):
    code = "configuration_error"
    http_status = 500


def host_port(value: str, variable: str) -> tuple[str, int]:
    """`host:port` (IPv6 as `[::1]:2525`) from a setting, or an error naming the variable."""
    host, _, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise EmailConfigError(f"{variable} must be host:port (for example 127.0.0.1:2525), not {value!r}")
    return host, int(port)


class EmailChannel:
    def __init__(self, listener: SmtpListener | None, sender: OutboxSender | None) -> None:
        self.listener = listener
        self.sender = sender

    async def on_event(self, event: BusEvent) -> None:
        # Every message on a ticket (the customer's, whose acknowledgement may be queued, or an operator's
        # reply) may have put mail in the outbox; with Redis this reaches the senders of every process.
        if self.sender is not None and isinstance(event, MessageCreated) and event.conversation.channel == CHANNEL:
            self.sender.wake()

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
        if self.sender is not None:
            await self.sender.stop()


async def start_email(runtime: Runtime) -> EmailChannel | None:
    """Start what the settings ask for: the listener (MADOGUCHI_SMTP_LISTEN), the sender (MADOGUCHI_SMTP_RELAY)."""
    settings = runtime.settings
    listen = host_port(settings.smtp_listen, "MADOGUCHI_SMTP_LISTEN") if settings.smtp_listen.strip() else None
    relay_setting = (settings.smtp_relay or "").strip()
    relay = host_port(relay_setting, "MADOGUCHI_SMTP_RELAY") if relay_setting else None
    if listen is None and relay is None:
        return None
    sender = OutboxSender(runtime, *relay) if relay is not None else None
    listener = SmtpListener(runtime, *listen) if listen is not None else None
    channel = EmailChannel(listener, sender)
    if sender is not None:
        await sender.start()
    if listener is not None:
        try:
            await listener.start()
        except BaseException:
            await channel.stop()
            raise
    runtime.bus.subscribe(channel.on_event)
    return channel
