"""The heart of Rapport in real Chromium: prepare an informational interview for a career,
build its agenda from TIARA and an own question, print the sheet, run it on a phone (notes
autosave per question), capture a referral, complete it; after three interviews, compare the
answers side by side. Then the same journey through the HTTP API with a bearer token."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ARTIFACTS,
    DEMO_PASSWORD,
    DEMO_USER,
    PAGE_TIMEOUT_MS,
    LiveServer,
    assert_clean_console,
    run_cli,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIARA_SIZE = 15
OWN_QUESTION = "What do you wish you had known before your first year?"
CAREER_PAGE = re.compile(r"/careers/(\d+)$")
INTERVIEW_PAGE = re.compile(r"/interviews/(\d+)(#\w+)?$")


# What each person said, in a word or two per question (the 15 TIARA ones, then the own one).
HEARD = [
    "digitised collections",
    "more outreach, less storage",
    "3D scanning of objects",
    "most of the job is paperwork",
    "a show that toured abroad",
    "a loan that went wrong",
    "volunteer at a small museum",
    "learn collection databases",
    "can they write a good label",
    "the Museums Association journal",
    "the regional curators' network",
    "a short course in conservation",
    "exhibition planning and loans",
    "catalogue one small collection",
    "my first exhibition budget",
    "how little of it is research",
]


def _answer(person: str, number: int) -> str:
    """The note typed for question ``number`` (1-based) in the interview with ``person``."""
    return f"{person.split()[0]}: {HEARD[number - 1]} (q{number})"


def _screen_screenshot(page: Any, name: str) -> None:
    """What the phone shows (not the whole scrolled page, which is metres long on a phone),
    in test-artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), caret="initial")


def _log_in(page: Any, base_url: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    """The API as a script sees it: a bearer token the CLI made for the demo user."""
    made = run_cli(live_server.env, "create-token", DEMO_USER, "--name", "interview journey")
    assert made.returncode == 0, made.stdout + made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("rpt_")
    with httpx.Client(
        base_url=live_server.base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    ) as client:
        yield client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.url}: " + (response.text[:500])
    )
    return response.json() if response.content else None


def _tiara_bank_id(api: httpx.Client) -> int:
    banks = _ok(api.get("/api/v1/question-banks", params={"scope": "builtin", "q": "TIARA"}))
    ids = [b["id"] for b in banks["items"] if b["name"] == "TIARA" and b["builtin"]]
    assert len(ids) == 1, banks
    return int(ids[0])


def _planned_interview(api: httpx.Client, contact_id: int, career_id: int, bank_id: int) -> int:
    """Create an interview for the career with the TIARA bank and the own question on it."""
    interview = _ok(
        api.post("/api/v1/interviews", json={"contact_id": contact_id, "career_id": career_id}),
        201,
    )
    base = f"/api/v1/interviews/{interview['id']}/questions"
    bulk = _ok(api.post(f"{base}/from-bank", json={"bank_id": bank_id}), 201)
    assert len(bulk["added"]) == TIARA_SIZE and bulk["skipped_duplicates"] == 0
    _ok(api.post(base, json={"text": OWN_QUESTION, "category": "advice"}), 201)
    return int(interview["id"])


def _schedule(api: httpx.Client, interview_id: int, when: str) -> None:
    moved = _ok(
        api.post(
            f"/api/v1/interviews/{interview_id}/status",
            json={"status": "scheduled", "scheduled_at": when},
        )
    )
    assert moved["status"] == "scheduled"


def _agenda(api: httpx.Client, interview_id: int) -> list[dict[str, Any]]:
    page = _ok(api.get(f"/api/v1/interviews/{interview_id}/questions", params={"limit": 200}))
    return sorted(page["items"], key=lambda item: item["position"])


def _write_answers_through_api(api: httpx.Client, interview_id: int, person: str) -> None:
    """PATCH each agenda item's notes with If-Match, as two tabs would have to."""
    for number, item in enumerate(_agenda(api, interview_id), start=1):
        url = f"/api/v1/interviews/{interview_id}/questions/{item['id']}"
        got = api.get(url)
        etag = got.headers["ETag"]
        body = {"answer_notes": _answer(person, number), "asked": True}
        saved = _ok(api.patch(url, json=body, headers={"If-Match": etag}))
        assert saved["answer_notes"] == _answer(person, number)
        # The same ETag again is stale now: a second tab cannot silently overwrite.
        stale = api.patch(url, json={"answer_notes": "overwrite"}, headers={"If-Match": etag})
        assert stale.status_code == 412, stale.text


# ---- the browser journey ----------------------------------------------------------------


def _create_career(page: Any, title: str) -> int:
    page.goto("/careers/new")
    page.get_by_role("textbox", name="Title For example").fill(title)
    page.get_by_role("button", name="Add career").click()
    page.wait_for_url(CAREER_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return int(CAREER_PAGE.search(page.url).group(1))  # type: ignore[union-attr]


def _quick_add_contact(page: Any, name: str) -> int:
    """The career page's quick-add: the contact is created already linked to the career."""
    page.get_by_label("Add a contact by name").fill(name)
    page.locator("form.quick-add").get_by_role("button", name="Add contact").click()
    link = page.locator("ul.contacts").get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    return int(link.get_attribute("href").rsplit("/", 1)[1])


def _plan_interview(page: Any, career_id: int, contact_name: str) -> int:
    page.goto(f"/careers/{career_id}")
    page.get_by_test_id("section-plan-interview").click()
    page.wait_for_url(f"**/interviews/new?career_id={career_id}")
    expect(page.locator("#f-career_id")).to_have_value(str(career_id))
    # A typed contact (suggestions come as you type); an exact name is resolved on save.
    page.locator("#f-contact").fill(contact_name)
    # The purpose says it plainly: learning about the career, not asking for a job.
    assert "not" in page.get_by_role("textbox", name="Purpose").input_value().lower()
    page.get_by_test_id("save-interview").click()
    page.wait_for_url(INTERVIEW_PAGE)
    expect(page.get_by_test_id("interview-status")).to_have_text("Planned")
    return int(INTERVIEW_PAGE.search(page.url).group(1))  # type: ignore[union-attr]


def _tick(page: Any, label: str, score: str) -> None:
    page.get_by_label(label).check()
    # The checklist saves on change and swaps the preparation section with the new score.
    expect(page.get_by_test_id("prep-score")).to_have_text(score)


def _run_item_ids(page: Any) -> list[int]:
    items = page.get_by_test_id("run-item")
    expect(items).to_have_count(TIARA_SIZE + 1)
    return [int(items.nth(i).get_attribute("data-item-id")) for i in range(TIARA_SIZE + 1)]


def _type_answers(page: Any, person: str, *, skip_number: int | None = None) -> list[int]:
    """Type a note into every question's field (the first one key by key), then wait for each
    autosave to confirm; returns the item ids in agenda order."""
    ids = _run_item_ids(page)
    for number, item_id in enumerate(ids, start=1):
        if number == skip_number:
            continue
        box = page.get_by_test_id(f"notes-{item_id}")
        if number == 1:
            box.click()
            box.press_sequentially(_answer(person, number))
        else:
            box.fill(_answer(person, number))
    for number, item_id in enumerate(ids, start=1):
        if number != skip_number:
            # Sixteen saves queue up on a busy SQLite: allow a page's worth of time.
            status = page.get_by_test_id(f"status-{item_id}")
            expect(status).to_have_text("Saved", timeout=PAGE_TIMEOUT_MS)
    return ids


def _matrix_cells(html: str) -> tuple[list[int], dict[str, list[str]]]:
    """Parse the answer matrix: interview ids of the columns, and each row's cell texts."""
    table = BeautifulSoup(html, "html.parser").select_one("table[data-testid=answer-matrix]")
    assert table is not None, "the career's answer page has no matrix"
    columns = [int(th["data-interview-id"]) for th in table.select("thead th[data-interview-id]")]
    rows: dict[str, list[str]] = {}
    for tr in table.select("tbody tr"):
        head = tr.find("th")
        tag = head.find("span", class_="tag")
        question = head.get_text(" ", strip=True)
        question = question.split(tag.get_text(strip=True))[0].strip() if tag else question
        rows[question] = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
    return columns, rows


def test_interview_journey_on_a_phone(
    live_server: LiveServer, open_page: Any, api: httpx.Client
) -> None:
    base = live_server.base_url
    page = open_page(live_server)
    _log_in(page, base)

    career_id = _create_career(page, "Museum curation")
    people = ["Iris Curator", "Jonah Registrar", "Kim Archivist"]
    contact_ids = [_quick_add_contact(page, name) for name in people]

    # ---- prepare the first interview --------------------------------------------------
    first = _plan_interview(page, career_id, people[0])
    expect(page.get_by_test_id("prep-score")).to_have_text("0%")
    _tick(page, "Researched the profession", "17%")
    _tick(page, "Researched the person", "33%")
    _tick(page, "Made clear I am not seeking employment", "50%")

    page.locator("#picker-bank").select_option(label="TIARA (starter)")
    add_all = page.get_by_test_id("add-all")
    expect(add_all).to_have_text(f"Add all {TIARA_SIZE}")
    add_all.click()
    expect(page.get_by_test_id("agenda-item")).to_have_count(TIARA_SIZE)
    expect(page.locator("#agenda [role=status]")).to_have_text(f"Added {TIARA_SIZE} questions.")
    tiara = [t.strip() for t in page.locator("#agenda .agenda-text").all_inner_texts()]

    free = page.get_by_test_id("free-question-form")
    free.get_by_label("Your own question").fill(OWN_QUESTION)
    free.get_by_label("Category").select_option("advice")
    free.get_by_role("button", name="Add question").click()
    expect(page.get_by_test_id("agenda-item")).to_have_count(TIARA_SIZE + 1)
    expect(page.locator("#agenda .agenda-text").last).to_have_text(OWN_QUESTION)
    agenda = [*tiara, OWN_QUESTION]

    # ---- the printable sheet ----------------------------------------------------------
    page.get_by_test_id("sheet-link").click()
    page.wait_for_url(f"**/interviews/{first}/sheet")
    sheet = BeautifulSoup(page.content(), "html.parser")
    questions = [li.find("strong").get_text(strip=True) for li in sheet.select(".sheet-question")]
    assert questions == agenda
    assert people[0] in sheet.select_one("h1").get_text()
    page.emulate_media(media="print")
    # The print stylesheet: no navigation or page chrome, room to write under every question.
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.locator(".prep-sheet .no-print")).to_be_hidden()
    expect(page.locator(".sheet-question")).to_have_count(TIARA_SIZE + 1)
    space = page.locator(".sheet-question .write-space").first.bounding_box()
    assert space is not None and space["height"] >= 60, space
    save_screenshot(page, "interview-sheet-print")
    page.emulate_media(media="screen")
    expect(page.locator("header.site-header")).to_be_visible()

    # ---- schedule it ------------------------------------------------------------------
    page.get_by_role("link", name="← Back to the interview").click()
    page.wait_for_url(INTERVIEW_PAGE)
    page.get_by_label("For", exact=True).fill("2026-03-02T10:00")
    page.get_by_test_id("transition-scheduled").click()
    expect(page.get_by_test_id("interview-status")).to_have_text("Scheduled")
    expect(page.get_by_test_id("transition-completed")).to_be_visible()

    # ---- run it on a phone ------------------------------------------------------------
    page.set_viewport_size(PHONE)
    page.get_by_test_id("run-mode-link").click()
    page.wait_for_url(f"**/interviews/{first}/run")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"run mode is {width}px wide on a {PHONE['width']}px phone"
    page.get_by_test_id("run-clock-start").click()
    expect(page.get_by_test_id("run-clock")).to_have_class(re.compile(r"\brunning\b"))
    # The button says what pressing it now does.
    expect(page.get_by_test_id("run-clock-start")).to_have_text("Pause")
    page.get_by_test_id("run-clock-start").click()
    expect(page.get_by_test_id("run-clock-start")).to_have_text("Resume")
    page.get_by_test_id("run-clock-start").click()
    expect(page.get_by_test_id("run-clock-start")).to_have_text("Pause")

    skipped = TIARA_SIZE  # the last TIARA question: no time left for it
    ids = _type_answers(page, people[0], skip_number=skipped)
    page.get_by_test_id(f"mark-asked-{ids[0]}").click()
    expect(page.get_by_test_id(f"badge-{ids[0]}")).to_have_text("asked")
    skipped_id = ids[skipped - 1]
    page.get_by_test_id(f"mark-skipped-{skipped_id}").click()
    expect(page.get_by_test_id(f"badge-{skipped_id}")).to_have_text("skipped")
    expect(page.get_by_test_id(f"status-{skipped_id}")).to_have_text("Saved")

    referral = "Lena Conservator"
    capture = page.locator("#capture")
    capture.get_by_label("Name", exact=True).fill(referral)
    capture.get_by_label("Note", exact=True).fill("Runs the conservation lab; email first")
    page.get_by_test_id("add-referral").click()
    expect(page.get_by_test_id("capture-message")).to_contain_text(referral)
    referral_link = page.get_by_test_id("referral-list").get_by_role("link", name=referral)
    referral_id = int(referral_link.get_attribute("href").rsplit("/", 1)[1])
    page.evaluate("window.scrollTo(0, 0)")
    _screen_screenshot(page, "interview-run-phone")

    # What was typed survived: a reload shows it, and the API returns it.
    page.reload()
    for number, item_id in enumerate(ids, start=1):
        expected = "" if number == skipped else _answer(people[0], number)
        expect(page.get_by_test_id(f"notes-{item_id}")).to_have_value(expected)
    expect(page.get_by_test_id(f"badge-{skipped_id}")).to_have_text("skipped")
    saved = _agenda(api, first)
    assert [item["answer_notes"] for item in saved][:3] == [
        _answer(people[0], n) for n in (1, 2, 3)
    ]
    assert saved[skipped - 1]["skipped"] is True and saved[0]["asked"] is True

    page.get_by_test_id("complete-interview").click()
    page.wait_for_url(INTERVIEW_PAGE)
    expect(page.get_by_test_id("interview-status")).to_have_text("Completed")

    # After the meeting: summary, takeaways and ratings, written on the edit form.
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Write notes").click()
    page.wait_for_url(f"**/interviews/{first}/edit*")
    page.get_by_label("Summary (Markdown)").fill("Iris runs **loans** at the city museum.")
    page.get_by_label("Takeaways (Markdown)").fill("- learn a collection database\n- volunteer")
    page.get_by_label("How useful was it?").select_option("5")
    page.get_by_label("How confident do I feel about this career?").select_option("4")
    page.get_by_test_id("save-interview").click()
    page.wait_for_url(INTERVIEW_PAGE)
    expect(page.get_by_test_id("summary").locator("strong")).to_have_text("loans")
    expect(page.get_by_test_id("takeaways").locator("li")).to_have_count(2)
    expect(page.get_by_test_id("interview-status")).to_have_text("Completed")
    save_screenshot(page, "interview")

    # Completing recorded a meeting on Iris's timeline; Lena was introduced by Iris.
    page.goto(f"/contacts/{contact_ids[0]}")
    meeting = page.locator("#interactions li").first
    expect(meeting).to_contain_text("Meeting")
    expect(meeting).to_contain_text("Informational interview")
    expect(page.locator("#introduced")).to_contain_text(referral)
    page.goto(f"/contacts/{referral_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(referral)
    chain = [t.strip() for t in page.locator("#referral-chain li").all_inner_texts()]
    assert chain == [people[0], referral]

    # ---- two more interviews: set up through the API, the second run in the browser ----
    bank_id = _tiara_bank_id(api)
    second = _planned_interview(api, contact_ids[1], career_id, bank_id)
    _schedule(api, second, "2026-03-09T10:00:00+00:00")
    third = _planned_interview(api, contact_ids[2], career_id, bank_id)
    _schedule(api, third, "2026-03-16T10:00:00+00:00")

    page.set_viewport_size(PHONE)
    page.goto(f"/interviews/{second}/run")
    _type_answers(page, people[1])
    page.get_by_test_id("complete-interview").click()
    page.wait_for_url(INTERVIEW_PAGE)
    expect(page.get_by_test_id("interview-status")).to_have_text("Completed")

    _write_answers_through_api(api, third, people[2])
    _ok(api.post(f"/api/v1/interviews/{third}/status", json={"status": "completed"}))

    # ---- the three answers side by side -----------------------------------------------
    page.set_viewport_size(DESKTOP)
    page.goto(f"/careers/{career_id}")
    page.get_by_test_id("section-answers-link").click()
    page.wait_for_url(f"**/careers/{career_id}/answers")
    expect(page.get_by_test_id("answer-matrix")).to_be_visible()
    columns, rows = _matrix_cells(page.content())
    assert columns == [first, second, third]
    assert list(rows) == agenda
    assert rows[tiara[0]] == [_answer(person, 1) for person in people]
    assert rows[OWN_QUESTION] == [_answer(person, TIARA_SIZE + 1) for person in people]
    assert rows[tiara[skipped - 1]] == [
        "skipped",
        _answer(people[1], skipped),
        _answer(people[2], skipped),
    ]
    save_screenshot(page, "answer-matrix")

    csv_href = page.get_by_test_id("export-csv").get_attribute("href")
    exported = page.request.get(csv_href)
    assert exported.status == 200, exported.text()
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.text())))
    row = next(line for line in lines if line and line[0] == tiara[0])
    assert [_answer(person, 1) for person in people] == [
        cell for cell in row if cell.startswith(tuple(p.split()[0] for p in people))
    ]

    assert_clean_console(page)


# ---- the same through the API (what a curl script does) ---------------------------------


def test_interview_journey_through_the_api(live_server: LiveServer, api: httpx.Client) -> None:
    career = _ok(api.post("/api/v1/careers", json={"title": "Hospital pharmacy"}), 201)
    people = ["Omar Pharmacist", "Pia Technician", "Quinn Buyer"]
    contact_ids = [
        _ok(
            api.post("/api/v1/contacts", json={"full_name": name, "career_ids": [career["id"]]}),
            201,
        )["id"]
        for name in people
    ]
    bank_id = _tiara_bank_id(api)
    interview_ids = []
    for day, contact_id in zip((4, 11, 18), contact_ids, strict=True):
        interview_id = _planned_interview(api, contact_id, career["id"], bank_id)
        # The same bank again adds nothing: every question is already on the agenda.
        again = _ok(
            api.post(
                f"/api/v1/interviews/{interview_id}/questions/from-bank", json={"bank_id": bank_id}
            ),
            201,
        )
        assert again == {"added": [], "skipped_duplicates": TIARA_SIZE}
        # Completing straight from planned makes no sense: 409 naming what is allowed.
        refused = api.post(
            f"/api/v1/interviews/{interview_id}/status", json={"status": "completed"}
        )
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        _schedule(api, interview_id, f"2026-05-{day:02d}T15:30:00+02:00")
        interview_ids.append(interview_id)

    first = interview_ids[0]
    referral = _ok(
        api.post(f"/api/v1/interviews/{first}/referrals", json={"full_name": "Rosa Dispenser"}),
        201,
    )
    assert referral["introduced_by_id"] == contact_ids[0]
    for interview_id, person in zip(interview_ids, people, strict=True):
        _write_answers_through_api(api, interview_id, person)
        done = _ok(
            api.post(f"/api/v1/interviews/{interview_id}/status", json={"status": "completed"})
        )
        assert done["status"] == "completed" and done["allowed_transitions"] == []

    timeline = _ok(api.get("/api/v1/interactions", params={"contact_id": contact_ids[0]}))
    assert [i["kind"] for i in timeline["items"]] == ["meeting"]

    matrix = _ok(api.get(f"/api/v1/careers/{career['id']}/answers"))
    assert [c["interview_id"] for c in matrix["columns"]] == interview_ids
    assert [c["contact_name"] for c in matrix["columns"]] == people
    assert len(matrix["rows"]) == TIARA_SIZE + 1
    for number, row in enumerate(matrix["rows"], start=1):
        assert [cell["answer_notes"] for cell in row["cells"]] == [
            _answer(person, number) for person in people
        ], row["text"]
    own = matrix["rows"][-1]
    assert own["text"] == OWN_QUESTION and own["source_question_id"] is None
    assert all(row["source_question_id"] for row in matrix["rows"][:-1])

    exported = api.get(f"/api/v1/careers/{career['id']}/answers", params={"format": "csv"})
    assert exported.status_code == 200
    assert all(_answer(person, 1) in exported.text for person in people)
    markdown = api.get(f"/api/v1/interviews/{first}/notes.md")
    assert markdown.status_code == 200, markdown.text
    assert _answer(people[0], 1) in markdown.text
