"""Search benchmarks of issue 15: in-process latency, index size and write overhead.

    python -m bench.search_bench --smoke                 # tiny, seconds (a check, not a result)
    python -m bench.search_bench                         # 100k contacts, 20k interviews, 200k answers
    python -m bench.search_bench --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_search
    python -m bench.search_bench --url ... --seeded      # measure a database seeded by a run

The database is migrated to head and seeded; an existing one is refused (the seeder refuses
existing users). ``--seeded`` measures a database a full run left seeded instead (user
searchbench1; the queries' name fragments are then read back, so they differ from a fresh
run's). Over HTTP the search is scenario 2b (`search`, 8 connections) of `bench.run`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, text

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.contacts.service import create_contact
from app.db import insert_rows, make_engine, open_session
from app.migrations import upgrade
from app.search.service import bulk_indexing, search
from app.seed import SeededUser, SeedPlan, seed_demo, vocab

QUERIES = 200
WRITES = 2_000
SAVES = 200
# With and without the index alternate this many times, and the medians are compared: the
# machine's load drifts, and the best of three compared two different moments.
ROUNDS = 5


def varied_queries(seeded: SeededUser, count: int = QUERIES, seed: int = 11) -> list[str]:
    """One word, two words, a phrase, a 2-3 letter prefix, a word that matches nothing."""
    rng = random.Random(seed)
    words = [*seeded.name_fragments, *vocab.TOPICS, *(s.lower() for s in vocab.SKILLS)]
    words = [w for w in words if len(w) >= 3] or ["archive"]
    shapes = [
        lambda: rng.choice(words),
        lambda: f"{rng.choice(words)} {rng.choice(words)}",
        lambda: f'"{rng.choice(words)} {rng.choice(words)}"',
        lambda: rng.choice(words)[: rng.choice((2, 3))],
        lambda: f"zq{rng.randrange(10**6)}x",
    ]
    return [shapes[i % len(shapes)]() for i in range(count)]


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def time_queries(engine: Engine, seeded: SeededUser) -> tuple[float, float]:
    """p50 and p95 in ms of the search service, one session per query as a request has."""
    with open_session(engine) as session:
        user = session.get(User, seeded.user_id)
        assert user is not None
        session.expunge(user)
    durations = []
    for q in varied_queries(seeded):
        with open_session(engine) as session:
            started = time.perf_counter()
            search(session, user, q, limit=20)
            durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations), percentile(durations, 0.95)


# The index's parts on PostgreSQL: the documents' table (with its TOAST), the GIN indexes
# and the primary key, in bytes.
_POSTGRESQL_PARTS = text(
    "SELECT pg_table_size('search_index'),"
    " (SELECT coalesce(sum(pg_relation_size(i.indexrelid)), 0) FROM pg_index AS i"
    "  JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS a ON a.oid = c.relam"
    "  WHERE i.indrelid = 'search_index'::regclass AND a.amname = 'gin'),"
    " pg_relation_size('search_index_pkey')"
)


def index_parts(engine: Engine) -> dict[str, int] | None:
    """The PostgreSQL index's size by part in bytes (None on SQLite, whose FTS5 tables are
    one structure): the documents outweigh the GIN indexes, and only they can meet the cap."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        row = conn.execute(_POSTGRESQL_PARTS).one()
    return {"documents": int(row[0]), "GIN indexes": int(row[1]), "primary key": int(row[2])}


def _merge_pending(conn: Connection) -> None:
    """Merge the GIN indexes' pending lists into their trees (PostgreSQL; fastupdate).

    Entries of rows a round inserted and rolled back stay in the pending list until merged,
    and whichever later round takes the list past gin_pending_list_limit merges every
    round's at once (at the default 4 MB, one round in four paid ~150 ms for the others).
    Merged before each round, each round starts from the same state; merged after it, each
    pays for its own.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index AS i"
                " JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS a ON a.oid = c.relam"
                " WHERE i.indrelid = 'search_index'::regclass AND a.amname = 'gin'"
            )
        ).all()


def index_share(engine: Engine) -> float:
    """The index's size as a share of everything else in the database (target <= 0.5)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            index = conn.scalar(text("SELECT pg_total_relation_size('search_index')"))
            whole = conn.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            # Pages per table and index (dbstat), the FTS5 shadow tables included.
            sizes = conn.execute(text("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")).all()
            index = sum(size for name, size in sizes if name.startswith("search_index"))
            whole = sum(size for _, size in sizes)
    return float(index) / max(1.0, float(whole) - float(index))


def time_writes(
    engine: Engine, owner_id: int, with_index: bool, batched: bool = False, bulk: bool = True
) -> tuple[float, float]:
    """Seconds to insert WRITES contacts in one transaction (rolled back afterwards), and
    seconds to merge the GIN pending list entries they left (0 without the index, on SQLite).

    The rows go in through ``app.db.insert_rows``, as the seeder's and the imports' do: on
    SQLite an executemany (the seeder's way), or with ``batched`` multi-row VALUES (the
    contact import's, which RETURNING makes SQLAlchemy use); on PostgreSQL one INSERT over
    column arrays either way. An executemany runs one statement per row, and SQLite opens a
    statement savepoint for each, at which FTS5 writes out what it holds: through the
    triggers every row costs a segment; on PostgreSQL the insert trigger fires per row.
    Without ``bulk`` the rows go in as an executemany on both databases, for comparison.
    ``bulk`` writes as the seeder and the import do, in ``bulk_indexing``: the rows are indexed in
    one statement at the end, inside the timing. On PostgreSQL the pending lists are merged
    first, untimed (``_merge_pending``), and after the rows, timed on its own: autovacuum
    or a later writer does that merge, not always this one.
    """
    rows = [
        {
            "owner_id": owner_id,
            "full_name": f"Bench Person {n}",
            "notes": "met at the archive conference; talked about provenance and registrars",
            "search_text": f"bench person {n}",
            "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
            "version": 1,
        }
        for n in range(WRITES)
    ]
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            _merge_pending(conn)
            if not with_index:
                # DDL is transactional on both databases: the rollback puts the triggers back.
                _drop_contact_triggers(conn, _contact_triggers(conn))
            _connect_fts5(conn)
            table = Contact.__table__
            started = time.perf_counter()
            with bulk_indexing(conn, ("contact",)) if with_index and bulk else nullcontext():
                if batched:
                    insert_rows(conn, table, rows, table.c.id).all()  # type: ignore[attr-defined]
                elif conn.dialect.name == "postgresql" and not bulk:
                    conn.execute(insert(table), rows)  # type: ignore[arg-type]
                else:
                    insert_rows(conn, table, rows)
            elapsed = time.perf_counter() - started
            started = time.perf_counter()
            if with_index:
                _merge_pending(conn)
            return elapsed, time.perf_counter() - started if with_index else 0.0
        finally:
            transaction.rollback()


def _connect_fts5(conn: Connection) -> None:
    """Connect SQLite's FTS5 tables before the clock starts, as a connection in use has them.

    The run without the index drops triggers and rolls back: the connection then reads the
    schema again and reconnects every virtual table the next statements name. The run with
    the index that followed it reconnected both index tables inside its clock, which no
    import on a connection in use does: 63.7 ms of CPU, 61.3 with them connected here (the
    run without: 52.2 and 51.4; medians of 15 alternating rounds, 2,000 contacts, 100k
    seeded). Both runs still prepare their statements again inside the clock.
    """
    if conn.dialect.name == "sqlite":
        # Preparing a statement that names them connects them; WHERE 0 reads nothing.
        for table in ("search_index", "search_index_prefix", "contacts_fts"):
            conn.execute(text(f"SELECT rowid FROM {table} WHERE 0")).all()


def _contact_triggers(conn: Connection) -> list[str]:
    """The CREATE statements of the search-index triggers on contacts, to put them back."""
    if conn.dialect.name == "postgresql":
        return list(
            conn.scalars(
                text(
                    "SELECT pg_get_triggerdef(oid) FROM pg_trigger"
                    " WHERE tgname LIKE 'search_index_contacts_%'"
                )
            )
        )
    return list(
        conn.scalars(
            text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'search_index_contacts_%'"
            )
        )
    )


def _drop_contact_triggers(conn: Connection, triggers: list[str]) -> None:
    """Drop the search-index triggers on contacts, given their CREATE statements."""
    for statement in triggers:
        name = statement.split(" TRIGGER ", 1)[1].split()[0]  # CREATE TRIGGER <name> ...
        on = " ON contacts" if conn.dialect.name == "postgresql" else ""
        conn.execute(text(f"DROP TRIGGER {name}{on}"))


def time_saves(engine: Engine, owner_id: int, with_index: bool) -> float:
    """Seconds for SAVES contacts created one by one through the service, as requests do."""
    with open_session(engine) as session:
        user = session.get(User, owner_id)
        assert user is not None
        session.expunge(user)
    with engine.begin() as conn:
        _merge_pending(conn)
        triggers = _contact_triggers(conn)
        if not with_index:
            # Writes that commit cannot be rolled back, so the triggers come off for the run
            # and go back on afterwards, with the rows gone (never indexed, never taken out).
            _drop_contact_triggers(conn, triggers)
    ids = []
    try:
        started = time.perf_counter()
        for n in range(SAVES):
            with open_session(engine, write=True) as session:
                data = ContactCreate(
                    full_name=f"Saved Person {n}",
                    notes="met at the archive conference; talked about provenance",
                )
                ids.append(create_contact(session, user, data).id)
        return time.perf_counter() - started
    finally:
        with engine.begin() as conn:
            conn.execute(delete(Contact.__table__).where(Contact.__table__.c.id.in_(ids)))
            if not with_index:
                for statement in triggers:
                    conn.execute(text(statement))


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    """Seed, measure, print one line per measurement with its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--smoke", action="store_true", help="a tiny dataset, for a check")
    parser.add_argument(
        "--seeded", action="store_true", help="measure the database --url names as it is"
    )
    args = parser.parse_args(argv)
    if args.seeded and not args.url:
        parser.error("--seeded needs --url")
    plan = (
        SeedPlan(contacts=300, interviews=30, answers=300, username_prefix="searchbench")
        if args.smoke
        else SeedPlan(
            contacts=100_000, interviews=20_000, answers=200_000, username_prefix="searchbench"
        )
    )
    with tempfile.TemporaryDirectory() as work:
        url = args.url or f"sqlite:///{Path(work) / 'search-bench.db'}"
        if args.seeded:
            from bench.run import reuse_seeded  # bench.run imports this module

            seeded = reuse_seeded(url, f"{plan.username_prefix}1")
        else:
            upgrade(url)
        engine = make_engine(url)
        try:
            if not args.seeded:
                started = time.perf_counter()
                seeded = seed_demo(engine, plan).users[0]
                print(f"seeded in {time.perf_counter() - started:.1f} s ({engine.dialect.name})")
            p50, p95 = time_queries(engine, seeded)
            print(f"in-process search: p50 {p50:.2f} ms, p95 {p95:.2f} ms (target p95 < 10 ms)")
            share = index_share(engine)
            parts = index_parts(engine)
            detail = (
                " (" + ", ".join(f"{name} {_megabytes(size)}" for name, size in parts.items()) + ")"
                if parts
                else ""
            )
            print(f"index size: {share:.0%} of the rest of the database (target <= 50 %){detail}")
            for batched, bulk, path in (
                (
                    False,
                    True,
                    "the seeder's path: an executemany in bulk_indexing on SQLite,"
                    " one INSERT over column arrays on PostgreSQL",
                ),
                (
                    True,
                    True,
                    "the contact import's path: multi-row VALUES in bulk_indexing on SQLite,"
                    " one INSERT over column arrays on PostgreSQL",
                ),
                (False, False, "an executemany through the triggers, a segment per row"),
            ):
                # Alternated, the medians compared: the machine's load drifts.
                with_index, merges, without = [], [], []
                for _ in range(ROUNDS):
                    spent, merge = time_writes(engine, seeded.user_id, True, batched, bulk)
                    with_index.append(spent)
                    merges.append(spent + merge)
                    without.append(time_writes(engine, seeded.user_id, False, batched)[0])
                best, bare = statistics.median(with_index), statistics.median(without)
                merged = statistics.median(merges)
                also = (
                    f", +{merged / bare - 1:.0%} with its GIN pending list merged"
                    if engine.dialect.name == "postgresql"
                    else ""
                )
                target = "target <= +20 %; " if bulk else "for comparison; "
                print(
                    f"writes: {WRITES} contacts {best * 1000:.0f} ms with the index,"
                    f" {bare * 1000:.0f} ms without: +{best / bare - 1:.0%}{also}"
                    f" ({target}one transaction, {path})"
                )
            saves: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(ROUNDS):
                for maintained in (True, False):
                    saves[maintained].append(time_saves(engine, seeded.user_id, maintained))
            with_index = statistics.median(saves[True])
            without = statistics.median(saves[False])
            print(
                f"saves: {SAVES} contacts one by one {with_index * 1000:.0f} ms with the index,"
                f" {without * 1000:.0f} ms without: +{with_index / without - 1:.0%}"
                " (target <= +20 %; the service's path, a commit each, as a request)"
            )
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
