"""Operator log-in (with throttling and two-factor codes), log-out, and the audit log of their actions."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from madoguchi.agents import audit, totp
from madoguchi.agents.auth import do_log_in, do_log_out
from madoguchi.agents.roles import require_role
from madoguchi.errors import NotAuthenticated, TwoFactorRequired
from madoguchi.store.models import Agent
from madoguchi.web.deps import SESSION_COOKIE, CurrentOperator, RuntimeDep, TxDep
from madoguchi.web.schemas import AgentOut, AuditOut, LoginIn, RowId, SessionOut, TotpCodeIn, TotpSetupOut
from madoguchi.web.sockets import end_feeds_of

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


def _account_from(email: str, address: str | None) -> str:
    """The key the per-account log-in limit counts: the account as tried from one client address."""
    return f"{email} from {address or 'unknown'}"


@router.post("/login")
async def log_in(body: LoginIn, request: Request, response: Response, runtime: RuntimeDep) -> SessionOut:
    """Log in with e-mail and password, and the authenticator's 6-digit code once two-factor log-in is on."""
    limits = runtime.limits
    address = request.client.host if request.client else None
    email = body.email.strip().lower()
    # Failures are counted per account *from this address* (and per address over all accounts), never per
    # account alone: otherwise anyone could lock an operator out by failing from addresses of their own.
    throttled = _account_from(email, address)
    await limits.check_login(throttled, address)
    lifetime = timedelta(hours=runtime.settings.session_hours)
    refused: NotAuthenticated | None = None
    async with runtime.transaction() as tx:
        try:
            logged_in = await do_log_in(tx.session, email, body.password, lifetime, otp=body.otp)
        except NotAuthenticated as exc:
            refused = exc
        else:
            audit.record(tx.session, logged_in.agent, "auth.login", address=address)
            await tx.commit()
    if refused is not None:
        if not isinstance(refused, TwoFactorRequired):
            await limits.failed_login(throttled, address)
        # Audited in a transaction of its own, as the log-in's own made no change to keep.
        async with runtime.transaction() as tx:
            audit.record(tx.session, None, f"auth.{refused.code}", actor=email, address=address)
            await tx.commit()
        raise refused
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
    token = request.cookies.get(SESSION_COOKIE, "")
    await do_log_out(tx.session, token)
    audit.record(tx.session, operator.agent, "auth.logout", address=request.client.host if request.client else None)
    await tx.commit()
    # This process's console sockets of the session close now; other processes' at their next check.
    end_feeds_of(token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/session")
async def current_session(operator: CurrentOperator) -> SessionOut:
    """Who is logged in, with the CSRF token the console sends back on every change."""
    return SessionOut(agent=agent_out(operator.agent), csrf_token=operator.session.csrf_token)


@router.post("/totp/setup")
async def totp_setup(operator: CurrentOperator, tx: TxDep) -> TotpSetupOut:
    """Start two-factor log-in: the key (and otpauth:// URI) to enter in an authenticator app."""
    uri = totp.begin_setup(operator.agent)
    secret = operator.agent.totp_secret or ""
    await tx.commit()
    return TotpSetupOut(secret=secret, uri=uri)


@router.post("/totp/enable", status_code=204)
async def totp_enable(body: TotpCodeIn, operator: CurrentOperator, tx: TxDep) -> Response:
    """Turn two-factor log-in on with a first code from the app: from now on log-in asks for one."""
    await totp.enable(tx.session, operator.agent, body.code)
    await tx.commit()
    return Response(status_code=204)


@router.post("/totp/disable", status_code=204)
async def totp_disable(body: TotpCodeIn, operator: CurrentOperator, tx: TxDep) -> Response:
    await totp.disable(tx.session, operator.agent, body.code)
    await tx.commit()
    return Response(status_code=204)


@router.get("/audit")
async def audit_log(
    operator: CurrentOperator, tx: TxDep, agent_id: RowId | None = None, limit: int = 200
) -> list[AuditOut]:
    """The latest operator actions, newest first (supervisors and admins)."""
    require_role(operator.agent, "admin", "supervisor")
    entries = await audit.recent(tx.session, limit=max(1, min(limit, 1000)), agent_id=agent_id)
    return [AuditOut.model_validate(entry, from_attributes=True) for entry in entries]
