"""Tag schemas: the API contract of /api/v1/tags."""

from __future__ import annotations

from app.schemas import ReadModel


class TagRead(ReadModel):
    """A tag with the number of the user's contacts that carry it."""

    id: int
    name: str
    contact_count: int
