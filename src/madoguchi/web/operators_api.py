"""Operators' accounts in the REST API: administrators create, change, deactivate and reactivate operators and
let them set up two-factor log-in again; supervisors list them and change agents' desks, languages and
capacity. Every change is audited (the route by the operator dependency, the details here)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from madoguchi.agents import accounts, audit
from madoguchi.agents.roles import require_role
from madoguchi.nlu.language import Language
from madoguchi.routing import staff
from madoguchi.store.models import Agent
from madoguchi.web.deps import CurrentOperator, RuntimeDep, TxDep
from madoguchi.web.schemas import RowId

router = APIRouter(prefix="/api/v1/admin/operators", tags=["admin"])

Capacity = Annotated[int, Field(ge=0, le=accounts.MAX_CAPACITY)]


class OperatorOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    shop_id: str | None
    desks: list[str]
    languages: list[str]
    chat_capacity: int
    email_capacity: int
    active: bool
    two_factor: bool
    presence: str

    @classmethod
    def of(cls, agent: Agent) -> OperatorOut:
        return cls(
            id=agent.id,
            email=agent.email,
            name=agent.name,
            role=agent.role,
            shop_id=agent.shop_id,
            desks=list(agent.desks),
            languages=list(agent.languages),
            chat_capacity=agent.chat_capacity,
            email_capacity=agent.email_capacity,
            active=agent.active,
            two_factor=agent.totp_enabled,
            presence=agent.presence,
        )


def _japanese() -> list[Language]:
    return ["ja"]


class OperatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    name: str = Field(max_length=200)
    role: str = Field(description="admin, supervisor, agent or shop_agent")
    shop_id: str | None = Field(default=None, max_length=40, description="a shop_agent's shop")
    desks: list[str] = Field(default_factory=list, max_length=20)
    languages: list[Language] = Field(default_factory=_japanese, min_length=1, max_length=4)
    chat_capacity: Capacity = 3
    email_capacity: Capacity = 5
    password: str | None = Field(
        default=None,
        max_length=accounts.MAX_PASSWORD_LENGTH,
        description="at least 12 characters; left out, one is made and shown once in the answer",
    )


class CreatedOut(BaseModel):
    operator: OperatorOut
    password: str | None = Field(description="the password made for the operator, shown this once; null if given")


class OperatorChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    role: str | None = None
    shop_id: str | None = Field(default=None, max_length=40)
    desks: list[str] | None = Field(default=None, max_length=20)
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=4)
    chat_capacity: Capacity | None = None
    email_capacity: Capacity | None = None


class DeactivatedOut(BaseModel):
    operator: OperatorOut
    returned_to_queue: list[str] = Field(description="the operator's open conversations, back in their desks' queues")


@router.get("")
async def list_operators(operator: CurrentOperator, tx: TxDep) -> list[OperatorOut]:
    """Every operator, active or not (administrators and supervisors)."""
    require_role(operator.agent, "admin", "supervisor")
    return [OperatorOut.of(agent) for agent in await accounts.every_operator(tx.session)]


@router.post("", status_code=201)
async def create_operator(body: OperatorIn, operator: CurrentOperator, tx: TxDep) -> CreatedOut:
    """A new operator. Without a password one is made, returned this once, and must be handed over safely."""
    require_role(operator.agent, "admin")
    made = None if body.password is not None else secrets.token_urlsafe(12)
    agent = await accounts.do_create_operator(
        tx.session,
        email=body.email,
        name=body.name,
        password=body.password if body.password is not None else str(made),
        role=body.role,
        shop_id=body.shop_id,
        desks=body.desks,
        languages=list(body.languages),
        chat_capacity=body.chat_capacity,
        email_capacity=body.email_capacity,
    )
    audit.record(tx.session, operator.agent, "operator.created", target=str(agent.id), details=_details(agent))
    await tx.commit()
    return CreatedOut(operator=OperatorOut.of(agent), password=made)


@router.patch("/{agent_id}")
async def change_operator(
    agent_id: RowId, body: Annotated[OperatorChange, Body()], operator: CurrentOperator, tx: TxDep
) -> OperatorOut:
    """Change only the fields given (`shop_id: null` takes a shop away)."""
    require_role(operator.agent, "admin", "supervisor")
    agent = await accounts.operator(tx.session, agent_id)
    given = body.model_fields_set
    await accounts.do_update_operator(
        tx.session,
        operator.agent,
        agent,
        name=body.name,
        role=body.role,
        shop_id=body.shop_id if "shop_id" in given else accounts.UNSET,
        desks=body.desks,
        languages=list(body.languages) if body.languages is not None else None,
        chat_capacity=body.chat_capacity,
        email_capacity=body.email_capacity,
    )
    audit.record(tx.session, operator.agent, "operator.changed", target=str(agent.id), details=_details(agent))
    await tx.commit()
    return OperatorOut.of(agent)


@router.post("/{agent_id}/deactivate")
async def deactivate_operator(
    agent_id: RowId, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep
) -> DeactivatedOut:
    """The operator's sessions end at once, they cannot log in, and their open conversations go back to the
    queue."""
    require_role(operator.agent, "admin")
    agent = await accounts.operator(tx.session, agent_id)
    returned = await staff.do_deactivate_operator(tx, operator.agent, agent, runtime.clock.now())
    audit.record(
        tx.session, operator.agent, "operator.deactivated", target=str(agent.id), details={"returned": returned}
    )
    await tx.commit()
    return DeactivatedOut(operator=OperatorOut.of(agent), returned_to_queue=returned)


@router.post("/{agent_id}/activate")
async def activate_operator(agent_id: RowId, operator: CurrentOperator, tx: TxDep) -> OperatorOut:
    require_role(operator.agent, "admin")
    agent = await accounts.operator(tx.session, agent_id)
    accounts.do_activate_account(agent)
    audit.record(tx.session, operator.agent, "operator.activated", target=str(agent.id))
    await tx.commit()
    return OperatorOut.of(agent)


@router.post("/{agent_id}/reset-two-factor")
async def reset_two_factor(agent_id: RowId, operator: CurrentOperator, tx: TxDep) -> OperatorOut:
    """For an operator who lost their authenticator: their sessions end; they log in with the password alone
    and set up two-factor log-in again."""
    require_role(operator.agent, "admin")
    agent = await accounts.operator(tx.session, agent_id)
    await accounts.do_reset_two_factor(tx.session, agent)
    audit.record(tx.session, operator.agent, "operator.two_factor_reset", target=str(agent.id))
    await tx.commit()
    return OperatorOut.of(agent)


def _details(agent: Agent) -> dict[str, Any]:
    return OperatorOut.of(agent).model_dump(exclude={"presence", "two_factor"})
