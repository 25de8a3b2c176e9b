"""agents: whether an operator is active (a deactivated one cannot log in and is offered nothing)

Revision ID: 0012_agent_active
Revises: 0011_conversation_activity
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_agent_active"
down_revision = "0011_conversation_activity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("active")
