"""Resume schemas: the API contract, also used to validate the HTML forms."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.schemas import InputModel, TrackedRead, not_null

ResumeLabel = Annotated[str, Field(min_length=1, max_length=200)]
ResumeNotes = Annotated[str, Field(max_length=5000)]


class ResumeCreate(InputModel):
    """The words sent with an uploaded version (the file travels beside them)."""

    label: ResumeLabel
    notes: ResumeNotes = ""


class ResumeUpdate(InputModel):
    """A partial change (PATCH): the label and notes; the file of a version never changes."""

    label: ResumeLabel | None = None
    notes: ResumeNotes | None = None

    _not_null = not_null("*")


class ResumeFilters(InputModel):
    """What the resume list can be narrowed by (text in the label or file name)."""

    q: str | None = Field(default=None, max_length=200)


class ResumeRead(TrackedRead):
    """A resume version as the API shows it (the bytes are at ``/resumes/{id}/file``)."""

    label: str
    notes: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
