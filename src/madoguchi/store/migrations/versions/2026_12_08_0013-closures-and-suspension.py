"""desks and shops: exceptional closures (closed_days); shops: suspended

Revision ID: 0013_closures_and_suspension
Revises: 0012_agent_active
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_closures_and_suspension"
down_revision = "0012_agent_active"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_days", _JSON, nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_days", _JSON, nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("suspended", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("suspended")
        batch_op.drop_column("closed_days")
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.drop_column("closed_days")
