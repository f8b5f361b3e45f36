"""Tag service: counts, prefix search, paging and completions."""

from __future__ import annotations

from datetime import UTC, datetime

from app.tags import service as tags_service

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_tags_listing_with_counts_prefix_and_paging(db, user, other_user, make_contact):
    make_contact(user, "A", tags=["alumni", "mentor"])
    make_contact(user, "B", tags=["alumni"])
    make_contact(other_user, "C", tags=["alumni", "also-theirs"])
    page = tags_service.list_tags(db, user)
    assert page.total == 2
    assert [(t.name, t.contact_count) for t in page.items] == [("alumni", 2), ("mentor", 1)]
    page = tags_service.list_tags(db, user, q="Me")
    assert [t.name for t in page.items] == ["mentor"]
    page = tags_service.list_tags(db, user, limit=1, offset=1)
    assert page.total == 2 and [t.name for t in page.items] == ["mentor"]
    page = tags_service.list_tags(db, user, sort="-contact_count")
    assert page.items[0].name == "alumni"
    assert tags_service.tag_suggestions(db, user, "a") == ["alumni"]
