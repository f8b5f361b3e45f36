"""Charts are drawn once per distinct figures: the same figures give the same markup without
rendering again, new figures are drawn anew, and nothing of the page or reader is cached."""

from __future__ import annotations

import re
from datetime import timedelta

from app.careers.models import Career
from app.db import utcnow
from app.interviews.models import Interview
from app.progress.charts import month_chart
from app.progress.schemas import MonthFigure
from app.timezones import user_zone
from app.web.templating import _draw_chart, templates
from tests.progress.conftest import World


def _figures(held_last: int) -> list[MonthFigure]:
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    return [
        MonthFigure(
            month=month,
            held=held_last if i == 11 else i % 3,
            rated=1 if i % 2 else 0,
            average_confidence=3.5 if i % 2 else None,
        )
        for i, month in enumerate(months)
    ]


def test_same_figures_same_chart_new_figures_new_chart():
    first = month_chart(_figures(4), key="k", title="T", cap=100)
    # Equal figures built afresh (as every request builds them) find the same chart.
    assert month_chart(_figures(4), key="k", title="T", cap=100) is first
    assert month_chart(_figures(5), key="k", title="T", cap=100) is not first
    assert month_chart(_figures(4), key="other", title="T", cap=100) is not first
    assert month_chart(_figures(4), key="k", title="T", cap=None) is not first
    assert month_chart(_figures(4), key="k", title="Another", cap=100) is not first


def test_the_drawing_is_the_template_rendered_once():
    chart = month_chart(_figures(7), key="chart-once", title="Once", cap=100)
    fresh = templates.env.get_template("progress/_chart.html").render(chart=chart)
    before = _draw_chart.cache_info()
    assert str(_draw_chart(chart)) == fresh
    assert str(_draw_chart(chart)) == fresh
    after = _draw_chart.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)


def _bar_label(html: str, month: str) -> str:
    found = re.search(rf'class="bar-label" data-month="{month}"[^>]*>([^<]*)<', html)
    assert found, month
    return found.group(1)


def test_a_newly_held_interview_shows_on_the_next_visit(web, db, user, world: World):
    held_at = utcnow() - timedelta(hours=1)
    # The bar of that hour's month in the user's zone (New York).
    month = held_at.astimezone(user_zone(user.timezone)).strftime("%Y-%m")
    before = int(_bar_label(web.get("/").text, month))
    db.add(
        Interview(
            owner_id=user.id,
            contact_id=world.contacts["Cy"].id,
            career_id=world.data.id,
            status="completed",
            scheduled_at=held_at,
            confidence=5,
        )
    )
    db.commit()
    page = web.get("/").text
    assert int(_bar_label(page, month)) == before + 1
    career = web.get(f"/careers/{world.data.id}").text
    assert re.search(r'class="bar-label" data-month="' + month, career)


def test_readers_with_the_same_figures_share_the_chart_not_the_page(db, make_user, web_client_for):
    """Two new users with a career and no interviews have equal charts: one drawing, shown
    on two pages that each keep their own reader's name and form token."""
    pages = []
    for name in ("ada", "grace"):
        reader = make_user(name)
        db.add(Career(owner_id=reader.id, title=f"{name}'s field"))
        db.commit()
        pages.append(web_client_for(reader).get("/").text)
    first, second = (re.search(r"<figure.*?</figure>", p, re.S).group(0) for p in pages)
    assert first == second
    assert "Hello, ada" in pages[0] and "ada" not in pages[1]
    assert "Hello, grace" in pages[1] and "grace" not in pages[0]
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', p).group(1) for p in pages]
    assert tokens[0] != tokens[1]
