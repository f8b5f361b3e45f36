"""Every HTML form post ends in a redirect to a page that can be reloaded (issue 11).

A plain browser post that answers 200 leaves the address on the POST URL: reloading it, or
coming back to it, then shows "405 Method Not Allowed". This walks every HTML POST route the
application has (so a new one is covered without being listed) with a real record behind
each path id, and checks the answer: a 303 to a GET-able address, or a 422 / 409 re-render
of the form (a refusal the user corrects in place), or an error page. Never a 200 page.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from sqlmodel import Session

from app.auth.models import User
from app.careers import service as careers_service
from app.careers.schemas import CareerCreate
from app.contacts import service as contacts_service
from app.contacts.schemas import ContactCreate
from app.organizations import service as organizations_service
from app.organizations.schemas import OrganizationCreate

# A download answers its POST with the file itself: the address bar does not change.
_DOWNLOADS = ("attachment",)
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _html_post_routes(app: Any) -> list[str]:
    paths = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or "POST" not in route.methods:
            continue
        if route.path.startswith("/api/"):
            continue
        paths.append(route.path)
    return sorted(set(paths))


def _fill(path: str, ids: dict[str, int]) -> str:
    return _PARAM.sub(lambda m: str(ids.get(m.group(1), 1)), path)


def _records(db: Session, user: User) -> dict[str, int]:
    """One record of each kind the walk's path ids name (1 where none exists: a 404 is fine)."""
    career = careers_service.create_career(db, user, CareerCreate(title="Data science"))
    org = organizations_service.create_organization(db, user, OrganizationCreate(name="Globex"))
    contact = contacts_service.create_contact(
        db, user, ContactCreate(full_name="Walk Through", stay_in_touch_days=30)
    )
    return {"career_id": career.id, "organization_id": org.id, "contact_id": contact.id}


def test_every_html_post_route_redirects_or_re_renders(app, db, web, user):
    ids = _records(db, user)
    routes = _html_post_routes(app)
    assert "/account/profile" in routes and "/contacts/new" in routes
    offenders = []
    for path in routes:
        if path in ("/logout",):
            continue  # checked last: it ends the session the walk uses
        url = _fill(path, ids)
        response = web.form_post(url, {}, follow_redirects=False)
        status = response.status_code
        if status == 303:
            target = response.headers["location"]
            landing = web.get(target.split("#")[0], follow_redirects=True)
            if landing.status_code >= 400 and landing.status_code != 404:
                offenders.append(f"{url}: 303 to {target}, which answers {landing.status_code}")
        elif status == 200:
            disposition = response.headers.get("content-disposition", "")
            if not any(word in disposition for word in _DOWNLOADS):
                offenders.append(f"{url}: 200 page at the POST address (reload would 405)")
        elif status not in (400, 401, 403, 404, 409, 413, 422, 429):
            offenders.append(f"{url}: unexpected {status}")
    assert not offenders, "\n".join(offenders)
    logout = web.form_post("/logout", {}, follow_redirects=False)
    assert logout.status_code == 303


def test_account_saves_redirect_and_show_their_notice_once(web):
    saved = web.form_post(
        "/account/profile",
        {"display_name": "Jo", "email": "", "timezone": "Europe/Paris"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith("/account")
    page = web.get("/account")
    assert "Profile saved." in page.text
    assert "Profile saved." not in web.get("/account").text  # a reload shows it no more


def test_a_new_token_is_shown_once_and_never_in_the_address(web):
    made = web.form_post(
        "/account/tokens",
        {"name": "laptop", "scopes": "read", "expires_in_days": "30"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert "rpt_" not in made.headers["location"]
    first = web.get("/account")
    found = re.search(r'data-testid="new-token">(rpt_[^<]+)<', first.text)
    assert found, first.text[:2000]
    again = web.get("/account")
    assert found.group(1) not in again.text


def test_a_form_answered_in_place_does_not_become_the_address(web):
    """HTMX would push the POST URL of a 422 re-render; reloading it would then be a 405."""
    boosted = {"HX-Request": "true", "HX-Boosted": "true"}
    refused = web.form_post("/contacts/new", {"full_name": ""}, headers=boosted)
    assert refused.status_code == 422
    assert refused.headers["hx-push-url"] == "false"
    page = web.get("/contacts/new")
    assert "hx-push-url" not in page.headers
