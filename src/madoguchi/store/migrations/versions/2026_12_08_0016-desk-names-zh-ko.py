"""desks: names in Chinese and Korean, so that every notice naming a desk is in the customer's language

Revision ID: 0016_desk_names_zh_ko
Revises: 0015_integrations
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_desk_names_zh_ko"
down_revision = "0015_integrations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty until the desks are seeded again: an empty name reads as the English one.
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_zh", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("name_ko", sa.String(length=200), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("desks", schema=None) as batch_op:
        batch_op.drop_column("name_ko")
        batch_op.drop_column("name_zh")
