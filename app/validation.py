"""The one catalogue of validation messages: plain language, by label, for pages and the API.

Pydantic's own messages ("Input should be a valid integer, unable to parse string as an
integer") are written for programmers. Every refusal of input, whether a form re-rendered
with 422 or an API problem's ``errors[].message``, is worded here, so the same mistake reads
the same everywhere: "Stay in touch every (days) must be a whole number."
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import FieldError, Invalid

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# A field's human label, by field name: the words its form shows beside the input. Names not
# listed are read as words ("display_name" -> "Display name").
LABELS: dict[str, str] = {
    "full_name": "Full name",
    "username": "Username",
    "password": "Password",
    "password_confirm": "Repeat password",
    "new_password": "New password",
    "new_password_confirm": "Repeat new password",
    "current_password": "Current password",
    "display_name": "Display name",
    "email": "Email",
    "timezone": "Time zone",
    "phone": "Phone",
    "linkedin_url": "LinkedIn profile",
    "website": "Website",
    "url": "Address",
    "stay_in_touch_days": "Stay in touch every (days)",
    "organization_id": "Organization",
    "organization_name": "Organization",
    "introduced_by_id": "Introduced by",
    "contact_id": "Contact",
    "resume_id": "Resume",
    "career_id": "Career",
    "career_ids": "Careers",
    "scheduled_at": "Scheduled for",
    "held_at": "Held on",
    "occurred_at": "When",
    "requested_at": "Requested on",
    "duration_minutes": "Length (minutes)",
    "expires_in_days": "Expires in (days)",
    "how_we_met": "How we met",
    "job_search_status": "Job search status",
    "job_search_note": "Job search note",
    "usefulness": "Usefulness",
    "confidence": "Confidence",
    "text": "Question",
    "name": "Name",
    "title": "Title",
    "resources": "Resource",
    "read_on": "Read on",
    "q": "Search text",
    "types": "Kinds",
}

# What a pattern means, by field: pydantic only knows the regular expression.
PATTERN_HINTS: dict[str, str] = {
    "username": "must start with a letter or digit and use only letters, digits, dots, "
    "dashes and underscores",
}

DATE_MESSAGE = "must be a date between 1900 and 2200"
TIME_MESSAGE = DATE_MESSAGE  # one wording for every date, with or without a time
_DATE_TYPES = frozenset(
    {
        "date_parsing",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
        "date_type",
        "date_past",
        "date_future",
    }
)
_DATETIME_TYPES = frozenset(
    {
        "datetime_parsing",
        "datetime_from_date_parsing",
        "datetime_type",
        "datetime_object_invalid",
        "timezone_aware",
        "timezone_naive",
    }
)


def label(name: str) -> str:
    """The human label of a field name."""
    return LABELS.get(name) or name.replace("_", " ").strip().capitalize() or "This field"


def field_label(loc: Sequence[str | int]) -> str:
    """The label of a (possibly nested) field path such as ``resources.0.url``."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    names = [p for p in parts if isinstance(p, str)]
    if not names:
        return "This form"
    text = label(names[-1])
    indexes = [p for p in parts if isinstance(p, int)]
    if len(names) == 1 and indexes:  # an item of a list of values: "Kinds (item 2)"
        return f"{text} (item {indexes[0] + 1})"
    if len(names) > 1 or indexes:
        parent = label(names[0]) if len(names) > 1 else ""
        where = f"{parent} {indexes[0] + 1}".strip() if indexes else parent
        text = f"{where}: {text}" if where and text != where else text
    return text


def phrase(field: str, problem: str) -> str:
    """A plain sentence "<Label> <problem>." from a field name and a lower-case problem."""
    sentence = f"{label(field)} {problem.rstrip('.')}"
    return sentence + "."


def message(error: Mapping[str, Any]) -> str:
    """One pydantic error (``ValidationError.errors()`` item) as a plain sentence."""
    loc: Sequence[str | int] = tuple(error.get("loc", ()))
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    name = field_label(loc)
    names = [p for p in loc if isinstance(p, str)]
    last = names[-1] if names else ""
    if kind == "string_pattern_mismatch" and last in PATTERN_HINTS:
        problem = PATTERN_HINTS[last]
    else:
        problem = _problem(kind, ctx, str(error.get("msg", "")))
    if problem[:1].isupper():
        return problem if problem.endswith(".") else problem + "."
    return f"{name} {problem.rstrip('.')}."


def _problem(kind: str, ctx: Mapping[str, Any], raw: str) -> str:
    if kind == "missing":
        return "is required"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "is required" if least == 1 else f"must be at least {least} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind in ("too_short", "too_long"):
        bound = "at least" if kind == "too_short" else "at most"
        count = ctx.get("min_length" if kind == "too_short" else "max_length")
        return f"must have {bound} {count} items"
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return "must be a number"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind in ("literal_error", "enum"):
        return f"must be one of: {ctx.get('expected', '')}".rstrip(": ")
    if kind in _DATE_TYPES:
        return DATE_MESSAGE
    if kind in _DATETIME_TYPES:
        return TIME_MESSAGE
    if kind in ("bool_parsing", "bool_type"):
        return "must be yes or no"
    if kind.startswith("url"):
        return "must be a web address such as https://example.org"
    if kind == "extra_forbidden":
        return "is not a field this form accepts"
    if kind in ("string_type", "string_unicode"):
        return "must be text"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type", "tuple_type"):
        return "has the wrong shape"
    if kind == "json_invalid":
        return "The request body is not valid JSON"
    if kind == "value_error" and "email address" in raw:
        return "must be an email address such as jane@example.org"
    if kind in ("value_error", "assertion_error") and raw:
        return raw.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return "is not valid"


def field_errors_of(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic errors as FieldErrors, with the dotted field path and the plain message."""
    out = []
    for error in errors:
        parts = [str(p) for p in error.get("loc", ())]
        if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
            parts = parts[1:] or parts
        out.append(FieldError(".".join(parts) or "form", message(error)))
    return out


SUMMARY = "Please correct the highlighted fields."


def invalid(errors: list[FieldError]) -> Invalid:
    """An Invalid carrying every field's problem."""
    detail = errors[0].message if len(errors) == 1 else SUMMARY
    return Invalid(detail=detail, errors=errors)


class Problems:
    """Every problem with one submission, gathered so the user sees them all at once.

    Forms check the schema, cross-field rules and server-side rules (a free username, a
    phone that parses) together, then raise one Invalid, instead of one round per mistake."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, text: str) -> None:
        """Record a problem with ``field``."""
        self.errors.append(FieldError(field, text))

    def has(self, field: str) -> bool:
        """Whether ``field`` already has a problem (later checks of it are then skipped)."""
        return any(e.field == field for e in self.errors)

    def validate(self, schema: type[M], values: Mapping[str, Any]) -> M | None:
        """``values`` as ``schema``, or None with each field's problem recorded."""
        try:
            return schema.model_validate(dict(values))
        except ValidationError as exc:
            self.errors.extend(field_errors_of(exc.errors()))
            return None

    def check(self, rule: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Run a rule that raises Invalid; its problems are recorded instead."""
        try:
            return rule(*args, **kwargs)
        except Invalid as exc:
            self.errors.extend(exc.errors or [FieldError("form", exc.detail)])
            return None

    def raise_if_any(self) -> None:
        """Raise one Invalid with every recorded problem."""
        if self.errors:
            raise invalid(self.errors)


def small_int(raw: object) -> int | None:
    """A field of plain ASCII digits (at most 9) as an int, else None.

    ``str.isdigit`` alone accepts "²" and other Unicode digits that ``int()`` refuses.
    """
    text = str(raw or "")
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None
