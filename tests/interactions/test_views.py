"""The contact page's timeline forms: add (HTMX or not), edit, delete."""

from __future__ import annotations

from datetime import UTC, datetime

from app.contacts import service
from app.interactions.models import Interaction
from tests.contacts.test_views import _count, soup

HTMX = {"HX-Request": "true"}


def test_add_interaction_inline_with_htmx_in_the_users_timezone(
    web_client_for, make_user, make_contact, db
):
    paris = make_user("pierre", timezone="Europe/Paris")
    web = web_client_for(paris)
    contact = make_contact(paris, "Jane", stay_in_touch_days=30)
    response = web.post(
        f"/contacts/{contact.id}/interactions",
        data={"kind": "call", "occurred_at": "2026-01-15T10:00", "summary": "Good chat"},
        headers=HTMX,
    )
    assert response.status_code == 200, response.text
    fragment = soup(response)
    assert fragment.select_one("section#timeline")
    assert "<html" not in response.text
    assert fragment.select_one("[data-field=last_contacted_at]").get_text() == "2026-01-15 10:00"
    stored = db.query(Interaction).one()
    db.rollback()
    assert stored.occurred_at == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    db.expire_all()
    assert service.get_contact(db, paris, contact.id).last_contacted_at == stored.occurred_at


def test_add_interaction_without_javascript_and_invalid(web, user, make_contact, db):
    contact = make_contact(user, "Jane")
    ok = web.form_post(
        f"/contacts/{contact.id}/interactions",
        {"kind": "email", "occurred_at": "2026-01-15T10:00", "summary": ""},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == f"/contacts/{contact.id}#timeline"
    for bad in (
        {"kind": "fax", "occurred_at": "2026-01-15T10:00"},
        {"kind": "call", "occurred_at": "not a date"},
        {"kind": "call", "occurred_at": "9999-12-31T23:59"},
        {"kind": "call", "occurred_at": ""},
        {"kind": "call", "occurred_at": "2026-01-15T10:00", "summary": "x" * 10_001},
    ):
        response = web.form_post(f"/contacts/{contact.id}/interactions", bad)
        assert response.status_code == 422, bad
        page = soup(response)
        assert page.select_one("#timeline .form-errors")
        assert page.select_one("details.add-interaction").has_attr("open")
    assert _count(db, Interaction) == 1


def test_edit_and_delete_interaction(web, user, make_contact, make_interaction, db):
    contact = make_contact(user, "Jane")
    interaction = make_interaction(user, contact, datetime(2026, 1, 2, 10, 0, tzinfo=UTC))
    form = soup(web.get(f"/contacts/{contact.id}/interactions/{interaction.id}/edit"))
    assert form.find(id="f-occurred_at")["value"] == "2026-01-02T10:00"
    response = web.form_post(
        f"/contacts/{contact.id}/interactions/{interaction.id}/edit",
        {"kind": "meeting", "occurred_at": "2026-01-03T11:00", "summary": "Lunch", "version": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    stale = web.form_post(
        f"/contacts/{contact.id}/interactions/{interaction.id}/edit",
        {"kind": "call", "occurred_at": "2026-01-03T11:00", "version": "1"},
    )
    assert stale.status_code == 409 and soup(stale).select_one("#conflict")
    deleted = web.post(f"/contacts/{contact.id}/interactions/{interaction.id}/delete", headers=HTMX)
    assert deleted.status_code == 200
    assert soup(deleted).select_one("#timeline .empty")
    assert _count(db, Interaction) == 0


def test_interaction_of_another_contact_is_not_found_under_this_one(
    web, user, make_contact, make_interaction
):
    jane = make_contact(user, "Jane")
    bob = make_contact(user, "Bob")
    interaction = make_interaction(user, bob)
    assert web.get(f"/contacts/{jane.id}/interactions/{interaction.id}/edit").status_code == 404
