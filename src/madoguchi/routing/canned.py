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
from madoguchi.store.models import CannedResponse, Customer

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
