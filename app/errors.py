"""The domain error tree. Services raise these; app.web maps them to HTTP once."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    """One problem with one input field (a dotted path such as ``resources.0.url``)."""

    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    detail: str = "The request could not be completed."
    title: str = "Error"

    def __post_init__(self) -> None:
        Exception.__init__(self, self.detail)


@dataclass
class BadRequest(DomainError):
    """The request is malformed (an unknown sort or filter field, for example)."""

    title: str = "Bad request"
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class Unauthorized(DomainError):
    """No valid credentials were presented."""

    title: str = "Not authenticated"


@dataclass
class Forbidden(DomainError):
    """The caller is known but may not do this."""

    title: str = "Forbidden"


@dataclass
class NotFound(DomainError):
    """No such row for this user (another user's row is also 'not found')."""

    title: str = "Not found"


@dataclass
class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, dependents, a transition)."""

    title: str = "Conflict"
    dependents: dict[str, int] = field(default_factory=dict)
    existing_id: int | None = None  # the row a duplicate clashes with


@dataclass
class PreconditionFailed(DomainError):
    """The client's version is stale: someone changed the row since it was read."""

    title: str = "Precondition failed"
    current_version: int | None = None


@dataclass
class Invalid(DomainError):
    """Input failed validation; ``errors`` names each field."""

    title: str = "Validation failed"
    errors: list[FieldError] = field(default_factory=list)

    @classmethod
    def one(cls, field_name: str, message: str) -> Invalid:
        """An Invalid error about a single field."""
        return cls(detail=message, errors=[FieldError(field_name, message)])


@dataclass
class RateLimited(DomainError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    title: str = "Too many requests"
    retry_after: int = 60


@dataclass
class PayloadTooLarge(DomainError):
    """The request body or an upload is over the configured limit."""

    title: str = "Payload too large"


@dataclass
class UnsupportedMediaType(DomainError):
    """An upload's content is none of the kinds the operation accepts."""

    title: str = "Unsupported media type"


@dataclass
class Unavailable(DomainError):
    """The database is busy or out of reach for now; nothing was changed, retry later."""

    title: str = "Service unavailable"
    retry_after: int = 5


@dataclass
class InsufficientStorage(DomainError):
    """The server has no room left to store the change; nothing was saved."""

    title: str = "Insufficient storage"
    retry_after: int = 60
