"""A contact's tag names kept on the contact by triggers (issue 17: the list's tags subquery).

Revision ID: c5e7a9b1d3f5
Revises: b4d6f8a0c2e4
Create Date: 2026-11-28 08:00:00

contacts.tag_names holds the contact's tag names as a JSON array, kept by triggers on
contact_tags (and on renaming a tag), so a list page reads a column per row instead of a
subquery joining contact_tags to tags. The column is filled here from the link rows. The
statements are literal copies of app/contacts/models.py at this revision, so this file never
changes when that module does. A plain ADD COLUMN, not a batch: a batch would rebuild
contacts and drop its other triggers.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c5e7a9b1d3f5"
down_revision: str | None = "b4d6f8a0c2e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TAG_NAMES_OF = (
    "(SELECT json_group_array(name) FROM (SELECT t.name FROM contact_tags AS ct"
    " JOIN tags AS t ON t.id = ct.tag_id WHERE ct.contact_id = contacts.id ORDER BY t.name))"
)
SQLITE_UPGRADE = (
    "ALTER TABLE contacts ADD COLUMN tag_names TEXT DEFAULT '[]' NOT NULL",
    f"UPDATE contacts SET tag_names = {_SQLITE_TAG_NAMES_OF}"
    " WHERE id IN (SELECT contact_id FROM contact_tags)",
    f"""CREATE TRIGGER contact_tags_names_insert AFTER INSERT ON contact_tags BEGIN
        UPDATE contacts SET tag_names = {_SQLITE_TAG_NAMES_OF} WHERE id = new.contact_id;
    END""",
    f"""CREATE TRIGGER contact_tags_names_delete AFTER DELETE ON contact_tags BEGIN
        UPDATE contacts SET tag_names = {_SQLITE_TAG_NAMES_OF} WHERE id = old.contact_id;
    END""",
    f"""CREATE TRIGGER contact_tags_names_update AFTER UPDATE ON contact_tags BEGIN
        UPDATE contacts SET tag_names = {_SQLITE_TAG_NAMES_OF}
        WHERE id IN (old.contact_id, new.contact_id);
    END""",
    f"""CREATE TRIGGER tags_names_rename AFTER UPDATE OF name ON tags
    WHEN new.name IS NOT old.name BEGIN
        UPDATE contacts SET tag_names = {_SQLITE_TAG_NAMES_OF}
        WHERE id IN (SELECT contact_id FROM contact_tags WHERE tag_id = new.id);
    END""",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS contact_tags_names_insert",
    "DROP TRIGGER IF EXISTS contact_tags_names_delete",
    "DROP TRIGGER IF EXISTS contact_tags_names_update",
    "DROP TRIGGER IF EXISTS tags_names_rename",
    "ALTER TABLE contacts DROP COLUMN tag_names",
)

_POSTGRESQL_TAG_NAMES_OF = (
    'coalesce((SELECT json_agg(t.name ORDER BY t.name COLLATE "C")::text'
    " FROM contact_tags AS ct JOIN tags AS t"
    " ON t.id = ct.tag_id WHERE ct.contact_id = contacts.id), '[]')"
)
POSTGRESQL_UPGRADE = (
    "ALTER TABLE contacts ADD COLUMN tag_names TEXT DEFAULT '[]' NOT NULL",
    f"UPDATE contacts SET tag_names = {_POSTGRESQL_TAG_NAMES_OF}"
    " WHERE id IN (SELECT contact_id FROM contact_tags)",
    f"""CREATE OR REPLACE FUNCTION contact_tags_names_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE contacts SET tag_names = {_POSTGRESQL_TAG_NAMES_OF}
        WHERE id IN (SELECT contact_id FROM changed);
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION tags_names_rename() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE contacts SET tag_names = {_POSTGRESQL_TAG_NAMES_OF}
        WHERE id IN (SELECT contact_id FROM contact_tags WHERE tag_id = NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER contact_tags_names_insert AFTER INSERT ON contact_tags
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION contact_tags_names_change()""",
    """CREATE TRIGGER contact_tags_names_delete AFTER DELETE ON contact_tags
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION contact_tags_names_change()""",
    """CREATE TRIGGER contact_tags_names_update_old AFTER UPDATE ON contact_tags
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION contact_tags_names_change()""",
    """CREATE TRIGGER contact_tags_names_update_new AFTER UPDATE ON contact_tags
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION contact_tags_names_change()""",
    """CREATE TRIGGER tags_names_rename AFTER UPDATE OF name ON tags
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name)
    EXECUTE FUNCTION tags_names_rename()""",
)
POSTGRESQL_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS contact_tags_names_insert ON contact_tags",
    "DROP TRIGGER IF EXISTS contact_tags_names_delete ON contact_tags",
    "DROP TRIGGER IF EXISTS contact_tags_names_update_old ON contact_tags",
    "DROP TRIGGER IF EXISTS contact_tags_names_update_new ON contact_tags",
    "DROP TRIGGER IF EXISTS tags_names_rename ON tags",
    "DROP FUNCTION IF EXISTS contact_tags_names_change()",
    "DROP FUNCTION IF EXISTS tags_names_rename()",
    "ALTER TABLE contacts DROP COLUMN tag_names",
)


def _run(sqlite: tuple[str, ...], postgresql: tuple[str, ...]) -> None:
    for statement in sqlite if op.get_bind().dialect.name == "sqlite" else postgresql:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UPGRADE, POSTGRESQL_UPGRADE)


def downgrade() -> None:
    _run(SQLITE_DOWNGRADE, POSTGRESQL_DOWNGRADE)
