"""Canned responses: replies an operator inserts in one key stroke, with the customer's details filled in.

Variables are `{name}`, `{order}` and `{tracking}`; only these are replaced (no format-string evaluation, so
a template can never reach into an object). A variable with no value stays visible for the operator to fill.
The order filled in is one the conversation's signed-in customer placed and, for a shop's staff, one their
shop sold (`queries.order_for_operators`): a number typed in an anonymous chat may be anyone's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from madoguchi.conversations.queries import latest_order_for_operators, order_for_operators
from madoguchi.errors import Conflict, Forbidden, InvalidInput, NotFound
from madoguchi.store.models import CannedResponse, Customer, Desk, Shop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.store.models import Agent, Conversation

VARIABLES = ("name", "order", "tracking")
_VARIABLE = re.compile(r"\{(name|order|tracking)\}")


@dataclass(frozen=True)
class Canned:
    shortcut: str
    language: str
    title: str
    text: str


# Shipped with every deployment; a shop or an administrator adds their own in the canned_responses table.
BUILT_IN: tuple[Canned, ...] = (
    Canned("greet", "ja", "ご挨拶", "{name}様、お問い合わせありがとうございます。担当いたします。"),
    Canned("check", "ja", "確認します", "ご注文番号 {order} について確認いたします。少々お待ちください。"),
    Canned(
        "tracking",
        "ja",
        "追跡番号のご案内",
        "ご注文 {order} は発送済みです。追跡番号は {tracking} です。配送業者のサイトで状況をご確認いただけます。",
    ),
    Canned("sorry", "ja", "お詫び", "{name}様、ご不便をおかけして申し訳ございません。"),
    Canned("close", "ja", "完了のご案内", "ほかにご不明な点はございますか。なければこちらで完了とさせていただきます。"),
    Canned("greet", "en", "Greeting", "Hello {name}, thank you for contacting us. I will help you today."),
    Canned("check", "en", "Checking", "Let me check your order {order}. One moment, please."),
    Canned(
        "tracking",
        "en",
        "Tracking number",
        "Your order {order} has shipped. The tracking number is {tracking}; the carrier's site shows where it is.",
    ),
    Canned("sorry", "en", "Apology", "I am sorry for the trouble, {name}."),
    Canned("close", "en", "Closing", "Is there anything else I can help with? If not, I will close this conversation."),
)


def render(template: str, values: dict[str, str | None]) -> str:
    return _VARIABLE.sub(lambda match: values.get(match.group(1)) or match.group(0), template)


async def values_for(
    session: AsyncSession, conversation: Conversation, shop_id: str | None = None
) -> dict[str, str | None]:
    """The variables for the conversation's customer; `shop_id` is the shop of the operator asking."""
    customer = await session.get(Customer, conversation.customer_id)
    order = await order_for_operators(session, conversation, conversation.order_number, shop_id)
    if order is None:
        order = await latest_order_for_operators(session, conversation, shop_id)
    return {
        "name": customer.name if customer is not None and customer.name else None,
        "order": order.number if order is not None else None,
        "tracking": order.tracking_id if order is not None else None,
    }


async def for_conversation(session: AsyncSession, agent: Agent, conversation: Conversation) -> list[dict[str, str]]:
    """The operator's canned responses in the conversation's language, filled in for its customer."""
    language = "ja" if conversation.language == "ja" else "en"
    rows = await session.scalars(
        select(CannedResponse).where(
            CannedResponse.language == language,
            or_(CannedResponse.shop_id.is_(None), CannedResponse.shop_id == agent.shop_id),
            or_(CannedResponse.desk.is_(None), CannedResponse.desk == conversation.desk),
        )
    )
    stored = [Canned(row.shortcut, row.language, row.title, row.text) for row in rows]
    own = {item.shortcut for item in stored}
    items = stored + [item for item in BUILT_IN if item.language == language and item.shortcut not in own]
    values = await values_for(session, conversation, agent.shop_id)
    return [
        {"shortcut": item.shortcut, "title": item.title, "template": item.text, "text": render(item.text, values)}
        for item in items
    ]


# --- kept by administrators and by each shop's staff ------------------------------------------------------

_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
LANGUAGES = ("ja", "en", "zh", "ko")
MAX_TEXT = 4000


async def _check(
    session: AsyncSession, *, shortcut: str, language: str, title: str, text: str, desk: str | None, shop_id: str | None
) -> None:
    if not _SHORTCUT.match(shortcut):
        raise InvalidInput(
            "A shortcut is 1 to 40 lowercase letters, digits, '-' or '_'. ショートカットは英小文字と数字で。"
        )
    if language not in LANGUAGES:
        raise InvalidInput(f"The language is one of {', '.join(LANGUAGES)}.")
    if not title.strip() or len(title) > 200:
        raise InvalidInput("The title must be 1 to 200 characters. タイトルは1〜200文字で入力してください。")
    if not text.strip() or len(text) > MAX_TEXT:
        raise InvalidInput(f"The text must be 1 to {MAX_TEXT} characters. 本文を入力してください。")
    unknown = sorted({name for name in _PLACEHOLDER.findall(text) if name not in VARIABLES})
    if unknown:
        # A typo in a variable would reach the customer as written: refuse it here.
        usable = ", ".join("{" + name + "}" for name in VARIABLES)
        raise InvalidInput(
            f"Unknown variables {', '.join('{' + name + '}' for name in unknown)}: use {usable}. "
            f"使える差し込み項目は {usable} です。"
        )
    if (
        desk is not None
        and await session.scalar(select(Desk.id).where(Desk.id == desk, Desk.kind != "referral")) is None
    ):
        raise InvalidInput(f"No desk takes conversations under the id {desk!r}.")
    if shop_id is not None and await session.get(Shop, shop_id) is None:
        raise InvalidInput(f"There is no shop {shop_id!r}.")


def _scope_of(agent: Agent, shop_id: str | None) -> str | None:
    """A shop's staff keep their own shop's responses only; platform staff any."""
    if agent.shop_id is not None:
        if shop_id not in (None, agent.shop_id):
            raise Forbidden("A shop's staff keep their own shop's canned responses only.")
        return agent.shop_id
    return shop_id


async def every_response(session: AsyncSession, agent: Agent) -> list[CannedResponse]:
    query = select(CannedResponse).order_by(CannedResponse.shortcut, CannedResponse.language, CannedResponse.id)
    if agent.shop_id is not None:
        query = query.where(CannedResponse.shop_id == agent.shop_id)
    return list(await session.scalars(query))


async def response(session: AsyncSession, agent: Agent, response_id: int) -> CannedResponse:
    found = await session.get(CannedResponse, response_id)
    # Another shop's response is as absent as one that does not exist.
    if found is None or (agent.shop_id is not None and found.shop_id != agent.shop_id):
        raise NotFound(f"There is no canned response {response_id}.")
    return found


async def do_save_response(
    session: AsyncSession,
    agent: Agent,
    *,
    shortcut: str,
    language: str,
    title: str,
    text: str,
    desk: str | None = None,
    shop_id: str | None = None,
    existing: CannedResponse | None = None,
) -> CannedResponse:
    """Create a canned response, or replace `existing`; one per shortcut, language, desk and shop."""
    shop_id = _scope_of(agent, shop_id)
    await _check(session, shortcut=shortcut, language=language, title=title, text=text, desk=desk, shop_id=shop_id)
    same = await session.scalar(
        select(CannedResponse.id).where(
            CannedResponse.shortcut == shortcut,
            CannedResponse.language == language,
            CannedResponse.desk.is_(None) if desk is None else CannedResponse.desk == desk,
            CannedResponse.shop_id.is_(None) if shop_id is None else CannedResponse.shop_id == shop_id,
        )
    )
    if same is not None and (existing is None or same != existing.id):
        raise Conflict(f"The shortcut {shortcut!r} exists already for this language, desk and shop.")
    row = existing or CannedResponse()
    row.shortcut, row.language, row.title, row.text = shortcut, language, title.strip(), text
    row.desk, row.shop_id = desk, shop_id
    if existing is None:
        session.add(row)
    await session.flush()
    return row


async def do_delete_response(session: AsyncSession, row: CannedResponse) -> None:
    await session.delete(row)
