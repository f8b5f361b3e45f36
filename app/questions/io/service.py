"""Import and export of a bank as JSON, CSV or Markdown.

Parsing collects every problem with its row or line number before anything is written,
and an import creates its bank in one transaction, so a bad file imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlmodel import Session

from app.auth.models import User
from app.errors import FieldError, Invalid
from app.questions import service
from app.questions.io.formats import PARSERS, WRITERS, decode_upload
from app.questions.models import QuestionBank
from app.questions.schemas import BankCreate, ExportFormat

DEFAULT_IMPORT_NAME = "Imported questions"
# A file's extension names its format when the caller does not.
FORMAT_BY_EXTENSION: dict[str, ExportFormat] = {
    "json": "json",
    "csv": "csv",
    "md": "md",
    "markdown": "md",
}


# ---- importing --------------------------------------------------------------------------


def import_format(file_format: str | None, filename: str | None) -> ExportFormat:
    """The format asked for, else the one the file name's extension tells (else Invalid)."""
    if not file_format and filename and "." in filename:
        file_format = FORMAT_BY_EXTENSION.get(filename.rsplit(".", 1)[-1].lower())
    if file_format == "json" or file_format == "csv" or file_format == "md":
        return file_format
    raise Invalid.one("format", "Choose JSON, CSV or Markdown (the file name does not tell).")


def import_bank(
    session: Session,
    user: User,
    raw: bytes,
    file_format: str | None,
    *,
    max_questions: int,
    name: str | None = None,
    filename: str | None = None,
) -> QuestionBank:
    """Create a bank of the user's own from a file; any problem imports nothing."""
    parsed = PARSERS[import_format(file_format, filename)](decode_upload(raw))
    if len(parsed.questions) > max_questions:
        raise Invalid.one(
            "file",
            f"The file holds {len(parsed.questions)} questions; a bank may hold at most "
            f"{max_questions}. Split it into smaller files.",
        )
    bank_name = name or parsed.name or _name_from_filename(filename) or DEFAULT_IMPORT_NAME
    try:
        meta = BankCreate(name=bank_name[:200], description=parsed.description)
    except ValidationError as exc:
        errors = [
            FieldError(str(e["loc"][0]) if e.get("loc") else "name", str(e.get("msg")))
            for e in exc.errors()
        ]
        raise Invalid(
            detail="The bank's name or description is not valid.", errors=errors
        ) from None
    bank = QuestionBank(owner_id=user.id, name=meta.name, description=meta.description)
    session.add(bank)
    session.flush()
    service.add_questions(session, user, bank, parsed.questions)
    session.commit()
    return bank


def _name_from_filename(filename: str | None) -> str | None:
    if not filename:
        return None
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    printable = "".join(ch if ch.isprintable() else " " for ch in stem)
    cleaned = " ".join(printable.replace("_", " ").split())
    return cleaned or None


# ---- exporting --------------------------------------------------------------------------


@dataclass
class BankFile:
    """An exported bank: the bank it was written from and the file's text."""

    bank: QuestionBank
    content: str


def export_bank(session: Session, user: User, bank_id: int, file_format: ExportFormat) -> BankFile:
    """A readable bank written as a JSON, CSV or Markdown file."""
    bank = service.readable_bank(session, user, bank_id)
    questions = service.readable_questions(session, user, bank_id)
    return BankFile(bank, WRITERS[file_format](bank, questions))
