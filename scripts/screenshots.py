"""Retake the README's screenshots (docs/screenshots/) from a demo account with realistic data.

    .venv/bin/python scripts/screenshots.py                 # every picture
    .venv/bin/python scripts/screenshots.py search-results  # its group only (see SHOTS)

It migrates a new SQLite database in a temporary directory, creates the user ``maya`` with the
CLI, fills the account through the JSON API (careers, organizations, contacts with a referral
chain, interviews held over the last months with answers and ratings, follow-ups, a resume),
serves it with uvicorn on a free port and drives Debian's Chromium (``/usr/bin/chromium``)
through Playwright for the pictures, filling forms the way a person would where the picture
shows a form's answer (a new token, form errors, an import preview, run mode). Dates are
relative to today, so the charts and "due" lists look current.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
# Run as a file (scripts/ is not a package): the repository's own bench helpers come from ROOT.
sys.path.insert(0, str(ROOT))
from bench.faults.server import Instance  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
USER = "maya"
PASSWORD = "demo passphrase for screenshots"
ZONE = "America/Chicago"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

CAREERS = [
    {
        "title": "UX research",
        "industry": "Software",
        "status": "interviewing",
        "interest": 5,
        "research_notes": "## Basics\nMixed methods; a portfolio of **three case studies** "
        "matters more than a degree.\n\n## Paths in\nUsability testing, support, design.",
        "resources": [
            {
                "url": "https://www.nngroup.com/articles/",
                "title": "NN/g articles",
                "kind": "website",
            },
            {
                "url": "https://example.org/just-enough-research",
                "title": "Just Enough Research",
                "kind": "book",
            },
        ],
    },
    {
        "title": "Data analysis",
        "industry": "Healthcare",
        "status": "researching",
        "interest": 4,
        "research_notes": "SQL first, then a BI tool. Hospitals hire analysts for quality "
        "reporting.",
    },
    {
        "title": "Health informatics",
        "industry": "Healthcare",
        "status": "interested",
        "interest": 3,
    },
]
ORGANIZATIONS = [
    {
        "name": "Northwind Health",
        "website": "https://northwind.example",
        "industry": "Healthcare",
        "location": "Chicago, IL",
    },
    {
        "name": "Contoso Software",
        "website": "https://contoso.example",
        "industry": "Software",
        "location": "Remote",
    },
    {"name": "Fabrikam Analytics", "industry": "Consulting", "location": "Milwaukee, WI"},
    {"name": "Lakeside University", "industry": "Education", "location": "Evanston, IL"},
]
# name, title, organization, careers (indexes), tags, stage, introduced by (index), email
CONTACTS: list[tuple[str, str, int | None, list[int], list[str], str, int | None, str]] = [
    (
        "Priya Natarajan",
        "Senior UX researcher",
        1,
        [0],
        ["alumni", "mentor"],
        "in_network",
        None,
        "priya@contoso.example",
    ),
    (
        "Marcus Reed",
        "Research operations lead",
        1,
        [0],
        ["meetup"],
        "met",
        0,
        "marcus@contoso.example",
    ),
    (
        "Elena Vargas",
        "UX research manager",
        0,
        [0, 2],
        ["referral"],
        "met",
        1,
        "elena.vargas@northwind.example",
    ),
    ("Tom Becker", "Product designer", 1, [0], ["meetup"], "contacted", None, ""),
    (
        "Aisha Okafor",
        "Data analyst",
        0,
        [1],
        ["alumni"],
        "met",
        None,
        "aisha.okafor@northwind.example",
    ),
    ("Daniel Kim", "Analytics consultant", 2, [1], ["referral"], "met", 4, "dkim@fabrikam.example"),
    ("Grace Liu", "Clinical informatics nurse", 0, [2], ["alumni"], "contacted", 4, ""),
    (
        "Samuel Ortiz",
        "Professor of HCI",
        3,
        [0],
        ["mentor"],
        "in_network",
        None,
        "sortiz@lakeside.example",
    ),
    ("Hannah Fischer", "BI developer", 2, [1], [], "prospect", 5, ""),
    ("Jonah Park", "Career advisor", 3, [], ["alumni"], "met", None, "jpark@lakeside.example"),
]
# Interviews held: contact index, career index, days ago, confidence, usefulness, summary,
# answers (TIARA's questions in order; "" or a short list leaves the rest unanswered, None marks
# a question skipped).
HELD: list[tuple[int, int, int, int, int, str, list[str | None]]] = [
    (
        0,
        0,
        118,
        2,
        5,
        "Priya showed me her **research repository**; the work is more persuasion than method.",
        [
            "AI-assisted synthesis; teams run fewer but deeper studies.",
            "Research moved from a service desk to a seat in product planning.",
            "Unmoderated testing tools; repositories of past findings.",
            "Half the job is persuading people; the method is the easy part.",
            "A study that stopped a six-month project before it started.",
            "Presenting bad news to a VP without a clear recommendation.",
            "Run two small studies for a non-profit and write them up as case studies.",
            "Learn to recruit participants; it is the bottleneck everywhere.",
            "",
            "Just Enough Research; the NN/g newsletter.",
            "The local ResearchOps meetup.",
            None,
            "Usability tests, interviews, a diary study a quarter.",
        ],
    ),
    (
        1,
        0,
        61,
        3,
        4,
        "Marcus runs research operations: panels, consent, tools. He offered an "
        "introduction to Elena.",
        [
            "Research operations as its own role: consent, panels, tooling.",
            "From two researchers to a team of twelve in five years.",
            "Participant panels built in-house.",
            "Good research ops makes every researcher twice as fast.",
            "Launching the participant panel: 2,000 sign-ups in a month.",
            "Legal review of consent forms across three countries.",
            "Shadow a research ops person for a week; Marcus offered to introduce me to Elena.",
            "Get comfortable with spreadsheets and scheduling tools.",
            "If they can run a study end to end without help.",
            "The ResearchOps community Slack.",
            "ResearchOps meetup; UXPA.",
        ],
    ),
    (
        2,
        0,
        19,
        4,
        5,
        "Elena hires juniors: a **portfolio** of two case studies and basic SQL "
        "would make me a candidate.",
        [
            "Teams expect researchers to read SQL and product analytics, not only interviews.",
            "Quant and qual are merging; surveys at scale are normal now.",
            "Product analytics dashboards next to interview notes.",
            "Hiring managers look at how you framed the question, not the deliverable.",
            "Changing a patient portal after watching five nurses use it.",
            "A study nobody acted on: she learned to bring stakeholders in early.",
            "Apply for the junior researcher opening in January; she will refer me.",
            "Finish the second case study and add SQL to the portfolio.",
            "Can they turn a vague request into a research question?",
            "Observing the User Experience.",
            "UXPA Chicago.",
            "A short SQL course.",
            "Discovery interviews, concept tests, usability benchmarks.",
            "Redesign the clinic check-in form and test it with five people.",
        ],
    ),
    (
        4,
        1,
        95,
        3,
        4,
        "Aisha builds quality dashboards for the wards; clinicians are her customers.",
        [
            "Hospitals want analysts who can talk to clinicians.",
            "Everything moved to a cloud warehouse; Excel is for the last mile.",
            "",
            "Knowing the data model beats knowing every tool.",
            "",
            "",
            "Take the SQL for health data course; build one quality dashboard.",
            "Practice explaining a chart to someone outside data.",
        ],
    ),
    (
        5,
        1,
        34,
        3,
        3,
        "Daniel's clients want self-service reporting; consulting means travel.",
        [
            "Consultancies bundle analytics with strategy work.",
            "Clients ask for self-service BI rather than reports.",
            "",
            "The hardest part is getting clean data out of old systems.",
            "",
            "",
            "Build a portfolio with public health data sets.",
        ],
    ),
]
UPCOMING = (7, 0, 5)  # contact, career, in days: run mode shows this one
TAKEAWAYS = [
    "- write the second case study\n- learn enough SQL to read a dashboard",
    "- take the SQL for health data course\n- build one quality dashboard from public data",
]
IMPORT_SHEET = (
    "Full name;E-mail;Company;Job title;Met at\n"
    "Olivia Brown;olivia.brown@example.com;Northwind Health;Nurse manager;alumni dinner\n"
    "Rahul Mehta;rahul@contoso.example;Contoso Software;Staff designer;meetup\n"
    ";no-name@example.com;;;\n"
    "Priya Natarajan;priya@contoso.example;Contoso Software;Senior UX researcher;\n"
    "Lena Novak;lena.novak@example.org;Fabrikam Analytics;Data engineer;conference\n"
)
REJECTED_CONNECTIONS = (
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Noah,Silva,https://www.linkedin.com/in/noah-silva,noah-at-example,Contoso,PM,03 Jan 2026\n"
)


class Api:
    """The JSON API as the demo user; every call must succeed."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.client.request(method, f"/api/v1{url}", **kwargs)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:400]}")
        return response.json() if response.content else None


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _ticked(checklist: list[dict[str, Any]], done: int) -> list[dict[str, Any]]:
    """The interview's checklist with its first ``done`` steps ticked."""
    return [{**step, "done": index < done} for index, step in enumerate(checklist)]


def seed(api: Api) -> dict[str, Any]:
    """Fill Maya's account; returns the ids the pictures need."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    api.call(
        "PATCH",
        "/me",
        json={
            "timezone": ZONE,
            "display_name": "Maya Chen",
            "email": "maya.chen@example.com",
        },
    )
    careers = [api.call("POST", "/careers", json=body)["id"] for body in CAREERS]
    orgs = [api.call("POST", "/organizations", json=body)["id"] for body in ORGANIZATIONS]
    contacts: list[int] = []
    for name, title, org, career_ix, tags, stage, introducer, email in CONTACTS:
        body: dict[str, Any] = {
            "full_name": name,
            "title": title,
            "organization_id": orgs[org] if org is not None else None,
            "career_ids": [careers[i] for i in career_ix],
            "tags": tags,
            "stage": stage,
            "stay_in_touch_days": 60 if stage in ("met", "in_network") else None,
        }
        if email:
            body["email"] = email
        if introducer is not None:
            body["introduced_by_id"] = contacts[introducer]
        contacts.append(api.call("POST", "/contacts", json=body)["id"])
    api.call(
        "PATCH",
        f"/contacts/{contacts[2]}",
        json={
            "phone": "(312) 555-0187",
            "linkedin_url": "linkedin.com/in/elena-vargas",
            "location": "Chicago, IL",
            "how_we_met": "Marcus Reed introduced us after our interview",
            "notes": "Hires **junior researchers** each January. Prefers video calls on Fridays.",
        },
    )
    for contact_ix, kind, days, summary in (
        (0, "email", 130, "Asked for 30 minutes to learn about UX research"),
        (2, "email", 26, "Marcus's introduction; asked for a video call"),
        (2, "message", 4, "Shared the clinic check-in case study draft"),
        (0, "message", 40, "Sent the case study she suggested; she replied with notes"),
        (3, "email", 12, "First note after the meetup"),
        (6, "call", 75, "Short call about night-shift informatics work"),
        (9, "meeting", 150, "Career office: mapped which alumni to contact"),
    ):
        api.call(
            "POST",
            "/interactions",
            json={
                "contact_id": contacts[contact_ix],
                "kind": kind,
                "occurred_at": _iso(now - timedelta(days=days)),
                "summary": summary,
            },
        )

    builtin = api.call("GET", "/question-banks", params={"scope": "builtin", "q": "TIARA"})
    tiara = next(b["id"] for b in builtin["items"] if b["name"] == "TIARA")
    bank = api.call("POST", f"/question-banks/{tiara}/copy")["id"]
    api.call(
        "POST",
        f"/question-banks/{bank}/questions",
        json={
            "text": "What surprised you in your first year?",
            "category": "insights",
            "tags": ["early career"],
            "why_ask": "The gap between expectation and reality is what a newcomer needs most.",
        },
    )

    interviews: list[int] = []
    for contact_ix, career_ix, days, confidence, usefulness, summary, answers in HELD:
        held = now - timedelta(days=days)
        made = api.call(
            "POST",
            "/interviews",
            json={
                "contact_id": contacts[contact_ix],
                "career_id": careers[career_ix],
                "status": "scheduled",
                "scheduled_at": _iso(held),
                "requested_at": _iso(held - timedelta(days=9)),
                "mode": "video",
            },
        )
        interview = made["id"]
        agenda = api.call(
            "POST", f"/interviews/{interview}/questions/from-bank", json={"bank_id": tiara}
        )["added"]
        padded = [*answers, *[""] * (len(agenda) - len(answers))]
        for item, answer in zip(agenda, padded, strict=True):
            url = f"/interviews/{interview}/questions/{item['id']}"
            change = {"skipped": True} if answer is None else {"answer_notes": answer}
            if answer:
                change["asked"] = True
            if answer != "":
                api.call("PATCH", url, json=change, headers={"If-Match": '"v1"'})
        api.call("POST", f"/interviews/{interview}/status", json={"status": "completed"})
        api.call(
            "PATCH",
            f"/interviews/{interview}",
            json={
                "confidence": confidence,
                "usefulness": usefulness,
                "summary": summary,
                "takeaways": TAKEAWAYS[career_ix],
                "checklist": _ticked(made["checklist"], len(made["checklist"]) - (days < 30)),
            },
        )
        interviews.append(interview)

    elena = interviews[2]
    api.call(
        "PATCH",
        f"/interviews/{elena}",
        json={
            "research_links": [
                {
                    "url": "https://northwind.example/patient-portal",
                    "title": "Northwind's patient portal redesign",
                    "read_on": (now - timedelta(days=22)).date().isoformat(),
                }
            ],
            "promises": [
                {"text": "Send my resume before the January opening", "by": "me"},
                {"text": "Forward the ResearchOps salary survey", "by": "them", "done": True},
            ],
        },
    )
    contact_ix, career_ix, days = UPCOMING
    made = api.call(
        "POST",
        "/interviews",
        json={
            "contact_id": contacts[contact_ix],
            "career_id": careers[career_ix],
            "status": "scheduled",
            "scheduled_at": _iso(now + timedelta(days=days, hours=3)),
            "mode": "in_person",
            "location": "Lakeside University, room 204",
        },
    )
    upcoming = made["id"]
    api.call("PATCH", f"/interviews/{upcoming}", json={"checklist": _ticked(made["checklist"], 3)})
    api.call("POST", f"/interviews/{upcoming}/questions/from-bank", json={"bank_id": tiara})
    api.call(
        "POST",
        "/interviews",
        json={
            "contact_id": contacts[6],
            "career_id": careers[2],
            "status": "requested",
            "requested_at": _iso(now - timedelta(days=3)),
        },
    )

    # Completing made thank-yous (to the person and to whoever introduced them): all were
    # sent but the latest interview's.
    open_tasks = api.call("GET", "/follow-ups", params={"status": "open", "limit": 100})
    for task in open_tasks["items"]:
        if task["interview_id"] != elena or task["kind"] != "thank_you":
            api.call("POST", f"/follow-ups/{task['id']}/done", json={})
    api.call(
        "POST",
        "/follow-ups",
        json={
            "contact_id": contacts[2],
            "kind": "send_resume",
            "due_at": _iso(now + timedelta(days=2)),
            "subject": "Send Elena my resume",
        },
    )
    api.call(
        "PUT",
        "/me/job-search",
        json={
            "status": "searching",
            "note": "Junior UX research roles in Chicago",
        },
    )
    api.call(
        "POST",
        "/resumes",
        data={"label": "UX research, autumn"},
        files={
            "file": (
                "maya-chen-resume.md",
                b"# Maya Chen\n\nUX research, usability testing, SQL.\n",
                "text/markdown",
            ),
        },
    )
    return {
        "careers": careers,
        "contacts": contacts,
        "bank": bank,
        "upcoming": upcoming,
        "interviews": interviews,
    }


Shot = Callable[[Any, dict[str, Any], Path], None]


def _save(page: Any, out: Path, name: str, *, full_page: bool = True, part: Any = None) -> None:
    """The whole page (``full_page``), the window, or one element (``part``, a locator)."""
    path = out / f"{name}.png"
    if part is not None:
        part.screenshot(path=str(path), caret="initial", animations="disabled")
    else:
        page.screenshot(path=str(path), full_page=full_page, caret="initial", animations="disabled")
    print(f"  {path}")


def _settled(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def _goto(page: Any, url: str) -> None:
    response = page.goto(url)
    if response is None or response.status != 200:
        raise SystemExit(f"{url}: {response.status if response else 'no response'}")
    _settled(page)


def shot_pages(page: Any, ids: dict[str, Any], out: Path) -> None:
    careers, contacts = ids["careers"], ids["contacts"]
    for url, name in (
        ("/", "dashboard"),
        ("/careers", "careers"),
        ("/contacts", "contacts"),
        ("/interviews?tab=all", "interviews"),
        ("/question-banks", "question-banks"),
        (f"/question-banks/{ids['bank']}", "question-bank"),
        (f"/contacts/{contacts[2]}", "contact-detail"),
        (f"/interviews/{ids['interviews'][2]}", "interview"),
        (f"/careers/{careers[0]}/answers", "answer-matrix"),
        (f"/careers/{careers[0]}", "career-progress"),
    ):
        _goto(page, url)
        _save(page, out, name)
    _goto(page, "/")
    page.locator("details.chart-numbers summary").click()
    _save(page, out, "dashboard-progress", part=page.locator("section.progress"))


def shot_contacts_search(page: Any, ids: dict[str, Any], out: Path) -> None:
    _goto(page, "/contacts")
    page.get_by_label("Search", exact=True).press_sequentially("contoso", delay=30)
    page.wait_for_url("**/contacts?*q=contoso*")
    _settled(page)
    _save(page, out, "contacts-search")


def shot_search(page: Any, ids: dict[str, Any], out: Path) -> None:
    _goto(page, "/search")
    page.locator("#search-page-q").press_sequentially("portfolio", delay=30)
    page.wait_for_url("**/search?*q=portfolio*")
    page.locator('[data-testid="search-hit"] mark').first.wait_for()
    _settled(page)
    _save(page, out, "search-results")


def shot_account(page: Any, ids: dict[str, Any], out: Path) -> None:
    _goto(page, "/account")
    _save(page, out, "account")
    page.get_by_label("Token name").fill("laptop script")
    page.get_by_role("button", name="Create token").click()
    page.get_by_test_id("new-token").wait_for()
    _settled(page)
    _save(page, out, "account-new-token")
    page.get_by_role("link", name="Change your job-search status").click()
    page.wait_for_url("**/job-search")
    _settled(page)
    _save(page, out, "job-search")


def shot_contact_form_errors(page: Any, ids: dict[str, Any], out: Path) -> None:
    _goto(page, "/contacts/new")
    page.locator("#f-full_name").fill("Rahul Mehta")
    page.locator("#f-organization").fill("Contoso Softwre")
    page.locator("#f-email").fill("rahul@")
    page.locator("#f-phone").fill("555-01")
    page.locator("#f-stay_in_touch_days").fill("every month")
    page.get_by_role("button", name="Add contact").click()
    page.locator(".form-errors").wait_for()
    _settled(page)
    _save(page, out, "contact-form-errors")


def shot_import(page: Any, ids: dict[str, Any], out: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rapport-shots-"))
    sheet = folder / "alumni-contacts.csv"
    sheet.write_text(IMPORT_SHEET, encoding="utf-8")
    _goto(page, "/import-export#import-any")
    page.locator("#f-any-file").set_input_files(str(sheet))
    page.locator("#import-any-form").get_by_role("button", name="Preview").click()
    page.wait_for_url("**/import-export/preview")
    _settled(page)
    _save(page, out, "import-preview")
    connections = folder / "Connections.csv"
    connections.write_text(REJECTED_CONNECTIONS, encoding="utf-8")
    _goto(page, "/import-export")
    page.locator("#f-file").set_input_files(str(connections))
    page.locator("#import-linkedin").get_by_role("button", name="Upload").click()
    page.locator("#import-linkedin ~ * table, .import-result table").first.wait_for()
    _settled(page)
    _save(page, out, "import-export")


def shot_phone(page: Any, ids: dict[str, Any], out: Path) -> None:
    page.set_viewport_size(PHONE)
    _goto(page, "/contacts")
    _save(page, out, "contacts-phone")
    _goto(page, f"/interviews/{ids['upcoming']}/run")
    page.get_by_test_id("run-clock-start").click()
    items = page.get_by_test_id("run-item")
    for index, note in enumerate(
        (
            "Hiring slowed, but teams want researchers who can read analytics.",
            "Remote studies are now the default; in-person labs are rare.",
        )
    ):
        item_id = items.nth(index).get_attribute("data-item-id")
        page.get_by_test_id(f"notes-{item_id}").fill(note)
        page.get_by_test_id(f"status-{item_id}").filter(has_text="Saved").wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    _save(page, out, "interview-run-phone", full_page=False)
    page.set_viewport_size(DESKTOP)


def shot_login(page: Any, ids: dict[str, Any], out: Path) -> None:
    page.context.clear_cookies()
    _goto(page, "/login")
    _save(page, out, "login")


# In this order: the login picture signs the browser out, so it comes last.
SHOTS: dict[str, tuple[tuple[str, ...], Shot]] = {
    "pages": (
        (
            "dashboard",
            "careers",
            "contacts",
            "interviews",
            "question-banks",
            "question-bank",
            "contact-detail",
            "interview",
            "answer-matrix",
            "career-progress",
            "dashboard-progress",
        ),
        shot_pages,
    ),
    "contacts-search": (("contacts-search",), shot_contacts_search),
    "search": (("search-results",), shot_search),
    "account": (("account", "account-new-token", "job-search"), shot_account),
    "form-errors": (("contact-form-errors",), shot_contact_form_errors),
    "import": (("import-preview", "import-export"), shot_import),
    "phone": (("contacts-phone", "interview-run-phone"), shot_phone),
    "login": (("login",), shot_login),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = sorted(name for pictures, _ in SHOTS.values() for name in pictures)
    parser.add_argument("only", nargs="*", metavar="NAME", help=f"any of: {', '.join(names)}")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    args = parser.parse_args()
    unknown = set(args.only) - set(names)
    if unknown:
        parser.error(f"unknown picture(s): {', '.join(sorted(unknown))}")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rapport-shots-") as tmp:
        # The throwaway instance the fault runs use: its own data directory, `rapport serve`.
        instance = Instance(Path(tmp))
        instance.command("migrate")
        instance.command("create-user", USER, "--admin", "--password-stdin", stdin=PASSWORD)
        token = instance.command("create-token", USER, "--name", "screenshots").split()[-1]
        with instance.running(Path(tmp) / "server.log") as server:
            take_all(server.base_url, token, args.only, args.out)


def take_all(base_url: str, token: str, only: list[str], out: Path) -> None:
    """Seed the demo account through the API, then take the pictures ``only`` names (all)."""
    from playwright.sync_api import sync_playwright

    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        ids = seed(Api(client))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            base_url=base_url, viewport=DESKTOP, timezone_id=ZONE, locale="en-US"
        )
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _goto(page, "/login")
        page.get_by_label("Username").fill(USER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base_url}/")
        for pictures, take in SHOTS.values():
            if not only or set(pictures) & set(only):
                take(page, ids, out)
        browser.close()
    if errors:
        raise SystemExit("the pages raised errors:\n" + "\n".join(errors))


if __name__ == "__main__":
    main()
