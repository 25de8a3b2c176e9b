"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from madoguchi.bus import MessageView

# Row ids are 32-bit integers on PostgreSQL: a larger number in a path, a query or a body could only fail inside
# the database driver, so it is refused here with a sentence instead. Every id of a row is typed with this.
ROW_ID_MAX = 2**31 - 1
RowId = Annotated[
    int,
    Field(ge=1, le=ROW_ID_MAX, description=f"a row's id: a whole number from 1 to {ROW_ID_MAX}"),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    email: str = Field(max_length=320)
    password: str = Field(max_length=200)
    otp: str | None = Field(default=None, max_length=12, description="The authenticator's 6-digit code, when asked.")


class AgentOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    shop_id: str | None
    desks: list[str]
    languages: list[str]


class SessionOut(BaseModel):
    agent: AgentOut
    csrf_token: str


class TextIn(_In):
    text: str = Field(max_length=20000)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)


class CustomerOut(BaseModel):
    id: str
    name: str | None
    language: str
    anonymous: bool
    member_tier: str
    email: str | None = None
    phone: str | None = None


class ConversationOut(BaseModel):
    id: str
    state: str
    desk: str | None
    shop_id: str | None
    channel: str
    language: str
    priority: int
    assignee_id: int | None
    created_at: datetime
    queued_at: datetime | None
    last_activity_at: datetime
    customer: CustomerOut
    queue_position: int | None = None
    last_message: str | None = None


class EventOut(BaseModel):
    id: int
    type: str
    actor: str
    data: dict[str, object]
    created_at: datetime


class ConversationDetailOut(ConversationOut):
    messages: list[MessageView]
    events: list[EventOut]


class ConsoleListsOut(BaseModel):
    queue: list[ConversationOut]
    mine: list[ConversationOut]
    resolved: list[ConversationOut]


class CustomerConversationsOut(BaseModel):
    customer: CustomerOut
    conversations: list[ConversationOut]


class HealthOut(BaseModel):
    status: str


class DemoCustomerOut(BaseModel):
    id: str
    name: str
    language: str


class DemoShopOut(BaseModel):
    id: str
    name: str
    name_en: str


class DemoIdentityIn(_In):
    customer_id: str = Field(max_length=64)


class DemoIdentityOut(BaseModel):
    token: str
    expires_in: int


class TriageContextIn(_In):
    order_id: str | None = Field(default=None, max_length=64)


class TriageIn(_In):
    # The default MADOGUCHI_MAX_MESSAGE_CHARS: a text longer than a chat message is refused like one. At least one
    # visible character: control characters and spaces alone are what a message is cleaned of.
    text: str = Field(
        min_length=1, max_length=4000, pattern=r"[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]"
    )
    context: TriageContextIn | None = None
    # The shop-signed identity token of a signed-in customer, as on the chat socket: with it, the shop that sold
    # the customer's own order is named in the reply.
    token: str | None = Field(default=None, max_length=4096)


class EntityOut(BaseModel):
    type: str
    value: str
    start: int
    end: int


class TriageOut(BaseModel):
    language: str
    intent: str
    confidence: float
    entities: list[EntityOut]
    desk: str
    priority: str
    handoff: bool
    reply: str
    reasons: list[str]


class TrustCheckIn(_In):
    input: str = Field(
        min_length=1, max_length=8192, description="A URL, a domain, an e-mail address or a phone number."
    )
    lang: Literal["ja", "en"] = "ja"

    @field_validator("input")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("paste a URL, a domain, an e-mail address or a phone number")
        return value.strip()


class TrustCheckOut(BaseModel):
    """The contract of `madoguchi trust check` (DESIGN.md); extra fields may be added, these are not renamed."""

    input: str
    kind: str
    verdict: Literal["official", "suspicious", "unknown"]
    brand: str | None
    brand_name: str | None
    reasons: list[str]
    reason_codes: list[str]
    advice: str | None
    official_contacts: list[str]
    error: str | None = None


class TrustReportIn(_In):
    text: str = Field(
        min_length=1, max_length=20000, description="The suspicious SMS or mail text, URL, address or number."
    )


class TrustDecisionIn(_In):
    decision: Literal["confirm", "dismiss"]
    items: list[str] | None = Field(
        default=None,
        max_length=50,
        description=(
            "The case's items to list as fakes (as in the case's `items`); by default those found suspicious. "
            "An item found unknown is listed only when named here; an item not in the case is refused."
        ),
    )
    note: str = Field(default="", max_length=2000)


class TrustCaseItemOut(BaseModel):
    input: str
    verdict: str
    brand: str | None
    listed_by_default: bool = Field(description="Confirming without `items` lists it (it was found suspicious).")


class TrustReportOut(BaseModel):
    id: str
    created_at: datetime
    kind: str
    verdict: str
    brand: str | None
    state: str
    analysis: list[dict[str, Any]]
    content: str | None = None
    note: str | None = None
    items: list[TrustCaseItemOut] = Field(
        default_factory=list, description="What confirming the case could list, each with its own verdict."
    )


class TotpSetupOut(BaseModel):
    secret: str
    uri: str


class TotpCodeIn(_In):
    code: str = Field(min_length=6, max_length=12)


class AuditOut(BaseModel):
    id: int
    at: datetime
    agent_id: int | None
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]
    address: str | None
