"""Import drafts (preview, then commit) and contacts' LinkedIn "Connected On" date.

Revision ID: d5e9f3a7b2c6
Revises: c4d8e2f6a1b5
Create Date: 2026-11-26 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import app.db
from alembic import op

revision: str = "d5e9f3a7b2c6"
down_revision: str | None = "c4d8e2f6a1b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch rebuild: rebuilding contacts on SQLite would drop its
    # text-search and count triggers.
    op.add_column("contacts", sa.Column("connected_on", sa.Date(), nullable=True))
    op.create_table(
        "import_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_import_drafts_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_drafts")),
        sa.UniqueConstraint("owner_id", name=op.f("uq_import_drafts_owner_id")),
    )
    op.create_index(
        op.f("ix_import_drafts_created_at"), "import_drafts", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_import_drafts_created_at"), table_name="import_drafts")
    op.drop_table("import_drafts")
    # SQLite 3.35+ drops a column in place; a batch rebuild would lose the contacts triggers.
    op.execute("ALTER TABLE contacts DROP COLUMN connected_on")
