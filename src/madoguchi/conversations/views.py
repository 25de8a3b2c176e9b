"""Snapshots of rows for events and API answers, and what of them an operator is shown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from madoguchi.bus import ConversationSnapshot, MessageView

if TYPE_CHECKING:
    from datetime import datetime

    from madoguchi.bus.events import AttachmentView
    from madoguchi.store.models import Conversation, Message

# A download link signed for a customer (madoguchi.domain.signed_links), with or without the site's origin.
# Whoever holds one can download a receipt, a transcript or a photo until it expires, so it only ever reaches
# the customer it was signed for; operators open files through their own authenticated routes.
_SIGNED_LINK = re.compile(r"(?:https?://[^\s/?#]+)?/api/v1/downloads/\S*", re.IGNORECASE)
# A signature left over from a link cut or re-encoded in the text still unlocks it with the other fields.
_SIGNATURE = re.compile(r"signature(=|%3D)[0-9a-f]{16,}", re.IGNORECASE)
# The bot's hand-over summary ends with its dialogue slots, `key=value` joined by ", " in key order; `labels`
# is the pick list of the customer's recent orders it offered, whoever sold them.
_PICK_LIST_FIRST = re.compile(r"; labels=.*?(?:, (?=[a-z_]+=)|$)", re.DOTALL)
_PICK_LIST_LATER = re.compile(r", labels=.*?(?=, [a-z_]+=|$)", re.DOTALL)
LINK_WITHHELD = "［お客様専用のダウンロードリンク / the customer's own download link］"
# What a shop's staff read instead of the messages from before the conversation became their shop's.
EARLIER_WITH_PLATFORM = "この前のやり取りはプラットフォームとのものです / Earlier messages were with the platform"


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


def without_signed_links(text: str) -> str:
    """The text with every customer's signed download link replaced by a neutral mark."""
    if "downloads" not in text.lower() and "signature" not in text.lower():
        return text
    return _SIGNATURE.sub("signature=…", _SIGNED_LINK.sub(LINK_WITHHELD, text))


def data_without_signed_links(value: Any) -> Any:
    """An event's data (any JSON value) with the signed links in its strings neutralised."""
    if isinstance(value, str):
        return without_signed_links(value)
    if isinstance(value, list):
        return [data_without_signed_links(item) for item in value]
    if isinstance(value, dict):
        return {key: data_without_signed_links(item) for key, item in value.items()}
    return value


def event_data_for_operator(type_: str, data: dict[str, Any], *, shop_staff: bool) -> Any:
    """An event's data as an operator is shown it: without signed links and, for a shop's staff, without the
    other sellers' orders the bot listed for the customer to choose from."""
    shown = data_without_signed_links(data)
    if shop_staff and type_ == "bot.handoff" and isinstance(shown.get("summary"), str):
        summary = _PICK_LIST_LATER.sub("", shown["summary"])
        shown["summary"] = _PICK_LIST_FIRST.sub(lambda match: "; " if match.group().endswith(", ") else "", summary)
    return shown


def for_operator(view: MessageView) -> MessageView:
    """A message as any operator is shown it: no customer's signed link in its text or its photo."""
    text = without_signed_links(view.text)
    attachment = view.attachment
    if attachment is not None and attachment.url is not None:
        attachment = attachment.model_copy(update={"url": None})
    if text == view.text and attachment is view.attachment:
        return view
    return view.model_copy(update={"text": text, "attachment": attachment})


def earlier_with_platform(conversation_id: str, created_at: datetime) -> MessageView:
    """The one line that stands, for a shop's staff, for the messages exchanged before the shop's part."""
    return MessageView(
        id=f"earlier-with-platform:{conversation_id}",
        conversation_id=conversation_id,
        author="system",
        text=EARLIER_WITH_PLATFORM,
        created_at=created_at,
    )
