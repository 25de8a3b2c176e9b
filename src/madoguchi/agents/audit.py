"""The audit log: who did what, when, from where. Written in the transaction of the action it records, so an
action that rolls back leaves no entry and an entry never describes something that did not happen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from madoguchi.domain.clock import utcnow
from madoguchi.store.models import AuditEntry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.store.models import Agent


def record(
    session: AsyncSession,
    agent: Agent | None,
    action: str,
    *,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    address: str | None = None,
    actor: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=utcnow(),
        agent_id=agent.id if agent is not None else None,
        actor=actor or (agent.email if agent is not None else "anonymous"),
        action=action,
        target=target[:200] if target else None,
        details=details or {},
        address=address,
    )
    session.add(entry)
    return entry


async def recent(session: AsyncSession, *, limit: int = 200, agent_id: int | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if agent_id is not None:
        query = query.where(AuditEntry.agent_id == agent_id)
    return list(await session.scalars(query))
