"""The facts of each conversation, folded from its event log: what reports count.

One row a conversation (`ConversationFact`): when it was created, queued, first assigned, first answered by a
person and resolved; where it went (desk, shop, operator); what it was about (intent, language, channel); how
its promises fared (SLA clocks, callbacks) and how the customer rated it. `fold` is the one definition of
each of these from the events. It runs twice over, and both must agree:

- live: `record` notes each event it writes, and just before the transaction commits the conversation's
  row is locked and the new events folded in, so a report never waits for a projection to catch up;
- from scratch: `fact_of` folds a conversation's whole log; `rebuild` and `disagreements` use it to fill
  the rows of conversations that have none (a database upgraded from before reports) and to prove that the
  kept rows say what the events say.

Definitions (DESIGN.md, "Reports"): a conversation is handed over once it is queued; bot-resolved when it is
resolved without ever having been queued; its wait runs from the first queueing to the first assignment,
its first response from the first queueing to the first public message of an operator, its handle time from
the first assignment to the resolution and its resolution time from its creation to the resolution (the last
one: a reopened conversation is unresolved again until it is resolved anew).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from madoguchi.domain.event_types import EventType
from madoguchi.store.models import Conversation, ConversationEvent, ConversationFact

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.store.tx import Tx

# Intents that say nothing of the need (a greeting, words out of scope) do not name the conversation.
_NO_NEED = frozenset({"greeting", "out_of_scope"})
_SHOP_PROMISE = "shop_promise"
_KEPT_CALLBACK = "answered"
_COLUMNS = [column.key for column in ConversationFact.__table__.columns]


# What `fold` reads; any other event leaves the facts as they are.
_FOLDED = frozenset(
    {
        EventType.CONVERSATION_CREATED,
        EventType.CONVERSATION_QUEUED,
        EventType.CONVERSATION_ASSIGNED,
        EventType.CONVERSATION_RESOLVED,
        EventType.CONVERSATION_REOPENED,
        EventType.CONVERSATION_TRANSFERRED,
        EventType.MESSAGE_CLASSIFIED,
        EventType.BOT_HANDOFF,
        EventType.ROUTING_DECIDED,
        EventType.ROUTING_ESCALATED,
        EventType.SLA_MET,
        EventType.SLA_BREACHED,
        EventType.CALLBACK_REQUESTED,
        EventType.CALLBACK_ATTEMPTED,
        EventType.CSAT_SUBMITTED,
    }
)


def _may_change_facts(event: ConversationEvent) -> bool:
    if event.type == EventType.MESSAGE_CREATED:
        return event.actor.startswith("agent:")
    return event.type in _FOLDED or event.data.get("state") == "queued"


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


def fold(fact: ConversationFact | SimpleNamespace, event: ConversationEvent) -> None:
    """Fold one event of the conversation into its facts (events in the order of their ids)."""
    kind, data, at = event.type, event.data, event.created_at
    if kind == EventType.CONVERSATION_CREATED:
        fact.created_at = at
        fact.channel = data.get("channel", "chat")
        fact.shop_id = data.get("shop_id")
    if data.get("state") == "queued" and "state" in data and kind != EventType.CONVERSATION_CREATED:
        if fact.first_queued_at is None:
            fact.first_queued_at = at
        fact.handed_over = True
    if kind == EventType.MESSAGE_CLASSIFIED:
        fact.language = fact.language or data.get("language")
        intent = data.get("intent")
        if fact.intent is None and intent not in _NO_NEED:
            fact.intent = intent
    elif kind == EventType.BOT_HANDOFF:
        # The need the bot handed to a person names the conversation, over whatever was said before it.
        if not fact.handed_over and data.get("intent"):
            fact.intent = data["intent"]
        fact.shop_id = data.get("shop_id") or fact.shop_id
    elif kind == EventType.ROUTING_DECIDED:
        fact.desk = fact.desk or data.get("desk")
        fact.last_desk = data.get("desk")
        fact.shop_id = data.get("shop_id") or fact.shop_id
    elif kind == EventType.CONVERSATION_ASSIGNED:
        if data.get("assignee_id") is not None:
            fact.agent_id = data["assignee_id"]
            if fact.first_assigned_at is None:
                fact.first_assigned_at = at
    elif kind == EventType.MESSAGE_CREATED:
        by_operator = event.actor.startswith("agent:") and not data.get("private", False)
        if by_operator and fact.first_queued_at is not None and fact.first_response_at is None:
            fact.first_response_at = at
    elif kind == EventType.CONVERSATION_RESOLVED:
        fact.resolved_at = at
        fact.resolved_by = event.actor
    elif kind == EventType.CONVERSATION_REOPENED:
        fact.reopens += 1
        fact.resolved_at = None
        fact.resolved_by = None
    elif kind == EventType.CONVERSATION_TRANSFERRED:
        fact.transfers += 1
        fact.last_desk = data.get("desk") or fact.last_desk
    elif kind == EventType.ROUTING_ESCALATED:
        fact.escalations += 1
        fact.last_desk = data.get("desk") or fact.last_desk
    elif kind == EventType.SLA_MET:
        fact.sla_met += 1
        fact.promise_met += data.get("kind") == _SHOP_PROMISE
    elif kind == EventType.SLA_BREACHED:
        fact.sla_breached += 1
        fact.promise_breached += data.get("kind") == _SHOP_PROMISE
    elif kind == EventType.CALLBACK_REQUESTED:
        fact.callbacks_requested += 1
    elif kind == EventType.CALLBACK_ATTEMPTED:
        fact.callbacks_kept += data.get("outcome") == _KEPT_CALLBACK
    elif kind == EventType.CSAT_SUBMITTED:
        fact.csat_score = data.get("score")
    fact.wait_s = _seconds(fact.first_queued_at, fact.first_assigned_at)
    fact.first_response_s = _seconds(fact.first_queued_at, fact.first_response_at)
    fact.handle_s = _seconds(fact.first_assigned_at, fact.resolved_at)
    fact.resolution_s = _seconds(fact.created_at, fact.resolved_at)
    fact.bot_resolved = fact.resolved_at is not None and not fact.handed_over


def _defaults() -> dict[str, Any]:
    found: dict[str, Any] = dict.fromkeys(_COLUMNS)
    for column in ConversationFact.__table__.columns:
        if column.default is not None and column.default.is_scalar:
            found[column.key] = column.default.arg
    return found


_DEFAULTS = _defaults()


def fact_of(conversation_id: str, log: Iterable[ConversationEvent]) -> SimpleNamespace | None:
    """The facts of a conversation from its whole log (None when the log lacks its creation), as plain
    attributes: folding millions of events needs no mapped object."""
    fact = SimpleNamespace(**_DEFAULTS)
    fact.conversation_id = conversation_id
    created = False
    for event in sorted(log, key=lambda event: event.id):
        created = created or event.type == EventType.CONVERSATION_CREATED
        fold(fact, event)
    return fact if created else None


def values(fact: ConversationFact | SimpleNamespace) -> dict[str, Any]:
    return {column: getattr(fact, column) for column in _COLUMNS}


@dataclass
class _Noted:
    """The events a transaction recorded, to fold into their conversations' facts before it commits."""

    events: list[ConversationEvent] = field(default_factory=list)

    async def run(self, tx: Tx) -> None:
        session = tx.session
        by_conversation: dict[str, list[ConversationEvent]] = {}
        for event in self.events:
            by_conversation.setdefault(event.conversation_id, []).append(event)
        # Most of a conversation's events change none of its facts (the customer's and the bot's messages, the
        # bot's actions, offers, mail delivery): a transaction of only those leaves the row alone.
        by_conversation = {
            conversation_id: noted
            for conversation_id, noted in by_conversation.items()
            if any(_may_change_facts(event) for event in noted)
        }
        if not by_conversation:
            return
        # A new conversation's facts are folded from its stored log: the events must be in it.
        await session.flush()
        for conversation_id, noted in by_conversation.items():
            fact = await session.get(ConversationFact, conversation_id, with_for_update=True, populate_existing=True)
            if fact is None:
                # New in this transaction (or older than the facts): folded from its whole log.
                await _refold(session, [conversation_id])
                continue
            # In the order they were recorded, which is the order of their ids.
            for event in noted:
                fold(fact, event)
        await session.flush()


def note(tx: Tx, event: ConversationEvent) -> None:
    """Called by `record` for each event it writes: the event joins its conversation's facts at commit."""
    tx.before_commit("conversation_facts", _Noted).events.append(event)


async def _log_of(session: AsyncSession, conversation_ids: Sequence[str]) -> dict[str, list[ConversationEvent]]:
    logs: dict[str, list[ConversationEvent]] = {conversation_id: [] for conversation_id in conversation_ids}
    rows = await session.scalars(
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id.in_(conversation_ids))
        .order_by(ConversationEvent.conversation_id, ConversationEvent.id)
        .execution_options(populate_existing=True)
    )
    for event in rows:
        logs[event.conversation_id].append(event)
    return logs


async def _refold(session: AsyncSession, conversation_ids: Sequence[str]) -> int:
    """Replace the facts of these conversations with those folded from their logs; returns how many."""
    logs = await _log_of(session, conversation_ids)
    await session.execute(delete(ConversationFact).where(ConversationFact.conversation_id.in_(conversation_ids)))
    rows = [
        values(fact) for conversation_id, log in logs.items() if (fact := fact_of(conversation_id, log)) is not None
    ]
    if rows:
        await session.execute(insert(ConversationFact), rows)
    return len(rows)


async def rebuild(session: AsyncSession, *, missing_only: bool = False, batch: int = 500) -> int:
    """Fold the facts of every conversation (or of those without any) from the event log, in batches; the
    caller commits. Returns how many conversations were folded."""
    query = select(Conversation.id).order_by(Conversation.id)
    if missing_only:
        query = query.where(
            ~select(ConversationFact.conversation_id)
            .where(ConversationFact.conversation_id == Conversation.id)
            .exists()
        )
    ids = list(await session.scalars(query))
    done = 0
    for start in range(0, len(ids), batch):
        done += await _refold(session, ids[start : start + batch])
    return done


async def disagreements(session: AsyncSession, *, batch: int = 500) -> list[str]:
    """What the kept facts say that the events do not: one line per differing column (empty when they agree)."""
    found: list[str] = []
    ids = list(await session.scalars(select(Conversation.id).order_by(Conversation.id)))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        logs = await _log_of(session, chunk)
        kept = {
            fact.conversation_id: values(fact)
            for fact in await session.scalars(
                select(ConversationFact)
                .where(ConversationFact.conversation_id.in_(chunk))
                .execution_options(populate_existing=True)
            )
        }
        for conversation_id in chunk:
            folded = fact_of(conversation_id, logs[conversation_id])
            expected = values(folded) if folded is not None else None
            stored = kept.get(conversation_id)
            if expected is None or stored is None:
                if expected != stored:
                    found.append(f"{conversation_id}: kept {stored is not None}, in the log {expected is not None}")
                continue
            found.extend(
                f"{conversation_id}.{column}: kept {stored[column]!r}, from the events {expected[column]!r}"
                for column in _COLUMNS
                if stored[column] != expected[column]
            )
    return found
