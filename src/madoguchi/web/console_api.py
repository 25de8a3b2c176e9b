"""The operator console's REST API: queue, conversations, replies, notes, resolution."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from madoguchi.bus import MessageView
from madoguchi.channels.email import tickets
from madoguchi.conversations import actions, queries
from madoguchi.domain.clock import utcnow
from madoguchi.domain.text import clean_message_text
from madoguchi.routing import assignment
from madoguchi.store.models import Conversation
from madoguchi.web.deps import CurrentOperator, RuntimeDep, TxDep
from madoguchi.web.schemas import (
    ConsoleListsOut,
    ConversationDetailOut,
    ConversationOut,
    CustomerOut,
    EventOut,
    TextIn,
)

router = APIRouter(prefix="/api/v1/console", tags=["console"])


async def _shape(session: AsyncSession, conversations: list[Conversation]) -> list[ConversationOut]:
    customers = await queries.customers_of(session, conversations)
    previews = await queries.last_customer_texts(session, conversations)
    shaped = []
    for conversation in conversations:
        customer = customers[conversation.customer_id]
        shaped.append(
            ConversationOut(
                id=conversation.id,
                state=conversation.state,
                desk=conversation.desk,
                shop_id=conversation.shop_id,
                channel=conversation.channel,
                language=conversation.language,
                priority=conversation.priority,
                assignee_id=conversation.assignee_id,
                created_at=conversation.created_at,
                queued_at=conversation.queued_at,
                last_activity_at=conversation.last_activity_at,
                customer=CustomerOut(
                    id=customer.id,
                    name=customer.name,
                    language=customer.language,
                    anonymous=customer.is_anonymous,
                    member_tier=customer.member_tier,
                    email=customer.email,
                    phone=customer.phone,
                ),
                last_message=previews.get(conversation.id),
            )
        )
    return shaped


@router.get("/conversations")
async def list_conversations(operator: CurrentOperator, tx: TxDep) -> ConsoleListsOut:
    """The queue the operator may take from, their own open conversations, and recently resolved ones."""
    session = tx.session
    return ConsoleListsOut(
        queue=await _shape(session, await queries.queue_for(session, operator.agent)),
        mine=await _shape(session, await queries.assigned_to(session, operator.agent)),
        resolved=await _shape(session, await queries.recently_resolved(session, operator.agent)),
    )


async def _detail(session: AsyncSession, conversation: Conversation) -> ConversationDetailOut:
    (summary,) = await _shape(session, [conversation])
    messages = await queries.history(session, conversation.id, include_private=True)
    events = [
        EventOut(id=event.id, type=event.type, actor=event.actor, data=event.data, created_at=event.created_at)
        for event in await queries.events_of(session, conversation.id)
    ]
    return ConversationDetailOut(
        **summary.model_dump(exclude={"queue_position"}),
        queue_position=await queries.queue_position(session, conversation),
        messages=messages,
        events=events,
    )


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: str, operator: CurrentOperator, tx: TxDep) -> ConversationDetailOut:
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id)
    return await _detail(tx.session, conversation)


@router.post("/conversations/{conversation_id}/take")
async def take_conversation(conversation_id: str, operator: CurrentOperator, tx: TxDep) -> ConversationDetailOut:
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    # A manual pick wins over an offer made to someone else.
    await assignment.do_withdraw_offers(tx, conversation, utcnow(), "taken_by_hand")
    await actions.do_take(tx, operator.agent, conversation)
    await tx.commit()
    return await _detail(tx.session, conversation)


@router.post("/conversations/{conversation_id}/messages", status_code=201)
async def reply(
    conversation_id: str, body: TextIn, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep
) -> MessageView:
    text = clean_message_text(body.text, runtime.settings.max_message_chars)
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    message = await actions.do_send_agent_message(tx, operator.agent, conversation, text=text, client_id=body.client_id)
    if conversation.channel == tickets.CHANNEL:
        # On a ticket the customer is not on a socket: the reply leaves as a mail, queued in this transaction.
        await tickets.do_queue_agent_reply(tx, runtime.settings, operator.agent, conversation, message)
    await tx.commit()
    return message


@router.get(
    "/conversations/{conversation_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file as it was received."}},
)
async def download_attachment(
    conversation_id: str, attachment_id: str, operator: CurrentOperator, tx: TxDep
) -> Response:
    """A file a customer sent by e-mail (ids in the conversation's `email.received` events)."""
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id)
    attachment = await tickets.attachment_of(tx.session, conversation, attachment_id)
    # Always a download, never rendered in the console's origin: a customer's file may be HTML or a script.
    media_type = attachment.detected_type or "application/octet-stream"
    if media_type.startswith("text/") or "html" in media_type or "xml" in media_type:
        media_type = "application/octet-stream"
    return Response(
        attachment.content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "Content-Security-Policy": "sandbox",
            "X-Content-SHA256": attachment.sha256,
        },
    )


@router.post("/conversations/{conversation_id}/notes", status_code=201)
async def add_note(
    conversation_id: str, body: TextIn, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep
) -> MessageView:
    text = clean_message_text(body.text, runtime.settings.max_message_chars)
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    note = await actions.do_add_note(tx, operator.agent, conversation, text=text)
    await tx.commit()
    return note


@router.post("/conversations/{conversation_id}/resolve")
async def resolve(conversation_id: str, operator: CurrentOperator, tx: TxDep) -> ConversationDetailOut:
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    await assignment.do_withdraw_offers(tx, conversation, utcnow(), "resolved")
    await actions.do_resolve(tx, operator.agent, conversation)
    await tx.commit()
    return await _detail(tx.session, conversation)
