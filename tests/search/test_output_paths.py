"""The quicker ways a result is written out give what the general ones give."""

from __future__ import annotations

import pytest

from app.search import service
from app.search.api import page_json, page_of


@pytest.mark.parametrize(
    "marked",
    [
        "",
        "plain <b>&\"'",
        "a \x02match\x03 & \x02<two>\x03 end",
        "\x02whole\x03",
        # Stray markers (a contact's name in an interview title is not cleaned): the general
        # walk balances them; the quick way must not take these.
        "a\x02b",
        "\x03a\x02b\x03",
        "\x02\x03",
        "\x02a\x02b\x03c\x03",
        "x\x03y",
    ],
)
def test_marked_html_quick_path_matches_the_general_walk(marked):
    general: list[str] = []
    open_mark = False
    for i, part in enumerate(marked.replace(service.STOP, service.START).split(service.START)):
        if i:
            general.append("</mark>" if open_mark else "<mark>")
            open_mark = not open_mark
        general.append(service.html.escape(part, quote=True))
    if open_mark:
        general.append("</mark>")
    assert service.marked_html(marked) == "".join(general).replace("<mark></mark>", "")


def test_the_api_page_is_the_schema_s_dump(db, user, corpus):
    contact = corpus.contact("Quorra Lindqvist", notes="met <at> the **archive** & more")
    corpus.interview(contact, purpose="quorra's career")
    corpus.interaction(contact, "quorra called")
    for kinds, limit, offset in ((None, 20, 0), (["interview"], 1, 0), (None, 1, 5)):
        found = service.search(db, user, "quorra", kinds=kinds, limit=limit, offset=offset)
        assert page_json(found) == page_of(found).model_dump(mode="json")
        assert list(page_json(found)) == list(page_of(found).model_dump(mode="json"))
