"""How exports are handed to a browser or client: the attachment's name, the filters."""

from __future__ import annotations

import re
from typing import Annotated

from app.auth.models import User
from app.contacts.schemas import ContactFilterQuery
from app.contacts.service import ContactFilters
from app.db import utcnow
from app.web.listing import parsed_query


def export_filename(user: User, extension: str) -> str:
    """rapport-<username>-<date>.<extension>, safe in a Content-Disposition header."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", user.username).strip("-.") or "export"
    return f"rapport-{name}-{utcnow():%Y-%m-%d}.{extension}"


def attachment(user: User, extension: str) -> dict[str, str]:
    """The Content-Disposition header of a download of the user's export."""
    return {"Content-Disposition": f'attachment; filename="{export_filename(user, extension)}"'}


def contact_filters(
    query: Annotated[ContactFilterQuery, parsed_query(ContactFilterQuery)],
) -> ContactFilters:
    """The contacts list's filters (GET /api/v1/contacts), declared once, with the same meaning."""
    return ContactFilters(**query.filter_values())
