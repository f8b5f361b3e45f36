"""On SQLite the API's contacts list carries its items as JSON that SQLite writes itself
(contacts.service.PageColumns.ENCODED, app.dbjson): it must be exactly the bytes the read
model writes, whatever the text, times, dates, careers and tags hold, for every filter, sort
and offset; a time stored in another form is read from the rows instead, with the same bytes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from app.contacts import service
from app.contacts.models import Contact
from app.contacts.schemas import ContactListQuery, ContactRead
from app.schemas import Page
from app.web.listing import encode_json
from tests.statements import CONTACT_PAGE_READS, forget_credentials, recorded

AWKWARD = (
    'Quotes " and \\ backslashes \\" mixed',
    "Ünïcode ✓ 🚀 日本語 \u2028 \x7f",
    "Controls \x01 and \x1f inside",
    "<script>alert('x')</script> &amp;",
)
NOTES = 'Notes ✓ "quoted"\n\ttabbed \x1f\r\n\b\f end \\'


@pytest.fixture
def varied(db, user, make_contact, make_career, make_interaction):
    """Contacts whose fields hold awkward text, none and every optional value, careers
    given out of order, tags, touch dates and times on a whole second."""
    careers = [make_career(user, f"Career {i}") for i in range(3)]
    ids, made = [], []
    for i, text in enumerate(AWKWARD):
        contact = make_contact(
            user,
            f"{text} {i}",
            title=text,
            location=text,
            how_we_met=text,
            notes=NOTES,
            email=f"person{i}@example.com",
            phone="+14155550123" if i % 2 else None,
            linkedin_url=f"https://www.linkedin.com/in/person-{i}" if i else None,
            stay_in_touch_days=30 if i < 2 else None,
            stage=("prospect", "contacted", "met", "in_network")[i],
            career_ids=[c.id for c in reversed(careers[: i + 1])],
            tags=[f"zeta {i}", text[:20], "alpha"],
        )
        ids.append(contact.id)
        made.append(contact)
        if i % 2:  # set by imports only (LinkedIn's "Connected On")
            db.execute(
                update(Contact)
                .where(Contact.id == contact.id)
                .values(connected_on=date(2024, 2, 29))
            )
    make_interaction(user, made[0], summary="touched")  # last_contacted_at, next due
    plain = make_contact(user, "Plain Person")
    db.execute(
        update(Contact)
        .where(Contact.id == plain.id)
        .values(created_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    )
    db.commit()
    return [*ids, plain.id]


def _same_as_the_model(api, db, user, params) -> Page[ContactRead]:
    """The API's page: the bytes the rows' dicts encode to (contact_read_page, as PostgreSQL
    and a page with a time in another form are served), each item the read model's."""
    listed = api.get("/api/v1/contacts", params=params)
    assert listed.status_code == 200, (params, listed.text)
    query = ContactListQuery.model_validate(params)
    rows = service.contact_read_page(
        db,
        user,
        service.ContactFilters(**query.filter_values()),
        limit=query.limit,
        offset=query.offset,
        sort=query.sort,
    )
    page = {"items": rows.items, "total": rows.total, "limit": rows.limit, "offset": rows.offset}
    assert listed.content == encode_json(page), params
    read = Page[ContactRead].model_validate_json(listed.content)
    for item in read.items:
        assert item == service.read_contact(db, user, item.id), params
    db.rollback()
    return read


def test_each_list_page_is_the_models_bytes(api, db, user, varied):
    whole = _same_as_the_model(api, db, user, {})
    assert whole.total == len(varied) and len(whole.items) == len(varied)
    touched = next(item for item in whole.items if item.last_contacted_at is not None)
    assert touched.next_touch_due is not None
    plain = next(item for item in whole.items if item.full_name == "Plain Person")
    assert plain.created_at == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert '"created_at":"2026-03-04T05:06:07Z"' in api.get("/api/v1/contacts").text
    assert [item.career_ids for item in whole.items if item.career_ids] == [
        sorted(item.career_ids) for item in whole.items if item.career_ids
    ]
    assert all(item.tags == sorted(item.tags) for item in whole.items)
    assert any(item.notes == NOTES for item in whole.items)
    for params in (
        {"limit": 2},
        {"limit": 2, "offset": 3},
        {"offset": 10},
        {"sort": "-updated_at"},
        {"sort": "stage", "limit": 3},
        {"q": "ünïcode"},
        {"q": "script"},
        {"tag": "alpha", "sort": "-full_name"},
        {"stage": "met"},
        {"due": "true"},
        {"q": "nowhere"},
    ):
        _same_as_the_model(api, db, user, params)


def test_an_empty_list_and_one_past_its_end(api, api_client_for, other_user, varied):
    mallory = api_client_for(other_user)
    listed = mallory.get("/api/v1/contacts")
    assert listed.content == b'{"items":[],"total":0,"limit":50,"offset":0}'
    past = api.get("/api/v1/contacts", params={"offset": 50})
    assert past.json() == {"items": [], "total": len(varied), "limit": 50, "offset": 50}


def test_a_time_stored_in_another_form_is_read_from_the_rows(api, db, engine, user, varied):
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:  # a shorter fraction than SQLAlchemy's six digits
        db.connection().exec_driver_sql(
            "UPDATE contacts SET updated_at = '2026-05-06 07:08:09.5' WHERE id = ?",
            (varied[0],),
        )
    else:
        db.execute(
            update(Contact)
            .where(Contact.id == varied[0])
            .values(updated_at=datetime(2026, 5, 6, 7, 8, 9, 500000, tzinfo=UTC))
        )
    db.commit()
    api.get("/api/v1/contacts")  # the token's last-use write, if due
    forget_credentials()
    with recorded(engine) as seen:
        assert api.get("/api/v1/contacts").status_code == 200
    page = _same_as_the_model(api, db, user, {})
    mine = next(item for item in page.items if item.id == varied[0])
    assert mine.updated_at == datetime(2026, 5, 6, 7, 8, 9, 500000, tzinfo=UTC)
    reads = [s for s in seen if s.lstrip().startswith(CONTACT_PAGE_READS)]
    assert len(reads) == (2 if sqlite else 1), reads  # SQLite: the JSON's NULL, then rows


def test_careers_come_in_id_order_through_the_link_tables_key(api, db, engine, user, varied):
    # Linked in reverse (the fixture), read A-Z by id: the index of the primary key.
    listed = api.get("/api/v1/contacts").json()["items"]
    assert sorted(len(item["career_ids"]) for item in listed if item["career_ids"]) == [1, 2, 3, 3]
    assert all(item["career_ids"] == sorted(item["career_ids"]) for item in listed)
    if engine.dialect.name != "sqlite":
        return
    plan = db.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + service._SQLITE_CAREER_IDS.replace("q.id", "?")[1:-1], (varied[0],)
    )
    details = [row[-1] for row in plan]
    db.rollback()
    assert any("COVERING INDEX sqlite_autoindex_contact_careers_1" in d for d in details), details
