"""What an import carries (a checked row) and answers (counts created and skipped)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


class ImportReport(BaseModel):
    """The outcome of an import (or of a dry run: what it would do)."""

    dry_run: bool = Field(description="True when nothing was written (a check only).")
    rows: int = Field(description="Rows (or vCard cards) read from the file; headers left out.")
    created: int = Field(description="Contacts created (or that would be).")
    duplicates: int = Field(
        description="Rows skipped: their LinkedIn profile (or, for vCard, their email) is "
        "already a contact of yours, or appears earlier in the file."
    )
    duplicate_lines: list[int] = Field(
        description="File line numbers of the skipped rows (the first 100)."
    )
    organizations_created: int = Field(description="Organizations created (or that would be).")
    organizations_matched: int = Field(
        description="Existing organizations of yours that imported contacts were linked to."
    )


@dataclass
class NewContact:
    """One checked row of an imported file: what the contact will hold."""

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
