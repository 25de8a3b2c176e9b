"""Photos in chats: accepted by what their bytes are (never by their name), stored with the message carrying
them, and linked for the customer through the same signed links as the bot's downloads."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import filetype  # type: ignore[import-untyped]  # the library ships no type information
from sqlalchemy import select

from madoguchi.bus.events import AttachmentView
from madoguchi.conversations import actions
from madoguchi.domain.clock import utcnow
from madoguchi.domain.signed_links import signed_url, verify
from madoguchi.errors import InvalidInput, MadoguchiError, NotFound
from madoguchi.store.models import Conversation, MessageAttachment

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.bus import MessageView
    from madoguchi.store.models import Agent
    from madoguchi.store.tx import Tx

# Photos a phone or a camera makes. GIF, SVG, TIFF and the rest are refused: SVG can carry script, and the
# others are not what a customer photographs a parcel with.
ALLOWED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"})
# An animated PNG is a PNG to every viewer; filetype names it separately.
_SAME_AS = {"image/apng": "image/png"}
LINK_KIND = "photo"
MAX_FILENAME_CHARS = 120


class PhotoTooLarge(MadoguchiError):
    code = "too_large"
    http_status = 413


@dataclass(frozen=True)
class Photo:
    """An upload that passed the checks: what it is, by its content."""

    content: bytes
    filename: str
    content_type: str
    sha256: str


def _clean_filename(name: str | None, content_type: str) -> str:
    # Only the last path segment, without control characters, kept short; the extension stays as sent (the
    # type is taken from the bytes, and downloads are served with that type, not by the name).
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    if not base or base in (".", ".."):
        base = "photo." + content_type.rsplit("/", 1)[-1]
    return base[:MAX_FILENAME_CHARS]


def check_photo(content: bytes, filename: str | None, max_bytes: int) -> Photo:
    """The photo if its bytes are a JPEG, PNG, WebP or HEIC/HEIF image within `max_bytes`; refused otherwise."""
    if len(content) > max_bytes:
        megabytes = max_bytes / (1024 * 1024)
        raise PhotoTooLarge(
            f"写真が大きすぎます（上限 {megabytes:g} MB）。 The photo is too large: the limit is {max_bytes} bytes "
            f"({megabytes:g} MB).",
            max_bytes=max_bytes,
        )
    if not content:
        raise InvalidInput("ファイルが空です。 The file is empty: choose a photo.")
    kind = filetype.guess(content)
    detected = _SAME_AS.get(kind.mime, kind.mime) if kind is not None else None
    if detected is None or detected not in ALLOWED_TYPES:
        raise InvalidInput(
            "送れるのは写真（JPEG・PNG・WebP・HEIC）だけです。 Only photos (JPEG, PNG, WebP or HEIC) can be sent; "
            "this file is not one, whatever its name.",
            detected_type=detected,
        )
    return Photo(
        content=content,
        filename=_clean_filename(filename, detected),
        content_type=detected,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def customer_link(secret: str, attachment_id: str, customer_id: str, now: datetime) -> str:
    """The customer's download link of a photo, signed for them and expiring like the bot's links."""
    return signed_url(secret, LINK_KIND, attachment_id, customer_id, now)


def customer_links(secret: str, customer_id: str) -> Callable[[str], str]:
    """Links for every photo of one customer's history, signed now."""
    now = utcnow()
    return lambda attachment_id: customer_link(secret, attachment_id, customer_id, now)


def caption(photo: Photo) -> str:
    # The message's text: what previews, transcripts and the bot read when they only see text.
    return f"[写真 / Photo] {photo.filename}"


def attach(tx: Tx, conversation: Conversation, photo: Photo, message: MessageView, attachment_id: str) -> None:
    tx.session.add(
        MessageAttachment(
            id=attachment_id,
            message_id=message.id,
            conversation_id=conversation.id,
            filename=photo.filename,
            content_type=photo.content_type,
            size=len(photo.content),
            sha256=photo.sha256,
            content=photo.content,
        )
    )


def _view(photo: Photo, attachment_id: str, url: str) -> AttachmentView:
    return AttachmentView(
        id=attachment_id, filename=photo.filename, content_type=photo.content_type, size=len(photo.content), url=url
    )


async def do_send_agent_photo(
    tx: Tx, agent: Agent, conversation: Conversation, photo: Photo, *, secret: str
) -> MessageView:
    """An operator's photo to the customer, sent as a reply (taking the conversation if nobody has)."""
    attachment_id = str(uuid.uuid4())
    url = customer_link(secret, attachment_id, conversation.customer_id, utcnow())
    message = await actions.do_send_agent_message(
        tx, agent, conversation, text=caption(photo), attachment=_view(photo, attachment_id, url)
    )
    # The message row goes first: the attachment refers to it, and the two have no ORM relationship to order them.
    await tx.session.flush()
    attach(tx, conversation, photo, message, attachment_id)
    return message


def customer_attachment(secret: str, conversation: Conversation, photo: Photo) -> tuple[str, AttachmentView]:
    """The id and the view (with the customer's signed link) of a photo the customer is sending."""
    attachment_id = str(uuid.uuid4())
    url = customer_link(secret, attachment_id, conversation.customer_id, utcnow())
    return attachment_id, _view(photo, attachment_id, url)


async def attachment_in(session: AsyncSession, conversation_id: str, attachment_id: str) -> MessageAttachment:
    """A photo of this conversation with its bytes; "not found" for any other."""
    attachment = await session.scalar(
        select(MessageAttachment).where(
            MessageAttachment.id == attachment_id, MessageAttachment.conversation_id == conversation_id
        )
    )
    if attachment is None:
        raise NotFound(f"There is no photo {attachment_id} in this conversation.")
    await session.refresh(attachment, ["content"])
    return attachment


async def attachment_for_customer(
    session: AsyncSession,
    secret: str,
    attachment_id: str,
    *,
    customer_id: str,
    expires: int,
    signature: str,
    now: datetime,
) -> MessageAttachment:
    """A photo through its signed link: the link must be valid and unexpired, the photo in the customer's chat."""
    verify(secret, LINK_KIND, attachment_id, customer_id, expires, signature, now)
    attachment = await session.scalar(
        select(MessageAttachment)
        .join(Conversation, Conversation.id == MessageAttachment.conversation_id)
        .where(MessageAttachment.id == attachment_id, Conversation.customer_id == customer_id)
    )
    if attachment is None:
        raise NotFound("There is no such photo.")
    await session.refresh(attachment, ["content"])
    return attachment
