"""A contact's kept tag names in compact JSON on PostgreSQL too (issue 17: the list's JSON).

Revision ID: d7f9b1c3e5a7
Revises: c5e7a9b1d3f5
Create Date: 2026-11-28 11:00:00

c5e7a9b1d3f5 kept contacts.tag_names on PostgreSQL as json_agg writes it, '["a", "b"]'; SQLite
keeps '["a","b"]'. PostgreSQL now writes the API's contacts list as JSON itself and splices the
kept text into it, which must be encode_json's bytes: the trigger functions are replaced to
write the compact form, and the column is rewritten in it. SQLite is unchanged. The
statements are literal copies of app/contacts/models.py at this revision.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d7f9b1c3e5a7"
down_revision: str | None = "c5e7a9b1d3f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMPACT = (
    "coalesce((SELECT '[' || string_agg(to_json(t.name)::text, ','"
    """ ORDER BY t.name COLLATE "C") || ']'"""
    " FROM contact_tags AS ct JOIN tags AS t"
    " ON t.id = ct.tag_id WHERE ct.contact_id = contacts.id), '[]')"
)
_SPACED = (
    'coalesce((SELECT json_agg(t.name ORDER BY t.name COLLATE "C")::text'
    " FROM contact_tags AS ct JOIN tags AS t"
    " ON t.id = ct.tag_id WHERE ct.contact_id = contacts.id), '[]')"
)


def _functions(names_of: str) -> tuple[str, ...]:
    return (
        f"""CREATE OR REPLACE FUNCTION contact_tags_names_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE contacts SET tag_names = {names_of}
        WHERE id IN (SELECT contact_id FROM changed);
        RETURN NULL;
    END $$""",
        f"""CREATE OR REPLACE FUNCTION tags_names_rename() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE contacts SET tag_names = {names_of}
        WHERE id IN (SELECT contact_id FROM contact_tags WHERE tag_id = NEW.id);
        RETURN NULL;
    END $$""",
        # Only contacts with tags hold anything but '[]', the same in either form.
        f"UPDATE contacts SET tag_names = {names_of}"
        " WHERE id IN (SELECT contact_id FROM contact_tags)",
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _functions(_COMPACT):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _functions(_SPACED):
            op.execute(statement)
