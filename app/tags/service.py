"""Tags: free labels on contacts, created on first use and dropped when no contact has them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import orjson
from sqlalchemy import bindparam, delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import CONTACT_TAG_NAMES, Contact, ContactTag, Tag
from app.db import insert_rows
from app.paging import order_by_clauses
from app.schemas import Page, normalise_tag
from app.tags.schemas import TagRead
from app.textmatch import like_pattern

# The tags of some contacts (a detail page, the API's read of one): the names the triggers
# keep on each contact (models.CONTACT_TAG_NAMES), one statement compiled once by
# SQLAlchemy's cache, the ids an expanding bind.
_TAGS_OF_CONTACTS = select(Contact.id, CONTACT_TAG_NAMES).where(
    Contact.id.in_(bindparam("ids", expanding=True))  # type: ignore[union-attr]
)


def tag_names_by_contact(session: Session, contact_ids: Iterable[int]) -> dict[int, list[str]]:
    """contact id -> its tag names (alphabetical), for many contacts in one query."""
    ids = list(contact_ids)
    names: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return names
    for contact_id, stored in session.connection().execute(_TAGS_OF_CONTACTS, {"ids": ids}):
        if stored != "[]":
            names[contact_id] = orjson.loads(stored)  # A-Z as kept
    return names


def _tag_ids(session: Session, user: User, names: list[str]) -> list[int]:
    """Ids for these (normalised) names, creating the tags that do not exist yet."""
    found = dict(
        session.execute(
            select(Tag.name, Tag.id).where(Tag.owner_id == user.id, Tag.name.in_(names))
        )
        .tuples()
        .all()
    )
    for name in names:
        if name in found:
            continue
        tag = Tag(owner_id=user.id, name=name)
        try:
            # A savepoint, so a concurrent creation of the same tag costs a retry, not the request.
            with session.begin_nested():
                session.add(tag)
        except IntegrityError:
            existing = session.scalar(
                select(Tag.id).where(Tag.owner_id == user.id, Tag.name == name)
            )
            assert existing is not None
            found[name] = existing
            continue
        assert tag.id is not None
        found[name] = tag.id
    return [found[name] for name in names]


def set_contact_tags(session: Session, user: User, contact_id: int, names: list[str]) -> None:
    """Replace a contact's tags (names are normalised here too); the caller commits."""
    clean: list[str] = []
    for name in names:
        tag = normalise_tag(name)
        if tag and tag not in clean:
            clean.append(tag)
    session.execute(delete(ContactTag).where(ContactTag.contact_id == contact_id))
    if clean:
        rows = [
            {"contact_id": contact_id, "tag_id": tag_id}
            for tag_id in _tag_ids(session, user, clean)
        ]
        session.execute(insert(ContactTag), rows)
    delete_unused_tags(session, user)


def tag_new_contacts(session: Session, user: User, names_by_contact: dict[int, list[str]]) -> None:
    """Give many just-created contacts their (normalised) tags in a few statements (imports)."""
    clean = {
        contact_id: list(dict.fromkeys(t for t in map(normalise_tag, names) if t))
        for contact_id, names in names_by_contact.items()
    }
    wanted = sorted({name for names in clean.values() for name in names})
    if not wanted:
        return
    ids = dict(zip(wanted, _tag_ids(session, user, wanted), strict=True))
    rows = [
        {"contact_id": contact_id, "tag_id": ids[name]}
        for contact_id, names in clean.items()
        for name in names
    ]
    # The table, not the entity: thousands of link rows need none of the ORM's per-row
    # bookkeeping (0.07 s against 0.2 s for 20,000 rows), in one statement (insert_rows).
    insert_rows(session.connection(), ContactTag.__table__, rows)  # type: ignore[attr-defined]


def delete_unused_tags(session: Session, user: User) -> None:
    """Forget the user's tags that no contact carries any more; the caller commits."""
    used = exists().where(ContactTag.tag_id == Tag.id)
    session.execute(
        delete(Tag)
        .where(Tag.owner_id == user.id, ~used)
        .execution_options(synchronize_session=False)
    )


def list_tags(
    session: Session,
    user: User,
    *,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
) -> Page[TagRead]:
    """The user's tags with how many contacts carry each; ``q`` filters by prefix."""
    sort_columns = {"name": Tag.name, "contact_count": func.count(ContactTag.contact_id)}
    order = order_by_clauses(sort, sort_columns, ["name"])
    where = [Tag.owner_id == user.id]
    prefix = normalise_tag(q or "")
    if prefix:
        # Tag names are stored normalised, so the pattern only needs its leading "%" dropped.
        where.append(Tag.name.like(like_pattern(prefix).removeprefix("%"), escape="\\"))
    total = session.scalar(select(func.count()).select_from(Tag).where(*where)) or 0
    rows = session.execute(
        select(Tag.id, Tag.name, func.count(ContactTag.contact_id).label("contact_count"))
        .outerjoin(ContactTag, ContactTag.tag_id == Tag.id)
        .where(*where)
        .group_by(Tag.id, Tag.name)
        .order_by(*order, Tag.id)
        .limit(limit)
        .offset(offset)
    )
    items = [TagRead(id=row.id, name=row.name, contact_count=row.contact_count) for row in rows]
    return Page[TagRead](items=items, total=total, limit=limit, offset=offset)


def tag_suggestions(session: Session, user: User, prefix: str, *, limit: int = 10) -> list[str]:
    """Tag names starting with ``prefix``, most used first, for autocomplete."""
    page = list_tags(session, user, q=prefix, limit=limit, sort="-contact_count,name")
    return [item.name for item in page.items]


def tag_completions(session: Session, user: User, typed: str) -> list[str]:
    """Completions of a comma-separated tags field: its last tag completed, the others kept.

    Tags already in the field are not offered again."""
    head, _, last = typed.replace("\x00", "").rpartition(",")
    chosen = {t.strip().casefold() for t in head.split(",") if t.strip()}
    suggestions = [
        name for name in tag_suggestions(session, user, last, limit=12) if name not in chosen
    ]
    prefix = f"{head.strip()}, " if head.strip() else ""
    return [f"{prefix}{name}" for name in suggestions[:10]]
