"""Dependencies every route shares: the runtime, a transaction, the operator asking."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from madoguchi.agents import audit
from madoguchi.agents.auth import authenticate, check_csrf
from madoguchi.errors import NotAuthenticated
from madoguchi.runtime import Runtime
from madoguchi.store.models import Agent, AgentSession, Customer
from madoguchi.store.tx import Tx
from madoguchi.trust.identity import verify_token

SESSION_COOKIE = "madoguchi_session"
CSRF_HEADER = "X-CSRF-Token"


def get_runtime(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_tx(runtime: RuntimeDep) -> AsyncIterator[Tx]:
    async with runtime.transaction() as tx:
        yield tx


TxDep = Annotated[Tx, Depends(get_tx)]


@dataclass(frozen=True)
class Operator:
    agent: Agent
    session: AgentSession


async def get_operator(request: Request, tx: TxDep) -> Operator:
    agent, agent_session = await authenticate(tx.session, request.cookies.get(SESSION_COOKIE))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf(agent_session, request.headers.get(CSRF_HEADER))
        # Every change an operator makes is audited, in the transaction that makes it: if it rolls back, so
        # does the entry.
        route = request.scope.get("route")
        audit.record(
            tx.session,
            agent,
            f"{request.method} {getattr(route, 'path', request.url.path)}",
            target=",".join(str(value) for value in request.path_params.values()) or None,
            address=request.client.host if request.client else None,
        )
    return Operator(agent=agent, session=agent_session)


CurrentOperator = Annotated[Operator, Depends(get_operator)]


@dataclass(frozen=True)
class Reader:
    """An operator reading at length (reports): a plain session, not a transaction, so that on SQLite the
    reading does not hold the writers' lock."""

    agent: Agent
    session: AsyncSession
    address: str | None


async def get_reader(request: Request, runtime: RuntimeDep) -> AsyncIterator[Reader]:
    async with runtime.sessions() as session:
        agent, _ = await authenticate(session, request.cookies.get(SESSION_COOKIE))
        yield Reader(agent, session, request.client.host if request.client else None)


CurrentReader = Annotated[Reader, Depends(get_reader)]


def public_rate_limit(endpoint: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency counting each call of a public endpoint against the caller's address."""

    async def limit(request: Request) -> None:
        runtime: Runtime = request.app.state.runtime
        await runtime.limits.public(request.client.host if request.client else "unknown", endpoint)

    return limit


async def chat_customer(tx: Tx, runtime: Runtime, token: str | None, visitor: str | None) -> Customer:
    """The customer behind a chat's own credential, as the chat socket takes it: the shop's identity token of a
    signed-in customer, else the visitor token the chat's hello gave."""
    settings = runtime.settings
    if token:
        customer_id = verify_token(settings.identity_key, token, "customer")
    elif visitor:
        customer_id = verify_token(settings.secret_key, visitor, "visitor")
    else:
        raise NotAuthenticated("Send the chat's identity token (`token`) or visitor token (`visitor`) with it.")
    customer = await tx.session.get(Customer, customer_id)
    # An identity token names a signed-in customer and a visitor token an anonymous one, never the other way.
    if customer is None or customer.is_anonymous != (not token):
        raise NotAuthenticated("This chat's credential names no customer Madoguchi knows: reload the chat.")
    return customer
