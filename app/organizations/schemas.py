"""Organization schemas: the API contract, also used to validate the HTML forms and filters."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.schemas import HttpUrl, InputModel, LongText, TrackedRead, not_null

OrganizationName = Annotated[str, Field(min_length=1, max_length=200)]
Industry = Annotated[str, Field(max_length=200)]
Location = Annotated[str, Field(max_length=200)]
# Columns that may be left out of a PATCH but never set to null (website may be cleared).
_NOT_NULL = ("name", "industry", "location", "research_notes")


class OrganizationCreate(InputModel):
    """A new employer or institution."""

    name: OrganizationName
    website: HttpUrl | None = None
    industry: Industry = ""
    location: Location = ""
    research_notes: LongText = ""


class OrganizationUpdate(InputModel):
    """A partial change (PATCH): only the fields sent change; `website: null` clears it."""

    name: OrganizationName | None = None
    website: HttpUrl | None = None
    industry: Industry | None = None
    location: Location | None = None
    research_notes: LongText | None = None

    _not_null = not_null(*_NOT_NULL)


class OrganizationFilters(InputModel):
    """What an organization list can be narrowed by (API query parameters and the page)."""

    industry: Industry | None = None
    location: Location | None = None
    q: str | None = Field(default=None, max_length=200)


class OrganizationRead(TrackedRead):
    """An organization as the API shows it."""

    name: str
    website: str | None
    industry: str
    location: str
    research_notes: str
