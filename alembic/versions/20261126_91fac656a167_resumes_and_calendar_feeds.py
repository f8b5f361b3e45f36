"""resumes, resume shares, calendar feeds

Revision ID: 91fac656a167
Revises: dc53cec09d07
Create Date: 2026-11-26 10:02:42.339219
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import app.db
from alembic import op

revision: str = "91fac656a167"
down_revision: str | None = "dc53cec09d07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("owner_id", name=op.f("uq_calendar_feeds_owner_id")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_feeds_secret_hash")),
    )
    op.create_table(
        "resumes",
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_resumes_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resumes")),
    )
    with op.batch_alter_table("resumes", schema=None) as batch_op:
        batch_op.create_index("ix_resumes_owner_created", ["owner_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_resumes_owner_id"), ["owner_id"], unique=False)

    # The bytes of each version (BLOB on SQLite, bytea on PostgreSQL), apart from the
    # metadata so that listing versions never reads them.
    op.create_table(
        "resume_files",
        sa.Column("resume_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resume_id"],
            ["resumes.id"],
            name=op.f("fk_resume_files_resume_id_resumes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resume_id", name=op.f("pk_resume_files")),
    )
    op.create_table(
        "resume_shares",
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("resume_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("shared_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("resume_label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("resume_file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_resume_shares_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_resume_shares_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resume_id"],
            ["resumes.id"],
            name=op.f("fk_resume_shares_resume_id_resumes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resume_shares")),
    )
    with op.batch_alter_table("resume_shares", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resume_shares_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_resume_shares_owner_contact", ["owner_id", "contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_resume_shares_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_resume_shares_resume_id"), ["resume_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resume_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resume_shares_resume_id"))
        batch_op.drop_index(batch_op.f("ix_resume_shares_owner_id"))
        batch_op.drop_index("ix_resume_shares_owner_contact")
        batch_op.drop_index(batch_op.f("ix_resume_shares_contact_id"))

    op.drop_table("resume_shares")
    op.drop_table("resume_files")
    with op.batch_alter_table("resumes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resumes_owner_id"))
        batch_op.drop_index("ix_resumes_owner_created")

    op.drop_table("resumes")
    op.drop_table("calendar_feeds")
