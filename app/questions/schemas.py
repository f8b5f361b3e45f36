"""Question bank and question schemas: the API contract, form parsing and import rows."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from app.questions.models import Category
from app.schemas import (
    PY_WHITESPACE,
    DbId,
    InputModel,
    ReadModel,
    TrackedRead,
    normalise_tag,
    single_line,
)

ExportFormat = Literal["json", "csv", "md"]
BankScope = Literal["mine", "shared", "builtin"]
MAX_TAGS = 20


def _tag(value: str) -> str:
    tag = normalise_tag(value)
    if not tag:
        raise ValueError("must not be empty")
    if ";" in tag or "," in tag:
        raise ValueError("must not contain ';' or ','")
    return tag


QuestionText = single_line(1000, required=True)
WhyAsk = single_line(2000)
# What _tag accepts: something besides spaces, and no ';' or ','.
TAG_PATTERN = r"^[^;,\x00]*[^" + PY_WHITESPACE + r";,\x00][^;,\x00]*$"
Tag = Annotated[
    str, Field(max_length=50, json_schema_extra={"pattern": TAG_PATTERN}), AfterValidator(_tag)
]
BankName = single_line(200, required=True)
# Browsers send textarea line breaks as CRLF; store plain newlines so exports round-trip.
BankDescription = Annotated[
    str, Field(max_length=5000), AfterValidator(lambda v: v.replace("\r\n", "\n"))
]


def _unique_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


TagList = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_unique_tags)]


class BankCreate(InputModel):
    """A new, empty bank of the caller's own."""

    name: BankName
    description: BankDescription = ""
    shared: bool = False


class BankUpdate(InputModel):
    """Rename, describe, share or unshare one of the caller's banks (PATCH semantics)."""

    name: BankName | None = None
    description: BankDescription | None = None
    shared: bool | None = None

    # questions.service.update_bank refuses these as null (a null description clears it).
    null_refused: ClassVar[tuple[str, ...]] = ("name", "shared")


class BankCopy(InputModel):
    """Options for copying a bank; the copy keeps the original's name unless given one."""

    name: BankName | None = None


class BankRead(TrackedRead):
    """A bank as the API shows it, with who may change it."""

    name: str
    description: str
    shared: bool
    builtin: bool
    question_count: int
    copied_from_id: int | None
    owned: bool = Field(description="True when the bank belongs to the caller.")
    editable: bool = Field(description="True when the caller may change the bank.")
    owner_name: str | None = Field(
        default=None, description="Who shares the bank (null for built-in and own banks)."
    )


class QuestionCreate(InputModel):
    """A new question, appended at the end of the bank."""

    text: QuestionText
    category: Category = "other"
    tags: TagList = Field(default_factory=list)
    why_ask: WhyAsk = ""


class QuestionUpdate(InputModel):
    """Edit a question's text, category, tags or why-ask (PATCH semantics)."""

    text: QuestionText | None = None
    category: Category | None = None
    tags: TagList | None = None
    why_ask: WhyAsk | None = None

    # questions.items.service.update_question refuses these as null (a null why_ask clears it).
    null_refused: ClassVar[tuple[str, ...]] = ("text", "category", "tags")


class QuestionRead(TrackedRead):
    """A question of a bank."""

    bank_id: int
    text: str
    category: str
    tags: list[str]
    why_ask: str
    position: int


class QuestionOrder(InputModel):
    """Every question id of the bank, exactly once each, in the new order."""

    question_ids: list[DbId] = Field(max_length=100_000)


class QuestionOrderRead(ReadModel):
    """The bank's questions in their order after a reorder."""

    bank_id: int
    version: int
    question_ids: list[int]


# An imported question follows exactly the rules of a new one.
ImportedQuestion = QuestionCreate


class BankDocument(InputModel):
    """A whole bank in the JSON exchange format."""

    format: Literal["rapport.question-bank"] = "rapport.question-bank"
    format_version: Literal[1] = 1
    name: BankName | None = None
    description: BankDescription = ""
    questions: list[ImportedQuestion] = Field(default_factory=list)
