"""Rate limits on public endpoints, anonymous chat and log-in attempts, shared by every process through Redis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from madoguchi.errors import RateLimited

if TYPE_CHECKING:
    from madoguchi.settings import Settings


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        storage: Storage
        if settings.redis_url:
            uri = settings.redis_url.replace("redis://", "async+redis://", 1).replace("rediss://", "async+rediss://", 1)
            storage = RedisStorage(uri, implementation="redispy", key_prefix=f"{settings.bus_channel}:limits")
        else:
            storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(storage)
        self._public = parse(settings.rate_limit_public)
        self._anonymous_messages = parse(settings.rate_limit_anonymous_messages)
        self._login = parse(settings.login_attempts)
        # Per address the allowance is four times larger: one office shares one address.
        self._login_from = type(self._login)(self._login.amount * 4, self._login.multiples)

    async def public(self, client: str, endpoint: str) -> None:
        """Count one request of an anonymous client (by address); refuse it when the client is over its limit."""
        if not await self._limiter.hit(self._public, endpoint, client):
            raise RateLimited(
                f"Too many requests from this address: at most {self._public} here. Please wait a moment and try "
                "again. / 短時間のご利用が多すぎます。少し時間をおいてからお試しください。"
            )

    async def check_login(self, email: str, address: str | None) -> None:
        """Refuse log-in to an account, or from an address, with too many recent failures."""
        allowed = await self._limiter.test(self._login, "login", email)
        allowed = allowed and await self._limiter.test(self._login_from, "login-from", address or "unknown")
        if not allowed:
            raise RateLimited(
                f"Too many failed log-ins (at most {self._login}): wait a few minutes, or ask an administrator. "
                "/ ログインの失敗が続いたため、しばらくお待ちください。"
            )

    async def failed_login(self, email: str, address: str | None) -> None:
        await self._limiter.hit(self._login, "login", email)
        await self._limiter.hit(self._login_from, "login-from", address or "unknown")

    async def anonymous_message(self, customer_id: str) -> None:
        """Count one chat message of a customer who is not signed in; refuse it past the limit (the client's
        outbox sends it again later, so nothing is lost)."""
        if not await self._limiter.hit(self._anonymous_messages, "chat.anonymous", customer_id):
            raise RateLimited(
                f"Too many messages in a short time (at most {self._anonymous_messages} without signing in): "
                "please wait a moment. / 短時間にメッセージが多すぎます。少しお待ちください。"
            )
