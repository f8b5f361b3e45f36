"""Every contacts route that takes an id refuses another user's row (404, nothing changed),
and list pages cost a constant number of SQL statements however many rows they show."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from app.contacts import service
from app.contacts.models import Contact
from app.interactions import service as interactions_service
from app.interactions.models import Interaction
from tests.statements import CONTACT_PAGE_READS, forget_credentials, recorded

OWNED_PREFIXES = ("/api/v1/contacts", "/api/v1/interactions", "/api/v1/tags", "/contacts")
PARAM = re.compile(r"{(\w+)}")


def _id_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route of ours with an id in its path, read from the app."""
    found = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith(OWNED_PREFIXES):
            continue
        if not PARAM.search(route.path):
            continue
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path))
    return found


def test_every_id_route_answers_404_to_another_user_and_changes_nothing(
    app, db, user, other_user, make_contact, make_interaction, api_client_for, web_client_for
):
    owner_contact = make_contact(user, "Owner's contact", tags=["private"], stay_in_touch_days=9)
    make_contact(user, "Introduced", introduced_by_id=owner_contact.id)
    interaction = make_interaction(user, owner_contact)
    ids = {"contact_id": owner_contact.id, "interaction_id": interaction.id}
    before = service.read_contact(db, user, owner_contact.id).model_dump()
    db.rollback()

    api = api_client_for(other_user)
    web = web_client_for(other_user)
    make_contact(other_user, "Mallory's own")
    routes = _id_routes(app)
    assert len(routes) >= 15, routes  # the probe really found our routes
    for method, path in routes:
        names = PARAM.findall(path)
        assert set(names) <= set(ids), f"teach this probe about {names} in {path}"
        url = PARAM.sub(lambda m: str(ids[m.group(1)]), path)
        if path.startswith("/api/"):
            body = {"summary": "Hijacked"} if "interaction" in path else {"full_name": "Hijacked"}
            kwargs = {"json": body} if method in ("PATCH", "POST") else {}
            response = api.request(
                method,
                url
                + ("?cascade=true" if path.endswith("{contact_id}") and method == "DELETE" else ""),
                **kwargs,
            )
        elif method == "POST":
            form = {
                "full_name": "Hijacked",
                "kind": "call",
                "occurred_at": "2026-01-01T10:00",
                "summary": "Hijacked",
                "cascade": "true",
                "version": "1",
            }
            response = web.form_post(url, form, follow_redirects=False)
        else:
            response = web.request(method, url, follow_redirects=False)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "Owner's contact" not in response.text

    db.expire_all()
    assert service.read_contact(db, user, owner_contact.id).model_dump() == before
    assert interactions_service.get_interaction(db, user, interaction.id).summary == ""
    assert db.query(Interaction).count() == 1
    assert db.query(Contact).filter(Contact.owner_id == user.id).count() == 2
    db.rollback()


def _populate(db, user, make_contact, make_career, make_org, count: int) -> None:
    careers = [make_career(user, f"Career {i}").id for i in range(3)]
    orgs = [make_org(user, f"Org {i}").id for i in range(3)]
    for i in range(count):
        make_contact(
            user,
            f"Person {i:03d}",
            organization_id=orgs[i % 3],
            career_ids=careers[: 1 + i % 3],
            tags=[f"tag{i % 4}", "common"],
            stay_in_touch_days=30,
        )


@pytest.mark.parametrize("path", ["/api/v1/contacts?limit=50", "/contacts?limit=50"])
def test_list_statement_count_is_constant(
    path, engine, db, user, make_contact, make_career, make_org, api, web
):
    client = api if path.startswith("/api/") else web
    counts = {}
    for size, added in ((5, 5), (50, 45)):
        _populate(db, user, make_contact, make_career, make_org, added)
        db.rollback()
        client.get(path)  # warm up: token "last used" and session touches happen once
        forget_credentials()  # the token is looked up in both counts
        with recorded(engine) as statements:
            response = client.get(path)
        assert response.status_code == 200
        shown = (
            response.json()["total"]
            if path.startswith("/api/")
            else response.text.count("data-contact-id=")
        )
        assert shown == size
        if path.startswith("/api/"):
            items = response.json()["items"]
            assert all(item["career_ids"] and len(item["tags"]) == 2 for item in items)
        counts[size] = len(statements)
        # The list's own reads are among them: every access style is seen by the events.
        page_reads = [s for s in statements if s.lstrip().startswith(CONTACT_PAGE_READS)]
        assert len(page_reads) == 1, statements
    assert counts[5] == counts[50], counts
    # Identity, the total and the page (careers and tags inside it, on both databases); the
    # page's career filter reads its careers in the page statement too (3 on SQLite with the
    # identity's BEGIN, 2 on PostgreSQL).
    assert counts[50] <= (4 if path.startswith("/api/") else 3), counts
