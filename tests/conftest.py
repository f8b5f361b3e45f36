"""Fixtures every suite shares: a database per worker (SQLite or PostgreSQL), the app,
users and tokens, an API client with a bearer token, and a browser-like client with CSRF."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from app.auth import models as auth_models
from app.auth import service as auth_service
from app.auth.models import User
from app.auth.schemas import UserCreate
from app.config import Settings
from app.db import make_engine, open_session
from app.main import create_app
from app.questions.starter.service import ensure_starter_banks
from app.registry import import_all_models
from app.tokens import service as tokens_service
from app.tokens.schemas import TokenCreate
from tests.statements import forget_credentials

IN_CI = os.environ.get("CI", "").lower() == "true"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "correct horse battery staple"


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing dependency skips with a reason; in CI it fails the run."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember every skip (xdist hands workers' reports to the controller too)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CI=true a skipped test fails the run: every suite must run somewhere."""
    if IN_CI and _SKIPPED and exitstatus == 0 and not hasattr(session.config, "workerinput"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if IN_CI and _SKIPPED:
        terminalreporter.write_line(
            f"CI=true: {len(_SKIPPED)} test(s) skipped, which fails the run; mark a test that "
            "belongs to one database 'postgres' or 'sqlite' instead: " + ", ".join(_SKIPPED[:5]),
            red=True,
        )


def backend() -> str:
    """Which database this run uses: RAPPORT_TEST_DB=sqlite (default) or postgres."""
    return os.environ.get("RAPPORT_TEST_DB", "sqlite")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` belong to the PostgreSQL run and tests marked ``sqlite`` to
    the SQLite run: deselected (not skipped) in the other, so a CI run's skip count stays zero."""
    other = "sqlite" if backend() == "postgres" else "postgres"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url() -> str:
    """A database of this worker's own on the test server, created when missing."""
    base = os.environ.get("RAPPORT_TEST_DATABASE_URL", DEFAULT_PG_URL)
    admin = make_engine(base)
    # One database per test process, so parallel runs (xdist workers, several developers'
    # runs on one machine) never truncate each other's tables.
    name = f"rapport_test_{_worker()}_{os.getpid()}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is down or unreachable
        skip_or_fail(f"PostgreSQL is not reachable at {base}: {exc.__class__.__name__}")
    finally:
        admin.dispose()
    return re.sub(r"/[^/]*$", f"/{name}", base)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend() == "postgres":
        return _postgres_url()
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'rapport.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    import_all_models()
    engine = make_engine(database_url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
    if engine.dialect.name == "postgresql":
        _drop_postgres_database(database_url)


def _drop_postgres_database(url: str) -> None:
    base = os.environ.get("RAPPORT_TEST_DATABASE_URL", DEFAULT_PG_URL)
    admin = make_engine(base)
    name = url.rsplit("/", 1)[-1]
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _clear(engine: Engine) -> None:
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _token_memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no remembered token or session lookups and a memory whose clock stands
    still (app.auth.models.RecentRows), so whether a read looks its token up again never
    depends on how fast the test runs; tests/auth/test_recent_credentials.py moves the clock."""
    monkeypatch.setattr(auth_models, "clock", lambda: 0.0)
    forget_credentials()
    yield
    forget_credentials()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "engine" in request.fixturenames:
        engine = request.getfixturevalue("engine")
        _clear(engine)
        # The shared app loaded the starter banks once; put them back as a new app would.
        ensure_starter_banks(engine)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="t" * 48,
        base_url="http://testserver",
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
def _shared_app(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> FastAPI:
    base = Settings(
        env="test",
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database_url,
        secret_key="t" * 48,
        base_url="http://testserver",
        log_level="WARNING",
    )
    return create_app(settings=base, engine=engine)


@pytest.fixture
def app(settings: Settings, _shared_app: FastAPI) -> FastAPI:
    # Building an app costs ~0.2 s of route and schema set-up, and the app keeps no state
    # between requests, so one per worker serves every test. Each test gets its own settings
    # object, so a test that changes one cannot leak into the next. Tests that need other
    # middleware settings build their own app with create_app().
    _shared_app.state.settings = settings
    return _shared_app


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session for arranging data and checking results directly through services."""
    session = open_session(engine, write=True)
    yield session
    session.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous client."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def make_user(db: Session) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def _make(
        username: str | None = None,
        *,
        password: str = PASSWORD,
        is_admin: bool = False,
        timezone: str = "UTC",
    ) -> User:
        name = username or f"user{next(counter)}"
        return auth_service.create_user(
            db, UserCreate(username=name, password=password, timezone=timezone), is_admin=is_admin
        )

    return _make


@pytest.fixture
def make_token(db: Session) -> Callable[..., str]:
    def _make(
        user: User, scopes: tuple[str, ...] = ("read", "write"), expires_in_days: int | None = 30
    ) -> str:
        secret, _ = tokens_service.create_token(
            db,
            user,
            TokenCreate(name="test", scopes=list(scopes), expires_in_days=expires_in_days),  # type: ignore[arg-type]
        )
        return secret

    return _make


class ApiClient(TestClient):
    """A TestClient that sends a bearer token on every request."""


class WebClient(TestClient):
    """A browser-like client: logged in by cookie, sends the CSRF token like HTMX does."""

    csrf_token: str = ""

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if method.upper() not in ("GET", "HEAD", "OPTIONS") and self.csrf_token:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRF-Token", self.csrf_token)
            kwargs["headers"] = headers
        return super().request(method, url, **kwargs)

    def form_post(self, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
        """Submit a form as a browser without JavaScript would (token in the body)."""
        body = {"csrf_token": self.csrf_token, **data}
        headers = {"X-CSRF-Token": ""} | dict(kwargs.pop("headers", None) or {})
        return TestClient.request(self, "POST", url, data=body, headers=headers, **kwargs)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def api_client_for(
    app: FastAPI, make_token: Callable[..., str]
) -> Iterator[Callable[..., ApiClient]]:
    clients: list[ApiClient] = []

    def _make(user: User, scopes: tuple[str, ...] = ("read", "write")) -> ApiClient:
        c = ApiClient(app, raise_server_exceptions=False)
        c.headers["Authorization"] = f"Bearer {make_token(user, scopes)}"
        clients.append(c)
        return c

    yield _make
    for c in clients:
        c.close()


def login(client: WebClient, username: str, password: str = PASSWORD) -> WebClient:
    """Log a web client in through the real login form and pick up its CSRF token."""
    response = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = client.get("/account")
    match = CSRF_RE.search(page.text)
    assert match, "no CSRF token on the account page"
    client.csrf_token = match.group(1)
    return client


@pytest.fixture
def web_client_for(app: FastAPI) -> Iterator[Callable[..., WebClient]]:
    clients: list[WebClient] = []

    def _make(user: User, password: str = PASSWORD) -> WebClient:
        c = WebClient(app, raise_server_exceptions=False)
        clients.append(c)
        return login(c, user.username, password)

    yield _make
    for c in clients:
        c.close()


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user("alice")


@pytest.fixture
def other_user(make_user: Callable[..., User]) -> User:
    return make_user("mallory")


@pytest.fixture
def api(user: User, api_client_for: Callable[..., ApiClient]) -> ApiClient:
    """An API client authenticated as ``user`` with read and write scopes."""
    return api_client_for(user)


@pytest.fixture
def web(user: User, web_client_for: Callable[..., WebClient]) -> WebClient:
    """A logged-in browser-like client for ``user``."""
    return web_client_for(user)
