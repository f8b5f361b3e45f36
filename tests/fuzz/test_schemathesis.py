"""Schemathesis over the whole /openapi.json, in process, authenticated with a bearer token.

The operations come from the application's own schema, so every API route a domain adds is
fuzzed the day it lands. Each operation runs against a fresh database with one record of each
kind (tests/seeding.py) and, for every other example, path ids swapped for those real rows, so
reads, updates and deletes reach real data and not only 404s.

CI (CI=true) derandomizes Hypothesis so a red run replays; locally every run explores anew.
RAPPORT_FUZZ_EXAMPLES sets the examples per operation (default keeps the run near 2 minutes
on two cores).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.auth.models import User
from app.config import Settings
from app.main import create_app
from tests.conftest import IN_CI, ApiClient
from tests.seeding import seed_everything

pytestmark = [pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("RAPPORT_FUZZ_EXAMPLES", "25"))
# None dropped: every check the issue asks for runs on every response.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The schema (which operations exist) is read at collection time from an app that never
# serves a request; the requests go to the test's own app and database.
_SCHEMA_APP = create_app(
    settings=Settings(
        env="test",
        database_url="sqlite://",
        secret_key="s" * 48,
        base_url="http://testserver",
        log_level="WARNING",
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", _SCHEMA_APP)


@dataclass
class FuzzTarget:
    """The app under test, a bearer token, and the ids of its seeded rows."""

    app: FastAPI
    headers: dict[str, str]
    path_values: dict[str, Any]


@pytest.fixture
def fuzz_target(
    app: FastAPI,
    make_user: Callable[..., User],
    make_token: Callable[..., str],
    api_client_for: Callable[..., ApiClient],
) -> FuzzTarget:
    fuzzer = make_user("fuzzer")
    seeded = seed_everything(app, api_client_for(fuzzer))
    values = dict(seeded.params)
    # A spare token of the fuzzer's own for DELETE /tokens/{token_id} to revoke, so the
    # token the fuzzer authenticates with keeps working.
    spare = api_client_for(fuzzer).get("/api/v1/tokens").json()
    values["token_id"] = spare[0]["id"]
    token = make_token(fuzzer)
    return FuzzTarget(app, {"Authorization": f"Bearer {token}"}, values)


_alternate = itertools.count()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=IN_CI,
    database=None if IN_CI else settings.default.database,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any, fuzz_target: FuzzTarget) -> None:
    if case.path_parameters and next(_alternate) % 2 == 0:
        for name in list(case.path_parameters):
            if name in fuzz_target.path_values:
                case.path_parameters[name] = fuzz_target.path_values[name]
    case.call_and_validate(headers=fuzz_target.headers, checks=CHECKS, app=fuzz_target.app)
