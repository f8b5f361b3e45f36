"""Forms: numbers typed into them, the version field, and the one HTML write flow."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from fastapi.responses import HTMLResponse, Response

from app.errors import Conflict, FieldError, Invalid, NotFound, PayloadTooLarge, PreconditionFailed
from app.validation import small_int
from app.web.forms import form_version
from app.web.pages import STALE_MESSAGE, confirm_delete, save_form
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
    for damaged in ("²", "", "abc", "-1", "1.0", b"3", 3.0):
        with pytest.raises(Invalid):
            form_version(damaged)


def test_unicode_digits_in_a_page_query_are_not_a_crash(web: WebClient, api: ApiClient) -> None:
    bank = api.post("/api/v1/question-banks", json={"name": "Mine"}).json()
    page = web.get(f"/question-banks/{bank['id']}", params={"edit": "²"})
    assert page.status_code in (200, 422)


# ---- save_form and confirm_delete: the one HTML write flow ------------------------------


class FakeSession:
    """Counts rollbacks: the flow must undo a refused write before re-rendering."""

    def __init__(self) -> None:
        self.rollbacks = 0

    def rollback(self) -> None:
        self.rollbacks += 1


def _raise(exc: Exception) -> NoReturn:
    raise exc


def _form(shown: list[Any]) -> Any:
    def render(errors: Any) -> Response:
        shown.append(errors)
        return HTMLResponse("form")

    return render


def test_save_form_redirects_or_answers_the_success_response() -> None:
    db: Any = FakeSession()
    response = save_form(db, lambda: 7, done=lambda n: f"/things/{n}", invalid=_form([]))
    assert (response.status_code, response.headers["location"]) == (303, "/things/7")
    fragment = save_form(
        db, lambda: 7, success=lambda n: HTMLResponse(f"<li>{n}</li>"), invalid=_form([])
    )
    assert (fragment.status_code, fragment.body) == (200, b"<li>7</li>")
    assert db.rollbacks == 0
    with pytest.raises(TypeError):
        save_form(db, lambda: 7, invalid=_form([]))


@pytest.mark.parametrize(
    ("error", "status", "shown"),
    [
        (Invalid.one("name", "Required."), 422, {"name": "Required."}),
        (PayloadTooLarge(detail="Too big."), 422, {"form": "Too big."}),
        (PreconditionFailed(), 409, {"form": STALE_MESSAGE}),
        (Conflict(detail="Already there."), 409, {"form": "Already there."}),
    ],
)
def test_a_refused_save_rolls_back_and_re_renders_the_form(
    error: Exception, status: int, shown: dict[str, str]
) -> None:
    db: Any = FakeSession()
    rendered: list[Any] = []
    response = save_form(db, lambda: _raise(error), done=lambda _: "/", invalid=_form(rendered))
    assert (response.status_code, rendered, db.rollbacks) == (status, [shown], 1)


def test_stale_and_conflict_callbacks_and_every_problem_when_asked() -> None:
    db: Any = FakeSession()
    stale = save_form(
        db,
        lambda: _raise(PreconditionFailed()),
        done=lambda _: "/",
        invalid=_form([]),
        stale=lambda: HTMLResponse("newer version"),
    )
    assert (stale.status_code, stale.body) == (409, b"newer version")
    problems: list[Any] = []
    error = Invalid(
        detail="2 problems", errors=[FieldError("row 2", "a"), FieldError("row 2", "b")]
    )
    response = save_form(db, lambda: _raise(error), done=lambda _: "/", problems=_form(problems))
    assert response.status_code == 422 and problems == [error]
    assert db.rollbacks == 2


def test_other_errors_propagate_to_the_error_pages() -> None:
    with pytest.raises(NotFound):
        save_form(
            FakeSession(),  # type: ignore[arg-type]
            lambda: _raise(NotFound()),
            done=lambda _: "/",
            invalid=_form([]),
        )


@pytest.mark.parametrize(
    ("version", "error", "status"),
    [("3", None, 303), ("x", None, 422), ("3", PreconditionFailed(), 409), ("3", Conflict(), 409)],
)
def test_confirm_delete_reads_the_version_one_way(
    version: str, error: Exception | None, status: int
) -> None:
    db: Any = FakeSession()
    seen: list[int | None] = []

    def delete(expected: int | None) -> None:
        seen.append(expected)
        if error is not None:
            raise error

    response = confirm_delete(
        db, version, delete, refused=lambda why: HTMLResponse(why), done="/things"
    )
    assert response.status_code == status
    assert seen == ([] if version == "x" else [3])
    assert db.rollbacks == (0 if status == 303 else 1)
