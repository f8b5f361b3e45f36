"""Building blocks for the Create / Update / Read schemas of every domain."""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import email_validator
from annotated_types import MaxLen
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, InitErrorDetails, PydanticCustomError, ValidationError

MAX_INT32 = 2**31 - 1
T = TypeVar("T")

# Every email field (pydantic's EmailStr) takes an address at a special-use name: people keep
# real addresses at corp.local or a lab's .test host, and the OpenAPI's format "email", which
# clients validate against, takes them. email-validator refuses them unless its module-level
# list says otherwise (its documented switch); emptied in place, as its checks read that list.
email_validator.SPECIAL_USE_DOMAIN_NAMES.clear()


def _reject_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    if isinstance(value, list | tuple | set):
        for item in value:
            _reject_nul(item)
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key)
            _reject_nul(item)
    return value


# What the schema says of free text, because the server refuses NUL and strips whitespace
# before length checks: any text without NUL, or (when a minimum length applies) text with at
# least one character that is neither NUL nor whitespace.
# Whitespace spelled out, because \s means other sets in Python and in ECMAScript (the
# validators clients use). WHITESPACE is Unicode White_Space, what pydantic strips from input;
# PY_WHITESPACE adds \x1c-\x1f, which str.strip() and str.isspace() also take.
WHITESPACE = r"\t\n\x0b\x0c\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
PY_WHITESPACE = WHITESPACE + r"\x1c-\x1f"
NO_NUL_PATTERN = r"^[^\x00]*$"
# A text query parameter's schema extra (Query(json_schema_extra=NO_NUL)) where its filter
# model refuses a NUL with its own worded 422: the schema says so, the check stays there.
NO_NUL = {"pattern": NO_NUL_PATTERN}
NOT_BLANK_PATTERN = r"^[^\x00]*[^" + WHITESPACE + r"\x00][^\x00]*$"


class InputModel(BaseModel):
    """Base for request bodies: unknown fields, NUL bytes, numbers for booleans and booleans
    for numbers are refused, and the JSON schema states each rule (null, blank text, NUL) so
    clients see it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_input(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic reads 0 and 1 as booleans, and true and false as 1 and 0; the contract
        # says true or false for one and a number for the other.
        if isinstance(value, bool):
            if _counts(cls, info.field_name or "", item=False):
                raise PydanticCustomError("int_type", "Input should be a valid number")
        elif isinstance(value, int | float):
            field = cls.model_fields.get(info.field_name or "")
            if field is not None and _takes_bool(field.annotation):
                raise ValueError("must be true or false")
        elif isinstance(value, list):
            name = info.field_name or ""
            if any(isinstance(item, bool) for item in value) and _counts(cls, name, item=True):
                raise PydanticCustomError("int_type", "Each item should be a valid number")
            # As for a text below: each item's maxLength counts it as sent. Raised as a
            # ValidationError, whose locations pydantic puts under the field's (tags.0).
            limit = _item_text_limit(cls, name)
            too_long: list[InitErrorDetails] = (
                []
                if limit is None
                else [
                    {
                        "type": "string_too_long",
                        "loc": (index,),
                        "input": item,
                        "ctx": {"max_length": limit},
                    }
                    for index, item in enumerate(value)
                    if isinstance(item, str) and len(item) > limit
                ]
            )
            if too_long:
                raise ValidationError.from_exception_data(cls.__name__, too_long)
        if isinstance(value, str):
            # The schema's maxLength counts the text as sent; pydantic counts it after
            # stripping, so a title of the most characters with a space around it would pass.
            limit = _text_limit(cls, info.field_name or "")
            if limit is not None and len(value) > limit:
                raise PydanticCustomError(
                    "string_too_long",
                    "String should have at most {max_length} characters",
                    {"max_length": limit},
                )
        return _reject_nul(value)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The schema states the rules this base enforces, so schema-valid input is accepted.
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        refused = _null_refused_fields(cls)
        for name, prop in target.get("properties", {}).items():
            if name in refused or "*" in refused:
                _drop_null(prop)
            _declare_text_rules(prop)
        return schema


def _max_length(metadata: Iterable[Any]) -> int | None:
    for item in metadata:
        if isinstance(item, MaxLen):
            return item.max_length
        if isinstance(item, FieldInfo) and (found := _max_length(item.metadata)) is not None:
            return found
    return None


@cache
def _text_limit(model: type[BaseModel], name: str) -> int | None:
    """The most characters field ``name`` of ``model`` takes as text (None: no limit)."""
    field = model.model_fields.get(name)
    if field is None:
        return None
    options = _options(field.annotation)
    if str in options and (found := _max_length(field.metadata)) is not None:
        return found
    for option in options:
        if (found := _text_max(option)) is not None:
            return found
    return None


@cache
def _item_text_limit(model: type[BaseModel], name: str) -> int | None:
    """The most characters each text item of list field ``name`` of ``model`` takes (None:
    not a list of texts, or no limit)."""
    field = model.model_fields.get(name)
    if field is None:
        return None
    for option in _options(field.annotation):
        listed = get_args(option)[0] if get_origin(option) is Annotated else option
        if get_origin(listed) is list:
            return _text_max(get_args(listed)[0])
    return None


def _options(annotation: Any) -> tuple[Any, ...]:
    """A union's members, or the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def _text_max(annotation: Any) -> int | None:
    """The maxLength of an ``Annotated[str, ...]`` or ``Annotated[EmailStr, ...]`` (None:
    another type, or no limit)."""
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        if base is str or base is EmailStr:  # an email is text, stripped before its checks
            return _max_length(metadata)
    return None


def _admitted(annotation: Any) -> set[Any]:
    """The types ``annotation`` admits: Annotated, Optional, unions and Literal unwrapped."""
    origin = get_origin(annotation)
    if origin is Literal:  # Literal[1] takes true, which equals 1
        return {type(arg) for arg in get_args(annotation)}
    if origin is Annotated:
        return _admitted(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_admitted(arg) for arg in get_args(annotation)))
    return {annotation}


@cache
def _counts(model: type[BaseModel], name: str, *, item: bool) -> bool:
    """Whether field ``name`` of ``model`` takes a number and not a boolean (``item``: a list
    of them), so that true or false sent for it is refused, not read as 1 or 0."""
    field = model.model_fields.get(name)
    if field is None:
        return False
    admitted = _admitted(field.annotation)
    if item:
        admitted = {
            inner
            for option in admitted
            if get_origin(option) in (list, set, tuple)
            for arg in get_args(option)
            for inner in _admitted(arg)
        }
    return bool(admitted & {int, float}) and bool not in admitted


def _takes_bool(annotation: Any) -> bool:
    return annotation is bool or (
        get_origin(annotation) in (Union, types.UnionType)
        and bool in get_args(annotation)
        and all(arg in (bool, type(None)) for arg in get_args(annotation))
    )


def _null_refused_fields(model: type[BaseModel]) -> set[str]:
    # not_null() validators, and a model's ``null_refused`` names when its service refuses them.
    fields: set[str] = set(getattr(model, "null_refused", ()))
    for decorator in model.__pydantic_decorators__.field_validators.values():
        if getattr(decorator.func, "refuses_null", False):
            fields.update(decorator.info.fields)
    return fields


def _drop_null(prop: dict[str, Any]) -> None:
    options = prop.get("anyOf")
    if not isinstance(options, list):
        return
    kept = [option for option in options if option.get("type") != "null"]
    if len(kept) == len(options):
        return
    if prop.get("default", ...) is None:
        del prop["default"]
    if len(kept) == 1:
        del prop["anyOf"]
        prop.update(kept[0])
    else:
        prop["anyOf"] = kept


def _declare_text_rules(prop: dict[str, Any]) -> None:
    for option in prop.get("anyOf", []):
        _declare_text_rules(option)
    if isinstance(prop.get("items"), dict):
        _declare_text_rules(prop["items"])
    if prop.get("type") != "string" or any(
        k in prop for k in ("pattern", "enum", "const", "format")
    ):
        return
    prop["pattern"] = NOT_BLANK_PATTERN if prop.get("minLength", 0) >= 1 else NO_NUL_PATTERN


def not_null(*fields: str, message: str = "may be omitted but not null") -> Any:
    """A PATCH model's validator: these fields may be left out, but an explicit null is refused."""

    def refuse_null(value: Any) -> Any:
        # Runs only for fields actually sent, so absence passes and null does not.
        if value is None:
            raise ValueError(message)
        return value

    # InputModel's JSON schema reads this mark and leaves null out of these fields' types.
    refuse_null.refuses_null = True  # type: ignore[attr-defined]
    return field_validator(*fields)(refuse_null)


class ReadModel(BaseModel):
    """Base for responses, built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class TrackedRead(ReadModel):
    """Fields every stored resource exposes."""

    id: int
    created_at: datetime
    updated_at: datetime
    version: int


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and where they sit in the whole."""

    items: list[T]
    total: int
    limit: int
    offset: int


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// address")
    if any(ch.isspace() for ch in value) or any(ord(ch) < 32 for ch in value):
        raise ValueError("must not contain spaces or control characters")
    return value


def _check_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError("must be an IANA timezone name such as Europe/Paris")
    return value


_TZ_CACHE: set[str] = set()


def _timezones() -> set[str]:
    if not _TZ_CACHE:
        _TZ_CACHE.update(available_timezones())
        _TZ_CACHE.add("UTC")
    return _TZ_CACHE


def is_timezone(value: str) -> bool:
    """True when value names a known IANA timezone."""
    return value in _timezones()


def _with_scheme(value: Any) -> Any:
    # "example.org/page" is how people write addresses (the README's own LinkedIn example
    # too): read it as https, as browsers do. Anything with a scheme is checked as sent.
    if isinstance(value, str):
        text = value.strip()
        host = text.split("/", 1)[0]
        if text and "://" not in text and "." in host and ":" not in host and " " not in host:
            return "https://" + text
    return value


# The addresses _with_scheme and _check_http_url accept, for the schema: an http(s) address
# with a host, or a scheme-less "host.name/path" read as https. Whitespace around is stripped.
HTTP_URL_PATTERN = (
    f"^[{WHITESPACE}]*"
    r"(?:[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=:@-]+"
    f"(?:[/?#][^{WHITESPACE}\\x00-\\x1f]*)?"
    r"|[A-Za-z0-9_~%-]*\.[A-Za-z0-9._~%-]*"
    f"(?:/[^{WHITESPACE}\\x00-\\x1f:]*)?)[{WHITESPACE}]*$"
)
HttpUrl = Annotated[
    str,
    BeforeValidator(_with_scheme),
    Field(max_length=2000, json_schema_extra={"pattern": HTTP_URL_PATTERN}),
    AfterValidator(_check_http_url),
]
Timezone = Annotated[
    str,
    Field(max_length=64, json_schema_extra={"enum": sorted(_timezones())}),
    AfterValidator(_check_timezone),
]
DbId = Annotated[int, Field(ge=1, le=MAX_INT32)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=50_000)]
Rating = Annotated[int, Field(ge=1, le=5)]

# Dates far outside a human lifetime are typos; they would also overflow date arithmetic.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _within_bounds(noun: str) -> Callable[[datetime], datetime]:
    message = f"must be a {noun} between {EARLIEST.year} and {LATEST.year}"

    def check(value: datetime) -> datetime:
        try:
            utc_value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError(message) from None
        if not EARLIEST <= utc_value < LATEST:
            raise ValueError(message)
        return utc_value

    return check


def _check_day(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"must be a date between {EARLIEST.year} and {LATEST.year}")
    return value


# The bounds as the schema states them: an RFC 3339 date-time in the years 1901 to 2198,
# inside EARLIEST..LATEST whatever its offset (the server accepts a little more at both
# ends; the schema promises what always passes). A whole pattern, not a prefix, so clients
# and fuzzers can draw valid values from it.
_YEARS_INSIDE = r"(?:190[1-9]|19[1-9][0-9]|20[0-9]{2}|21[0-8][0-9]|219[0-8])"
_MONTH_DAY = r"-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
DATE_TIME_PATTERN = (
    f"^{_YEARS_INSIDE}{_MONTH_DAY}"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
DATE_PATTERN = f"^(?:19[0-9]{{2}}|20[0-9]{{2}}|21[0-9]{{2}}){_MONTH_DAY}$"
_NUMERIC = re.compile(r"\s*[-+]?[0-9]+(?:\.[0-9]*)?\s*")


def _refuse_timestamp(value: Any) -> Any:
    # pydantic reads numbers as Unix timestamps; the contract says an ISO 8601 string.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMERIC.fullmatch(value)):
        raise ValueError("must be a date in ISO 8601 form, such as 2026-05-01T09:30:00+02:00")
    return value


_BOUNDED = Field(json_schema_extra={"pattern": DATE_TIME_PATTERN})
# An aware datetime between EARLIEST and LATEST, converted to UTC.
BoundedDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_refuse_timestamp),
    _BOUNDED,
    AfterValidator(_within_bounds("date")),
]
# The same, worded for a time of day (interviews are scheduled at a time).
BoundedTime = Annotated[
    AwareDatetime,
    BeforeValidator(_refuse_timestamp),
    _BOUNDED,
    AfterValidator(_within_bounds("date")),
]
# A list filter's bound: any aware date and time; the schema states the years that always
# pass, as for BoundedDateTime.
AwareDateTimeFilter = Annotated[
    AwareDatetime,
    BeforeValidator(_refuse_timestamp),
    Field(json_schema_extra={"pattern": DATE_TIME_PATTERN}),
]
BoundedDate = Annotated[
    date,
    BeforeValidator(_refuse_timestamp),
    Field(json_schema_extra={"pattern": DATE_PATTERN}),
    AfterValidator(_check_day),
]

SINGLE_LINE_PATTERN = r"^[^\r\n\x00]*$"
SINGLE_LINE_NOT_BLANK_PATTERN = r"^[^\r\n\x00]*[^" + WHITESPACE + r"\x00][^\r\n\x00]*$"


def _check_single_line(value: Any) -> Any:
    # Before stripping: the schema's pattern refuses a CR or LF anywhere in the text as sent
    # (case Vg6Af6: "\rü" was stripped to "ü" and taken).
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        raise ValueError("must be a single line")
    return value


def single_line(max_length: int, *, required: bool = False) -> Any:
    """A one-line text type (no CR or LF), declared as such in the schema."""
    pattern = SINGLE_LINE_NOT_BLANK_PATTERN if required else SINGLE_LINE_PATTERN
    return Annotated[
        str,
        Field(
            min_length=1 if required else 0,
            max_length=max_length,
            json_schema_extra={"pattern": pattern},
        ),
        BeforeValidator(_check_single_line),
    ]


_TAG_RE = re.compile(r"\s+")


def normalise_tag(tag: str) -> str:
    """Tags are lower-case with single inner spaces."""
    return _TAG_RE.sub(" ", tag.strip()).casefold()
