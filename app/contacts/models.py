"""Contacts (the professionals), their careers and tags, and the count kept per user."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import DDL, Column, ForeignKey, Index, Integer, Text, UniqueConstraint, event, func
from sqlmodel import Field, SQLModel

from app.models import Tracked, fk_field, owner_field, utc_field

Stage = Literal["prospect", "contacted", "met", "in_network"]
STAGES: tuple[str, ...] = get_args(Stage)
# How each stage reads on a page, in the method's order (the keys are exactly STAGES).
STAGE_LABELS: dict[str, str] = {
    "prospect": "Prospect",
    "contacted": "Contacted",
    "met": "Met",
    "in_network": "In network",
}


class Contact(Tracked, table=True):
    """A professional in the user's network."""

    __tablename__ = "contacts"
    __label__ = "contact"
    # One (owner_id, sort key, id) index per list sort, so a page is an index range scan
    # with LIMIT, never a sort of all the user's contacts (the name index is below: it is
    # on an expression). The id makes the order total, as the service's tie-break does.
    __table_args__ = (
        Index("ix_contacts_owner_next_touch", "owner_id", "next_touch_due", "id"),
        # "Recently contacted" is DESC NULLS LAST: SQLite scans the plain index backwards
        # for that; PostgreSQL needs the index declared in that order.
        Index(
            "ix_contacts_owner_last_contacted",
            "owner_id",
            "last_contacted_at",
            "id",
            postgresql_ops={"last_contacted_at": "DESC NULLS LAST", "id": "DESC"},
        ),
        Index("ix_contacts_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_contacts_owner_created", "owner_id", "created_at", "id"),
        Index("ix_contacts_owner_stage", "owner_id", "stage", "id"),
        Index("ix_contacts_owner_linkedin", "owner_id", "linkedin_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    full_name: str = Field(max_length=200, nullable=False)
    title: str = Field(default="", max_length=200, nullable=False)
    organization_id: int | None = fk_field("organizations.id", ondelete="SET NULL")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)  # E.164
    linkedin_url: str | None = Field(default=None, max_length=2000)
    # Normalised profile slug, so the same person is recognised from two URL spellings.
    linkedin_key: str | None = Field(default=None, max_length=200)
    location: str = Field(default="", max_length=200, nullable=False)
    how_we_met: str = Field(default="", max_length=2000, nullable=False)
    # When the user connected on LinkedIn (its export's "Connected On"), kept as a date.
    connected_on: date | None = Field(default=None)
    introduced_by_id: int | None = fk_field("contacts.id", ondelete="SET NULL")
    stage: str = Field(default="prospect", max_length=20, nullable=False)
    stay_in_touch_days: int | None = Field(default=None)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Denormalised from the interactions so "due for a touch" is one indexed range scan.
    last_contacted_at: datetime | None = utc_field()
    next_touch_due: datetime | None = utc_field()
    # Lower-cased name, title, organization, email and tags: what `q` matches.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


# The contact's tag names as a JSON array, A-Z, kept by triggers on contact_tags and tags
# (SQLITE_TAG_NAMES_DDL, POSTGRESQL_TAG_NAMES_DDL): a list page reads one column per row
# instead of a subquery joining two tables (a third of SQLite's page statement). A column of
# the table the ORM does not map: only the triggers write it and only Core statements read
# it, so no ORM insert, load or refresh of a contact names it (and the model still works on a
# database at an earlier revision, as the migrations' tests need).
CONTACT_TAG_NAMES = Column("tag_names", Text, nullable=False, server_default="[]")
Contact.__table__.append_column(CONTACT_TAG_NAMES)  # type: ignore[attr-defined]


# People sort names without regard to case: the default list order, as an expression index.
Index(
    "ix_contacts_owner_lower_name",
    Contact.owner_id,  # type: ignore[arg-type]
    func.lower(Contact.full_name),
    Contact.id,  # type: ignore[arg-type]
)


class ContactCount(SQLModel, table=True):
    """How many contacts a user has, kept by triggers on contacts (see CONTACT_DDL)."""

    __tablename__ = "contact_counts"

    owner_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    contacts: int = Field(default=0, nullable=False)


class ContactCareer(SQLModel, table=True):
    """A contact works in (or knows about) a career."""

    __tablename__ = "contact_careers"

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    )
    career_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("careers.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class Tag(SQLModel, table=True):
    """A free label of one user's, shared by their contacts."""

    __tablename__ = "tags"
    __label__ = "tag"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_tags_owner_name"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    name: str = Field(max_length=64, nullable=False)


class ContactTag(SQLModel, table=True):
    """A tag on a contact."""

    __tablename__ = "contact_tags"

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


# ---- what the ORM cannot declare: text search and the contact counter ----------------------
# Created with the contacts table by create_all (tests, fresh databases) and by the same
# statements in the Alembic migration. Triggers rather than service code, so Core bulk
# inserts (the seeder, imports) and cascaded deletes keep both up to date, in the writing
# transaction.

SQLITE_CONTACT_DDL = (
    # A trigram index of search_text: `q` (a substring) becomes an index lookup. The table
    # keeps its own copy of the text, so deleting an entry never depends on old values.
    "DROP TABLE IF EXISTS contacts_fts",
    "CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, tokenize='trigram')",
    "INSERT INTO contacts_fts (rowid, search_text) SELECT id, search_text FROM contacts",
    """CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_fts (rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts
    WHEN new.search_text IS NOT old.search_text BEGIN
        UPDATE contacts_fts SET search_text = new.search_text WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
        DELETE FROM contacts_fts WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER contacts_count_insert AFTER INSERT ON contacts BEGIN
        INSERT INTO contact_counts (owner_id, contacts) VALUES (new.owner_id, 1)
        ON CONFLICT (owner_id) DO UPDATE SET contacts = contacts + 1;
    END""",
    """CREATE TRIGGER contacts_count_delete AFTER DELETE ON contacts BEGIN
        UPDATE contact_counts SET contacts = contacts - 1 WHERE owner_id = old.owner_id;
    END""",
    """CREATE TRIGGER contacts_count_move AFTER UPDATE OF owner_id ON contacts
    WHEN new.owner_id IS NOT old.owner_id BEGIN
        UPDATE contact_counts SET contacts = contacts - 1 WHERE owner_id = old.owner_id;
        INSERT INTO contact_counts (owner_id, contacts) VALUES (new.owner_id, 1)
        ON CONFLICT (owner_id) DO UPDATE SET contacts = contacts + 1;
    END""",
)

POSTGRESQL_CONTACT_DDL = (
    # pg_trgm lets the GIN index answer `search_text LIKE '%x%'` unchanged.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_contacts_search_trgm ON contacts"
    " USING gin (search_text gin_trgm_ops)",
    """CREATE OR REPLACE FUNCTION contacts_count_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- A bulk load in this transaction recounts once at the end instead (one row
        -- updated 100,000 times in one transaction is slow on PostgreSQL).
        IF current_setting('rapport.bulk_load', true) = 'on' THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE contact_counts SET contacts = contacts - 1 WHERE owner_id = OLD.owner_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO contact_counts (owner_id, contacts) VALUES (NEW.owner_id, 1)
            ON CONFLICT (owner_id) DO UPDATE SET contacts = contact_counts.contacts + 1;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER contacts_count_insert_delete AFTER INSERT OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_count_change()""",
    """CREATE TRIGGER contacts_count_move AFTER UPDATE OF owner_id ON contacts
    FOR EACH ROW WHEN (NEW.owner_id IS DISTINCT FROM OLD.owner_id)
    EXECUTE FUNCTION contacts_count_change()""",
)

# A contact's tag_names follow its link rows and its tags' names: an added, removed or moved
# link, or a renamed tag, recomputes the array from the link table, A-Z by code point (SQLite's
# BINARY order; "C" on PostgreSQL), so readers take it as it is and SQLite can splice it into
# the JSON it writes. SQLite keeps an ordered subquery's order in the aggregate over it (it
# never flattens one into an aggregate query). On PostgreSQL per statement, over the
# transition table: an import's one INSERT of thousands of links is one UPDATE. Cascaded
# deletes of contacts fire them too and find no contact left to update.
_SQLITE_TAG_NAMES_OF = (
    "(SELECT json_group_array(name) FROM (SELECT t.name FROM contact_tags AS ct"
    " JOIN tags AS t ON t.id = ct.tag_id WHERE ct.contact_id = contacts.id ORDER BY t.name))"
)
SQLITE_TAG_NAMES_DDL = (
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
# The same compact text as SQLite's json_group_array ('["a","b"]'; json_agg writes ', '
# between items), so both databases can splice it into the JSON they write (app.dbjson).
_POSTGRESQL_TAG_NAMES_OF = (
    "coalesce((SELECT '[' || string_agg(to_json(t.name)::text, ','"
    """ ORDER BY t.name COLLATE "C") || ']'"""
    " FROM contact_tags AS ct JOIN tags AS t"
    " ON t.id = ct.tag_id WHERE ct.contact_id = contacts.id), '[]')"
)
POSTGRESQL_TAG_NAMES_DDL = (
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
    # A transition table serves one event: one trigger per event (and per side of UPDATE).
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

for _statement in SQLITE_CONTACT_DDL:
    event.listen(Contact.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_CONTACT_DDL:
    event.listen(
        Contact.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
# Created with the link table: the triggers are on it and on tags, which exist by then.
for _statement in SQLITE_TAG_NAMES_DDL:
    event.listen(ContactTag.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_TAG_NAMES_DDL:
    event.listen(
        ContactTag.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
# The FTS table is not a dependent of contacts as far as SQLite knows: drop it with them.
event.listen(
    Contact.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS contacts_fts").execute_if(dialect="sqlite"),
)
