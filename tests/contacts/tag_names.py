"""What a contact's kept tag names should be: the names of its link rows (a test helper)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
from sqlalchemy import Connection, select

from app.contacts.models import CONTACT_TAG_NAMES, Contact, ContactTag, Tag


def kept_and_linked(conn: Connection) -> tuple[dict[int, Any], dict[int, list[str]]]:
    """Every contact's tag names as kept on it and as its link rows name them, A-Z by code
    point. The kept text must be encode_json's compact form, which the databases splice into
    the JSON they write: a text in any other form is kept as itself, and so differs."""
    kept: dict[int, Any] = {}
    for contact_id, stored in conn.execute(select(Contact.id, CONTACT_TAG_NAMES)):
        names = orjson.loads(stored)
        kept[contact_id] = names if orjson.dumps(names).decode() == stored else stored
    linked: dict[int, list[str]] = defaultdict(list)
    links = select(ContactTag.contact_id, Tag.name).join(Tag, Tag.id == ContactTag.tag_id)
    for contact_id, name in conn.execute(links):
        linked[contact_id].append(name)
    return kept, {contact_id: sorted(linked.get(contact_id, [])) for contact_id in kept}
