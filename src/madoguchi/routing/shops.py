"""The marketplace's shops as an administrator keeps them: created, their hours, closures, languages and reply
promise changed, suspended (their staff logged out and kept out, their customers answered by platform CS) and
restored. A shop's staff are operators with the role `shop_agent` (agents.accounts)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from madoguchi.agents.accounts import end_sessions
from madoguchi.errors import Conflict, InvalidInput, NotFound
from madoguchi.routing.desks import check_closed_days, check_hours
from madoguchi.store.models import Agent, Shop

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.ext.asyncio import AsyncSession

# Lowercase ASCII with hyphens, as it appears in the widget's `data-shop` and in URLs.
_SHOP_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PROMISE_HOURS = 24 * 14


async def shop(session: AsyncSession, shop_id: str) -> Shop:
    found = await session.get(Shop, shop_id)
    if found is None:
        raise NotFound(f"There is no shop {shop_id!r}.")
    return found


async def every_shop(session: AsyncSession) -> list[Shop]:
    return list(await session.scalars(select(Shop).order_by(Shop.id)))


def _check(*, name: str, name_en: str, reply_promise_hours: int, contact_email: str) -> None:
    if not name.strip() or not name_en.strip():
        raise InvalidInput("A shop needs a name in Japanese and in English. 店舗名（日本語・英語）を入力してください。")
    if not 1 <= reply_promise_hours <= MAX_PROMISE_HOURS:
        raise InvalidInput(f"The reply promise is 1 to {MAX_PROMISE_HOURS} hours. 返信期限は1〜336時間です。")
    if not _EMAIL.match(contact_email):
        raise InvalidInput(f"{contact_email!r} is not an e-mail address. メールアドレスの形式ではありません。")


async def do_create_shop(
    session: AsyncSession,
    *,
    shop_id: str,
    name: str,
    name_en: str,
    hours: Mapping[str, str | None],
    languages: list[str],
    reply_promise_hours: int,
    contact_email: str,
    description_ja: str = "",
) -> Shop:
    if not _SHOP_ID.match(shop_id):
        raise InvalidInput("A shop id is 3 to 40 lowercase letters, digits and hyphens, e.g. kyoto-kotonoha.")
    _check(name=name, name_en=name_en, reply_promise_hours=reply_promise_hours, contact_email=contact_email)
    if await session.get(Shop, shop_id) is not None:
        raise Conflict(f"The shop id {shop_id} is taken already. この店舗IDは使用済みです。")
    created = Shop(
        id=shop_id,
        name=name.strip(),
        name_en=name_en.strip(),
        description_ja=description_ja,
        hours=check_hours(hours),
        languages=list(dict.fromkeys(languages)),
        reply_promise_hours=reply_promise_hours,
        contact_email=contact_email.strip(),
        closed_days=[],
        suspended=False,
    )
    session.add(created)
    await session.flush()
    return created


async def do_change_shop(
    session: AsyncSession,
    found: Shop,
    *,
    name: str | None = None,
    name_en: str | None = None,
    hours: Mapping[str, str | None] | None = None,
    closed_days: list[str] | None = None,
    languages: list[str] | None = None,
    reply_promise_hours: int | None = None,
    contact_email: str | None = None,
    suspended: bool | None = None,
) -> Shop:
    """Change only what is given. Suspending logs the shop's staff out at once; from then on they cannot log
    in, and new conversations about the shop's orders go to platform CS."""
    _check(
        name=name if name is not None else found.name,
        name_en=name_en if name_en is not None else found.name_en,
        reply_promise_hours=reply_promise_hours if reply_promise_hours is not None else found.reply_promise_hours,
        contact_email=contact_email if contact_email is not None else found.contact_email,
    )
    if hours is not None:
        found.hours = check_hours(hours)
    if closed_days is not None:
        found.closed_days = check_closed_days(closed_days)
    if name is not None:
        found.name = name.strip()
    if name_en is not None:
        found.name_en = name_en.strip()
    if languages is not None:
        found.languages = list(dict.fromkeys(languages))
    if reply_promise_hours is not None:
        found.reply_promise_hours = reply_promise_hours
    if contact_email is not None:
        found.contact_email = contact_email.strip()
    if suspended is not None and suspended != found.suspended:
        found.suspended = suspended
        if suspended:
            for agent in await session.scalars(select(Agent).where(Agent.shop_id == found.id)):
                await end_sessions(session, agent)
    return found
