"""Canned responses kept without code: administrators and supervisors keep every desk's and shop's, a shop's
staff their own shop's. Each change is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, ConfigDict, Field

from madoguchi.agents import audit
from madoguchi.agents.roles import require_role
from madoguchi.routing import canned
from madoguchi.store.models import CannedResponse
from madoguchi.web.deps import CurrentOperator, TxDep

router = APIRouter(prefix="/api/v1/admin/canned-responses", tags=["admin"])
KEEPERS = ("admin", "supervisor", "shop_agent")


class CannedOut(BaseModel):
    id: int
    shortcut: str
    language: str
    title: str
    text: str
    desk: str | None
    shop_id: str | None

    @classmethod
    def of(cls, row: CannedResponse) -> CannedOut:
        return cls(
            id=row.id,
            shortcut=row.shortcut,
            language=row.language,
            title=row.title,
            text=row.text,
            desk=row.desk,
            shop_id=row.shop_id,
        )


class CannedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shortcut: str = Field(max_length=40, description="what the operator types after '/'")
    language: str = Field(max_length=8, description="ja, en, zh or ko")
    title: str = Field(max_length=200)
    text: str = Field(max_length=canned.MAX_TEXT, description="may hold {name}, {order} and {tracking}")
    desk: str | None = Field(default=None, max_length=40, description="only on this desk's conversations")
    shop_id: str | None = Field(default=None, max_length=40, description="only for this shop's staff")


@router.get("")
async def list_responses(operator: CurrentOperator, tx: TxDep) -> list[CannedOut]:
    require_role(operator.agent, *KEEPERS)
    return [CannedOut.of(row) for row in await canned.every_response(tx.session, operator.agent)]


@router.post("", status_code=201)
async def create_response(body: CannedIn, operator: CurrentOperator, tx: TxDep) -> CannedOut:
    require_role(operator.agent, *KEEPERS)
    row = await canned.do_save_response(tx.session, operator.agent, **body.model_dump())
    audit.record(tx.session, operator.agent, "canned.created", target=str(row.id), details=body.model_dump())
    await tx.commit()
    return CannedOut.of(row)


@router.put("/{response_id}")
async def replace_response(
    response_id: int, body: Annotated[CannedIn, Body()], operator: CurrentOperator, tx: TxDep
) -> CannedOut:
    require_role(operator.agent, *KEEPERS)
    existing = await canned.response(tx.session, operator.agent, response_id)
    row = await canned.do_save_response(tx.session, operator.agent, **body.model_dump(), existing=existing)
    audit.record(tx.session, operator.agent, "canned.changed", target=str(row.id), details=body.model_dump())
    await tx.commit()
    return CannedOut.of(row)


@router.delete("/{response_id}", status_code=204)
async def delete_response(response_id: int, operator: CurrentOperator, tx: TxDep) -> Response:
    require_role(operator.agent, *KEEPERS)
    await canned.do_delete_response(tx.session, await canned.response(tx.session, operator.agent, response_id))
    await tx.commit()
    return Response(status_code=204)
