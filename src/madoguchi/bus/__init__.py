"""Events between processes: in-process by default, Redis pub/sub when configured."""

from madoguchi.bus.base import Bus, Listener
from madoguchi.bus.events import ConversationChanged, ConversationSnapshot, Event, MessageCreated, MessageView

__all__ = [
    "Bus",
    "ConversationChanged",
    "ConversationSnapshot",
    "Event",
    "Listener",
    "MessageCreated",
    "MessageView",
]
