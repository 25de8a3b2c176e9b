"""API tokens in the REST API: administrators issue (the token shown once), list and revoke them. Issuing and
revoking are audited (the route by the operator dependency, the details here)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from madoguchi.agents import audit
from madoguchi.agents.roles import require_role
from madoguchi.integrations import tokens
from madoguchi.store.models import ApiToken
from madoguchi.web.deps import CurrentOperator, RuntimeDep, TxDep
from madoguchi.web.schemas import RowId

router = APIRouter(prefix="/api/v1/admin/api-tokens", tags=["admin"])


class ApiTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="who uses the token, for what")
    scopes: list[str] = Field(
        min_length=1, max_length=len(tokens.SCOPES), description=f"any of {', '.join(tokens.SCOPES)}"
    )
    shop_id: str | None = Field(default=None, max_length=40, description="bind the token to one shop's data")


class ApiTokenCreatedOut(BaseModel):
    id: int
    token: str = Field(description="the token, shown this once: send it as `Authorization: Bearer TOKEN`")


class ApiTokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="the token's first characters, to tell tokens apart")
    scopes: list[str]
    shop_id: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> ApiTokenOut:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            scopes=list(token.scopes),
            shop_id=token.shop_id,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


@router.post("", status_code=201)
async def issue_token(
    body: ApiTokenIn, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep
) -> ApiTokenCreatedOut:
    """A new token for a backend; only its hash is kept, so it cannot be shown again."""
    require_role(operator.agent, "admin")
    issued = await tokens.do_issue(
        tx.session,
        name=body.name,
        scopes=body.scopes,
        shop_id=body.shop_id,
        created_by=operator.agent,
        now=runtime.clock.now(),
    )
    audit.record(
        tx.session,
        operator.agent,
        "api_token.issued",
        target=str(issued.token.id),
        details=ApiTokenOut.of(issued.token).model_dump(mode="json", include={"name", "scopes", "shop_id", "prefix"}),
    )
    await tx.commit()
    return ApiTokenCreatedOut(id=issued.token.id, token=issued.secret)


@router.get("")
async def list_tokens(operator: CurrentOperator, tx: TxDep) -> list[ApiTokenOut]:
    """Every token, revoked ones too, without their secrets (administrators)."""
    require_role(operator.agent, "admin")
    return [ApiTokenOut.of(token) for token in await tokens.every_token(tx.session)]


@router.delete("/{token_id}")
async def revoke_token(token_id: RowId, operator: CurrentOperator, tx: TxDep, runtime: RuntimeDep) -> ApiTokenOut:
    """Revoked at once, in every process: the next request with the token gets 401."""
    require_role(operator.agent, "admin")
    token = await tokens.do_revoke(tx.session, token_id, runtime.clock.now())
    audit.record(tx.session, operator.agent, "api_token.revoked", target=str(token.id))
    await tx.commit()
    return ApiTokenOut.of(token)
