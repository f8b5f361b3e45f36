"""Import of an address book (vCard 2.1, 3.0 or 4.0) as contacts.

The same flow as the LinkedIn import: the whole file is read and checked first
(addressbook.py), a file with any bad card imports nothing, and the new contacts are
written in one transaction (app.exchange.newcontacts). A card is already known by the
one rule of newcontacts (LinkedIn profile, email, or name at the same organization).
"""

from __future__ import annotations

from sqlmodel import Session

from app.auth.models import User
from app.exchange.newcontacts.service import add_parsed
from app.exchange.schemas import ImportReport

# The page states the most cards a file may hold.
from app.exchange.vcard.addressbook import MAX_CARDS as MAX_CARDS
from app.exchange.vcard.addressbook import decode, parse


def import_vcard(
    session: Session,
    user: User,
    payload: str | bytes,
    *,
    phone_region: str,
    dry_run: bool = False,
) -> ImportReport:
    """A contact per new card in a .vcf file; any bad card imports nothing (Invalid)."""
    return add_parsed(
        session, user, parse(decode(payload), phone_region=phone_region), dry_run=dry_run
    )
