"""/search and /search/suggest: the results page, its filters and paging, the nav box list."""

from __future__ import annotations

from bs4 import BeautifulSoup


def test_results_page_shows_hits_with_marks_and_counts(web, corpus):
    contact = corpus.contact("Perpetua Quince", notes="loves <script>alert(1)</script> archives")
    corpus.organization("Quince Museum")
    page = web.get("/search", params={"q": "quin"})
    assert page.status_code == 200
    assert f'href="/contacts/{contact.id}"' in page.text
    assert "<mark>Quince</mark>" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "Contacts (1)" in page.text and "Organizations (1)" in page.text


def test_kind_filter_and_paging_keep_each_other(web, corpus):
    for n in range(25):
        corpus.contact(f"Tamsin {n}")
    corpus.organization("Tamsin Org")
    page = web.get("/search", params=[("q", "tamsin"), ("types", "contact")])
    assert page.text.count('data-testid="search-hit"') == 20
    assert 'data-kind="organization" data-testid' not in page.text
    assert "/search?q=tamsin&amp;types=contact&amp;offset=20" in page.text
    rest = web.get("/search", params=[("q", "tamsin"), ("types", "contact"), ("offset", 20)])
    assert rest.text.count('data-testid="search-hit"') == 5


def test_htmx_gets_only_the_results_block(web, corpus):
    corpus.contact("Ulrika Vance")
    response = web.get("/search", params={"q": "ulri"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="search-results"')
    assert "<mark>Ulrika</mark>" in response.text


def test_empty_and_hostile_queries_render(web, corpus):
    corpus.contact("Nothing Here")
    for q in ("", "   ", '"', "-", "NEAR(", "*", "a" * 200):
        assert web.get("/search", params={"q": q}).status_code == 200, q
    assert web.get("/search", params={"q": "x", "types": "nope"}).status_code == 200


def test_suggestions_list_the_best_few_as_options(web, corpus):
    for n in range(10):
        corpus.contact(f"Wilhelmina {n}")
    response = web.get("/search/suggest", params={"q": "wilh"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.count('role="option"') == 9  # eight hits and "all results"
    assert "/search?q=wilh" in response.text
    assert web.get("/search/suggest", params={"q": ""}).text.strip() == ""


def test_other_users_rows_stay_out_of_the_pages(web, corpus_for, other_user):
    corpus_for(other_user).contact("Xanthe Hidden")
    assert "Xanthe" not in web.get("/search", params={"q": "xanthe"}).text
    assert "Xanthe" not in web.get("/search/suggest", params={"q": "xanthe"}).text


def test_pages_need_a_login(client):
    response = client.get("/search", params={"q": "x"}, follow_redirects=False)
    assert response.status_code in (303, 401)


def test_every_page_has_the_htmx_driven_nav_box_without_inline_script(web):
    html = web.get("/").text
    box = BeautifulSoup(html, "html.parser").select_one("nav [data-search-box]")
    field = box.select_one("input[name=q]")
    assert field["hx-get"] == "/search/suggest"
    assert field["hx-trigger"] == "input changed delay:200ms, search"
    assert field["hx-sync"] == "this:replace"
    # Loaded once in <head>, so boosted navigation never runs it twice or too late.
    assert html.count('<script src="/static/search.js" defer></script>') == 1
    assert "<script>" not in html


def test_search_script_is_served(client):
    response = client.get("/static/search.js")
    assert response.status_code == 200
    assert "aria-activedescendant" in response.text


def test_results_are_grouped_under_kind_headings_with_counts(web, corpus):
    contact = corpus.contact("Ysolde Marsh", notes="ysolde")
    interview = corpus.interview(contact, summary="Met Ysolde")
    answer = corpus.answer(interview, "Who?", "Ysolde again")
    soup = BeautifulSoup(web.get("/search", params={"q": "ysolde"}).text, "html.parser")
    groups = soup.select("#search-results .search-group")
    headings = {g["data-kind"]: g.select_one("h2").get_text(strip=True) for g in groups}
    assert headings == {
        "contact": "Contacts (1)",
        "interview": "Interviews (1)",
        "answer": "Interview answers (1)",
    }
    # Each hit sits under its own kind's heading.
    for group in groups:
        assert {hit["data-kind"] for hit in group.select("[data-testid=search-hit]")} == {
            group["data-kind"]
        }
    answers = soup.select_one('.search-group[data-kind="answer"] a')
    assert answers["href"] == f"/interviews/{interview.id}#agenda-item-{answer.id}"


def test_suggestions_are_grouped_and_headings_are_not_options(web, corpus):
    contact = corpus.contact("Zenobia Quist")
    corpus.interview(contact, summary="zenobia coffee")
    response = web.get("/search/suggest", params={"q": "zeno"}, headers={"HX-Request": "true"})
    soup = BeautifulSoup(response.text, "html.parser")
    items = soup.select(".search-suggestions > li")
    labels = [li.get_text(strip=True) for li in items if li.get("role") == "presentation"]
    assert sorted(labels) == ["Contacts (1)", "Interviews (1)"]
    options = [li for li in items if li.get("role") == "option"]
    assert [li["id"] for li in options] == ["search-option-1", "search-option-2"]
    # A heading comes right before the options of its kind.
    assert items[0].get("role") == "presentation" and items[1].get("role") == "option"


def test_capped_counts_show_a_plus(web, corpus, monkeypatch):
    from app.search import service

    monkeypatch.setattr(service, "COUNT_CAP", 2)
    for n in range(4):
        corpus.contact(f"Cassius {n}")
    soup = BeautifulSoup(web.get("/search", params={"q": "cassius"}).text, "html.parser")
    assert soup.select_one(".search-group h2").get_text(strip=True) == "Contacts (2+)"
    assert "2+ results" in soup.select_one("#search-results p.meta").get_text(" ", strip=True)


def test_the_pages_read_their_query_string_in_one_validation(app):
    from fastapi.routing import APIRoute

    from app.search.schemas import SearchPageQuery, SuggestQuery
    from app.web.listing import query_parsers

    def plain_query_params(dependant):
        return [p.alias for p in dependant.query_params] + [
            name for sub in dependant.dependencies for name in plain_query_params(sub)
        ]

    routes = {r.path_format: r for r in app.routes if isinstance(r, APIRoute)}
    for path, model in (("/search", SearchPageQuery), ("/search/suggest", SuggestQuery)):
        assert plain_query_params(routes[path].dependant) == [], path
        assert [p.model for p in query_parsers(routes[path].dependant)] == [model]


def test_the_page_takes_several_kinds_and_refuses_what_cannot_be_a_filter(web, corpus):
    corpus.contact("Yolanda Zee")
    corpus.organization("Yolanda Works")
    corpus.career("Yolanda Path")
    kinds = [("types", "contact"), ("types", "organization"), ("types", "nope")]
    page = web.get("/search", params=[("q", "yolanda"), *kinds])
    assert page.status_code == 200
    assert page.text.count('data-testid="search-hit"') == 2
    assert web.get("/search", params=[("q", "x"), ("offset", "-1")]).status_code == 422
    assert web.get("/search", params={"q": "a" * 201}).status_code == 422
    assert web.get("/search/suggest", params={"q": "a" * 201}).status_code == 422
    too_many = [("types", str(n)) for n in range(10)]
    assert web.get("/search", params=[("q", "x"), *too_many]).status_code == 422
