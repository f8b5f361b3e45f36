"""Turning a message template into a draft: the sandbox, its variables, warnings, mailto.

Templates are user input rendered on the server, so they run in Jinja's sandbox over plain
dicts of strings (never ORM rows), with a short list of filters, no macros, calls, includes or
imports, string repetition and formatting refused, and a time and output budget. Anything
outside that is an ``Invalid`` naming the field, the line and the problem.
"""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any
from urllib.parse import quote

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from app.errors import FieldError, Invalid

MAX_SOURCE = 20_000
MAX_OUTPUT = 20_000
MAX_SECONDS = 0.5
# Long free text is cut before it reaches a template, so no expression can grow past this.
MAX_VALUE = 2_000
OUTREACH_MAX_WORDS = 150
_NOT_SEEKING = re.compile(
    r"not\s+(?:asking|looking|seeking|applying)\s+(?:you\s+)?(?:for\s+)?(?:a\s+|any\s+)?"
    r"(?:job|jobs|employment|position|work|role)",
    re.IGNORECASE,
)
_TEMPLATE_NAME = "<message template>"
_SAFE_FILTERS = (
    "capitalize",
    "default",
    "d",
    "first",
    "join",
    "last",
    "length",
    "count",
    "lower",
    "title",
    "trim",
    "truncate",
    "upper",
    "wordcount",
)
_REFUSED_NODES: dict[type[nodes.Node], str] = {
    nodes.Macro: "macros are not available in message templates",
    nodes.CallBlock: "call blocks are not available in message templates",
    nodes.Call: "calling functions is not available in message templates",
    nodes.Extends: "extends is not available in message templates",
    nodes.Include: "include is not available in message templates",
    nodes.Import: "import is not available in message templates",
    nodes.FromImport: "import is not available in message templates",
    nodes.FilterBlock: "filter blocks are not available in message templates",
}
# Jinja's own names (the template itself, macro internals): nothing a message needs.
_SPECIAL_NAMES = frozenset({"self", "caller", "varargs", "kwargs"})
_LOOP_ATTRIBUTES = frozenset(
    {"index", "index0", "revindex", "revindex0", "first", "last", "length"}
)

# The variables a template can use; shown beside the editor and in the API description.
VARIABLES: dict[str, str] = {
    "me.name": "your display name",
    "me.email": "your email address",
    "contact.full_name": "the person's full name",
    "contact.first_name": "the person's first name",
    "contact.title": "their job title",
    "contact.email": "their email address",
    "contact.organization": "their organization's name",
    "organization.name": "the organization (of the contact)",
    "career.title": "the career talked about (the interview's, else the contact's first)",
    "career.industry": "its industry",
    "interview.date": "the interview's date (in your timezone)",
    "interview.summary": "your summary of the interview",
    "interview.takeaways": "your takeaways",
    "interview.takeaway": "one takeaway, or else one answer they gave",
    "interview.answers": "list of {question, answer} from the agenda",
    "introducer.full_name / first_name": "who introduced you to the contact",
    "referral.full_name / first_name": "whom the contact introduced you to",
    "job_search.status / note": "your job-search status (a label) and note",
    "promise.text": "what you promised (for keep-a-promise drafts)",
}


# What a template is tried on when saved, so an unknown variable or a refused lookup is a
# 422 at once rather than a surprise on the day a draft is made.
SAMPLE_VARIABLES: dict[str, Any] = {
    "me": {"name": "Sam Sample", "email": "sam@example.org"},
    "contact": {
        "full_name": "Alex Example",
        "first_name": "Alex",
        "title": "Engineer",
        "email": "alex@example.org",
        "organization": "Example Ltd",
    },
    "organization": {"name": "Example Ltd", "website": "https://example.org"},
    "career": {"title": "Data engineering", "industry": "Software"},
    "interview": {
        "date": "1 December 2026",
        "summary": "A good talk.",
        "takeaways": "Learn SQL well.",
        "takeaway": "Learn SQL well.",
        "answers": [{"question": "How did you start?", "answer": "By accident."}],
    },
    "introducer": {"full_name": "Jo Intro", "first_name": "Jo"},
    "referral": {"full_name": "Robin Referral", "first_name": "Robin"},
    "job_search": {"status": "Actively searching", "note": ""},
    "promise": {"text": "send my resume"},
}


class _Sandbox(SandboxedEnvironment):
    """Attribute access only into the dict variables and a for loop's counters."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        if isinstance(obj, LoopContext) and attribute in _LOOP_ATTRIBUTES:
            return getattr(obj, attribute)
        raise SecurityError(f"access to attribute {attribute!r} is not allowed")

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, dict) and isinstance(argument, str):
            return self.getattr(obj, argument)
        if isinstance(obj, list | str) and isinstance(argument, int | slice):
            return super().getitem(obj, argument)
        raise SecurityError("only variables and list positions can be looked up")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        numbers = (int, float)
        if not (isinstance(left, numbers) and isinstance(right, numbers)):
            raise SecurityError(f"the {operator!r} operator works on numbers only here")
        if operator == "**" and (abs(right) > 64 or abs(left) > 10**6):
            raise SecurityError("that power is too large")
        return super().call_binop(context, operator, left, right)


def _environment() -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters = {name: env.filters[name] for name in _SAFE_FILTERS}
    env.globals = {}
    return env


_ENV = _environment()


class _Timeout(Exception):
    pass


def _line_of(exc: BaseException) -> int | None:
    line = getattr(exc, "lineno", None)
    if line:
        return int(line)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == _TEMPLATE_NAME:
            return frame.lineno
    return None


def _problem(field: str, exc: BaseException | None, message: str) -> Invalid:
    line = _line_of(exc) if exc is not None else None
    where = f"Line {line}: " if line else ""
    text = f"{where}{message}"
    return Invalid(detail=f"{field}: {text}", errors=[FieldError(field, text)])


def check_source(field: str, source: str) -> None:
    """Refuse a template that does not parse or uses what the sandbox does not offer."""
    if len(source) > MAX_SOURCE:
        raise Invalid.one(field, f"At most {MAX_SOURCE} characters.")
    try:
        tree = _ENV.parse(source, name=_TEMPLATE_NAME)
    except TemplateSyntaxError as exc:
        raise _problem(field, exc, exc.message or "syntax error") from None
    for node in tree.find_all(tuple(_REFUSED_NODES)):
        message = _REFUSED_NODES[type(node)]
        raise Invalid(
            detail=f"{field}: Line {node.lineno}: {message}",
            errors=[FieldError(field, f"Line {node.lineno}: {message}")],
        )
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name in _SPECIAL_NAMES:
            text = f"Line {name.lineno}: {name.name!r} is undefined"
            raise Invalid(detail=f"{field}: {text}", errors=[FieldError(field, text)])
    for node in tree.find_all(nodes.Filter):
        if node.name not in _ENV.filters:
            text = f"Line {node.lineno}: no filter named {node.name!r}"
            raise Invalid(detail=f"{field}: {text}", errors=[FieldError(field, text)])


def check_template(field: str, source: str) -> None:
    """Refuse a template that fails to parse or to render over the sample variables."""
    render_text(field, source, SAMPLE_VARIABLES)


def _bounded(chunks: Iterator[str], deadline: float) -> str:
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise Invalid.one("body", f"The draft would be longer than {MAX_OUTPUT} characters.")
        if time.monotonic() > deadline:
            raise _Timeout
        out.append(chunk)
    return "".join(out)


def _with_deadline(work: Callable[[], str], deadline: float) -> str:
    """Run ``work`` with a line tracer that stops it past the deadline (loops with no output)."""
    previous = sys.gettrace()

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _Timeout
        return tracer

    sys.settrace(tracer)
    try:
        return work()
    finally:
        sys.settrace(previous)


def render_text(field: str, source: str, variables: dict[str, Any]) -> str:
    """One template field rendered over the variables; every failure is Invalid on ``field``."""
    check_source(field, source)
    template = _ENV.from_string(source)
    template.filename = _TEMPLATE_NAME
    deadline = time.monotonic() + MAX_SECONDS
    try:
        return _with_deadline(lambda: _bounded(template.generate(variables), deadline), deadline)
    except _Timeout:
        raise Invalid.one(field, f"Rendering took longer than {MAX_SECONDS} seconds.") from None
    except Invalid as exc:
        raise Invalid.one(field, exc.errors[0].message) from None
    except SecurityError as exc:
        raise _problem(field, exc, str(exc)) from None
    except TemplateError as exc:
        raise _problem(field, exc, exc.message or exc.__class__.__name__) from None
    except (ArithmeticError, TypeError, ValueError, RecursionError) as exc:
        raise _problem(field, exc, str(exc) or exc.__class__.__name__) from None


@dataclass
class Draft:
    """A rendered message, ready to send or copy."""

    subject: str
    body: str
    warnings: list[str]
    mailto: str


def mailto_link(email: str | None, subject: str, body: str) -> str:
    """A mailto: URL with subject and body percent-encoded (RFC 6068)."""
    address = quote(email or "", safe="@.+-_")
    return f"mailto:{address}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def outreach_warnings(kind: str, body: str) -> list[str]:
    """The method's own advice for a request: say you are not job hunting; keep it short."""
    if kind != "outreach":
        return []
    warnings = []
    if not _NOT_SEEKING.search(body):
        warnings.append(
            "Say plainly that you are not asking for a job (for example "
            '"I am not looking for a job"): people agree to talk when they know that.'
        )
    words = len(body.split())
    if words > OUTREACH_MAX_WORDS:
        warnings.append(f"This request runs to {words} words; keep it under {OUTREACH_MAX_WORDS}.")
    return warnings


def render_draft(
    kind: str, subject: str, body: str, variables: dict[str, Any], email: str | None
) -> Draft:
    """Subject and body rendered, with warnings and a mailto: link."""
    rendered_subject = " ".join(render_text("subject", subject, variables).split())
    rendered_body = render_text("body", body, variables).strip()
    return Draft(
        subject=rendered_subject,
        body=rendered_body,
        warnings=outreach_warnings(kind, rendered_body),
        mailto=mailto_link(email, rendered_subject, rendered_body),
    )


def clip(text: str | None) -> str:
    """Free text as a template sees it: bounded so no expression can grow large."""
    return (text or "")[:MAX_VALUE]
