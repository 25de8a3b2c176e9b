"""Operator log-in and log-out."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from madoguchi.agents.auth import do_log_in, do_log_out
from madoguchi.store.models import Agent
from madoguchi.web.deps import SESSION_COOKIE, CurrentOperator, RuntimeDep, TxDep
from madoguchi.web.schemas import AgentOut, LoginIn, SessionOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def agent_out(agent: Agent) -> AgentOut:
    return AgentOut(
        id=agent.id,
        email=agent.email,
        name=agent.name,
        role=agent.role,
        shop_id=agent.shop_id,
        desks=agent.desks,
        languages=agent.languages,
    )


@router.post("/login")
async def log_in(body: LoginIn, response: Response, tx: TxDep, runtime: RuntimeDep) -> SessionOut:
    lifetime = timedelta(hours=runtime.settings.session_hours)
    logged_in = await do_log_in(tx.session, body.email, body.password, lifetime)
    await tx.commit()
    response.set_cookie(
        SESSION_COOKIE,
        logged_in.token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=runtime.settings.cookie_secure,
        path="/",
    )
    return SessionOut(agent=agent_out(logged_in.agent), csrf_token=logged_in.csrf_token)


@router.post("/logout", status_code=204)
async def log_out(request: Request, operator: CurrentOperator, tx: TxDep) -> Response:
    await do_log_out(tx.session, request.cookies.get(SESSION_COOKIE, ""))
    await tx.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/session")
async def current_session(operator: CurrentOperator) -> SessionOut:
    """Who is logged in, with the CSRF token the console sends back on every change."""
    return SessionOut(agent=agent_out(operator.agent), csrf_token=operator.session.csrf_token)
