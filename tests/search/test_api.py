"""GET /api/v1/search: every kind, ranking, highlighting, syntax, ownership, index upkeep."""

from __future__ import annotations

import pytest

URL = "/api/v1/search"
PROBLEM = "application/problem+json"


def search(api, q, **params):
    response = api.get(URL, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def found(api, q, **params):
    return [(hit["kind"], hit["id"]) for hit in search(api, q, **params)["items"]]


def test_every_kind_is_found(api, corpus):
    contact = corpus.contact("Zephyrine Contact", notes="xylograph contact note")
    organization = corpus.organization("Org", research_notes="xylograph museum")
    career = corpus.career(
        "Registrar",
        resources=[{"url": "https://example.org/x", "title": "xylograph book", "note": ""}],
    )
    interview = corpus.interview(contact, summary="xylograph summary")
    answer = corpus.answer(interview, "What matters?", "xylograph matters")
    question = corpus.question("Ask about xylograph?")
    interaction = corpus.interaction(contact, "talked xylograph")
    follow_up = corpus.follow_up(contact, "About xylograph")
    template = corpus.template("Xylograph letter")
    body = search(api, "xylograph", limit=50)
    assert sorted((h["kind"], h["id"]) for h in body["items"]) == sorted(
        [
            ("contact", contact.id),
            ("organization", organization.id),
            ("career", career.id),
            ("interview", interview.id),
            ("answer", answer.id),
            ("question", question.id),
            ("interaction", interaction.id),
            ("follow_up", follow_up.id),
            ("template", template.id),
        ]
    )
    assert body["total"] == 9
    assert body["counts"] == {kind: 1 for kind, _ in found(api, "xylograph", limit=50)}
    urls = {h["kind"]: h["url"] for h in body["items"]}
    assert urls["answer"] == f"/interviews/{interview.id}#agenda-item-{answer.id}"
    assert urls["contact"] == f"/contacts/{contact.id}"
    assert urls["interaction"] == f"/contacts/{contact.id}#interactions"


def test_four_letters_of_an_answer_word_find_that_interview_first_highlighted(api, corpus):
    for n in range(5):
        corpus.interview(summary=f"Coffee chat number {n} about hiring")
    interview = corpus.interview(summary="A long talk")
    corpus.answer(interview, "What matters most?", "She said SQL matters more than Python.")
    for q in ("pyth", "Pyth", "more than pyth"):
        hits = search(api, q)["items"]
        assert hits, q
        assert hits[0]["kind"] == "answer" and hits[0]["parent_id"] == interview.id
        assert hits[0]["url"].startswith(f"/interviews/{interview.id}#")
        assert "<mark>Python</mark>" in hits[0]["snippet_html"]


def test_accents_left_out_still_match_and_highlight(api, corpus):
    contact = corpus.contact("Renée Dufrêne", notes="Écrit un résumé pour le musée")
    # Only contacts: the built-in questions talk about résumés too.
    hits = search(api, "resume musee", types="contact")["items"]
    assert [(h["kind"], h["id"]) for h in hits] == [("contact", contact.id)]
    assert "<mark>résumé</mark>" in hits[0]["snippet_html"]
    assert found(api, "dufren") == [("contact", contact.id)]  # prefix, accent left out
    assert found(api, "RÉSUMÉ", types="contact") == [("contact", contact.id)]


def test_ranking_on_a_known_corpus(api, corpus):
    in_title = corpus.career("Museum registrar")
    in_body_twice = corpus.career("Curator", research_notes="registrar work; the registrar")
    in_body_once = corpus.career(
        "Conservator",
        research_notes="Long notes about many things, and once a registrar among other words.",
    )
    corpus.career("Unrelated", research_notes="nothing to see")
    assert found(api, "registrar") == [
        ("career", in_title.id),
        ("career", in_body_twice.id),
        ("career", in_body_once.id),
    ]


def test_phrases_exclusions_and_prefix(api, corpus):
    both = corpus.contact("A", notes="museum registrar in Leeds")
    apart = corpus.contact("B", notes="registrar at the museum")
    assert found(api, '"museum registrar"') == [("contact", both.id)]
    assert sorted(found(api, "museum registrar")) == sorted(
        [("contact", both.id), ("contact", apart.id)]
    )
    assert found(api, "registrar -leeds") == [("contact", apart.id)]
    assert sorted(found(api, "regi")) == sorted([("contact", both.id), ("contact", apart.id)])
    # A finished phrase is not a prefix; an exclusion alone selects nothing.
    assert found(api, '"regi"') == []
    assert found(api, "-leeds") == []


HOSTILE_QUERIES = [
    '"',
    '""',
    '"unbalanced',
    "unbalanced\"'",
    "*",
    "reg*",
    "*reg",
    "NEAR(a b)",
    "NEAR",
    "a NEAR/2 b",
    "^start",
    "-",
    "- -",
    "--",
    '-"',
    "a OR b AND NOT c",
    "title:x",
    "{title body}:x",
    "owner:o1",
    "o0",
    "(",
    ")",
    "a & b | !c",
    "a:*",
    "'quoted'",
    "\\",
    "x<->y",
    "%_",
    "ü ß æ ½ ⑴",
    "a" * 200,
    "😀 emoji",
    "_",
]


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_query_syntax_never_raises(api, corpus, q):
    corpus.contact("Near Title", notes="reg start title body owner")
    response = api.get(URL, params={"q": q})
    assert response.status_code == 200, response.text


def test_owner_tokens_typed_by_a_user_do_not_widen_the_search(api, corpus, other_user, corpus_for):
    corpus_for(other_user).contact("Secret Person")
    assert found(api, f"o{other_user.id}") == []
    assert found(api, "secret") == []


def test_hostile_content_is_escaped_in_titles_and_snippets(api, corpus):
    corpus.contact("<b>Bold</b> Name", notes="before <script>alert('x')</script> after \x02 \x03")
    hit = search(api, "alert")["items"][0]
    assert "<script>" not in hit["snippet_html"]
    assert "&lt;script&gt;" in hit["snippet_html"]
    assert "<mark>alert</mark>" in hit["snippet_html"]
    assert hit["snippet_html"].count("<mark>") == hit["snippet_html"].count("</mark>")
    assert "<b>" not in hit["title_html"] and "&lt;b&gt;" in hit["title_html"]
    assert hit["title"] == "<b>Bold</b> Name"


def test_other_users_rows_are_never_found(api, corpus_for, user, other_user):
    theirs = corpus_for(other_user)
    contact = theirs.contact("Quillon Private")
    theirs.interview(contact, summary="quillon")
    theirs.question("quillon private question?")
    theirs.template("quillon template")
    mine = corpus_for(user).contact("Thessaly Quillon")
    assert found(api, "quillon") == [("contact", mine.id)]


def test_builtin_questions_are_found_by_everyone_private_banks_of_others_never(
    api, api_client_for, other_user, corpus_for, db
):
    from sqlmodel import select

    from app.questions.models import Question

    builtin = db.exec(select(Question).where(Question.owner_id.is_(None))).first()  # type: ignore[union-attr]
    db.commit()
    assert builtin is not None, "the starter banks are loaded"
    word = builtin.text.split()[-1].strip("?.,")
    assert ("question", builtin.id) in found(api, word, types="question", limit=100)
    assert ("question", builtin.id) in found(
        api_client_for(other_user), word, limit=100, types="question"
    )
    private = corpus_for(other_user).question("Zygomorphic private?")
    assert found(api, "zygomorphic") == []
    assert found(api_client_for(other_user), "zygomorphic") == [("question", private.id)]


def test_index_follows_update_delete_and_cascade(api, corpus):
    contact = corpus.contact("Orrin Vale", notes="ambergris words")
    interview = corpus.interview(contact, summary="quartzite")
    answer = corpus.answer(interview, "Q?", "quartzite answer")
    corpus.interaction(contact, "quartzite call")
    corpus.follow_up(contact, "quartzite thanks")
    assert len(found(api, "quartzite")) == 4
    contact.notes = "bergamot words"
    corpus.add(contact)
    assert found(api, "ambergris") == []
    assert found(api, "bergamot") == [("contact", contact.id)]
    # An answer emptied leaves the index; written again, it is back.
    answer.answer_notes = ""
    corpus.add(answer)
    assert ("answer", answer.id) not in found(api, "quartzite")
    # Deleting the contact (through the API) cascades to its interviews, interactions and
    # follow-ups, and the index follows them all.
    response = api.delete(f"/api/v1/contacts/{contact.id}", params={"cascade": "true"})
    assert response.status_code == 204, response.text
    assert found(api, "quartzite") == []
    assert found(api, "orrin") == []


def test_types_filter_and_paging(api, corpus):
    for n in range(5):
        corpus.contact(f"Pallas {n}")
    corpus.organization("Pallas Org")
    body = search(api, "pallas", types="organization")
    assert [h["kind"] for h in body["items"]] == ["organization"]
    assert body["total"] == 1 and body["counts"] == {"contact": 5, "organization": 1}
    response = api.get(URL, params=[("q", "pallas"), ("types", "contact"), ("limit", 2)])
    page = response.json()
    assert page["total"] == 5 and len(page["items"]) == 2
    assert 'rel="next"' in response.headers["link"]
    assert "types=contact" in response.headers["link"]
    rest = search(api, "pallas", types="contact", limit=2, offset=4)["items"]
    assert len(rest) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x", "types": "nope"},
        {"q": ""},
        {"q": "x", "limit": 0},
        {"q": "x", "limit": 101},
        {"q": "x\x00"},
    ],
)
def test_bad_parameters_are_problems(api, params):
    response = api.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


def test_unknown_parameter_is_400(api):
    response = api.get(URL, params={"q": "x", "sort": "name"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)


def test_openapi_declares_types_enum(client):
    spec = client.get("/openapi.json").json()
    params = spec["paths"]["/api/v1/search"]["get"]["parameters"]
    types = next(p for p in params if p["name"] == "types")
    schema = types["schema"]
    items = (schema.get("anyOf") or [schema])[0]["items"]
    assert "follow_up" in items["enum"] and "answer" in items["enum"]


def test_needs_authentication(client):
    assert client.get(URL, params={"q": "x"}).status_code == 401


def test_counts_stop_at_the_cap_and_say_so(api, corpus, monkeypatch):
    from app.search import service

    monkeypatch.setattr(service, "COUNT_CAP", 3)
    monkeypatch.setattr(service, "RANK_LIMIT", 2)
    contacts = [corpus.contact(f"Isadora {n}") for n in range(5)]
    corpus.organization("Isadora Org")
    body = search(api, "isadora")
    assert body["count_cap"] == 3
    assert body["counts"] == {"contact": 3, "organization": 1}
    assert body["total"] == 4
    # Past RANK_LIMIT matches, each kind comes newest first, kinds in their usual order.
    assert [(h["kind"], h["id"]) for h in body["items"]] == [
        *(("contact", c.id) for c in reversed(contacts[-3:])),
        ("organization", body["items"][-1]["id"]),
    ]


def test_short_prefixes_use_the_prefix_index_and_still_filter(api, corpus, other_user, corpus_for):
    mine = corpus.contact("Ximena Ab", notes="loves quinoa")
    corpus.contact("Ximena Cd", notes="hates quinoa")
    corpus_for(other_user).contact("Ximena Theirs")
    assert sorted(found(api, "xi")) == sorted(found(api, "ximena"))
    assert len(found(api, "xim")) == 2
    assert found(api, "loves xi") == [("contact", mine.id)]
    assert found(api, "-hates xi") == [("contact", mine.id)]
    # A phrase needs positions: it goes to the positional index, short prefix and all.
    assert found(api, '"ximena ab') == [("contact", mine.id)]
    hit = search(api, "xi")["items"][0]
    assert "<mark>Ximena</mark>" in hit["title_html"]


def test_unchanged_saves_leave_the_index_alone(api, corpus, db):
    from sqlalchemy import text

    contact = corpus.contact("Unchanged Person", notes="stable words")
    if db.get_bind().dialect.name != "sqlite":
        before = db.execute(
            text("SELECT ctid FROM search_index WHERE row_id = :id AND kind = 1"),
            {"id": contact.id},
        ).scalar_one()
        db.execute(text("UPDATE contacts SET notes = notes WHERE id = :id"), {"id": contact.id})
        db.commit()
        after = db.execute(
            text("SELECT ctid FROM search_index WHERE row_id = :id AND kind = 1"),
            {"id": contact.id},
        ).scalar_one()
        db.commit()
        assert before == after  # not deleted and inserted again
    else:
        # A contentless FTS5 entry taken out twice breaks the index; an unchanged save
        # that re-indexed would still be fine, so check that the trigger stays quiet.
        changes = db.execute(text("SELECT total_changes()")).scalar_one()
        db.execute(text("UPDATE contacts SET notes = notes WHERE id = :id"), {"id": contact.id})
        assert db.execute(text("SELECT total_changes()")).scalar_one() == changes + 1
        db.commit()
    assert found(api, "stable") == [("contact", contact.id)]


def test_newest_first_pages_cross_kinds_without_gaps(api, corpus, monkeypatch):
    from app.search import service

    monkeypatch.setattr(service, "RANK_LIMIT", 0)  # newest first, kinds in their usual order
    contacts = [corpus.contact(f"Pallas {n}") for n in range(3)]
    organizations = [corpus.organization(f"Pallas Org {n}") for n in range(2)]
    interaction = corpus.interaction(contacts[0], "pallas call")
    expected = [
        *(("contact", c.id) for c in reversed(contacts)),
        *(("organization", o.id) for o in reversed(organizations)),
        ("interaction", interaction.id),
    ]
    assert found(api, "pallas", limit=50) == expected
    pages = [found(api, "pallas", limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    assert [hit for page in pages for hit in page] == expected
    assert pages[-1] == []
    assert found(api, "pallas", limit=3, offset=2) == expected[2:5]


# ---- the query string, read in one validation (SearchQuery, app.web.listing) ---------------


def test_the_query_string_is_read_in_one_validation(app):
    from fastapi.routing import APIRoute

    from app.search.schemas import SearchQuery
    from app.web.listing import declared_query_names, query_parsers

    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.path_format == URL)

    def plain_query_params(dependant):
        return [p.alias for p in dependant.query_params] + [
            name for sub in dependant.dependencies for name in plain_query_params(sub)
        ]

    # FastAPI's per-Query() handling cost ~25 us a parameter per request.
    assert plain_query_params(route.dependant) == []
    assert [p.model for p in query_parsers(route.dependant)] == [SearchQuery]
    assert declared_query_names(route.dependant) == {"q", "types", "limit", "offset"}


def test_types_repeat_and_the_other_parameters_are_sent_once(api, corpus):
    corpus.contact("Pallas Athena")
    corpus.organization("Pallas Org")
    corpus.career("Pallas Path")
    body = api.get(URL, params=[("q", "pallas"), ("types", "contact"), ("types", "career")])
    assert body.status_code == 200, body.text
    assert sorted(h["kind"] for h in body.json()["items"]) == ["career", "contact"]
    assert body.json()["total"] == 2
    for name, value in (("q", "pallas"), ("limit", "5"), ("offset", "0")):
        params = [("q", "pallas"), (name, value), (name, value)]
        refused = api.get(URL, params=params)
        assert refused.status_code == 400, name
        assert refused.json()["errors"][0]["field"] == name


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ([("q", "x"), ("types", "nope")], ["types.0"]),
        ([("q", "x"), ("types", "contact"), ("types", "nope")], ["types.1"]),
        ([("q", "x"), ("types", "")], ["types.0"]),
        ([], ["q"]),
        ([("q", "a" * 201)], ["q"]),
        ([("q", "a\x00b")], ["q"]),
        ([("q", "x"), ("offset", "10001")], ["offset"]),
        # Every bad value at once, the missing q with the rest.
        ([("types", "nope"), ("limit", "0")], ["q", "types.0", "limit"]),
    ],
)
def test_each_bad_value_is_a_422_naming_its_field(api, params, fields):
    response = api.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in response.json()["errors"]] == fields


def test_openapi_declares_each_parameter_as_before(client):
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"][URL]["get"]["parameters"]}
    assert list(params) == ["q", "types", "limit", "offset"]
    assert [params[n]["required"] for n in params] == [True, False, False, False]
    q = params["q"]["schema"]
    assert q.items() >= {"type": "string", "minLength": 1, "maxLength": 200}.items()
    assert q["pattern"] == r"^[^\x00]*$"
    assert params["q"]["description"] == q["description"]
    assert q["description"].startswith("Words (all must match)")
    types = params["types"]["schema"]
    assert types["type"] == "array" and types["items"]["type"] == "string"
    assert "anyOf" not in types and "default" not in types
    assert (params["limit"]["schema"]["maximum"], params["limit"]["schema"]["default"]) == (100, 20)
    assert params["offset"]["schema"]["maximum"] == 10_000
