"""Changing one's time zone never moves the instants already entered (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from app.interviews.models import Interview


def test_changing_zone_keeps_stored_instants_and_says_the_zone(web, api, db, user):
    assert web.form_post(
        "/account/profile", {"display_name": "Al", "email": "", "timezone": "Europe/Paris"}
    ).status_code in (200, 303)
    contact = api.post("/api/v1/contacts", json={"full_name": "Zed"}).json()
    made = web.form_post(
        "/interviews",
        {
            "contact": f"Zed (#{contact['id']})",
            "status": "scheduled",
            "scheduled_at": "2027-03-01T10:00",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text[:500]
    with Session(db.get_bind()) as fresh:
        stored = fresh.scalars(select(Interview)).one().scheduled_at
    assert stored == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris, in UTC
    moved = web.form_post(
        "/account/profile",
        {"display_name": "Al", "email": "", "timezone": "Asia/Tokyo"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    with Session(db.get_bind()) as fresh:
        interview = fresh.scalars(select(Interview)).one()
    assert interview.scheduled_at == stored
    page = web.get(f"/interviews/{interview.id}")
    assert "18:00" in page.text and "Asia/Tokyo" in page.text
