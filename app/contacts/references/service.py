"""Typed references on the contact forms and filters: the organization or contact a typed
field names, and the suggestions such a field offers.

Choices that can run to thousands (organization, "introduced by") are text fields with
suggestions rather than <select>s; without JavaScript the typed name is resolved here, and
an unknown or ambiguous name is Invalid on its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, literal, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.normalise import normalise_linkedin, normalise_phone
from app.contacts.service import ContactFilters, contact_read_page
from app.errors import Invalid
from app.organizations import service as organizations_service
from app.validation import Problems, small_int

M = TypeVar("M", bound=BaseModel)

# A contact field shows "Name (#id)": names repeat among 100,000 people, numbers do not.
_NUMBERED = re.compile(r"\(#(\d{1,9})\)\s*$")


def contact_label(name: str, contact_id: int) -> str:
    """How a contact field writes a contact: the name and its number."""
    return f"{name} (#{contact_id})"


def contact_field_value(session: Session, user: User, contact_id: int) -> str:
    """A contact field's text for one of the user's contacts ("" for anyone else's id)."""
    statement = select(Contact.full_name).where(
        Contact.owner_id == user.id, Contact.id == contact_id
    )
    name = session.scalar(statement)
    return "" if name is None else contact_label(name, contact_id)


def contact_suggestions(
    session: Session, user: User, text: str, *, limit: int = 10
) -> list[tuple[str, str]]:
    """(field value, what else to show) for the user's contacts matching ``text``, by name."""
    text = text.replace("\x00", "").strip()
    numbered = _NUMBERED.search(text)
    if numbered:  # a picked value being edited: search by its name again
        text = text[: numbered.start()].strip()
    found = contact_read_page(
        session,
        user,
        ContactFilters(q=text or None),
        limit=limit,
        sort="full_name",
        organization_names=True,
    )
    return [
        (
            contact_label(c["full_name"], c["id"]),
            " · ".join(p for p in (c["title"], c["organization_name"]) if p),
        )
        for c in found.items
    ]


def typed_contact_id(session: Session, user: User, text: str, field: str) -> int | None:
    """The contact a typed contact field (``field``) names, the one way every form reads one.

    A picked suggestion carries its number (the caller's service checks it is the user's);
    a typed name must be one contact's exactly (any case). None when empty; Invalid on
    ``field`` when no contact, or several, have the name."""
    text = _typed(text, field).strip()
    if not text:
        return None
    numbered = _NUMBERED.search(text)
    if numbered:
        return int(numbered.group(1))
    statement = (
        select(Contact.id)
        .where(
            Contact.owner_id == user.id,
            func.lower(Contact.full_name) == func.lower(literal(text)),
        )
        .order_by(Contact.id)
        .limit(2)
    )
    found = list(session.scalars(statement))
    if len(found) == 1:
        return found[0]
    if not found:
        message = f"None of your contacts is named “{text}”: pick one from the suggestions."
    else:
        message = (
            f"Several of your contacts are named “{text}”: pick one from the suggestions, "
            "which show each one's number."
        )
    raise Invalid.one(field, message)


def form_introducer_id(
    session: Session, user: User, introduced_by_id: str | None, text: str | None
) -> str | None:
    """The contact form's "introduced by" as the id the schema reads (the service checks
    it is the user's and not a loop). ``text`` None (no such field: quick-add forms) keeps
    the id as sent."""
    if text is None:
        return introduced_by_id
    found = typed_contact_id(session, user, text, "introduced_by")
    return None if found is None else str(found)


class UnknownOrganization(Invalid):
    """A typed organization name that none of the user's organizations has."""

    name: str = ""

    @classmethod
    def named(cls, name: str) -> UnknownOrganization:
        """The refusal of ``name``, offering to create it."""
        message = (
            f"None of your organizations is named “{name}”: pick one from the suggestions, "
            "or tick the box below to create it."
        )
        error = cls.one("organization", message)
        error.name = name
        return error


@dataclass
class OrganizationChoice:
    """What an organization field holds: the organization's id and the name shown for it."""

    id: int | None = None
    name: str = ""
    unknown: bool = False  # a name was typed that none of the user's organizations has


def organization_choice(
    session: Session, user: User, organization_id: int | None, text: str | None
) -> OrganizationChoice:
    """The organization a field names; ``text`` is the typed name (None: the field was absent).

    The field sends a name and keeps the id it was shown with beside it: the id counts while
    the name still matches it (so same-named organizations stay apart), else the name is
    looked up. Without a text field (links such as ?organization_id=5) the id counts alone."""
    if text is None:
        if organization_id is None:
            return OrganizationChoice()
        name = organizations_service.name_of(session, user, organization_id)
        return OrganizationChoice(organization_id, name or "")
    text = text.strip()
    if not text:
        return OrganizationChoice()
    if organization_id is not None:
        name = organizations_service.name_of(session, user, organization_id)
        if name is not None and name.casefold() == text.casefold():
            return OrganizationChoice(organization_id, name)
    found = organizations_service.find_by_name(session, user, text)
    if found is None:
        return OrganizationChoice(name=text, unknown=True)
    return OrganizationChoice(*found)


def form_organization_id(
    session: Session, user: User, organization_id: str | None, text: str | None
) -> str | None:
    """The contact form's organization as the id the schema reads; an unknown name is Invalid."""
    if text is None:
        return organization_id  # no text field (quick-add forms): the id as sent
    current = small_int(organization_id)
    choice = organization_choice(session, user, current, _typed(text, "organization"))
    if choice.unknown:
        raise UnknownOrganization.named(choice.name)
    return None if choice.id is None else str(choice.id)


def _typed(text: str, field: str) -> str:
    """A typed reference, refused (Invalid) when no name could be it."""
    if "\x00" in text or len(text) > 300:
        raise Invalid.one(field, "Type a name (300 characters at most).")
    return text


@dataclass
class ContactForm:
    """A contact form checked as a whole: the schema's data, and an organization to create."""

    data: Any
    new_organization: str | None = None


def parse_contact_form(
    session: Session,
    user: User,
    schema: type[M],
    typed: dict[str, Any],
    payload: dict[str, Any],
    *,
    phone_region: str,
) -> ContactForm:
    """The contact form's every problem at once: typed references, fields, phone, LinkedIn.

    An unknown organization name is created with the contact when the form says so
    (``create_organization``), else refused with an offer to create it."""
    problems = Problems()
    create = typed.get("create_organization") == "on"
    new_organization: str | None = None
    if "organization" in typed or "organization_id" in typed:
        try:
            payload["organization_id"] = form_organization_id(
                session, user, typed.get("organization_id"), typed.get("organization")
            )
        except UnknownOrganization as exc:
            if create and exc.name:
                new_organization, payload["organization_id"] = exc.name[:200], None
            else:
                problems.add("organization", exc.detail)
        except Invalid as exc:
            problems.errors.extend(exc.errors)
    if "introduced_by" in typed or "introduced_by_id" in typed:
        payload["introduced_by_id"] = problems.check(
            form_introducer_id,
            session,
            user,
            typed.get("introduced_by_id"),
            typed.get("introduced_by"),
        )
    data = problems.validate(schema, payload)
    # Server-side checks of fields the schema let through, so a bad phone shows with the rest.
    if payload.get("phone") and not problems.has("phone"):
        problems.check(normalise_phone, str(payload["phone"]), phone_region)
    if payload.get("linkedin_url") and not problems.has("linkedin_url"):
        problems.check(normalise_linkedin, str(payload["linkedin_url"]))
    problems.raise_if_any()
    return ContactForm(data, new_organization)


def reference_values(
    session: Session, user: User, organization_id: int | None, introduced_by_id: int | None
) -> dict[str, str]:
    """A contact form's typed fields for ids: the organization's name (its id kept beside
    it) and the introducer as "Name (#id)"."""
    values = {"organization": "", "organization_id": "", "introduced_by": ""}
    if organization_id is not None:
        choice = organization_choice(session, user, organization_id, None)
        values.update(organization=choice.name, organization_id=str(organization_id))
    if introduced_by_id is not None:
        values["introduced_by"] = contact_field_value(session, user, introduced_by_id)
    return values


def typed_from_ids(session: Session, user: User, values: dict[str, Any]) -> dict[str, Any]:
    """Form values sent as bare ids (quick-add forms, scripts) with their typed fields filled."""
    ids = {}
    for name in ("organization_id", "introduced_by_id"):
        raw = values.get(name) if name.removesuffix("_id") not in values else None
        if (found := small_int(raw)) is not None:
            ids[name] = found
    if not ids:
        return values
    filled = reference_values(
        session, user, ids.get("organization_id"), ids.get("introduced_by_id")
    )
    return {**values, **{k: v for k, v in filled.items() if k not in values}}
