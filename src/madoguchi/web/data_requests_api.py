"""Customers' data requests in the REST API (admins): the export of everything held about a customer, and
the erasure of their personal data. Both are written to the audit log in the action's own transaction."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from madoguchi.agents import audit
from madoguchi.agents.roles import require_role
from madoguchi.conversations import data_requests
from madoguchi.errors import InvalidInput
from madoguchi.web.deps import CurrentOperator, TxDep

router = APIRouter(prefix="/api/v1/admin/customers", tags=["admin"])


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: str = Field(description="the customer's id again: the erasure cannot be undone", max_length=64)


class ErasureOut(BaseModel):
    customer_id: str
    conversations: int
    messages: int
    photos: int
    mails_received: int
    mails_sent: int
    events: int
    callbacks: int
    trust_reports: int
    addresses: int


@router.get(
    "/{customer_id}/export",
    responses={200: {"content": {"application/json": {}}, "description": "everything held, files in base64"}},
)
async def export_customer(customer_id: str, operator: CurrentOperator, tx: TxDep) -> Response:
    """Everything held about the customer (a data access request), as a JSON file."""
    require_role(operator.agent, "admin")
    document: dict[str, Any] = await data_requests.export_customer(tx.session, customer_id)
    audit.record(tx.session, operator.agent, "customer.exported", target=customer_id)
    await tx.commit()
    return Response(
        orjson.dumps(document),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{_safe(customer_id)}.json"'},
    )


@router.post("/{customer_id}/erase")
async def erase_customer(customer_id: str, body: ErasureIn, operator: CurrentOperator, tx: TxDep) -> ErasureOut:
    """Erase the customer's personal data; the conversations stay, so the reports' numbers stay too."""
    require_role(operator.agent, "admin")
    if body.confirm != customer_id:
        raise InvalidInput("`confirm` must repeat the customer's id. 確認のためお客様IDをもう一度入力してください。")
    erasure = await data_requests.do_erase_customer(tx.session, customer_id)
    audit.record(tx.session, operator.agent, "customer.erased", target=customer_id, details=erasure.counts())
    await tx.commit()
    return ErasureOut(**erasure.counts())


def _safe(customer_id: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in customer_id)[:64]
