"""What the import answers: counts of what was (or would be) created and skipped."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportReport(BaseModel):
    """The outcome of a LinkedIn import (or of a dry run: what it would do)."""

    dry_run: bool = Field(description="True when nothing was written (a check only).")
    rows: int = Field(description="Data rows read from the file (header and preamble left out).")
    created: int = Field(description="Contacts created (or that would be).")
    duplicates: int = Field(
        description="Rows skipped: their LinkedIn profile is already a contact of yours, "
        "or appears earlier in the file."
    )
    duplicate_lines: list[int] = Field(
        description="File line numbers of the skipped rows (the first 100)."
    )
    organizations_created: int = Field(description="Organizations created (or that would be).")
    organizations_matched: int = Field(
        description="Existing organizations of yours that imported contacts were linked to."
    )
