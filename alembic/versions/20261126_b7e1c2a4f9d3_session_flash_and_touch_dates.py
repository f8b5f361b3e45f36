"""Session flash notes (POST-redirect-GET) and stay-in-touch dates that start at creation.

Revision ID: b7e1c2a4f9d3
Revises: 83d5e56e04b0
Create Date: 2026-11-26 11:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel

import app.db
from alembic import op

revision: str = "b7e1c2a4f9d3"
down_revision: str | None = "83d5e56e04b0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_contacts = sa.table(
    "contacts",
    sa.column("id", sa.Integer),
    sa.column("created_at", app.db.UTCDateTime(timezone=True)),
    sa.column("last_contacted_at", app.db.UTCDateTime(timezone=True)),
    sa.column("next_touch_due", app.db.UTCDateTime(timezone=True)),
    sa.column("stay_in_touch_days", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("flash", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True)
        )
    # Contacts never touched were due from the moment they were added; the clock now starts
    # there instead: due one cadence after creation.
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_contacts.c.id, _contacts.c.created_at, _contacts.c.stay_in_touch_days).where(
            _contacts.c.last_contacted_at.is_(None),
            _contacts.c.stay_in_touch_days.is_not(None),
        )
    ).all()
    for row in rows:
        created = row.created_at or datetime.now(UTC)
        bind.execute(
            sa.update(_contacts)
            .where(_contacts.c.id == row.id)
            .values(next_touch_due=created + timedelta(days=row.stay_in_touch_days))
        )


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("flash")
