"""Typed events. They leave a process only after the transaction that caused them has committed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConversationSnapshot(_Frozen):
    """What listeners need to know about a conversation to decide who may be told."""

    id: str
    customer_id: str
    channel: str
    state: str
    desk: str | None
    shop_id: str | None
    assignee_id: int | None
    priority: int
    language: str
    queued_at: datetime | None
    last_activity_at: datetime


class AttachmentView(_Frozen):
    """A photo carried by a message; `url` is the customer's signed download link (None in the console)."""

    id: str
    filename: str
    content_type: str
    size: int
    url: str | None = None


class MessageView(_Frozen):
    id: str
    conversation_id: str
    author: Literal["customer", "bot", "agent", "system"]
    text: str
    created_at: datetime
    client_id: str | None = None
    private: bool = False
    agent_name: str | None = None
    attachment: AttachmentView | None = None


class MessageCreated(_Frozen):
    type: Literal["message.created"] = "message.created"
    conversation: ConversationSnapshot
    message: MessageView


ConversationChangeType = Literal[
    "conversation.created",
    "conversation.queued",
    "conversation.assigned",
    "conversation.waiting",
    "conversation.resolved",
    "conversation.reopened",
    # Routing: an offer to an agent, a transfer, an SLA escalation; the state may be unchanged.
    "conversation.offered",
    "conversation.transferred",
    "conversation.escalated",
    # The customer rated the conversation's resolution (`csat` says how).
    "csat.submitted",
]


class CsatView(_Frozen):
    """A customer's rating of a resolution, as consoles are told it (the comment masked like any message)."""

    score: int
    comment: str | None
    via: Literal["chat", "email"]
    resolved_at: str


class ConversationChanged(_Frozen):
    type: ConversationChangeType
    conversation: ConversationSnapshot
    actor: str
    csat: CsatView | None = None


class AdminNotice(_Frozen):
    """Something administrators must act on that belongs to no conversation (a webhook subscription paused
    after repeated failures): shown in the consoles of the administrators logged in, in every process."""

    type: Literal["admin.notice"] = "admin.notice"
    code: str
    message_ja: str
    message_en: str
    target: str | None = None


BusEvent = MessageCreated | ConversationChanged | AdminNotice
Event = Annotated[BusEvent, Field(discriminator="type")]
event_adapter: TypeAdapter[BusEvent] = TypeAdapter(Event)
