"""trust & safety: reports, confirmed lookalikes, directory edits, the audit log, operators' TOTP

Revision ID: 0003_trust
Revises: 0002_email
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import madoguchi.store.types

revision = "0003_trust"
down_revision = "0002_email"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TIME = madoguchi.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_agent_id"), "audit_log", ["agent_id"], unique=False)
    # Append-only, enforced by the database for every client, not only this code.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )

    op.create_table(
        "trust_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("raw_mail", sa.LargeBinary(), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("brand", sa.String(length=40), nullable=True),
        sa.Column("analysis", _JSON, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_trust_reports_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_trust_reports_conversation_id_conversations")
        ),
        sa.ForeignKeyConstraint(["decided_by"], ["agents.id"], name=op.f("fk_trust_reports_decided_by_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_reports")),
    )
    op.create_index(op.f("ix_trust_reports_created_at"), "trust_reports", ["created_at"], unique=False)
    op.create_index(op.f("ix_trust_reports_customer_id"), "trust_reports", ["customer_id"], unique=False)
    op.create_index(op.f("ix_trust_reports_state"), "trust_reports", ["state"], unique=False)

    op.create_table(
        "lookalikes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("brand", sa.String(length=40), nullable=True),
        sa.Column("report_id", sa.String(length=36), nullable=True),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["trust_reports.id"], name=op.f("fk_lookalikes_report_id_trust_reports")
        ),
        sa.ForeignKeyConstraint(["added_by"], ["agents.id"], name=op.f("fk_lookalikes_added_by_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookalikes")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_lookalikes_kind")),
    )

    op.create_table(
        "trust_brands",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("data", _JSON, nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["updated_by"], ["agents.id"], name=op.f("fk_trust_brands_updated_by_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_brands")),
    )


def downgrade() -> None:
    op.drop_table("trust_brands")
    op.drop_table("lookalikes")
    op.drop_index(op.f("ix_trust_reports_state"), table_name="trust_reports")
    op.drop_index(op.f("ix_trust_reports_customer_id"), table_name="trust_reports")
    op.drop_index(op.f("ix_trust_reports_created_at"), table_name="trust_reports")
    op.drop_table("trust_reports")
    op.drop_index(op.f("ix_audit_log_agent_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("totp_enabled")
        batch_op.drop_column("totp_secret")
