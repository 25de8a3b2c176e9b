"""The words of the routing map (DESIGN.md): desk ids and the priority scale, defined here once.

Which desks exist, their hours, languages and official contacts are data (the desks table); these are the ids
the rules themselves name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class DeskId(StrEnum):
    PLATFORM_CS = "platform_cs"
    # Resolved from the order's seller: the shop that sold it, or platform CS.
    ORDER_OWNER = "order_owner"
    SHOP = "shop"
    MEMBER_SUPPORT = "member_support"
    PAYMENTS = "payments"
    CARD_ISSUER = "card_issuer"
    CARRIER = "carrier"
    TRUST_SAFETY = "trust_safety"
    MEMBERSHIP = "membership"
    DIGITAL = "digital"
    BUSINESS = "business"
    # Self-service first: not a desk of people.
    BOT = "bot"


PLATFORM_CS = DeskId.PLATFORM_CS.value
SHOP = DeskId.SHOP.value

Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
# As stored on a conversation (`Conversation.priority`): higher is more pressing.
PRIORITY_LEVELS: dict[Priority, int] = {"low": -1, "normal": 0, "high": 1, "urgent": 2}


def priority_name(level: int) -> Priority:
    for name, value in PRIORITY_LEVELS.items():
        if value == level:
            return name
    return "normal"


def raise_priority(priority: Priority, steps: int = 1) -> Priority:
    return PRIORITIES[min(len(PRIORITIES) - 1, PRIORITIES.index(priority) + steps)]
