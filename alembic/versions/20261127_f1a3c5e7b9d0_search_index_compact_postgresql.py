"""The PostgreSQL search index: its GIN pending lists capped at 1 MB (issue 15).

Revision ID: f1a3c5e7b9d0
Revises: e6f8a0b2c4d6
Create Date: 2026-11-27 11:00:00

Each per-kind GIN index keeps new entries in a pending list (fastupdate) until it passes
gin_pending_list_limit, and every search of the kind reads the whole list: at the default
4 MB a database in use paid up to ~12 ms a kind per search. At 1 MB a list costs ~3 ms at
most, and writes merging 1 MB at a time cost no more than at 4 MB. Only a storage
parameter changes: nothing is rebuilt. SQLite is unchanged. The statements are literal
copies of app/search/models.py at this revision, so this file never changes when it does.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f1a3c5e7b9d0"
down_revision: str | None = "e6f8a0b2c4d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CODES = (1, 2, 3, 4, 5, 6, 7, 8, 9)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for code in KIND_CODES:
        op.execute(f"ALTER INDEX search_index_document_{code} SET (gin_pending_list_limit = 1024)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for code in KIND_CODES:
        op.execute(f"ALTER INDEX search_index_document_{code} RESET (gin_pending_list_limit)")
