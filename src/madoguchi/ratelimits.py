"""Rate limits on public endpoints, anonymous chat and log-in attempts, shared by every process through Redis.

Without Redis (not configured, or away for a while) each process counts on its own: a client may then get
up to the limit once per process, which is better than refusing every customer while Redis is down.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from madoguchi.bus.redis import REDIS_FAILURES, Outage, redis_pool
from madoguchi.errors import RateLimited

if TYPE_CHECKING:
    from limits import RateLimitItem

    from madoguchi.settings import Settings

# limits wraps some Redis errors in its own and lets others (the moving window's) through as they are.
_SHARED_FAILURES: tuple[type[Exception], ...] = (StorageError, *REDIS_FAILURES)


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        self._outage = Outage("ratelimits", "limits are counted in each process")
        if settings.redis_url:
            uri = settings.redis_url.replace("redis://", "async+redis://", 1).replace("rediss://", "async+rediss://", 1)
            # The pool is limits' documented way in for client options that are not plain values.
            options: dict[str, Any] = {"connection_pool": redis_pool(settings.redis_url)}
            storage = RedisStorage(
                uri,
                implementation="redispy",
                key_prefix=f"{settings.bus_channel}:limits",
                wrap_exceptions=True,
                **options,
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._public = parse(settings.rate_limit_public)
        self._anonymous_messages = parse(settings.rate_limit_anonymous_messages)
        self._anonymous_messages_from = parse(settings.rate_limit_anonymous_messages_per_address)
        self._new_visitors = parse(settings.rate_limit_new_visitors)
        self._login = parse(settings.login_attempts)
        # Per address the allowance is four times larger: one office shares one address.
        self._login_from = type(self._login)(self._login.amount * 4, self._login.multiples)

    async def _hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        if self._shared is not None and not self._outage.skipping():
            try:
                allowed = await self._shared.hit(item, *identifiers)
            except _SHARED_FAILURES as exc:
                self._outage.failed(exc)
            else:
                self._outage.recovered()
                return allowed
        return await self._local.hit(item, *identifiers)

    async def _test(self, item: RateLimitItem, *identifiers: str) -> bool:
        if self._shared is not None and not self._outage.skipping():
            try:
                allowed = await self._shared.test(item, *identifiers)
            except _SHARED_FAILURES as exc:
                self._outage.failed(exc)
            else:
                self._outage.recovered()
                return allowed
        return await self._local.test(item, *identifiers)

    async def _wait_s(self, item: RateLimitItem, *identifiers: str) -> int:
        """Whole seconds until the oldest counted hit leaves the window, so that one more is allowed."""
        if self._shared is not None and not self._outage.skipping():
            try:
                stats = await self._shared.get_window_stats(item, *identifiers)
            except _SHARED_FAILURES:
                stats = await self._local.get_window_stats(item, *identifiers)
        else:
            stats = await self._local.get_window_stats(item, *identifiers)
        # The limiter stamps its windows with the wall clock (in Redis too), so the wait is measured on it.
        return max(1, min(item.get_expiry(), math.ceil(stats.reset_time - time.time())))

    async def public(self, client: str, endpoint: str) -> None:
        """Count one request of an anonymous client (by address); refuse it when the client is over its limit."""
        if not await self._hit(self._public, endpoint, client):
            wait = await self._wait_s(self._public, endpoint, client)
            raise RateLimited(
                f"Too many requests from this address: at most {self._public} here. Please wait {wait} s and try "
                f"again. / 短時間のご利用が多すぎます。少し時間をおいて（{wait}秒ほど）からお試しください。",
                retry_after_s=wait,
            )

    async def check_login(self, email: str, address: str | None) -> None:
        """Refuse log-in to an account, or from an address, with too many recent failures."""
        allowed = await self._test(self._login, "login", email)
        allowed = allowed and await self._test(self._login_from, "login-from", address or "unknown")
        if not allowed:
            raise RateLimited(
                f"Too many failed log-ins (at most {self._login}): wait a few minutes, or ask an administrator. "
                "/ ログインの失敗が続いたため、しばらくお待ちください。"
            )

    async def failed_login(self, email: str, address: str | None) -> None:
        await self._hit(self._login, "login", email)
        await self._hit(self._login_from, "login-from", address or "unknown")

    async def anonymous_message(self, customer_id: str, address: str | None = None) -> None:
        """Count one chat message of a customer who is not signed in, and of the client address when known;
        refuse it past either limit (the client's outbox sends it again later, so nothing is lost)."""
        allowed = await self._hit(self._anonymous_messages, "chat.anonymous", customer_id)
        # Per address too: a visitor costs nothing to make, so a limit per visitor alone multiplies with them.
        if allowed and address is not None:
            allowed = await self._hit(self._anonymous_messages_from, "chat.anonymous-from", address)
        if not allowed:
            raise RateLimited(
                f"Too many messages in a short time (at most {self._anonymous_messages} without signing in): "
                "please wait a moment. / 短時間にメッセージが多すぎます。少しお待ちください。"
            )

    async def new_visitor(self, address: str | None) -> None:
        """Count one anonymous customer created for a client address; refuse it past the limit."""
        if not await self._hit(self._new_visitors, "chat.new-visitor", address or "unknown"):
            raise RateLimited(
                f"Too many new chats from this address (at most {self._new_visitors}): please wait a moment and "
                "reload the page. / 短時間に新しいチャットが多すぎます。少し時間をおいてから再読み込みしてください。"
            )
