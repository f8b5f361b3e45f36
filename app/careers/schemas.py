"""Career schemas: the API contract, also used to validate the HTML forms and list filters."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.careers.models import CareerStatus, ResourceKind
from app.schemas import HttpUrl, InputModel, LongText, Rating, ReadModel, TrackedRead, not_null

CareerTitle = Annotated[str, Field(min_length=1, max_length=200)]
Industry = Annotated[str, Field(max_length=200)]
MAX_RESOURCES = 50


class Resource(InputModel):
    """A link the user found useful while researching the career."""

    url: HttpUrl
    title: str = Field(default="", max_length=200)
    kind: ResourceKind = "website"
    note: str = Field(default="", max_length=2000)


class CareerCreate(InputModel):
    """A new career to explore."""

    title: CareerTitle
    industry: Industry = ""
    status: CareerStatus = "interested"
    interest: Rating = 3
    research_notes: LongText = ""
    resources: list[Resource] = Field(default_factory=list, max_length=MAX_RESOURCES)


class CareerUpdate(InputModel):
    """A partial change (PATCH): only the fields sent are changed; none may be null."""

    title: CareerTitle | None = None
    industry: Industry | None = None
    status: CareerStatus | None = None
    interest: Rating | None = None
    research_notes: LongText | None = None
    resources: list[Resource] | None = Field(default=None, max_length=MAX_RESOURCES)

    _not_null = not_null("*")


class CareerFilters(InputModel):
    """What a career list can be narrowed by (API query parameters and the list page)."""

    status: CareerStatus | None = None
    industry: Industry | None = None
    interest_min: Rating | None = None
    q: str | None = Field(default=None, max_length=200)


class ResourceRead(ReadModel):
    """A research link as stored."""

    url: str
    title: str = ""
    kind: str = "website"
    note: str = ""


class CareerRead(TrackedRead):
    """A career as the API shows it."""

    title: str
    industry: str
    status: str
    interest: int
    research_notes: str
    resources: list[ResourceRead]
