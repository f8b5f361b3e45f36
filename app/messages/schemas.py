"""Message template schemas: the API contract, also used to parse the editor form."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from app.errors import Invalid
from app.messages.drafts import check_template
from app.schemas import DbId, InputModel, ReadModel, TrackedRead, not_null

MessageKind = Literal[
    "outreach",
    "thank_you",
    "status_update",
    "check_in",
    "send_resume",
    "thank_introducer",
    "keep_promise",
    "custom",
]
TemplateName = Annotated[str, Field(min_length=1, max_length=200)]


def _renders(source: str) -> str:
    """A template that parses and renders over the sample variables (else: which line, why)."""
    try:
        check_template("template", source)
    except Invalid as exc:
        raise ValueError(exc.errors[0].message) from None
    return source


Subject = Annotated[str, Field(max_length=300), AfterValidator(_renders)]
Body = Annotated[str, Field(min_length=1, max_length=20_000), AfterValidator(_renders)]


class MessageTemplateCreate(InputModel):
    """A template of the user's own (Jinja syntax over the documented variables)."""

    name: TemplateName
    kind: MessageKind = "custom"
    subject: Subject = ""
    body: Body


class MessageTemplateUpdate(InputModel):
    """PATCH: only the fields sent change; none may be null."""

    name: TemplateName | None = None
    kind: MessageKind | None = None
    subject: Subject | None = None
    body: Body | None = None

    _not_null = not_null("*")


class MessageTemplateFilters(InputModel):
    """What the template list can be narrowed by."""

    kind: MessageKind | None = None
    builtin: bool | None = None
    q: str | None = Field(default=None, max_length=200)


class RenderRequest(InputModel):
    """Whom and what the draft is about; both optional (variables are then blank)."""

    contact_id: DbId | None = None
    interview_id: DbId | None = None


class MessageTemplateRead(TrackedRead):
    """A template as clients see it; ``builtin`` ones are read-only."""

    name: str
    kind: MessageKind
    subject: str
    body: str
    builtin: bool


class DraftRead(ReadModel):
    """A rendered draft: the text to send, warnings about it, and a mailto: link."""

    subject: str
    body: str
    warnings: list[str]
    mailto: str
