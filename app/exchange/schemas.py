"""What an import carries (a checked row) and answers (counts created and skipped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class ImportReport(BaseModel):
    """The outcome of an import (or of a dry run: what it would do)."""

    dry_run: bool = Field(description="True when nothing was written (a check only).")
    rows: int = Field(description="Rows (or vCard cards) read from the file; headers left out.")
    created: int = Field(description="Contacts created (or that would be).")
    duplicates: int = Field(
        description="Rows skipped: already a contact of yours (same normalised LinkedIn "
        "profile, same email, or the same name at the same organization), or earlier in the file."
    )
    duplicate_lines: list[int] = Field(
        description="File line numbers of the skipped rows (the first 100)."
    )
    organizations_created: int = Field(description="Organizations created (or that would be).")
    organizations_matched: int = Field(
        description="Existing organizations of yours that imported contacts were linked to."
    )


@dataclass(slots=True)
class NewContact:
    """One checked row of an imported file: what the contact will hold (slots: a file's
    10,000 rows are 10,000 objects, not twice as many with their dicts)."""

    line: int
    full_name: str
    title: str = ""
    email: str | None = None
    phone: str | None = None
    linkedin_url: str | None = None
    linkedin_key: str | None = None
    organization: str | None = None
    location: str = ""
    how_we_met: str = ""
    notes: str = ""
    connected_on: date | None = None
    tags: list[str] = field(default_factory=list)


# What the one import flow reads: a format by name, or "auto" to tell it from the content.
FileFormat = Literal["auto", "linkedin", "vcard", "google", "csv"]
FILE_FORMATS: tuple[str, ...] = ("auto", "linkedin", "vcard", "google", "csv")
FORMAT_LABELS: dict[str, str] = {
    "auto": "Tell from the file",
    "linkedin": "LinkedIn Connections.csv",
    "vcard": "vCard address book (.vcf)",
    "google": "Google Contacts CSV",
    "csv": "Any other CSV (map the columns)",
}
RowStatus = Literal["new", "duplicate", "invalid", "skipped"]
MatchedBy = Literal["email", "linkedin", "name_organization"]


class ContactMatch(BaseModel):
    """The existing contact a duplicate row is, and which rule found it."""

    id: int
    full_name: str
    by: MatchedBy = Field(description="email, linkedin (normalised profile) or name_organization.")


class PreviewRow(BaseModel):
    """One row (or vCard card) of the file, as the import would treat it."""

    line: int = Field(description="Line of the file where the row (or card) begins.")
    status: RowStatus = Field(
        description="new (would be created), duplicate (already a contact, or earlier in the "
        "file), invalid (see reasons) or skipped (left out by skip_lines)."
    )
    full_name: str = Field(
        default="",
        description="The contact's name. For an invalid row: the name as the file writes it "
        "(unchecked, cut to 200 characters), so the row can be found; empty when it has none.",
    )
    email: str | None = None
    organization: str | None = None
    match: ContactMatch | None = Field(
        default=None, description="The existing contact of yours this duplicate row is."
    )
    duplicate_of_line: int | None = Field(
        default=None, description="For a row repeated in the file: the line of its first copy."
    )
    fills: list[str] = Field(
        default_factory=list,
        description="With update_empty: the matched contact's empty fields this row fills.",
    )
    reasons: list[str] = Field(default_factory=list, description="Why an invalid row is.")


class ImportPreview(BaseModel):
    """What importing a file does (dry_run) or did: every row classified, and the counts."""

    dry_run: bool
    format: str = Field(description="The format read: linkedin, vcard, google or csv.")
    encoding: str = Field(description="The text encoding detected (utf-8, utf-16, cp1252...).")
    delimiter: str | None = Field(description="The CSV delimiter detected; null for vCard.")
    columns: list[str] = Field(description="The CSV header's columns (empty for vCard).")
    mapping: dict[str, str] = Field(
        description="For format csv: which column each contact field was read from."
    )
    file_sha256: str = Field(description="SHA-256 of the file: send it back as expected_sha256.")
    rows: int = Field(description="Rows (or cards) read.")
    new: int
    duplicates: int
    invalid: int
    skipped: int
    created: int = Field(description="Contacts created (or that would be, in a dry run).")
    updated: int = Field(
        description="Matched contacts whose empty fields were filled (or would be)."
    )
    organizations_created: int
    organizations_matched: int
    items: list[PreviewRow]
