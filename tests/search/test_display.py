"""How hits read: interviews named by contact and date, answers by their interview, and
snippets as the words a reader sees rather than Markdown source."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.auth.models import User
from app.search import service
from tests.statements import recorded

OCTOBER = datetime(2026, 10, 3, 15, 0, tzinfo=UTC)


def hits(api, q: str) -> list[dict]:
    response = api.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_interviews_with_one_purpose_are_told_apart_by_contact_and_date(api, corpus):
    purpose = "Ask about the **portfolio** review"
    elena = corpus.interview(corpus.contact("Elena Vargas"), purpose=purpose, scheduled_at=OCTOBER)
    omar = corpus.interview(corpus.contact("Omar Haddad"), purpose=purpose)
    by_id = {hit["id"]: hit for hit in hits(api, "portfolio") if hit["kind"] == "interview"}
    assert by_id[elena.id]["title"] == "Interview with Elena Vargas · 3 Oct 2026"
    assert by_id[omar.id]["title"] == "Interview with Omar Haddad"  # not scheduled yet
    for hit in by_id.values():
        # The purpose is what matched: it is the snippet, as plain words.
        assert hit["snippet_html"] == "Ask about the <mark>portfolio</mark> review"
        assert hit["context"] is None


def test_an_interview_hit_snippet_shows_the_summary_that_matched(api, corpus):
    interview = corpus.interview(corpus.contact("Elena Vargas"), summary="Talked zeppelins")
    [hit] = hits(api, "zeppelins")
    assert hit["id"] == interview.id
    assert hit["title"] == "Interview with Elena Vargas"
    assert "<mark>zeppelins</mark>" in hit["snippet_html"]


def test_an_answer_says_which_interview_it_belongs_to(api, corpus, web):
    interview = corpus.interview(corpus.contact("Elena Vargas"), scheduled_at=OCTOBER)
    corpus.answer(interview, "How did you start?", "Through a quillwork apprenticeship")
    [hit] = hits(api, "quillwork")
    assert hit["kind"] == "answer" and hit["title"] == "How did you start?"
    assert hit["context"] == "Interview with Elena Vargas · 3 Oct 2026"
    page = web.get("/search", params={"q": "quillwork"})
    assert "Interview with Elena Vargas · 3 Oct 2026" in page.text
    suggestions = web.get("/search/suggest", params={"q": "quillwork"})
    assert "Interview with Elena Vargas · 3 Oct 2026" in suggestions.text


def test_the_date_is_the_day_in_the_users_timezone():
    late = datetime(2026, 10, 3, 23, 30, tzinfo=UTC)
    assert service.interview_name("Ana", late, ZoneInfo("UTC")) == "Interview with Ana · 3 Oct 2026"
    tokyo = service.interview_name("Ana", late, ZoneInfo("Asia/Tokyo"))
    assert tokyo == "Interview with Ana · 4 Oct 2026"
    assert service.interview_name(None, None, ZoneInfo("UTC")) == "Interview with a contact"


def test_naming_interviews_reads_no_statement_per_hit(db: Session, user: User, corpus):
    def counted() -> tuple[int, int]:
        # Once first, so both counts are of a prefix remembered under the index's state (one
        # read with writes since takes a probe and the words' read more).
        service.search(db, user, "kestrel")
        db.rollback()
        with recorded(db.get_bind()) as seen:
            found = service.search(db, user, "kestrel")
        db.rollback()
        return len(found.items), len(seen)

    contact = corpus.contact("Elena Vargas")
    interview = corpus.interview(contact, purpose="kestrel", scheduled_at=OCTOBER)
    corpus.answer(interview, "Q?", "kestrel")
    few, few_statements = counted()
    for _ in range(4):
        more = corpus.interview(corpus.contact(), purpose="kestrel", scheduled_at=OCTOBER)
        corpus.answer(more, "Q?", "kestrel")
    many, many_statements = counted()
    assert (few, many) == (2, 10)
    assert many_statements == few_statements


def test_snippets_show_markdown_as_the_words_a_reader_sees(api, corpus):
    notes = (
        "## Paths in\n"
        "- Build a **portfolio** first, see [the guide](https://example.org/guide)\n"
        "> 1. _Ask_ for `feedback` ~~early~~\n"
        "***\n"
        "Sources\n"
        "=======\n"
        "```\n"
        "<https://example.org/x> snake_case stays, as does 2 * 3 * 4"
    )
    corpus.career("Archivist", research_notes=notes)
    [hit] = hits(api, "portfolio")
    snippet = hit["snippet_html"]
    assert snippet.startswith("Paths in Build a <mark>portfolio</mark> first, see the guide Ask")
    for markup in ("#", "**", "](", "`", "~~", "&gt;", "- ", "***", "_Ask_", "=="):
        assert markup not in snippet, markup
    plain = service.plain_text(notes)
    assert plain == (
        "Paths in Build a portfolio first, see the guide Ask for feedback early Sources"
        " https://example.org/x snake_case stays, as does 2 * 3 * 4"
    )


def test_markdown_cannot_smuggle_markup_into_a_snippet(api, corpus):
    corpus.contact(
        "Hostile",
        notes="**<script>alert('x')</script>** [<img src=x onerror=y> zither](javascript:evil)"
        " `<b>` \x02 __zither__",
    )
    [hit] = hits(api, "zither")
    snippet = hit["snippet_html"]
    assert "<script>" not in snippet and "<img" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet and "&lt;img src=x onerror=y&gt;" in snippet
    assert "javascript:" not in snippet  # a link's target is markup, not text
    assert snippet.count("<mark>zither</mark>") == 2
    assert snippet.count("<mark>") == snippet.count("</mark>")
