"""A bank's category filter lists only the categories it has questions in (issue 11)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.questions.models import CATEGORY_LABELS


def test_the_filter_offers_only_categories_with_questions(api, web):
    bank = api.post("/api/v1/question-banks", json={"name": "Mine"}).json()
    for text, category in (("What changed?", "trends"), ("Any advice?", "advice")):
        made = api.post(
            f"/api/v1/question-banks/{bank['id']}/questions",
            json={"text": text, "category": category},
        )
        assert made.status_code == 201, made.text
    page = BeautifulSoup(web.get(f"/question-banks/{bank['id']}").text, "html.parser")
    options = [o["value"] for o in page.select("#f-filter-category option") if o["value"]]
    assert options == [c for c in CATEGORY_LABELS if c in ("trends", "advice")]
    # The add form still offers every category.
    assert len(page.select("#f-category option")) == len(CATEGORY_LABELS)
