"""The operator console's REST API: queue, conversations, replies, notes, resolution."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from madoguchi.bus import MessageView
from madoguchi.channels.email import tickets
from madoguchi.conversations import actions, queries
from madoguchi.conversations.views import event_data_for_operator, without_signed_links
from madoguchi.domain.clock import utcnow
from madoguchi.domain.text import clean_message_text
from madoguchi.errors import NotFound
from madoguchi.routing import assignment
from madoguchi.store.models import Agent, Conversation, Customer
from madoguchi.web.deps import ConversationsReader, ConversationsWriter, CurrentOperator, RuntimeDep, TxDep
from madoguchi.web.schemas import (
    ConsoleListsOut,
    ConversationDetailOut,
    ConversationOut,
    CustomerConversationsOut,
    CustomerOut,
    EventOut,
    TextIn,
)

router = APIRouter(prefix="/api/v1/console", tags=["console"])


async def _shape(session: AsyncSession, conversations: list[Conversation]) -> list[ConversationOut]:
    customers = await queries.customers_of(session, conversations)
    # The latest customer message is always in a shop's part: that part begins with the customer's message
    # that moved the conversation to the shop (queries.shop_part_start).
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
                customer=_customer_out(customer),
                last_message=_preview(previews.get(conversation.id)),
            )
        )
    return shaped


def _customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut(
        id=customer.id,
        name=customer.name,
        language=customer.language,
        anonymous=customer.is_anonymous,
        member_tier=customer.member_tier,
        email=customer.email,
        phone=customer.phone,
    )


def _preview(text: str | None) -> str | None:
    return without_signed_links(text) if text is not None else None


@router.get("/conversations")
async def list_conversations(operator: ConversationsReader, tx: TxDep) -> ConsoleListsOut:
    """The queue the operator may take from, their own open conversations, and recently resolved ones (an API
    token with `conversations:read`: those of its shop, or all for a platform token)."""
    session = tx.session
    return ConsoleListsOut(
        queue=await _shape(session, await queries.queue_for(session, operator.agent)),
        mine=await _shape(session, await queries.assigned_to(session, operator.agent)),
        resolved=await _shape(session, await queries.recently_resolved(session, operator.agent)),
    )


async def _detail(session: AsyncSession, agent: Agent, conversation: Conversation) -> ConversationDetailOut:
    """The conversation as the agent may read it: a shop's staff only from where it became the shop's."""
    (summary,) = await _shape(session, [conversation])
    messages = await queries.operator_history(session, agent, conversation)
    events = [
        EventOut(
            id=event.id,
            type=event.type,
            actor=event.actor,
            # The bot's replies list the links it gave: a customer's signed links never reach an operator.
            data=event_data_for_operator(event.type, event.data, shop_staff=agent.shop_id is not None),
            created_at=event.created_at,
        )
        for event in await queries.operator_events(session, agent, conversation)
    ]
    return ConversationDetailOut(
        **summary.model_dump(exclude={"queue_position"}),
        queue_position=await queries.queue_position(session, conversation),
        messages=messages,
        events=events,
    )


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: str, operator: ConversationsReader, tx: TxDep) -> ConversationDetailOut:
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id)
    return await _detail(tx.session, operator.agent, conversation)


@router.post("/conversations/{conversation_id}/take")
async def take_conversation(conversation_id: str, operator: CurrentOperator, tx: TxDep) -> ConversationDetailOut:
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    # A manual pick wins over an offer made to someone else.
    await assignment.do_withdraw_offers(tx, conversation, utcnow(), "taken_by_hand")
    await actions.do_take(tx, operator.agent, conversation)
    await tx.commit()
    return await _detail(tx.session, operator.agent, conversation)


@router.post("/conversations/{conversation_id}/messages", status_code=201)
async def reply(
    conversation_id: str, body: TextIn, operator: ConversationsWriter, tx: TxDep, runtime: RuntimeDep
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
    if operator.agent.shop_id is not None and attachment_id not in await _readable_attachments(
        tx.session, operator.agent, conversation
    ):
        raise NotFound(f"There is no attachment {attachment_id} on this conversation.")
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


async def _readable_attachments(session: AsyncSession, agent: Agent, conversation: Conversation) -> set[str]:
    """The ids of the files received in the part of the conversation the agent may read."""
    return {
        str(item.get("id"))
        for event in await queries.operator_events(session, agent, conversation)
        if event.type == "email.received"
        for item in event.data.get("attachments", [])
        if isinstance(item, dict)
    }


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
async def resolve(
    conversation_id: str, request: Request, operator: ConversationsWriter, tx: TxDep, runtime: RuntimeDep
) -> ConversationDetailOut:
    """Resolve; on an e-mail ticket the customer is mailed that it is resolved, with a link to rate the answer."""
    conversation = await queries.access_conversation(tx.session, operator.agent, conversation_id, for_update=True)
    await assignment.do_withdraw_offers(tx, conversation, utcnow(), "resolved")
    await actions.do_resolve(tx, operator.agent, conversation)
    if conversation.channel == tickets.CHANNEL:
        # Links in mail need the address customers reach; without one configured, the one this console used.
        base_url = runtime.settings.public_url or str(request.base_url)
        await tickets.do_queue_resolution_mail(tx, runtime.settings, operator.agent, conversation, base_url)
    await tx.commit()
    return await _detail(tx.session, operator.agent, conversation)


@router.get("/customers/{customer_id}")
async def look_up_customer(customer_id: str, operator: ConversationsReader, tx: TxDep) -> CustomerConversationsOut:
    """A customer and their conversations the caller may see (a shop's staff or token: with that shop only; a
    customer who never wrote to the shop is "not found" to it)."""
    customer = await tx.session.get(Customer, customer_id)
    conversations = await queries.conversations_of_customer(tx.session, operator.agent, customer_id)
    if customer is None or (operator.agent.shop_id is not None and not conversations):
        raise NotFound(f"There is no customer {customer_id} that you can look up.")
    return CustomerConversationsOut(
        customer=_customer_out(customer), conversations=await _shape(tx.session, conversations)
    )
