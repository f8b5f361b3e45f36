"""Indexes for the progress figures (issue 13).

Revision ID: f7a1b5c9d4e8
Revises: e6f0a4b8c3d7
Create Date: 2026-11-26 14:25:00

Held interviews per month with their ratings come from (owner_id, status, scheduled_at,
confidence) alone, and a career's interviews by status from (career_id, status); each new
index starts with the columns of the one it replaces, so every query the old ones served
is still served.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f7a1b5c9d4e8"
down_revision: str | None = "e6f0a4b8c3d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_interviews_owner_status_scheduled",
        "interviews",
        ["owner_id", "status", "scheduled_at", "confidence"],
    )
    op.drop_index("ix_interviews_owner_status", table_name="interviews")
    op.create_index("ix_interviews_career_status", "interviews", ["career_id", "status"])
    op.drop_index("ix_interviews_career_id", table_name="interviews")


def downgrade() -> None:
    op.create_index("ix_interviews_career_id", "interviews", ["career_id"])
    op.drop_index("ix_interviews_career_status", table_name="interviews")
    op.create_index("ix_interviews_owner_status", "interviews", ["owner_id", "status"])
    op.drop_index("ix_interviews_owner_status_scheduled", table_name="interviews")
