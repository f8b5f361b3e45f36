"""Bulk demo data for benchmarks and demos: rows are generated in Python and written with
SQLAlchemy Core executemany in batches, with ids assigned up front so children can point at
parents without a round trip. Denormalised columns are filled with the services' own rules."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

from sqlalchemy import Connection, Engine, Table, column, func, inspect, select, table, text
from sqlmodel import SQLModel

from app.seed import text as seedtext
from app.seed import vocab

DEMO_PASSWORD = "rapport-demo-password"
# Stage weights: a heavy user has many prospects and a core of people they met.
STAGES = ("prospect", "contacted", "met", "in_network")
STAGE_WEIGHTS = (35, 25, 20, 20)
INTERACTIONS_BY_STAGE = {
    "prospect": (0, 0),
    "contacted": (1, 2),
    "met": (1, 4),
    "in_network": (2, 5),
}
CADENCES = (None, None, 30, 60, 90, 180, 365)
INTERACTION_KINDS = ("email", "call", "meeting", "letter", "message")
INTERACTION_WEIGHTS = (45, 15, 20, 5, 15)
OTHER_STATUSES = ("scheduled", "requested", "planned", "cancelled", "no_show")
OTHER_WEIGHTS = (35, 20, 20, 15, 10)
COMPLETED_SHARE = 0.75
UNANSWERED_AGENDA = 5
MODES = ("in_person", "phone", "video")
CHECKLIST_STEPS = (
    ("research_career", "Research the career"),
    ("research_person", "Research the person and their organization"),
    ("prepare_questions", "Prepare questions"),
    ("confirm", "Confirm time, place and length"),
    ("thank_you", "Send a thank-you note"),
)


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


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


class _Writer:
    """Buffers rows per table and writes them with executemany, parents before children."""

    ORDER = (
        "careers",
        "organizations",
        "tags",
        "contacts",
        "contact_careers",
        "contact_tags",
        "interactions",
        "question_banks",
        "questions",
        "interviews",
        "interview_questions",
    )

    def __init__(self, conn: Connection, batch_size: int) -> None:
        self.conn = conn
        self.batch_size = batch_size
        self.buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in self.ORDER}
        self.counts: Counter[str] = Counter()
        # Columns the database really has: while a model is ahead of the migration, a new
        # column is left to its default instead of failing the whole seed.
        inspector = inspect(conn)
        self.columns = {
            name: {column["name"] for column in inspector.get_columns(name)} for name in self.ORDER
        }

    def add(self, table: str, row: dict[str, Any]) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            self.flush()

    def _target(self, name: str) -> Any:
        model_table = _table(name)
        known = self.columns[name]
        if known.issuperset(model_table.c.keys()):
            return model_table  # the real table, so any column default we do not set applies
        # The database is behind the model: write only the columns it has (with their types).
        return table(name, *(column(c.name, c.type) for c in model_table.c if c.name in known))

    def flush(self) -> None:
        for name in self.ORDER:
            rows = self.buffers[name]
            if rows:
                self.conn.execute(self._target(name).insert(), rows)
                self.counts[name] += len(rows)
                self.buffers[name] = []


class _Ids:
    """Hands out primary keys above the current maximum of each table."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.next: dict[str, int] = {}

    def take(self, table: str, count: int = 1) -> int:
        if table not in self.next:
            current = self.conn.scalar(select(func.max(_table(table).c.id)))
            self.next[table] = (current or 0) + 1
        start = self.next[table]
        self.next[table] += count
        return start


# ---- the services' rules for denormalised columns ------------------------------------------


def _search_text_rule() -> Callable[..., str]:
    """The contacts service's own search_text builder when it has one, else the same rule."""
    try:
        from app.contacts import service

        rule = getattr(service, "build_search_text", None)
        if callable(rule):
            return rule
    except ImportError:  # pragma: no cover - the contacts domain is always present
        pass

    def fallback(
        full_name: str, title: str, organization: str | None, email: str | None, tags: list[str]
    ) -> str:
        parts = [full_name, title, organization or "", email or "", *tags]
        return " ".join(p for p in parts if p).casefold()

    return fallback


def _next_touch_rule() -> Callable[[datetime | None, datetime, int | None], datetime | None]:
    from app.contacts.interactions_service import next_touch_due

    return next_touch_due


# ---- the generator -------------------------------------------------------------------------


def seed_demo(engine: Engine, plan: SeedPlan) -> SeedResult:
    """Create ``plan.users`` accounts and fill each with realistic, varied data."""
    from app.contacts import service as contacts_service
    from app.registry import import_all_models

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
            writer = _Writer(conn, plan.batch_size)
            with contacts_service.bulk_contact_load(conn, user.user_id):
                _UserSeeder(conn, writer, rng, plan, anchor, user).run()
                writer.flush()
            _drop_unused_tags(conn, user.user_id)
            rows.update(writer.counts)
        users.append(user)
    with engine.begin() as conn:
        _after_bulk_load(conn)
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
        from app.questions.starter import ensure_starter_banks
    except ImportError:
        return
    ensure_starter_banks(engine)


def _create_account(engine: Engine, plan: SeedPlan, index: int) -> SeededUser:
    from app.auth import service as auth_service
    from app.auth.schemas import TokenCreate, UserCreate
    from app.db import open_session

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
        secret, _ = auth_service.create_token(
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
    if conn.dialect.name != "postgresql":
        return
    # Explicit ids leave the sequences behind; move each past its table's maximum.
    for name in (*_Writer.ORDER, "users", "api_tokens"):
        if "id" not in _table(name).c:
            continue
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {name}), 1))"
        )
    conn.exec_driver_sql("ANALYZE")


class _UserSeeder:
    """Generates one user's rows; every choice comes from ``rng`` so a seed repeats exactly."""

    def __init__(
        self,
        conn: Connection,
        writer: _Writer,
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
        self.ids = _Ids(conn)
        self.search_text = _search_text_rule()
        self.next_touch = _next_touch_rule()

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

    # ---- careers, organizations, tags ------------------------------------------------------

    def _careers(self) -> list[int]:
        chosen = self.rng.sample(vocab.CAREERS, k=min(12, len(vocab.CAREERS)))
        start = self.ids.take("careers", len(chosen))
        for offset, (title, industry) in enumerate(chosen):
            created = self._past(900, 400)
            slug = title.lower().replace(" ", "-")
            self.writer.add(
                "careers",
                {
                    "id": start + offset,
                    "owner_id": self.owner_id,
                    "title": title,
                    "industry": industry,
                    "status": self.rng.choice(vocab.CAREER_STATUSES),
                    "interest": self.rng.randint(1, 5),
                    "research_notes": seedtext.paragraph(self.rng, self.pool, 2, 5),
                    "resources": [
                        {
                            "url": f"https://example.org/careers/{slug}",
                            "title": f"{title}: an overview",
                            "kind": "article",
                            "note": "",
                        }
                    ],
                    **self._tracked(created),
                },
            )
        return list(range(start, start + len(chosen)))

    def _organization_names(self) -> list[tuple[str, str, str]]:
        """(name, city, web domain) for this user's organizations."""
        count = max(3, min(5_000, self.plan.contacts // 25))
        combos = [(p, s) for p in vocab.ORG_PREFIXES for s in vocab.ORG_SUFFIXES]
        self.rng.shuffle(combos)
        names = []
        for offset in range(count):
            prefix, suffix = combos[offset % len(combos)]
            city = self.rng.choice(vocab.CITIES)
            name = f"{prefix} {suffix}"
            if offset >= len(combos):
                name = f"{name} {city}"
            names.append((name, city, name.lower().replace(" ", "") + ".example"))
        return names

    def _organizations(self, names: list[tuple[str, str, str]]) -> list[tuple[int, str, str]]:
        start = self.ids.take("organizations", len(names))
        orgs = []
        for offset, (name, city, domain) in enumerate(names):
            org_id = start + offset
            self.writer.add(
                "organizations",
                {
                    "id": org_id,
                    "owner_id": self.owner_id,
                    "name": name,
                    "website": f"https://{domain}",
                    "industry": self.rng.choice(vocab.CAREERS)[1],
                    "location": city,
                    "research_notes": (
                        seedtext.paragraph(self.rng, self.pool, 1, 3)
                        if self.rng.random() < 0.3
                        else ""
                    ),
                    **self._tracked(self._past(900, 300)),
                },
            )
            orgs.append((org_id, name, domain))
        return orgs

    def _tags(self) -> list[tuple[int, str]]:
        start = self.ids.take("tags", len(vocab.TAGS))
        tags = []
        for offset, name in enumerate(vocab.TAGS):
            self.writer.add("tags", {"id": start + offset, "owner_id": self.owner_id, "name": name})
            tags.append((start + offset, name))
        return tags

    # ---- contacts, their links and interactions -----------------------------------------

    def _contacts(self) -> None:
        rng = self.rng
        total = self.plan.contacts
        first_id = self.ids.take("contacts", total)
        interaction_id = self.ids.take("interactions", 0)
        self.met_contacts: list[int] = []
        fragments: set[str] = set()
        for index in range(total):
            contact_id = first_id + index
            first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
            full_name = f"{first} {last}"
            if len(fragments) < 200 and rng.random() < 0.01:
                fragments.add(rng.choice((last[:4], first[:3] + " " + last[:2], last)).lower())
            title = (rng.choice(vocab.SENIORITY) + rng.choice(vocab.ROLES)).strip()
            org = rng.choice(self.orgs) if rng.random() < 0.9 else None
            email = None
            if rng.random() < 0.7:
                domain = org[2] if org else "mail.example"
                email = f"{first}.{last}{index % 97}@{domain}".lower()
            slug = f"{first}-{last}-{index:x}".lower()
            linkedin = rng.random() < 0.5
            stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
            cadence = rng.choice(CADENCES)
            created = self._past(1_000, 1)
            introduced_by = None
            if index > 0 and rng.random() < 0.25:
                introduced_by = first_id + rng.randrange(max(0, index - 5_000), index)
            # Interactions between creation and now, oldest first.
            low, high = INTERACTIONS_BY_STAGE[stage]
            span = (self.anchor - created).total_seconds()
            moments = sorted(
                created + timedelta(seconds=rng.uniform(0, span))
                for _ in range(rng.randint(low, high))
            )
            last_contacted = moments[-1] if moments else None
            tag_rows = rng.sample(self.tags, k=rng.choices((0, 1, 2, 3), (25, 40, 25, 10))[0])
            tag_names = sorted(name for _, name in tag_rows)
            self.writer.add(
                "contacts",
                {
                    "id": contact_id,
                    "owner_id": self.owner_id,
                    "full_name": full_name,
                    "title": title,
                    "organization_id": org[0] if org else None,
                    "email": email,
                    "phone": f"+44207946{rng.randint(0, 9999):04d}" if rng.random() < 0.3 else None,
                    "linkedin_url": f"https://www.linkedin.com/in/{slug}" if linkedin else None,
                    "linkedin_key": slug if linkedin else None,
                    "location": rng.choice(vocab.CITIES),
                    "how_we_met": seedtext.how_we_met(rng),
                    "introduced_by_id": introduced_by,
                    "stage": stage,
                    "stay_in_touch_days": cadence,
                    "notes": seedtext.paragraph(rng, self.pool, 1, 3) if rng.random() < 0.3 else "",
                    "last_contacted_at": last_contacted,
                    "next_touch_due": self.next_touch(last_contacted, created, cadence),
                    "search_text": self.search_text(
                        full_name, title, org[1] if org else None, email, tag_names
                    ),
                    **self._tracked(created, last_contacted or created),
                },
            )
            for moment in moments:
                self.writer.add(
                    "interactions",
                    {
                        "id": interaction_id,
                        "owner_id": self.owner_id,
                        "contact_id": contact_id,
                        "kind": rng.choices(INTERACTION_KINDS, INTERACTION_WEIGHTS)[0],
                        "occurred_at": moment,
                        "summary": seedtext.paragraph(rng, self.pool, 1, 2),
                        **self._tracked(moment),
                    },
                )
                interaction_id += 1
            for career_id in rng.sample(self.careers, k=rng.choices((0, 1, 2), (5, 70, 25))[0]):
                self.writer.add(
                    "contact_careers", {"contact_id": contact_id, "career_id": career_id}
                )
            for tag_id, _ in tag_rows:
                self.writer.add("contact_tags", {"contact_id": contact_id, "tag_id": tag_id})
            if stage in ("met", "in_network"):
                self.met_contacts.append(contact_id)
        self.ids.next["interactions"] = interaction_id
        self.user.contact_ids = list(range(first_id, first_id + total))
        self.user.name_fragments = sorted(fragments) or ["a"]
        if not self.met_contacts and total:
            self.met_contacts = [first_id]

    # ---- question banks --------------------------------------------------------------------

    def _question_banks(self) -> list[tuple[int, str, str]]:
        """Copies of the starter banks (or a small own bank); returns (id, text, category)."""
        banks = self._starter_banks()
        banks.append(
            (
                None,
                "My go-to questions",
                "The questions I ask in almost every conversation.",
                [
                    {"category": c, "text": t, "why_ask": "", "tags": []}
                    for c, t in vocab.OWN_BANK_QUESTIONS
                ],
            )
        )
        questions: list[tuple[int, str, str]] = []
        for source_id, name, description, items in banks:
            bank_id = self.ids.take("question_banks")
            created = self._past(800, 500)
            self.writer.add(
                "question_banks",
                {
                    "id": bank_id,
                    "owner_id": self.owner_id,
                    "name": name,
                    "description": description,
                    "shared": False,
                    "builtin": False,
                    "builtin_key": None,
                    "builtin_version": None,
                    "copied_from_id": source_id,
                    **self._tracked(created),
                },
            )
            for position, item in enumerate(items):
                question_id = self.ids.take("questions")
                self.writer.add(
                    "questions",
                    {
                        "id": question_id,
                        "bank_id": bank_id,
                        "owner_id": self.owner_id,
                        "text": item["text"],
                        "category": item["category"],
                        "tags": list(item.get("tags") or []),
                        "why_ask": item.get("why_ask") or "",
                        "position": position,
                        "builtin_key": None,
                        **self._tracked(created),
                    },
                )
                questions.append((question_id, item["text"], item["category"]))
        return questions

    def _starter_banks(self) -> list[tuple[int | None, str, str, list[dict[str, Any]]]]:
        """Built-in banks already in the database, else the shipped starter file, else none."""
        banks_table, questions_table = _table("question_banks"), _table("questions")
        found: list[tuple[int | None, str, str, list[dict[str, Any]]]] = []
        builtin = self.conn.execute(
            select(banks_table.c.id, banks_table.c.name, banks_table.c.description)
            .where(banks_table.c.builtin.is_(True))
            .order_by(banks_table.c.id)
        ).all()
        for bank_id, name, description in builtin:
            items = [
                dict(row._mapping)
                for row in self.conn.execute(
                    select(
                        questions_table.c.text,
                        questions_table.c.category,
                        questions_table.c.why_ask,
                        questions_table.c.tags,
                    )
                    .where(questions_table.c.bank_id == bank_id)
                    .order_by(questions_table.c.position, questions_table.c.id)
                )
            ]
            found.append((bank_id, name, description, items))
        if found:
            return found
        try:
            shipped = json.loads(
                files("app.questions").joinpath("starter_banks.json").read_text(encoding="utf-8")
            )
        except (FileNotFoundError, ModuleNotFoundError, ValueError):
            return []
        return [
            (None, bank["name"], bank.get("description", ""), bank["questions"])
            for bank in shipped.get("banks", [])
        ]

    # ---- interviews and their agendas ------------------------------------------------------

    def _interviews(self) -> None:
        rng = self.rng
        count = self.plan.interviews
        if count == 0:
            return
        completed = max(1, round(count * COMPLETED_SHARE)) if self.plan.answers else 0
        statuses = ["completed"] * completed + rng.choices(
            OTHER_STATUSES, OTHER_WEIGHTS, k=count - completed
        )
        rng.shuffle(statuses)
        per_interview, extra = divmod(self.plan.answers, completed) if completed else (0, 0)
        first_id = self.ids.take("interviews", count)
        agenda_id = self.ids.take("interview_questions", 0)
        completed_seen = 0
        preparation, checklist_template = _checklist_rules()
        for index, status in enumerate(statuses):
            interview_id = first_id + index
            checklist = checklist_template()
            done_steps = rng.randint(0, len(checklist))
            for position, item in enumerate(checklist):
                item["done"] = position < done_steps
            scheduled, requested, completed_at = self._interview_dates(status)
            created = (requested or scheduled or self._past(60)) - timedelta(
                days=rng.uniform(1, 20)
            )
            row: dict[str, Any] = {
                "id": interview_id,
                "owner_id": self.owner_id,
                "contact_id": rng.choice(self.met_contacts),
                "career_id": rng.choice(self.careers) if rng.random() < 0.85 else None,
                "status": status,
                "requested_at": requested,
                "scheduled_at": scheduled,
                "completed_at": completed_at,
                "duration_minutes": rng.choice((20, 30, 30, 30, 45, 60)),
                "mode": rng.choice(MODES),
                "location": rng.choice(("", "Video call", "Their office", "Cafe near the station")),
                "purpose": "Learn about the career from someone who does the work; "
                "not to ask for a job.",
                "checklist": checklist,
                "research_links": [],
                "promises": [],
                "summary": "",
                "takeaways": "",
                "usefulness": None,
                "confidence": None,
                **self._tracked(created, completed_at or created),
            }
            if "preparation_score" in _table("interviews").c:
                row["preparation_score"] = preparation(checklist)
            if status == "completed":
                row["summary"] = seedtext.paragraph(rng, self.pool, 2, 4)
                row["takeaways"] = seedtext.paragraph(rng, self.pool, 1, 3)
                row["usefulness"] = rng.randint(1, 5)
                row["confidence"] = rng.randint(1, 5)
                row["promises"] = [
                    {"text": "Send the article we discussed", "by": "me", "done": False}
                ]
                answered = per_interview + (1 if completed_seen < extra else 0)
                completed_seen += 1
                if len(self.user.interview_ids) < 500:
                    self.user.interview_ids.append(interview_id)
            else:
                answered = 0
            self.writer.add("interviews", row)
            items = answered if status == "completed" else UNANSWERED_AGENDA
            agenda_id = self._agenda(interview_id, items, answered, agenda_id, row["updated_at"])
        self.ids.next["interview_questions"] = agenda_id

    def _interview_dates(
        self, status: str
    ) -> tuple[datetime | None, datetime | None, datetime | None]:
        """(scheduled_at, requested_at, completed_at) fitting the status."""
        rng = self.rng
        if status in ("completed", "cancelled", "no_show"):
            scheduled = self._past(700, 1)
            return (
                scheduled,
                scheduled - timedelta(days=rng.uniform(3, 30)),
                (scheduled + timedelta(minutes=30) if status == "completed" else None),
            )
        if status == "scheduled":
            scheduled = self.anchor + timedelta(days=rng.uniform(1, 30))
            return scheduled, self._past(20, 1), None
        if status == "requested":
            return None, self._past(20, 1), None
        return None, None, None

    def _agenda(
        self, interview_id: int, items: int, answered: int, next_id: int, when: datetime
    ) -> int:
        if not self.questions or items == 0:
            return next_id
        start = self.rng.randrange(len(self.questions))
        for position in range(items):
            question_id, question_text, category = self.questions[
                (start + position) % len(self.questions)
            ]
            is_answered = position < answered
            self.writer.add(
                "interview_questions",
                {
                    "id": next_id,
                    "owner_id": self.owner_id,
                    "interview_id": interview_id,
                    "position": position,
                    "text": question_text,
                    "category": category,
                    "source_question_id": question_id,
                    "asked": is_answered,
                    "skipped": False,
                    "answer_notes": seedtext.paragraph(self.rng, self.pool, 2, 6)
                    if is_answered
                    else "",
                    **self._tracked(when),
                },
            )
            next_id += 1
        return next_id


def _checklist_rules() -> tuple[
    Callable[[list[dict[str, Any]]], int], Callable[[], list[dict[str, Any]]]
]:
    """The interviews service's preparation score and default checklist, else our own."""
    try:
        from app.interviews import service

        return service.preparation_score, service.default_checklist
    except (ImportError, AttributeError):
        pass

    def score(checklist: list[dict[str, Any]]) -> int:
        if not checklist:
            return 0
        return round(100 * sum(1 for item in checklist if item.get("done")) / len(checklist))

    def template() -> list[dict[str, Any]]:
        return [{"key": key, "label": label, "done": False} for key, label in CHECKLIST_STEPS]

    return score, template
