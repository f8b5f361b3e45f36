"""On PostgreSQL the dashboard's visit statement, once psycopg prepares it, runs on the
server's generic plan: planning it afresh on every visit cost the server several times the
statement's own work (app.dashboard.service._visit). At 100,000 contacts the server kept
custom plans while the sections' LIMIT was a parameter; a test database is too small for
that costing, so the SQL itself is checked too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import User
from app.contacts.models import Contact
from app.dashboard import service
from app.db import open_session, utcnow
from app.interviews.models import Interview

# psycopg prepares a statement on its fifth run; the server tries custom plans for the first
# five executions of a prepared statement before it may settle on the generic one.
VISITS = 12


def test_the_sections_limit_is_written_into_the_sql_on_postgresql_only() -> None:
    shown = f"LIMIT {service.SECTION_LENGTH})"
    on_postgresql = str(service._visit("postgresql").compile(dialect=postgresql.dialect()))
    on_sqlite = str(service._visit("sqlite").compile(dialect=sqlite.dialect()))
    assert on_postgresql.count(shown) == 2  # the contacts due and the upcoming interviews
    assert shown not in on_sqlite  # SQLite's statement is unchanged: a bound LIMIT


@pytest.mark.postgres
def test_the_visit_runs_on_a_generic_plan(engine: Engine, user: User) -> None:
    now = utcnow()
    with open_session(engine, write=True) as session:
        contacts = [
            Contact(owner_id=user.id, full_name=f"Due {n}", next_touch_due=now - timedelta(days=n))
            for n in range(1, 8)
        ]
        session.add_all(contacts)
        session.flush()
        session.add_all(
            Interview(
                owner_id=user.id,
                contact_id=contact.id,
                status="scheduled",
                scheduled_at=now + timedelta(days=n),
            )
            for n, contact in enumerate(contacts, start=1)
        )
        session.commit()
    with open_session(engine) as session:
        for _ in range(VISITS):
            shown = service.dashboard(session, user)
        # The same session's connection: prepared statements belong to one server session.
        plans = (
            session.connection()
            .execute(
                text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE '%dashboard_stamps%'"
                )
            )
            .one()
        )
    assert [d.full_name for d in shown.due] == [f"Due {n}" for n in range(7, 2, -1)]
    assert len(shown.upcoming) == service.SECTION_LENGTH
    assert plans.generic_plans > 0, plans
    assert plans.custom_plans <= 5, plans
