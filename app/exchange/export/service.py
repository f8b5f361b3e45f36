"""Export of everything a user owns: one streamed JSON document, contacts as CSV or vCard.

The JSON is written by the database, a row at a time (sql.py), read in batches
(``yield_per``: a server-side cursor on PostgreSQL) and handed on in chunks of about
CHUNK_BYTES, so memory stays flat however much the user has. The CSV and vCard are built
in Python from batches of contacts, each with its tag names as the contact keeps them.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Column, Select, Table, select, text
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import CONTACT_TAG_NAMES, Contact, ContactCareer, ContactTag, Tag
from app.contacts.service import ContactFilters, filter_conditions, filter_params
from app.db import utcnow
from app.exchange.export.sql import LEFT_OUT, Attached, Child, Extra, rows_as_json
from app.exchange.vcard.cards import contact_card
from app.followups.models import FollowUp, FollowUpSettings
from app.interactions.models import Interaction
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview
from app.jobsearch import service as jobsearch_service
from app.jobsearch.models import JobSearchChange
from app.messages.models import MessageTemplate
from app.organizations.models import Organization
from app.questions.models import Question, QuestionBank
from app.resumes.models import Resume, ResumeFile
from app.resumes.shares.models import ResumeShare

FORMAT = "rapport.export"
# 2 added follow-ups, message templates, the job-search history, resumes (their bytes in
# base64) with their shares, follow-up settings, and the keys of built-in banks and
# questions that the user's banks and agenda items came from. Version 1 is still imported.
FORMAT_VERSION = 2
BATCH = 500
CHUNK_BYTES = 256 * 1024
Rows = list[dict[str, Any]]


# ---- the JSON document ------------------------------------------------------------------


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class Section:
    """One top-level array of the document: the owner's rows of ``table``."""

    name: str
    table: Table
    children: tuple[Child, ...] = ()
    extras: tuple[Extra, ...] = ()
    attached: Attached | None = None


# Links out of the user's rows, to built-in content, by its stable key (ids differ between
# instances; a bank shared by another user is not the user's and is not named).
_BANK_ORIGIN = Extra(
    "copied_from_builtin_key",
    '(SELECT b."builtin_key" FROM question_banks AS b '
    'WHERE b."id" = {alias}."copied_from_id" AND b."owner_id" IS NULL)',
)
_QUESTION_ORIGIN = Extra(
    "source_builtin_key",
    """(SELECT b."builtin_key" || '/' || q."builtin_key" FROM questions AS q """
    'JOIN question_banks AS b ON b."id" = q."bank_id" '
    'WHERE q."id" = {alias}."source_question_id" AND b."owner_id" IS NULL)',
)


def sections() -> tuple[Section, ...]:
    """The document's arrays in the order they are written (a row's links point backwards)."""
    contact_careers, contact_tags = _table(ContactCareer), _table(ContactTag)
    return (
        Section("careers", _table(Career)),
        Section("organizations", _table(Organization)),
        Section("tags", _table(Tag)),
        Section(
            "contacts",
            _table(Contact),
            (
                Child("career_ids", contact_careers, "contact_id", ("career_id",), "career_id"),
                Child(
                    "tags",
                    contact_tags,
                    "contact_id",
                    ('{alias}_tag."name"',),
                    '{alias}_tag."name"',
                    join='JOIN tags AS {alias}_tag ON {alias}_tag."id" = {alias}."tag_id"',
                ),
            ),
        ),
        Section("interactions", _table(Interaction)),
        # The user's own banks (never the built-in or other users' shared ones).
        Section(
            "question_banks",
            _table(QuestionBank),
            (Child("questions", _table(Question), "bank_id", ("position", "id")),),
            (_BANK_ORIGIN,),
        ),
        Section(
            "interviews",
            _table(Interview),
            (
                Child(
                    "agenda",
                    _table(InterviewQuestion),
                    "interview_id",
                    ("position", "id"),
                    extras=(_QUESTION_ORIGIN,),
                ),
            ),
        ),
        Section("follow_ups", _table(FollowUp)),
        Section("message_templates", _table(MessageTemplate)),
        Section("job_search_changes", _table(JobSearchChange)),
        Section(
            "resumes",
            _table(Resume),
            attached=Attached("content_base64", _table(ResumeFile), "resume_id", "content"),
        ),
        Section("resume_shares", _table(ResumeShare)),
    )


def account(session: Session, user: User) -> dict[str, Any]:
    """The account's own fields; never its password hash, sessions, tokens or feed secret."""
    settings = session.get(FollowUpSettings, user.id)
    job_search = jobsearch_service.current_status(session, user)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "timezone": user.timezone,
        "job_search_status": job_search.status,
        "job_search_note": job_search.note,
        "created_at": user.created_at,
        "follow_up_settings": None
        if settings is None
        else {
            "thank_you_delay_hours": settings.thank_you_delay_hours,
            "email_digest": settings.email_digest,
        },
    }


def _json_rows(
    session: Session, user: User, sql: str, attached: Attached | None
) -> Iterator[tuple[int, bytes]]:
    """(row count, the rows' JSON joined by commas), about CHUNK_BYTES at a time."""
    result = session.execute(text(sql).execution_options(yield_per=BATCH), {"owner": user.id})
    # partitions() needs the size: without it a text() result is not split by yield_per
    # (PostgreSQL then fetched the whole section at once).
    pending: list[str] = []
    size = 0
    for partition in result.partitions(BATCH):
        for row in partition:
            item: str = row[0]
            if attached is not None:
                item = _with_bytes(item, attached.name, row[1])
            pending.append(item)
            size += len(item)
            if size >= CHUNK_BYTES:
                yield len(pending), ",".join(pending).encode()
                pending, size = [], 0
    if pending:
        yield len(pending), ",".join(pending).encode()


def _with_bytes(item: str, name: str, content: bytes | None) -> str:
    """The row's JSON object with one more member: the bytes in base64 (or null)."""
    encoded = "null" if content is None else '"' + base64.b64encode(content).decode() + '"'
    return f'{item[:-1]},"{name}":{encoded}}}'


def export_json(session: Session, user: User) -> Iterator[bytes]:
    """Everything the user owns as one JSON document, yielded in chunks as it is read."""
    dialect = session.get_bind().dialect.name
    head = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": utcnow(),
        "account": account(session, user),
    }
    yield orjson.dumps(head)[:-1]  # left open: the sections follow
    counts: dict[str, int] = {}
    for section in sections():
        yield b',"' + section.name.encode() + b'":['
        count = 0
        sql = rows_as_json(
            dialect, section.table, section.children, section.extras, section.attached
        )
        for rows, chunk in _json_rows(session, user, sql, section.attached):
            if count:
                yield b","
            yield chunk
            count += rows
        yield b"]"
        counts[section.name] = count
    yield b',"counts":' + orjson.dumps(counts) + b"}"


# ---- contacts as CSV --------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "full_name",
    "title",
    "organization",
    "email",
    "phone",
    "linkedin_url",
    "location",
    "stage",
    "tags",
    "how_we_met",
    "introduced_by_id",
    "stay_in_touch_days",
    "last_contacted_at",
    "next_touch_due",
    "notes",
    "created_at",
    "updated_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _batches(session: Session, statement: Select[Any]) -> Iterator[Rows]:
    """The statement's rows as dicts, BATCH at a time, streamed from the database."""
    result = session.execute(statement.execution_options(yield_per=BATCH))
    keys = list(result.keys())
    for partition in result.partitions(BATCH):
        yield [dict(zip(keys, row, strict=True)) for row in partition]


def _tags(row: dict[str, Any]) -> list[str]:
    """The row's tag names, A-Z, from the contact's kept JSON array (CONTACT_TAG_NAMES)."""
    names: list[str] = orjson.loads(row.pop(CONTACT_TAG_NAMES.name))
    return names


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def neutralise(value: Any) -> str:
    """A cell as text; a leading = + - @ (or tab / CR) gets a quote so it is not a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    if _E164.fullmatch(text):
        return text  # a validated phone number ("+12025550143") cannot be a formula
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_contacts_csv(session: Session, user: User) -> Iterator[bytes]:
    """The user's contacts as CSV (one row each, tags separated by '; '), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    wanted: list[Column[Any]] = [
        c for c in _table(Contact).c if c.name in CSV_COLUMNS and c.name not in LEFT_OUT
    ]
    statement = (
        select(
            *wanted,
            CONTACT_TAG_NAMES,
            Organization.name.label("organization"),  # type: ignore[attr-defined]
        )
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .where(Contact.owner_id == user.id)
        .order_by(Contact.id)
    )
    for rows in _batches(session, statement):
        for row in rows:
            row["tags"] = "; ".join(_tags(row))
            writer.writerow([neutralise(row[name]) for name in CSV_COLUMNS])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


# ---- contacts as vCard ------------------------------------------------------------------

_VCARD_COLUMNS = (
    "id",
    "full_name",
    "title",
    "email",
    "phone",
    "linkedin_url",
    "location",
    "how_we_met",
    "notes",
    "created_at",
    "updated_at",
)


def export_contacts_vcard(
    session: Session, user: User, filters: ContactFilters | None = None
) -> Iterator[bytes]:
    """The user's contacts (all, or those the contacts list's filters pick) as vCard 3.0."""
    # The same filters, with the same meaning, as the contacts list (app.contacts.service).
    dialect = session.get_bind().dialect.name
    params = filter_params(dialect, user, filters or ContactFilters(), utcnow())
    wanted = [getattr(Contact, name) for name in _VCARD_COLUMNS]
    statement = (
        select(
            *wanted,
            CONTACT_TAG_NAMES,
            Organization.name.label("organization"),  # type: ignore[attr-defined]
        )
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .where(*filter_conditions(params))
        .order_by(Contact.id)
        .params(params)
    )
    for rows in _batches(session, statement):
        yield "".join(contact_card(row, _tags(row)) for row in rows).encode()
