"""Numbers typed into forms and query strings: only plain ASCII digits are numbers."""

from __future__ import annotations

import pytest

from app.errors import Invalid
from app.web.forms import form_version, small_int
from tests.conftest import ApiClient, WebClient


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        ("000012", 12),
        ("123456789", 123456789),
        ("", None),
        (None, None),
        ("²", None),
        ("١٢", None),
        ("1234567890", None),
        ("-1", None),
        ("1.0", None),
        (" 3", None),
    ],
)
def test_small_int(raw: str | None, expected: int | None) -> None:
    assert small_int(raw) == expected


def test_a_damaged_version_is_invalid_not_a_crash() -> None:
    assert form_version(None) is None
    assert form_version("3") == 3
    with pytest.raises(Invalid):
        form_version("²")


def test_unicode_digits_in_a_page_query_are_not_a_crash(web: WebClient, api: ApiClient) -> None:
    bank = api.post("/api/v1/question-banks", json={"name": "Mine"}).json()
    page = web.get(f"/question-banks/{bank['id']}", params={"edit": "²"})
    assert page.status_code in (200, 422)
