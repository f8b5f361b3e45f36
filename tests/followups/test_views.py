"""Follow-up pages parsed as HTML: sections, filters, bulk forms, done, forms keeping input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.db import utcnow
from app.followups import service
from app.followups.schemas import FollowUpCreate, FollowUpFilters
from app.interactions.models import Interaction


def _page(response):
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def tasks(db, user, make_contact):
    contact = make_contact(user, "Rachel Carson")
    now = utcnow()
    made = {}
    for name, days in (("overdue", -3), ("week", 3), ("later", 30)):
        made[name] = service.create_follow_up(
            db,
            user,
            FollowUpCreate(
                contact_id=contact.id,
                kind="check_in",
                due_at=now + timedelta(days=days),
                subject=f"About {name}",
            ),
        )
    db.rollback()
    return contact, made


def test_page_lists_sections_and_filters(web, tasks):
    _, made = tasks
    page = _page(web.get("/follow-ups"))
    sections = {t["data-section"]: t for t in page.select("table[data-section]")}
    assert set(sections) == {"overdue", "week", "later"}
    assert sections["overdue"].select_one(f'tr[data-follow-up-id="{made["overdue"].id}"]')
    assert page.select_one('select[name="kind"]') and page.select_one('select[name="contact_id"]')
    empty = _page(web.get("/follow-ups", params={"kind": "thank_you"}))
    assert not empty.select("table[data-section]")


def test_badge_counts_due(web, tasks):
    response = web.get("/follow-ups/badge", headers={"HX-Request": "true"})
    assert _page(response).select_one('[data-testid="follow-up-count"]').text == "1"


def test_bulk_snooze_then_done_without_javascript(web, db, user, tasks):
    contact, made = tasks
    ids = [str(made["overdue"].id), str(made["week"].id)]
    response = web.form_post(
        "/follow-ups/bulk", {"ids": ids, "action": "snooze"}, follow_redirects=False
    )
    assert response.status_code == 303
    db.expire_all()
    assert service.get_follow_up(db, user, made["overdue"].id).due_at > utcnow() + timedelta(days=6)
    db.rollback()  # end the read: the session must not hold SQLite's write lock
    response = web.form_post(
        "/follow-ups/bulk",
        {"ids": ids, "action": "done", "log_interaction": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    db.expire_all()
    assert service.get_follow_up(db, user, made["week"].id).status == "done"
    db.rollback()
    logged = db.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.contact_id == contact.id)
    )
    db.rollback()
    assert logged == 2


def test_bulk_with_another_users_id_is_404_and_changes_nothing(
    web, db, user, other_user, make_contact, tasks
):
    _, made = tasks
    theirs = service.create_follow_up(
        db,
        other_user,
        FollowUpCreate(contact_id=make_contact(other_user).id, due_at=utcnow()),
    )
    db.rollback()
    response = web.form_post(
        "/follow-ups/bulk",
        {"ids": [str(made["overdue"].id), str(theirs.id)], "action": "done"},
        follow_redirects=False,
    )
    assert response.status_code == 404
    db.expire_all()
    assert service.get_follow_up(db, user, made["overdue"].id).status == "open"
    assert service.get_follow_up(db, other_user, theirs.id).status == "open"


def test_bulk_without_a_choice_is_422(web, tasks):
    response = web.form_post("/follow-ups/bulk", {"action": "done"})
    assert response.status_code == 422
    assert "Choose at least one follow-up" in response.text


def test_done_form_logs_interaction_and_shows_it_on_the_contact(web, db, user, tasks):
    contact, made = tasks
    task = made["overdue"]
    detail = _page(web.get(f"/follow-ups/{task.id}"))
    assert detail.select_one('input[name="log_interaction"]').has_attr("checked")
    assert detail.select_one("#mailto-link")["href"].startswith("mailto:")
    response = web.form_post(
        f"/follow-ups/{task.id}/done",
        {"log_interaction": "1", "version": str(task.version)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/contacts/{contact.id}"
    contact_page = web.get(response.headers["location"])
    assert "Check in: About overdue" in contact_page.text


def test_new_form_invalid_keeps_every_value(web, user, tasks):
    contact, _ = tasks
    response = web.form_post(
        "/follow-ups/new",
        {
            "contact_id": str(contact.id),
            "kind": "dance",
            "due_at": "not a date",
            "subject": "Kept subject",
            "message": "Kept message",
        },
    )
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#e-kind") and page.select_one("#e-due_at")
    assert page.select_one('input[name="subject"]')["value"] == "Kept subject"
    assert page.select_one('textarea[name="message"]').text == "Kept message"


def test_new_form_creates_in_the_users_timezone(web, db, user, tasks):
    contact, _ = tasks
    response = web.form_post(
        "/follow-ups/new",
        {"contact_id": str(contact.id), "kind": "custom", "due_at": "2026-12-01T09:30"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    new_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert service.get_follow_up(db, user, new_id).due_at.hour == 9


def test_edit_with_a_stale_version_shows_the_conflict(web, db, user, tasks):
    _, made = tasks
    task = made["later"]
    form = {
        "contact_id": str(task.contact_id),
        "kind": "check_in",
        "status": "open",
        "due_at": "2026-12-01T09:30",
        "subject": "Mine",
        "version": "99",
    }
    response = web.form_post(f"/follow-ups/{task.id}/edit", form)
    assert response.status_code == 409
    page = _page(response)
    assert page.select_one("#conflict")
    assert page.select_one('input[name="subject"]')["value"] == "Mine"


def test_check_in_button_creates_the_task(web, db, user, make_contact):
    contact = make_contact(
        user, "Old Friend", cadence=30, next_touch_due=utcnow() - timedelta(days=2)
    )
    page = _page(web.get("/follow-ups"))
    assert page.select_one(f'[data-check-in-contact="{contact.id}"]')
    response = web.form_post(
        "/follow-ups/check-ins", {"contact_id": str(contact.id)}, follow_redirects=False
    )
    assert response.status_code == 303
    again = web.form_post(
        "/follow-ups/check-ins", {"contact_id": str(contact.id)}, follow_redirects=False
    )
    assert again.headers["location"] == response.headers["location"]
    assert service.due_list(db, user, FollowUpFilters(kind="check_in")).total == 1


def test_settings_form(web, db, user):
    bad = web.form_post("/follow-ups/settings", {"thank_you_delay_hours": "0"})
    assert bad.status_code == 422
    assert _page(bad).select_one('input[name="thank_you_delay_hours"]')["value"] == "0"
    ok = web.form_post(
        "/follow-ups/settings",
        {"thank_you_delay_hours": "48", "email_digest": "1"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    db.expire_all()
    saved = service.get_settings(db, user)
    assert (saved.thank_you_delay_hours, saved.email_digest) == (48, True)
    db.rollback()


def test_dashboard_partial_renders_due_with_one_click_done(web, db, user, tasks):
    from app.web.templating import templates

    _, made = tasks
    due = service.due_now(db, user)
    db.rollback()
    html = templates.env.get_template("followups/_due.html").render(
        due=due, csrf_token="t", tz="UTC", kind_labels=service.KIND_LABELS
    )
    page = BeautifulSoup(html, "html.parser")
    row = page.select_one(f'li[data-follow-up-id="{made["overdue"].id}"]')
    assert row.select_one(f'form[action="/follow-ups/{made["overdue"].id}/done"]')
    assert not page.select_one(f'li[data-follow-up-id="{made["later"].id}"]')


def test_other_users_follow_up_pages_are_404(web, db, other_user, make_contact):
    theirs = service.create_follow_up(
        db, other_user, FollowUpCreate(contact_id=make_contact(other_user).id, due_at=utcnow())
    )
    db.rollback()
    for path in ("", "/edit", "/delete"):
        assert web.get(f"/follow-ups/{theirs.id}{path}").status_code == 404
    assert web.form_post(f"/follow-ups/{theirs.id}/done", {}).status_code == 404
    db.expire_all()
    assert service.get_follow_up(db, other_user, theirs.id).status == "open"


def test_every_page_renders_and_delete_confirms(web, db, user, tasks):
    _, made = tasks
    task = made["later"]
    for path in ("/follow-ups/new", f"/follow-ups/{task.id}/edit", "/follow-ups/settings"):
        assert web.get(path).status_code == 200, path
    confirm = _page(web.get(f"/follow-ups/{task.id}/delete"))
    version = confirm.select_one('input[name="version"]')["value"]
    stale = web.form_post(f"/follow-ups/{task.id}/delete", {"version": "99"})
    assert stale.status_code == 409
    gone = web.form_post(
        f"/follow-ups/{task.id}/delete", {"version": version}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert web.get(f"/follow-ups/{task.id}").status_code == 404
