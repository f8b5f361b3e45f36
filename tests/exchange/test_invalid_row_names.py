"""An invalid row of an import preview shows the name the file gives it (API and page), so the
user can tell which row to fix; a row without any name shows none."""

from __future__ import annotations

from typing import Any

import pytest

from app.exchange.newcontacts.service import MAX_SHOWN_NAME
from tests.conftest import ApiClient, WebClient
from tests.exchange.conftest import FIRST_LINE, connections_csv, person
from tests.exchange.test_any_import import post
from tests.exchange.test_preview_views import PREVIEW, rows, upload

LONG_NAME = "Ada " + "x" * 300


def _vcard(*properties: str) -> str:
    return (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(f"{p}\r\n" for p in properties) + "END:VCARD\r\n"
    )


@pytest.mark.parametrize(
    ("text", "line", "name"),
    [
        # Any CSV: the name column, then the first and last name columns.
        ("Full Name,E-mail\nAda Lovelace,not-an-email\n", 2, "Ada Lovelace"),
        ("First name,Last name,E-mail\nAda,Lovelace,not-an-email\n", 2, "Ada Lovelace"),
        # vCard: FN, else N (given, additional, family).
        (_vcard("FN:Katherine Johnson", "EMAIL:not-an-email"), 1, "Katherine Johnson"),
        (_vcard("N:Vaughan;Dorothy;;;", "EMAIL:not-an-email"), 1, "Dorothy Vaughan"),
        # Google: Name, else its parts.
        (
            "Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value\n"
            "Mary Jackson,Mary,Jackson,* Work,not-an-email\n",
            2,
            "Mary Jackson",
        ),
        # LinkedIn: First Name and Last Name.
        (
            connections_csv([person("Grace", "Hopper", "grace", email="not-an-email")]),
            FIRST_LINE,
            "Grace Hopper",
        ),
        # A name refused for its length still names the row, cut to a contact name's length.
        (
            f"Full Name,E-mail\n{LONG_NAME},ada@example.org\n",
            2,
            LONG_NAME[: MAX_SHOWN_NAME - 1] + "…",
        ),
        # No name at all: nothing to show but the line and the reason.
        ("Full Name,E-mail\n,nameless@example.org\n", 2, ""),
    ],
)
def test_preview_names_the_invalid_row(api: ApiClient, text: str, line: int, name: str) -> None:
    preview = post(api, text, "contacts.vcf" if text.startswith("BEGIN") else "contacts.csv")
    assert preview.status_code == 200, preview.text
    (item,) = preview.json()["items"]
    assert (item["line"], item["status"], item["full_name"]) == (line, "invalid", name)
    assert item["reasons"]


def test_commit_of_a_file_with_a_named_invalid_row_leaves_it_out(api: ApiClient) -> None:
    text = "Full Name,E-mail\nAda Lovelace,ada@example.org\nBad Email,not-an-email\n"
    done = post(api, text, dry_run="false")
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["created"], body["invalid"]) == (1, 1)
    assert [(i["status"], i["full_name"]) for i in body["items"]] == [
        ("new", "Ada Lovelace"),
        ("invalid", "Bad Email"),
    ]


def test_preview_page_names_the_invalid_row(web: WebClient) -> None:
    uploaded = upload(web, "Person;Mail\nAda Lovelace;ada@example.org\nBad Email;not-an-email\n")
    assert uploaded.status_code == 303
    listed: dict[int, dict[str, Any]] = rows(web.get(PREVIEW).text)
    assert listed[3]["status"] == "invalid" and not listed[3]["checkbox"]
    assert listed[3]["name"] == "Bad Email"
    assert "email" in listed[3]["note"].casefold()


@pytest.mark.parametrize(
    ("header", "row", "reason"),
    [
        ("Full Name,E-mail", ",a@example.org", "'Full Name' is empty"),
        (
            "First name,Last name,E-mail",
            ",,a@example.org",
            "'First name' and 'Last name' are empty",
        ),
    ],
)
def test_a_nameless_row_says_which_columns_are_empty_in_number(
    api: ApiClient, header: str, row: str, reason: str
) -> None:
    preview = post(api, f"{header}\n{row}\n")
    (item,) = preview.json()["items"]
    assert any(reason in r for r in item["reasons"]), item["reasons"]
