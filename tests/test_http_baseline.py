"""The HTTP baseline every route gets: headers, errors, body limits, health, docs, schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.web import middleware
from tests.conftest import ApiClient

SECRET_DETAIL = "kaboom-internal-detail-7731"


@pytest.fixture
def boom_app(settings: Settings, engine: Engine) -> FastAPI:
    """The real app plus two test-only routes that raise, to see what a 500 looks like."""
    app = create_app(settings=settings, engine=engine)

    @app.get("/api/v1/test-boom")
    def api_boom() -> None:
        raise RuntimeError(SECRET_DETAIL)

    @app.get("/test-boom")
    def page_boom() -> None:
        raise RuntimeError(SECRET_DETAIL)

    return app


@pytest.fixture
def boom(boom_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(boom_app, raise_server_exceptions=False) as client:
        yield client


def _assert_security_headers(response: object, *, inline_styles: bool = False) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["content-security-policy"]
    directives = {
        part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()
    }
    script = directives.get("script-src") or directives["default-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    if not inline_styles:  # only /docs: Swagger UI styles its own elements inline
        assert "'unsafe-inline'" not in directives.get("style-src", "")
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["x-request-id"]


def _assert_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.text  # type: ignore[attr-defined]
    return body


# ---- security headers on every kind of response ------------------------------------------


def test_headers_on_200(api: ApiClient) -> None:
    _assert_security_headers(api.get("/api/v1/me"))


def test_headers_on_200_page(client: TestClient) -> None:
    response = client.get("/setup")
    assert response.status_code == 200
    _assert_security_headers(response)


def test_headers_on_404_405_422_and_500(boom: TestClient, api: ApiClient) -> None:
    for response in (
        boom.get("/api/v1/no-such-thing"),
        boom.get("/no-such-page"),
        boom.put("/api/v1/me"),
        api.patch("/api/v1/me", json={"timezone": "Mars/Olympus"}),
        boom.get("/api/v1/test-boom"),
        boom.get("/test-boom"),
    ):
        assert response.status_code in (404, 405, 422, 500)
        _assert_security_headers(response)


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123.x"}).headers[
        "x-request-id"
    ] == ("abc-123.x")
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith junk"})
    assert made.headers["x-request-id"] != "bad id\twith junk"
    assert re.fullmatch(r"[A-Za-z0-9._-]{8,64}", made.headers["x-request-id"])


def test_static_files_may_be_cached_but_keep_nosniff(client: TestClient) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers.get("cache-control") != "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


# ---- problem+json under /api --------------------------------------------------------------


def test_401_problem(client: TestClient) -> None:
    body = _assert_problem(client.get("/api/v1/me"), 401)
    assert "Bearer" in str(body["detail"])


def test_404_problem(api: ApiClient) -> None:
    _assert_problem(api.get("/api/v1/no-such-thing"), 404)
    _assert_problem(api.delete("/api/v1/tokens/2147483647"), 404)


def test_405_problem(api: ApiClient) -> None:
    response = api.put("/api/v1/me", json={})
    _assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


def test_422_problem_names_the_fields(api: ApiClient) -> None:
    body = _assert_problem(api.patch("/api/v1/me", json={"timezone": "Mars/Olympus"}), 422)
    assert [e["field"] for e in body["errors"]] == ["timezone"]  # type: ignore[union-attr]
    bad_json = api.patch(
        "/api/v1/me", content=b'{"display_name": ', headers={"Content-Type": "application/json"}
    )
    _assert_problem(bad_json, 422)
    nul = api.patch("/api/v1/me", json={"display_name": "a\x00b"})
    _assert_problem(nul, 422)
    huge = api.delete("/api/v1/tokens/99999999999999999999999")
    _assert_problem(huge, 422)


def test_400_problem_for_unknown_query_parameters(api: ApiClient) -> None:
    body = _assert_problem(api.get("/api/v1/me", params={"is_admin": "1"}), 400)
    assert body["errors"] == [{"field": "is_admin", "message": "unknown query parameter"}]


def test_429_problem(client: TestClient, settings: Settings) -> None:
    body = {"username": "ghost", "password": "wrong password!", "name": "x"}
    for _ in range(settings.login_free_failures):
        client.post("/api/v1/auth/token", json=body)
    response = client.post("/api/v1/auth/token", json=body)
    _assert_problem(response, 429)
    assert int(response.headers["retry-after"]) > 0


def test_max_in_flight_has_one_default_read_from_settings(
    settings: Settings, engine: Engine
) -> None:
    assert Settings.model_fields["max_in_flight"].default == 16
    assert not hasattr(middleware, "MAX_IN_FLIGHT")  # no second default in the middleware
    app = create_app(settings=settings.model_copy(update={"max_in_flight": 3}), engine=engine)
    baseline = next(m for m in app.user_middleware if m.cls is middleware.HttpBaseline)
    assert baseline.kwargs["max_in_flight"] == 3
    with pytest.raises(TypeError):
        middleware.HttpBaseline(app, max_body_bytes=1024, secure=False, allowed_hosts=frozenset())  # type: ignore[call-arg]


def test_500_problem_without_a_stack_trace(boom: TestClient) -> None:
    response = boom.get("/api/v1/test-boom")
    body = _assert_problem(response, 500)
    assert SECRET_DETAIL not in response.text
    assert "RuntimeError" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]


# ---- HTML errors for browsers, toasts for HTMX ----------------------------------------------


def test_browser_gets_an_html_error_page(boom: TestClient) -> None:
    for url, status in (("/no-such-page", 404), ("/test-boom", 500)):
        response = boom.get(url, headers={"Accept": "text/html"})
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.find("h1") is not None
        assert SECRET_DETAIL not in response.text and "Traceback" not in response.text


def test_htmx_request_gets_a_toast_instead_of_a_page(boom: TestClient) -> None:
    response = boom.get("/no-such-page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["hx-reswap"] == "none"
    assert "rapport:toast" in response.headers["hx-trigger"]


def test_pages_need_a_login_and_keep_where_you_were_going(client: TestClient, user: object) -> None:
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"
    htmx = client.get("/account", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["hx-redirect"].startswith("/login")


# ---- request size --------------------------------------------------------------------------


def test_oversized_body_with_content_length_is_413(api: ApiClient, settings: Settings) -> None:
    payload = b"x" * (settings.max_body_bytes + 1)
    response = api.post(
        "/api/v1/tokens", content=payload, headers={"Content-Type": "application/json"}
    )
    _assert_problem(response, 413)
    _assert_security_headers(response)


def test_oversized_chunked_body_is_413(api: ApiClient, settings: Settings) -> None:
    chunk = b"x" * 65536

    def stream() -> Iterator[bytes]:
        for _ in range(settings.max_body_bytes // len(chunk) + 2):
            yield chunk

    response = api.post(
        "/api/v1/tokens", content=stream(), headers={"Content-Type": "application/json"}
    )
    _assert_problem(response, 413)


def test_oversized_form_is_413_too(client: TestClient, settings: Settings) -> None:
    response = client.post(
        "/login",
        data={"username": "a", "password": "b" * (settings.max_body_bytes + 10)},
    )
    assert response.status_code == 413


# ---- health, settings, docs, schema ----------------------------------------------------------


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings, tmp_path: Path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'rapport.db'}")
    app = create_app(settings=settings, engine=broken)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    broken.dispose()


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({}, "RAPPORT_SECRET_KEY"),
        ({"secret_key": "k" * 48}, "RAPPORT_DATABASE_URL"),
        ({"database_url": "postgresql://db/rapport"}, "RAPPORT_SECRET_KEY"),
        ({"database_url": "postgresql://db/rapport", "secret_key": "short"}, "RAPPORT_SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_secret_and_database(
    changes: dict[str, str], complaint: str, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings(env="production", data_dir=tmp_path, **changes)


def test_production_with_secret_and_database_is_accepted(tmp_path: Path) -> None:
    settings = Settings(
        env="production",
        data_dir=tmp_path,
        secret_key="k" * 48,
        database_url="postgresql+psycopg://db/rapport",
    )
    assert settings.production_problems() == []


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = settings.effective_secret_key()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path / "data").effective_secret_key() == first
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0


def test_docs_are_served_from_vendored_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    refs = [t.get("src") or t.get("href") for t in soup.find_all(["script", "link"])]
    assert refs and all(ref.startswith("/static/") for ref in refs), refs
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
    assert not soup.find("script", src=False), "inline script on /docs"
    for ref in refs:
        assert client.get(ref).status_code == 200, ref
    _assert_security_headers(page, inline_styles=True)


def test_openapi_has_bearer_security_and_no_html_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
    assert schema["paths"], "the API has no paths?"
    assert all(path.startswith("/api/v1/") for path in schema["paths"]), [
        p for p in schema["paths"] if not p.startswith("/api/v1/")
    ]
    operation_ids = [
        op["operationId"]
        for item in schema["paths"].values()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operation_ids) == len(set(operation_ids)), "operation ids must be unique"
    me = schema["paths"]["/api/v1/me"]["get"]
    assert me["security"] and "401" in me["responses"] and "422" in me["responses"]
    token = schema["paths"]["/api/v1/auth/token"]["post"]
    assert token.get("security") == []


def test_the_conventional_favicon_address_points_at_the_icon(client):
    """Pages without an icon link (the API docs) make browsers ask /favicon.ico (issue 11)."""
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/static/favicon.svg"
    assert client.get("/favicon.ico").status_code == 200
