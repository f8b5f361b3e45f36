"""Resume share schemas: the API contract, also used to validate the HTML forms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.schemas import BoundedDateTime, DbId, InputModel, TrackedRead, not_null

Feedback = Annotated[str, Field(max_length=5000)]


class ShareCreate(InputModel):
    """This version went to this contact (at ``shared_at``, by default now)."""

    contact_id: DbId
    shared_at: BoundedDateTime | None = None
    feedback: Feedback = ""


class ShareUpdate(InputModel):
    """A partial change (PATCH): their feedback, or when it was sent."""

    shared_at: BoundedDateTime | None = None
    feedback: Feedback | None = None

    _not_null = not_null("*")


class ShareRead(TrackedRead):
    """A share as the API shows it; ``resume_id`` is null once the version was deleted."""

    resume_id: int | None
    contact_id: int
    shared_at: datetime
    feedback: str
    resume_label: str
    resume_file_name: str
