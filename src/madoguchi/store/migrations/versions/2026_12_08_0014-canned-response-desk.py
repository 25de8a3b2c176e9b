"""canned_responses: the desk a canned response is for (null: every desk)

Revision ID: 0014_canned_response_desk
Revises: 0013_closures_and_suspension
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_canned_response_desk"
down_revision = "0013_closures_and_suspension"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("canned_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("desk", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("canned_responses", schema=None) as batch_op:
        batch_op.drop_column("desk")
