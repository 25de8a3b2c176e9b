"""When Madoguchi may answer a mail by itself (RFC 3834), so that two programs never write to each other forever.

An automatic reply goes only to a person: never to mail that says a program sent it (`Auto-Submitted`,
`Precedence`, `X-Auto-Response-Suppress`, mailing-list headers, delivery reports), never to mailer daemons
and no-reply senders, never to our own addresses, and never more than a few times an hour to one address,
which stops a loop with an auto-responder that ignores all of these signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection

    from madoguchi.channels.email.mime import ParsedMail

_MACHINE_LOCAL_PARTS = frozenset(
    {
        "mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply",
        "do_not_reply", "bounce", "bounces", "daemon",
    }
)  # fmt: skip
_BULK = frozenset({"bulk", "junk", "list"})

# The headers our own automatic mail carries (RFC 3834; Microsoft's header keeps Exchange from answering it).
AUTOMATIC_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}


def why_not_auto_reply(
    mail: ParsedMail,
    *,
    sender: str | None,
    null_return_path: bool,
    support_addresses: Collection[str],
    replies_last_hour: int,
    cap: int,
) -> str | None:
    """None when an automatic reply may go to `sender`; otherwise the reason, recorded on the ticket."""
    headers = mail.loop_headers
    if sender is None:
        return "no_sender"
    if null_return_path:
        return "null_return_path"  # bounces and other automatic mail are sent with MAIL FROM:<>
    auto_submitted = headers.get("auto-submitted", "").split(";", 1)[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_submitted"
    if headers.get("precedence", "").strip().lower() in _BULK:
        return "precedence"
    if "x-auto-response-suppress" in headers:
        return "auto_response_suppress"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing_list"
    if mail.is_report:
        return "delivery_report"
    local_part, _, _ = sender.partition("@")
    if local_part.lower() in _MACHINE_LOCAL_PARTS or local_part.lower().startswith(("noreply", "no-reply")):
        return "machine_sender"
    if sender.lower() in support_addresses:
        return "own_address"
    if replies_last_hour >= cap:
        return "hourly_cap"
    return None
