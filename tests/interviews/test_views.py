"""Interview pages, parsed as HTML: list, forms, the interview page, run mode, sheet, matrix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlmodel import Session

from app.contacts.models import Contact
from app.interactions.models import Interaction
from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.agenda.schemas import AgendaItemCreate
from app.interviews.models import Interview

HX = {"HX-Request": "true"}
WHEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def paris(make_user):
    return make_user("pierre", timezone="Europe/Paris")


@pytest.fixture
def browser(paris, web_client_for):
    return web_client_for(paris)


def _fresh(db, model, row_id):
    """The stored row, read in a session of its own (the fixture session keeps no lock)."""
    with Session(db.get_bind()) as fresh:
        row = fresh.get(model, row_id)
        fresh.expunge(row)
    return row


def _agenda_texts(db, user, interview_id):
    with Session(db.get_bind()) as fresh:
        return [i.text for i in agenda_service.list_agenda(fresh, user, interview_id)]


def test_list_empty_state(web):
    page = soup(web.get("/interviews"))
    assert page.select_one(".empty-state") is not None
    assert "Plan your first informational interview" in page.get_text()
    assert page.select_one('[data-testid="tab-prep"]') is not None


def test_list_tabs_and_scores(web, db, user, make_interview):
    upcoming = make_interview(user, status="scheduled", scheduled_at=WHEN)
    done = make_interview(user, status="scheduled", scheduled_at=WHEN - timedelta(days=9))
    service.change_status(db, user, done.id, service.StatusChange(status="completed"))
    page = soup(web.get("/interviews"))
    rows = page.select("tr[data-interview-id]")
    assert [int(r["data-interview-id"]) for r in rows] == [upcoming.id]
    assert page.select_one(f'[data-testid="prep-score-{upcoming.id}"]').text == "0%"
    page = soup(web.get("/interviews?tab=completed"))
    assert [int(r["data-interview-id"]) for r in page.select("tr[data-interview-id]")] == [done.id]
    fragment = web.get("/interviews?tab=all", headers=HX)
    assert "<html" not in fragment.text and "interview-results" in fragment.text
    assert len(soup(fragment).select("tr[data-interview-id]")) == 2


def test_all_tab_is_ordered_by_when_not_by_last_update(web, api, db, user, make_interview):
    spring = make_interview(user, status="scheduled", scheduled_at=WHEN - timedelta(days=180))
    unset_first = make_interview(user)
    winter = make_interview(user, status="scheduled", scheduled_at=WHEN)
    unset_later = make_interview(user)
    held = make_interview(user, status="scheduled", scheduled_at=WHEN - timedelta(days=400))
    # Held later than planned: the When column (and the order) is when it took place.
    service.change_status(
        db,
        user,
        held.id,
        service.StatusChange(status="completed", held_at=WHEN - timedelta(days=90)),
    )
    # The oldest date was edited last: a list by last update would put it first.
    service.update_interview(db, user, spring.id, service.InterviewUpdate(purpose="Moved"))
    expected = [winter.id, held.id, spring.id, unset_later.id, unset_first.id]
    for response in (web.get("/interviews?tab=all"), web.get("/interviews?tab=all", headers=HX)):
        rows = soup(response).select("tr[data-interview-id]")
        assert [int(r["data-interview-id"]) for r in rows] == expected
    # The API keeps its documented default (last update first); its own sort gives the same.
    by_update = api.get("/api/v1/interviews").json()["items"]
    assert by_update[0]["id"] == spring.id
    by_when = api.get("/api/v1/interviews", params={"sort": "-scheduled_at"}).json()["items"]
    assert [i["id"] for i in by_when] == expected


def test_list_for_a_career_links_to_the_matrix(web, user, make_interview, make_career):
    career = make_career(user)
    make_interview(user, career_id=career.id)
    page = soup(web.get(f"/interviews?tab=all&career_id={career.id}"))
    link = page.select_one('[data-testid="career-answers-link"]')
    assert link["href"] == f"/careers/{career.id}/answers"


def test_new_form_prefills_contact_and_career(web, user, make_contact, make_career):
    contact = make_contact(user, "Dana")
    career = make_career(user)
    page = soup(web.get(f"/interviews/new?contact_id={contact.id}&career_id={career.id}"))
    assert page.select_one("#f-contact")["value"] == f"Dana (#{contact.id})"
    assert page.select_one("#f-contact")["hx-get"] == "/contacts/suggest"
    assert page.select_one("#f-career_id option[selected]")["value"] == str(career.id)
    assert "not to ask for a job" in page.select_one("#f-purpose").text


def test_new_form_without_contacts_has_empty_state(web):
    page = soup(web.get("/interviews/new"))
    assert page.select_one(".empty-state a")["href"] == "/contacts/new"


def test_create_reads_local_time_in_user_timezone(browser, paris, make_contact, db):
    contact = make_contact(paris, "Dana")
    r = browser.form_post(
        "/interviews",
        {
            "contact_id": contact.id,
            "status": "scheduled",
            "scheduled_at": "2026-07-01T10:00",
            "duration_minutes": "45",
            "mode": "video",
            "location": "https://meet.example/x",
            "purpose": "Learn",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    interview_id = int(r.headers["location"].rsplit("/", 1)[1])
    stored = _fresh(db, Interview, interview_id)
    assert stored.scheduled_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    page = soup(browser.get(f"/interviews/{interview_id}"))
    assert "10:00" in page.select_one("dl.facts").get_text()
    edit = soup(browser.get(f"/interviews/{interview_id}/edit"))
    assert edit.select_one("#f-scheduled_at")["value"] == "2026-07-01T10:00"


def test_create_invalid_keeps_what_was_typed(web, user, make_contact, db):
    contact = make_contact(user, "Dana")
    r = web.form_post(
        "/interviews",
        {
            "contact_id": contact.id,
            "status": "scheduled",
            "duration_minutes": "2",
            "location": "Cafe Rouge",
            "usefulness": "9",
        },
    )
    assert r.status_code == 422
    page = soup(r)
    assert page.select_one("#f-location")["value"] == "Cafe Rouge"
    assert page.select_one("#e-duration_minutes") is not None
    assert db.scalars(select(Interview)).all() == []


def test_create_with_another_users_contact_is_refused(web, user, other_user, make_contact, db):
    make_contact(user, "Mine")
    theirs = make_contact(other_user, "Secret")
    r = web.form_post("/interviews", {"contact_id": theirs.id})
    assert r.status_code == 422
    assert soup(r).select_one("#f-contact-error") is not None
    assert "Secret" not in r.text
    r = web.form_post("/interviews", {"contact": f"Secret (#{theirs.id})"})
    assert r.status_code == 422 and soup(r).select_one("#f-contact-error") is not None
    assert "Secret" not in soup(r).select_one("#f-contact-error").text
    assert db.scalars(select(Interview)).all() == []


def test_edit_conflict_keeps_text(web, db, user, make_interview):
    interview = make_interview(user)
    service.update_interview(db, user, interview.id, service.InterviewUpdate(summary="Other tab"))
    r = web.form_post(
        f"/interviews/{interview.id}/edit",
        {"contact_id": interview.contact_id, "summary": "Mine", "version": "1"},
    )
    assert r.status_code == 409
    page = soup(r)
    assert page.select_one("#f-summary").text == "Mine"
    assert "changed this interview" in page.select_one(".form-errors").get_text()
    assert page.select_one('input[name="version"]')["value"] == "2"
    assert _fresh(db, Interview, interview.id).summary == "Other tab"


def test_edit_saves_notes_and_ratings(web, db, user, make_interview):
    interview = make_interview(user)
    r = web.form_post(
        f"/interviews/{interview.id}/edit",
        {
            "contact_id": interview.contact_id,
            "career_id": "",
            "summary": "**Great**",
            "takeaways": "- one",
            "usefulness": "5",
            "confidence": "4",
            "duration_minutes": "30",
            "location": "",
            "purpose": "Learn",
            "mode": "",
            "scheduled_at": "",
            "requested_at": "",
            "version": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = soup(web.get(f"/interviews/{interview.id}"))
    assert page.select_one('[data-testid="summary"] strong').text == "Great"
    assert "5/5" in page.select_one("#notes").get_text()


def test_detail_page_sections_and_transitions(web, user, make_interview):
    interview = make_interview(user)
    page = soup(web.get(f"/interviews/{interview.id}"))
    boxes = page.select('[data-testid="checklist-form"] input[type="checkbox"]')
    assert len(boxes) == 6
    assert page.select_one('[data-testid="prep-score"]').text == "0%"
    targets = {b["data-testid"] for b in page.select('[data-testid="transitions"] button')}
    assert targets == {"transition-requested", "transition-scheduled", "transition-cancelled"}
    assert page.select_one("#agenda .empty-state") is not None
    assert page.select_one("#capture") is not None
    assert page.select_one('[data-testid="run-mode-link"]')["href"].endswith("/run")


def test_status_forms(web, db, user, make_interview):
    interview = make_interview(user)
    r = web.form_post(f"/interviews/{interview.id}/status", {"status": "completed"})
    assert r.status_code == 409
    assert "cannot become completed" in soup(r).select_one('[data-testid="status-error"]').text
    r = web.form_post(f"/interviews/{interview.id}/status", {"status": "scheduled"})
    assert r.status_code == 422
    r = web.form_post(
        f"/interviews/{interview.id}/status",
        {"status": "scheduled", "scheduled_at": "2026-12-01T09:00"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _fresh(db, Interview, interview.id).status == "scheduled"


def test_overlap_warning_is_visible(web, user, make_interview, make_contact):
    make_interview(user, status="scheduled", scheduled_at=WHEN)
    second = make_interview(user, make_contact(user, "Sam"), status="scheduled", scheduled_at=WHEN)
    page = soup(web.get(f"/interviews/{second.id}"))
    warning = page.select_one('[data-testid="overlap-warning"]')
    assert warning is not None and "Dana Reyes" in warning.get_text()


def test_checklist_links_and_steps(web, db, user, make_interview):
    interview = make_interview(user)
    url = f"/interviews/{interview.id}"
    r = web.form_post(f"{url}/checklist", {"done": ["profession", "person", "website"]})
    assert r.status_code == 200  # followed the 303
    assert soup(r).select_one('[data-testid="prep-score"]').text == "50%"
    fragment = web.post(f"{url}/checklist", data={"done": "profession"}, headers=HX)
    assert "<html" not in fragment.text
    assert soup(fragment).select_one('[data-testid="prep-score"]').text == "17%"
    r = web.post(f"{url}/checklist/add", data={"label": "Practise intro"}, headers=HX)
    assert "Practise intro" in r.text
    r = web.post(f"{url}/checklist/add", data={"label": ""}, headers=HX)
    assert r.status_code == 422 and soup(r).select_one("#e-label") is not None
    r = web.post(
        f"{url}/links",
        data={"url": "https://acme.example/news", "title": "News", "read_on": "2026-11-20"},
        headers=HX,
    )
    assert soup(r).select_one('[data-testid="research-links"] a')["href"].endswith("/news")
    r = web.post(f"{url}/links", data={"url": "ftp://x", "read_on": "soon"}, headers=HX)
    assert r.status_code == 422
    page = soup(r)
    assert page.select_one("#e-url") is not None and page.select_one("#e-read_on") is not None
    web.post(f"{url}/links/0/delete", headers=HX)
    assert _fresh(db, Interview, interview.id).research_links == []


def test_agenda_from_picker_free_text_move_and_remove(web, db, user, make_interview, make_bank):
    interview = make_interview(user)
    bank = make_bank(None)
    url = f"/interviews/{interview.id}"
    picker = web.get(f"{url}?bank_id={bank.id}&category=advice", headers=HX)
    boxes = soup(picker).select('[data-testid="picker-form"] input[name="question_ids"]')
    assert len(boxes) == 1
    full = soup(web.get(f"{url}?bank_id={bank.id}"))
    ids = [b["value"] for b in full.select('input[name="question_ids"]')]
    r = web.post(
        f"{url}/agenda/bank",
        data={"bank_id": bank.id, "question_ids": ids[:2], "mode": "chosen"},
        headers=HX,
    )
    assert len(soup(r).select('[data-testid="agenda-item"]')) == 2
    r = web.post(f"{url}/agenda/bank", data={"bank_id": bank.id, "mode": "all"}, headers=HX)
    assert "1 question" in r.text and "2 already on the agenda" in r.text
    r = web.post(f"{url}/agenda/bank", data={"bank_id": bank.id, "mode": "chosen"}, headers=HX)
    assert r.status_code == 422
    r = web.post(f"{url}/agenda", data={"text": "My own?", "category": "culture"}, headers=HX)
    items = soup(r).select('[data-testid="agenda-item"]')
    assert items[-1].select_one(".agenda-text").text == "My own?"
    r = web.post(f"{url}/agenda", data={"text": "", "category": "nope"}, headers=HX)
    assert r.status_code == 422
    last = int(items[-1]["data-item-id"])
    web.post(f"{url}/agenda/{last}/move", data={"direction": "up"}, headers=HX)
    assert _agenda_texts(db, user, interview.id)[2] == "My own?"
    web.post(f"{url}/agenda/{last}/delete", headers=HX)
    assert len(_agenda_texts(db, user, interview.id)) == 3


def test_agenda_item_edit_page(web, db, user, make_interview):
    interview = make_interview(user)
    item = agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="Old"))
    url = f"/interviews/{interview.id}/agenda/{item.id}/edit"
    assert soup(web.get(url)).select_one("#f-text")["value"] == "Old"
    r = web.form_post(url, {"text": "New", "category": "culture", "version": "1"})
    assert r.status_code == 200
    r = web.form_post(url, {"text": "Stale", "category": "culture", "version": "1"})
    assert r.status_code == 409 and soup(r).select_one("#f-text")["value"] == "Stale"
    r = web.form_post(url, {"text": "", "category": "culture", "version": "2"})
    assert r.status_code == 422


# ---- run mode -------------------------------------------------------------------------


@pytest.fixture
def running(db, user, make_interview):
    interview = make_interview(user, status="scheduled", scheduled_at=WHEN)
    items = [
        agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text=t))
        for t in ("First?", "Second?")
    ]
    return interview, items


def test_run_page_markup(web, running):
    interview, items = running
    page = soup(web.get(f"/interviews/{interview.id}/run"))
    cards = page.select('[data-testid="run-item"]')
    assert [int(c["data-item-id"]) for c in cards] == [i.id for i in items]
    textarea = page.select_one(f"#notes-{items[0].id}")
    assert textarea["hx-trigger"].startswith("input changed delay:800ms")
    assert textarea["hx-patch"].endswith(f"/agenda/{items[0].id}/notes")
    assert page.select_one(f"#version-{items[0].id}")["value"] == "1"
    assert page.select_one(f'label[for="notes-{items[0].id}"]') is not None
    clock = page.select_one('[data-testid="run-clock"]')
    assert clock["data-duration"] == "30"
    # Without JavaScript the clock cannot run, and its button reads "Start" (run.js relabels
    # it Pause / Resume as the clock runs and stops).
    toggle = clock.select_one('[data-testid="run-clock-start"]')
    assert (toggle["type"], toggle.get_text()) == ("button", "Start")
    assert page.select_one('[data-testid="complete-interview"]') is not None
    assert page.select_one('script[src="/static/run.js"]') is not None
    assert page.find("script", src=None) is None  # no inline script
    assert page.select_one("[style]") is None


def test_autosave_and_conflict(web, db, user, running):
    interview, items = running
    url = f"/interviews/{interview.id}/agenda/{items[0].id}/notes"
    r = web.request("PATCH", url, data={"answer_notes": "They said A", "version": "1"}, headers=HX)
    assert r.status_code == 200
    fragment = soup(r)
    assert fragment.select_one(".saved") is not None
    new_version = fragment.select_one(f"#version-{items[0].id}")
    assert new_version["value"] == "2" and new_version["hx-swap-oob"] == "true"
    # A second tab still holding version 1 must not overwrite.
    r = web.request("PATCH", url, data={"answer_notes": "Tab two text", "version": "1"}, headers=HX)
    assert r.status_code == 409
    conflict = soup(r)
    assert conflict.select_one(f'[data-testid="their-text-{items[0].id}"]').text == "They said A"
    assert conflict.select_one(f'[data-testid="keep-mine-{items[0].id}"]')["value"] == "2"
    assert _fresh(db, InterviewQuestion, items[0].id).answer_notes == "They said A"
    r = web.request(
        "PATCH",
        url,
        data={"answer_notes": "Tab two text", "version": "1", "version_override": "2"},
        headers=HX,
    )
    assert r.status_code == 200
    assert _fresh(db, InterviewQuestion, items[0].id).answer_notes == "Tab two text"
    r = web.request("PATCH", url, data={"answer_notes": "x" * 50_001, "version": "3"}, headers=HX)
    assert r.status_code == 422 and "Not saved" in r.text
    theirs = web.get(f"/interviews/{interview.id}/run/items/{items[0].id}", headers=HX)
    assert soup(theirs).select_one("textarea").text == "Tab two text"


def test_mark_asked_and_skipped(web, db, running):
    interview, items = running
    url = f"/interviews/{interview.id}/agenda/{items[1].id}/notes"
    r = web.request(
        "PATCH", url, data={"answer_notes": "", "version": "1", "mark": "skipped"}, headers=HX
    )
    badge = soup(r).select_one(f"#badge-{items[1].id}")
    assert badge.text == "skipped" and badge["hx-swap-oob"] == "true"
    stored = _fresh(db, InterviewQuestion, items[1].id)
    assert (stored.asked, stored.skipped) == (False, True)


def test_autosave_without_javascript(web, db, running):
    interview, items = running
    url = f"/interviews/{interview.id}/agenda/{items[0].id}/notes"
    r = web.form_post(url, {"answer_notes": "Plain post", "version": "1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"#item-{items[0].id}")
    r = web.form_post(url, {"answer_notes": "Stale post", "version": "1"})
    assert r.status_code == 409
    page = soup(r)
    assert page.select_one('[data-testid="my-text"]').text == "Stale post"
    assert page.select_one('[data-testid="their-text"]').text == "Plain post"


def test_referral_promise_and_completion_from_run_mode(web, db, user, running):
    interview, _ = running
    base = f"/interviews/{interview.id}"
    r = web.post(
        f"{base}/referrals",
        data={"full_name": "Kim Park", "note": "data", "back": "run"},
        headers=HX,
    )
    assert r.status_code == 200
    assert "Kim Park" in soup(r).select_one('[data-testid="referral-list"]').text
    r = web.post(f"{base}/referrals", data={"full_name": "", "back": "run"}, headers=HX)
    assert r.status_code == 422
    r = web.post(
        f"{base}/promises", data={"text": "Send resume", "by": "me", "back": "run"}, headers=HX
    )
    assert "Send resume" in soup(r).select_one('[data-testid="promise-list"]').text
    web.post(f"{base}/promises/0/toggle", data={"done": "1", "back": "run"}, headers=HX)
    assert _fresh(db, Interview, interview.id).promises[0]["done"] is True
    with Session(db.get_bind()) as fresh:
        kim = fresh.scalars(select(Contact).where(Contact.full_name == "Kim Park")).one()
        assert kim.introduced_by_id == interview.contact_id
    r = web.form_post(f"{base}/status", {"status": "completed"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("#notes")
    with Session(db.get_bind()) as fresh:
        meetings = fresh.scalars(
            select(Interaction).where(Interaction.contact_id == interview.contact_id)
        ).all()
        assert [m.kind for m in meetings] == ["meeting"]


def test_preparation_sheet(web, user, make_contact, make_interview, db):
    contact = make_contact(user, "Dana", organization="Acme")
    interview = make_interview(user, contact, scheduled_at=WHEN, location="Cafe Rouge")
    agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="Typical day?"))
    page = soup(web.get(f"/interviews/{interview.id}/sheet"))
    sheet = page.select_one('[data-testid="prep-sheet"]')
    text = sheet.get_text()
    assert "Dana" in text and "Cafe Rouge" in text and "Acme" in text
    assert sheet.select_one(".markdown strong").text == "Big"  # organization notes via Markdown
    assert sheet.select_one(".markdown em").text == "Rust"  # contact notes via Markdown
    assert len(sheet.select(".sheet-question .write-space")) == 1
    assert page.select_one('link[href="/static/print.css"][media="print"]') is not None


def test_answer_pages(web, db, user, make_contact, make_career, make_bank, make_interview):
    career = make_career(user)
    bank = make_bank(user)
    interviews = []
    for name in ("Ana", "Ben", "Cy"):
        interview = make_interview(
            user, make_contact(user, name), career_id=career.id, scheduled_at=WHEN
        )
        added, _ = agenda_service.add_from_bank(
            db, user, interview.id, agenda_service.AgendaFromBank(bank_id=bank.id)
        )
        agenda_service.update_agenda_item(
            db,
            user,
            interview.id,
            added[0].id,
            agenda_service.AgendaItemUpdate(answer_notes=f"{name} says *hi*"),
        )
        interviews.append(interview)
    page = soup(web.get(f"/careers/{career.id}/answers"))
    table = page.select_one('[data-testid="answer-matrix"]')
    headers = [th.get_text(" ", strip=True) for th in table.select("thead th")][1:]
    assert [h.split()[0] for h in headers] == ["Ana", "Ben", "Cy"]
    first_row = table.select("tbody tr")[0]
    assert [td.select_one("em").text for td in first_row.select("td")] == ["hi", "hi", "hi"]
    assert page.select_one('[data-testid="export-csv"]')["href"].endswith("format=csv")
    filtered = soup(web.get(f"/careers/{career.id}/answers?category=advice"))
    assert len(filtered.select('[data-testid="answer-matrix"] tbody tr')) == 1
    chooser = soup(web.get("/interviews/compare"))
    assert len(chooser.select('input[name="ids"]')) == 3
    ids = "&".join(f"ids={i.id}" for i in interviews[:2])
    chosen = soup(web.get(f"/interviews/compare?{ids}"))
    assert len(chosen.select('[data-testid="answer-matrix"] thead th')) == 3
    assert web.get("/interviews/compare?ids=abc").status_code == 422
    question_id = first_row.select_one("th a")["href"].split("/")[2]
    answers = soup(web.get(f"/questions/{question_id}/answers"))
    assert len(answers.select('[data-testid="question-answers"] li')) == 3


def test_empty_career_matrix_page(web, user, make_career):
    career = make_career(user)
    page = soup(web.get(f"/careers/{career.id}/answers"))
    assert page.select_one(".empty-state a")["href"] == f"/interviews/new?career_id={career.id}"


def test_dashboard_lists_upcoming(web, user, make_interview):
    make_interview(user, status="scheduled", scheduled_at=datetime.now(UTC) + timedelta(days=2))
    page = soup(web.get("/"))
    section = page.select_one('section[aria-label="Upcoming interviews"]')
    assert section is not None and "Dana Reyes" in section.get_text()


def test_section_fragment_for_other_pages(web, user, make_interview, make_career):
    career = make_career(user)
    interview = make_interview(user, career_id=career.id)
    page = soup(web.get(f"/interviews/section?career_id={career.id}", headers=HX))
    links = [a["href"] for a in page.select('[data-testid="interviews-section-list"] a')]
    assert links == [f"/interviews/{interview.id}"]
    assert page.select_one('[data-testid="section-answers-link"]') is not None
    assert "<html" not in page.decode() and "<nav" not in page.decode()
    empty = soup(web.get("/interviews/section?contact_id=999999", headers=HX))
    assert "No interviews yet" in empty.get_text()
    # A plain visit (no HTMX) gets the page the block belongs to.
    r = web.get(f"/interviews/section?career_id={career.id}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/interviews?tab=all&career_id={career.id}"


def test_section_include_for_the_career_page(user, make_career):
    from app.web.templating import templates

    career = make_career(user)
    html = templates.env.get_template("interviews/_section.html").render(career=career)
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one("[hx-get]")["hx-get"] == f"/interviews/section?career_id={career.id}"
    plan = page.select_one('[data-testid="section-plan-interview"]')
    assert plan["href"] == f"/interviews/new?career_id={career.id}"


def test_contact_fields_are_typed_not_a_select_of_every_contact(
    web, db, user, make_contact, make_interview
):
    # A heavy user has 100,000 contacts: the form and the filter type a name with
    # suggestions; the interview's own contact is what the edit form shows.
    for name in ("Aaron First", "Abby Second"):
        make_contact(user, name)
    zoe = make_contact(user, "Zoe Last")
    interview = make_interview(user, zoe)
    db.rollback()
    page = soup(web.get(f"/interviews/{interview.id}/edit"))
    assert page.find("select", id="f-contact_id") is None
    assert page.select_one("#f-contact")["value"] == f"Zoe Last (#{zoe.id})"
    listing = soup(web.get("/interviews?tab=all"))
    assert listing.select_one("select#iv-contact") is None
    assert listing.select_one("#iv-contact")["hx-get"] == "/contacts/suggest"
    assert "Aaron First" not in listing.select_one("form[role=search]").decode()


def test_typed_contact_saves_and_filters(web, db, user, make_contact, make_interview):
    dana = make_contact(user, "Dana Reyes")
    other = make_contact(user, "Sam Other")
    make_interview(user, other)
    r = web.form_post("/interviews", {"contact": "dana reyes"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    created = int(r.headers["location"].rsplit("/", 1)[1])
    assert _fresh(db, Interview, created).contact_id == dana.id
    r = web.form_post(f"/interviews/{created}/edit", {"contact": f"Sam Other (#{other.id})"})
    assert r.status_code == 200
    assert _fresh(db, Interview, created).contact_id == other.id
    r = web.form_post("/interviews", {"contact": "Nobody Here"})
    assert r.status_code == 422
    assert "Nobody Here" in soup(r).select_one("#f-contact-error").text
    page = soup(web.get(f"/interviews?tab=all&contact=Sam+Other+%28%23{other.id}%29"))
    assert len(page.select("tr[data-interview-id]")) == 2
    assert page.select_one("#iv-contact")["value"] == f"Sam Other (#{other.id})"
    page = soup(web.get(f"/interviews?tab=all&contact_id={dana.id}"))
    assert len(page.select("tr[data-interview-id]")) == 0


def test_list_toolbar_comes_from_the_macros(web, user, make_interview):
    make_interview(user)
    page = soup(web.get("/interviews"))
    toolbar = page.select_one('form.toolbar[role="search"]')
    assert toolbar["hx-target"] == "#interview-results"
    assert toolbar.select_one("#iv-q")["hx-get"] == "/interviews"
    assert toolbar.select_one('button[type="submit"]').text == "Apply"


# ---- bugs fixed by one form flow and one version rule -----------------------------------


def test_unknown_status_on_the_list_page_is_refused(web, user, make_interview):
    make_interview(user)
    assert web.get("/interviews?tab=all&status=bogus").status_code == 422
    assert web.get("/interviews?tab=nope").status_code == 422
    assert web.get("/interviews?tab=all&status=planned").status_code == 200


def test_damaged_version_is_invalid_not_a_silent_overwrite(web, db, user, make_interview):
    interview = make_interview(user)
    item = agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="Old"))
    url = f"/interviews/{interview.id}"
    r = web.form_post(f"{url}/edit", {"summary": "Mine", "version": "x1"})
    assert r.status_code == 422
    assert _fresh(db, Interview, interview.id).summary == ""
    r = web.form_post(
        f"{url}/agenda/{item.id}/edit", {"text": "New", "category": "culture", "version": "²"}
    )
    assert r.status_code == 422
    assert _fresh(db, InterviewQuestion, item.id).text == "Old"
    notes = f"{url}/agenda/{item.id}/notes"
    r = web.request("PATCH", notes, data={"answer_notes": "Mine", "version": "oops"}, headers=HX)
    assert r.status_code == 422 and "Not saved" in r.text
    assert _fresh(db, InterviewQuestion, item.id).answer_notes == ""
    r = web.post(f"{url}/checklist", data={"done": "person", "version": "v"}, headers=HX)
    assert r.status_code == 422
    assert _fresh(db, Interview, interview.id).preparation_score == 0


def test_stale_page_lists_are_a_conflict(web, db, user, make_interview):
    # The checklist, links and promises change through one service operation, against
    # the version the page showed: another tab's newer change is never overwritten.
    interview = make_interview(user)
    url = f"/interviews/{interview.id}"
    service.add_item(db, user, interview.id, "promises", service.PromiseCreate(text="Send article"))
    service.add_item(db, user, interview.id, "promises", service.PromiseCreate(text="Call back"))
    shown = _fresh(db, Interview, interview.id).version
    # Another tab removes the first promise: index 0 now means "Call back".
    service.remove_item(db, user, interview.id, "promises", 0)
    r = web.post(f"{url}/promises/0/toggle", data={"done": "1", "version": shown}, headers=HX)
    assert r.status_code == 409
    assert "changed elsewhere" in soup(r).select_one('[data-testid="capture-error"]').text
    assert _fresh(db, Interview, interview.id).promises[0]["done"] is False
    r = web.post(f"{url}/checklist", data={"done": "person", "version": shown}, headers=HX)
    assert r.status_code == 409
    assert soup(r).select_one('[data-testid="prep-error"]') is not None
    assert _fresh(db, Interview, interview.id).preparation_score == 0
    r = web.post(f"{url}/links/0/delete", data={"version": shown}, headers=HX)
    assert r.status_code == 409
    current = _fresh(db, Interview, interview.id).version
    r = web.post(f"{url}/checklist", data={"done": "person", "version": current}, headers=HX)
    assert r.status_code == 200
    fragment = soup(r)
    assert fragment.select_one('[data-testid="prep-score"]').text == "17%"
    # Every form on the page gets the new version (out of band), not only this section's.
    oob = fragment.select_one("input.record-version[hx-swap-oob]")
    assert oob["value"] == str(current + 1)
    assert oob["hx-swap-oob"] == "outerHTML:.record-version"


def test_a_blank_version_on_a_list_form_is_refused_not_unchecked(web, db, user, make_interview):
    # A blank version field is a damaged form: refused, never read as "no check", on every
    # form of the preparation lists and the promises.
    interview = make_interview(user)
    url = f"/interviews/{interview.id}"
    service.add_item(db, user, interview.id, "promises", service.PromiseCreate(text="Call"))
    service.add_item(
        db, user, interview.id, "research_links", service.ResearchLink(url="https://a.example")
    )
    before = _fresh(db, Interview, interview.id)
    posts = [
        (f"{url}/checklist", {"done": "person"}),
        (f"{url}/checklist/add", {"label": "Practise"}),
        (f"{url}/checklist/profession/delete", {}),
        (f"{url}/links", {"url": "https://b.example"}),
        (f"{url}/links/0/delete", {}),
        (f"{url}/promises", {"text": "Write"}),
        (f"{url}/promises/0/toggle", {"done": "1"}),
        (f"{url}/promises/0/delete", {}),
    ]
    for path, data in posts:
        r = web.post(path, data={**data, "version": ""}, headers=HX)
        assert r.status_code == 422, path
    after = _fresh(db, Interview, interview.id)
    assert after.version == before.version
    assert (after.checklist, after.research_links, after.promises) == (
        before.checklist,
        before.research_links,
        before.promises,
    )


def test_interview_page_forms_carry_the_version(web, user, make_interview, db):
    interview = make_interview(user)
    agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="A?"))
    agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="B?"))
    page = soup(web.get(f"/interviews/{interview.id}"))
    checked = 0
    for form in page.select('form[method="post"]'):
        # Adding agenda items or a referral does not change the interview itself.
        if form["action"] == "/logout" or form["action"].endswith(
            ("/referrals", "/agenda", "/agenda/bank")
        ):
            continue
        assert form.select_one('input[name="version"]') is not None, form["action"]
        checked += 1
    assert checked >= 10
    # Out-of-band refreshes only in HTMX fragments: a boosted full page has nothing to refresh.
    assert page.select_one("[hx-swap-oob]") is None


def test_stale_status_change_and_delete_are_refused(web, db, user, make_interview):
    interview = make_interview(user)
    service.update_interview(db, user, interview.id, service.InterviewUpdate(summary="x"))
    url = f"/interviews/{interview.id}"
    r = web.form_post(f"{url}/status", {"status": "requested", "version": "1"})
    assert r.status_code == 409
    assert _fresh(db, Interview, interview.id).status == "planned"
    r = web.form_post(f"{url}/delete", {"version": "1"})
    assert r.status_code == 409
    assert _fresh(db, Interview, interview.id) is not None
    r = web.form_post(f"{url}/delete", {"version": "2"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/interviews"


def test_agenda_page_rules_match_the_api(web, db, user, make_interview, make_bank):
    interview = make_interview(user)
    bank = make_bank(user)
    url = f"/interviews/{interview.id}/agenda"
    first = agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="A?"))
    agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="B?"))
    # An unknown direction used to mean "down"; it is refused, as in question banks.
    r = web.post(f"{url}/{first.id}/move", data={"direction": "sideways"}, headers=HX)
    assert r.status_code == 422
    assert _agenda_texts(db, user, interview.id) == ["A?", "B?"]
    r = web.post(f"{url}/{first.id}/move", data={"direction": "down"}, headers=HX)
    assert r.status_code == 200
    assert _agenda_texts(db, user, interview.id) == ["B?", "A?"]
    # Moving reorders the interview's agenda: a stale page is refused.
    r = web.post(f"{url}/{first.id}/move", data={"direction": "up", "version": "1"}, headers=HX)
    assert r.status_code == 409
    r = web.post(f"{url}/bank", data={"bank_id": bank.id, "mode": "chosen"}, headers=HX)
    assert r.status_code == 422
    assert "Tick the questions" in soup(r).select_one('[data-testid="agenda-error"]').text
