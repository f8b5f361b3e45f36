"""Writing a contact as a vCard 3.0 card (RFC 2426), with vobject doing folding and escaping."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

MEDIA_TYPE = "text/vcard; charset=utf-8"
# A card's UID is stable across exports of the same contact, so an address book that
# imports the file twice updates the card instead of adding a second one.
_UID_NAMESPACE = uuid.UUID("6f1c2a4e-9d35-4d0e-8a8b-3a6f0f4f6a51")


def contact_uid(contact_id: int, created_at: datetime | None) -> str:
    """urn:uuid:..., derived from the contact's id and creation time."""
    stamp = created_at.isoformat() if created_at else ""
    return f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, f'{contact_id}/{stamp}')}"


def _name_parts(full_name: str) -> tuple[str, str]:
    """(family, given): the last word is taken as the family name, as address books do."""
    words = full_name.split()
    if len(words) < 2:
        return full_name.strip(), ""
    return words[-1], " ".join(words[:-1])


def _rev(value: datetime | None) -> str:
    """REV in UTC; the database hands back naive UTC on SQLite and aware on PostgreSQL."""
    stamp = value or datetime.now(UTC)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    return stamp.strftime("%Y%m%dT%H%M%SZ")


def contact_card(row: dict[str, Any], tags: list[str]) -> str:
    """One contact (a row of the contacts table plus its organization's name) as a card."""
    # vobject (1.7 MB with pytz) is imported by an export, not by every worker at start-up.
    import vobject

    card = vobject.vCard()
    card.add("uid").value = contact_uid(row["id"], row.get("created_at"))
    card.add("rev").value = _rev(row.get("updated_at"))
    family, given = _name_parts(row["full_name"])
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    card.add("fn").value = row["full_name"]
    if row.get("organization"):
        card.add("org").value = [row["organization"]]
    if row.get("title"):
        card.add("title").value = row["title"]
    if row.get("email"):
        email = card.add("email")
        email.value = row["email"]
        email.type_param = "INTERNET"
    if row.get("phone"):
        phone = card.add("tel")
        phone.value = row["phone"]
        phone.type_param = "VOICE"
    if row.get("linkedin_url"):
        card.add("url").value = row["linkedin_url"]
    if tags:
        card.add("categories").value = tags
    note = "\n\n".join(
        part
        for part in (
            row.get("notes") or "",
            f"How we met: {row['how_we_met']}" if row.get("how_we_met") else "",
            f"Location: {row['location']}" if row.get("location") else "",
        )
        if part
    )
    if note:
        card.add("note").value = note
    return str(card.serialize())
