"""The SQLite search index without column sizes (issue 15's write cap on the import path).

Revision ID: a7c9e1b3d5f2
Revises: f1a3c5e7b9d0
Create Date: 2026-11-27 11:00:00

search_index (the positional FTS5 table) is recreated with ``columnsize = 0``: it no longer
writes a row to search_index_docsize for every indexed record. Only FTS5's bm25() reads
those sizes, and searches rank from the rows' own text (app.search.query.scores). A
contentless table cannot change its options in place, so it is dropped, created again and
filled from the source tables; the triggers name it, not its options, and stay as they
are. search_index_prefix (already without sizes) is untouched. PostgreSQL is unchanged.
The statements are literal copies of app/search/models.py at this revision, so this file
never changes when that module does.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7c9e1b3d5f2"
down_revision: str | None = "f1a3c5e7b9d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPTIONS = {
    "upgrade": "content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2'",
    "downgrade": "content = '', tokenize = 'unicode61 remove_diacritics 2'",
}

# fmt: off
FILL = (
    "INSERT INTO search_index (rowid, title, body) SELECT ((t.owner_id) << 40) | (1 << 36) | t.id, t.full_name, t.title || ' ' || t.location || ' ' || coalesce(t.email, '') || ' ' || t.how_we_met || ' ' || t.notes FROM contacts AS t",
    "INSERT INTO search_index (rowid, title, body) SELECT ((t.owner_id) << 40) | (2 << 36) | t.id, t.name, t.industry || ' ' || t.location || ' ' || coalesce(t.website, '') || ' ' || t.research_notes FROM organizations AS t",
    "INSERT INTO search_index (rowid, title, body) SELECT ((t.owner_id) << 40) | (3 << 36) | t.id, t.title, t.industry || ' ' || t.research_notes || ' ' || coalesce((SELECT group_concat(coalesce(json_extract(x.value, '$.title'), '') || ' ' || coalesce(json_extract(x.value, '$.note'), '') || ' ' || coalesce(json_extract(x.value, '$.url'), ''), ' ') FROM json_each(t.resources) AS x), '') FROM careers AS t",
    "INSERT INTO search_index (rowid, title, body) SELECT ((t.owner_id) << 40) | (4 << 36) | t.id, t.purpose, t.summary || ' ' || t.takeaways || ' ' || t.location FROM interviews AS t",
    "INSERT INTO search_index (rowid, title, body) SELECT ((t.owner_id) << 40) | (5 << 36) | t.id, t.text, t.answer_notes FROM interview_questions AS t WHERE t.answer_notes <> ''",
    "INSERT INTO search_index (rowid, title, body) SELECT ((coalesce(t.owner_id, 0)) << 40) | (6 << 36) | t.id, t.text, t.why_ask || ' ' || coalesce((SELECT group_concat(x.value, ' ') FROM json_each(t.tags) AS x), '') FROM questions AS t",
    'INSERT INTO search_index (rowid, title, body) SELECT ((t.owner_id) << 40) | (7 << 36) | t.id, t.kind, t.summary FROM interactions AS t',
    "INSERT INTO search_index (rowid, title, body) SELECT ((t.owner_id) << 40) | (8 << 36) | t.id, t.subject, t.message || ' ' || t.notes FROM follow_ups AS t",
    "INSERT INTO search_index (rowid, title, body) SELECT ((coalesce(t.owner_id, 0)) << 40) | (9 << 36) | t.id, t.name, t.subject || ' ' || t.body FROM message_templates AS t",
)
# fmt: on


def _rebuild(options: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # fts5vocab reads search_index: it goes first and comes back after.
    op.execute("DROP TABLE IF EXISTS search_index_vocab")
    op.execute("DROP TABLE IF EXISTS search_index")
    op.execute(f"CREATE VIRTUAL TABLE search_index USING fts5(title, body, {options})")
    op.execute("CREATE VIRTUAL TABLE search_index_vocab USING fts5vocab(search_index, row)")
    for statement in FILL:
        op.execute(statement)
    # One segment, as the models' DDL leaves it.
    op.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")


def upgrade() -> None:
    _rebuild(OPTIONS["upgrade"])


def downgrade() -> None:
    _rebuild(OPTIONS["downgrade"])
