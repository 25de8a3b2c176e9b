"""the bot: returns with their codes, delivery-address changes, the bot's memory of each conversation

Revision ID: 0004_bot
Revises: 0003_trust
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import madoguchi.store.types

revision = "0004_bot"
down_revision = "0003_trust"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TIME = madoguchi.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("refund_yen", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_returns_customer_id_customers")),
        sa.ForeignKeyConstraint(["order_number"], ["orders.number"], name=op.f("fk_returns_order_number_orders")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_returns")),
    )
    op.create_index(op.f("ix_returns_order_number"), "returns", ["order_number"], unique=False)
    op.create_index(op.f("ix_returns_customer_id"), "returns", ["customer_id"], unique=False)

    op.create_table(
        "order_address_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("changed_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_number"], ["orders.number"], name=op.f("fk_order_address_changes_order_number_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_address_changes")),
    )
    op.create_index(
        op.f("ix_order_address_changes_order_number"), "order_address_changes", ["order_number"], unique=False
    )

    op.create_table(
        "bot_states",
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_states_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_bot_states")),
    )


def downgrade() -> None:
    op.drop_table("bot_states")
    op.drop_index(op.f("ix_order_address_changes_order_number"), table_name="order_address_changes")
    op.drop_table("order_address_changes")
    op.drop_index(op.f("ix_returns_customer_id"), table_name="returns")
    op.drop_index(op.f("ix_returns_order_number"), table_name="returns")
    op.drop_table("returns")
