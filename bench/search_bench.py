"""Search benchmarks of issue 15: in-process latency, index size and write overhead.

    python -m bench.search_bench --smoke                 # tiny, seconds (a check, not a result)
    python -m bench.search_bench                         # 100k contacts, 20k interviews, 200k answers
    python -m bench.search_bench --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_search

The database is migrated to head and seeded; an existing one is refused (the seeder refuses
existing users). Over HTTP the search is scenario 2b (`search`, 8 connections) of `bench.run`.
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
from app.db import make_engine, open_session
from app.migrations import upgrade
from app.search.service import bulk_indexing, search
from app.seed import SeededUser, SeedPlan, seed_demo, vocab

QUERIES = 200
WRITES = 2_000
SAVES = 200


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
) -> float:
    """Seconds to insert WRITES contacts in one transaction (rolled back afterwards).

    An executemany (the seeder's way) runs one statement per row, and SQLite opens a
    statement savepoint for each, at which FTS5 writes out what it holds: through the
    triggers every row costs a segment. ``batched`` sends multi-row VALUES statements
    instead (the contact import's way, which RETURNING makes SQLAlchemy use). ``bulk``
    writes as the seeder and the import do, in ``bulk_indexing``: the rows are indexed in
    one statement at the end, inside the timing.
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
            if not with_index:
                # DDL is transactional on both databases: the rollback puts the triggers back.
                _drop_contact_triggers(conn, _contact_triggers(conn))
            table = Contact.__table__
            started = time.perf_counter()
            with bulk_indexing(conn, ("contact",)) if with_index and bulk else nullcontext():
                if batched:
                    conn.execute(insert(table).returning(table.c.id), rows).all()  # type: ignore[attr-defined]
                else:
                    conn.execute(insert(table), rows)  # type: ignore[arg-type]
            return time.perf_counter() - started
        finally:
            transaction.rollback()


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


def main(argv: list[str] | None = None) -> int:
    """Seed, measure, print one line per measurement with its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--smoke", action="store_true", help="a tiny dataset, for a check")
    args = parser.parse_args(argv)
    plan = (
        SeedPlan(contacts=300, interviews=30, answers=300, username_prefix="searchbench")
        if args.smoke
        else SeedPlan(
            contacts=100_000, interviews=20_000, answers=200_000, username_prefix="searchbench"
        )
    )
    with tempfile.TemporaryDirectory() as work:
        url = args.url or f"sqlite:///{Path(work) / 'search-bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            started = time.perf_counter()
            seeded = seed_demo(engine, plan).users[0]
            print(f"seeded in {time.perf_counter() - started:.1f} s ({engine.dialect.name})")
            p50, p95 = time_queries(engine, seeded)
            print(f"in-process search: p50 {p50:.2f} ms, p95 {p95:.2f} ms (target p95 < 10 ms)")
            share = index_share(engine)
            print(f"index size: {share:.0%} of the rest of the database (target <= 50 %)")
            for batched, bulk, path in (
                (False, True, "an executemany in bulk_indexing: the seeder's path"),
                (True, True, "multi-row VALUES in bulk_indexing: the contact import's path"),
                (False, False, "an executemany through the triggers, a segment per row"),
            ):
                # Alternated, the best of three each: the machine's load drifts.
                with_index, without = [], []
                for _ in range(3):
                    with_index.append(time_writes(engine, seeded.user_id, True, batched, bulk))
                    without.append(time_writes(engine, seeded.user_id, False, batched))
                best, bare = min(with_index), min(without)
                target = "target <= +20 %; " if bulk else "for comparison; "
                print(
                    f"writes: {WRITES} contacts {best * 1000:.0f} ms with the index,"
                    f" {bare * 1000:.0f} ms without: +{best / bare - 1:.0%}"
                    f" ({target}one transaction, {path})"
                )
            with_index = statistics.median(
                time_saves(engine, seeded.user_id, True) for _ in range(3)
            )
            without = statistics.median(time_saves(engine, seeded.user_id, False) for _ in range(3))
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
