"""The demo marketplace's helpers: pick a demo customer and get the identity token a shop would sign."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from madoguchi.errors import NotFound
from madoguchi.store.models import Customer, Shop
from madoguchi.trust.identity import sign_token
from madoguchi.web.deps import RuntimeDep, TxDep
from madoguchi.web.schemas import DemoCustomerOut, DemoIdentityIn, DemoIdentityOut, DemoShopOut

router = APIRouter(prefix="/api/v1/demo", tags=["demo"])
DEMO_TOKEN_TTL_S = 8 * 3600


@router.get("/customers")
async def demo_customers(tx: TxDep) -> list[DemoCustomerOut]:
    rows = await tx.session.scalars(select(Customer).where(Customer.is_anonymous.is_(False)).order_by(Customer.id))
    return [DemoCustomerOut(id=row.id, name=row.name or row.id, language=row.language) for row in rows]


@router.get("/shops")
async def demo_shops(tx: TxDep) -> list[DemoShopOut]:
    rows = await tx.session.scalars(select(Shop).order_by(Shop.id))
    return [DemoShopOut(id=row.id, name=row.name, name_en=row.name_en) for row in rows]


@router.post("/identity")
async def demo_identity(body: DemoIdentityIn, tx: TxDep, runtime: RuntimeDep) -> DemoIdentityOut:
    """Sign in as a demo customer: the token a shop's backend would sign for its logged-in user."""
    customer = await tx.session.get(Customer, body.customer_id)
    if customer is None or customer.is_anonymous:
        raise NotFound(f"There is no demo customer {body.customer_id!r}: pick one from /api/v1/demo/customers.")
    token = sign_token(runtime.settings.identity_key, customer.id, "customer", DEMO_TOKEN_TTL_S)
    return DemoIdentityOut(token=token, expires_in=DEMO_TOKEN_TTL_S)
