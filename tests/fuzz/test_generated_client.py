"""A client generated from the served /openapi.json (openapi-python-client) completes a journey.

The schema is fetched from a live server, the client package is generated into a temporary
directory and imported, and every call below goes through its typed models and functions:
what a third-party developer would do with the published contract.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.auth.models import User
from tests.fuzz.conftest import api_token

pytestmark = [pytest.mark.fuzz]

PACKAGE = "rapport_client"
# Literal enums: the time zone enum has names that differ only in sign (GMT+0, GMT-0).
GENERATOR_CONFIG = {"literal_enums": True, "package_name_override": PACKAGE}


@pytest.fixture
def generated(live_url: str, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package generated from the live schema, importable for the test."""
    spec = tmp_path / "openapi.json"
    spec.write_text(httpx.get(f"{live_url}/openapi.json", timeout=60).text)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(GENERATOR_CONFIG))
    generator = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [
            *(str(generator), "generate", "--path", str(spec), "--meta", "none"),
            *("--output-path", str(tmp_path / PACKAGE), "--config", str(config)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (tmp_path / PACKAGE / "client.py").exists(), result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def call(package: ModuleType, module: str, **kwargs: Any) -> Any:
    """Call ``api.<module>.sync_detailed`` of the generated client."""
    endpoint = importlib.import_module(f"{PACKAGE}.api.{module}")
    return endpoint.sync_detailed(**kwargs)


def model(package: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def test_generated_client_completes_a_journey(
    generated: ModuleType, live_url: str, db: Session, make_user: Callable[..., User]
) -> None:
    secret, _ = api_token(db, make_user("client-dev"), "generated client")
    client = generated.AuthenticatedClient(
        base_url=live_url, token=secret, timeout=httpx.Timeout(60)
    )

    career = call(
        generated,
        "careers.create_career",
        client=client,
        body=model(generated, "CareerCreate")(title="Hydrologist", interest=4),
    )
    assert career.status_code == 201, career.content
    assert career.headers["location"].endswith(f"/careers/{career.parsed.id}")

    organization = call(
        generated,
        "organizations.create_organization",
        client=client,
        body=model(generated, "OrganizationCreate")(
            name="River Trust", website="https://example.org/river"
        ),
    )
    assert organization.status_code == 201, organization.content

    contact = call(
        generated,
        "contacts.create_contact",
        client=client,
        body=model(generated, "ContactCreate")(
            full_name="Ada Lovelace",
            organization_id=organization.parsed.id,
            career_ids=[career.parsed.id],
        ),
    )
    assert contact.status_code == 201, contact.content

    interview = call(
        generated,
        "interviews.create_interview",
        client=client,
        body=model(generated, "InterviewCreate")(
            contact_id=contact.parsed.id,
            career_id=career.parsed.id,
            status="scheduled",
            scheduled_at="2030-05-01T09:30:00+02:00",
        ),
    )
    assert interview.status_code == 201, interview.content
    interview_id = interview.parsed.id

    item = call(
        generated,
        "interview_agenda.add_agenda_item",
        client=client,
        interview_id=interview_id,
        body=model(generated, "AgendaItemCreate")(text="What surprised you most?"),
    )
    assert item.status_code == 201, item.content
    answered = call(
        generated,
        "interview_agenda.update_agenda_item",
        client=client,
        interview_id=interview_id,
        item_id=item.parsed.id,
        body=model(generated, "AgendaItemUpdate")(answer_notes="The field work.", asked=True),
        if_match=item.headers["etag"],
    )
    assert answered.status_code == 200, answered.content

    read_back = call(
        generated, "interviews.get_interview", client=client, interview_id=interview_id
    )
    assert read_back.status_code == 200, read_back.content
    assert [a.answer_notes for a in read_back.parsed.agenda] == ["The field work."]
    assert read_back.parsed.contact_id == contact.parsed.id

    for module, key, value in [
        ("interviews.delete_interview", "interview_id", interview_id),
        ("contacts.delete_contact", "contact_id", contact.parsed.id),
        ("organizations.delete_organization", "organization_id", organization.parsed.id),
        ("careers.delete_career", "career_id", career.parsed.id),
    ]:
        deleted = call(generated, module, client=client, **{key: value})
        assert deleted.status_code == 204, (module, deleted.content)
    gone = call(generated, "careers.get_career", client=client, career_id=career.parsed.id)
    assert gone.status_code == 404
    assert gone.parsed.status == 404  # the problem document, typed
