"""Who is writing: a signed-in customer from an identity token, or an anonymous visitor."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from madoguchi.errors import NotAuthenticated
from madoguchi.store.models import Customer
from madoguchi.trust.identity import sign_token, verify_token

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.settings import Settings

VISITOR_TOKEN_TTL_S = 30 * 24 * 3600


@dataclass(frozen=True)
class Identified:
    customer: Customer
    # Handed to an anonymous visitor so the same browser finds its conversation again.
    visitor_token: str | None
    is_new: bool = False


async def identify_customer(
    session: AsyncSession,
    settings: Settings,
    *,
    identity_token: str | None,
    visitor_token: str | None,
    language: str,
) -> Identified:
    """Resolve the customer behind a chat connection, creating an anonymous one when needed."""
    if identity_token:
        customer_id = verify_token(settings.identity_key, identity_token, "customer")
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.is_anonymous:
            raise NotAuthenticated("The shop signed in a customer Madoguchi does not know: sign in again.")
        return Identified(customer=customer, visitor_token=None)
    if visitor_token:
        try:
            visitor_id = verify_token(settings.secret_key, visitor_token, "visitor")
        except NotAuthenticated:
            visitor_id = None  # an expired visitor simply starts afresh
        if visitor_id is not None:
            customer = await session.get(Customer, visitor_id)
            if customer is not None and customer.is_anonymous:
                return Identified(customer=customer, visitor_token=visitor_token)
    customer = Customer(id=f"anon_{secrets.token_hex(12)}", is_anonymous=True, language=language)
    session.add(customer)
    await session.flush()  # the conversation that follows refers to this row
    token = sign_token(settings.secret_key, customer.id, "visitor", VISITOR_TOKEN_TTL_S)
    return Identified(customer=customer, visitor_token=token, is_new=True)
