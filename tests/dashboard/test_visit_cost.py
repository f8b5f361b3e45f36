"""What a dashboard visit spends, kept to what it needs: its statement is found in a compiled
cache of its own without hashing its key, the column that only orders the union is read back
unconverted, and the follow-ups due are drawn once per distinct list, session and zone, to
the byte what including the template in the page drew."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import Dialect, Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import NullType

from app.auth.models import User
from app.dashboard import service, views
from app.db import UTCDateTime, open_session, utcnow
from app.followups import service as followups_service
from app.followups.service import DueFollowUp, DueNow
from app.web.templating import EncodedMarkup, _page_bytes, templates


def test_the_kept_compiled_cache_finds_an_equal_key_only() -> None:
    cache = service._KeptCompiled()
    statement_key = (("select", 1), ("where", 2))  # a cache key: one memoized tuple
    dialect_a, dialect_b = object(), object()
    cache[(dialect_a, statement_key, ("owner_id",), False, False)] = "compiled a"
    assert cache.get((dialect_a, statement_key, ("owner_id",), False, False)) == "compiled a"
    assert cache.get((dialect_b, statement_key, ("owner_id",), False, False)) is None
    assert cache.get((dialect_a, statement_key, ("now",), False, False)) is None
    for n in range(service._KeptCompiled.ENTRIES):
        cache[(object(), statement_key, (), False, n)] = n
    # The newest few are kept, newest first: the first entry has gone.
    assert cache.get((dialect_a, statement_key, ("owner_id",), False, False)) is None
    assert len(cache._entries) == service._KeptCompiled.ENTRIES


def test_a_visit_finds_its_statement_compiled_again(engine: Engine, user: User) -> None:
    cache = service._visit_options(engine.dialect.name)["compiled_cache"]
    with open_session(engine) as session:
        service.dashboard(session, user)
    entries = cache._entries
    assert any(key[0] is engine.dialect for key, _ in entries)
    with open_session(engine) as session:
        service.dashboard(session, user)
    assert cache._entries is entries  # found: nothing compiled, nothing stored


@pytest.mark.parametrize(
    ("name", "dialect", "sql_type"),
    [
        ("sqlite", sqlite.dialect(), "DATETIME"),
        ("postgresql", postgresql.dialect(), "TIMESTAMP WITH TIME ZONE"),
    ],
)
def test_the_ordering_column_keeps_its_sql_type_and_is_read_unconverted(
    name: str, dialect: Dialect, sql_type: str
) -> None:
    visit = service._visit(name)
    assert f"CAST(NULL AS {sql_type}) AS sort_at" in str(visit.compile(dialect=dialect))
    # The union's columns are typed by its first select: sort_at comes back as it is stored.
    assert isinstance(visit.selected_columns["sort_at"].type, NullType)
    assert isinstance(visit.selected_columns["at"].type, UTCDateTime)  # shown: converted


def _row(n: int, due_at: object) -> DueFollowUp:
    return DueFollowUp(n, "thank_you" if n % 2 else "update", due_at, n + 1, f"O'Neil <{n}>")


def _included(due: DueNow, csrf_token: str, tz: str) -> str:
    """What the page drew before: the template included with the page's context."""
    return templates.env.from_string('{% include "followups/_due.html" %}').render(
        due=due,
        csrf_token=csrf_token,
        tz=tz,
        kind_labels=followups_service.KIND_LABELS,
        user=None,
        section="dashboard",
    )


@pytest.mark.parametrize(("overdue", "today"), [(0, 0), (2, 1), (9, 7)])
@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
def test_the_follow_ups_due_are_drawn_as_the_include_drew_them(
    overdue: int, today: int, tz: str
) -> None:
    now = utcnow()
    due = DueNow(
        overdue=[_row(n, now - timedelta(hours=n + 1)) for n in range(overdue)],
        today=[_row(100 + n, now + timedelta(hours=n)) for n in range(today)],
    )
    for _ in range(2):  # drawn, then (for a short list) kept
        drawn = views._due_section(due, "token-a", tz)
        assert isinstance(drawn, Markup)
        assert str(drawn) == _included(due, "token-a", tz)
    # Another session's token is never served from the first one's entry.
    assert str(views._due_section(due, "token-b", tz)) == _included(due, "token-b", tz)


def test_long_lists_of_follow_ups_due_are_not_kept() -> None:
    now = utcnow()
    due = DueNow(overdue=[_row(n, now - timedelta(hours=n + 1)) for n in range(11)])
    kept = views._drawn_due.cache_info().currsize
    views._due_section(due, "token", "UTC")
    assert views._drawn_due.cache_info().currsize == kept


def test_spliced_parts_give_the_bytes_the_whole_page_encoded_gives() -> None:
    chart = EncodedMarkup("<svg><text>5◆</text></svg> · drawn once")
    lists = EncodedMarkup("<ul><li>O&#39;Neil</li></ul>")
    unprinted = EncodedMarkup("<p>not on this page</p>")
    page = templates.env.from_string(
        "<title>{{ title }} · Rapport</title>{{ chart }}<p>{{ name }}</p>{{ lists }}{{ chart }}"
    )
    ctx = {"title": "Dashboard", "name": "Zoë <b>", "chart": chart, "lists": lists}
    expected = page.render(ctx).encode()
    assert _page_bytes(page, ctx, (chart, lists, unprinted)) == expected
    assert _page_bytes(page, ctx, ()) == expected
    assert _page_bytes(page, {**ctx, "chart": "", "lists": ""}, (chart, lists)) == (
        page.render({**ctx, "chart": "", "lists": ""}).encode()
    )


def test_markup_derived_from_encoded_markup_keeps_its_own_bytes() -> None:
    part = EncodedMarkup("<b>·</b>")
    assert part.utf8 == "<b>·</b>".encode()
    joined = part + "<i>"  # escaped, and a new EncodedMarkup
    assert isinstance(joined, EncodedMarkup)
    assert joined.utf8 == str(joined).encode() == "<b>·</b>&lt;i&gt;".encode()
