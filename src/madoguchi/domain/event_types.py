"""The names of everything that can happen to a conversation: the catalogue of the event log.

The payload of each is in `madoguchi.conversations.events`, which records them; the names live here, with no
I/O, so that what reads the log (the facts kept for reports) can name them without recording any.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    # The conversation's life (its state machine; madoguchi.domain.conversation).
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_QUEUED = "conversation.queued"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    CONVERSATION_WAITING = "conversation.waiting"
    CONVERSATION_RESOLVED = "conversation.resolved"
    CONVERSATION_REOPENED = "conversation.reopened"
    CONVERSATION_TRANSFERRED = "conversation.transferred"
    # Messages and what they mean.
    MESSAGE_CREATED = "message.created"
    MESSAGE_CLASSIFIED = "message.classified"
    # The bot's turn.
    BOT_REPLIED = "bot.replied"
    BOT_HANDOFF = "bot.handoff"
    BOT_CITED = "bot.cited"
    BOT_DECLINED = "bot.declined"
    BOT_ORDER_CANCELLED = "bot.order_cancelled"
    BOT_ADDRESS_CHANGED = "bot.address_changed"
    BOT_RETURN_STARTED = "bot.return_started"
    BOT_ACTION_REFUSED = "bot.action_refused"
    BOT_RECEIPT_LINK = "bot.receipt_link"
    BOT_REFERRAL = "bot.referral"
    BOT_SCAM_REPORTED = "bot.scam_reported"
    # Routing: placement, offers, escalation, SLA clocks, callbacks.
    ROUTING_DECIDED = "routing.decided"
    ROUTING_OFFERED = "routing.offered"
    ROUTING_ACCEPTED = "routing.accepted"
    ROUTING_DECLINED = "routing.declined"
    ROUTING_OFFER_EXPIRED = "routing.offer_expired"
    ROUTING_OFFER_WITHDRAWN = "routing.offer_withdrawn"
    ROUTING_ESCALATED = "routing.escalated"
    SLA_BREACHED = "sla.breached"
    CALLBACK_REQUESTED = "callback.requested"
    CALLBACK_ATTEMPTED = "callback.attempted"
    SLA_MET = "sla.met"
    # The customer's rating of a resolution.
    CSAT_SUBMITTED = "csat.submitted"
    # The e-mail channel.
    TICKET_OPENED = "ticket.opened"
    EMAIL_RECEIVED = "email.received"
    EMAIL_SUSPICIOUS_REPORT = "email.suspicious_report"
    EMAIL_AUTO_REPLY_SUPPRESSED = "email.auto_reply_suppressed"
    EMAIL_QUEUED = "email.queued"
    EMAIL_SENT = "email.sent"
    EMAIL_DEFERRED = "email.deferred"
    EMAIL_FAILED = "email.failed"
