"""conversation_facts: what the event log says about each conversation, kept for reports

`madoguchi db upgrade` folds the facts of the conversations already stored from their events.

Revision ID: 0010_conversation_facts
Revises: 0009_desk_sla_clock
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from madoguchi.store.types import UTCDateTime

revision = "0010_conversation_facts"
down_revision = "0009_desk_sla_clock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_facts",
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("shop_id", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("intent", sa.String(length=60), nullable=True),
        sa.Column("desk", sa.String(length=40), nullable=True),
        sa.Column("last_desk", sa.String(length=40), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("first_queued_at", UTCDateTime(), nullable=True),
        sa.Column("first_assigned_at", UTCDateTime(), nullable=True),
        sa.Column("first_response_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("bot_resolved", sa.Boolean(), nullable=False),
        sa.Column("handed_over", sa.Boolean(), nullable=False),
        sa.Column("wait_s", sa.Float(), nullable=True),
        sa.Column("first_response_s", sa.Float(), nullable=True),
        sa.Column("handle_s", sa.Float(), nullable=True),
        sa.Column("resolution_s", sa.Float(), nullable=True),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("reopens", sa.Integer(), nullable=False),
        sa.Column("sla_met", sa.Integer(), nullable=False),
        sa.Column("sla_breached", sa.Integer(), nullable=False),
        sa.Column("promise_met", sa.Integer(), nullable=False),
        sa.Column("promise_breached", sa.Integer(), nullable=False),
        sa.Column("callbacks_requested", sa.Integer(), nullable=False),
        sa.Column("callbacks_kept", sa.Integer(), nullable=False),
        sa.Column("csat_score", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_facts_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_facts")),
    )
    op.create_index(op.f("ix_conversation_facts_created_at"), "conversation_facts", ["created_at"])
    op.create_index("ix_conversation_facts_shop_created", "conversation_facts", ["shop_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_conversation_facts_shop_created", table_name="conversation_facts")
    op.drop_index(op.f("ix_conversation_facts_created_at"), table_name="conversation_facts")
    op.drop_table("conversation_facts")
