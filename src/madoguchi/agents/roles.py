"""Operator roles and what each may do beyond answering conversations.

- admin: everything, including the official-contact directory and operators' accounts;
- supervisor: every queue and agent, reassignment, the audit log, trust & safety cases;
- agent: the conversations of the desks in their skills (trust & safety cases when that desk is theirs);
- shop_agent: only their shop's conversations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from madoguchi.domain.routing_map import DeskId
from madoguchi.errors import Forbidden

if TYPE_CHECKING:
    from madoguchi.store.models import Agent

ROLES = ("admin", "supervisor", "agent", "shop_agent")


def require_role(agent: Agent, *roles: str) -> None:
    if agent.role not in roles:
        raise Forbidden(f"This needs the role {' or '.join(roles)}; yours is {agent.role}.")


def can_handle_trust_cases(agent: Agent) -> bool:
    return agent.role in ("admin", "supervisor") or (agent.role == "agent" and DeskId.TRUST_SAFETY in agent.desks)


def require_trust_cases(agent: Agent) -> None:
    if not can_handle_trust_cases(agent):
        raise Forbidden("Trust & safety cases are handled by that desk's agents, supervisors and admins.")
