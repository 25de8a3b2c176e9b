"""The tables of Madoguchi. One set of models serves SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from madoguchi.domain.clock import utcnow
from madoguchi.store.types import JSONType, UTCDateTime

# Named constraints keep Alembic migrations identical on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Shop(Base):
    """A marketplace seller with its own inbox and hours."""

    __tablename__ = "shops"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[dict[str, Any]] = mapped_column(JSONType)
    languages: Mapped[list[str]] = mapped_column(JSONType)
    reply_promise_hours: Mapped[int] = mapped_column(Integer, default=48)
    contact_email: Mapped[str] = mapped_column(String(320))
    # Days the shop does not answer although its hours say so (ISO dates, its own time zone: 臨時休業).
    closed_days: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # A suspended shop's staff cannot log in and its customers are answered by platform support.
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    def name_in(self, language: str) -> str:
        """The shop's own name for Japanese; its Latin-script name for every other language."""
        return self.name if language == "ja" else self.name_en


class Desk(Base):
    """Who is responsible for a kind of problem: hours, languages, channels, SLA and official contacts."""

    __tablename__ = "desks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200), default="", server_default="")
    name_ko: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(20))
    hours: Mapped[dict[str, Any]] = mapped_column(JSONType)
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Tokyo")
    languages: Mapped[list[str]] = mapped_column(JSONType)
    channels: Mapped[list[str]] = mapped_column(JSONType)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    # Channels answered on another clock than chat (e-mail within hours, not minutes): channel -> minutes.
    first_response_minutes_by_channel: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    resolution_hours: Mapped[int] = mapped_column(Integer)
    # `calendar`: SLA clocks count every hour; `business_hours`: only the desk's opening hours (営業時間).
    sla_clock: Mapped[str] = mapped_column(String(20), default="calendar", server_default="calendar")
    fallback_desk: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Exceptional closures (ISO dates in the desk's time zone): closed although the weekday's hours say open.
    closed_days: Mapped[list[str]] = mapped_column(JSONType, default=list)
    official_contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    def name_in(self, language: str) -> str:
        """The desk's name in `language` (English where a name was never given in it)."""
        names = {"ja": self.name_ja, "en": self.name_en, "zh": self.name_zh, "ko": self.name_ko}
        return names.get(language) or self.name_en

    def first_response_for(self, channel: str) -> int:
        """Minutes to the first response on this channel."""
        return int(self.first_response_minutes_by_channel.get(channel, self.first_response_minutes))


class Customer(Base):
    """A person who buys: signed in (identity from the shop's backend) or anonymous."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name_kana: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="ja")
    member_tier: Mapped[str] = mapped_column(String(20), default="regular")
    prefecture: Mapped[str | None] = mapped_column(String(20), nullable=True)
    address: Mapped[str | None] = mapped_column(String(400), nullable=True)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Order(Base):
    """An order of the demo store (a real shop's orders come through its commerce connector)."""

    __tablename__ = "orders"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    # None: sold by the platform itself; otherwise the shop that sold it decides `order_owner`.
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), nullable=True, index=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    shipping_fee_yen: Mapped[int] = mapped_column(Integer, default=0)
    total_yen: Mapped[int] = mapped_column(Integer)
    payment_method: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    carrier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tracking_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Agent(Base):
    """An operator: platform or shop staff, with skills (desks, languages) and capacity."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), nullable=True, index=True)
    desks: Mapped[list[str]] = mapped_column(JSONType)
    languages: Mapped[list[str]] = mapped_column(JSONType)
    chat_capacity: Mapped[int] = mapped_column(Integer, default=3)
    email_capacity: Mapped[int] = mapped_column(Integer, default=5)
    password_hash: Mapped[str] = mapped_column(String(200))
    presence: Mapped[str] = mapped_column(String(20), default="offline")
    # Base32 TOTP secret; the second factor is required at log-in once `totp_enabled` is set.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The time step (Unix time / 30 s) of the last code accepted at log-in: a code seen once is never taken again.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A deactivated operator cannot log in and is offered nothing; their history keeps their name.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Since when the agent has had nothing new: the longest idle eligible agent gets the next offer.
    idle_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AgentSession(Base):
    """A console log-in. Only the hash of the cookie's token is stored."""

    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Conversation(Base):
    """One thread about one need, on one channel."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_queue", "state", "desk", "priority", "queued_at"),
        Index("ix_conversations_customer_recent", "customer_id", "last_activity_at"),
        # The chats left with the bot, by how long they have been quiet (routing/idle.py).
        Index("ix_conversations_state_activity", "state", "last_activity_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(20), default="chat")
    state: Mapped[str] = mapped_column(String(20), default="bot")
    desk: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Set when the conversation belongs to a shop's inbox: that shop's staff may see it, no other shop's.
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), nullable=True, index=True)
    order_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="ja")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # queued_at minus the head start of its priority: the queue's order, which ages every waiting
    # conversation at the same rate so nobody starves.
    queue_key: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Message(Base):
    """One utterance. `client_id` makes a customer's resend return the message already stored."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_id", name="uq_messages_conversation_client"),
        Index("ix_messages_conversation_created", "conversation_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(10))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    # Private notes are between operators; the customer never receives them.
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationEvent(Base):
    """Everything that happened to a conversation, in order: the source of analytics and SLA clocks."""

    __tablename__ = "conversation_events"
    __table_args__ = (Index("ix_conversation_events_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ConversationFact(Base):
    """What the event log says about one conversation, for reports: kept up to date in the transaction of each
    of its events (`madoguchi.conversations.facts`), and always re-computable from the events alone.

    Times are UTC; durations are seconds, null until both ends have happened.
    """

    __tablename__ = "conversation_facts"
    __table_args__ = (Index("ix_conversation_facts_shop_created", "shop_id", "created_at"),)

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    shop_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    intent: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # The desk that first took the conversation into a queue, and the one it was last in.
    desk: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_desk: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The operator who last had it.
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    bot_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    handed_over: Mapped[bool] = mapped_column(Boolean, default=False)
    wait_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_response_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    handle_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    resolution_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    reopens: Mapped[int] = mapped_column(Integer, default=0)
    sla_met: Mapped[int] = mapped_column(Integer, default=0)
    sla_breached: Mapped[int] = mapped_column(Integer, default=0)
    promise_met: Mapped[int] = mapped_column(Integer, default=0)
    promise_breached: Mapped[int] = mapped_column(Integer, default=0)
    callbacks_requested: Mapped[int] = mapped_column(Integer, default=0)
    callbacks_kept: Mapped[int] = mapped_column(Integer, default=0)
    csat_score: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Article(Base):
    """A help-centre page; the bot cites it by its URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    intents: Mapped[list[str]] = mapped_column(JSONType)
    category: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(Base):
    """A conversation on the e-mail channel, with the number customers quote as `[#NUMBER]`."""

    __tablename__ = "tickets"
    # Numbers are never reused, even after a ticket is deleted: an old mail quoting one must not land elsewhere.
    __table_args__ = ({"sqlite_autoincrement": True},)

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), unique=True)
    # Where replies go (Reply-To, else From), lowercased; `[#NUMBER]` threads only mail from this address.
    customer_address: Mapped[str] = mapped_column(String(320), index=True)
    # The support address the first mail was sent to: replies are sent from it.
    support_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundEmail(Base):
    """One received mail, kept raw as it arrived beside what was read from it."""

    __tablename__ = "inbound_emails"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_number: Mapped[int] = mapped_column(ForeignKey("tickets.number", ondelete="CASCADE"), index=True)
    # The customer message it became on the conversation.
    message_row_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(998), nullable=True, index=True)
    in_reply_to: Mapped[list[str]] = mapped_column(JSONType, default=list)
    reference_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    mail_from: Mapped[str] = mapped_column(String(320))
    rcpt_to: Mapped[list[str]] = mapped_column(JSONType)
    from_address: Mapped[str | None] = mapped_column(String(320), nullable=True)
    from_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Why no automatic reply was sent (loop protection), when none was.
    auto_reply_suppressed: Mapped[str | None] = mapped_column(String(60), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmailAttachment(Base):
    """A file from a received mail, stored in the database so it commits with the mail that carried it."""

    __tablename__ = "email_attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    inbound_email_id: Mapped[str] = mapped_column(ForeignKey("inbound_emails.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    declared_type: Mapped[str] = mapped_column(String(127))
    detected_type: Mapped[str | None] = mapped_column(String(127), nullable=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class OutboundEmail(Base):
    """A mail to a customer in the outbox: built once, sent and retried as these exact bytes."""

    __tablename__ = "outbound_emails"
    __table_args__ = (
        Index("ix_outbound_emails_due", "status", "next_attempt_at"),
        Index("ix_outbound_emails_recipient_recent", "to_address", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_number: Mapped[int] = mapped_column(ForeignKey("tickets.number", ondelete="CASCADE"), index=True)
    # The operator's message this mail carries (None for acknowledgements); one mail per message.
    message_row_id: Mapped[str | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    # Sent by a program (acknowledgements): counted by the per-sender cap, sent with a null return path.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    mail_from: Mapped[str] = mapped_column(String(320))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A sender process holds the mail until then; another may take it over after (the first one died).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    """One operator action. Append-only: the database itself refuses to update or delete a row (the
    migration installs triggers), so not even a bug in this code can rewrite history."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # No foreign key: the entry outlives the operator's account.
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TrustReport(Base):
    """A customer's report of a suspicious mail, SMS, site or number: a trust & safety case with its analysis."""

    __tablename__ = "trust_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), nullable=True, index=True)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    content: Mapped[str] = mapped_column(Text)
    raw_mail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    verdict: Mapped[str] = mapped_column(String(20))
    brand: Mapped[str | None] = mapped_column(String(40), nullable=True)
    analysis: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Lookalike(Base):
    """A host, number or address trust & safety confirmed as a fake; every later check names it at once."""

    __tablename__ = "lookalikes"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(320))
    brand: Mapped[str | None] = mapped_column(String(40), nullable=True)
    report_id: Mapped[str | None] = mapped_column(ForeignKey("trust_reports.id"), nullable=True)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BrandEntry(Base):
    """An administrator's version of one brand of the official-contact directory (it replaces the shipped one)."""

    __tablename__ = "trust_brands"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoutingOffer(Base):
    """A queued conversation offered to one agent until they accept, decline or the offer times out.

    The database holds offers, not one process's memory: any server process may expire or re-offer them."""

    __tablename__ = "routing_offers"
    __table_args__ = (Index("ix_routing_offers_open", "state", "deadline"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="open")
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SlaTimer(Base):
    """One SLA clock of a conversation: a stored deadline, so that a restart loses none."""

    __tablename__ = "sla_timers"
    __table_args__ = (Index("ix_sla_timers_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    # first_response, resolution or shop_promise
    kind: Mapped[str] = mapped_column(String(20))
    desk: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # running, met, breached or cancelled
    state: Mapped[str] = mapped_column(String(10), default="running")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Callback(Base):
    """A customer's request to be phoned back, and the operator's calls until it is done."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_due", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # Copied from the conversation so that a shop's staff see only their shop's callbacks.
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), nullable=True, index=True)
    desk: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    phone_e164: Mapped[str] = mapped_column(String(20))
    phone_display: Mapped[str] = mapped_column(String(40))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(Text, default="")
    # waiting, calling, done or failed
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedResponse(Base):
    """A reply an operator inserts with a key stroke; `{name}`, `{order}` and `{tracking}` are filled in."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # None: every operator's; otherwise only that shop's staff see it.
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), nullable=True, index=True)
    # None: for every desk; otherwise offered on that desk's conversations only.
    desk: Mapped[str | None] = mapped_column(String(40), nullable=True)
    shortcut: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)


class ReturnRequest(Base):
    """A return or exchange started for an order of the demo store; `code` is shown at the convenience store."""

    __tablename__ = "returns"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="requested")
    refund_yen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderAddressChange(Base):
    """A new delivery address for an order not yet shipped; the latest one is where the order goes."""

    __tablename__ = "order_address_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), index=True)
    address: Mapped[str] = mapped_column(String(400))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BotState(Base):
    """What the bot remembers of one conversation between turns: topic, slots, pending confirmation."""

    __tablename__ = "bot_states"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageAttachment(Base):
    """A photo sent in a chat by a customer or an operator; the message that carries it is its only owner."""

    __tablename__ = "message_attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    # Kept beside the message so a download is scoped by the conversation without a join.
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    # Detected from the bytes, never taken from the name or the sender's declared type.
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A credential a marketplace's or a shop's backend calls the REST API with. Only the SHA-256 of the token
    is stored: the token is 32 random bytes, so a plain hash is as strong as a slow one and costs nothing per
    request. The token acts through its own operator row (`agent_id`): a shop-bound token is that shop's staff,
    a platform token platform staff, so that every rule of who sees what applies to it unchanged; its scopes
    then narrow what it may call."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, shown in lists so that an administrator can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), nullable=True, index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), unique=True)
    # No foreign key: the token's history outlives its creator's account.
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookSubscription(Base):
    """Another system told of conversations' events: where, which event types, for which shop (or all)."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSONType)
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), nullable=True, index=True)
    # The HMAC key of the signatures: kept as it is, since signing needs it (shown once at creation).
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event for one subscription in the outbox: written in the event's own transaction, its body fixed
    then, sent (and retried) until the receiver accepts it. A conversation's deliveries to a subscription go
    out one after the other, in the order of their ids."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_line", "subscription_id", "conversation_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(Integer)
    conversation_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(60))
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A deliverer process holds the row until then; another may take it over after (the first one died).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
