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
from madoguchi.errors import Forbidden, NotAuthenticated
from madoguchi.integrations import tokens
from madoguchi.runtime import Runtime
from madoguchi.store.models import Agent, AgentSession, ApiToken, Customer
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


def _bearer(request: Request) -> str | None:
    """The API token of an `Authorization: Bearer TOKEN` header, if the request has that header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticated("Send the API token as `Authorization: Bearer TOKEN`.")
    return value.strip()


def _audited_action(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


def _target(request: Request) -> str | None:
    return ",".join(str(value) for value in request.path_params.values()) or None


async def get_operator(request: Request, tx: TxDep) -> Operator:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie and request.headers.get("Authorization"):
        # Said plainly, so that an integration does not take "log in" for a wrong token.
        raise Forbidden(
            "API tokens are not accepted here: this endpoint is for operators logged in to the console. "
            "このエンドポイントは API トークンでは利用できません。"
        )
    agent, agent_session = await authenticate(tx.session, cookie)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf(agent_session, request.headers.get(CSRF_HEADER))
        # Every change an operator makes is audited, in the transaction that makes it: if it rolls back, so
        # does the entry.
        audit.record(
            tx.session,
            agent,
            _audited_action(request),
            target=_target(request),
            address=request.client.host if request.client else None,
        )
    return Operator(agent=agent, session=agent_session)


CurrentOperator = Annotated[Operator, Depends(get_operator)]


@dataclass(frozen=True)
class Actor:
    """Who calls an endpoint that a backend may call too: an operator's console session, or an API token acting
    through its own operator row (madoguchi.integrations.tokens), whom the same rules of who sees what bind."""

    agent: Agent
    token: ApiToken | None = None


def token_actor(token: ApiToken) -> str:
    return f"api-token:{token.id} {token.name}"[:320]


def actor_with(scope: str) -> Callable[..., Awaitable[Actor]]:
    """A dependency accepting a console session or an API token that has `scope`.

    A token is never read from a cookie and a session never from the header, so a token request needs no CSRF
    token (a foreign page cannot set the header) and a session request still does. Every use of a token is
    audited, reads as well as writes: a read's entry and the token's last use are committed before the route
    runs, a write's in the route's own transaction (gone if it rolls back, like an operator's)."""

    async def get_actor(request: Request, tx: TxDep, runtime: RuntimeDep) -> Actor:
        presented = _bearer(request)
        if presented is None:
            operator = await get_operator(request, tx)
            return Actor(agent=operator.agent)
        token, agent = await tokens.authenticate(tx.session, presented, runtime.clock.now())
        tokens.require_scope(token, scope)
        audit.record(
            tx.session,
            agent,
            _audited_action(request),
            target=_target(request),
            address=request.client.host if request.client else None,
            actor=token_actor(token),
        )
        if request.method in ("GET", "HEAD"):
            await tx.commit()
        return Actor(agent=agent, token=token)

    return get_actor


ConversationsReader = Annotated[Actor, Depends(actor_with("conversations:read"))]
ConversationsWriter = Annotated[Actor, Depends(actor_with("conversations:write"))]
WebhooksWriter = Annotated[Actor, Depends(actor_with("webhooks:write"))]


@dataclass(frozen=True)
class Reader:
    """An operator reading at length (reports): a plain session, not a transaction, so that on SQLite the
    reading does not hold the writers' lock."""

    agent: Agent
    session: AsyncSession
    address: str | None
    # What the audit log names: the operator's address, or the API token reading (scope `reports:read`).
    actor: str | None = None


async def get_reader(request: Request, runtime: RuntimeDep) -> AsyncIterator[Reader]:
    address = request.client.host if request.client else None
    presented = _bearer(request)
    if presented is not None:
        # The token's last use is a write: in a short transaction of its own, before the long reading.
        async with runtime.transaction() as tx:
            token, agent = await tokens.authenticate(tx.session, presented, runtime.clock.now())
            tokens.require_scope(token, "reports:read")
            agent_id, actor = agent.id, token_actor(token)
            await tx.commit()
        async with runtime.sessions() as session:
            reader = await session.get(Agent, agent_id)
            if reader is None:
                raise NotAuthenticated(tokens.UNKNOWN)
            yield Reader(reader, session, address, actor)
        return
    async with runtime.sessions() as session:
        agent, _ = await authenticate(session, request.cookies.get(SESSION_COOKIE))
        yield Reader(agent, session, address)


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
