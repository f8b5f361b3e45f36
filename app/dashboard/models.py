"""The dashboard's version stamp: one number per user that every write to a figure changes.

The dashboard's aggregates (how many careers, organizations, banks and interviews, interviews
held per month, each career's summary) cost more than the rest of the page together, yet they
change only when the user writes one of the rows they count. So each user has a stamp, and
triggers on every table those figures read move it in the writing transaction (Core bulk
inserts, cascaded deletes and other workers' writes included). The page reads the stamp in
the statement it already runs for the contact count, and reuses the figures it computed under
the same stamp (``app.dashboard.service``); a changed stamp means they are computed again.

A stamp starts at a random 62-bit value when the user is created and only ever grows, so a
user id used again (SQLite reuses the highest rowid; tests truncate and restart identities)
never meets the figures of its previous owner, short of a 1 in 2**62 draw. A user without a
stamp row (none is ever missing after the migration, but nothing depends on it) is simply
never served from the cache.

SQLite fires row triggers (cheap there); PostgreSQL fires one statement trigger per statement,
over its transition tables, so a bulk insert moves the stamp once per statement rather than
updating one row 20,000 times in one transaction. Updates move it only when a column a figure
reads changed: SQLite says so with ``UPDATE OF`` and ``WHEN``; PostgreSQL, which allows no
column list with transition tables, compares the old and new rows by id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import DDL, BigInteger, Column, ForeignKey, Integer, event
from sqlmodel import Field, SQLModel


class DashboardStamp(SQLModel, table=True):
    """The version of one user's dashboard figures (see the module's docstring)."""

    __tablename__ = "dashboard_stamps"

    owner_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    version: int = Field(sa_column=Column(BigInteger, nullable=False))


@dataclass(frozen=True)
class Watched:
    """A table the figures read: how a row names its owner, and the columns that matter."""

    table: str
    # The owner of row ``{r}`` (old, new, or an alias), as SQL.
    owner: str
    # An update that changes none of these leaves every figure as it was.
    columns: tuple[str, ...]
    # The column that pairs a row's old and new versions on PostgreSQL (None: bump on any update).
    key: str | None = "id"


# Everything app.dashboard.service caches reads only these tables (contacts are counted by
# contact_counts, read on every visit; the lists due and upcoming are read on every visit).
WATCHED: tuple[Watched, ...] = (
    Watched("careers", "{r}.owner_id", ("owner_id", "title", "status", "interest")),
    Watched("organizations", "{r}.owner_id", ("owner_id",)),
    Watched("question_banks", "{r}.owner_id", ("owner_id",)),
    Watched(
        "interviews",
        "{r}.owner_id",
        ("owner_id", "status", "scheduled_at", "confidence", "career_id"),
    ),
    Watched("follow_ups", "{r}.owner_id", ("owner_id", "status", "interview_id", "contact_id")),
    # A link has no owner of its own: its career's. (When a career's deletion removes its
    # links the career is gone already, but its own trigger has moved the stamp.)
    Watched(
        "contact_careers",
        "(SELECT c.owner_id FROM careers AS c WHERE c.id = {r}.career_id)",
        ("contact_id", "career_id"),
        key=None,
    ),
)

_BUMP = "UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id"
# PostgreSQL moves a stamp once per transaction: a row updated again in the same transaction
# leaves one more dead version that every later update must walk past (a bulk load of 20,000
# interviews, a statement each, became quadratic). A version this transaction wrote already
# differs from every value another worker can have kept.
_PG_BUMP = (
    "UPDATE dashboard_stamps SET version = version + 1"
    " WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id"
)
# A random start in [0, 2**62): room to grow without overflowing a BIGINT.
_SQLITE_START = "(random() >> 2) & 4611686018427387903"
_POSTGRESQL_START = "floor(random() * 4611686018427387904)::bigint"


def restamp_statement(dialect: str) -> str:
    """Every user's stamp moved to a new random start, for after a restore.

    A restore takes stamps back to the backup's values while workers may hold figures kept
    under the values that followed them; the next write would reach one of those values
    again with other data. A fresh random start can meet none of them."""
    start = _POSTGRESQL_START if dialect == "postgresql" else _SQLITE_START
    return f"UPDATE dashboard_stamps SET version = {start}"


def _sqlite_ddl() -> tuple[str, ...]:
    statements = [
        "DROP TRIGGER IF EXISTS users_dashboard_stamp",
        f"""CREATE TRIGGER users_dashboard_stamp AFTER INSERT ON users BEGIN
        INSERT INTO dashboard_stamps (owner_id, version) VALUES (new.id, {_SQLITE_START})
        ON CONFLICT (owner_id) DO UPDATE SET version = excluded.version;
    END""",
    ]
    for w in WATCHED:
        old, new = w.owner.format(r="old"), w.owner.format(r="new")
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in w.columns)
        statements += [
            f"DROP TRIGGER IF EXISTS {w.table}_dashboard_insert",
            f"CREATE TRIGGER {w.table}_dashboard_insert AFTER INSERT ON {w.table} BEGIN"
            f" {_BUMP} = {new}; END",
            f"DROP TRIGGER IF EXISTS {w.table}_dashboard_delete",
            f"CREATE TRIGGER {w.table}_dashboard_delete AFTER DELETE ON {w.table} BEGIN"
            f" {_BUMP} = {old}; END",
            f"DROP TRIGGER IF EXISTS {w.table}_dashboard_update",
            f"CREATE TRIGGER {w.table}_dashboard_update AFTER UPDATE OF {', '.join(w.columns)}"
            f" ON {w.table} WHEN {changed} BEGIN {_BUMP} IN ({old}, {new}); END",
        ]
    return tuple(statements)


def _postgresql_ddl() -> tuple[str, ...]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION users_dashboard_stamp() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO dashboard_stamps (owner_id, version) VALUES (NEW.id, {_POSTGRESQL_START})
        ON CONFLICT (owner_id) DO UPDATE SET version = excluded.version;
        RETURN NULL;
    END $$""",
        "DROP TRIGGER IF EXISTS users_dashboard_stamp ON users",
        """CREATE TRIGGER users_dashboard_stamp AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION users_dashboard_stamp()""",
    ]
    for w in WATCHED:
        old, new = w.owner.format(r="o"), w.owner.format(r="n")
        if w.key is None:
            updated = f"SELECT {old} FROM old_rows AS o UNION SELECT {new} FROM new_rows AS n"
        else:
            pairs = f"old_rows AS o JOIN new_rows AS n ON n.{w.key} = o.{w.key}"
            olds = ", ".join(f"o.{c}" for c in w.columns)
            news = ", ".join(f"n.{c}" for c in w.columns)
            differ = f"({olds}) IS DISTINCT FROM ({news})"
            updated = (
                f"SELECT {old} FROM {pairs} WHERE {differ}"
                f" UNION SELECT {new} FROM {pairs} WHERE {differ}"
            )
        statements += [
            f"""CREATE OR REPLACE FUNCTION {w.table}_dashboard_stamp() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_PG_BUMP} IN (SELECT {new} FROM new_rows AS n);
        ELSIF TG_OP = 'DELETE' THEN
            {_PG_BUMP} IN (SELECT {old} FROM old_rows AS o);
        ELSE
            {_PG_BUMP} IN ({updated});
        END IF;
        RETURN NULL;
    END $$""",
        ]
        for event_name, referencing in (
            ("insert", "NEW TABLE AS new_rows"),
            ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("delete", "OLD TABLE AS old_rows"),
        ):
            name = f"{w.table}_dashboard_{event_name}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {w.table}",
                f"CREATE TRIGGER {name} AFTER {event_name.upper()} ON {w.table}"
                f" REFERENCING {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {w.table}_dashboard_stamp()",
            ]
    return tuple(statements)


SQLITE_STAMP_DDL = _sqlite_ddl()
POSTGRESQL_STAMP_DDL = _postgresql_ddl()

# After every table exists: the triggers sit on the tables the figures read.
for _statement in SQLITE_STAMP_DDL:
    event.listen(SQLModel.metadata, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_STAMP_DDL:
    event.listen(
        SQLModel.metadata, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
