"""Photos in chats: operators send and open them from the console, customers from the chat page."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from sqlalchemy import select

from madoguchi import intake
from madoguchi.bus import MessageView
from madoguchi.conversations import photos, queries
from madoguchi.domain.clock import utcnow
from madoguchi.errors import InvalidInput, NotFound
from madoguchi.runtime import Runtime
from madoguchi.store.models import Conversation, MessageAttachment
from madoguchi.web.deps import CurrentOperator, RuntimeDep, TxDep, chat_customer

router = APIRouter(tags=["photos"])

_IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/*": {}}, "description": "The photo, as the type detected from its bytes."}
}


async def _read_photo(upload: UploadFile, runtime: Runtime) -> photos.Photo:
    limit = runtime.settings.photo_max_bytes
    # One byte past the limit is enough to know the file is too large, without holding all of it.
    content = await upload.read(limit + 1)
    return photos.check_photo(content, upload.filename, limit)


def _serve(attachment: MessageAttachment, cache: str) -> Response:
    # Only ever an image type detected at upload, never sniffed by the browser and never a page: the bytes were
    # chosen by whoever sent them.
    return Response(
        attachment.content,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": cache,
            "X-Content-SHA256": attachment.sha256,
        },
    )


@router.post("/api/v1/console/conversations/{conversation_id}/photos", status_code=201, tags=["console"])
async def send_photo(
    conversation_id: str,
    file: Annotated[UploadFile, File(description="a JPEG, PNG, WebP or HEIC photo")],
    operator: CurrentOperator,
    tx: TxDep,
    runtime: RuntimeDep,
) -> MessageView:
    """Send a photo to the customer as a reply (the type is taken from the bytes, not the name)."""
    photo = await _read_photo(file, runtime)
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    if conversation.channel != "chat":
        raise InvalidInput("Photos can be sent in chats only; attach files to a mail reply instead.")
    message = await photos.do_send_agent_photo(
        tx, operator.agent, conversation, photo, secret=runtime.settings.secret_key
    )
    await tx.commit()
    return message


@router.get(
    "/api/v1/console/conversations/{conversation_id}/photos/{photo_id}",
    response_class=Response,
    responses=_IMAGE,
    tags=["console"],
)
async def open_photo(conversation_id: str, photo_id: str, operator: CurrentOperator, tx: TxDep) -> Response:
    """A photo of a conversation the operator may open (ids in the messages' `attachment`)."""
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id)
    return _serve(await photos.attachment_in(tx.session, conversation.id, photo_id), "private, max-age=300")


@router.post("/api/v1/chat/{conversation_id}/photos", status_code=201, tags=["chat"])
async def receive_photo(
    conversation_id: str,
    file: Annotated[UploadFile, File(description="a JPEG, PNG, WebP or HEIC photo")],
    request: Request,
    tx: TxDep,
    runtime: RuntimeDep,
    token: Annotated[str | None, Form(description="the shop's identity token of a signed-in customer")] = None,
    visitor: Annotated[str | None, Form(description="the visitor token the chat's hello gave")] = None,
    client_id: Annotated[str | None, Form(min_length=1, max_length=64)] = None,
) -> MessageView:
    """A customer's photo into their own chat, authenticated like the chat socket; another chat is "not found"."""
    customer = await chat_customer(tx, runtime, token, visitor)
    if customer.is_anonymous:
        await runtime.limits.anonymous_message(customer.id, request.client.host if request.client else None)
    photo = await _read_photo(file, runtime)
    conversation = await tx.session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id, Conversation.customer_id == customer.id)
        .with_for_update()
    )
    if conversation is None or conversation.channel != "chat":
        raise NotFound(f"There is no chat {conversation_id} of yours.")
    received = await intake.do_receive_photo(tx, runtime, conversation, photo, client_id=client_id or str(uuid.uuid4()))
    await tx.commit()
    return received.message


@router.get("/api/v1/downloads/photo/{photo_id}", response_class=Response, responses=_IMAGE, tags=["downloads"])
async def download_photo(
    photo_id: str, customer: str, expires: int, signature: str, tx: TxDep, runtime: RuntimeDep
) -> Response:
    """A photo of the customer's chat through the signed link in its message (valid for 24 hours)."""
    attachment = await photos.attachment_for_customer(
        tx.session,
        runtime.settings.secret_key,
        photo_id,
        customer_id=customer,
        expires=expires,
        signature=signature,
        now=utcnow(),
    )
    return _serve(attachment, "private, no-store")
