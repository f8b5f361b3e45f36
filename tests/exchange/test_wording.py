"""Counts in the import messages and the command line read right in the singular and the
plural ("1 contact", "1 more problem", "1 link ... was left empty"), on the command line
and on the account import page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from app.auth.models import User
from app.cli import app as cli_app
from app.errors import FieldError
from app.exchange.newcontacts.service import refused
from app.wording import plural
from tests.conftest import WebClient


@pytest.mark.parametrize(
    ("count", "words", "expected"),
    [
        (0, ("contact",), "0 contacts"),
        (1, ("contact",), "1 contact"),
        (2, ("contact",), "2 contacts"),
        (1, ("entry", "entries"), "1 entry"),
        (3, ("entry", "entries"), "3 entries"),
    ],
)
def test_plural(count: int, words: tuple[str, ...], expected: str) -> None:
    assert plural(count, *words) == expected


def test_a_refused_file_counts_its_problems_in_the_right_number() -> None:
    one = refused([FieldError("row 2: email", "Not an email.")], max_reported=10)
    assert one.detail.startswith("The file has 1 problem, so nothing was imported.")
    problems = [FieldError(f"row {n}: email", "Not an email.") for n in range(2, 5)]
    cut = refused(problems, max_reported=2)
    assert cut.detail.startswith("The file has 3 problems,")
    assert cut.errors[-1].message == "... and 1 more problem"
    assert refused(problems, max_reported=1).errors[-1].message == "... and 2 more problems"


def _one_link_outside() -> dict[str, Any]:
    """A version 1 export whose one agenda item comes from a bank the file does not hold."""
    return {
        "format": "rapport.export",
        "version": 1,
        "exported_at": "2025-01-01T00:00:00+00:00",
        "account": {"username": "old", "timezone": "Europe/Paris"},
        "careers": [],
        "organizations": [],
        "tags": [],
        "contacts": [{"id": 4, "full_name": "Ada"}],
        "interactions": [],
        "question_banks": [],
        "interviews": [
            {
                "id": 6,
                "contact_id": 4,
                "status": "completed",
                "agenda": [{"id": 1, "text": "Elsewhere?", "source_question_id": 4242}],
            }
        ],
        "counts": {},
    }


def test_account_import_command_says_one_link_was_left_empty(
    tmp_path: Path,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    monkeypatch.setenv("RAPPORT_DATABASE_URL", database_url)
    from app.config import get_settings

    get_settings.cache_clear()
    make_user("olga")
    path = tmp_path / "export.json"
    path.write_bytes(orjson.dumps(_one_link_outside()))
    try:
        result = CliRunner().invoke(cli_app, ["import-account", str(path), "--user", "olga"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "into olga: 1 contact, 1 interview, 1 agenda item\n" in result.output
    assert "1 link to banks outside the file was left empty" in result.output


def test_account_import_page_words_each_count(
    make_user: Callable[..., User], web_client_for: Callable[..., WebClient]
) -> None:
    web = web_client_for(make_user("petra"))
    files = {"file": ("export.json", orjson.dumps(_one_link_outside()), "application/json")}
    response = web.post("/import-export/account", files=files, follow_redirects=False)
    assert response.status_code == 303
    page = BeautifulSoup(web.get(response.headers["location"]).text, "html.parser")
    summary = page.find(attrs={"data-testid": "account-imported"})
    assert summary is not None
    items = [li.get_text(" ", strip=True) for li in summary.find_all("li")]
    assert items == ["1 contact", "1 interview", "1 agenda item"]
