"""agents: the time step of the last one-time code accepted, so that a code cannot be used twice

Revision ID: 0008_totp_last_step
Revises: 0007_desk_channel_sla
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_totp_last_step"
down_revision = "0007_desk_channel_sla"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
