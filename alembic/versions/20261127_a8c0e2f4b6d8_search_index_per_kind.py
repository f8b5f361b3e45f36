"""The PostgreSQL search index: one GIN index per kind instead of one for every kind (issue 15).

Revision ID: a8c0e2f4b6d8
Revises: d5e7f9a1b3c5
Create Date: 2026-11-27 05:00:00

A search counts each kind up to a cap. Through one GIN index of (owner, kind, words), each
kind's count built the bitmap of every kind's matches ("portfolio reviews": 18,781 rows,
13 ms a bitmap), or one count read every match to learn its kind (65 ms). A partial index
per kind holds that kind's entries only. SQLite is unchanged. The statements are literal
copies of app/search/models.py at this revision, so this file never changes when it does.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a8c0e2f4b6d8"
down_revision: str | None = "d5e7f9a1b3c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CODES = (1, 2, 3, 4, 5, 6, 7, 8, 9)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for code in KIND_CODES:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS search_index_document_{code} ON search_index"
            f" USING gin (owner_id, document) WHERE kind = {code}"
        )
    op.execute("DROP INDEX IF EXISTS search_index_owner_document")
    op.execute("ANALYZE search_index")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS search_index_owner_document ON search_index"
        " USING gin (owner_id, kind, document)"
    )
    for code in KIND_CODES:
        op.execute(f"DROP INDEX IF EXISTS search_index_document_{code}")
