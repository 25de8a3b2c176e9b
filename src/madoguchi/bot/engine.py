"""The dialogue policy: one customer message in, what the bot says and does out.

Driven by the NLU (intent, entities, anger) and the routing map. It answers from the help centre and cites
the page; acts on orders through the commerce connector, asking which order by listing the customer's
recent ones, and asking for a yes before anything that moves money or an address; remembers the topic
across turns; asks the same question at most twice; and hands over (with intent, entities and a summary)
when asked for a person, after two turns it did not understand, on strong anger, or when money or identity
is at stake and it cannot finish.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from madoguchi.bot.confirmation import read_confirmation
from madoguchi.bot.wording import button, kind_name, more_items, say, status_name, yen
from madoguchi.commerce.orders import (
    RETURN_FEE_YEN,
    CommerceConnector,
    OrderInfo,
    ReturnKind,
    ReturnMethod,
    return_eligibility,
)
from madoguchi.conversations.phrases import phrase
from madoguchi.domain.languages import localized
from madoguchi.domain.routing_map import PLATFORM_CS, SHOP, DeskId, Priority
from madoguchi.domain.signed_links import LINK_HOURS, signed_url
from madoguchi.errors import Conflict, MadoguchiError, NotFound
from madoguchi.knowledge.helpcentre import HelpCentre
from madoguchi.routing.callbacks import MIN_WINDOW
from madoguchi.routing.decision import ANGER_HANDOFF, LOW_CONFIDENCE, Decision, OrderFacts, decide
from madoguchi.routing.desks import official_contacts
from madoguchi.store.models import Conversation, Desk, Shop
from madoguchi.trust.checker import TrustChecker
from madoguchi.trust.reports import do_report_text, items_in

if TYPE_CHECKING:
    from madoguchi.bot.state import DialogueState
    from madoguchi.knowledge.helpcentre import Hit
    from madoguchi.nlu.pipeline import Understanding

# A clear new request in the middle of a question changes the topic instead of counting as a wrong answer.
SWITCH_CONFIDENCE = 0.6
# Off-topic said with conviction ("nice weather") is not confusion; a guess this unsure is.
CLEAR_OFF_TOPIC = 0.6
MAX_ASKS = 2
RECENT_ORDERS = 5
_TOKYO = ZoneInfo("Asia/Tokyo")

_PERSON = re.compile(
    r"オペレーター|オペレータ|人と話|人間と|有人|担当者(?:と|に|を)|スタッフと|電話で話|"
    r"\b(?:agent|human|operator|representative|real person|someone real)\b|"
    r"人工|客服人员|真人|상담원|사람과|직원",
    re.IGNORECASE,
)
_EXCHANGE = re.compile(r"交換|exchange|换货|교환", re.IGNORECASE)
_MEMBERSHIP_CANCEL = re.compile(r"解約|退会|やめたい|止めたい|\bcancel|unsubscribe|取消|해지", re.IGNORECASE)
_CREDENTIALS_ENTERED = re.compile(
    r"(?:パスワード|カード番号|暗証番号|ID).{0,12}(?:入力|入れ|教え)|［パスワード・非表示］|入力してしまい|"
    r"entered my (?:password|card)|"
    r"gave (?:them|it) my (?:password|card)",
    re.IGNORECASE,
)
_SCAM_WORDS = re.compile(
    r"偽|怪しい|あやしい|詐欺|フィッシング|不審|本物|公式|phishing|scam|fake|suspicious|is (?:this|it) real|legit|"
    r"钓鱼|诈骗|假|사기|피싱",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"こんにち|こんばん|おはよう|はじめまして|もしもし|hello|\bhi\b|\bhey\b|你好|안녕", re.IGNORECASE
)
_SHORT_OFF_TOPIC = 8
_THANKS = re.compile(r"ありがと|助かり|thank|thx|谢谢|감사|고마", re.IGNORECASE)
_LATEST = re.compile(r"最新|一番新しい|直近|さっき|latest|most recent|newest|last one|最近", re.IGNORECASE)
_ORDER_NUMBER = re.compile(r"MD-?\d{8}", re.IGNORECASE)
# A text this short ("OK", "qwerty", an order number alone) is no request of its own.
_SHORT = 6
# Order numbers, phone numbers, addresses and links are written the same in every language.
_NOT_WORDS = re.compile(r"MD-?\d{8}|https?://\S+|\S+@\S+|[\d\s\W_]+", re.IGNORECASE)
_KONBINI = re.compile(r"コンビニ|konbini|convenience|store|便利店|편의점|ローソン|ファミマ|セブン", re.IGNORECASE)
_PICKUP = re.compile(r"集荷|取りに|pick|取件|수거", re.IGNORECASE)
_WINDOWS: dict[str, re.Pattern[str]] = {
    "morning": re.compile(r"午前|朝|morning|\bam\b|上午|오전", re.IGNORECASE),
    "afternoon": re.compile(r"午後|昼|afternoon|\bpm\b|下午|오후", re.IGNORECASE),
    "evening": re.compile(r"夕方|夜|evening|night|傍晚|晚上|저녁", re.IGNORECASE),
}
# Chinese and Korean customers are fewer in the training data: the words of the main requests are known here.
_KEYWORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"주문|배송|택배|어디"), "track_order"),
    (re.compile(r"包裹|快递|物流|订单.*(?:哪|状态)|到哪"), "track_order"),
    (re.compile(r"반품|退货"), "return_item"),
    (
        re.compile(r"declined|payment (?:failed|error)|決済(?:エラー|でき)|支払(?:い)?(?:エラー|でき)", re.IGNORECASE),
        "payment_issue",
    ),
)
# What a question about a topic becomes once the customer names an order ("can I return things?" + MD-...).
_WITH_ORDER = {
    "check_refund_policy": "return_item",
    "check_cancellation_fee": "cancel_order",
    "delivery_options": "track_order",
    "delivery_period": "track_order",
    "unrecognized_charge": "track_order",
}

# Intents that need one of the customer's orders, and which orders to offer first for each.
_ORDER_FLOWS: dict[str, frozenset[str] | None] = {
    "track_order": frozenset({"shipped", "in_transit", "out_for_delivery", "delivery_failed", "preparing"}),
    "delivery_period": frozenset({"confirmed", "preparing", "shipped", "in_transit", "out_for_delivery"}),
    "delivery_problem": frozenset({"shipped", "in_transit", "out_for_delivery", "delivery_failed", "delivered"}),
    "damaged_or_wrong_item": frozenset({"delivered"}),
    "cancel_order": frozenset({"pending_payment", "confirmed", "preparing"}),
    "change_order": frozenset({"pending_payment", "confirmed", "preparing"}),
    "change_shipping_address": frozenset({"pending_payment", "confirmed", "preparing"}),
    "return_item": frozenset({"delivered"}),
    "get_refund": frozenset({"delivered", "returned", "cancelled"}),
    "track_refund": frozenset({"returned", "cancelled", "delivered"}),
    "get_invoice": frozenset({"delivered", "shipped", "in_transit", "out_for_delivery", "confirmed", "preparing"}),
    "check_invoice": frozenset({"delivered", "shipped", "in_transit", "out_for_delivery", "confirmed", "preparing"}),
    "contact_seller": None,
}
# What a customer who is not signed in can settle with the help centre alone.
_SELF_SERVE_ANONYMOUS = frozenset({"track_order", "delivery_period", "get_invoice", "check_invoice"})
# Needs the bot cannot finish itself: straight to the desk of the routing map.
_HANDOVER_INTENTS = frozenset(
    {"unrecognized_order", "delete_account", "registration_problems", "complaint", "contact_human_agent"}
)


@dataclass(frozen=True, slots=True)
class QuickReply:
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str
    kind: Literal["article", "receipt", "transcript", "contact"]


@dataclass(frozen=True, slots=True)
class Handoff:
    """The bot passes the conversation on: the routing decision it made (placement takes it as it is), why, and
    a summary for the operator."""

    decision: Decision
    reason: str
    summary: str
    order_number: str | None = None
    shop_id: str | None = None

    @property
    def desk(self) -> str:
        return self.decision.desk

    @property
    def priority(self) -> Priority:
        return self.decision.priority


@dataclass
class Outcome:
    texts: list[str] = field(default_factory=list)
    quick_replies: list[QuickReply] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    handoff: Handoff | None = None
    # Done by the bot: the customer's need is met (an answer, an action, a referral with the official contact).
    resolved: bool = False
    # What the bot did, for the conversation's events: (type, data).
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    language: str = "ja"


@dataclass(frozen=True, slots=True)
class CustomerRef:
    id: str
    anonymous: bool
    name: str | None = None


@dataclass
class BotContext:
    """One turn's surroundings: who writes, where, and the services the bot may use."""

    session: AsyncSession
    conversation: Conversation
    customer: CustomerRef
    commerce: CommerceConnector
    help: HelpCentre
    trust: TrustChecker
    secret: str
    now: datetime


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


class Bot:
    async def respond(self, state: DialogueState, text: str, understood: Understanding, ctx: BotContext) -> Outcome:
        # The intake set the conversation's language from this message (conversations/language.py).
        language = ctx.conversation.language
        state.language = language
        state.turns += 1
        turn = _Turn(self, state, text, understood, ctx, Outcome(language=language))
        await turn.run()
        return turn.out


class _Turn:
    def __init__(
        self, bot: Bot, state: DialogueState, text: str, understood: Understanding, ctx: BotContext, out: Outcome
    ) -> None:
        self.bot = bot
        self.state = state
        self.text = text
        self.folded = _fold(text)
        self.understood = understood
        self.ctx = ctx
        self.out = out
        self.lang = out.language

    # --- plumbing ------------------------------------------------------------------------------------------

    def _say(self, key: str, **values: object) -> None:
        self.out.texts.append(say(key, self.lang, **values))

    def _buttons(self, *keys: str) -> None:
        self.out.quick_replies += [QuickReply(button(key, self.lang), button(key, self.lang)) for key in keys]

    def _cite(self, hit: Hit, key: str = "article") -> None:
        if hit.language != self.lang:
            # A page not written in the customer's language: say so in theirs, and quote none of it.
            self._say("article_in", title=hit.title, url=hit.url, page_language=say(f"page_{hit.language}", self.lang))
        else:
            self._say(key, title=hit.title, url=hit.url, snippet=hit.snippet)
        self.out.links.append(Link(hit.title, hit.url, "article"))
        self.out.events.append(("bot.cited", {"slug": hit.slug, "url": hit.url}))

    def _page_languages(self) -> tuple[str, ...]:
        # Help pages exist in Japanese and English; a Chinese or Korean reader more likely reads English.
        return tuple(dict.fromkeys((self.lang, "en", "ja")))

    def _page_for(self, intent: str) -> Hit | None:
        for language in self._page_languages():
            hit = self.ctx.help.for_intent(intent, language)
            if hit is not None and hit.language == language:
                return hit
        return None

    def _search(self, limit: int = 3) -> list[Hit]:
        for language in self._page_languages():
            hits = [hit for hit in self.ctx.help.search(self.text, language, limit=limit) if hit.language == language]
            if hits:
                return hits
        return []

    def _article(self, intent: str) -> Hit | None:
        return self.ctx.help.for_intent(intent, self.lang, text=self.text) or next(
            iter(self.ctx.help.search(self.text, self.lang)), None
        )

    def _ask(self, step: str, key: str, again_key: str | None = None, **values: object) -> bool:
        """Ask (or ask again) for `step`; False when it was already asked twice: the caller hands over."""
        count = self.state.asked.get(step, 0)
        if count >= MAX_ASKS:
            return False
        self.state.asked[step] = count + 1
        self.state.step = step
        self._say(again_key if count and again_key else key, **values)
        return True

    def _labels(self) -> list[tuple[str, str]]:
        """The offered orders with the labels shown on their buttons."""
        pairs = (entry.split("=", 1) for entry in self.state.slots.get("labels", "").split("\t") if "=" in entry)
        return [(number, label) for number, label in pairs]

    def _entities(self, kind: str) -> list[str]:
        return [entity.normalized for entity in self.understood.entities if entity.type == kind]

    async def _hand_over(self, reason: str, desk: str | None = None, order: OrderInfo | None = None) -> None:
        topic = self.state.topic or self.understood.intent
        decision = decide(
            topic, self.understood.urgency, order=OrderFacts(order.number, order.shop_id) if order else None
        )
        # The flow may name the desk itself (platform CS for what the bot could not understand or do).
        decision = decision.handed_over(desk or decision.queue_desk, reason)
        desk = decision.desk
        number = order.number if order else self.state.slots.get("order")
        shop_id = order.shop_id if order is not None else None
        if desk == SHOP and shop_id is not None:
            shop = await self.ctx.session.get(Shop, shop_id)
            name = shop.name_in(self.lang) if shop is not None else shop_id
            hours = shop.reply_promise_hours if shop is not None else 48
            self.out.texts.append(phrase("bot.shop", self.lang, shop=name, hours=str(hours)))
        else:
            row = await self.ctx.session.get(Desk, desk)
            name = row.name_in(self.lang) if row is not None else desk
            self.out.texts.append(phrase("bot.handoff", self.lang, desk=name))
        # The orders listed for the customer to pick from are not part of the need: they may be other sellers'.
        slots = ", ".join(f"{key}={value}" for key, value in sorted(self.state.slots.items()) if key != "labels")
        summary = f"{topic}; {reason}" + (f"; order {number}" if number else "") + (f"; {slots}" if slots else "")
        self.out.handoff = Handoff(decision, reason, summary, number, shop_id)
        self.state.finish()

    # --- the turn --------------------------------------------------------------------------------------------

    async def run(self) -> None:
        understood = self.understood
        if _PERSON.search(self.text) or (
            understood.intent == "contact_human_agent" and understood.confidence >= LOW_CONFIDENCE
        ):
            await self._hand_over("asked_for_person", order=await self._known_order())
            return
        if understood.urgency.anger >= ANGER_HANDOFF:
            await self._hand_over("anger", order=await self._known_order())
            return
        if self.state.step is not None:
            if await self._answer():
                return
            if not self._is_new_request():
                await self._ask_again()
                return
        await self._new_request()

    def _is_new_request(self) -> bool:
        understood = self.understood
        return (
            understood.confidence >= SWITCH_CONFIDENCE
            and understood.intent not in ("greeting", "out_of_scope")
            and understood.intent != self.state.topic
        )

    async def _known_order(self) -> OrderInfo | None:
        number = self.state.slots.get("order")
        if number is None or self.ctx.customer.anonymous:
            return None
        try:
            return await self.ctx.commerce.order(self.ctx.customer.id, number)
        except MadoguchiError:
            return None

    async def _ask_again(self) -> None:
        step = self.state.step or ""
        again = {
            "order": ("pick_order", "pick_order_again"),
            "confirm": ("confirm_again", "confirm_again"),
            "method": ("ask_return_method_again", "ask_return_method_again"),
            "phone": ("ask_phone_again", "ask_phone_again"),
            "window": ("ask_window_again", "ask_window_again"),
            "address": ("ask_address", "ask_address"),
            "scam_item": ("ask_scam_item", "ask_scam_item"),
        }[step]
        if not self._ask(step, *again):
            await self._hand_over("repeated_question", order=await self._known_order())
            return
        self._repeat_buttons(step)

    def _repeat_buttons(self, step: str) -> None:
        if step == "order":
            self.out.quick_replies += [QuickReply(label, number) for number, label in self._labels()]
        elif step == "confirm":
            self._buttons("yes", "no")
        elif step == "method":
            self._buttons("konbini", "pickup")
        elif step == "window":
            self._buttons("morning", "afternoon", "evening")

    async def _new_request(self) -> None:
        understood = self.understood
        intent, confidence = understood.intent, understood.confidence
        for pattern, keyword_intent in _KEYWORDS:
            if confidence < SWITCH_CONFIDENCE and pattern.search(self.text):
                intent, confidence = keyword_intent, SWITCH_CONFIDENCE
                break
        doubt = _SCAM_WORDS.search(self.text) or _CREDENTIALS_ENTERED.search(self.text)
        if doubt and self._items_to_check():
            # A link, number or address pasted with doubt about it is a scam check, whatever else it says.
            intent = intent if intent in ("report_scam", "verify_official_contact") else "report_scam"
            confidence = max(confidence, SWITCH_CONFIDENCE)
        typed = _ORDER_NUMBER.search(self.text)
        # A few characters are a whole request in Chinese or Korean (「取消订单」): short and clearly understood is
        # a request, not an order number with a word or two around it.
        short = len(_NOT_WORDS.sub("", self.text)) <= _SHORT and confidence < SWITCH_CONFIDENCE
        bare = short or confidence < LOW_CONFIDENCE or intent == "out_of_scope"
        if typed is not None and bare and not self.ctx.customer.anonymous:
            # An order number alone continues the topic (remembered across turns), or asks what it is about.
            self.state.low_confidence = 0
            topic = _WITH_ORDER.get(self.state.topic or "", self.state.topic)
            number = typed.group(0).upper()
            number = number if "-" in number else f"MD-{number[2:]}"
            if topic in _ORDER_FLOWS:
                self.state.begin(topic)
                await self._with_order(topic, number)
                return
            self.state.slots["order"] = number
            self._say("which_topic", number=number)
            self._buttons("track", "return", "cancel", "receipt")
            return
        if _THANKS.search(self.text) and intent in ("greeting", "out_of_scope"):
            self.state.low_confidence = 0
            self._say("thanks")
            self.out.resolved = True
            return
        letters = len(_NOT_WORDS.sub("", self.text))
        unsure = (
            (confidence < LOW_CONFIDENCE and intent != "greeting")
            # "hmm", "uh what": too short to be a question about something else.
            or (intent == "out_of_scope" and (confidence < CLEAR_OFF_TOPIC or letters <= _SHORT_OFF_TOPIC))
            or (intent == "greeting" and confidence < CLEAR_OFF_TOPIC and not _GREETING.search(self.text))
        )
        if unsure:
            self.state.low_confidence += 1
            if self.state.low_confidence >= 2:
                await self._hand_over("low_confidence", desk=PLATFORM_CS)
                return
            self._say("unsure")
            hits = self._search(limit=1)
            if hits:
                self._cite(hits[0], "maybe_article")
            self._buttons("track", "return", "cancel", "operator")
            return
        self.state.low_confidence = 0
        self.state.begin(intent)
        await self._start(intent)

    # --- answers to the bot's questions -------------------------------------------------------------------

    async def _answer(self) -> bool:
        step = self.state.step
        if step == "order":
            number = self._chosen_order()
            if number is None:
                return False
            self.state.slots["order"] = number
            self.state.step = None
            await self._with_order(self.state.topic or "", number)
            return True
        if step == "confirm":
            answer = read_confirmation(self.text)
            if answer == "no":
                self.state.finish()
                self._say("kept")
                self.out.resolved = True
                self.out.events.append(("bot.declined", {"action": self.state.slots.get("pending", "")}))
                return True
            if answer == "yes":
                await self._confirmed()
                return True
            return False
        if step == "method":
            method = "pickup" if _PICKUP.search(self.text) else "konbini" if _KONBINI.search(self.text) else None
            if method is None:
                return False
            self.state.slots["method"] = method
            await self._confirm_return()
            return True
        if step == "address":
            address = " ".join(self.text.split())
            if len(address) < 8 or not re.search(r"\d|丁目|番地", address):
                return False
            self.state.slots["address"] = address
            self.state.slots["pending"] = "address"
            self._ask("confirm", "confirm_address", number=self.state.slots.get("order", ""), address=address)
            self._buttons("yes", "no")
            return True
        if step == "phone":
            return self._take_phone()
        if step == "window":
            return self._take_window()
        if step == "scam_item":
            if not self._items_to_check():
                return False
            await self._check_items(self.state.topic or "report_scam")
            return True
        return False

    def _chosen_order(self) -> str | None:
        choices = self.state.choices
        typed = [
            match.group(0).upper().replace("MD", "MD-").replace("--", "-")
            for match in _ORDER_NUMBER.finditer(self.text)
        ]
        if typed:
            return typed[0]
        stripped = self.folded.rstrip("番つめ目.")
        if stripped.isdigit() and 1 <= int(stripped) <= len(choices):
            return choices[int(stripped) - 1]
        if choices and _LATEST.search(self.text):
            return choices[0]
        labels = dict(self._labels())
        for number in choices:
            label = labels.get(number, "")
            name = label.split(" (")[0].split(" +")[0]
            if name and (name in self.text or self.folded in _fold(name)) and len(self.folded) >= 2:
                return number
        return None

    async def _confirmed(self) -> None:
        pending = self.state.slots.get("pending")
        number = self.state.slots.get("order", "")
        customer = self.ctx.customer.id
        try:
            if pending == "cancel":
                order = await self.ctx.commerce.cancel(customer, number)
                refund = (
                    "cancel_refund_none"
                    if order.payment_method in ("konbini", "cash_on_delivery", "bank_transfer")
                    and order.status == "cancelled"
                    else "cancel_refund_card"
                )
                self._say("cancelled", number=number, refund=say(refund, self.lang))
                self.out.events.append(("bot.order_cancelled", {"order": number}))
            elif pending == "address":
                address = self.state.slots.get("address", "")
                await self.ctx.commerce.change_address(customer, number, address)
                self._say("address_changed", number=number, address=address)
                self.out.events.append(("bot.address_changed", {"order": number}))
            elif pending == "return":
                kind: ReturnKind = "exchange" if self.state.slots.get("kind") == "exchange" else "return"
                method: ReturnMethod = "pickup" if self.state.slots.get("method") == "pickup" else "konbini"
                started = await self.ctx.commerce.start_return(
                    customer, number, kind=kind, method=method, reason=self.state.slots.get("reason", "changed_mind")
                )
                self._say(
                    "return_started",
                    kind=kind_name(kind, self.lang),
                    code=started.code,
                    how=say(f"return_how_{method}", self.lang),
                )
                self.out.events.append(("bot.return_started", {"order": number, "code": started.code}))
            elif pending == "membership_cancel":
                self.state.slots["confirmed"] = "yes"
                await self._hand_over("membership_cancellation_confirmed", desk=DeskId.MEMBERSHIP)
                return
        except (Conflict, NotFound) as exc:
            self.out.events.append(("bot.action_refused", {"action": pending, "error": exc.message}))
            await self._hand_over("action_refused", order=await self._known_order())
            return
        self.state.finish()
        self.out.resolved = True

    # --- flows ---------------------------------------------------------------------------------------------

    async def _start(self, intent: str) -> None:
        if intent in _HANDOVER_INTENTS:
            await self._hand_over(intent, order=await self._typed_order())
            return
        if intent in _ORDER_FLOWS:
            if intent == "return_item" and _EXCHANGE.search(self.text):
                self.state.slots["kind"] = "exchange"
            if intent == "damaged_or_wrong_item":
                self.state.slots["reason"] = "damaged"
            await self._need_order(intent)
            return
        handler = {
            "greeting": self._greeting,
            "out_of_scope": self._out_of_scope,
            "unrecognized_charge": self._unrecognized_charge,
            "account_compromised": self._account_compromised,
            "report_scam": self._scam,
            "verify_official_contact": self._scam,
            "request_callback": self._callback,
            "chat_history": self._chat_history,
            "membership": self._membership,
            "payment_issue": self._payment_issue,
        }.get(intent)
        if handler is not None:
            await handler()
            return
        await self._answer_from_help(intent)

    async def _answer_from_help(self, intent: str) -> None:
        hit = self._article(intent)
        if hit is None:
            await self._hand_over("no_answer")
            return
        self._cite(hit)
        self.out.resolved = True
        self.state.finish()

    async def _greeting(self) -> None:
        self._say("greeting")
        self._buttons("track", "return", "cancel", "receipt")
        self.out.resolved = True

    async def _out_of_scope(self) -> None:
        self._say("scope")
        self._buttons("track", "return", "cancel", "operator")
        self.out.resolved = True

    async def _typed_order(self) -> OrderInfo | None:
        numbers = self._entities("order_number") or [m.group(0).upper() for m in _ORDER_NUMBER.finditer(self.text)]
        if not numbers or self.ctx.customer.anonymous:
            return await self._known_order()
        try:
            order = await self.ctx.commerce.order(self.ctx.customer.id, numbers[0])
        except MadoguchiError:
            return None
        self.state.slots["order"] = order.number
        return order

    async def _need_order(self, intent: str) -> None:
        if self.ctx.customer.anonymous:
            hit = self._article(intent)
            if hit is not None:
                self._say("sign_in", title=hit.title, url=hit.url)
                self.out.links.append(Link(hit.title, hit.url, "article"))
            else:
                self._say("sign_in_only")
            if intent not in _SELF_SERVE_ANONYMOUS:
                # Acting on an order needs to know whose it is: a person checks the identity and helps.
                await self._hand_over("anonymous_order")
                return
            self.out.resolved = True
            self.state.finish()
            return
        numbers = self._entities("order_number") or [m.group(0).upper() for m in _ORDER_NUMBER.finditer(self.text)]
        if numbers:
            await self._with_order(intent, numbers[0])
            return
        orders = await self.ctx.commerce.orders_of(self.ctx.customer.id, limit=20)
        wanted = _ORDER_FLOWS[intent]
        if intent == "contact_seller":
            orders = [order for order in orders if order.shop_id] or orders
        elif wanted is not None:
            orders = [order for order in orders if order.status in wanted] or orders
        orders = orders[:RECENT_ORDERS]
        if not orders:
            self._say("no_orders")
            await self._hand_over("no_orders")
            return
        if len(orders) == 1 and intent not in ("cancel_order", "return_item", "change_shipping_address"):
            await self._with_order(intent, orders[0].number)
            return
        self.state.choices = [order.number for order in orders]
        self.state.slots["labels"] = "\t".join(f"{order.number}={order.label()}" for order in orders)
        self._ask("order", "pick_order", "pick_order_again")
        self.out.quick_replies += [QuickReply(order.label(), order.number) for order in orders]

    async def _with_order(self, intent: str, number: str) -> None:
        try:
            order = await self.ctx.commerce.order(self.ctx.customer.id, number)
        except NotFound:
            self._say("order_not_found", number=number)
            self.state.slots.pop("order", None)
            if self.state.choices:
                self._repeat_buttons("order")
                self.state.step = "order"
            return
        self.state.slots["order"] = order.number
        self.state.step = None
        flow = {
            "track_order": self._track,
            "delivery_period": self._track,
            "delivery_problem": self._delivery_problem,
            "damaged_or_wrong_item": self._damaged,
            "cancel_order": self._cancel,
            "change_order": self._change_order,
            "change_shipping_address": self._change_address,
            "return_item": self._return,
            "get_refund": self._refund,
            "track_refund": self._refund,
            "get_invoice": self._receipt,
            "check_invoice": self._receipt,
            "contact_seller": self._contact_seller,
        }.get(intent, self._track)
        await flow(order)

    def _items(self, order: OrderInfo) -> str:
        first = order.items[0].name if order.items else ""
        return first + (more_items(len(order.items) - 1, self.lang) if len(order.items) > 1 else "")

    def _status(self, order: OrderInfo) -> None:
        self._say("status", number=order.number, items=self._items(order), status=status_name(order.status, self.lang))

    async def _carrier(self, order: OrderInfo) -> bool:
        desk = await self.ctx.session.get(Desk, DeskId.CARRIER.value)
        if desk is None or not order.carrier:
            return False
        contacts = official_contacts(desk, self.ctx.trust.directory)
        contact = next((c for c in contacts if c.get("carrier") == order.carrier and c.get("phone")), None)
        if contact is None:
            return False
        name = localized(contact, "label", self.lang)
        self._say(
            "carrier",
            carrier=name,
            tracking=order.tracking_id or "-",
            phone=contact["phone"],
            hours=localized(contact, "hours", self.lang),
            url=contact.get("url", ""),
        )
        self.out.links.append(Link(name, str(contact.get("url", "")), "contact"))
        return True

    async def _track(self, order: OrderInfo) -> None:
        self._status(order)
        if order.in_transit or order.status == "delivered":
            await self._carrier(order)
        elif order.cancellable:
            self._say("not_shipped_yet")
        self.out.resolved = True
        self.state.finish()

    async def _delivery_problem(self, order: OrderInfo) -> None:
        if order.shop_id:
            await self._hand_over("shop_order", desk=SHOP, order=order)
            return
        self._status(order)
        if order.status == "delivered":
            self._say("delivered_checklist")
            await self._hand_over("delivered_not_received", desk=PLATFORM_CS, order=order)
            return
        if order.in_transit:
            await self._carrier(order)
            self._say("late_checklist")
        else:
            self._say("not_shipped_yet")
        self.out.resolved = True
        self.state.finish()

    async def _damaged(self, order: OrderInfo) -> None:
        if order.shop_id:
            await self._hand_over("shop_order", desk=SHOP, order=order)
            return
        self._say("damaged_return")
        await self._return(order)

    async def _cancel(self, order: OrderInfo) -> None:
        if order.status == "cancelled":
            # Already done, whoever sold it: say so, and where the money stands.
            self._say("already_cancelled", number=order.number)
            await self._refund(order)
            return
        if order.shop_id:
            await self._hand_over("shop_order", desk=SHOP, order=order)
            return
        if order.status == "cancelled":
            self._say("already_cancelled", number=order.number)
        elif not order.cancellable:
            self._say("cannot_cancel_shipped", number=order.number)
        else:
            self.state.slots["pending"] = "cancel"
            self._ask(
                "confirm",
                "confirm_cancel",
                number=order.number,
                items=self._items(order),
                total=yen(order.total_yen, self.lang),
            )
            self._buttons("yes", "no")
            return
        self.out.resolved = True
        self.state.finish()

    async def _change_order(self, order: OrderInfo) -> None:
        if order.shop_id:
            await self._hand_over("shop_order", desk=SHOP, order=order)
            return
        self._say("change_order")
        self.out.resolved = True
        self.state.finish()

    async def _change_address(self, order: OrderInfo) -> None:
        if order.shop_id:
            await self._hand_over("shop_order", desk=SHOP, order=order)
            return
        if not order.cancellable:
            self._say("address_shipped", number=order.number)
            await self._carrier(order)
            self.out.resolved = True
            self.state.finish()
            return
        self._ask("address", "ask_address")

    async def _return(self, order: OrderInfo) -> None:
        if order.shop_id:
            await self._hand_over("shop_order", desk=SHOP, order=order)
            return
        eligibility = return_eligibility(order, self.ctx.now)
        if not eligibility.allowed:
            hit = self._article("return_item")
            self._say(
                "return_not_allowed",
                number=order.number,
                why=say(eligibility.reason, self.lang),
                url=hit.url if hit else "",
            )
            self.out.resolved = True
            self.state.finish()
            return
        self.state.slots["days_left"] = str(eligibility.days_left)
        self._ask("method", "ask_return_method", number=order.number, days=eligibility.days_left)
        self._buttons("konbini", "pickup")

    async def _confirm_return(self) -> None:
        number = self.state.slots.get("order", "")
        order = await self.ctx.commerce.order(self.ctx.customer.id, number)
        kind = "exchange" if self.state.slots.get("kind") == "exchange" else "return"
        method = self.state.slots.get("method", "konbini")
        free = self.state.slots.get("reason") == "damaged"
        refund = yen(0 if kind == "exchange" else order.total_yen, self.lang)
        if kind == "return" and not free:
            refund += say("return_fee_note", self.lang, fee=yen(RETURN_FEE_YEN, self.lang))
        self.state.slots["pending"] = "return"
        self.state.step = None
        self._ask(
            "confirm",
            "confirm_return",
            number=number,
            items=self._items(order),
            kind=kind_name(kind, self.lang),
            method=button(method, self.lang),
            refund=refund,
        )
        self._buttons("yes", "no")

    async def _refund(self, order: OrderInfo) -> None:
        status = await self.ctx.commerce.refund_status(self.ctx.customer.id, order.number)
        if order.shop_id and status.state == "none" and self.state.topic == "get_refund":
            # Money back without a return or a cancellation is the seller's decision.
            await self._hand_over("shop_order", desk=SHOP, order=order)
            return
        timing = say(
            "refund_timing_card" if status.payment_method == "credit_card" else "refund_timing_other", self.lang
        )
        if status.state == "none":
            self._say("refund_none", number=order.number)
        else:
            key = "refund_pending" if status.state == "pending" else "refund_done"
            self._say(key, number=order.number, amount=yen(status.amount_yen, self.lang), timing=timing)
        self.out.resolved = True
        self.state.finish()

    async def _receipt(self, order: OrderInfo) -> None:
        if order.status in ("pending_payment", "cancelled"):
            self._say("receipt_unpaid", number=order.number)
        else:
            url = signed_url(self.ctx.secret, "receipt", order.number, self.ctx.customer.id, self.ctx.now)
            self._say("receipt", number=order.number, url=url, hours=LINK_HOURS)
            self.out.links.append(Link(f"{button('receipt', self.lang)} {order.number}.pdf", url, "receipt"))
            self.out.events.append(("bot.receipt_link", {"order": order.number}))
        self.out.resolved = True
        self.state.finish()

    async def _contact_seller(self, order: OrderInfo) -> None:
        if order.shop_id:
            await self._hand_over("contact_seller", desk=SHOP, order=order)
            return
        self._say("seller_platform", number=order.number)
        self.out.resolved = True
        self.state.finish()

    async def _unrecognized_charge(self) -> None:
        desk = await self.ctx.session.get(Desk, DeskId.CARD_ISSUER.value)
        contacts = []
        for contact in official_contacts(desk, self.ctx.trust.directory) if desk is not None else []:
            label = localized(contact, "label", self.lang)
            contacts.append(f"{label} {contact['phone']}" if contact.get("phone") else str(label))
        self._say("card_issuer", contacts=" / ".join(contacts))
        if not self.ctx.customer.anonymous:
            orders = await self.ctx.commerce.orders_of(self.ctx.customer.id, limit=3)
            if orders:
                listed = ("、" if self.lang in ("ja", "zh") else ", ").join(
                    f"{order.number} {yen(order.total_yen, self.lang)}" for order in orders
                )
                self._say("recent_orders", orders=listed)
        hit = self._article("unrecognized_charge")
        if hit is not None:
            self.out.links.append(Link(hit.title, hit.url, "article"))
        self.out.events.append(("bot.referral", {"desk": DeskId.CARD_ISSUER.value}))
        self.out.resolved = True
        self.state.finish()

    async def _account_compromised(self) -> None:
        hit = self._page_for("recover_password")
        self._say("compromised", url=hit.url if hit else "/help/password-reset")
        await self._hand_over("account_compromised", desk=DeskId.MEMBER_SUPPORT)

    def _items_to_check(self) -> list[str]:
        # From the NLU's entities: a whole Japanese sentence has no spaces and could pass for one item.
        found = [entity.value for entity in self.understood.entities if entity.type in ("url", "email", "phone")]
        if not found and not any(character.isspace() for character in self.text.strip()):
            found = [item for item in items_in(self.text) if "." in item or item.replace("-", "").isdigit()]
        return list(dict.fromkeys(found))

    async def _scam(self) -> None:
        if not self._items_to_check():
            self._ask("scam_item", "ask_scam_item")
            return
        await self._check_items(self.state.topic or "report_scam")

    async def _check_items(self, intent: str) -> None:
        items = self._items_to_check()
        suspicious = False
        for item in items:
            result = self.ctx.trust.check(item)
            contract = result.contract("ja" if self.lang == "ja" else "en")
            suspicious = suspicious or result.verdict == "suspicious"
            brand = f"（{contract['brand_name']}）" if contract.get("brand_name") else ""
            reasons = contract.get("reasons") or []
            self._say(
                "scam_verdict",
                item=item,
                verdict=say(f"verdict_{result.verdict}", self.lang),
                brand=brand,
                reasons=" ".join(str(reason) for reason in reasons[:2]) if isinstance(reasons, list) else "",
            )
        if intent == "report_scam" or suspicious:
            self._say("scam_advice")
            report = await do_report_text(
                self.ctx.session,
                self.ctx.trust,
                # The items on lines of their own, so that the report's analysis finds exactly these.
                self.text + "\n\n" + "\n".join(items),
                customer_id=None if self.ctx.customer.anonymous else self.ctx.customer.id,
                conversation_id=self.ctx.conversation.id,
            )
            self._say("scam_reported", report=report.id[:8])
            self.out.events.append(("bot.scam_reported", {"report_id": report.id, "verdict": report.verdict}))
        if _CREDENTIALS_ENTERED.search(self.text):
            await self._hand_over("credentials_entered", desk=DeskId.MEMBER_SUPPORT)
            return
        self.out.resolved = True
        self.state.finish()

    async def _callback(self) -> None:
        if self._entities("phone"):
            self._take_phone()
            return
        self._ask("phone", "ask_phone", "ask_phone_again")

    def _take_phone(self) -> bool:
        for candidate in self._entities("phone") or [self.text]:
            try:
                number = phonenumbers.parse(candidate, "JP")
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                self.state.slots["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                self.state.slots["phone_display"] = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.NATIONAL
                )
                self.state.step = None
                self._ask("window", "ask_window", "ask_window_again")
                self._buttons("morning", "afternoon", "evening")
                return True
        return False

    def _take_window(self) -> bool:
        window = next((name for name, pattern in _WINDOWS.items() if pattern.search(self.text)), None)
        if window is None:
            return False
        start, end = callback_window(window, self.ctx.now)
        # Routing books the call (its queue, retries and the customer's notice with the time and number).
        self.out.events.append(
            (
                "bot.callback",
                {
                    "phone": self.state.slots.get("phone", ""),
                    "window_start": start.isoformat(),
                    "window_end": end.isoformat(),
                    "topic": self.state.topic or "",
                },
            )
        )
        self.out.resolved = True
        self.state.finish()
        return True

    async def _chat_history(self) -> None:
        if self.ctx.customer.anonymous:
            self._say("sign_in_only")
            self.out.resolved = True
            self.state.finish()
            return
        rows = list(
            await self.ctx.session.scalars(
                select(Conversation)
                .where(Conversation.customer_id == self.ctx.customer.id, Conversation.channel == "chat")
                .order_by(Conversation.created_at.desc())
                .limit(6)
            )
        )
        earlier = [row for row in rows if row.id != self.ctx.conversation.id][:5]
        if not earlier:
            url = signed_url(
                self.ctx.secret, "transcript", self.ctx.conversation.id, self.ctx.customer.id, self.ctx.now
            )
            self._say("history_none", url=url)
            self.out.links.append(Link("transcript.txt", url, "transcript"))
        else:
            lines = []
            for row in earlier:
                url = signed_url(self.ctx.secret, "transcript", row.id, self.ctx.customer.id, self.ctx.now)
                when = row.created_at.astimezone(_TOKYO).strftime("%Y-%m-%d %H:%M")
                lines.append(f"{when} {url}")
                self.out.links.append(Link(f"{when}", url, "transcript"))
            self._say("history", hours=LINK_HOURS, lines="\n".join(lines))
        self.out.resolved = True
        self.state.finish()

    async def _membership(self) -> None:
        if _MEMBERSHIP_CANCEL.search(self.text):
            if self.ctx.customer.anonymous:
                self._say("sign_in_only")
                self.out.resolved = True
                self.state.finish()
                return
            self.state.slots["pending"] = "membership_cancel"
            self._ask("confirm", "membership_cancel_confirm")
            self._buttons("yes", "no")
            return
        await self._answer_from_help("membership")

    async def _payment_issue(self) -> None:
        hit = self._article("payment_issue")
        if hit is not None:
            self._say("payment_checks", title=hit.title, url=hit.url)
            self.out.links.append(Link(hit.title, hit.url, "article"))
        await self._hand_over("payment_issue", desk=DeskId.PAYMENTS)


# Japan time spans of the windows offered as buttons.
_WINDOW_HOURS = {"morning": (9, 12), "afternoon": (12, 18), "evening": (18, 21)}


def callback_window(window: str, now: datetime) -> tuple[datetime, datetime]:
    """The next span of the chosen window (today's if it has not ended, else tomorrow's), from now at the
    earliest."""
    first, last = _WINDOW_HOURS[window]
    local = now.astimezone(_TOKYO)
    day = local.date()
    end = datetime.combine(day, time(last), tzinfo=_TOKYO)
    if end - max(now, datetime.combine(day, time(first), tzinfo=_TOKYO)) < MIN_WINDOW:
        # Too little of today's window is left for a call: tomorrow's.
        day += timedelta(days=1)
        end = datetime.combine(day, time(last), tzinfo=_TOKYO)
    start = datetime.combine(day, time(first), tzinfo=_TOKYO)
    return max(start, now), end
