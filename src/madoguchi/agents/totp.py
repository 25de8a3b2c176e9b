"""Operators' second factor: time-based one-time passwords (RFC 6238) from any authenticator app."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyotp

from madoguchi.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from madoguchi.store.models import Agent

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


def code_is_valid(agent: Agent, code: str | None) -> bool:
    return matching_step(agent, code) is not None


def enable(agent: Agent, code: str) -> None:
    if not agent.totp_secret:
        raise Conflict("Start the set-up first: it gives the key to enter in the authenticator app.")
    if not code_is_valid(agent, code):
        raise InvalidInput("The code does not match: check the phone's clock and enter the current 6-digit code.")
    agent.totp_enabled = True


def disable(agent: Agent, code: str) -> None:
    if not agent.totp_enabled:
        raise Conflict("Two-factor log-in is not on.")
    if not code_is_valid(agent, code):
        raise InvalidInput("The code does not match: enter the current 6-digit code to turn two-factor log-in off.")
    agent.totp_enabled = False
    agent.totp_secret = None
    agent.totp_last_step = None
