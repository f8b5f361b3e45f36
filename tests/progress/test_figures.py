"""Progress figures against the hand-counted world in conftest.py, through the service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from app.auth.models import User
from app.errors import NotFound
from app.progress import service
from app.questions.models import QUESTION_CATEGORIES
from tests.progress.conftest import NOW, World


def _months(figures) -> dict[str, tuple[int, float | None]]:
    return {m.month: (m.held, m.average_confidence) for m in figures if m.held}


def test_months_are_the_last_twelve_in_the_users_zone(db: Session, user: User, world: World):
    found = service.overview(db, user, now=NOW)
    assert [m.month for m in found.months] == [
        f"{year}-{month:02d}" for year, month in [(2025, 12)] + [(2026, m) for m in range(1, 12)]
    ]
    # New York: Nov 1 03:00 UTC is Oct 31; Mar 1 02:00 UTC is Feb 28. Nov 12 is unrated.
    assert _months(found.months) == {
        "2026-02": (1, 3.0),
        "2026-06": (1, 5.0),
        "2026-10": (1, 2.0),
        "2026-11": (2, 4.0),
    }
    november = found.months[-1]
    assert (november.held, november.rated) == (2, 1)


def test_the_same_instants_fall_in_other_months_in_utc(db: Session, user: User, world: World):
    user.timezone = "UTC"
    assert _months(service.overview(db, user, now=NOW).months) == {
        "2026-03": (1, 3.0),
        "2026-06": (1, 5.0),
        "2026-11": (3, 3.0),
    }


def test_month_starts_follow_daylight_saving():
    starts = service.month_starts(service.user_zone("America/New_York"), NOW)
    assert len(starts) == 13
    assert starts[0] == datetime(2025, 12, 1, 5, tzinfo=UTC)  # EST, UTC-5
    assert starts[6] == datetime(2026, 6, 1, 4, tzinfo=UTC)  # EDT, UTC-4
    assert starts[-1] == datetime(2026, 12, 1, 5, tzinfo=UTC)


def test_per_career_summary_is_counted_by_hand(db: Session, user: User, world: World):
    careers = {c.title: c for c in service.overview(db, user, now=NOW).careers}
    assert set(careers) == {"Data science", "Design"}  # never the other user's career
    data, design = careers["Data science"], careers["Design"]
    assert (data.contacts, data.interviews_requested, data.interviews_held) == (3, 7, 5)
    assert data.follow_ups_open == 2
    assert (design.contacts, design.interviews_requested, design.interviews_held) == (1, 1, 1)
    assert design.follow_ups_open == 1
    # Most interesting first.
    assert [c.title for c in service.overview(db, user, now=NOW).careers] == [
        "Data science",
        "Design",
    ]


def test_career_progress_ready_panel_and_coverage(db: Session, user: User, world: World):
    found = service.career_progress(db, user, world.data.id, now=NOW)
    assert found.professionals_talked_to == 3
    assert (found.first_confidence, found.latest_confidence) == (1, 4)
    assert [(c.category, c.answered) for c in found.categories_covered] == [
        ("future_of_industry", 1),
        ("qualifications", 1),
    ]
    uncovered = [c.category for c in found.categories_uncovered]
    assert uncovered == [
        c for c in QUESTION_CATEGORIES if c not in ("future_of_industry", "qualifications", "other")
    ]
    assert "everyday_work" in uncovered and "culture" in uncovered
    assert found.notes == "Numbers."
    assert _months(found.months) == {"2026-06": (1, 5.0), "2026-10": (1, 2.0), "2026-11": (2, 4.0)}


def test_a_career_without_interviews_has_zeros(db: Session, user: User, world: World):
    found = service.career_progress(db, user, world.design.id, now=NOW)
    assert found.professionals_talked_to == 1
    assert (found.first_confidence, found.latest_confidence) == (3, 3)
    assert found.categories_covered == []


def test_another_users_career_is_not_found(db: Session, user: User, world: World):
    with pytest.raises(NotFound):
        service.career_progress(db, user, world.theirs.id, now=NOW)


def test_the_dashboard_adds_two_statements(db: Session, user: User, world: World):
    """On a visit that computes the figures; the next visits keep them (tests/dashboard)."""
    from sqlalchemy import event

    from app.dashboard import service as dashboard_service

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # A write moves the stamp, so the visit after it computes the figures again.
    world.data.interest = 1 if world.data.interest != 1 else 2
    db.commit()
    event.listen(db.get_bind(), "before_cursor_execute", record)
    try:
        found = dashboard_service.dashboard(db, user)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", record)
    assert found.progress is not None and not found.first_time
    # The stamp with the lists due and upcoming, then the counts, the month series and the
    # careers.
    assert len([s for s in statements if s.lstrip().lower().startswith("select")]) == 4
