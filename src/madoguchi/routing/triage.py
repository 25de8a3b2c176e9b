"""The decision for one message: desk, priority, hand-over, and what the bot says (DESIGN.md, the routing map).

`order_owner` is resolved from the order's seller when the order is known (context or an order number in
the text); outside parties (the card issuer, the carrier) get a referral with their official contact, not a
queue; money or identity at stake raises the priority; anger or a request for a person hands over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from madoguchi.nlu.data import taxonomy
from madoguchi.nlu.pipeline import Understanding
from madoguchi.store.models import Article, Desk, Order, Shop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from madoguchi.nlu.pipeline import NluPipeline

Priority = Literal["low", "normal", "high", "urgent"]
_PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
ANGER_HANDOFF = 0.7
LOW_CONFIDENCE = 0.3
# Asked for a person in so many words: always a hand-over, whatever the desk.
_PERSON_INTENTS = frozenset({"contact_human_agent", "request_callback"})
_ALWAYS_URGENT = frozenset({"account_compromised", "report_scam"})


@dataclass(frozen=True)
class Triage:
    understanding: Understanding
    desk: str
    priority: Priority
    handoff: bool
    reply: str
    reasons: tuple[str, ...]

    def contract(self) -> dict[str, object]:
        """The answer of `POST /api/v1/triage` (DESIGN.md)."""
        understood = self.understanding.contract()
        return {
            "language": understood["language"],
            "intent": understood["intent"],
            "confidence": understood["confidence"],
            "entities": understood["entities"],
            "desk": self.desk,
            "priority": self.priority,
            "handoff": self.handoff,
            "reply": self.reply,
            "reasons": list(self.reasons),
        }


_TEXTS: dict[str, dict[str, str]] = {
    "handoff": {
        "ja": "{desk}におつなぎします。ここまでの内容は担当者に引き継ぎますので、同じご説明は不要です。",
        "en": "I am passing you to {desk}. They will see everything you have told me, "
        "so there is no need to repeat it.",
        "zh": "正在为您转接{desk}。您的咨询内容将转交给工作人员，无需重复说明。",
        "ko": "{desk}(으)로 연결해 드리겠습니다. "
        "지금까지의 내용은 담당자에게 전달되므로 다시 설명하지 않으셔도 됩니다.",
    },
    "shop": {
        "ja": "ご注文のショップ「{shop}」にお伝えします。ショップは{hours}時間以内にお返事します。",
        "en": "I will pass this to the shop that sold the item, {shop}. The shop replies within {hours} hours.",
        "zh": "我们将转达给售出该商品的店铺「{shop}」，店铺将在{hours}小时内回复。",
        "ko": "상품을 판매한 쇼핑몰 「{shop}」에 전달하겠습니다. 쇼핑몰은 {hours}시간 이내에 답변드립니다.",
    },
    "card_issuer": {
        "ja": "身に覚えのないご請求は、お手持ちのカードの裏面に記載された番号でカード会社にご連絡ください。"
        "メールやSMSに書かれた番号には掛けないでください。",
        "en": "For a charge you do not recognise, call your card company on the number printed on the back of your "
        "card. Never call a number given in an e-mail or a text message.",
        "zh": "如有不明扣款，请拨打您信用卡背面印有的电话联系发卡公司。请勿拨打邮件或短信中的号码。",
        "ko": "기억에 없는 청구는 카드 뒷면에 적힌 번호로 카드사에 문의해 주세요. "
        "메일이나 문자에 적힌 번호로는 전화하지 마세요.",
    },
    "carrier": {
        "ja": "{carrier}の公式窓口は {phone}（{hours}）です。{tracking}",
        "en": "The official contact of {carrier} is {phone} ({hours}). {tracking}",
        "zh": "{carrier}的官方联系电话为 {phone}（{hours}）。{tracking}",
        "ko": "{carrier}의 공식 연락처는 {phone}({hours})입니다. {tracking}",
    },
    "carrier_any": {
        "ja": "配送業者の公式窓口をご案内します：{contacts}",
        "en": "The carriers' official contacts: {contacts}",
        "zh": "各快递公司的官方联系方式：{contacts}",
        "ko": "배송업체 공식 연락처: {contacts}",
    },
    "article": {
        "ja": "こちらのヘルプをご覧ください：「{title}」",
        "en": "This help page answers it: “{title}”",
        "zh": "请参阅帮助页面：「{title}」",
        "ko": "다음 도움말을 확인해 주세요: 「{title}」",
    },
    "out_of_scope": {
        "ja": "申し訳ありません。こちらではご注文・お届け・お支払い・アカウントについてのご相談を承っています。",
        "en": "Sorry, I can help with orders, deliveries, payments and your account.",
        "zh": "抱歉，这里可以为您处理订单、配送、付款和账户相关的问题。",
        "ko": "죄송합니다. 이곳에서는 주문, 배송, 결제, 계정에 관한 문의를 도와드립니다.",
    },
    "unsure": {
        "ja": "恐れ入りますが、もう少し詳しく教えていただけますか。ご注文番号があれば添えてください。",
        "en": "Could you tell me a little more? Please add the order number if you have one.",
        "zh": "能再详细说明一下吗？如有订单号请一并提供。",
        "ko": "조금 더 자세히 알려 주시겠어요? 주문 번호가 있으면 함께 알려 주세요.",
    },
}
_TRACKING = {
    "ja": "追跡番号: {number}",
    "en": "Tracking number: {number}",
    "zh": "运单号：{number}",
    "ko": "송장 번호: {number}",
}


def _say(key: str, language: str, **values: object) -> str:
    texts = _TEXTS[key]
    return texts.get(language, texts["en"]).format(**values)


def _raise(priority: Priority, steps: int = 1) -> Priority:
    return _PRIORITIES[min(len(_PRIORITIES) - 1, _PRIORITIES.index(priority) + steps)]


async def decide(session: AsyncSession, pipeline: NluPipeline, text: str, order_number: str | None = None) -> Triage:
    understood = pipeline.understand(text)
    language = understood.language
    intent = understood.intent
    info = taxonomy()[intent]
    reasons: list[str] = [f"intent:{intent}"]
    number = order_number or next(
        (entity.normalized for entity in understood.entities if entity.type == "order_number"), None
    )
    order = await session.get(Order, number) if number else None
    if number:
        reasons.append("order:known" if order else "order:unknown")

    desk = info.desk
    if desk == "order_owner" and order is not None:
        desk = "shop" if order.shop_id else "platform_cs"
        reasons.append(f"order_owner:{desk}")

    priority: Priority = "normal"
    if info.money_or_identity:
        priority = _raise(priority)
        reasons.append("money_or_identity")
    if intent in _ALWAYS_URGENT:
        priority = "urgent"
    urgency = understood.urgency
    if urgency.anger >= ANGER_HANDOFF or urgency.urgency >= ANGER_HANDOFF:
        priority = _raise(priority)
        reasons += list(urgency.signals)

    handoff = False
    desk_row = await session.get(Desk, desk) if desk not in ("bot", "order_owner") else None
    if intent in _PERSON_INTENTS or (desk_row is not None and desk_row.kind in ("queue", "shop")):
        handoff = True
    if urgency.anger >= ANGER_HANDOFF and desk in ("bot", "order_owner"):
        desk, handoff = "platform_cs", True
        desk_row = await session.get(Desk, desk)
        reasons.append("anger")
    if handoff:
        reasons.append("handoff")

    reply = await _reply(session, understood, desk, desk_row, order, handoff, language)
    return Triage(understood, desk, priority, handoff, reply, tuple(reasons))


async def _reply(
    session: AsyncSession,
    understood: Understanding,
    desk: str,
    desk_row: Desk | None,
    order: Order | None,
    handoff: bool,
    language: str,
) -> str:
    intent = understood.intent
    if intent == "out_of_scope":
        return _say("out_of_scope", language)
    if understood.confidence < LOW_CONFIDENCE and not handoff:
        return _say("unsure", language)
    if desk == "shop" and order is not None and order.shop_id:
        shop = await session.get(Shop, order.shop_id)
        if shop is not None:
            return _say("shop", language, shop=shop.name, hours=shop.reply_promise_hours)
    if desk == "card_issuer":
        return _say("card_issuer", language)
    if desk == "carrier" and desk_row is not None:
        contacts = [contact for contact in desk_row.official_contacts if contact.get("phone")]
        chosen = [c for c in contacts if order is not None and c.get("carrier") == order.carrier]
        if chosen and order is not None:
            contact = chosen[0]
            tracking = _TRACKING[language if language in _TRACKING else "en"].format(number=order.tracking_id)
            return _say(
                "carrier",
                language,
                carrier=contact["label_ja" if language == "ja" else "label_en"],
                phone=contact["phone"],
                hours=contact.get("hours_ja" if language == "ja" else "hours_en", ""),
                tracking=tracking if order.tracking_id else "",
            ).strip()
        listed = "、".join(f"{c['label_ja' if language == 'ja' else 'label_en']} {c['phone']}" for c in contacts)
        return _say("carrier_any", language, contacts=listed)
    if handoff and desk_row is not None:
        return _say("handoff", language, desk=desk_row.name_ja if language == "ja" else desk_row.name_en)
    article = await _article_for(session, intent, language)
    if article is not None:
        return _say("article", language, title=article.title)
    return _say("unsure", language)


async def _article_for(session: AsyncSession, intent: str, language: str) -> Article | None:
    articles = list(await session.scalars(select(Article).order_by(Article.id)))
    for wanted in (language, "ja"):
        for article in articles:
            if article.language == wanted and intent in article.intents:
                return article
    return None
