"""Import of a Google Contacts CSV export as contacts: the one import flow (newcontacts).

A row is already known by the one rule of newcontacts (LinkedIn profile, email, or name at
the same organization), as for vCard.
"""

from __future__ import annotations

from sqlmodel import Session

from app.auth.models import User
from app.exchange.google.contacts import decode, parse
from app.exchange.newcontacts.service import add_parsed
from app.exchange.schemas import ImportReport


def import_google_csv(
    session: Session,
    user: User,
    payload: str | bytes,
    *,
    phone_region: str,
    dry_run: bool = False,
) -> ImportReport:
    """A contact per new row of a Google Contacts CSV; any bad row imports nothing (Invalid)."""
    return add_parsed(
        session, user, parse(decode(payload), phone_region=phone_region), dry_run=dry_run
    )
