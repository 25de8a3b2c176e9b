"""Operator log-in: argon2 password hashes and server-side sessions behind an opaque cookie."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from madoguchi.agents import totp
from madoguchi.domain.clock import utcnow
from madoguchi.errors import Forbidden, NotAuthenticated, TwoFactorRequired
from madoguchi.store.models import Agent, AgentSession, Shop

if TYPE_CHECKING:
    from datetime import timedelta

    from sqlalchemy.ext.asyncio import AsyncSession

_hasher = PasswordHasher()
DEACTIVATED = "This operator account is deactivated: ask an administrator. このアカウントは無効化されています。"


@functools.cache
def dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so that the answer takes as long as for a wrong password.

    Made once per process (an argon2 hash takes a good part of a second on a busy machine), at start-up
    (`warm_up`) rather than on import, which every command pays."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LoggedIn:
    agent: Agent
    token: str
    csrf_token: str


async def do_log_in(
    session: AsyncSession, email: str, password: str, lifetime: timedelta, *, otp: str | None = None
) -> LoggedIn:
    agent = await session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    try:
        _hasher.verify(agent.password_hash if agent else dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        agent = None
    if agent is None:
        raise NotAuthenticated("The e-mail address or the password is wrong.")
    if not agent.active:
        # Said only to whoever knows the password: an unknown address and a wrong password stay alike.
        raise Forbidden(DEACTIVATED)
    if agent.shop_id is not None:
        shop = await session.get(Shop, agent.shop_id)
        if shop is not None and shop.suspended:
            raise Forbidden("Your shop is suspended on the marketplace: ask its support. ショップは利用停止中です。")
    if agent.totp_enabled:
        if not otp:
            raise TwoFactorRequired("Enter the 6-digit code from your authenticator app.")
        use = await totp.use_code(session, agent, otp)
        if use == "wrong":
            raise NotAuthenticated("The 6-digit code is wrong or has expired: enter the current one.")
        if use == "used":
            raise NotAuthenticated(totp.ALREADY_USED)
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AgentSession(
            token_hash=_token_hash(token),
            agent_id=agent.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    agent.presence = "available"
    return LoggedIn(agent=agent, token=token, csrf_token=csrf)


async def do_log_out(session: AsyncSession, token: str) -> None:
    await session.execute(delete(AgentSession).where(AgentSession.token_hash == _token_hash(token)))


async def authenticate(session: AsyncSession, token: str | None) -> tuple[Agent, AgentSession]:
    """The agent behind a session cookie, or `NotAuthenticated` saying how to get back in."""
    if not token:
        raise NotAuthenticated("Log in to the operator console first.")
    row = await session.execute(
        select(Agent, AgentSession)
        .join(AgentSession, AgentSession.agent_id == Agent.id)
        .where(AgentSession.token_hash == _token_hash(token))
    )
    found = row.first()
    if found is None:
        raise NotAuthenticated("Your session has ended: log in again.")
    agent, agent_session = found
    if not agent.active:
        raise NotAuthenticated(DEACTIVATED)
    if agent_session.expires_at <= utcnow():
        raise NotAuthenticated("Your session has expired: log in again.")
    return agent, agent_session


def check_csrf(agent_session: AgentSession, header_value: str | None) -> None:
    """State-changing requests must echo the session's CSRF token in a header a foreign page cannot set."""
    if not header_value or not hmac.compare_digest(agent_session.csrf_token, header_value):
        raise Forbidden("The request is missing the console's CSRF token: reload the console and try again.")
