"""Snapshots of rows for events and API answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from madoguchi.bus import ConversationSnapshot, MessageView

if TYPE_CHECKING:
    from madoguchi.bus.events import AttachmentView
    from madoguchi.store.models import Conversation, Message


def snapshot(conversation: Conversation) -> ConversationSnapshot:
    return ConversationSnapshot(
        id=conversation.id,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        state=conversation.state,
        desk=conversation.desk,
        shop_id=conversation.shop_id,
        assignee_id=conversation.assignee_id,
        priority=conversation.priority,
        language=conversation.language,
        queued_at=conversation.queued_at,
        last_activity_at=conversation.last_activity_at,
    )


def message_view(
    message: Message, agent_name: str | None = None, attachment: AttachmentView | None = None
) -> MessageView:
    return MessageView(
        id=message.id,
        conversation_id=message.conversation_id,
        author=message.author,  # the column only ever holds an Author value
        text=message.text,
        created_at=message.created_at,
        client_id=message.client_id,
        private=message.private,
        agent_name=agent_name,
        attachment=attachment,
    )
