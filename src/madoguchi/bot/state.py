"""What the bot remembers of a conversation between two messages, stored as one row per conversation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from madoguchi.domain.clock import utcnow
from madoguchi.store.models import BotState

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class DialogueState:
    # The need being served (an intent name) and the question the bot asked last, if any.
    topic: str | None = None
    step: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    # Order numbers offered as quick replies, in the order shown ("2" picks the second).
    choices: list[str] = field(default_factory=list)
    low_confidence: int = 0
    # How often each question has been asked in this topic: the same question is never asked a third time.
    asked: dict[str, int] = field(default_factory=dict)
    language: str | None = None
    turns: int = 0

    def begin(self, topic: str) -> None:
        self.topic, self.step, self.slots, self.choices, self.asked = topic, None, {}, [], {}

    def finish(self) -> None:
        # The topic is remembered (a later "and the receipt?" still knows the order); questions are closed.
        self.step, self.choices, self.asked = None, [], {}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DialogueState:
        known = {name: value for name, value in data.items() if name in cls.__dataclass_fields__}
        return cls(**known)


async def load_state(session: AsyncSession, conversation_id: str) -> tuple[DialogueState, BotState | None]:
    row = await session.get(BotState, conversation_id)
    return (DialogueState.from_json(row.data) if row is not None else DialogueState()), row


def save_state(session: AsyncSession, conversation_id: str, state: DialogueState, row: BotState | None) -> None:
    if row is None:
        session.add(BotState(conversation_id=conversation_id, data=state.to_json(), updated_at=utcnow()))
    else:
        row.data = state.to_json()
        row.updated_at = utcnow()
