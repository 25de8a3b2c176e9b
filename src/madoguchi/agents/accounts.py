"""Operators' accounts as an installation's owner makes them: the first administrator, from the command line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from madoguchi.agents.auth import hash_password
from madoguchi.errors import Conflict, InvalidInput
from madoguchi.store.models import Agent

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

# Long enough to resist guessing at the log-in throttle's pace; no composition rules (NIST SP 800-63B).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# One @, something on each side, a dot in the domain: enough to catch a typo, not a validator of RFC 5322.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _checked(email: str, name: str, password: str) -> tuple[str, str]:
    email = email.strip().lower()
    name = name.strip()
    if not _EMAIL.match(email) or len(email) > 320:
        raise InvalidInput(f"{email!r} is not an e-mail address. メールアドレスの形式ではありません。")
    if not name or len(name) > 200:
        raise InvalidInput("The name must be 1 to 200 characters. 名前は1〜200文字で入力してください。")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters. "
            f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。"
        )
    return email, name


async def do_create_admin(session: AsyncSession, *, email: str, name: str, password: str) -> Agent:
    """A new administrator, in the caller's transaction; an address already taken is refused."""
    email, name = _checked(email, name, password)
    if await session.scalar(select(Agent.id).where(Agent.email == email)) is not None:
        raise Conflict(f"An operator with the address {email} exists already. このアドレスの担当者は登録済みです。")
    agent = Agent(
        email=email,
        name=name,
        role="admin",
        shop_id=None,
        desks=[],
        languages=["ja", "en"],
        password_hash=hash_password(password),
    )
    session.add(agent)
    await session.flush()
    return agent
