"""routing: queue order with ageing, agents' idle time, offers, SLA timers, callbacks, canned responses

Revision ID: 0005_routing
Revises: 0004_bot
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import madoguchi.store.types

revision = "0005_routing"
down_revision = "0004_bot"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TIME = madoguchi.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idle_since", _TIME, nullable=True))
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_key", _TIME, nullable=True))

    op.create_table(
        "routing_offers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("offered_at", _TIME, nullable=False),
        sa.Column("deadline", _TIME, nullable=False),
        sa.Column("closed_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_routing_offers_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_routing_offers_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_offers")),
    )
    op.create_index("ix_routing_offers_open", "routing_offers", ["state", "deadline"], unique=False)
    op.create_index(op.f("ix_routing_offers_agent_id"), "routing_offers", ["agent_id"], unique=False)
    op.create_index(op.f("ix_routing_offers_conversation_id"), "routing_offers", ["conversation_id"], unique=False)

    op.create_table(
        "sla_timers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("desk", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_sla_timers_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_timers")),
    )
    op.create_index("ix_sla_timers_due", "sla_timers", ["state", "due_at"], unique=False)
    op.create_index(op.f("ix_sla_timers_conversation_id"), "sla_timers", ["conversation_id"], unique=False)

    op.create_table(
        "callbacks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("shop_id", sa.String(length=40), nullable=True),
        sa.Column("desk", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("phone_e164", sa.String(length=20), nullable=False),
        sa.Column("phone_display", sa.String(length=40), nullable=False),
        sa.Column("window_start", _TIME, nullable=False),
        sa.Column("window_end", _TIME, nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIME, nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcomes", _JSON, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_callbacks_agent_id_agents")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_callbacks_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_callbacks_customer_id_customers")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_callbacks_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
    )
    op.create_index("ix_callbacks_due", "callbacks", ["state", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_callbacks_customer_id"), "callbacks", ["customer_id"], unique=False)
    op.create_index(op.f("ix_callbacks_conversation_id"), "callbacks", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_callbacks_shop_id"), "callbacks", ["shop_id"], unique=False)

    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shop_id", sa.String(length=40), nullable=True),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_canned_responses_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_responses")),
    )
    op.create_index(op.f("ix_canned_responses_shop_id"), "canned_responses", ["shop_id"], unique=False)


def downgrade() -> None:
    op.drop_table("canned_responses")
    op.drop_table("callbacks")
    op.drop_table("sla_timers")
    op.drop_table("routing_offers")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("queue_key")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("idle_since")
