"""Search results as the API and the pages show them."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field

from app.schemas import Page, ReadModel
from app.web.listing import QueryModel

# The API's enum for `types` and the index's kinds are one list (app.search.models).
SearchKind = Literal[
    "contact",
    "organization",
    "career",
    "interview",
    "answer",
    "question",
    "interaction",
    "follow_up",
    "template",
]
SEARCH_KINDS: tuple[str, ...] = get_args(SearchKind)
KIND_LABELS: dict[str, str] = {
    "contact": "Contacts",
    "organization": "Organizations",
    "career": "Careers",
    "interview": "Interviews",
    "answer": "Interview answers",
    "question": "Questions",
    "interaction": "Interactions",
    "follow_up": "Follow-ups",
    "template": "Message templates",
}


MAX_SEARCH_LIMIT = 100


class SearchQuery(QueryModel):
    """The API search's query string, read in one validation (app.web.listing): as FastAPI
    ``Query()`` parameters each cost the request its own validation."""

    q: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            pattern=r"^[^\x00]*$",
            description='Words (all must match), "quoted phrases", -excluded; the last word'
            " matches as a prefix unless a space follows it, so results come as you type.",
        ),
    ]
    types: Annotated[
        list[SearchKind] | None,
        Field(description="Only these kinds (repeat the parameter); all kinds when absent."),
    ] = None
    limit: Annotated[int, Field(ge=1, le=MAX_SEARCH_LIMIT, description="Page size (max 100).")] = 20
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0


class SuggestQuery(QueryModel):
    """The navigation box's query string: what has been typed so far."""

    q: Annotated[str, Field(max_length=200)] = ""


class SearchPageQuery(SuggestQuery):
    """The search page's query string. Its kinds come from a person's filter links, so the
    page drops a kind it does not know rather than answer with an error."""

    types: Annotated[list[str], Field(max_length=len(SEARCH_KINDS))] = []
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0


class SearchHitRead(ReadModel):
    """One record that matched, with where to find it."""

    kind: SearchKind
    id: int
    parent_id: int | None = Field(
        description="The record it belongs to: the interview of an answer, the contact of an"
        " interview, interaction or follow-up, the bank of a question."
    )
    title: str = Field(
        description="Plain text: the record's name (an interview: \"Interview with <contact> ·"
        " <date>\", its date in the caller's timezone)."
    )
    title_html: str = Field(description="The title, HTML-escaped, matches in <mark>.")
    snippet_html: str = Field(description="Text around the match, HTML-escaped, matches in <mark>.")
    url: str = Field(description="The page showing the record (an answer: its agenda item).")
    context: str | None = Field(
        default=None,
        description="Plain text: where the record belongs, when its title alone does not say"
        ' (an answer: its interview, as "Interview with <contact> · <date>"); null otherwise.',
    )


class SearchPage(Page[SearchHitRead]):
    """One page of results, best first, with how many matched of each kind."""

    counts: dict[SearchKind, int] = Field(
        description="Matches per kind (kinds without any are left out), whatever `types`"
        " selects; counting stops at `count_cap`, so a count equal to it means at least that"
        " many. `total` is the sum over the selected kinds."
    )
    count_cap: int = Field(description="The most a count in `counts` goes up to.")
