"""Bulk demo data for benchmarks and demos: rows are generated in Python and written with
SQLAlchemy Core executemany in batches, with ids assigned up front so children can point at
parents without a round trip. Denormalised columns are filled with the services' own rules."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from app.seed import text as seedtext
from app.seed.interviews import InterviewSeeder
from app.seed.network import NetworkSeeder, next_touch_rule, search_text_rule
from app.seed.rows import BulkWriter, IdAllocator, model_table

DEMO_PASSWORD = "rapport-demo-password"


@dataclass(frozen=True)
class SeedPlan:
    """How much to generate, per user, and from which random seed."""

    users: int = 1
    contacts: int = 1_000
    interviews: int = 100
    answers: int = 1_000
    seed: int = 1
    username_prefix: str = "demo"
    password: str = DEMO_PASSWORD
    # "Now" for generated dates; the default is today at midnight UTC.
    anchor: datetime | None = None
    batch_size: int = 5_000


@dataclass
class SeededUser:
    """One generated account, with what a benchmark needs to drive it."""

    user_id: int
    username: str
    password: str
    token: str
    contact_ids: list[int] = field(default_factory=list)
    interview_ids: list[int] = field(default_factory=list)
    name_fragments: list[str] = field(default_factory=list)


@dataclass
class SeedResult:
    """What was written and how long it took."""

    users: list[SeededUser]
    rows: Counter[str]
    seconds: float


# ---- the generator -------------------------------------------------------------------------


def seed_demo(engine: Engine, plan: SeedPlan) -> SeedResult:
    """Create ``plan.users`` accounts and fill each with realistic, varied data."""
    from app.contacts import service as contacts_service
    from app.registry import import_all_models
    from app.search import service as search_service

    import_all_models()
    started = time.perf_counter()
    _refuse_existing_users(engine, plan)
    _ensure_starter_banks(engine)
    anchor = plan.anchor or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows: Counter[str] = Counter()
    users = []
    for index in range(plan.users):
        rng = random.Random(f"{plan.seed}:{index}")
        user = _create_account(engine, plan, index)
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
            writer = BulkWriter(conn, plan.batch_size)
            with (
                contacts_service.bulk_contact_load(conn, user.user_id),
                search_service.bulk_indexing(conn),
            ):
                _UserSeeder(conn, writer, rng, plan, anchor, user).run()
                writer.flush()
            _drop_unused_tags(conn, user.user_id)
            rows.update(writer.counts)
        users.append(user)
    with engine.begin() as conn:
        _after_bulk_load(conn)
    if engine.dialect.name == "postgresql":
        # A database in use is vacuumed by autovacuum in the background; freshly loaded, its
        # visibility map is empty, so every index-only read (tags, careers of a contact page)
        # went back to the table rows until autovacuum came by. Vacuumed now, a fresh demo
        # database reads as one in use does. VACUUM runs outside a transaction.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    return SeedResult(users=users, rows=rows, seconds=time.perf_counter() - started)


def _refuse_existing_users(engine: Engine, plan: SeedPlan) -> None:
    # Checked up front so a clash on the third user does not leave two seeded ones behind.

    from app.auth.models import User
    from app.errors import Conflict

    names = [f"{plan.username_prefix}{i + 1}".casefold() for i in range(plan.users)]
    with engine.connect() as conn:
        taken = conn.scalars(
            select(User.username).where(User.username_key.in_(names))  # type: ignore[attr-defined]
        ).all()
    if taken:
        raise Conflict(detail=f"The username {taken[0]} is taken.", title="Username taken")


def _ensure_starter_banks(engine: Engine) -> None:
    # The app loads the shipped banks at start-up; doing it first lets the copies link to them.
    try:
        from app.questions.starter.service import ensure_starter_banks
    except ImportError:
        return
    ensure_starter_banks(engine)


def _create_account(engine: Engine, plan: SeedPlan, index: int) -> SeededUser:
    from app.auth import service as auth_service
    from app.auth.schemas import UserCreate
    from app.db import open_session
    from app.tokens import service as tokens_service
    from app.tokens.schemas import TokenCreate

    username = f"{plan.username_prefix}{index + 1}"
    with open_session(engine, write=True) as session:
        user = auth_service.create_user(
            session,
            UserCreate(
                username=username,
                password=plan.password,
                display_name=f"Demo user {index + 1}",
                email=f"{username}@example.com",
            ),
        )
        secret, _ = tokens_service.create_token(
            session, user, TokenCreate(name="seed-demo", scopes=["read", "write"])
        )
        assert user.id is not None
        return SeededUser(user_id=user.id, username=username, password=plan.password, token=secret)


def _drop_unused_tags(conn: Connection, owner_id: int) -> None:
    # The tags service forgets a tag once no contact carries it; small seeds match that.
    conn.execute(
        text(
            "DELETE FROM tags WHERE owner_id = :owner AND NOT EXISTS "
            "(SELECT 1 FROM contact_tags WHERE contact_tags.tag_id = tags.id)"
        ),
        {"owner": owner_id},
    )


def _after_bulk_load(conn: Connection) -> None:
    from app.search.service import compact_index

    compact_index(conn)
    if conn.dialect.name != "postgresql":
        return
    # Explicit ids leave the sequences behind; move each past its table's maximum.
    for name in (*BulkWriter.ORDER, "users", "api_tokens"):
        if "id" not in model_table(name).c:
            continue
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {name}), 1))"
        )
    # Statistics come with the VACUUM (ANALYZE) seed_demo runs once this commits.


class _UserSeeder(NetworkSeeder, InterviewSeeder):
    """Generates one user's rows; every choice comes from ``rng`` so a seed repeats exactly."""

    def __init__(
        self,
        conn: Connection,
        writer: BulkWriter,
        rng: random.Random,
        plan: SeedPlan,
        anchor: datetime,
        user: SeededUser,
    ) -> None:
        self.conn = conn
        self.writer = writer
        self.rng = rng
        self.plan = plan
        self.anchor = anchor
        self.user = user
        self.owner_id = user.user_id
        self.ids = IdAllocator(conn)
        self.search_text = search_text_rule()
        self.next_touch = next_touch_rule()

    def _tracked(self, created: datetime, updated: datetime | None = None) -> dict[str, Any]:
        return {"created_at": created, "updated_at": updated or created, "version": 1}

    def _past(self, max_days: float, min_days: float = 0.0) -> datetime:
        return self.anchor - timedelta(days=self.rng.uniform(min_days, max_days))

    def run(self) -> None:
        names = self._organization_names()
        self.pool = seedtext.sentence_pool(self.rng, [name for name, _, _ in names])
        self.careers = self._careers()
        self.orgs = self._organizations(names)
        self.tags = self._tags()
        self._contacts()
        self.questions = self._question_banks()
        self._interviews()
