"""photos: attachments of chat messages (message_attachments)

Revision ID: 0006_photos
Revises: 0005_routing
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import madoguchi.store.types

revision = "0006_photos"
down_revision = "0005_routing"
branch_labels = None
depends_on = None

_TIME = madoguchi.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "message_attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_attachments_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_message_attachments_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_attachments")),
    )
    op.create_index(op.f("ix_message_attachments_message_id"), "message_attachments", ["message_id"], unique=False)
    op.create_index(
        op.f("ix_message_attachments_conversation_id"), "message_attachments", ["conversation_id"], unique=False
    )
    op.create_index(op.f("ix_message_attachments_sha256"), "message_attachments", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_message_attachments_sha256"), table_name="message_attachments")
    op.drop_index(op.f("ix_message_attachments_conversation_id"), table_name="message_attachments")
    op.drop_index(op.f("ix_message_attachments_message_id"), table_name="message_attachments")
    op.drop_table("message_attachments")
