"""Import of a LinkedIn "Connections.csv" export as contacts.

The whole file is read and checked first (connections.py); only a file without
problems is written, in one transaction (app.exchange.newcontacts: the flow every import
format shares). Duplicates follow the one rule of newcontacts. A dry run stops before
writing.
"""

from __future__ import annotations

from sqlmodel import Session

from app.auth.models import User
from app.exchange.linkedin.connections import decode, parse
from app.exchange.newcontacts.service import add_parsed
from app.exchange.schemas import ImportReport


def import_linkedin_csv(
    session: Session, user: User, payload: str | bytes, *, dry_run: bool = False
) -> ImportReport:
    """A contact per new connection in a Connections.csv; any bad row imports nothing (Invalid)."""
    # Known profiles (already a contact, or earlier in the file) are skipped and counted;
    # every problem is reported as "row N: field", N being the line in the file.
    return add_parsed(session, user, parse(decode(payload)), dry_run=dry_run)
