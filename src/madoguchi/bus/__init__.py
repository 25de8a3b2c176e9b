"""Events between processes: in-process by default, Redis pub/sub when configured."""

from madoguchi.bus.base import Bus, Listener
from madoguchi.bus.events import (
    AdminNotice,
    BusEvent,
    ConversationChanged,
    ConversationSnapshot,
    Event,
    MessageCreated,
    MessageView,
)

__all__ = [
    "AdminNotice",
    "Bus",
    "BusEvent",
    "ConversationChanged",
    "ConversationSnapshot",
    "Event",
    "Listener",
    "MessageCreated",
    "MessageView",
]
