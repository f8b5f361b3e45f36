"""The per-format imports (LinkedIn, vCard, Google) by name, each under one signature
``(session, user, raw, phone_region, dry_run)``: what the API routes and the page forms kept
beside the one import flow (app.exchange.newcontacts) run on an uploaded file, read up to
one byte over app.exchange.filelimits.MAX_IMPORT_BYTES (so a larger file is refused)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from app.auth.models import User
from app.exchange.google import service as google
from app.exchange.linkedin import service as linkedin
from app.exchange.schemas import ImportReport
from app.exchange.vcard import service as vcard

FormatImport = Callable[[Session, User, bytes, str, bool], ImportReport]

FORMAT_IMPORTS: dict[str, FormatImport] = {
    # A LinkedIn export holds no phone numbers: the region is not needed.
    "linkedin": lambda session, user, raw, _region, dry_run: linkedin.import_linkedin_csv(
        session, user, raw, dry_run=dry_run
    ),
    "vcard": lambda session, user, raw, region, dry_run: vcard.import_vcard(
        session, user, raw, phone_region=region, dry_run=dry_run
    ),
    "google": lambda session, user, raw, region, dry_run: google.import_google_csv(
        session, user, raw, phone_region=region, dry_run=dry_run
    ),
}
