"""The job-search status lives only in its history (job_search_changes), issue 10.

Revision ID: d5e7f9a1b3c5
Revises: a2b4c6d8e0f1
Create Date: 2026-11-26 20:10:00

The account profile kept a second copy in users.job_search_status / job_search_note, with a
vocabulary of its own. A user who set it there and never used the job-search page gets it
as their first change (employed -> accepted_offer, paused -> exploring; the job-search page's
own history wins when there is one, since that is what network updates already used); then
the columns go. The vocabulary is written out here: a migration must not follow later code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import app.db
from alembic import op

revision: str = "d5e7f9a1b3c5"
down_revision: str | None = "a2b4c6d8e0f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = {"exploring", "preparing", "searching", "interviewing", "accepted_offer"}
_FORMER = {"employed": "accepted_offer", "paused": "exploring"}

_users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("updated_at", app.db.UTCDateTime(timezone=True)),
    sa.column("job_search_status", sa.String),
    sa.column("job_search_note", sa.String),
)
_changes = sa.table(
    "job_search_changes",
    sa.column("id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("note", sa.String),
    sa.column("since", sa.Date),
    sa.column("changed_at", app.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    bind = op.get_bind()
    has_history = sa.exists().where(_changes.c.owner_id == _users.c.id)
    rows = bind.execute(
        sa.select(
            _users.c.id, _users.c.updated_at, _users.c.job_search_status, _users.c.job_search_note
        ).where(~has_history)
    ).all()
    for row in rows:
        status = _FORMER.get(row.job_search_status, row.job_search_status)
        status = status if status in _STATUSES else "exploring"
        note = row.job_search_note or ""
        if (status, note) == ("exploring", ""):
            continue  # the default: nothing to record
        bind.execute(
            sa.insert(_changes).values(
                owner_id=row.id, status=status, note=note, since=None, changed_at=row.updated_at
            )
        )
    # Plain ALTER TABLE (SQLite >= 3.35 drops a column in place): a batch would rebuild
    # users, and dropping the old table with foreign keys on cascades into every owned row.
    op.drop_column("users", "job_search_note")
    op.drop_column("users", "job_search_status")


def downgrade() -> None:
    # In place too (see upgrade); the defaults fill the existing rows.
    op.add_column(
        "users",
        sa.Column(
            "job_search_status",
            sqlmodel.sql.sqltypes.AutoString(length=32),
            nullable=False,
            server_default="exploring",
        ),
    )
    op.add_column(
        "users",
        sa.Column(
            "job_search_note",
            sqlmodel.sql.sqltypes.AutoString(length=2000),
            nullable=False,
            server_default="",
        ),
    )
    # Each user's latest change becomes the columns' value again.
    bind = op.get_bind()
    latest = (
        sa.select(_changes.c.owner_id, sa.func.max(_changes.c.id).label("id"))
        .group_by(_changes.c.owner_id)
        .subquery()
    )
    rows = bind.execute(
        sa.select(_changes.c.owner_id, _changes.c.status, _changes.c.note).join(
            latest, latest.c.id == _changes.c.id
        )
    ).all()
    for row in rows:
        bind.execute(
            sa.update(_users)
            .where(_users.c.id == row.owner_id)
            .values(job_search_status=row.status, job_search_note=row.note)
        )
