"""The search index: one row per searchable record, kept right by database triggers.

There is no SQLModel table here: the index is two contentless FTS5 virtual tables on SQLite
(``search_index`` with positions, ``search_index_prefix`` for 2-3 letter prefixes) and a
table of ``tsvector`` documents on PostgreSQL, none of which the ORM can declare. Neither
stores the text: the page shown reads it from the source rows (``display_statement``). The
DDL below runs after ``create_all`` (tests, fresh databases) and is copied literally into
the Alembic revision that introduced it; ``rapport reindex`` runs it again. Triggers rather
than service code keep it right, so Core inserts, cascaded deletes and every future write
path update it in the writing transaction; a bulk writer (the seeder, imports) has the
SQLite triggers leave its new rows to one statement per table at its end
(service.bulk_indexing).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import DDL, event
from sqlmodel import SQLModel

# The SQLite entry's rowid is owner << OWNER_SHIFT | kind code << KIND_SHIFT | row id: one
# user's entries, and each of their kinds, are one rowid range, which FTS5 seeks to in every
# posting list. So a search reads only the caller's postings, counts and filters kinds by
# range, and never reads a row to learn its owner. Row ids stay below 2**36, owners 2**22.
OWNER_SHIFT = 40
KIND_SHIFT = 36
KIND_CODES: dict[str, int] = {
    "contact": 1,
    "organization": 2,
    "career": 3,
    "interview": 4,
    "answer": 5,
    "question": 6,
    "interaction": 7,
    "follow_up": 8,
    "template": 9,
}
KINDS_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}
# Rows without an owner (built-in questions and templates) are indexed under owner 0, which
# every user's search reads; no user has id 0.
SHARED_OWNER = 0


@dataclass(frozen=True)
class Source:
    """How one table feeds the index; expressions use ``{r}`` for the NEW row."""

    table: str
    kind: str
    columns: tuple[str, ...]  # an update of any of these re-indexes the row
    owner: str
    parent: str
    title: str
    body: tuple[str, ...]
    when: str = ""  # index the row only when this holds (SQL, same in both dialects)


def _sqlite_resources(r: str) -> str:
    return (
        "coalesce((SELECT group_concat(coalesce(json_extract(x.value, '$.title'), '') || ' ' ||"
        " coalesce(json_extract(x.value, '$.note'), '') || ' ' ||"
        f" coalesce(json_extract(x.value, '$.url'), ''), ' ') FROM json_each({r}.resources) AS x),"
        " '')"
    )


def _postgresql_resources(r: str) -> str:
    return (
        "coalesce((SELECT string_agg(coalesce(x->>'title', '') || ' ' || coalesce(x->>'note', '')"
        f" || ' ' || coalesce(x->>'url', ''), ' ') FROM json_array_elements({r}.resources) AS x),"
        " '')"
    )


def _sources(dialect: str) -> tuple[Source, ...]:
    resources = _sqlite_resources if dialect == "sqlite" else _postgresql_resources
    tags = (
        "coalesce((SELECT group_concat(x.value, ' ') FROM json_each({r}.tags) AS x), '')"
        if dialect == "sqlite"
        else "coalesce((SELECT string_agg(x, ' ') FROM json_array_elements_text({r}.tags) AS x),"
        " '')"
    )
    return (
        Source(
            "contacts",
            "contact",
            ("owner_id", "full_name", "title", "location", "email", "how_we_met", "notes"),
            "{r}.owner_id",
            "NULL",
            "{r}.full_name",
            ("{r}.title", "{r}.location", "coalesce({r}.email, '')", "{r}.how_we_met", "{r}.notes"),
        ),
        Source(
            "organizations",
            "organization",
            ("owner_id", "name", "industry", "location", "website", "research_notes"),
            "{r}.owner_id",
            "NULL",
            "{r}.name",
            ("{r}.industry", "{r}.location", "coalesce({r}.website, '')", "{r}.research_notes"),
        ),
        Source(
            "careers",
            "career",
            ("owner_id", "title", "industry", "research_notes", "resources"),
            "{r}.owner_id",
            "NULL",
            "{r}.title",
            ("{r}.industry", "{r}.research_notes", resources("{r}")),
        ),
        Source(
            "interviews",
            "interview",
            ("owner_id", "contact_id", "purpose", "location", "summary", "takeaways"),
            "{r}.owner_id",
            "{r}.contact_id",
            "{r}.purpose",
            ("{r}.summary", "{r}.takeaways", "{r}.location"),
        ),
        # An agenda item is searchable once it has an answer; its question text is the
        # title so the result reads "what was asked" and the snippet shows what was said.
        Source(
            "interview_questions",
            "answer",
            ("owner_id", "interview_id", "text", "answer_notes"),
            "{r}.owner_id",
            "{r}.interview_id",
            "{r}.text",
            ("{r}.answer_notes",),
            when="{r}.answer_notes <> ''",
        ),
        Source(
            "questions",
            "question",
            ("owner_id", "bank_id", "text", "why_ask", "tags"),
            f"coalesce({{r}}.owner_id, {SHARED_OWNER})",
            "{r}.bank_id",
            "{r}.text",
            ("{r}.why_ask", tags),
        ),
        Source(
            "interactions",
            "interaction",
            ("owner_id", "contact_id", "kind", "summary"),
            "{r}.owner_id",
            "{r}.contact_id",
            "{r}.kind",
            ("{r}.summary",),
        ),
        Source(
            "follow_ups",
            "follow_up",
            ("owner_id", "contact_id", "subject", "message", "notes"),
            "{r}.owner_id",
            "{r}.contact_id",
            "{r}.subject",
            ("{r}.message", "{r}.notes"),
        ),
        Source(
            "message_templates",
            "template",
            ("owner_id", "name", "subject", "body"),
            f"coalesce({{r}}.owner_id, {SHARED_OWNER})",
            "NULL",
            "{r}.name",
            ("{r}.subject", "{r}.body"),
        ),
    )


def _body(source: Source, r: str) -> str:
    return " || ' ' || ".join(part.format(r=r) for part in source.body)


def _where(source: Source, r: str) -> str:
    return f" WHERE {source.when.format(r=r)}" if source.when else ""


# search_index_prefix's columns: a record's title and each part of its body in a column of
# its own (the most a source has: contacts' title and five parts). That table keeps no
# positions (detail = none), so its entries are the same whichever column a word is in, and
# its words need not be joined into one text first (its fill of 2,000 imported contacts:
# 51.8 -> 40.5 M instructions). The positional table keeps title and body, where a phrase
# may run from one part of the body into the next, as on PostgreSQL.
SQLITE_PREFIX_COLUMNS = ("title", "part1", "part2", "part3", "part4", "part5")


def _sqlite_body(source: Source, r: str) -> str:
    """The body as one text, the parts joined by spaces, as ``_body`` joins them.

    printf rather than ``||``: a chain of ``||`` copies the growing text at every link
    (search_index's fill of 2,000 imported contacts: 38.0 -> 33.1 M instructions). The
    same text: every part is NOT NULL or coalesced, and printf's '%s' of NULL is ''.
    """
    parts = [part.format(r=r) for part in source.body]
    if len(parts) == 1:
        return parts[0]
    return f"printf('{' '.join(['%s'] * len(parts))}', {', '.join(parts)})"


def _sqlite_parts(source: Source, r: str) -> str:
    """The title and the body's parts, one per column of search_index_prefix (NULL after)."""
    parts = [source.title.format(r=r), *(part.format(r=r) for part in source.body)]
    return ", ".join(parts + ["NULL"] * (len(SQLITE_PREFIX_COLUMNS) - len(parts)))


def _sqlite_writes(
    source: Source, r: str, command: str = "", rows: str = "", condition: str = ""
) -> tuple[str, ...]:
    """Add row ``r`` to both tables (or, with command 'delete', take it out) ``rows``,
    where ``condition`` holds."""
    # A contentless table forgets the text, so a 'delete' repeats exactly what was added;
    # the `when` guard keeps a row that was never added from being taken out.
    key = (
        f"(({source.owner.format(r=r)}) << {OWNER_SHIFT})"
        f" | ({KIND_CODES[source.kind]} << {KIND_SHIFT}) | {r}.id"
    )
    title, body = source.title.format(r=r), _sqlite_body(source, r)
    conditions = [c for c in (source.when.format(r=r), condition) if c]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    writes = []
    for table, columns, values in (
        ("search_index", "title, body", f"{title}, {body}"),
        ("search_index_prefix", ", ".join(SQLITE_PREFIX_COLUMNS), _sqlite_parts(source, r)),
    ):
        head, value = (f"{table}, ", f"'{command}', ") if command else ("", "")
        writes.append(
            f"INSERT INTO {table} ({head}rowid, {columns}) SELECT {value}{key}, {values}"
            f"{rows}{where}"
        )
    return tuple(writes)


def _sqlite_deferred(source: Source, r: str) -> str:
    """True while a bulk writer indexes row ``r`` itself (app.search.service.bulk_indexing)."""
    return (
        f"EXISTS (SELECT 1 FROM search_index_bulk WHERE kind = {KIND_CODES[source.kind]}"
        f" AND after_id < {r}.id)"
    )


def _bulk_sources(kinds: tuple[str, ...]) -> list[Source]:
    return [source for source in _sources("sqlite") if source.kind in kinds]


@lru_cache(maxsize=32)
def sqlite_bulk_start(kinds: tuple[str, ...]) -> str:
    """Record each of ``kinds``' highest id in SQLITE_BULK_TABLE, the triggers' cue to leave
    the rows above it alone, and read them back: one statement (kind code, after_id)."""
    parts = [
        f"SELECT {KIND_CODES[s.kind]}, coalesce(max(id), 0) FROM {s.table}"
        for s in _bulk_sources(kinds)
    ]
    return (
        "INSERT INTO search_index_bulk (kind, after_id) "
        + " UNION ALL ".join(parts)
        + " RETURNING kind, after_id"
    )


@lru_cache(maxsize=32)
def sqlite_bulk_fill(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """Index the rows of ``kinds`` with ids above their :after_<kind code>: one statement
    per table for all the kinds, since FTS5 writes a segment per statement and table (a
    statement per kind and table made a seed write eighteen)."""
    writes = [
        _sqlite_writes(
            s, "t", rows=f" FROM {s.table} AS t", condition=f"t.id > :after_{KIND_CODES[s.kind]}"
        )
        for s in _bulk_sources(kinds)
    ]
    statements = []
    for per_table in zip(*writes, strict=True):
        # Each is "INSERT INTO <table> (<columns>) SELECT ...": one INSERT, the SELECTs joined.
        head = per_table[0].split(" SELECT ", 1)[0]
        selects = ["SELECT " + write.split(" SELECT ", 1)[1] for write in per_table]
        statements.append(f"{head} {' UNION ALL '.join(selects)}")
    return tuple(statements)


# While a bulk writer holds a kind's row here, the triggers leave that kind's rows above
# after_id to it: it indexes them in one statement per table before it commits, where FTS5
# would write a segment for every row an executemany inserts.
SQLITE_BULK_TABLE = (
    "CREATE TABLE IF NOT EXISTS search_index_bulk"
    " (kind INTEGER PRIMARY KEY, after_id INTEGER NOT NULL)"
)


def _sqlite_triggers(source: Source) -> tuple[str, ...]:
    """The three triggers that keep ``source``'s rows in both tables."""
    name = f"search_index_{source.table}"
    add = " ".join(f"{w};" for w in _sqlite_writes(source, "new"))
    remove = " ".join(f"{w};" for w in _sqlite_writes(source, "old", "delete"))
    changed = " OR ".join(f"old.{column} IS NOT new.{column}" for column in source.columns)
    return (
        f"DROP TRIGGER IF EXISTS {name}_insert",
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source.table}"
        f" WHEN NOT {_sqlite_deferred(source, 'new')} BEGIN {add} END",
        f"DROP TRIGGER IF EXISTS {name}_update",
        # Only when an indexed value really changed: a form saved unchanged costs nothing.
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(source.columns)}"
        f" ON {source.table} WHEN ({changed}) AND NOT {_sqlite_deferred(source, 'old')}"
        f" BEGIN {remove} {add} END",
        f"DROP TRIGGER IF EXISTS {name}_delete",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source.table}"
        f" WHEN NOT {_sqlite_deferred(source, 'old')} BEGIN {remove} END",
    )


def _sqlite_ddl() -> tuple[str, ...]:
    statements = [
        "DROP TABLE IF EXISTS search_index_vocab",
        "DROP TABLE IF EXISTS search_index",
        "DROP TABLE IF EXISTS search_index_prefix",
        # Contentless (the text stays in its own table and is read only for the page shown)
        # with positions for phrases and no prefix index: words, phrases and
        # prefixes of four letters or more are matched here. No column sizes (columnsize =
        # 0): only bm25() reads them, and ranking is done from the rows' text
        # (app.search.query.scores); each indexed row wrote one to search_index_docsize,
        # a fifth to a third of this table's write cost.
        "CREATE VIRTUAL TABLE search_index USING fts5(title, body, content = '',"
        " columnsize = 0, tokenize = 'unicode61 remove_diacritics 2')",
        # Prefixes of two and three letters, costly to expand, come from prefix indexes
        # holding row ids only (detail = none), a fifth of the size of positional ones.
        f"CREATE VIRTUAL TABLE search_index_prefix USING fts5({', '.join(SQLITE_PREFIX_COLUMNS)},"
        " content = '', detail = none, columnsize = 0, prefix = '2 3',"
        " tokenize = 'unicode61 remove_diacritics 2')",
        # The words of the positional index, by range: a longer prefix is spelled out as
        # the words it stands for (app.search.service).
        "DROP TABLE IF EXISTS search_index_vocab",
        "CREATE VIRTUAL TABLE search_index_vocab USING fts5vocab(search_index, row)",
        SQLITE_BULK_TABLE,
    ]
    for s in _sources("sqlite"):
        statements += [*_sqlite_triggers(s), *_sqlite_writes(s, "t", rows=f" FROM {s.table} AS t")]
    # Fold the segments written by the fill into one: smaller, and faster to read.
    statements += [
        "INSERT INTO search_index (search_index) VALUES ('optimize')",
        "INSERT INTO search_index_prefix (search_index_prefix) VALUES ('optimize')",
    ]
    return tuple(statements)


def _postgresql_document(source: Source, r: str) -> str:
    # The parser reads <...> as markup and skips a <script>'s content; notes are text, so
    # every word in them is searchable, as on SQLite.
    return (
        f"setweight(to_tsvector('rapport_search', translate({source.title.format(r=r)},"
        f" '<>', '  ')), 'A') || setweight(to_tsvector('rapport_search',"
        f" translate({_body(source, r)}, '<>', '  ')), 'B')"
    )


def _postgresql_triggers(source: Source) -> tuple[str, ...]:
    """The functions and triggers that keep ``source``'s rows in the index."""
    s, code = source, KIND_CODES[source.kind]
    name = f"search_index_{s.table}"
    values = f"{code}, NEW.id, {s.owner.format(r='NEW')}, {_postgresql_document(s, 'NEW')}"
    condition = f" AND {s.when.format(r='NEW')}" if s.when else ""
    # As text: json columns have no equality operator.
    old = ", ".join(f"OLD.{column}::text" for column in s.columns)
    new = ", ".join(f"NEW.{column}::text" for column in s.columns)
    return (
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- Only when an indexed value really changed: a form saved unchanged costs nothing.
        IF TG_OP = 'UPDATE' AND ({old}) IS NOT DISTINCT FROM ({new}) THEN
            RETURN NULL;
        END IF;
        DELETE FROM search_index WHERE kind = {code} AND row_id = OLD.id;
        IF TG_OP = 'UPDATE'{condition} THEN
            INSERT INTO search_index (kind, row_id, owner_id, document) VALUES ({values});
        END IF;
        RETURN NULL;
    END $$""",
        # Inserts are indexed once per statement, from the rows it inserted: a multi-row
        # VALUES or an INSERT ... SELECT costs one INSERT ... SELECT here, not one per row.
        f"""CREATE OR REPLACE FUNCTION {name}_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_index (kind, row_id, owner_id, document)
            SELECT {code}, n.id, {s.owner.format(r="n")}, {_postgresql_document(s, "n")}
            FROM new_rows AS n{_where(s, "n")};
        RETURN NULL;
    END $$""",
        # A transition table cannot go with a column list (UPDATE OF), nor serve two
        # triggers of one event: updates and deletes stay row by row.
        f"DROP TRIGGER IF EXISTS {name}_change ON {s.table}",
        f"CREATE TRIGGER {name}_change AFTER DELETE OR UPDATE OF {', '.join(s.columns)}"
        f" ON {s.table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        f"DROP TRIGGER IF EXISTS {name}_insert ON {s.table}",
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {s.table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}_insert()",
        # TRUNCATE fires no row triggers: clear the kind as a whole.
        f"DROP TRIGGER IF EXISTS {name}_truncate ON {s.table}",
        f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {s.table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('{code}')",
    )


def _postgresql_ddl() -> tuple[str, ...]:
    statements = [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        "CREATE EXTENSION IF NOT EXISTS btree_gin",
        # A text search configuration that folds accents: the document and the query both
        # use it, so "resume" finds "résumé".
        """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'rapport_search') THEN
            CREATE TEXT SEARCH CONFIGURATION rapport_search (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION rapport_search ALTER MAPPING FOR
                asciiword, word, numword, asciihword, hword, numhword,
                hword_asciipart, hword_part, hword_numpart
                WITH unaccent, simple;
        END IF;
    END $$""",
        "DROP TABLE IF EXISTS search_index",
        # The document only: the text stays in its own table and is read for the page shown.
        """CREATE TABLE search_index (
        kind smallint NOT NULL,
        row_id integer NOT NULL,
        owner_id integer NOT NULL,
        document tsvector NOT NULL,
        CONSTRAINT search_index_pkey PRIMARY KEY (kind, row_id)
    )""",
        # One GIN index per kind, partial on it (a search names the kind literally), with
        # the owner beside the words (btree_gin): a kind's bitmap holds only its own
        # matches, so a search counts each kind up to the cap without building a bitmap of
        # every kind's matches per kind, or reading every match to learn its kind.
        # New entries wait in a pending list (fastupdate), which every search of the kind
        # reads through, ~25 us a page: at the default 4 MB limit a database in use paid up
        # to ~12 ms a kind (0.8 ms with the list merged). At 1 MB that is ~3 ms at most,
        # and merging 1 MB at a time cost writes no more than 4 MB did (256 kB: +25 %).
        *(
            f"CREATE INDEX search_index_document_{code} ON search_index"
            f" USING gin (owner_id, document) WITH (gin_pending_list_limit = 1024)"
            f" WHERE kind = {code}"
            for code in sorted(KINDS_BY_CODE)
        ),
        """CREATE OR REPLACE FUNCTION search_index_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_index WHERE kind = TG_ARGV[0]::smallint;
        RETURN NULL;
    END $$""",
    ]
    for s in _sources("postgresql"):
        code = KIND_CODES[s.kind]
        statements += [
            *_postgresql_triggers(s),
            "INSERT INTO search_index (kind, row_id, owner_id, document)"
            f" SELECT {code}, t.id, {s.owner.format(r='t')}, {_postgresql_document(s, 't')}"
            f" FROM {s.table} AS t{_where(s, 't')}",
        ]
    return tuple(statements)


def sqlite_indexed_count() -> str:
    """SELECT how many records the SQLite index holds, counted from their tables: a
    contentless FTS5 table without column sizes cannot be scanned to count its rows."""
    counts = [f"(SELECT count(*) FROM {s.table} AS t{_where(s, 't')})" for s in _sources("sqlite")]
    return "SELECT " + " + ".join(counts)


def sqlite_trigger_ddl() -> tuple[str, ...]:
    """Every source's triggers, dropped and created again (the bulk_indexing revision)."""
    return tuple(statement for s in _sources("sqlite") for statement in _sqlite_triggers(s))


# What names the interview a row is or belongs to, as the app names an interview ("Interview
# with <contact> · <date>"): joined into the read of the page's rows, so a hit costs no
# statement of its own. (the joins, the contact's name, the interview's date)
_INTERVIEW_CONTEXT = {
    "interview": (
        " LEFT JOIN contacts AS c ON c.id = t.contact_id",
        "c.full_name",
        "t.scheduled_at",
    ),
    "answer": (
        " LEFT JOIN interviews AS i ON i.id = t.interview_id"
        " LEFT JOIN contacts AS c ON c.id = i.contact_id",
        "c.full_name",
        "i.scheduled_at",
    ),
}


def display_statement(dialect: str, kind: str, ids: str = ":ids") -> str:
    """SELECT id, parent id, title, body, context_name and context_at of the rows of
    ``kind`` whose ids are ``ids`` (SQL); the last two name the interview (NULL for other
    kinds)."""
    s = next(source for source in _sources(dialect) if source.kind == kind)
    joins, name, at = _INTERVIEW_CONTEXT.get(kind, ("", "NULL", "NULL"))
    # Body parts on lines of their own: a Markdown list or heading starting a part stays
    # at the start of a line, where the snippet's clean-up recognises it.
    body = " || '\n' || ".join(part.format(r="t") for part in s.body)
    return (
        f"SELECT t.id, {s.parent.format(r='t')}, {s.title.format(r='t')}, {body},"
        f" {name} AS context_name, {at} AS context_at"
        f" FROM {s.table} AS t{joins} WHERE t.id IN {ids}"
    )


SQLITE_SEARCH_DDL = _sqlite_ddl()
POSTGRESQL_SEARCH_DDL = _postgresql_ddl()
# Rebuilding is the same statements: drop the index, recreate it, fill it from the sources.
DDL_BY_DIALECT = {"sqlite": SQLITE_SEARCH_DDL, "postgresql": POSTGRESQL_SEARCH_DDL}

# After every table exists (the triggers name them all), and gone before they are dropped.
for _statement in SQLITE_SEARCH_DDL:
    # DDL() formats its text with %: the bodies' printf('%s ...') is written %%s to it.
    event.listen(
        SQLModel.metadata,
        "after_create",
        DDL(_statement.replace("%", "%%")).execute_if(dialect="sqlite"),
    )
for _statement in POSTGRESQL_SEARCH_DDL:
    event.listen(
        SQLModel.metadata, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
for _table in ("search_index_vocab", "search_index_prefix", "search_index_bulk"):
    event.listen(
        SQLModel.metadata,
        "before_drop",
        DDL(f"DROP TABLE IF EXISTS {_table}").execute_if(dialect="sqlite"),
    )
event.listen(SQLModel.metadata, "before_drop", DDL("DROP TABLE IF EXISTS search_index"))
