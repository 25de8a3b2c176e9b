"""API tokens: scoped credentials for a marketplace's or a shop's backend.

A token is 32 random bytes shown once; only its SHA-256 is kept, and a presented token is found by that hash
and compared in constant time. Each token acts through an operator row of its own, made with it: a shop-bound
token is that shop's staff (`shop_agent`), a platform token platform staff (`supervisor`, who reads every
conversation and every report), so that the rules of who sees what (`conversations.queries.visible_to`,
`analytics.reports.scope`) apply to it unchanged. Its scopes then narrow what it may call, and the endpoints
that accept tokens name the scope they need. A token is read from the database on every request, so a
revocation holds at once in every process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from madoguchi.agents.auth import hash_password
from madoguchi.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from madoguchi.store.models import Agent, ApiToken, Shop

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

SCOPES: Final = ("conversations:read", "conversations:write", "reports:read", "webhooks:write")
# Tokens are recognisable in logs and secret scanners by this prefix.
TOKEN_PREFIX: Final = "mdg_"  # noqa: S105 - a public prefix, not a secret
MAX_TOKENS_LISTED: Final = 500
UNKNOWN = (
    "This API token is unknown or has been revoked: ask an administrator for a new one. "
    "この API トークンは無効です(失効済みまたは不明)。管理者に新しいトークンを発行してもらってください。"
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    secret: str


def _checked_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise InvalidInput(
            f"Unknown scope {', '.join(unknown)}: use {', '.join(SCOPES)}. 不明なスコープがあります。",
            field="scopes",
        )
    if not scopes:
        raise InvalidInput("Give the token at least one scope. スコープを一つ以上指定してください。", field="scopes")
    return [scope for scope in SCOPES if scope in scopes]


async def do_issue(
    session: AsyncSession, *, name: str, scopes: list[str], shop_id: str | None, created_by: Agent, now: datetime
) -> Issued:
    """A new token and the operator row it acts as, in the caller's transaction; the secret is returned once."""
    name = name.strip()
    if not name:
        raise InvalidInput("Name the token (who uses it, for what). トークンの名前を入力してください。", field="name")
    checked = _checked_scopes(scopes)
    if shop_id is not None and await session.get(Shop, shop_id) is None:
        raise InvalidInput(f"There is no shop {shop_id}. ショップ {shop_id} は存在しません。", field="shop_id")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    actor = Agent(
        # Not an address anyone can log in with: `.invalid` is reserved, and the password is thrown away.
        email=f"api-token-{secrets.token_hex(8)}@api-tokens.invalid",
        name=name,
        role="shop_agent" if shop_id is not None else "supervisor",
        shop_id=shop_id,
        desks=[],
        languages=["ja"],
        # Nobody offers a token a conversation: it has no capacity and is never present.
        chat_capacity=0,
        email_capacity=0,
        presence="offline",
        password_hash=hash_password(secrets.token_urlsafe(32)),
    )
    session.add(actor)
    await session.flush()
    token = ApiToken(
        name=name,
        token_hash=token_hash(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        scopes=checked,
        shop_id=shop_id,
        agent_id=actor.id,
        created_by=created_by.id,
        created_at=now,
    )
    session.add(token)
    await session.flush()
    return Issued(token=token, secret=secret)


async def every_token(session: AsyncSession) -> list[ApiToken]:
    rows = await session.scalars(select(ApiToken).order_by(ApiToken.id.desc()).limit(MAX_TOKENS_LISTED))
    return list(rows)


async def do_revoke(session: AsyncSession, token_id: int, now: datetime) -> ApiToken:
    """Revoked for good: the next request with it is refused, in every process (nothing caches a token)."""
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"There is no API token {token_id}. API トークン {token_id} はありません。")
    if token.revoked_at is None:
        token.revoked_at = now
        actor = await session.get(Agent, token.agent_id)
        if actor is not None:
            actor.active = False
    return token


async def authenticate(session: AsyncSession, presented: str, now: datetime) -> tuple[ApiToken, Agent]:
    """The token and its operator row, its last use noted; `NotAuthenticated` for an unknown or revoked one."""
    digest = token_hash(presented)
    found = (
        await session.execute(
            select(ApiToken, Agent).join(Agent, Agent.id == ApiToken.agent_id).where(ApiToken.token_hash == digest)
        )
    ).first()
    # The lookup is by hash; comparing the hashes once more in constant time leaves no timing to learn from.
    if found is None or not hmac.compare_digest(found[0].token_hash, digest):
        raise NotAuthenticated(UNKNOWN)
    token, actor = found
    if token.revoked_at is not None or not actor.active:
        raise NotAuthenticated(UNKNOWN)
    token.last_used_at = now
    return token, actor


def require_scope(token: ApiToken, scope: str) -> None:
    if scope not in token.scopes:
        raise Forbidden(
            f"This API token lacks the scope {scope}: issue a token with it. "
            f"この API トークンにはスコープ {scope} がありません。",
            scope=scope,
        )
