"""conversations: an index by state and last activity, for the chats left with the bot

Revision ID: 0011_conversation_activity
Revises: 0010_conversation_facts
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0011_conversation_activity"
down_revision = "0010_conversation_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_state_activity", "conversations", ["state", "last_activity_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_state_activity", table_name="conversations")
