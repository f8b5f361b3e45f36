"""Contacts: create, read, update, delete; the list with its filters, sorts and text search.

Referral chains live in ``referrals/service.py`` and the typed references of the contact
forms in ``references/service.py``; interactions and tags are their own packages.

Every read runs through SQLAlchemy (``session.execute`` or, on the hot list path, the
session's ``connection().execute``), so every statement is seen by its events and each
column is converted by its type. The list's statements have every value as a named bind
and are built once per shape (which filters are set, the sort): SQLAlchemy's compiled cache
then finds them by their cache key, and a request only computes the values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    Connection,
    CursorResult,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.concurrency import check_version
from app.contacts.models import (
    CONTACT_TAG_NAMES,
    STAGES,
    Contact,
    ContactCareer,
    ContactCount,
    ContactTag,
    Tag,
)
from app.contacts.normalise import normalise_linkedin, normalise_phone
from app.contacts.referrals.service import check_introducer, referrals
from app.contacts.schemas import ContactCreate, ContactRead, ContactUpdate, ReferralsRead
from app.db import UTCDateTime, begin_read, read_connection, utcnow
from app.dbjson import json_objects, postgresql_json_array, postgresql_json_object
from app.errors import Conflict, Invalid
from app.interactions import service as interactions_service
from app.interactions.models import Interaction
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview
from app.organizations import service as organizations_service
from app.organizations.models import Organization
from app.ownership import get_owned, owned_reference
from app.paging import order_by_clauses
from app.schemas import Page, normalise_tag
from app.tags import service as tags_service
from app.textmatch import like_pattern
from app.wording import plural

_TEXT_FIELDS = ("title", "location", "how_we_met", "notes")


# ---- reading one ------------------------------------------------------------------------


def get_contact(session: Session, user: User, contact_id: int) -> Contact:
    """One of the user's contacts (another user's is NotFound)."""
    return get_owned(session, Contact, user.id, contact_id)


def to_read(contact: Contact, career_ids: list[int], tags: list[str]) -> ContactRead:
    """A contact row with its careers and tags as the API read model."""
    values = {
        name: getattr(contact, name)
        for name in ContactRead.model_fields
        if name not in ("career_ids", "tags")
    }
    return ContactRead.model_validate({**values, "career_ids": career_ids, "tags": tags})


def read_contact(session: Session, user: User, contact_id: int) -> ContactRead:
    """A contact as the API shows it, with career ids and tags."""
    begin_read(session)  # after a save's commit: read without queueing for the write lock
    contact = get_contact(session, user, contact_id)
    careers = career_ids_by_contact(session, [contact_id])
    tags = tags_service.tag_names_by_contact(session, [contact_id])
    return to_read(contact, careers.get(contact_id, []), tags.get(contact_id, []))


_CAREERS_OF_CONTACTS = (
    select(ContactCareer.contact_id, ContactCareer.career_id)
    .where(ContactCareer.contact_id.in_(bindparam("ids", expanding=True)))
    .order_by(ContactCareer.career_id)
)


def career_ids_by_contact(session: Session, contact_ids: Iterable[int]) -> dict[int, list[int]]:
    """contact id -> career ids, for many contacts in one query."""
    ids = list(contact_ids)
    found: dict[int, list[int]] = defaultdict(list)
    if ids:
        for contact_id, career_id in session.connection().execute(
            _CAREERS_OF_CONTACTS, {"ids": ids}
        ):
            found[contact_id].append(career_id)
    return found


@dataclass
class ContactDetail:
    """Everything the contact page shows."""

    contact: Contact
    organization: Organization | None
    careers: list[tuple[int, str]]
    tags: list[str]
    referrals: ReferralsRead


def contact_detail(session: Session, user: User, contact_id: int) -> ContactDetail:
    """The contact with its organization, careers, tags and referral chain."""
    contact = get_contact(session, user, contact_id)
    organization = None
    if contact.organization_id is not None:
        organization = session.get(Organization, contact.organization_id)
    careers = session.execute(
        select(Career.id, Career.title)
        .join(ContactCareer, ContactCareer.career_id == Career.id)
        .where(ContactCareer.contact_id == contact_id, Career.owner_id == user.id)
        .order_by(Career.title)
    )
    tags = tags_service.tag_names_by_contact(session, [contact_id]).get(contact_id, [])
    return ContactDetail(
        contact=contact,
        organization=organization,
        careers=[(r.id, r.title) for r in careers],
        tags=tags,
        referrals=referrals(session, user, contact_id),
    )


_CAREER_CHOICES = (
    select(Career.id, Career.title)
    .where(Career.owner_id == bindparam("owner_id"))
    .order_by(Career.title, Career.id)
)


def career_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """The user's careers (id, title) by title, for a filter or the form's checkboxes."""
    rows = session.connection().execute(_CAREER_CHOICES, {"owner_id": user.id})
    return [(row[0], row[1]) for row in rows]


def _careers_json(dialect_name: str) -> Any:
    """``career_choices`` as one column: the owner's careers as JSON text, [[id, title], ...]
    (an uncorrelated subquery, read once per statement), for ``_career_list`` to read.

    PostgreSQL orders them by title in its collation, as _CAREER_CHOICES does; SQLite's
    aggregate takes its rows unordered, so they are sorted when read (BINARY: code points)."""
    if dialect_name == "sqlite":
        careers = func.json_group_array(func.json_array(Career.id, Career.title))
    else:
        pair = func.json_build_array(Career.id, Career.title)
        careers = func.json_agg(aggregate_order_by(pair, Career.title, Career.id))
    subquery = select(careers).where(Career.owner_id == bindparam("owner_id")).scalar_subquery()
    # Text, not JSON: psycopg would parse a json value in every row that carries it.
    return cast(subquery, Text).label("careers")


def _career_list(dialect_name: str, text: str | None) -> list[tuple[int, str]]:
    """``_careers_json``'s text as ``career_choices`` gives them: (id, title) by title, id."""
    careers = [(id_, title) for id_, title in orjson.loads(text)] if text else []
    if dialect_name == "sqlite":
        # Python orders str by code point, SQLite's BINARY order of their UTF-8 bytes.
        careers.sort(key=lambda career: (career[1], career[0]))
    return careers


def contacts_for(
    session: Session,
    user: User,
    *,
    career_id: int | None = None,
    organization_id: int | None = None,
    limit: int = 50,
) -> list[Contact]:
    """The user's contacts linked to a career or working at an organization, by name."""
    statement = select(Contact).where(Contact.owner_id == user.id)
    if career_id is not None:
        statement = statement.join(ContactCareer, ContactCareer.contact_id == Contact.id).where(
            ContactCareer.career_id == career_id
        )
    if organization_id is not None:
        statement = statement.where(Contact.organization_id == organization_id)
    order = (func.lower(Contact.full_name), Contact.id)
    return list(session.scalars(statement.order_by(*order).limit(limit)))


def count_contacts(session: Session, user: User) -> int:
    """How many contacts the user has (kept by triggers: one row read, not a count)."""
    row = session.connection().execute(_KEPT_COUNT, {"owner_id": user.id}).first()
    return row[0] if row is not None and row[0] is not None else 0


# ---- text search ------------------------------------------------------------------------
# `q` is a case-insensitive substring of a contact's search_text (name, title, organization,
# email and tags, case-folded when written); `%` and `_` in it are literal.
#
# On SQLite a `q` of three characters or more is answered by an FTS5 trigram index
# (contacts_fts, kept by triggers: see app.contacts.models) alone: a trigram phrase query is
# exactly "contains this substring" once both sides are case-folded, because no two distinct
# case-folded characters fold alike in the tokenizer (tests/contacts/test_search_index.py
# checks the phrase against Python's `in`). Re-checking with LIKE as well read every matching
# row (7,000 for "coll" in a 100k list), which was most of the request. A shorter `q` has no
# trigram, so it is a LIKE over the owner's rows. PostgreSQL's LIKE uses its pg_trgm GIN
# index unchanged.

# A trigram index finds nothing in text shorter than one trigram: such `q` scan instead.
MIN_INDEXED_LENGTH = 3

_fts = table("contacts_fts", column("rowid", Integer), column("contacts_fts"))


def build_search_text(
    full_name: str, title: str, organization: str | None, email: str | None, tags: list[str]
) -> str:
    """The case-folded text `q` matches (the seeder and the import use this rule too)."""
    parts = [full_name, title, organization or "", email or "", *tags]
    return " ".join(p for p in parts if p).casefold()


def fts_phrase(q: str) -> str:
    """An FTS5 query matching ``q`` as one contiguous phrase (a substring, with trigrams)."""
    return '"' + q.casefold().replace('"', '""') + '"'


def is_unindexed(q: str | None) -> bool:
    """Whether ``q`` is a search the trigram index cannot answer (1 or 2 characters)."""
    return bool(q) and len(q.casefold()) < MIN_INDEXED_LENGTH  # type: ignore[union-attr]


def _text_params(dialect_name: str, q: str) -> dict[str, str]:
    """The bind values of a search for ``q``: ``q_fts`` where the index answers, else ``q_like``."""
    if dialect_name == "sqlite" and not is_unindexed(q):
        return {"q_fts": fts_phrase(q)}
    return {"q_like": like_pattern(q)}


def _fts_matches() -> Any:
    """The ids of the contacts whose search text holds the phrase bound as ``q_fts``."""
    phrase = bindparam("q_fts", type_=String)
    return select(_fts.c.rowid).where(_fts.c.contacts_fts.op("MATCH")(phrase))


def text_conditions(shape: Iterable[str]) -> list[Any]:
    """WHERE conditions for contacts whose search text contains the searched text."""
    if "q_fts" in shape:
        return [Contact.id.in_(_fts_matches())]
    return [Contact.search_text.like(bindparam("q_like"), escape="\\")]


# ---- the list: filters and sorts --------------------------------------------------------

CONTACT_SORTS = {
    # Each has an (owner_id, key, id) index (app.contacts.models), so a page is a range scan.
    "full_name": func.lower(Contact.full_name),  # people sort names without regard to case
    "created_at": Contact.created_at,
    "updated_at": Contact.updated_at,
    "last_contacted_at": Contact.last_contacted_at,
    "next_touch_due": Contact.next_touch_due,
    "stage": Contact.stage,
}
_NULLABLE_SORTS = frozenset({"last_contacted_at", "next_touch_due"})


@dataclass
class ContactFilters:
    """The list filters the API and the pages share."""

    career_id: int | None = None
    organization_id: int | None = None
    tag: str | None = None
    stage: str | None = None
    introduced_by_id: int | None = None
    due: bool | None = None
    q: str | None = None


def sort_order(sort: str | None, *, unindexed: bool = False) -> list[Any]:
    """ORDER BY for ``sort``, in the order of one of the contacts indexes.

    Empty values sort last either way. The id tie-break follows the last key's direction,
    so ``-updated_at`` is one backward index scan rather than a scan plus a sort.
    """
    order: list[Any] = []
    descending = False
    for clause in order_by_clauses(sort, CONTACT_SORTS, ["full_name"]):
        descending = clause.modifier is operators.desc_op  # type: ignore[attr-defined]
        nullable = getattr(clause.element, "key", None) in _NULLABLE_SORTS  # type: ignore[attr-defined]
        if unindexed and not order:
            # The same values (`|| ''` keeps text and NULL as they are), but no index's order.
            key = clause.element.concat(literal_column("''"))  # type: ignore[attr-defined]
            clause = key.desc() if descending else key.asc()
        order.append(clause.nulls_last() if nullable else clause)
    order.append(Contact.id.desc() if descending else Contact.id.asc())  # type: ignore[union-attr]
    return order


def filter_params(
    dialect_name: str, user: User, filters: ContactFilters, now: datetime
) -> dict[str, Any]:
    """The values of the filters that are set, by bind name; the names are the shape."""
    params: dict[str, Any] = {"owner_id": user.id}
    if filters.career_id is not None:
        params["career_id"] = filters.career_id
    if filters.organization_id is not None:
        params["organization_id"] = filters.organization_id
    if filters.tag:
        params["tag_owner_id"] = user.id
        params["tag"] = normalise_tag(filters.tag)
    if filters.stage is not None:
        params["stage"] = filters.stage
    if filters.introduced_by_id is not None:
        params["introduced_by_id"] = filters.introduced_by_id
    if filters.due is True:
        params["due_by"] = now
    elif filters.due is False:
        params["not_due_after"] = now
    if filters.q:
        params.update(_text_params(dialect_name, filters.q))
    return params


def filter_conditions(shape: Iterable[str]) -> list[Any]:
    """WHERE conditions for the filters named in ``shape`` (bind names), values left as binds."""
    names = frozenset(shape)
    conditions: list[Any] = [Contact.owner_id == bindparam("owner_id")]
    if "career_id" in names:
        linked = select(ContactCareer.contact_id).where(
            ContactCareer.career_id == bindparam("career_id")
        )
        conditions.append(Contact.id.in_(linked))
    if "organization_id" in names:
        conditions.append(Contact.organization_id == bindparam("organization_id"))
    if "tag" in names:
        tagged = (
            select(ContactTag.contact_id)
            .join(Tag, Tag.id == ContactTag.tag_id)
            .where(
                Tag.owner_id == bindparam("tag_owner_id"),
                Tag.name == bindparam("tag"),
            )
        )
        conditions.append(Contact.id.in_(tagged))
    if "stage" in names:
        conditions.append(Contact.stage == bindparam("stage"))
    if "introduced_by_id" in names:
        conditions.append(Contact.introduced_by_id == bindparam("introduced_by_id"))
    if "due_by" in names:
        conditions.append(Contact.next_touch_due <= bindparam("due_by", type_=UTCDateTime))
    if "not_due_after" in names:
        after = bindparam("not_due_after", type_=UTCDateTime)
        conditions.append(or_(Contact.next_touch_due.is_(None), Contact.next_touch_due > after))
    if "q_like" in names or "q_fts" in names:
        # search_text holds the organization's name; its renames and deletes reindex it.
        conditions.extend(text_conditions(names))
    return conditions


# ---- the list: its statements -----------------------------------------------------------

# The API read model's columns, in its order (career_ids and tags come from their tables).
READ_COLUMNS = tuple(
    getattr(Contact, name)
    for name in ContactRead.model_fields
    if name not in ("career_ids", "tags")
)
_KEPT_COUNT = select(ContactCount.contacts).where(ContactCount.owner_id == bindparam("owner_id"))
# What the list pages show of a contact (app.contacts.rows reads a row in this order, then its
# tags, its organization's name and whether it is due): not the whole read model. Careers,
# notes and the other columns no page cell shows cost SQLite a subquery and a read per row,
# and the two dates of them a conversion each: 40 % of the page statement's time at 100k
# contacts.
LISTED_COLUMNS = (
    Contact.id,
    Contact.full_name,
    Contact.title,
    Contact.organization_id,
    Contact.stage,
    Contact.last_contacted_at,
    Contact.next_touch_due,
)


class PageColumns(StrEnum):
    """Which columns a page of the list reads."""

    READ = "read"  # the API's read model (READ_COLUMNS, career_ids, tags)
    NAMED = "named"  # the read model and each contact's organization_name (suggestions)
    # The read model as the JSON the database writes (app.dbjson): the API's list, spliced
    # into its response without a row, dict or datetime per contact in Python.
    ENCODED = "encoded"
    # What the list pages show: LISTED_COLUMNS, tags and organization_name, the dates as
    # SQLite stores them and the tags as kept (text), then whether the next touch is due by
    # now, as one JSON text of rows (StoredRows) on both databases. The pages
    # keep rows drawn by these values (app.contacts.rows.draw_stored_rows), so only a page
    # not drawn yet converts them.
    STORED = "stored"


class _JsonArray(TypeDecorator[list[Any]]):
    """A JSON array's text read as a list (orjson: a page has 100 of them)."""

    impl = Text
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # Text needs no conversion on SQLite: one plain function per value, not the
        # TypeDecorator's wrapper calling process_result_value.
        loads = orjson.loads

        def process(value: Any) -> list[Any]:
            return [] if value is None else loads(value)

        return process


class _SortedJsonArray(_JsonArray):
    """SQLite's json_group_array text, read as a sorted list.

    The aggregate takes its rows unordered and the list is sorted here: an ORDER BY inside
    the per-row subquery cost SQLite a co-routine and a sorter per contact (about a third of
    the page statement), where sorting one to three values in Python costs next to nothing.
    Python orders ints as numbers, as the ORDER BY would.
    """

    cache_ok = True  # not inherited: SQLAlchemy reads it from each class's own attributes

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        loads = orjson.loads

        def process(value: Any) -> list[Any]:
            return [] if value is None else sorted(loads(value))

        return process


class _JsonText(_JsonArray):
    """A JSON array left as its text (PageColumns.STORED): the list pages' rows are kept
    drawn by their values (app.contacts.rows.draw_stored_rows), so a row must be hashable,
    and a page drawn before need not parse it."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        return None


# The API's read model of the page "q" as SQLite writes its JSON (PageColumns.ENCODED): the
# tags as kept, A-Z; the careers by id as the link table's primary key holds them. A contact's
# links are read through that key's index, (contact_id, career_id), the only index leading
# with contact_id, which hands them out in career id order; an ORDER BY would cost a
# co-routine per contact (186 of the statement's 588 us). tests/contacts/test_api_json.py
# checks the plan and the order of careers linked in reverse.
_SQLITE_CAREER_IDS = (
    "(SELECT json_group_array(career_id)"
    f" FROM {ContactCareer.__tablename__} WHERE contact_id = q.id)"
)
_READ_TYPES = [(column.key, column.type) for column in READ_COLUMNS]
_SQLITE_READ_JSON = json_objects(
    "q", _READ_TYPES, [("career_ids", _SQLITE_CAREER_IDS), ("tags", "json(q.tag_names)")]
)
# The same on PostgreSQL, for one row of the page "q" (string_agg joins them, in its order):
# the careers through the link table's key, the tags as kept (the same compact text).
_POSTGRESQL_CAREER_IDS = (
    "'[' || coalesce((SELECT string_agg(career_id::text, ',' ORDER BY career_id)"
    f" FROM {ContactCareer.__tablename__} WHERE contact_id = q.id), '') || ']'"
)
_POSTGRESQL_READ_JSON = postgresql_json_object(
    "q", _READ_TYPES, [("career_ids", _POSTGRESQL_CAREER_IDS), ("tags", "q.tag_names")]
)
# LISTED_COLUMNS with the two dates as SQLite stores them (PageColumns.STORED).
_STORED_COLUMNS = tuple(
    type_coerce(column, Text).label(column.key)
    if column.key in ("last_contacted_at", "next_touch_due")
    else column
    for column in LISTED_COLUMNS
)


def _due_by_now(next_touch_due: Any) -> Any:
    """Whether a contact's next touch is due by the bound ``shown_now`` (none set: NULL)."""
    return (next_touch_due <= bindparam("shown_now", type_=UTCDateTime)).label("overdue")


def _career_ids() -> Any:
    """A contact's career ids as a JSON array per page row (SQLite), read back sorted."""
    source = select(func.json_group_array(ContactCareer.career_id)).where(
        ContactCareer.contact_id == Contact.id
    )
    return type_coerce(source.correlate(Contact).scalar_subquery(), _SortedJsonArray)


# A contact's tag names as the triggers keep them (models.CONTACT_TAG_NAMES): JSON text on
# both databases, A-Z, read as a list (the API) or left as text (PageColumns.STORED).
_TAG_NAMES = type_coerce(CONTACT_TAG_NAMES, _JsonArray).label("tags")
_TAG_NAMES_TEXT = type_coerce(CONTACT_TAG_NAMES, _JsonText).label("tags")


# Built once per shape (which binds, which sort): a request then only computes its values,
# and SQLAlchemy's compiled cache finds the SQL by the statement's cache key. The sizes bound
# the memory; a shape seen again after eviction is simply built again.
@lru_cache(maxsize=256)
def count_statement(shape: tuple[str, ...], careers_dialect: str | None = None) -> Any:
    """The total of a filtered list and the owner's kept count of contacts, which tells
    ``page_plan`` how selective the filters are (the unfiltered total is the kept count);
    with ``careers_dialect``, the owner's careers too (``_careers_json`` on that database)."""
    owned = _KEPT_COUNT.scalar_subquery().label("owned")
    careers = [_careers_json(careers_dialect)] if careers_dialect else []
    return select(func.count(Contact.id), owned, *careers).where(*filter_conditions(shape))


# Only the owner set: the total is the kept count, read inside the page statement.
_OWNER_ONLY = ("owner_id",)


class PagePlan(StrEnum):
    """How SQLite is to find a searched page (it cannot tell from the statement alone)."""

    PLANNER = "planner"  # SQLite's own choice: the filter's index, or the sort's
    SORT_MATCHES = "sort_matches"  # a few rows match: find them all, sort them
    WALK_SORT_INDEX = "walk_sort_index"  # many match: look among the first few in sort order


def page_plan(
    dialect_name: str, q: str | None, total: int, owned: int, end: int
) -> tuple[PagePlan, int]:
    """The plan for a searched page ending at row ``end`` of ``total`` matches among
    ``owned`` contacts (SQLite; PostgreSQL plans from its statistics), and for a walk, how
    many index entries it looks at.

    Sorting the matches reads each matching row: about 4 ms for 1,100 matches and 15 ms for
    the 7,282 "coll" has at 100k contacts. Walking the sort's index reads index entries only
    and, when the matches are spread along the sort order, fills the page within about
    owned / total entries per row of it: 1-2 ms for "coll". They may not be spread: a first
    name's prefix matches contacts that sit together in name order, perhaps at its end. So a
    walk looks at twice the entries spread matches would need and no more, and is tried
    only where that is cheap next to sorting (at least sqrt(owned * end) matches);
    ``contact_read_page`` sorts the matches when it comes back short.
    A `q` too short for the trigram index is a scan; with few matches SQLite would rather
    walk the sort index looking for them (100k lookups): they are sorted instead.
    """
    if dialect_name != "sqlite" or not q:
        return PagePlan.PLANNER, 0
    if is_unindexed(q):
        return (PagePlan.SORT_MATCHES if total < 10 * end else PagePlan.PLANNER), 0
    if total and total * total >= owned * end:
        return PagePlan.WALK_SORT_INDEX, 2 * owned * end // total + end
    return PagePlan.PLANNER, 0


def _organization_name(organization_id: Any) -> Any:
    """The name of the owner's organization ``organization_id`` (NULL for none)."""
    return (
        select(Organization.name)
        .where(
            Organization.id == organization_id,
            Organization.owner_id == bindparam("owner_id"),
        )
        .scalar_subquery()
        .label("organization_name")
    )


@lru_cache(maxsize=1024)
def page_statement(
    dialect_name: str,
    shape: tuple[str, ...],
    sort: str | None,
    plan: PagePlan,
    columns: PageColumns = PageColumns.READ,
    careers: bool = False,
) -> Any:
    """One page of the list as read-model columns, careers and tags included, found as
    ``plan`` says; ``columns`` NAMED: with each contact's organization name too (a subquery
    per row of the page, not a second statement); STORED: only what the list pages show.
    The unfiltered list also carries its total, the kept count, as a last column (an
    uncorrelated subquery: read once per statement), so the commonest list is one
    statement; filtered lists count with ``count_statement`` first. With ``careers``, the
    owner's careers come after those (``_careers_json``: a list page's career filter).

    SQLite computes select-list subqueries only for the rows it returns, so careers and tags
    ride along in the page query; its STORED page is one row: the rows as one JSON text built
    by SQLite (``StoredRows``), their count, then the total and careers, each read once.
    PostgreSQL computes them for the rows OFFSET skips too (550 subplans for page 11), so
    there the page is a subquery and they are computed over it.
    """
    kept = [_KEPT_COUNT.scalar_subquery().label("total")] if shape == _OWNER_ONLY else []
    if careers:
        kept.append(_careers_json(dialect_name))
    if dialect_name != "sqlite":
        return _page_of_rows(shape, sort, columns).add_columns(*kept)
    order = sort_order(sort, unindexed=plan is PagePlan.SORT_MATCHES)
    conditions = filter_conditions(shape)
    if plan is PagePlan.WALK_SORT_INDEX:
        # The owner's first `walk` contacts in the sort's order (its index alone), then
        # those the search matches: the other filters and the page apply to
        # these few rows only.
        walked = (
            select(Contact.id)
            .where(Contact.owner_id == bindparam("owner_id"))
            .order_by(*order)
            .limit(bindparam("walk", type_=Integer))
            .subquery("walked")
        )
        matched = select(walked.c.id).where(walked.c.id.in_(_fts_matches()))
        others = filter_conditions(name for name in shape if name != "q_fts")
        conditions = [*others, Contact.id.in_(matched)]
    if columns is PageColumns.ENCODED:
        page = (
            select(*READ_COLUMNS, CONTACT_TAG_NAMES)
            .where(*conditions)
            .order_by(*order)
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer))
            .subquery("q")
        )
        # The page's items as one JSON text (None: a time not in the stored form), and how many.
        items = literal_column(_SQLITE_READ_JSON).label("items")
        return select(items, func.count().label("shown"), *kept).select_from(page)
    if columns is PageColumns.STORED:
        organization = _organization_name(Contact.organization_id)
        shown = [
            *_STORED_COLUMNS,
            _TAG_NAMES_TEXT,
            organization,
            _due_by_now(Contact.next_touch_due),
        ]
        page = (
            select(*shown)
            .where(*conditions)
            .order_by(*order)
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer))
            .subquery("page")
        )
        # The page as one JSON text (StoredRows), the rows in the page's order, and how many.
        rows = func.json_group_array(func.json_array(*page.c)).label("rows")
        return select(rows, func.count().label("shown"), *kept)
    else:
        shown = [*READ_COLUMNS, _career_ids().label("career_ids"), _TAG_NAMES]
        if columns is PageColumns.NAMED:
            shown.append(_organization_name(Contact.organization_id))
    return (
        select(*shown, *kept)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


def _sort_key(clause: Any) -> tuple[Any, bool, bool]:
    """(expression, descending, nulls last) of one of sort_order's clauses."""
    nulls_last = clause.modifier is operators.nulls_last_op
    ordered = clause.element if nulls_last else clause
    return ordered.element, ordered.modifier is operators.desc_op, nulls_last


def _page_of_rows(shape: tuple[str, ...], sort: str | None, columns: PageColumns) -> Any:
    """PostgreSQL: the page's rows (their tag names too) in an index-ordered subquery "q",
    then what is computed per row for those rows only, in one round trip: READ and NAMED
    rows with careers (an ordered array; empty for none); ENCODED and STORED one row, the
    page as one JSON text and how many rows it holds, as on SQLite.

    The subquery hands out its sort keys and the outer query orders by them (an aggregate's
    ORDER BY for one text), which the planner satisfies from the subquery's own order."""
    order = sort_order(sort)
    keys = [_sort_key(clause) for clause in order]
    listed = columns is PageColumns.STORED
    base = LISTED_COLUMNS if listed else READ_COLUMNS
    page = (
        select(
            *base,
            CONTACT_TAG_NAMES,
            *(key.label(f"sort_{i}") for i, (key, _, _) in enumerate(keys)),
        )
        .where(*filter_conditions(shape))
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("q")
    )
    outer = []
    for i, (_, descending, nulls_last) in enumerate(keys):
        clause = page.c[f"sort_{i}"].desc() if descending else page.c[f"sort_{i}"].asc()
        outer.append(clause.nulls_last() if nulls_last else clause)
    shown_count = func.count().label("shown")
    if columns is PageColumns.ENCODED:
        items = postgresql_json_array(_POSTGRESQL_READ_JSON, outer).label("items")
        return select(items, shown_count).select_from(page)
    if listed:
        # StoredRows' form: the dates as SQLite stores them (app.contacts.rows reads both).
        row = func.json_build_array(
            *(
                _postgresql_stored_time(page.c[column.key])
                if isinstance(column.type, UTCDateTime)
                else page.c[column.key]
                for column in LISTED_COLUMNS
            ),
            page.c.tag_names,
            _organization_name(page.c.organization_id),
            _due_by_now(page.c.next_touch_due),
        )
        rows = func.coalesce(
            cast(func.json_agg(aggregate_order_by(row, *outer)), Text), _SQL_NO_ROWS
        )
        return select(rows.label("rows"), shown_count).select_from(page)
    careers = (
        select(ContactCareer.career_id)
        .where(ContactCareer.contact_id == page.c.id)
        .order_by(ContactCareer.career_id)
    )
    shown = [page.c[column.key] for column in base]
    shown.append(func.array(careers.scalar_subquery()).label("career_ids"))
    shown.append(type_coerce(page.c.tag_names, _JsonArray).label("tags"))
    if columns is PageColumns.NAMED:
        shown.append(_organization_name(page.c.organization_id))
    return select(*shown).order_by(*outer)


_SQL_NO_ROWS = literal_column("'[]'", Text)  # a literal, not a bound parameter


def _postgresql_stored_time(value: Any) -> Any:
    """A time as SQLite stores it, 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (NULL stays NULL)."""
    utc = func.timezone(literal_column("'UTC'", Text), value)
    return func.to_char(utc, literal_column("'YYYY-MM-DD HH24:MI:SS.US'", Text))


def contact_read_page(
    session: Session,
    user: User,
    filters: ContactFilters,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
    now: datetime | None = None,
    organization_names: bool = False,
) -> Page[dict[str, Any]]:
    """A page of the user's contacts as ContactRead dicts, filtered and sorted in SQL;
    with ``organization_names``, each also has its ``organization_name`` (or None).

    The one read path of the contacts list: the API and the suggestions here, the list
    pages through ``contact_list_view``.
    """
    columns = PageColumns.NAMED if organization_names else PageColumns.READ
    read = _page_rows(session, user, filters, limit, offset, sort, now, columns)
    return _read_items(read, columns, limit, offset)


def contact_encoded_page(
    session: Session,
    user: User,
    filters: ContactFilters,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
) -> Page[Any]:  # items: ContactRead dicts, or their JSON as an orjson.Fragment
    """``contact_read_page`` for a JSON response (the API's list): its items are the JSON
    text the database writes (an ``orjson.Fragment`` for ``json_page_response`` to splice;
    on SQLite the rows are read instead, as dicts, when a time is not in the stored form)."""
    now = utcnow()
    read = _page_rows(session, user, filters, limit, offset, sort, now, PageColumns.ENCODED)
    assert isinstance(read.rows, EncodedItems)
    if read.rows.text is None:
        read = _page_rows(session, user, filters, limit, offset, sort, now, PageColumns.READ)
        return _read_items(read, PageColumns.READ, limit, offset)
    items = orjson.Fragment(read.rows.text)
    return EncodedPage.model_construct(items=items, total=read.total, limit=limit, offset=offset)


def _read_items(
    read: _PageRead, columns: PageColumns, limit: int, offset: int
) -> Page[dict[str, Any]]:
    """The page's rows as read-model dicts, with its total."""
    # Plain str keys: a subquery's column names come back as a str subclass orjson refuses.
    keys = tuple(map(str, read.result.keys()))[: _SHOWN[columns]]
    items = [dict(zip(keys, row)) for row in read.rows]  # noqa: B905 (shorter keys on purpose)
    return Page[dict[str, Any]].model_construct(
        items=items, total=read.total, limit=limit, offset=offset
    )


# A page of the list pages, and of the API's encoded list: made once, not looked up by its
# parameter at each call.
ListPage = Page[tuple[Any, ...]]
EncodedPage = Page[Any]


class StoredRows(Sequence[tuple[Any, ...]]):
    """A list page's rows as the page statement returns them: one JSON text,
    [[LISTED_COLUMNS' values as stored, tags' JSON text, organization name, due], ...], and
    how many rows it holds. Hashed and compared by that text, so a page drawn before
    (app.contacts.rows.draw_stored_rows) is found by one string, with no row objects built
    or hashed (50 rows read one by one cost 0.44 M instructions more per page, callgrind);
    parsed into the rows as PageColumns.STORED reads them only when iterated."""

    __slots__ = ("_count", "_rows", "text")

    def __init__(self, text: str, count: int) -> None:
        self.text = text
        self._count = count
        self._rows: tuple[tuple[Any, ...], ...] | None = None

    def _parsed(self) -> tuple[tuple[Any, ...], ...]:
        if self._rows is None:
            self._rows = tuple(map(tuple, orjson.loads(self.text)))
        return self._rows

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        return self._parsed()[index]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._parsed())

    def __hash__(self) -> int:
        return hash(self.text)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredRows):
            return self.text == other.text
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"StoredRows({self.text!r}, {self._count})"


@dataclass(frozen=True, slots=True)
class EncodedItems:
    """A page of PageColumns.ENCODED: its items' JSON text (None when SQLite holds a time not
    in the stored form) and how many items it holds (its len, as a page of rows has)."""

    text: str | None
    count: int

    def __len__(self) -> int:
        return self.count


class ListedPage(NamedTuple):
    """A page of the list pages, and the owner's careers when asked for (else empty)."""

    page: ListPage
    careers: list[tuple[int, str]]


def contact_list_view(
    session: Session,
    user: User,
    filters: ContactFilters,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
    now: datetime | None = None,
    careers: bool = False,
) -> ListedPage:
    """A page of the user's contacts as the list pages show them and, with ``careers``, the
    owner's careers as ``career_choices`` gives them, read by the same statements (a column
    of the first), not one of their own (6 % of a contacts page's samples). The same
    filters, sorts, plans and statements per request as ``contact_read_page``, with fewer
    columns: each row as ``PageColumns.STORED`` reads it, LISTED_COLUMNS' values (the dates
    as SQLite holds them), the contact's tags (the kept JSON text, A-Z), its
    organization's name (or None), then whether the next touch is due by ``now`` (None for
    no reminder): app.contacts.rows.draw_stored_rows draws those.

    Read without a common snapshot, on a statement connection (``read_connection``: no
    BEGIN and ROLLBACK on SQLite). The unfiltered page is one statement; a filtered page's
    count and rows may straddle a write, which at worst shows a total one off until the next
    load, and a walk that then comes back short is sorted again as always."""
    columns = PageColumns.STORED
    read = _page_rows(
        session, user, filters, limit, offset, sort, now, columns, careers, snapshot=False
    )
    width = _SHOWN[columns]
    items: Sequence[tuple[Any, ...]] = (
        read.rows
        if isinstance(read.rows, StoredRows)
        else [row[:width] for row in read.rows]  # without the total or careers carried
    )
    page = ListPage.model_construct(items=items, total=read.total, limit=limit, offset=offset)
    dialect_name = session.get_bind().dialect.name
    return ListedPage(page, _career_list(dialect_name, read.careers) if careers else [])


# How many columns each page statement shows: a row may carry more after them (the total
# an unfiltered page reads itself, then the careers a list page asks for).
_SHOWN = {
    PageColumns.READ: len(READ_COLUMNS) + 2,  # career_ids, tags
    PageColumns.NAMED: len(READ_COLUMNS) + 3,  # and organization_name
    PageColumns.STORED: len(LISTED_COLUMNS) + 3,  # tags, organization_name, whether due
    PageColumns.ENCODED: 1,  # the items' JSON text, as one row with its count
}


class _PageRead(NamedTuple):
    """What ``_page_rows`` read: the page statement's result (for its column names), the
    page's rows, the total, and the careers' JSON text (``_careers_json``) when asked for."""

    result: CursorResult[Any]
    rows: Sequence[Any]  # Row objects, a STORED page's StoredRows, or EncodedItems
    total: int
    careers: str | None


def _page_rows(
    session: Session,
    user: User,
    filters: ContactFilters,
    limit: int,
    offset: int,
    sort: str | None,
    now: datetime | None,
    columns: PageColumns,
    careers: bool = False,
    *,
    snapshot: bool = True,
) -> _PageRead:
    """A page of the list (its rows show ``_SHOWN[columns]`` columns, then may carry more),
    its total and, with ``careers``, the owner's careers read by the same statements: the
    unfiltered page's, or a filtered list's count. ``snapshot=False``: a filtered list's
    count and rows need no common snapshot either (``contact_list_view``)."""
    bind = session.get_bind()
    dialect_name = bind.dialect.name
    now = now or utcnow()
    params = filter_params(dialect_name, user, filters, now)
    shape = tuple(sorted(params))
    query = _PageQuery(dialect_name, params, shape, filters, limit, offset, sort, now, columns)
    # One statement (past the end on rows, the total read alone after it), or statements
    # that need no common snapshot, as PostgreSQL's never have one (READ COMMITTED,
    # AUTOCOMMIT_READS): a statement connection, without the Session's machinery around
    # each (app.db.read_connection). Else SQLite's count and rows in one transaction.
    if query.carried or not snapshot or dialect_name == "postgresql":
        with read_connection(session) as connection:
            return _read_page(connection, query, careers)
    return _read_page(session.connection(), query, careers)


class _PageQuery(NamedTuple):
    """What ``_page_rows`` reads: the filters as bound parameters, and the page's shape."""

    dialect_name: str
    params: dict[str, Any]
    shape: tuple[str, ...]
    filters: ContactFilters
    limit: int
    offset: int
    sort: str | None
    now: datetime
    columns: PageColumns

    @property
    def carried(self) -> bool:
        """Whether the page statement reads the kept count itself (the unfiltered list)."""
        return self.shape == _OWNER_ONLY


def _read_page(connection: Connection, query: _PageQuery, careers: bool) -> _PageRead:
    """``_page_rows``'s statements, on ``connection``."""
    dialect_name, params, shape, filters, limit, offset, sort, now, columns = query
    carried = query.carried
    careers_text: str | None = None
    if carried:
        total = owned = 0  # read below, from the page's last columns
    elif careers:
        counted = count_statement(shape, dialect_name)
        total, owned, careers_text = connection.execute(counted, params).one()
    else:
        total, owned = connection.execute(count_statement(shape), params).one()
    plan, walk = page_plan(dialect_name, filters.q, total, owned or 0, offset + limit)
    values = {**params, "limit": limit, "offset": offset, "walk": walk}
    if columns is PageColumns.STORED:
        values["shown_now"] = now
    carry_careers = careers and carried
    one_text = columns is PageColumns.STORED

    def fetch(result: CursorResult[Any]) -> tuple[Sequence[Any], Sequence[Any] | None]:
        """The page's rows, and what follows them in its first row (the carried values)."""
        if one_text:  # always one row, past the end too: the rows' text, their count, ...
            text, shown, *carried_values = result.one()
            return StoredRows(text, shown), carried_values
        if columns is PageColumns.ENCODED:  # the same, the items as JSON (or None)
            text, shown, *carried_values = result.one()
            return EncodedItems(text, shown), carried_values
        rows = result.all()
        return rows, rows[0][_SHOWN[columns] :] if rows else None

    result = connection.execute(
        page_statement(dialect_name, shape, sort, plan, columns, carry_careers), values
    )
    rows, carried_values = fetch(result)
    if plan is PagePlan.WALK_SORT_INDEX and len(rows) < min(limit, total - offset):
        # The matches sit further along the sort order than the walk looked: sort them.
        result = connection.execute(
            page_statement(dialect_name, shape, sort, PagePlan.PLANNER, columns), values
        )
        rows, carried_values = fetch(result)
    if carried:
        if carried_values:
            total = carried_values[0] or 0
            careers_text = carried_values[1] if careers else None
        else:  # rows past the end (PostgreSQL's suggestions, SQLite's fallback): none carried it
            total = connection.execute(_KEPT_COUNT, params).scalar() or 0
    return _PageRead(result, rows, total, careers_text)


@contextmanager
def bulk_contact_load(connection: Connection, owner_id: int) -> Iterator[None]:
    """Bulk-insert one user's contacts in this transaction; their count is redone once at the end.

    On PostgreSQL the per-row count trigger is skipped meanwhile (SQLite's is cheap).
    """
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.exec_driver_sql("SET LOCAL rapport.bulk_load = 'on'")
    yield
    if postgres:
        connection.exec_driver_sql("SET LOCAL rapport.bulk_load = 'off'")
        total = select(func.count()).select_from(Contact).where(Contact.owner_id == owner_id)
        upsert = pg_insert(ContactCount).values(owner_id=owner_id, contacts=total.scalar_subquery())
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=[ContactCount.owner_id],
                set_={"contacts": upsert.excluded.contacts},
            )
        )


# ---- writing ----------------------------------------------------------------------------


@dataclass
class _Resolved:
    columns: dict[str, Any] = field(default_factory=dict)
    career_ids: list[int] | None = None
    tags: list[str] | None = None


def _resolve(
    session: Session,
    user: User,
    contact_id: int | None,
    changes: dict[str, Any],
    phone_region: str,
) -> _Resolved:
    """Validate references and normalise values, all before anything is written."""
    resolved = _Resolved()
    for name, value in changes.items():
        if name in _TEXT_FIELDS:
            resolved.columns[name] = value or ""
        elif name == "organization_id" and value is not None:
            owned_reference(session, Organization, user.id, value, name)
            resolved.columns[name] = value
        elif name == "phone" and value is not None:
            resolved.columns[name] = normalise_phone(value, phone_region)
        elif name == "linkedin_url":
            url, key = normalise_linkedin(value) if value is not None else (None, None)
            if key is not None:
                _refuse_duplicate_linkedin(session, user, contact_id, key)
            resolved.columns.update(linkedin_url=url, linkedin_key=key)
        elif name == "introduced_by_id" and value is not None:
            check_introducer(session, user, contact_id, value)
            resolved.columns[name] = value
        elif name == "career_ids":
            resolved.career_ids = _owned_career_ids(session, user, value or [])
        elif name == "tags":
            resolved.tags = list(value or [])
        else:
            resolved.columns[name] = value
    return resolved


def _refuse_duplicate_linkedin(
    session: Session, user: User, contact_id: int | None, key: str
) -> None:
    statement = select(Contact.id).where(Contact.owner_id == user.id, Contact.linkedin_key == key)
    if contact_id is not None:
        statement = statement.where(Contact.id != contact_id)
    existing = session.scalar(statement.order_by(Contact.id).limit(1))
    if existing is not None:
        raise Conflict(
            detail=f"Contact {existing} already has this LinkedIn profile.",
            existing_id=existing,
        )


def _owned_career_ids(session: Session, user: User, career_ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(career_ids))
    if not wanted:
        return []
    owned = set(
        session.scalars(select(Career.id).where(Career.owner_id == user.id, Career.id.in_(wanted)))
    )
    missing = [i for i in wanted if i not in owned]
    if missing:
        raise Invalid.one("career_ids", f"No career with id {missing[0]}.")
    return wanted


def _write(session: Session, user: User, contact: Contact, resolved: _Resolved) -> None:
    for name, value in resolved.columns.items():
        setattr(contact, name, value)
    session.add(contact)
    session.flush()
    assert contact.id is not None
    if resolved.career_ids is not None:
        session.execute(delete(ContactCareer).where(ContactCareer.contact_id == contact.id))
        if resolved.career_ids:
            session.execute(
                insert(ContactCareer),
                [{"contact_id": contact.id, "career_id": i} for i in resolved.career_ids],
            )
    if resolved.tags is not None:
        tags_service.set_contact_tags(session, user, contact.id, resolved.tags)
    _refresh_search_text(session, contact)
    interactions_service.refresh_touch_dates(session, contact, bump=False)


_CHUNK = 500  # ids per IN list


def _refresh_search_text(session: Session, contact: Contact) -> None:
    """The lower-cased text ``q`` matches: name, title, organization, email and tags."""
    _refresh_search_texts(session, contact.owner_id, [contact])


def _refresh_search_texts(session: Session, owner_id: int, contacts: list[Contact]) -> None:
    """Rebuild the search text of many of one owner's contacts with a few queries in all."""
    organization_names = organizations_service.names_of(
        session, owner_id, (c.organization_id for c in contacts)
    )
    tags: dict[int, list[str]] = {}
    for start in range(0, len(contacts), _CHUNK):
        chunk = [c.id for c in contacts[start : start + _CHUNK]]
        tags.update(tags_service.tag_names_by_contact(session, chunk))  # type: ignore[arg-type]
    for contact in contacts:
        organization = (
            organization_names.get(contact.organization_id)
            if contact.organization_id is not None
            else None
        )
        contact.search_text = build_search_text(
            contact.full_name,
            contact.title,
            organization,
            contact.email,
            tags.get(contact.id, []),  # type: ignore[arg-type]
        )
        session.add(contact)


def _with_new_organization(
    session: Session, user: User, resolved: _Resolved, name: str | None
) -> None:
    # The contact form may name an organization to create with the contact (same transaction).
    if name:
        organization = organizations_service.add_organization(session, user, name)
        resolved.columns["organization_id"] = organization.id


def create_contact(
    session: Session,
    user: User,
    data: ContactCreate,
    *,
    phone_region: str = "US",
    new_organization: str | None = None,
) -> Contact:
    """A new contact; references must be the user's own (else 422 naming the field)."""
    resolved = _resolve(session, user, None, data.model_dump(exclude_unset=True), phone_region)
    _with_new_organization(session, user, resolved, new_organization)
    resolved.columns.setdefault("full_name", data.full_name)
    resolved.columns.setdefault("stage", data.stage)
    contact = Contact(owner_id=user.id, full_name=data.full_name)
    _write(session, user, contact, resolved)
    session.commit()
    return contact


def update_contact(
    session: Session,
    user: User,
    contact_id: int,
    data: ContactUpdate,
    *,
    expected_version: int | None = None,
    phone_region: str = "US",
    new_organization: str | None = None,
) -> Contact:
    """Change the fields sent; a stale ``expected_version`` is refused (412)."""
    contact = get_contact(session, user, contact_id)
    check_version(contact.version, expected_version)
    resolved = _resolve(
        session, user, contact_id, data.model_dump(exclude_unset=True), phone_region
    )
    _with_new_organization(session, user, resolved, new_organization)
    contact.touch()
    _write(session, user, contact, resolved)
    session.commit()
    return contact


def advance_stage(session: Session, user: User, contact_id: int, stage: str) -> None:
    """Move a contact forward to ``stage`` (never back); the caller commits."""
    contact = get_contact(session, user, contact_id)
    if STAGES.index(stage) > STAGES.index(contact.stage):
        contact.stage = stage
        contact.touch()
        session.add(contact)


def reindex_organization(session: Session, user: User, organization_id: int) -> None:
    """Refresh search text of the contacts at an organization (after a rename).

    Does not commit: the organization's update owns the transaction.
    """
    _refresh_search_texts(session, user.id, _at_organization(session, user, organization_id))
    session.flush()


def detach_organization(session: Session, user: User, organization_id: int) -> None:
    """Unlink contacts from an organization being deleted; their search text forgets it.

    Does not commit: the organization's delete owns the transaction.
    """
    contacts = _at_organization(session, user, organization_id)
    for contact in contacts:
        contact.organization_id = None
        contact.touch()
    _refresh_search_texts(session, user.id, contacts)
    session.flush()


def _at_organization(session: Session, user: User, organization_id: int) -> list[Contact]:
    """Every one of the user's contacts at an organization (however many)."""
    statement = select(Contact).where(
        Contact.owner_id == user.id, Contact.organization_id == organization_id
    )
    return list(session.scalars(statement.order_by(Contact.id)))


# ---- deleting ---------------------------------------------------------------------------


def contact_dependents(session: Session, user: User, contact_id: int) -> dict[str, int]:
    """What would be lost or changed by deleting the contact, by kind (only non-zero)."""
    get_contact(session, user, contact_id)
    counts = {
        "interactions": session.scalar(
            select(func.count()).where(Interaction.contact_id == contact_id)
        ),
        "introductions": session.scalar(
            select(func.count()).where(Contact.introduced_by_id == contact_id)
        ),
        "interviews": session.scalar(
            select(func.count()).where(Interview.contact_id == contact_id)
        ),
    }
    return {name: count for name, count in counts.items() if count}


def delete_contact(
    session: Session,
    user: User,
    contact_id: int,
    *,
    cascade: bool = False,
    expected_version: int | None = None,
) -> None:
    """Delete a contact; with dependents only when ``cascade`` (then nothing is left dangling)."""
    contact = get_contact(session, user, contact_id)
    check_version(contact.version, expected_version)
    dependents = contact_dependents(session, user, contact_id)
    if dependents and not cascade:
        listed = ", ".join(
            plural(count, name.removesuffix("s"), name) for name, count in dependents.items()
        )
        raise Conflict(
            detail=f"This contact has {listed}. Confirm to delete them too "
            "(people they introduced are kept, without an introducer).",
            dependents=dependents,
        )
    interviews = select(Interview.id).where(Interview.contact_id == contact_id)
    session.execute(delete(InterviewQuestion).where(InterviewQuestion.interview_id.in_(interviews)))
    session.execute(delete(Interview).where(Interview.contact_id == contact_id))
    session.execute(delete(Interaction).where(Interaction.contact_id == contact_id))
    session.execute(
        update(Contact)
        .where(Contact.owner_id == user.id, Contact.introduced_by_id == contact_id)
        .values(introduced_by_id=None, version=Contact.version + 1, updated_at=utcnow())
    )
    session.execute(delete(ContactCareer).where(ContactCareer.contact_id == contact_id))
    session.execute(delete(ContactTag).where(ContactTag.contact_id == contact_id))
    session.delete(contact)
    session.flush()
    tags_service.delete_unused_tags(session, user)
    session.commit()
