"""The browser's pending import: the file's bytes kept between the preview and the commit.

The page cannot send a file again without the user choosing it again, and must not be
trusted to send back the same one, so the bytes stay here with their SHA-256; the commit
form carries the hash it was shown, and a draft replaced by another upload since (another
tab) is refused. One draft per user; an hour old, it is gone.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import delete, select
from sqlmodel import Session

from app.auth.models import User
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.exchange.contactfile import read_contact_file
from app.exchange.filelimits import check_size
from app.exchange.models import ImportDraft
from app.exchange.newcontacts.service import (
    MAX_REPORTED_ERRORS,
    ImportOptions,
    import_file,
    refused,
)
from app.exchange.schemas import FILE_FORMATS, ImportPreview
from app.exchange.spreadsheet import table

DRAFT_LIFETIME = timedelta(hours=1)
GONE = "No file is waiting to be imported (a preview lasts an hour); upload it again."


def save_draft(
    session: Session,
    user: User,
    raw: bytes,
    *,
    file_name: str,
    file_format: str,
    phone_region: str,
) -> ImportDraft:
    """Keep an upload for its preview, replacing the user's earlier draft; one commit.

    A file that cannot be read (too large, not text, an archive, a broken card) is refused
    here; a spreadsheet whose columns are not recognised is kept, to be mapped on its preview."""
    check_size(raw)
    if file_format not in FILE_FORMATS:
        raise Invalid.one("format", f"Choose one of {', '.join(FILE_FORMATS)}.")
    try:
        read = read_contact_file(raw, file_format=file_format, phone_region=phone_region)
    except Invalid as exc:
        if not exc.errors or any(not e.field.startswith("mapping.") for e in exc.errors):
            raise
    else:
        if read.broken:
            raise refused(read.broken, max_reported=MAX_REPORTED_ERRORS)
    session.execute(
        delete(ImportDraft).where(
            (ImportDraft.owner_id == user.id) | (ImportDraft.created_at < utcnow() - DRAFT_LIFETIME)  # type: ignore[arg-type,operator]
        )
    )
    draft = ImportDraft(
        owner_id=user.id,  # type: ignore[arg-type]
        file_name=file_name[:255],
        sha256=hashlib.sha256(raw).hexdigest(),
        content=raw,
        format=file_format,
    )
    session.add(draft)
    session.commit()
    return draft


def get_draft(session: Session, user: User) -> ImportDraft:
    """The user's pending import; NotFound when there is none or it has expired."""
    draft = session.scalar(select(ImportDraft).where(ImportDraft.owner_id == user.id))
    if draft is None or draft.created_at < utcnow() - DRAFT_LIFETIME:
        raise NotFound(detail=GONE)
    return draft


def draft_mapping(draft: ImportDraft) -> dict[str, str | None]:
    """The column mapping chosen on the preview page (empty: the guess from the headers)."""
    loaded = json.loads(draft.mapping or "{}")
    return {str(k): (str(v) if v else None) for k, v in loaded.items()}


def draft_columns(session: Session, user: User) -> list[str]:
    """The pending file's header columns, to map them when the guess found no name."""
    text, _ = table.decode_text(get_draft(session, user).content)
    return table.header_columns(text)


def set_reading(
    session: Session,
    user: User,
    *,
    file_format: str,
    mapping: dict[str, str | None],
    phone_region: str,
) -> ImportDraft:
    """Change how the pending file is read (its format, its columns); one commit. A reading
    that cannot work (a column the file lacks, no name, the wrong format) is Invalid."""
    draft = get_draft(session, user)
    if file_format not in FILE_FORMATS:
        raise Invalid.one("format", f"Choose one of {', '.join(FILE_FORMATS)}.")
    read = read_contact_file(
        draft.content, file_format=file_format, mapping=mapping, phone_region=phone_region
    )
    if read.broken:
        raise refused(read.broken, max_reported=MAX_REPORTED_ERRORS)
    draft.format = file_format
    draft.mapping = json.dumps(mapping)
    session.add(draft)
    session.commit()
    return draft


def preview_draft(session: Session, user: User, *, phone_region: str) -> ImportPreview:
    """What committing the pending file would do (what empty fields it could fill, too)."""
    draft = get_draft(session, user)
    options = ImportOptions(
        file_format=draft.format, mapping=draft_mapping(draft), dry_run=True, update_empty=True
    )
    preview = import_file(session, user, draft.content, options, phone_region=phone_region)
    session.rollback()  # a read: end it, so no lock is held while the page renders
    return preview


def commit_draft(
    session: Session,
    user: User,
    *,
    expected_sha256: str,
    skip_lines: frozenset[int],
    update_empty: bool,
    phone_region: str,
) -> ImportPreview:
    """Import the pending file as its preview showed; the draft goes in the same commit."""
    draft = get_draft(session, user)
    options = ImportOptions(
        file_format=draft.format,
        mapping=draft_mapping(draft),
        dry_run=False,
        skip_lines=skip_lines,
        update_empty=update_empty,
        expected_sha256=expected_sha256,
    )
    content = draft.content
    session.delete(draft)
    session.flush()
    return import_file(session, user, content, options, phone_region=phone_region)
