"""The dashboard and career pages and their API twins: same figures, SVG charts, the guide."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlmodel import Session

from app.auth.models import User
from app.db import utcnow
from app.interviews.models import Interview
from tests.progress.conftest import World

SVG = "{http://www.w3.org/2000/svg}"


def _svg(html: str) -> ET.Element:
    found = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert found, "no chart on the page"
    return ET.fromstring(found.group(0))


def _recent(db: Session, user: User, world: World) -> None:
    """Three held interviews inside the last twelve months, whatever day the tests run."""
    now = utcnow()
    for hours, rating in ((1, 4), (2, None), (24 * 40, 2)):
        db.add(
            Interview(
                owner_id=user.id,
                contact_id=world.contacts["Cy"].id,
                career_id=world.data.id,
                status="completed",
                scheduled_at=now - timedelta(hours=hours),
                confidence=rating,
            )
        )
    db.commit()


def test_api_figures_match_the_service(api, db, user, world):
    body = api.get("/api/v1/dashboard").json()
    assert body["first_time"] is False
    assert body["counts"]["careers"] == 2 and body["counts"]["cap"] == 1000
    assert len(body["months"]) == 12
    careers = {c["title"]: c for c in body["careers"]}
    assert set(careers) == {"Data science", "Design"}
    assert careers["Data science"]["interviews_held"] == 5
    assert careers["Data science"]["interviews_requested"] == 7
    assert careers["Data science"]["follow_ups_open"] == 2
    one = api.get(f"/api/v1/careers/{world.data.id}/progress")
    assert one.status_code == 200
    progress = one.json()
    assert progress["professionals_talked_to"] == 3
    assert [c["category"] for c in progress["categories_covered"]] == [
        "future_of_industry",
        "qualifications",
    ]
    assert "everyday_work" in [c["category"] for c in progress["categories_uncovered"]]
    # The same twelve months; one career's share of each never exceeds the whole.
    assert [m["month"] for m in progress["months"]] == [m["month"] for m in body["months"]]
    for mine, overall in zip(progress["months"], body["months"], strict=True):
        assert mine["held"] <= overall["held"]


def test_another_users_career_progress_is_404(api, world):
    response = api.get(f"/api/v1/careers/{world.theirs.id}/progress")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Their career" not in response.text


def test_progress_needs_authentication(client, world):
    assert client.get("/api/v1/dashboard").status_code == 401
    assert client.get(f"/api/v1/careers/{world.data.id}/progress").status_code == 401


def test_openapi_declares_the_routes(client):
    spec = client.get("/openapi.json").json()
    progress = spec["paths"]["/api/v1/careers/{career_id}/progress"]["get"]
    assert {"200", "401", "404", "422"} <= set(progress["responses"])
    dashboard = spec["paths"]["/api/v1/dashboard"]["get"]
    assert {"200", "401"} <= set(dashboard["responses"])


def test_dashboard_chart_bars_match_the_numbers(web, api, db, user, world):
    _recent(db, user, world)
    months = api.get("/api/v1/dashboard").json()["months"]
    html = web.get("/").text
    svg = _svg(html)
    assert svg.get("role") == "img" and svg.get("aria-label") == "Interviews held per month"
    assert svg.find(f"{SVG}title").text == "Interviews held per month"
    assert "held from" in svg.find(f"{SVG}desc").text
    bars = svg.findall(f".//{SVG}g[@data-month]")
    labels = svg.findall(f".//{SVG}text[@class='bar-label']")
    assert [b.get("data-month") for b in bars] == [m["month"] for m in months]
    assert [t.get("data-month") for t in labels] == [m["month"] for m in months]
    for bar, label, month in zip(bars, labels, months, strict=True):
        assert int(label.text) == month["held"]
        assert (bar.find(f"{SVG}rect") is not None) == (month["held"] > 0)
    assert sum(m["held"] for m in months) >= 3
    # The diamonds carry the mean confidence; the table repeats every number.
    markers = svg.findall(f".//{SVG}polygon")
    assert len(markers) == len([m for m in months if m["average_confidence"] is not None])
    page = BeautifulSoup(html, "html.parser")
    table = page.find("details", class_="chart-numbers").find("table")
    rows = {
        tr["data-month"]: [td.get_text() for td in tr.find_all("td")]
        for tr in table.tbody.find_all("tr")
    }
    for month in months:
        held, confidence = rows[month["month"]]
        assert int(held) == month["held"]
        expected = month["average_confidence"]
        assert confidence == ("–" if expected is None else f"{expected:g}")
    per_career = page.find("table", class_="progress-careers")
    data_row = per_career.find("tr", attrs={"data-career": str(world.data.id)})
    assert data_row.find("td", attrs={"data-field": "interviews"}).get_text() == "10 / 8"
    assert page.find(string=re.compile("Their career")) is None


def test_svg_text_is_escaped(web, db, user, world):
    world.data.title = '<script>alert("x")</script> & co'
    db.add(world.data)
    db.commit()
    html = web.get(f"/careers/{world.data.id}").text
    svg = _svg(html)  # parses: nothing unescaped broke the XML
    assert svg.find(f"{SVG}title").text.startswith('<script>alert("x")</script> & co')
    assert "<script>alert" not in html


def test_career_page_shows_progress_and_the_ready_panel(web, world):
    page = BeautifulSoup(web.get(f"/careers/{world.data.id}").text, "html.parser")
    ready = page.find("section", class_="ready-panel")
    assert ready.find("dd", attrs={"data-field": "talked_to"}).get_text() == "3"
    assert ready.find("dd", attrs={"data-field": "confidence"}).get_text(" ", strip=True) == (
        "1 → 4/5 (up)"
    )
    assert ready.find("dd", attrs={"data-field": "follow_ups_open"}).get_text() == "2"
    covered = [li["data-category"] for li in page.select("ul.coverage li")]
    assert covered == ["future_of_industry", "qualifications"]
    uncovered = [s["data-category"] for s in page.select("p.uncovered .tag")]
    assert "everyday_work" in uncovered and "other" not in uncovered
    assert page.find("figure", class_="progress-chart").find("table") is not None


def test_another_users_career_page_is_404(web, world):
    assert web.get(f"/careers/{world.theirs.id}").status_code == 404


def test_a_first_time_user_sees_the_guide_not_charts(web, api):
    response = web.get("/")
    page = BeautifulSoup(response.text, "html.parser")
    guide = page.find("section", class_="method-guide")
    links = [a["href"] for a in guide.find_all("a")]
    for href in (
        "/careers/new",
        "/contacts/new",
        "/question-banks",
        "/interviews/new",
        "/follow-ups",
    ):
        assert href in links
    assert "30-minute" in guide.get_text()
    assert page.find("svg") is None
    body = api.get("/api/v1/dashboard").json()
    assert body["first_time"] is True and body["months"] == [] and body["careers"] == []


def test_dashboard_figures_stop_past_the_cap_the_career_page_counts_exactly(api, web, db, user):
    from app.careers.models import Career
    from app.contacts.models import Contact
    from app.progress.service import FIGURE_CAP

    career = Career(owner_id=user.id, title="Busy field")
    contact = Contact(owner_id=user.id, full_name="Everyone")
    db.add_all([career, contact])
    db.flush()
    when = utcnow() - timedelta(minutes=1)
    db.add_all(
        [
            Interview(
                owner_id=user.id,
                contact_id=contact.id,
                career_id=career.id,
                status="completed",
                scheduled_at=when,
                confidence=3,
            )
            for _ in range(FIGURE_CAP + 2)
        ]
    )
    db.commit()
    body = api.get("/api/v1/dashboard").json()
    assert body["figure_cap"] == FIGURE_CAP
    assert body["months"][-1]["held"] == FIGURE_CAP + 1
    [summary] = body["careers"]
    assert summary["interviews_held"] == FIGURE_CAP + 1
    exact = api.get(f"/api/v1/careers/{career.id}/progress").json()
    assert exact["interviews_held"] == FIGURE_CAP + 2
    assert exact["months"][-1]["held"] == FIGURE_CAP + 2
    html = web.get("/").text
    bars = _svg(html).findall(f".//{SVG}text[@class='bar-label']")
    assert bars[-1].text == f"{FIGURE_CAP}+"
    row = BeautifulSoup(html, "html.parser").find("tr", attrs={"data-career": str(career.id)})
    assert row.find("td", attrs={"data-field": "interviews"}).get_text() == (
        f"{FIGURE_CAP}+ / {FIGURE_CAP}+"
    )
