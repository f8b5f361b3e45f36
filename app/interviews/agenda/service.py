"""The agenda: snapshots of bank questions and free questions, their order, and the answers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Integer, Select, Table, bindparam, func, literal_column, or_, select
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.db import begin_read, read_connection
from app.dbjson import json_objects, postgresql_json_array, postgresql_json_object
from app.errors import Invalid, NotFound
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.agenda.schemas import (
    MAX_AGENDA,
    AgendaFromBank,
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaMove,
)
from app.interviews.models import Interview
from app.interviews.service import get_interview
from app.paging import order_by_clauses
from app.questions import service as questions_service
from app.questions.models import Question, QuestionBank
from app.textmatch import like_pattern


def list_agenda(session: Session, user: User, interview_id: int) -> list[InterviewQuestion]:
    """The interview's agenda in order."""
    interview = get_interview(session, user, interview_id)
    return _items(session, interview)


def _items(session: Session, interview: Interview) -> list[InterviewQuestion]:
    statement = (
        select(InterviewQuestion)
        .where(InterviewQuestion.interview_id == interview.id)
        .order_by(InterviewQuestion.position, InterviewQuestion.id)
    )
    return list(session.scalars(statement))


def get_agenda_item(
    session: Session, user: User, interview_id: int, item_id: int
) -> InterviewQuestion:
    """One agenda item of one of the user's interviews."""
    get_interview(session, user, interview_id)
    item = session.get(InterviewQuestion, item_id)
    if item is None or item.interview_id != interview_id or item.owner_id != user.id:
        raise NotFound(detail=f"No agenda item with id {item_id} on interview {interview_id}.")
    return item


def _next_position(session: Session, interview: Interview) -> int:
    highest = session.scalar(
        select(func.max(InterviewQuestion.position)).where(
            InterviewQuestion.interview_id == interview.id
        )
    )
    return 0 if highest is None else highest + 1


def _count(session: Session, interview: Interview) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(InterviewQuestion)
            .where(InterviewQuestion.interview_id == interview.id)
        )
        or 0
    )


def _check_room(session: Session, interview: Interview, adding: int, field_name: str) -> None:
    if _count(session, interview) + adding > MAX_AGENDA:
        raise Invalid.one(field_name, f"An agenda holds at most {MAX_AGENDA} questions.")


def add_agenda_item(
    session: Session, user: User, interview_id: int, data: AgendaItemCreate
) -> InterviewQuestion:
    """Add a bank question (copied as a snapshot) or a free question at the end."""
    interview = get_interview(session, user, interview_id)
    text, category, source_id = data.text, data.category, None
    if data.source_question_id is not None:
        try:
            question = questions_service.readable_question(session, user, data.source_question_id)
        except NotFound as exc:
            raise Invalid.one("source_question_id", exc.detail) from None
        text, category, source_id = (
            text or question.text,
            category or question.category,
            question.id,
        )
    if not text:
        raise Invalid.one("text", "Write the question, or name a source_question_id.")
    _check_room(session, interview, 1, "text")
    item = InterviewQuestion(
        owner_id=user.id,
        interview_id=interview.id,
        position=_next_position(session, interview),
        text=text,
        category=category or "other",
        source_question_id=source_id,
    )
    session.add(item)
    session.commit()
    return item


def add_from_bank(
    session: Session, user: User, interview_id: int, data: AgendaFromBank
) -> tuple[list[InterviewQuestion], int]:
    """Snapshot a whole readable bank (or a category, or chosen questions) onto the agenda.

    Questions already on the agenda (same source) are skipped; returns (added, skipped).
    An empty choice of questions is refused: it is a mistake, not a request to add nothing."""
    interview = get_interview(session, user, interview_id)
    if data.question_ids == []:
        raise Invalid.one("question_ids", "Tick the questions to add, or add them all.")
    try:
        questions = questions_service.readable_questions(
            session, user, data.bank_id, category=data.category
        )
    except NotFound as exc:
        raise Invalid.one("bank_id", exc.detail) from None
    if data.question_ids is not None:
        by_id = {q.id: q for q in questions}
        missing = [qid for qid in data.question_ids if qid not in by_id]
        if missing:
            raise Invalid.one(
                "question_ids",
                f"Not questions of bank {data.bank_id}"
                f"{' in that category' if data.category else ''}: "
                f"{', '.join(map(str, missing[:10]))}.",
            )
        wanted = set(data.question_ids)
        questions = [q for q in questions if q.id in wanted]
    present = set(
        session.scalars(
            select(InterviewQuestion.source_question_id).where(
                InterviewQuestion.interview_id == interview.id,
                InterviewQuestion.source_question_id.is_not(None),
            )
        )
    )
    fresh = [q for q in questions if q.id not in present]
    _check_room(session, interview, len(fresh), "bank_id")
    position = _next_position(session, interview)
    added = []
    for offset, question in enumerate(fresh):
        item = InterviewQuestion(
            owner_id=user.id,
            interview_id=interview.id,
            position=position + offset,
            text=question.text,
            category=question.category,
            source_question_id=question.id,
        )
        session.add(item)
        added.append(item)
    session.commit()
    return added, len(questions) - len(fresh)


def update_agenda_item(
    session: Session,
    user: User,
    interview_id: int,
    item_id: int,
    data: AgendaItemUpdate,
    expected_version: int | None = None,
) -> InterviewQuestion:
    """Edit the item or record its answer; a stale version is refused (412), never merged."""
    item = get_agenda_item(session, user, interview_id, item_id)
    check_version(item.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("asked"):
        changes.setdefault("skipped", False)
    if changes.get("skipped"):
        changes.setdefault("asked", False)
    for name, value in changes.items():
        setattr(item, name, value)
    item.touch()
    session.commit()
    return item


def delete_agenda_item(
    session: Session,
    user: User,
    interview_id: int,
    item_id: int,
    expected_version: int | None = None,
) -> None:
    """Remove a question from the agenda (its answer goes with it)."""
    item = get_agenda_item(session, user, interview_id, item_id)
    check_version(item.version, expected_version)
    session.delete(item)
    session.commit()


def reorder_agenda(
    session: Session,
    user: User,
    interview_id: int,
    item_ids: list[int],
    expected_version: int | None = None,
) -> list[InterviewQuestion]:
    """Put the agenda in the given order; the list must name every item exactly once.

    The order is part of the interview, so this checks and bumps the interview's version."""
    interview = get_interview(session, user, interview_id)
    check_version(interview.version, expected_version)
    items = _items(session, interview)
    current = {item.id for item in items}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != current:
        extra = sorted(set(item_ids) - current)
        missing = sorted(current - set(item_ids))
        parts = []
        if extra:
            parts.append(f"not on this agenda: {', '.join(map(str, extra[:10]))}")
        if missing:
            parts.append(f"missing: {', '.join(str(i) for i in missing[:10])}")
        if len(item_ids) != len(set(item_ids)):
            parts.append("an id appears more than once")
        raise Invalid.one(
            "item_ids", "Send every agenda item id exactly once (" + "; ".join(parts) + ")."
        )
    by_id = {item.id: item for item in items}
    for position, item_id in enumerate(item_ids):
        item = by_id[item_id]
        if item.position != position:
            item.position = position
            item.touch()
    interview.touch()
    session.commit()
    return [by_id[i] for i in item_ids]


def move_agenda_item(
    session: Session,
    user: User,
    interview_id: int,
    item_id: int,
    data: AgendaMove,
    expected_version: int | None = None,
) -> list[InterviewQuestion]:
    """Move one item up or down by one place: the page's reorder buttons.

    ``expected_version`` is the interview's, like a whole reorder's."""
    get_agenda_item(session, user, interview_id, item_id)
    interview = get_interview(session, user, interview_id)
    ids = [item.id for item in _items(session, interview) if item.id is not None]
    index = ids.index(item_id)
    step = -1 if data.direction == "up" else 1
    target = max(0, min(len(ids) - 1, index + step))
    ids.insert(target, ids.pop(index))
    return reorder_agenda(session, user, interview_id, ids, expected_version)


def readable_banks(session: Session, user: User) -> list[QuestionBank]:
    """The banks the user may pick questions from: own, built-in and shared."""
    statement = (
        select(QuestionBank)
        .where(
            or_(
                QuestionBank.owner_id == user.id,
                QuestionBank.builtin.is_(True),
                QuestionBank.shared.is_(True),
            )
        )
        .order_by(QuestionBank.builtin.desc(), QuestionBank.name, QuestionBank.id)
    )
    return list(session.scalars(statement))


def picker_questions(
    session: Session, user: User, bank_id: int, category: str | None
) -> list[Question] | None:
    """The questions of a readable bank for the picker, optionally one category; None when
    the bank is not one the user may read (the picker says so instead of failing)."""
    try:
        return questions_service.readable_questions(session, user, bank_id, category=category)
    except NotFound:
        return None


# The API's reads (the agenda of the interview's detail and the agenda's pages) are built on
# the tables' own columns, not the ORM attributes: the same SQL, but a statement without the
# ORM's annotations has a shorter cache key, which SQLAlchemy hashes again on every execution.
_ITEMS: Table = InterviewQuestion.__table__  # type: ignore[attr-defined]
_INTERVIEWS: Table = Interview.__table__  # type: ignore[attr-defined]

AGENDA_SORTABLE = {
    "position": _ITEMS.c.position,
    "category": _ITEMS.c.category,
    "updated_at": _ITEMS.c.updated_at,
    "id": _ITEMS.c.id,
}


# AgendaItemRead's columns in its order: the API reads the agenda as rows (no ORM objects, no
# second validation), with statements built once per shape and every value a named bind.
# The rows' dicts take the model's field names as keys: plain str (orjson refuses a str
# subclass, as the result's own keys may be), one tuple for every row.
AGENDA_READ_KEYS = tuple(AgendaItemRead.model_fields)
AGENDA_READ_COLUMNS = tuple(_ITEMS.c[name] for name in AGENDA_READ_KEYS)
_OWN_ITEMS = (
    _ITEMS.c.interview_id == bindparam("interview_id"),
    _ITEMS.c.owner_id == bindparam("owner_id"),
)
_AGENDA_OF = (
    select(*AGENDA_READ_COLUMNS).where(*_OWN_ITEMS).order_by(_ITEMS.c.position, _ITEMS.c.id)
)


# The agenda's items as the database writes their JSON (app.dbjson), from the subquery "q":
# SQLite's whole array, PostgreSQL's one item (postgresql_json_array joins them).
_AGENDA_TYPES = [(name, _ITEMS.c[name].type) for name in AGENDA_READ_KEYS]
SQLITE_AGENDA_JSON = json_objects("q", _AGENDA_TYPES)
_POSTGRESQL_AGENDA_ITEM = postgresql_json_object("q", _AGENDA_TYPES)
# The detail's agenda as one column of the interview's own row (SQLite): correlated on the
# interviews row the statement reads, so the version and the agenda are one snapshot.
_SQLITE_INTERVIEW_AGENDA_JSON = (
    f"(SELECT {SQLITE_AGENDA_JSON} FROM (SELECT "
    + ", ".join(AGENDA_READ_KEYS)
    + f" FROM {_ITEMS.name} WHERE {_ITEMS.name}.interview_id = {_INTERVIEWS.name}.id"
    f" AND {_ITEMS.name}.owner_id = {_INTERVIEWS.name}.owner_id"
    f" ORDER BY {_ITEMS.name}.position, {_ITEMS.name}.id) AS q)"
)


def interview_agenda_json(dialect_name: str) -> Any:
    """The agenda of the interviews row a statement reads, in agenda order, as one JSON
    array's text (SQLite: NULL when a time is not in its stored form)."""
    if dialect_name == "sqlite":
        return literal_column(_SQLITE_INTERVIEW_AGENDA_JSON).label("agenda")
    items = _ITEMS.alias("q")
    agenda = select(
        postgresql_json_array(_POSTGRESQL_AGENDA_ITEM, [items.c.position, items.c.id])
    ).where(items.c.interview_id == _INTERVIEWS.c.id, items.c.owner_id == _INTERVIEWS.c.owner_id)
    return agenda.scalar_subquery().label("agenda")


def agenda_reads(session: Session, user: User, interview_id: int) -> list[dict[str, Any]]:
    """The agenda of one of the user's interviews, in order, as AgendaItemRead dicts."""
    params = {"interview_id": interview_id, "owner_id": user.id}
    rows = session.connection().execute(_AGENDA_OF, params).all()
    # Not strict: the statement has exactly these columns, and a strict zip over Rows made
    # building the dicts up to 2.5 times as slow (13 rows, timeit).
    return [dict(zip(AGENDA_READ_KEYS, row, strict=False)) for row in rows]


def _item_conditions(searched: bool) -> list[Any]:
    conditions: list[Any] = list(_OWN_ITEMS)
    if searched:
        pattern = bindparam("q_like")
        conditions.append(
            or_(
                func.lower(_ITEMS.c.text).like(pattern, escape="\\"),
                func.lower(_ITEMS.c.answer_notes).like(pattern, escape="\\"),
            )
        )
    return conditions


_OWN_INTERVIEW = (
    _INTERVIEWS.c.id == bindparam("interview_id"),
    _INTERVIEWS.c.owner_id == bindparam("owner_id"),
)


@lru_cache(maxsize=8)
def _total_statement(searched: bool) -> Select[Any]:
    # The interview's owner check and the count in one statement: no row means no such
    # interview of the user's (404), whatever the agenda holds.
    counted = select(func.count(_ITEMS.c.id)).where(*_item_conditions(searched))
    return select(counted.scalar_subquery()).where(*_OWN_INTERVIEW)


@lru_cache(maxsize=128)
def _page_statement(sort: str | None, searched: bool) -> Select[Any]:
    """A page of the agenda, then the total as the last column: one statement (one snapshot,
    one round trip) for a page with rows. The total is an uncorrelated subquery, computed once
    per statement, and the interview's owner check an uncorrelated EXISTS, so a row is also
    the proof that the interview is the user's; only an empty page asks _total_statement."""
    clauses = order_by_clauses(sort, AGENDA_SORTABLE, ["position"])
    total = select(func.count(_ITEMS.c.id)).where(*_item_conditions(searched))
    owned = select(_INTERVIEWS.c.id).where(*_OWN_INTERVIEW)
    return (
        select(*AGENDA_READ_COLUMNS, total.correlate(None).scalar_subquery().label("total"))
        .where(*_item_conditions(searched), owned.exists())
        .order_by(*clauses, _ITEMS.c.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


@lru_cache(maxsize=128)
def _json_page_statement(dialect_name: str, sort: str | None, searched: bool) -> Select[Any]:
    """A page of the agenda as one row: the page's items as one JSON array as the database
    writes it (app.dbjson), the total, and whether the interview is the user's. An aggregate
    has its row even for an empty page: one statement, one snapshot, whatever the page."""
    clauses = order_by_clauses(sort, AGENDA_SORTABLE, ["position"])
    page = (
        select(*AGENDA_READ_COLUMNS)
        .where(*_item_conditions(searched))
        .order_by(*clauses, _ITEMS.c.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("q")
    )
    if dialect_name == "sqlite":  # the subquery's order (SQLite keeps it)
        items = literal_column(SQLITE_AGENDA_JSON)
    else:  # the same order, by the subquery's columns
        in_page = {name: page.c[name] for name in AGENDA_SORTABLE}
        order = [*order_by_clauses(sort, in_page, ["position"]), page.c.id]
        items = postgresql_json_array(_POSTGRESQL_AGENDA_ITEM, order)
    total = select(func.count(_ITEMS.c.id)).where(*_item_conditions(searched))
    owned = select(_INTERVIEWS.c.id).where(*_OWN_INTERVIEW)
    return select(
        items.label("items"),
        total.correlate(None).scalar_subquery().label("total"),
        owned.exists().label("owned"),
    ).select_from(page)


@dataclass(frozen=True, slots=True)
class AgendaPage:
    """A page of the agenda for the API: its items as the JSON array the database wrote (an
    ``orjson.Fragment`` for encode_json to splice) or, for a time SQLite holds in another
    form, as AgendaItemRead dicts."""

    items: list[dict[str, Any]] | orjson.Fragment
    total: int
    limit: int
    offset: int


def agenda_read_page(
    session: Session,
    user: User,
    interview_id: int,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
    q: str | None = None,
) -> AgendaPage:
    """A page of the agenda (in agenda order unless sorted otherwise); `q` matches the
    question and the answer notes."""
    params: dict[str, Any] = {"interview_id": interview_id, "owner_id": user.id}
    if q:
        params["q_like"] = like_pattern(q)
    paged = {**params, "limit": limit, "offset": offset}
    bind = session.get_bind()
    statement = _json_page_statement(bind.dialect.name, sort, bool(q))  # unknown sort: 400
    with read_connection(session) as connection:
        items_json, total, owned = connection.execute(statement, paged).one()
    if not owned:
        raise NotFound(detail=f"No interview with id {interview_id}.")
    if items_json is not None:  # else a time SQLite holds in another form: read the rows
        return AgendaPage(orjson.Fragment(items_json), total, limit, offset)
    # Each statement is its own snapshot, and the one that may follow is right on its own.
    # So no BEGIN and ROLLBACK around them on SQLite (PostgreSQL's reads already run so):
    # 1.3 % of the request's instructions.
    begin_read(session, snapshot=False)
    connection = session.connection()
    page = _page_statement(sort, bool(q))  # an unknown sort is a 400
    # A page with rows is one statement; only an empty page asks again.
    rows = connection.execute(page, paged).all()
    if rows:
        total = rows[0][-1]
    else:  # no agenda, a page past the end, or not the user's interview
        found = connection.execute(_total_statement(bool(q)), params).first()
        if found is None:
            raise NotFound(detail=f"No interview with id {interview_id}.")
        total = found[0]
    items = [dict(zip(AGENDA_READ_KEYS, row, strict=False)) for row in rows]  # total left out
    return AgendaPage(items, total, limit, offset)
