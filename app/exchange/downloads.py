"""How exports are handed to a browser or client: the attachment's file name."""

from __future__ import annotations

import re

from app.auth.models import User
from app.db import utcnow


def export_filename(user: User, extension: str) -> str:
    """rapport-<username>-<date>.<extension>, safe in a Content-Disposition header."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", user.username).strip("-.") or "export"
    return f"rapport-{name}-{utcnow():%Y-%m-%d}.{extension}"


def attachment(user: User, extension: str) -> dict[str, str]:
    """The Content-Disposition header of a download of the user's export."""
    return {"Content-Disposition": f'attachment; filename="{export_filename(user, extension)}"'}
