"""How exports are handed to a browser or client: the attachment's name, the filters."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Query

from app.auth.models import User
from app.contacts.models import Stage
from app.contacts.service import ContactFilters
from app.db import utcnow
from app.schemakit import MAX_INT32


def export_filename(user: User, extension: str) -> str:
    """rapport-<username>-<date>.<extension>, safe in a Content-Disposition header."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", user.username).strip("-.") or "export"
    return f"rapport-{name}-{utcnow():%Y-%m-%d}.{extension}"


def attachment(user: User, extension: str) -> dict[str, str]:
    """The Content-Disposition header of a download of the user's export."""
    return {"Content-Disposition": f'attachment; filename="{export_filename(user, extension)}"'}


FilterId = Annotated[int | None, Query(ge=1, le=MAX_INT32)]


def contact_filters(
    career_id: FilterId = None,
    organization_id: FilterId = None,
    tag: Annotated[
        str | None, Query(max_length=64, pattern=r"^[^\x00]*$", description="A tag name.")
    ] = None,
    stage: Stage | None = None,
    introduced_by_id: FilterId = None,
    due: Annotated[
        bool | None, Query(description="true: due or overdue for a touch now; false: not due.")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, pattern=r"^[^\x00]*$", description="Text search, as the list's."),
    ] = None,
) -> ContactFilters:
    """The contacts list's filters (GET /api/v1/contacts), with the same meaning."""
    return ContactFilters(
        career_id=career_id,
        organization_id=organization_id,
        tag=tag,
        stage=stage,
        introduced_by_id=introduced_by_id,
        due=due,
        q=(q or "").strip() or None,
    )
