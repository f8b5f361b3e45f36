"""Contact schemas (the API contract, also used to parse HTML forms) and the contact stages
with their labels: the one home of that vocabulary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, EmailStr, Field

from app.contacts.models import Stage
from app.schemas import (
    MAX_INT32,
    NO_NUL_PATTERN,
    DbId,
    InputModel,
    LongText,
    ReadModel,
    TrackedRead,
    normalise_tag,
    not_null,
)
from app.web.listing import ListQuery, TextQuery

Cadence = Annotated[int, Field(ge=1, le=3650, description="Stay-in-touch cadence in days.")]
Email = Annotated[EmailStr, Field(max_length=254)]
# Parsed and stored as E.164 by the service (it knows the default region).
Phone = Annotated[str, Field(min_length=1, max_length=40)]
# Checked and normalised by the service (http/https only, canonical profile form).
LinkedInUrl = Annotated[str, Field(min_length=1, max_length=2000)]
MAX_TAGS = 30
_NULL_REFUSED = "cannot be null; leave the field out to keep it"


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        name = normalise_tag(tag)
        if name and name not in cleaned:
            cleaned.append(name)
    return cleaned


TagList = Annotated[
    list[Annotated[str, Field(max_length=64)]],
    Field(max_length=MAX_TAGS, description="Free labels; normalised to lower case."),
    AfterValidator(_clean_tags),
]
CareerIds = Annotated[list[DbId], Field(max_length=100)]


class _ContactFields(InputModel):
    title: str | None = Field(default=None, max_length=200)
    organization_id: DbId | None = None
    email: Email | None = None
    phone: Phone | None = None
    linkedin_url: LinkedInUrl | None = None
    location: str | None = Field(default=None, max_length=200)
    career_ids: CareerIds | None = None
    tags: TagList | None = None
    how_we_met: str | None = Field(default=None, max_length=2000)
    introduced_by_id: DbId | None = None
    stay_in_touch_days: Cadence | None = None
    notes: LongText | None = None


class ContactCreate(_ContactFields):
    """A new contact; only the name is required."""

    full_name: str = Field(min_length=1, max_length=200)
    stage: Stage = "prospect"


class ContactUpdate(_ContactFields):
    """PATCH: only the fields sent change; null clears an optional field."""

    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    stage: Stage | None = None

    _not_null = not_null("full_name", "stage", message=_NULL_REFUSED)


class ContactRead(TrackedRead):
    """A contact as clients see it."""

    full_name: str
    title: str
    organization_id: int | None
    email: str | None
    phone: str | None
    linkedin_url: str | None
    location: str
    career_ids: list[int]
    tags: list[str]
    how_we_met: str
    connected_on: date | None = None
    introduced_by_id: int | None
    stage: str
    stay_in_touch_days: int | None
    notes: str
    last_contacted_at: datetime | None
    next_touch_due: datetime | None


class ContactRef(ReadModel):
    """A contact named in someone else's record."""

    id: int
    full_name: str


class ReferralsRead(ReadModel):
    """Who introduced a contact (nearest first, up to the first) and whom they introduced."""

    introduced_by_chain: list[ContactRef]
    introduced: list[ContactRef]


# ---- the list's filters: declared once for the API list, the exports and the list page ----

FilterId = Annotated[int | None, Field(ge=1, le=MAX_INT32)]


class ContactFilterFields(BaseModel):
    """The contacts list's filters (what each means: ``service.filter_conditions``)."""

    career_id: FilterId = None
    organization_id: FilterId = None
    # PostgreSQL refuses NUL in text, so it is a 422 here rather than a 500 there.
    tag: Annotated[
        str | None, Field(max_length=64, pattern=NO_NUL_PATTERN, description="A tag name.")
    ] = None
    stage: Stage | None = None
    introduced_by_id: FilterId = None
    due: Annotated[
        bool | None, Field(description="true: due or overdue for a touch now; false: not due.")
    ] = None


class ContactFilterQuery(TextQuery, ContactFilterFields):
    """The filters and ``q`` in a query string: the list (below) and the contact exports."""

    def filter_values(self) -> dict[str, Any]:
        """The filters and ``q`` by name, as ``service.ContactFilters`` takes them."""
        return {name: getattr(self, name) for name in _FILTER_NAMES}


_FILTER_NAMES = tuple(ContactFilterQuery.model_fields)


class ContactListQuery(ListQuery, ContactFilterQuery):
    """GET /api/v1/contacts: a page (limit, offset, sort) of the filtered list."""


class ContactPageFilters(InputModel, ContactFilterFields):
    """The list page's filters, from its query string (blank means any)."""
