"""desks: first-response targets per channel (e-mail answered on another clock than chat)

Revision ID: 0007_desk_channel_sla
Revises: 0006_photos
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_desk_channel_sla"
down_revision = "0006_photos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "first_response_minutes_by_channel",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.drop_column("first_response_minutes_by_channel")
