"""Operators' second factor: time-based one-time passwords (RFC 6238) from any authenticator app."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import pyotp
from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from madoguchi.errors import Conflict, InvalidInput
from madoguchi.store.models import Agent

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

ISSUER = "Madoguchi"


def begin_setup(agent: Agent) -> str:
    """A new secret for the agent, not yet required; returns the otpauth:// URI for the authenticator app."""
    if agent.totp_enabled:
        raise Conflict("Two-factor log-in is already on; turn it off first to set up a new device.")
    agent.totp_secret = pyotp.random_base32()
    agent.totp_last_step = None
    return pyotp.TOTP(agent.totp_secret).provisioning_uri(name=agent.email, issuer_name=ISSUER)


def matching_step(agent: Agent, code: str | None, now: datetime | None = None) -> int | None:
    """The time step whose code `code` is, or None when it matches none near `now`.

    Real time by default, not the process's clock: the authenticator app on the phone knows only real time."""
    if not agent.totp_secret or not code:
        return None
    digits = "".join(character for character in code if character.isdigit())
    if len(digits) != 6:
        return None
    generator = pyotp.TOTP(agent.totp_secret)
    current = generator.timecode(now or datetime.now(UTC))
    # One step either side absorbs a phone clock a little off.
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(generator.generate_otp(step), digits):
            return step
    return None


CodeUse = Literal["accepted", "wrong", "used"]
ALREADY_USED = "This 6-digit code has already been used: wait for the next one in your authenticator app."


async def _claim_step(session: AsyncSession, agent: Agent, step: int) -> bool:
    """Record `step` as the agent's last used one, unless it (or a later one) was used already.

    One conditional UPDATE, so that two requests racing with the same code cannot both win it, on either database.
    """
    claimed = await session.execute(
        update(Agent)
        .where(Agent.id == agent.id, or_(Agent.totp_last_step.is_(None), Agent.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    # Already written: the loaded object learns the value without a second UPDATE at the flush.
    set_committed_value(agent, "totp_last_step", step)
    return True


async def use_code(session: AsyncSession, agent: Agent, code: str | None) -> CodeUse:
    """Check `code` and spend it: a code is taken once, whatever it is for (log-in, turning 2FA on or off).

    Every place that accepts a code goes through here, so a code shown to one of them is dead for all others."""
    step = matching_step(agent, code)
    if step is None:
        return "wrong"
    if not await _claim_step(session, agent, step):
        return "used"
    return "accepted"


async def enable(session: AsyncSession, agent: Agent, code: str) -> None:
    if not agent.totp_secret:
        raise Conflict("Start the set-up first: it gives the key to enter in the authenticator app.")
    use = await use_code(session, agent, code)
    if use == "wrong":
        raise InvalidInput("The code does not match: check the phone's clock and enter the current 6-digit code.")
    if use == "used":
        raise InvalidInput(ALREADY_USED)
    agent.totp_enabled = True


async def disable(session: AsyncSession, agent: Agent, code: str) -> None:
    if not agent.totp_enabled:
        raise Conflict("Two-factor log-in is not on.")
    use = await use_code(session, agent, code)
    if use == "wrong":
        raise InvalidInput("The code does not match: enter the current 6-digit code to turn two-factor log-in off.")
    if use == "used":
        raise InvalidInput(ALREADY_USED)
    agent.totp_enabled = False
    agent.totp_secret = None
    agent.totp_last_step = None
