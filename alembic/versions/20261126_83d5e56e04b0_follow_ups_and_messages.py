"""Follow-ups, message templates, job-search status changes and digest deliveries (issue 12).

Revision ID: 83d5e56e04b0
Revises: 91fac656a167
Create Date: 2026-11-26 10:08:19.510655
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import app.db
from alembic import op

revision: str = "83d5e56e04b0"
down_revision: str | None = "91fac656a167"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("follow_up_count", sa.Integer(), nullable=False),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_digest_deliveries_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_deliveries")),
        sa.UniqueConstraint("owner_id", "day", name="uq_digest_deliveries_owner_day"),
    )
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_deliveries_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "follow_up_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thank_you_delay_hours", sa.Integer(), nullable=False),
        sa.Column("email_digest", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_follow_up_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_follow_up_settings")),
    )
    op.create_table(
        "job_search_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("changed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_job_search_changes_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_search_changes")),
    )
    with op.batch_alter_table("job_search_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_job_search_changes_owner_id"), ["owner_id"], unique=False
        )
        batch_op.create_index(
            "ix_job_search_changes_owner_latest", ["owner_id", "id"], unique=False
        )

    op.create_table(
        "message_templates",
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("builtin_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_message_templates_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("builtin_key", name=op.f("uq_message_templates_builtin_key")),
    )
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_templates_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "follow_ups",
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("due_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_follow_ups_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_follow_ups_interview_id_interviews"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_follow_ups_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("owner_id", "source_key", name="uq_follow_ups_owner_source_key"),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_follow_ups_interview_id"), ["interview_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_follow_ups_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "ix_follow_ups_owner_status_due", ["owner_id", "status", "due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_owner_status_due")
        batch_op.drop_index(batch_op.f("ix_follow_ups_owner_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_interview_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_contact_id"))

    op.drop_table("follow_ups")
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_templates_owner_id"))

    op.drop_table("message_templates")
    with op.batch_alter_table("job_search_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_job_search_changes_owner_latest")
        batch_op.drop_index(batch_op.f("ix_job_search_changes_owner_id"))

    op.drop_table("job_search_changes")
    op.drop_table("follow_up_settings")
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_deliveries_owner_id"))

    op.drop_table("digest_deliveries")
