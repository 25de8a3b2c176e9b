"""Operators' accounts: the first administrator (from the command line), then every operator an administrator
creates, changes, deactivates or lets set up two-factor log-in again."""

from __future__ import annotations

import re
from enum import Enum
from typing import TYPE_CHECKING, Final

from sqlalchemy import ColumnElement, delete, select

from madoguchi.agents.auth import hash_password
from madoguchi.agents.roles import ROLES
from madoguchi.errors import Conflict, Forbidden, InvalidInput, NotFound
from madoguchi.store.models import Agent, AgentSession, ApiToken, Desk, Shop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class Unset(Enum):
    """A field left out of a change (None being a value: no shop)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET
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


# Who an operator is and what they take: the fields an administrator sets.
ROLES_WITHOUT_SHOP = ("admin", "supervisor", "agent")
MAX_CAPACITY = 50


async def _check_work(
    session: AsyncSession, *, role: str, shop_id: str | None, desks: list[str], capacities: tuple[int, int]
) -> None:
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    if role == "shop_agent":
        if not shop_id or await session.get(Shop, shop_id) is None:
            raise InvalidInput("A shop's operator needs the id of an existing shop. 店舗IDを指定してください。")
    elif shop_id is not None:
        raise InvalidInput(f"Only a shop's operator (shop_agent) belongs to a shop, not a {role}.")
    if desks:
        known = set(await session.scalars(select(Desk.id).where(Desk.id.in_(desks), Desk.kind != "referral")))
        unknown = sorted(set(desks) - known)
        if unknown:
            raise InvalidInput(f"No desk takes conversations under the ids {unknown}. 窓口IDを確認してください。")
    for capacity in capacities:
        if not 0 <= capacity <= MAX_CAPACITY:
            raise InvalidInput(f"A capacity is 0 to {MAX_CAPACITY} conversations at once.")


async def do_create_operator(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    password: str,
    role: str,
    shop_id: str | None,
    desks: list[str],
    languages: list[str],
    chat_capacity: int,
    email_capacity: int,
) -> Agent:
    """A new operator, in the caller's transaction."""
    email, name = _checked(email, name, password)
    await _check_work(session, role=role, shop_id=shop_id, desks=desks, capacities=(chat_capacity, email_capacity))
    if await session.scalar(select(Agent.id).where(Agent.email == email)) is not None:
        raise Conflict(f"An operator with the address {email} exists already. このアドレスの担当者は登録済みです。")
    agent = Agent(
        email=email,
        name=name,
        role=role,
        shop_id=shop_id,
        desks=list(dict.fromkeys(desks)),
        languages=list(dict.fromkeys(languages)),
        chat_capacity=chat_capacity,
        email_capacity=email_capacity,
        password_hash=hash_password(password),
    )
    session.add(agent)
    await session.flush()
    return agent


async def operator(session: AsyncSession, agent_id: int) -> Agent:
    agent = await session.scalar(select(Agent).where(Agent.id == agent_id, _people()))
    if agent is None:
        raise NotFound(f"There is no operator {agent_id}.")
    return agent


async def _active_admins(session: AsyncSession) -> int:
    return len(list(await session.scalars(select(Agent.id).where(Agent.role == "admin", Agent.active.is_(True)))))


async def do_update_operator(
    session: AsyncSession,
    actor: Agent,
    agent: Agent,
    *,
    name: str | None = None,
    role: str | None = None,
    shop_id: str | Unset | None = UNSET,
    desks: list[str] | None = None,
    languages: list[str] | None = None,
    chat_capacity: int | None = None,
    email_capacity: int | None = None,
) -> Agent:
    """Change what an operator is and takes; only what is given changes. A supervisor may change an agent's
    desks, languages and capacity; roles, shops and names are an administrator's."""
    admins_only = agent.role not in ("agent", "shop_agent") or role is not None or name is not None
    if actor.role != "admin" and (admins_only or shop_id is not UNSET):
        raise Forbidden("Only an administrator changes roles, shops, names and other supervisors or admins.")
    new_role = role if role is not None else agent.role
    new_shop = agent.shop_id if isinstance(shop_id, Unset) else shop_id
    new_desks = desks if desks is not None else list(agent.desks)
    capacities = (
        chat_capacity if chat_capacity is not None else agent.chat_capacity,
        email_capacity if email_capacity is not None else agent.email_capacity,
    )
    await _check_work(session, role=new_role, shop_id=new_shop, desks=new_desks, capacities=capacities)
    if agent.role == "admin" and new_role != "admin" and agent.active and await _active_admins(session) <= 1:
        raise Conflict("This is the last active administrator: make another one first. 最後の管理者です。")
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidInput("The name must be 1 to 200 characters. 名前は1〜200文字で入力してください。")
        agent.name = name
    agent.role, agent.shop_id, agent.desks = new_role, new_shop, list(dict.fromkeys(new_desks))
    if languages is not None:
        agent.languages = list(dict.fromkeys(languages))
    agent.chat_capacity, agent.email_capacity = capacities
    return agent


async def end_sessions(session: AsyncSession, agent: Agent) -> int:
    """Log the operator out everywhere: every process reads sessions from the database, and each console feed
    rechecks its session within seconds."""
    ended = await session.execute(delete(AgentSession).where(AgentSession.agent_id == agent.id))
    return int(getattr(ended, "rowcount", 0) or 0)


async def do_deactivate_account(session: AsyncSession, actor: Agent, agent: Agent) -> None:
    """The account part of a deactivation: no log-in, no session. (Routing gives their conversations back.)"""
    if agent.id == actor.id:
        raise Conflict("You cannot deactivate yourself: ask another administrator. 自分自身は無効化できません。")
    if agent.role == "admin" and agent.active and await _active_admins(session) <= 1:
        raise Conflict("This is the last active administrator: make another one first. 最後の管理者です。")
    agent.active = False
    await end_sessions(session, agent)


def do_activate_account(agent: Agent) -> None:
    agent.active = True


async def do_reset_two_factor(session: AsyncSession, agent: Agent) -> None:
    """For an operator who lost their authenticator: they log in with the password alone and set it up again."""
    agent.totp_enabled = False
    agent.totp_secret = None
    agent.totp_last_step = None
    await end_sessions(session, agent)


def _people() -> ColumnElement[bool]:
    # An API token acts through an operator row of its own (madoguchi.integrations.tokens): it is
    # administered with its token, never as a person.
    return Agent.id.not_in(select(ApiToken.agent_id))


async def every_operator(session: AsyncSession) -> list[Agent]:
    return list(await session.scalars(select(Agent).where(_people()).order_by(Agent.active.desc(), Agent.name)))
