"""One of everything, made through the public API, for the suites that sweep every route.

The cross-user privacy probe, the API fuzzer and the browser screenshots all need a user who
owns a record of each kind. Domains land at different times, so every step is keyed by the
route it needs: a step whose create route is not in the application yet is skipped, and a
step whose route exists but refuses our payload fails loudly (so the payload gets fixed).

Every text field carries MARKER, so a response that leaks the owner's data to someone else
can be spotted by scanning its body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

# Lower case because tags and some keys are folded; unlikely to occur in any other text.
MARKER = "zqxa7"
# Filler text of generated request bodies (distinct, so echoing it back is not a leak).
FILLER = "qvfill"
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


@dataclass
class Step:
    """Create one record with POST ``path`` (ids of earlier steps fill its ``{params}``)."""

    path: str
    body: Callable[[dict[str, Any]], dict[str, Any]]
    # The path parameter names under which other routes refer to the created record.
    provides: tuple[str, ...]
    # Parameters this step needs from earlier steps (skipped when one is missing).
    needs: tuple[str, ...] = ()
    # Files to upload: the request is then multipart/form-data, ``body`` its form fields.
    files: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def _when(days: int = 0) -> str:
    return (NOW + timedelta(days=days)).isoformat()


def _optional(values: dict[str, Any], **refs: str) -> dict[str, Any]:
    """Reference fields whose target exists (``field=param_name``)."""
    return {name: values[param] for name, param in refs.items() if param in values}


# Order matters: later steps refer to records made by earlier ones.
STEPS: list[Step] = [
    Step(
        "/api/v1/careers",
        lambda v: {
            "title": f"Marine biologist {MARKER}",
            "industry": f"Research {MARKER}",
            "interest": 4,
            "research_notes": f"Notes {MARKER}",
            "resources": [
                {
                    "url": f"https://example.org/{MARKER}",
                    "title": f"Guide {MARKER}",
                    "kind": "article",
                }
            ],
        },
        ("career_id",),
    ),
    Step(
        "/api/v1/organizations",
        lambda v: {
            "name": f"Ocean Institute {MARKER}",
            "website": f"https://example.org/{MARKER}",
            "industry": f"Research {MARKER}",
            "research_notes": f"Notes {MARKER}",
        },
        ("organization_id",),
    ),
    Step(
        "/api/v1/contacts",
        lambda v: {
            "full_name": f"Rachel Carson {MARKER}",
            "title": f"Scientist {MARKER}",
            "email": f"{MARKER}@example.org",
            "tags": [f"tag-{MARKER}"],
            "notes": f"Notes {MARKER}",
            **_optional(v, organization_id="organization_id"),
            **({"career_ids": [v["career_id"]]} if "career_id" in v else {}),
        },
        ("contact_id",),
    ),
    Step(
        "/api/v1/contacts",
        lambda v: {
            "full_name": f"Introduced person {MARKER}",
            "introduced_by_id": v["contact_id"],
        },
        ("referred_contact_id",),
        needs=("contact_id",),
    ),
    Step(
        "/api/v1/interactions",
        lambda v: {
            "contact_id": v["contact_id"],
            "kind": "email",
            "occurred_at": _when(-3),
            "summary": f"Wrote to them {MARKER}",
        },
        ("interaction_id",),
        needs=("contact_id",),
    ),
    Step(
        "/api/v1/question-banks",
        lambda v: {"name": f"My questions {MARKER}", "description": f"About {MARKER}"},
        ("bank_id",),
    ),
    Step(
        "/api/v1/question-banks/{bank_id}/questions",
        lambda v: {
            "text": f"What does a typical day look like? {MARKER}",
            "why_ask": f"Because {MARKER}",
            "tags": [f"tag-{MARKER}"],
        },
        ("question_id",),
        needs=("bank_id",),
    ),
    Step(
        "/api/v1/interviews",
        lambda v: {
            "contact_id": v["contact_id"],
            "status": "scheduled",
            "scheduled_at": _when(2),
            "location": f"Cafe {MARKER}",
            "purpose": f"Learn {MARKER}",
            "summary": f"Summary {MARKER}",
            **_optional(v, career_id="career_id"),
        },
        ("interview_id",),
        needs=("contact_id",),
    ),
    Step(
        "/api/v1/interviews/{interview_id}/questions",
        lambda v: {
            "text": f"How did you get started? {MARKER}",
            **_optional(v, source_question_id="question_id"),
        },
        ("item_id",),
        needs=("interview_id",),
    ),
    Step(
        "/api/v1/follow-ups",
        lambda v: {
            "contact_id": v["contact_id"],
            "kind": "thank_you",
            "due_at": _when(3),
            "message": f"Thank you {MARKER}",
            **_optional(v, interview_id="interview_id"),
        },
        ("follow_up_id", "followup_id"),
        needs=("contact_id",),
    ),
    Step(
        "/api/v1/message-templates",
        lambda v: {
            "name": f"Thanks {MARKER}",
            "kind": "thank_you",
            "subject": f"Thank you {MARKER}",
            "body": f"Dear {{{{contact.full_name}}}}, {MARKER}",
        },
        ("template_id", "message_template_id"),
    ),
    Step(
        "/api/v1/resumes",
        lambda v: {"label": f"Data roles {MARKER}", "notes": f"Notes {MARKER}"},
        ("resume_id",),
        files=lambda v: {"file": (f"cv-{MARKER}.txt", f"Resume {MARKER}".encode(), "text/plain")},
    ),
    Step(
        "/api/v1/resumes/{resume_id}/shares",
        lambda v: {"contact_id": v["contact_id"], "feedback": f"Liked it {MARKER}"},
        ("share_id",),
        needs=("resume_id", "contact_id"),
    ),
]


@dataclass
class Seeded:
    """What the seeding made: path parameter name -> value, and the raw created bodies."""

    params: dict[str, Any] = field(default_factory=dict)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the application serves."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, APIRoute):
            for method in route.methods:
                found.add((method, route.path))
    return found


def routes_in_schema(openapi: dict[str, Any]) -> set[tuple[str, str]]:
    """(method, path) of every operation in an OpenAPI document (for a server over HTTP)."""
    return {
        (method.upper(), path)
        for path, item in openapi.get("paths", {}).items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def _unmarked(value: Any) -> Any:
    """The same data without the marker, for screenshots people will read."""
    if isinstance(value, str):
        return value.replace(f" {MARKER}", "").replace(MARKER, "demo")
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    if isinstance(value, dict):
        return {k: _unmarked(v) for k, v in value.items()}
    return value


def seed_everything(
    app: FastAPI | set[tuple[str, str]], api: TestClient | Any, *, marked: bool = True
) -> Seeded:
    """Create one record of each kind the application supports, as the user behind ``api``.

    ``app`` is the application, or the set of its routes when it runs in another process;
    ``api`` is anything with ``post(url, json=...)`` that sends the user's bearer token;
    ``marked=False`` leaves MARKER out of the text (for screenshots).
    """
    routes = app if isinstance(app, set) else api_routes(app)
    seeded = Seeded()
    for step in STEPS:
        if ("POST", step.path) not in routes:
            seeded.skipped.append(f"{step.path} (route not in the app yet)")
            continue
        if any(need not in seeded.params for need in step.needs):
            seeded.skipped.append(f"{step.path} (needs {', '.join(step.needs)})")
            continue
        url = step.path.format(**seeded.params)
        body = step.body(seeded.params) if marked else _unmarked(step.body(seeded.params))
        if step.files is not None:
            response = api.post(url, data=body, files=step.files(seeded.params))
        else:
            response = api.post(url, json=body)
        assert response.status_code in (200, 201), (
            f"seeding POST {url} failed with {response.status_code}: {response.text}\n"
            "Fix its payload in tests/seeding.py (STEPS) to match the domain's schema."
        )
        created = response.json()
        for name in step.provides:
            seeded.params[name] = created["id"]
        seeded.bodies[step.provides[0]] = created
    _sub_keys(api, seeded)
    return seeded


def _sub_keys(api: TestClient, seeded: Seeded) -> None:
    """Values for routes that address a part of a record rather than a row (list positions)."""
    seeded.params.setdefault("index", 0)
    interview = seeded.bodies.get("interview_id")
    if interview:
        checklist = interview.get("checklist") or []
        if checklist and isinstance(checklist[0], dict) and "key" in checklist[0]:
            seeded.params.setdefault("key", checklist[0]["key"])
    seeded.params.setdefault("key", "research")
    # A calendar feed address is a capability, not an id: any made-up secret must be a 404.
    seeded.params.setdefault("secret", "rcal_not-a-feed-secret")


def today() -> str:
    """Today's date (ISO), for forms that want a date."""
    return date.today().isoformat()


# ---- request bodies from the OpenAPI schema --------------------------------------------


def operation(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The OpenAPI operation object for a route (empty when it is not in the schema)."""
    return openapi.get("paths", {}).get(path, {}).get(method.lower(), {})


def json_body_schema(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The JSON request body schema of an operation, when it takes one."""
    content = operation(openapi, method, path).get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    return media.get("schema") if media else None


def example_value(
    schema: dict[str, Any], openapi: dict[str, Any], values: dict[str, Any], name: str = ""
) -> Any:
    """A small valid value for a JSON schema; ``*_id`` fields reuse known record ids."""
    components = openapi.get("components", {}).get("schemas", {})
    if "$ref" in schema:
        return example_value(components[schema["$ref"].split("/")[-1]], openapi, values, name)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return example_value(options[0], openapi, values, name) if options else None
    if "allOf" in schema:
        return example_value(schema["allOf"][0], openapi, values, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if name in values and kind in ("integer", None):
        return values[name]
    if name in values and kind == "string" and isinstance(values[name], int):
        return str(values[name])
    if kind == "object" or "properties" in schema:
        return {
            prop: example_value(sub, openapi, values, prop)
            for prop, sub in schema.get("properties", {}).items()
            if prop in schema.get("required", [])
        }
    if kind == "array":
        item_name = name.removesuffix("s") if name.endswith("_ids") else name
        count = (
            max(1, schema.get("minItems", 0))
            if name.endswith("_ids")
            else schema.get("minItems", 0)
        )
        return [example_value(schema.get("items", {}), openapi, values, item_name)] * count
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(1, int(low)) if schema.get("maximum", 10**9) >= 1 else int(low)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    return _example_string(schema)


def _example_string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format", "")
    if fmt == "date-time":
        return _when(1)
    if fmt == "date":
        return (NOW + timedelta(days=1)).date().isoformat()
    if fmt == "email":
        return f"{FILLER}@example.org"
    if fmt in ("uri", "url"):
        return f"https://example.org/{FILLER}"
    text = f"probe {FILLER}"
    minimum = schema.get("minLength", 1)
    return (text * (1 + minimum // len(text)))[
        : max(minimum, min(len(text), schema.get("maxLength", 10**6)))
    ]
