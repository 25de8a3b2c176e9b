"""The shape of the demo marketplace's data files.

The files under ``demo/data`` are written by hand; these models check them when they are loaded so that a
typo in a file is reported with its file and field instead of surfacing later as a broken conversation.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from madoguchi.errors import InvalidInput
from madoguchi.routing.desks import check_hours

Language = Literal["ja", "en", "zh", "ko"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"]
Channel = Literal["chat", "email", "callback", "phone", "shop_message", "web_form"]
CarrierId = Literal["yamato", "sagawa", "japanpost"]
OrderStatus = Literal[
    "pending_payment",
    "confirmed",
    "preparing",
    "shipped",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "delivery_failed",
    "returned",
    "cancelled",
]
DeskKind = Literal["queue", "referral", "shop"]
Role = Literal["admin", "supervisor", "agent", "shop_agent"]

_HOURS = re.compile(r"^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_hours(value: dict[Weekday, str | None]) -> dict[Weekday, str | None]:
    # The rule the administration API applies too: a demo file can hold nothing an administrator could not set.
    try:
        check_hours(dict(value.items()))
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc
    return value


_LABELS = ("label_ja", "label_en", "label_zh", "label_ko")
_HOURS_WORDS = ("hours_ja", "hours_en", "hours_zh", "hours_ko")


class OfficialContact(_Strict):
    """A way to reach a desk or an outside party that the platform has verified.

    A number or a site is never written here: `directory` names the phone line of the official-contact
    directory (`BRAND/LINE`) that holds it, with its hours and page, so the referral gives exactly what the trust
    check calls official. Without it, the contact is a pointer in words (the number on the back of the card) or
    our own mail address."""

    directory: str | None = Field(default=None, pattern=r"^[a-z0-9_]+/[a-z0-9_]+$")
    label_ja: str | None = None
    label_en: str | None = None
    label_zh: str | None = None
    label_ko: str | None = None
    email: str | None = None
    hours_ja: str | None = None
    hours_en: str | None = None
    hours_zh: str | None = None
    hours_ko: str | None = None
    source: str | None = Field(default=None, description="where the contact was verified")

    @model_validator(mode="after")
    def _one_place(self) -> OfficialContact:
        written = [name for name in (*_LABELS, "email", *_HOURS_WORDS, "source") if getattr(self, name)]
        if self.directory is not None and written:
            raise ValueError(
                f"a contact from the directory ({self.directory}) takes its {', '.join(written)} from there; "
                "write them in src/madoguchi/trust/data/directory.yaml"
            )
        if self.directory is None and not (self.label_ja and self.label_en):
            raise ValueError("a contact needs either `directory: BRAND/LINE` or label_ja and label_en")
        return self


class DeskSpec(_Strict):
    id: str
    name_ja: str
    name_en: str
    name_zh: str
    name_ko: str
    kind: DeskKind
    hours: dict[Weekday, str | None]
    timezone: str = "Asia/Tokyo"
    languages: list[Language]
    channels: list[Channel]
    first_response_minutes: int = Field(gt=0)
    first_response_minutes_by_channel: dict[Channel, Annotated[int, Field(gt=0)]] = {}
    resolution_hours: int = Field(gt=0)
    # How its SLA clocks count: every hour, or only its opening hours (with holidays).
    sla_clock: Literal["calendar", "business_hours"] = "calendar"
    fallback_desk: str | None = None
    official_contacts: list[OfficialContact] = []

    _hours_ok = field_validator("hours")(_check_hours)


class ShopSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    name: str
    name_en: str
    description_ja: str
    hours: dict[Weekday, str | None]
    languages: list[Language]
    reply_promise_hours: int = 48
    contact_email: str

    _hours_ok = field_validator("hours")(_check_hours)


class MarketplaceSpec(_Strict):
    name: str
    name_en: str
    support_email: str
    hours_ja: str
    hours_en: str


class CustomerSpec(_Strict):
    id: str = Field(pattern=r"^c\d{3}$")
    name: str
    name_kana: str | None = None
    email: str
    phone: str
    language: Language
    member_tier: Literal["regular", "premium"] = "regular"
    prefecture: str
    address: str


class OrderItemSpec(_Strict):
    name: str
    quantity: int = Field(gt=0)
    unit_price_yen: int = Field(ge=0)
    category: str


class OrderSpec(_Strict):
    number: str = Field(pattern=r"^MD-\d{8}$")
    customer: str
    seller: str = Field(description="'platform' or a shop id")
    items: list[OrderItemSpec] = Field(min_length=1)
    shipping_fee_yen: int = Field(ge=0, default=0)
    payment_method: Literal["credit_card", "konbini", "paypay", "bank_transfer", "cash_on_delivery", "points"]
    status: OrderStatus
    carrier: CarrierId | None = None
    tracking_id: str | None = None
    ordered_days_ago: int = Field(ge=0)
    shipped_days_ago: int | None = Field(default=None, ge=0)
    delivered_days_ago: int | None = Field(default=None, ge=0)


class AgentSpec(_Strict):
    email: str
    name: str
    role: Role
    shop: str | None = None
    desks: list[str]
    languages: list[Language]
    chat_capacity: int = Field(default=3, gt=0)
    email_capacity: int = Field(default=5, gt=0)
    password: str = Field(min_length=8, description="demo password, hashed with argon2 when seeded")


class ArticleFrontMatter(_Strict):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]+$")
    title: str
    language: Language
    intents: list[str] = Field(min_length=1)
    category: str


Phrases = dict[Language, Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]]


def _every_language(value: Phrases) -> Phrases:
    missing = set(get_args(Language)) - set(value)
    if missing:
        raise ValueError(f"needs phrases in every customer language; missing {sorted(missing)}")
    return value


EveryLanguage = Annotated[Phrases, AfterValidator(_every_language)]


class OperatorPhrases(_Strict):
    """An operator's first reply, one in the middle of a conversation, and the last one."""

    first: EveryLanguage
    middle: EveryLanguage
    last: EveryLanguage


def _check_spans(value: dict[Weekday, list[str]]) -> dict[Weekday, list[str]]:
    for day, spans in value.items():
        for span in spans:
            if not _HOURS.match(span):
                raise ValueError(f"shift spans for {day} must look like '09:00-18:00', not {span!r}")
    return value


class HistorySpec(_Strict):
    """history.yaml: what people write in the demo's simulated month, and when its operators work."""

    # Intent → language → what a customer writes first; "{order}" is one of the customer's order numbers.
    customers: dict[str, Phrases]
    angry: Phrases
    ask_person: EveryLanguage
    decline: EveryLanguage
    pick_first: EveryLanguage
    thanks: EveryLanguage
    follow_up: EveryLanguage
    reopen: EveryLanguage
    operator: OperatorPhrases
    # Agent e-mail → weekday (or holiday) → working spans.
    shifts: dict[str, Annotated[dict[Weekday, list[str]], AfterValidator(_check_spans)]]

    @field_validator("customers")
    @classmethod
    def _japanese_for_every_intent(cls, value: dict[str, Phrases]) -> dict[str, Phrases]:
        missing = [intent for intent, phrases in value.items() if "ja" not in phrases]
        if missing:
            raise ValueError(f"every intent needs Japanese phrases; missing for {missing}")
        return value
