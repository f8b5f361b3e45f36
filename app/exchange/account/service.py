"""Whole-account import: the JSON export read back into an empty account, every link kept.

The document is bounded before it is parsed (bytes) and before its rows are read (rows per
section and per parent). Every row is checked first, through the resource's own Create
(and Update) schemas for the fields they know and through the column's type for the rest,
and every id it names must be a row of the same document: ids are the document's own and
are remapped, so an id of anybody else's row can never be reached. Only then is anything
written, in one transaction, with the document's timestamps and versions kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

import orjson
from pydantic import AwareDatetime, BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.careers.models import Career
from app.careers.schemas import CareerCreate
from app.contacts.models import Contact, ContactCareer, ContactTag, Tag
from app.contacts.normalise import normalise_linkedin, normalise_phone
from app.contacts.schemas import ContactCreate
from app.contacts.service import build_search_text, bulk_contact_load
from app.db import UTCDateTime, insert_rows
from app.errors import Conflict, FieldError, Invalid, PayloadTooLarge
from app.exchange.account.schemas import AccountImportReport, AccountPart, InterviewState
from app.exchange.export.service import FORMAT, FORMAT_VERSION
from app.exchange.export.sql import LEFT_OUT
from app.followups.models import FollowUp, FollowUpSettings
from app.followups.schemas import FollowUpCreate
from app.interactions.models import Interaction
from app.interactions.schemas import InteractionCreate
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.agenda.schemas import MAX_AGENDA, AgendaItemCreate, AgendaItemUpdate
from app.interviews.models import Interview
from app.interviews.schemas import InterviewCreate, InterviewUpdate
from app.jobsearch import service as jobsearch_service
from app.jobsearch.models import JobSearchChange
from app.jobsearch.schemas import JobSearchUpdate
from app.messages.models import MessageTemplate
from app.messages.schemas import MessageTemplateCreate
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationCreate
from app.questions.models import Question, QuestionBank
from app.questions.schemas import BankCreate, QuestionCreate
from app.resumes.files import MAX_RESUME_BYTES, sniff
from app.resumes.models import Resume, ResumeFile
from app.resumes.schemas import ResumeCreate
from app.resumes.shares.models import ResumeShare
from app.resumes.shares.schemas import ShareCreate
from app.schemas import DbId, normalise_tag
from app.search.service import bulk_indexing
from app.validation import invalid, message
from app.wording import plural

# Bounds, checked before the step they protect.
MAX_CLI_BYTES = 512 * 1024 * 1024  # the operator's own file (HTTP: RAPPORT_MAX_UPLOAD_BYTES)
MAX_SECTION_ROWS = 100_000
MAX_PROBLEMS = 100  # a broken document is reported in part, not row by row to the end

# The sections each version of the document holds, in the order they are written.
_V1 = (
    "careers",
    "organizations",
    "tags",
    "contacts",
    "interactions",
    "question_banks",
    "interviews",
)
SECTIONS: dict[int, tuple[str, ...]] = {
    1: _V1,
    2: (
        *_V1,
        "follow_ups",
        "message_templates",
        "job_search_changes",
        "resumes",
        "resume_shares",
    ),
}
_HEAD_KEYS = frozenset({"format", "version", "exported_at", "account", "counts"})
_INTERVIEW_KEY = re.compile(r"^interview:(\d+):")


@dataclass(frozen=True)
class Part:
    """One kind of row in the document: its table, the schemas that check it, its links."""

    model: type[SQLModel]
    # The resource's own input schemas; each claims the fields it declares, first one first.
    schemas: tuple[type[BaseModel], ...]
    # Column -> the part whose (document) ids it holds.
    links: Mapping[str, str] = field(default_factory=dict)
    # Links that may leave the document (a built-in or another user's shared bank).
    outside: frozenset[str] = frozenset()
    # Keys that are not columns: nested arrays and what the export computes.
    extra_keys: frozenset[str] = frozenset()
    parent_key: str | None = None


PARTS: dict[str, Part] = {
    "careers": Part(Career, (CareerCreate,)),
    "organizations": Part(Organization, (OrganizationCreate,)),
    "tags": Part(Tag, ()),
    "contacts": Part(
        Contact,
        (ContactCreate,),
        {"organization_id": "organizations", "introduced_by_id": "contacts"},
    ),
    "interactions": Part(Interaction, (InteractionCreate,), {"contact_id": "contacts"}),
    "question_banks": Part(
        QuestionBank,
        (BankCreate,),
        {"copied_from_id": "question_banks"},
        outside=frozenset({"copied_from_id"}),
        extra_keys=frozenset({"questions", "copied_from_builtin_key"}),
    ),
    "questions": Part(Question, (QuestionCreate,), parent_key="bank_id"),
    "interviews": Part(
        Interview,
        (InterviewState, InterviewCreate, InterviewUpdate),
        {"contact_id": "contacts", "career_id": "careers"},
        extra_keys=frozenset({"agenda"}),
    ),
    "agenda": Part(
        InterviewQuestion,
        (AgendaItemCreate, AgendaItemUpdate),
        {"source_question_id": "questions"},
        outside=frozenset({"source_question_id"}),
        extra_keys=frozenset({"source_builtin_key"}),
        parent_key="interview_id",
    ),
    "follow_ups": Part(
        FollowUp, (FollowUpCreate,), {"contact_id": "contacts", "interview_id": "interviews"}
    ),
    "message_templates": Part(MessageTemplate, (MessageTemplateCreate,)),
    "job_search_changes": Part(JobSearchChange, (JobSearchUpdate,)),
    "resumes": Part(Resume, (ResumeCreate,), extra_keys=frozenset({"content_base64"})),
    "resume_shares": Part(
        ResumeShare, (ShareCreate,), {"resume_id": "resumes", "contact_id": "contacts"}
    ),
}
# The nested arrays: (parent section, key in the parent row, part its items are).
_CHILDREN = (("question_banks", "questions", "questions"), ("interviews", "agenda", "agenda"))


@dataclass
class Row:
    """A checked row: its document id, where it was, and its column values."""

    id: int
    path: str
    values: dict[str, Any]
    raw: Mapping[str, Any]
    parent: int | None = None


@dataclass
class Checked:
    """The whole document, checked: rows by part, and what else it said."""

    version: int
    account: AccountPart
    rows: dict[str, list[Row]] = field(default_factory=dict)


class _Problems:
    """Every problem found, up to MAX_PROBLEMS (then the check stops and reports them)."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, path: str, text: str) -> None:
        self.errors.append(FieldError(path, text))
        if len(self.errors) >= MAX_PROBLEMS:
            raise invalid(self.errors)

    def add_validation(self, path: str, exc: ValidationError) -> None:
        for error in exc.errors():
            self.add(_join(path, error.get("loc", ())), message(error))

    def raise_if_any(self) -> None:
        if self.errors:
            raise invalid(self.errors)


def _join(path: str, loc: Iterable[str | int]) -> str:
    """``contacts[3]`` and ("resources", 0, "url") as ``contacts[3].resources[0].url``."""
    for part in loc:
        path = f"{path}[{part}]" if isinstance(part, int) else f"{path}.{part}" if path else part
    return path


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _label(model: type[SQLModel]) -> str:
    return str(getattr(model, "__label__", model.__name__.lower()))


def kind_label(name: str) -> str:
    """What one row of a kind the import report counts is called ("agenda_items": "agenda
    item"), to word its count."""
    part = PARTS.get("agenda" if name == "agenda_items" else name)
    return _label(part.model) if part is not None else name.replace("_", " ")


# ---- reading the document ---------------------------------------------------------------


def parse_document(raw: bytes, limit: int) -> dict[str, Any]:
    """The document as a dict, after its size is checked; Invalid when it is not one."""
    if len(raw) > limit:
        raise PayloadTooLarge(detail=f"The document is over {limit // (1024 * 1024)} MB.")
    try:
        # orjson refuses nesting deeper than 1024 levels, so depth is bounded as well.
        document = orjson.loads(raw.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise Invalid.one("document", f"The file is not valid JSON ({exc}).") from None
    if not isinstance(document, dict):
        raise Invalid.one("document", "The document must be a JSON object (a Rapport export).")
    return document


def _check_head(document: Mapping[str, Any]) -> int:
    """The document's version, once its format, version and keys are known."""
    if document.get("format") != FORMAT:
        raise Invalid.one("format", f'The document is not a Rapport export (format "{FORMAT}").')
    version = document.get("version")
    if type(version) is not int or version not in SECTIONS:
        raise Invalid.one(
            "version", f"This server reads export versions 1 to {FORMAT_VERSION}, not {version!r}."
        )
    unknown = sorted(set(document) - _HEAD_KEYS - set(SECTIONS[version]))
    if unknown:
        raise invalid(
            [FieldError(k, f"Not a section of a version {version} export.") for k in unknown]
        )
    return version


def _check_counts(document: Mapping[str, Any], version: int, max_questions: int) -> None:
    """Every section and nested array is a list within its bound, before any row is read."""
    problems = _Problems()
    limits = {"questions": max_questions, "agenda": MAX_AGENDA}
    for name in SECTIONS[version]:
        rows = document.get(name, [])
        if not isinstance(rows, list):
            problems.add(name, "Must be a list.")
        elif len(rows) > MAX_SECTION_ROWS:
            problems.add(name, f"Has more than {MAX_SECTION_ROWS:,} rows.")
    problems.raise_if_any()
    for section, key, part in _CHILDREN:
        for index, row in enumerate(document.get(section, [])):
            items = row.get(key, []) if isinstance(row, dict) else []
            path = f"{section}[{index}].{key}"
            if not isinstance(items, list):
                problems.add(path, "Must be a list.")
            elif len(items) > limits[part]:
                problems.add(path, f"Has more than {limits[part]:,} items.")
    problems.raise_if_any()


@lru_cache(maxsize=256)
def _column_adapter(column: Column[Any]) -> TypeAdapter[Any]:
    """A validator for a column no schema covers, from its type (length, nullability)."""
    kind = column.type
    python: Any
    if isinstance(kind, UTCDateTime | DateTime):
        python = AwareDatetime
    elif isinstance(kind, Date):
        python = date
    elif isinstance(kind, Boolean):
        python = bool
    elif isinstance(kind, Integer):
        python = Annotated[int, Field(ge=-(2**31), lt=2**31)]
    elif isinstance(kind, JSON):
        python = list[Any] | dict[str, Any]
    elif isinstance(kind, String | Text):
        length = getattr(kind, "length", None) or 50_000
        python = Annotated[str, Field(max_length=length, pattern=r"^[^\x00]*$")]
    else:
        python = Any
    return TypeAdapter(python | None if column.nullable else python)


_ID = TypeAdapter(DbId)


def _check_row(name: str, raw: Any, path: str, problems: _Problems) -> Row | None:
    """One row checked: the part's schemas, then each remaining column by its type."""
    part = PARTS[name]
    if not isinstance(raw, dict):
        problems.add(path, "Must be an object.")
        return None
    before = len(problems.errors)
    values: dict[str, Any] = {}
    claimed: set[str] = {"id", *part.extra_keys}
    if part.parent_key:
        claimed.add(part.parent_key)  # the parent's id: known from where the row sits
    for schema in part.schemas:
        keys = [k for k in raw if k in schema.model_fields and k not in claimed]
        claimed.update(keys)
        try:
            model = schema.model_validate({k: raw[k] for k in keys})
        except ValidationError as exc:
            problems.add_validation(path, exc)
            continue
        values.update({k: getattr(model, k) for k in keys})
    columns = _table(part.model).c
    for key in (k for k in raw if k not in claimed):
        if key in LEFT_OUT or key not in columns:
            problems.add(_join(path, [key]), f"Not a field of a {_label(part.model)}.")
            continue
        try:
            values[key] = _column_adapter(columns[key]).validate_python(raw[key])
        except ValidationError as exc:
            problems.add_validation(_join(path, [key]), exc)
    try:
        row_id = _ID.validate_python(raw.get("id"))
    except ValidationError:
        problems.add(_join(path, ["id"]), "Id is required: a whole number from 1.")
        row_id = 0
    _check_required(part, values, path, problems)
    if len(problems.errors) > before:
        return None
    for key, value in values.items():
        if key in columns and isinstance(columns[key].type, JSON):
            values[key] = to_jsonable_python(value)
    return Row(row_id, path, values, raw)


def _check_required(part: Part, values: dict[str, Any], path: str, problems: _Problems) -> None:
    """Columns that must hold a value: given (not null), or with a default in the model."""
    fields = part.model.model_fields
    skip = {"id", "owner_id", part.parent_key, *LEFT_OUT}
    for column in _table(part.model).c:
        if column.nullable or column.name in skip:
            continue
        given = column.name in values
        if (given and values[column.name] is None) or (
            not given and column.name in fields and fields[column.name].is_required()
        ):
            problems.add(_join(path, [column.name]), "Is required.")


def _check_rows(document: Mapping[str, Any], version: int, problems: _Problems) -> Checked:
    """Every row of every section (and nested array) checked; ids unique per part."""
    account = _check_account(document.get("account"), problems)
    checked = Checked(version=version, account=account or AccountPart())
    for name in SECTIONS[version]:
        rows = checked.rows.setdefault(name, [])
        for index, raw in enumerate(document.get(name, [])):
            row = _check_row(name, raw, f"{name}[{index}]", problems)
            if row is not None:
                rows.append(row)
    for section, key, part in _CHILDREN:
        items = checked.rows.setdefault(part, [])
        for row in checked.rows.get(section, []):
            for index, raw in enumerate(row.raw.get(key, [])):
                item = _check_row(part, raw, f"{row.path}.{key}[{index}]", problems)
                if item is not None:
                    item.parent = row.id
                    items.append(item)
    for name, rows in checked.rows.items():
        seen: set[int] = set()
        for row in rows:
            if row.id in seen:
                problems.add(_join(row.path, ["id"]), f"Id {row.id} appears twice in {name}.")
            seen.add(row.id)
    return checked


def _check_account(raw: Any, problems: _Problems) -> AccountPart | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add("account", "Must be an object.")
        return None
    try:
        return AccountPart.model_validate(raw)
    except ValidationError as exc:
        problems.add_validation("account", exc)
        return None


# ---- the rules across rows --------------------------------------------------------------


@dataclass
class _Outside:
    """Links out of the document resolved on this instance, and how many were left empty."""

    banks: dict[str, int] = field(default_factory=dict)  # builtin bank key -> id
    questions: dict[str, int] = field(default_factory=dict)  # "bank/question" key -> id
    unlinked: int = 0


def _check_links(checked: Checked, region: str, problems: _Problems) -> None:
    """Each id a row names is a row of the document; contacts' own rules hold across rows."""
    ids = {name: {row.id for row in rows} for name, rows in checked.rows.items()}
    for name, rows in checked.rows.items():
        part = PARTS[name]
        for row in rows:
            for column, target in part.links.items():
                value = row.values.get(column)
                if value is None or value in ids.get(target, ()) or column in part.outside:
                    continue
                label = _label(PARTS[target].model)
                problems.add(
                    _join(row.path, [column]), f"No {label} with id {value} in this document."
                )
    for row in checked.rows.get("contacts", []):
        for index, career_id in enumerate(row.values.get("career_ids") or []):
            if career_id not in ids.get("careers", ()):
                problems.add(
                    f"{row.path}.career_ids[{index}]",
                    f"No career with id {career_id} in this document.",
                )
    _check_contacts(checked.rows.get("contacts", []), region, problems)
    _check_unique(checked.rows.get("tags", []), "name", normalise_tag, problems)
    _check_unique(checked.rows.get("follow_ups", []), "source_key", str, problems)
    _check_resumes(checked.rows.get("resumes", []), problems)


def _check_unique(rows: list[Row], column: str, key: Any, problems: _Problems) -> None:
    seen: dict[Any, str] = {}
    for row in rows:
        value = row.values.get(column)
        if value is None:
            continue
        value = row.values[column] = key(value)
        if value in seen:
            problems.add(_join(row.path, [column]), f"The same as {seen[value]}.")
        seen[value] = row.path


def _check_contacts(rows: list[Row], region: str, problems: _Problems) -> None:
    """Phones and LinkedIn profiles normalised as the contacts service does; no loops."""
    profiles: dict[str, str] = {}
    for row in rows:
        values = row.values
        try:
            if values.get("phone") is not None:
                values["phone"] = normalise_phone(values["phone"], region)
            url = values.get("linkedin_url")
            if url is not None:
                values["linkedin_url"], values["linkedin_key"] = normalise_linkedin(url)
        except Invalid as exc:
            for error in exc.errors:
                problems.add(_join(row.path, [error.field]), error.message)
            continue
        key = values.get("linkedin_key")
        if key in profiles:
            problems.add(f"{row.path}.linkedin_url", f"The same profile as {profiles[key]}.")
        elif key is not None:
            profiles[key] = row.path
    _check_no_loops(rows, problems)


def _check_no_loops(rows: list[Row], problems: _Problems) -> None:
    """Introductions never loop (the referrals rule), found in one pass over the chains."""
    introducer = {row.id: row.values.get("introduced_by_id") for row in rows}
    paths = {row.id: row.path for row in rows}
    walking, done = 1, 2
    state: dict[int, int] = {}
    for start in introducer:
        walk: list[int] = []
        node: int | None = start
        while node is not None and node in introducer and node not in state:
            state[node] = walking
            walk.append(node)
            node = introducer[node]
        if node is not None and state.get(node) == walking:
            for member in walk[walk.index(node) :]:
                problems.add(
                    f"{paths[member]}.introduced_by_id",
                    "Introductions make a loop: this contact introduced them, directly or "
                    "through others.",
                )
        for member in walk:
            state[member] = done


def _check_resumes(rows: list[Row], problems: _Problems) -> None:
    """Each resume's bytes are there, whole (size and SHA-256) and of the type it claims."""
    for row in rows:
        path = f"{row.path}.content_base64"
        encoded = row.raw.get("content_base64")
        if not isinstance(encoded, str) or len(encoded) > (MAX_RESUME_BYTES * 4) // 3 + 4:
            problems.add(path, "Must be the file's bytes in base64 (at most 5 MB).")
            continue
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            problems.add(path, "Is not valid base64.")
            continue
        values = row.values
        if len(content) != values["size_bytes"]:
            problems.add(path, "Does not have the size the resume states.")
        elif hashlib.sha256(content).hexdigest() != values["sha256"]:
            problems.add(path, "Does not match the resume's SHA-256.")
        elif sniff(content, values["file_name"]) != values["content_type"]:
            problems.add(path, "Is not the kind of file the resume states.")
        values["content"] = content


def _outside(session: Session, checked: Checked) -> _Outside:
    """The built-in banks and questions this instance has, by key (ids differ elsewhere)."""
    found = _Outside()
    rows = (
        *checked.rows.get("question_banks", []),
        *checked.rows.get("agenda", []),
    )
    if not any(
        row.raw.get("copied_from_builtin_key") or row.raw.get("source_builtin_key") for row in rows
    ):
        return found
    banks = select(QuestionBank.id, QuestionBank.builtin_key).where(
        QuestionBank.owner_id.is_(None)  # type: ignore[union-attr]
    )
    for bank_id, key in session.execute(banks):
        found.banks[key] = bank_id
    questions = (
        select(Question.id, QuestionBank.builtin_key, Question.builtin_key)
        .join(QuestionBank, QuestionBank.id == Question.bank_id)  # type: ignore[arg-type]
        .where(QuestionBank.owner_id.is_(None))  # type: ignore[union-attr]
    )
    for question_id, bank_key, question_key in session.execute(questions):
        found.questions[f"{bank_key}/{question_key}"] = question_id
    return found


# ---- the account must be empty ----------------------------------------------------------


def holdings(session: Session, user: User) -> dict[str, int]:
    """What the account already holds, by label ("contact": 3), leaving out what it lacks."""
    held: dict[str, int] = {}
    for name in SECTIONS[FORMAT_VERSION]:
        model = PARTS[name].model
        owner = _table(model).c.owner_id
        count = session.scalar(select(func.count()).where(owner == user.id)) or 0
        if count:
            held[_label(model)] = count
    return held


def check_empty(session: Session, user: User) -> None:
    """Conflict (409) naming what is there when the account holds anything of its own."""
    held = holdings(session, user)
    if held:
        listed = ", ".join(plural(n, label) for label, n in held.items())
        raise Conflict(
            detail=f"This account already holds {listed}. An account import only fills an "
            "empty account: import into a new account, or delete these first."
        )


# ---- writing ----------------------------------------------------------------------------


def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model's defaults per column: fixed values, and factories called per row."""
    fixed: dict[str, Any] = {}
    factories: dict[str, Any] = {}
    for column in _table(model).c:
        info = model.model_fields.get(column.name)
        if column.name == "id" or info is None or info.is_required():
            continue
        if info.default_factory is not None:
            factories[column.name] = info.default_factory
        else:
            fixed[column.name] = info.default
    return fixed, factories


class _Writer:
    """Stores checked rows for one user and keeps each part's map of document id -> new id.

    Rows go in as Core multi-row INSERTs with RETURNING, in document order (building an ORM
    object per row tripled the time of a 10,000-contact account)."""

    def __init__(self, session: Session, user: User, outside: _Outside) -> None:
        self.session = session
        self.user = user
        self.outside = outside
        self.ids: dict[str, dict[int, int]] = {}
        self.created: dict[str, int] = {}

    def new_id(self, part: str, old: int | None) -> int | None:
        return None if old is None else self.ids[part][old]

    def store(self, name: str, rows: list[Row], **columns: Any) -> list[int]:
        """Insert the rows (``columns`` set on each, computed per row when callable); new ids."""
        model = PARTS[name].model
        table = _table(model)
        fixed, factories = _defaults(model)
        if "owner_id" in table.c:
            fixed["owner_id"] = self.user.id
        params = []
        for row in rows:
            values = {**fixed, **{k: make() for k, make in factories.items()}}
            values.update((k, v) for k, v in row.values.items() if k in table.c and k != "id")
            for key, value in columns.items():
                values[key] = value(row) if callable(value) else value
            params.append(values)
        ids = self.insert(table, params)
        self.ids[name] = {row.id: new for row, new in zip(rows, ids, strict=True)}
        self.created[name] = len(ids)
        return ids

    def insert(self, table: Any, params: list[dict[str, Any]]) -> list[int]:
        """Insert rows that all name the same columns; their new ids, in their order."""
        if not params:
            return []
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(self.session.execute(statement, params).scalars())

    def relink(self, table: Any, column: str, links: dict[int, int | None]) -> None:
        """Set ``column`` of the new rows (new id -> value) after all of them exist."""
        wanted = [{"row_id": k, "value": v} for k, v in links.items() if v is not None]
        if wanted:
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({column: bindparam("value")})
            )
            self.session.execute(statement, wanted)

    def link(self, part: str, column: str) -> Any:
        """A per-row value: the row's link in ``column`` remapped to the new id of ``part``."""
        return lambda row: self.new_id(part, row.values.get(column))


def _write(session: Session, user: User, checked: Checked, outside: _Outside) -> _Writer:
    rows = checked.rows
    writer = _Writer(session, user, outside)
    writer.store("careers", rows["careers"])
    writer.store("organizations", rows["organizations"])
    tag_ids = _write_tags(writer, rows["tags"], rows["contacts"])
    names = {row.id: row.values["name"] for row in rows["organizations"]}
    with bulk_contact_load(session.connection(), user.id):
        _write_contacts(writer, rows["contacts"], tag_ids, names)
    writer.store(
        "interactions", rows["interactions"], contact_id=writer.link("contacts", "contact_id")
    )
    _write_banks(writer, rows["question_banks"], rows["questions"])
    writer.store(
        "interviews",
        rows["interviews"],
        contact_id=writer.link("contacts", "contact_id"),
        career_id=writer.link("careers", "career_id"),
    )
    writer.store(
        "agenda",
        rows["agenda"],
        interview_id=lambda row: writer.new_id("interviews", row.parent),
        source_question_id=lambda row: _outside_link(
            writer, "questions", row, "source_question_id", outside.questions, "source_builtin_key"
        ),
    )
    writer.store(
        "follow_ups",
        rows.get("follow_ups", []),
        contact_id=writer.link("contacts", "contact_id"),
        interview_id=writer.link("interviews", "interview_id"),
        source_key=lambda row: _source_key(writer, row.values.get("source_key")),
    )
    writer.store("message_templates", rows.get("message_templates", []))
    writer.store("job_search_changes", rows.get("job_search_changes", []))
    resumes = rows.get("resumes", [])
    resume_ids = writer.store("resumes", resumes)
    if resumes:
        files = [
            {"resume_id": new, "content": row.values["content"]}
            for row, new in zip(resumes, resume_ids, strict=True)
        ]
        session.execute(insert(_table(ResumeFile)), files)
    writer.store(
        "resume_shares",
        rows.get("resume_shares", []),
        contact_id=writer.link("contacts", "contact_id"),
        resume_id=writer.link("resumes", "resume_id"),
    )
    _write_account(session, user, checked.account)
    return writer


def _write_tags(writer: _Writer, tags: list[Row], contacts: list[Row]) -> dict[str, int]:
    """The tags section, plus any tag a contact names that the section lacks (version 1)."""
    stored = writer.store("tags", tags)
    by_name = {row.values["name"]: new for row, new in zip(tags, stored, strict=True)}
    missing = sorted(
        {name for row in contacts for name in row.values.get("tags") or []} - set(by_name)
    )
    params = [{"owner_id": writer.user.id, "name": name} for name in missing]
    by_name.update(zip(missing, writer.insert(_table(Tag), params), strict=True))
    return by_name


def _write_contacts(
    writer: _Writer, rows: list[Row], tag_ids: dict[str, int], organizations: dict[int, str]
) -> None:
    """Contacts with their search text; then introducers, careers and tags by the new ids."""
    session = writer.session

    def search_text(row: Row) -> str:
        values = row.values
        organization = organizations.get(values.get("organization_id") or 0)
        return build_search_text(
            values["full_name"],
            values.get("title") or "",
            organization,
            values.get("email"),
            list(values.get("tags") or []),
        )

    contacts = writer.store(
        "contacts",
        rows,
        organization_id=writer.link("organizations", "organization_id"),
        introduced_by_id=None,  # set below, once every contact has its new id
        search_text=search_text,
    )
    introducers = {
        new: writer.new_id("contacts", row.values.get("introduced_by_id"))
        for row, new in zip(rows, contacts, strict=True)
    }
    writer.relink(_table(Contact), "introduced_by_id", introducers)
    careers = [
        {"contact_id": new, "career_id": writer.new_id("careers", career_id)}
        for row, new in zip(rows, contacts, strict=True)
        for career_id in dict.fromkeys(row.values.get("career_ids") or [])
    ]
    # In one statement each (insert_rows): both link tables have triggers that write elsewhere.
    if careers:
        insert_rows(session.connection(), ContactCareer.__table__, careers)  # type: ignore[attr-defined]
    tags = [
        {"contact_id": new, "tag_id": tag_ids[name]}
        for row, new in zip(rows, contacts, strict=True)
        for name in dict.fromkeys(row.values.get("tags") or [])
    ]
    if tags:
        insert_rows(session.connection(), ContactTag.__table__, tags)  # type: ignore[attr-defined]


def _write_banks(writer: _Writer, banks: list[Row], questions: list[Row]) -> None:
    stored = writer.store("question_banks", banks, copied_from_id=None)
    writer.store(
        "questions", questions, bank_id=lambda row: writer.new_id("question_banks", row.parent)
    )
    origins = {
        new: _outside_link(
            writer,
            "question_banks",
            row,
            "copied_from_id",
            writer.outside.banks,
            "copied_from_builtin_key",
        )
        for row, new in zip(banks, stored, strict=True)
    }
    writer.relink(_table(QuestionBank), "copied_from_id", origins)


def _outside_link(
    writer: _Writer, part: str, row: Row, column: str, builtins: dict[str, int], key: str
) -> int | None:
    """A link kept inside the document, else to the built-in row of that key, else empty."""
    old = row.values.get(column)
    if old is None:
        return None
    if old in writer.ids.get(part, {}):
        return writer.ids[part][old]
    found = builtins.get(str(row.raw.get(key) or ""))
    if found is None:
        writer.outside.unlinked += 1
    return found


def _source_key(writer: _Writer, key: str | None) -> str | None:
    """A follow-up's event key names its interview: renamed to the interview's new id."""
    if key is None:
        return None
    match = _INTERVIEW_KEY.match(key)
    if match is None:
        return key
    new = writer.ids["interviews"].get(int(match.group(1)))
    return None if new is None else f"interview:{new}:{key[match.end() :]}"


def _write_account(session: Session, user: User, account: AccountPart) -> None:
    """The account's settings; its identity (username, name, email) stays its own."""
    user.timezone = account.timezone
    # The job-search status arrives as its history (job_search_changes); a document without
    # one (made when the profile kept its own copy) still brings the status it states.
    if jobsearch_service.current_status(session, user).change is None:
        jobsearch_service.change_from_profile(
            session, user, account.job_search_status, account.job_search_note
        )
    user.touch()
    session.add(user)
    settings = account.follow_up_settings
    if settings is not None:
        existing = session.get(FollowUpSettings, user.id)
        row = existing or FollowUpSettings(user_id=user.id)
        row.thank_you_delay_hours = settings.thank_you_delay_hours
        row.email_digest = settings.email_digest
        session.add(row)


# ---- the operation ----------------------------------------------------------------------


def import_account(
    session: Session,
    user: User,
    raw: bytes,
    *,
    max_bytes: int,
    max_questions: int,
    phone_region: str,
) -> AccountImportReport:
    """Read an export into this (empty) account, all or nothing; the report counts rows."""
    document = parse_document(raw, max_bytes)
    version = _check_head(document)
    # Two imports into one account at once: the second waits here, then finds it not empty
    # (PostgreSQL; SQLite's write transaction is already exclusive).
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    check_empty(session, user)
    _check_counts(document, version, max_questions)
    problems = _Problems()
    checked = _check_rows(document, version, problems)
    problems.raise_if_any()
    _check_links(checked, phone_region, problems)
    problems.raise_if_any()
    outside = _outside(session, checked)
    try:
        # The new rows of every searchable kind are indexed at the end of the block, one
        # statement per index table (SQLite; search.service.bulk_indexing), not by a trigger
        # per row.
        with bulk_indexing(session.connection()):
            writer = _write(session, user, checked, outside)
    except IntegrityError:
        session.rollback()
        raise Invalid.one(
            "document", "The database refused a row of the document; nothing was imported."
        ) from None
    session.commit()
    created = {name: writer.created.get(name, 0) for name in PARTS}
    created["agenda_items"] = created.pop("agenda")
    return AccountImportReport(version=version, created=created, unlinked=outside.unlinked)
