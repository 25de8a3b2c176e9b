"""desks: whether SLA clocks count every hour or only the desk's opening hours

Revision ID: 0009_desk_sla_clock
Revises: 0008_totp_last_step
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_desk_sla_clock"
down_revision = "0008_totp_last_step"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sla_clock", sa.String(length=20), nullable=False, server_default=sa.text("'calendar'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.drop_column("sla_clock")
